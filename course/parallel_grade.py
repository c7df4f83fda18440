"""Autograde a class in parallel with nbgrader's own converter, keeping one writer on the gradebook.

SQLite allows one writer, so grading is split in two. Worker processes run nbgrader's Autograde
with only its execution steps, each against a private snapshot of the gradebook and a private
output folder. The parent process alone writes the real gradebook: for each finished submission it
runs nbgrader's Autograde again on the executed notebook with every step except Execute (so
nbgrader itself decides the scores, exactly as `nbgrader autograde` would). A submission that
overruns the wall-clock limit has its worker (and the worker's kernels) killed and is recorded
with zero on every graded cell.
"""

import multiprocessing
import os
import shutil
import signal
import sqlite3
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.converters import Autograde
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import AssignLatePenalties, Execute, NbGraderPreprocessor, SaveAutoGrades
from sqlalchemy.exc import SAWarning
from traitlets import Unicode
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from course.errors import CourseInputError
from course.nbgrader_setup import course_api

# nbgrader's own autograde steps, split: workers run all but the gradebook writes, the parent all but Execute.
NBGRADER_STEPS = Autograde.class_traits()["autograde_preprocessors"].default()
EXECUTE_STEPS = [p for p in NBGRADER_STEPS if p not in (SaveAutoGrades, AssignLatePenalties)]
SAVE_STEPS = [p for p in NBGRADER_STEPS if p is not Execute]
POLL_S = 0.05


@dataclass(frozen=True)
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str  # "graded", "timed out" or "failed"
    seconds: float
    detail: str = ""


class MarkUnfinished(NbGraderPreprocessor):
    """Give every graded cell an error output, so nbgrader scores it zero (used after a timeout)."""

    reason = Unicode("grading stopped", help="why the submission was not executed").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.outputs = [
                nbformat.v4.new_output("error", ename="GradingStopped", evalue=self.reason, traceback=[])
            ]
        return cell, resources


def _config(root: Path, **overrides: dict) -> Config:
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    for section, values in overrides.items():
        for key, value in values.items():
            config[section][key] = value
    return config


def _api(config: Config) -> NbGraderAPI:
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _worker_main(conn: Connection, root: str, scratch: str) -> None:
    """A worker: execute submissions with nbgrader against a private gradebook until told to stop."""
    os.setsid()  # its own process group, so a timeout kills the worker and its kernels together
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's known, harmless gradebook noise
    course_api(Path(root))  # puts this Python's bin folder on PATH, as nbgrader needs alembic there
    api = _api(
        _config(
            Path(root),
            CourseDirectory={
                "autograded_directory": str(Path(scratch) / "autograded"),
                "db_url": f"sqlite:///{Path(scratch) / 'gradebook.db'}",
            },
            Autograde={"autograde_preprocessors": EXECUTE_STEPS},
        )
    )
    conn.send("ready")
    while (task := conn.recv()) is not None:
        assignment, student = task
        started = time.monotonic()
        result = api.autograde(assignment, student, force=True)
        conn.send((student, bool(result.get("success")), result.get("log", ""), time.monotonic() - started))


class _Worker:
    """One worker process, its pipe, its scratch folder and the API that saves its results."""

    def __init__(self, root: Path, scratch: Path, snapshot: Path) -> None:
        self.scratch = scratch
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        shutil.copy2(snapshot, scratch / "gradebook.db")
        self.conn, child = multiprocessing.get_context("spawn").Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=_worker_main, args=(child, str(root), str(scratch)), daemon=True
        )
        self.process.start()
        self.task: tuple[str, float] | None = None  # (student, start time)

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout) or self.conn.recv() != "ready":
            self.kill()
            raise RuntimeError("a grading worker did not start; see the messages above")

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            self.process.kill()
        self.process.join(5)

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            self.process.join(10)
            if self.process.is_alive():
                self.kill()


def _snapshot(db_path: Path, target: Path) -> None:
    """A consistent copy of the gradebook, taken with SQLite's backup API."""
    with sqlite3.connect(db_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)


def submitted_students(root: Path, assignment: str) -> list[str]:
    """Students who have a submission of ASSIGNMENT under submitted/."""
    base = root / "submitted"
    return sorted(p.parent.name for p in base.glob(f"*/{assignment}") if p.is_dir()) if base.is_dir() else []


def grade_assignment(
    root: Path,
    assignment: str,
    students: list[str] | None = None,
    workers: int = 2,
    limit_s: float = 600.0,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Autograde ASSIGNMENT for STUDENTS (default: all who submitted) with WORKERS processes."""
    main = course_api(root)
    with Gradebook(main.coursedir.db_url, main.coursedir.course_id) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseInputError(
                f"assignment {assignment!r} is not in the gradebook: run `course release {assignment}` first"
            ) from None
    students = submitted_students(root, assignment) if students is None else students
    missing = [s for s in students if not (root / "submitted" / s / assignment).is_dir()]
    if missing:
        raise CourseInputError(f"no submission of {assignment} for {', '.join(missing)} under submitted/")
    if type(workers) is not int or workers < 1:
        raise CourseInputError(f"--workers must be a whole number >= 1 (got {workers!r})")

    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        scratch = Path(tmp)
        snapshot = scratch / "snapshot.db"
        _snapshot(Path(main.coursedir.db_url.removeprefix("sqlite:///")), snapshot)
        queue = list(students)
        pool = [_Worker(root, scratch / f"worker-{k}", snapshot) for k in range(min(workers, len(queue)))]
        for worker in pool:
            worker.wait_ready(60)
        try:
            while queue or any(w.task for w in pool):
                for k, worker in enumerate(pool):
                    if worker.task is None and queue:
                        student = queue.pop(0)
                        worker.task = (student, time.monotonic())
                        worker.conn.send((assignment, student))
                    if worker.task is None:
                        continue
                    student, started = worker.task
                    if worker.conn.poll(POLL_S / len(pool)):
                        _, ok, log, seconds = worker.conn.recv()
                        worker.task = None
                        if ok:
                            _save(root, worker.scratch / "autograded", assignment, student)
                            outcome = Outcome(student, "graded", seconds)
                        else:
                            outcome = Outcome(student, "failed", seconds, log[-2000:])
                    elif not worker.process.is_alive() or time.monotonic() - started > limit_s:
                        timed_out = worker.process.is_alive()
                        worker.kill()
                        pool[k] = _Worker(root, worker.scratch, snapshot)
                        pool[k].wait_ready(60)
                        reason = f"timed out after {limit_s:g} s" if timed_out else "the grading worker died"
                        _save_zero(root, assignment, student, reason)
                        outcome = Outcome(
                            student,
                            "timed out" if timed_out else "failed",
                            time.monotonic() - started,
                            reason,
                        )
                    else:
                        continue
                    outcomes.append(outcome)
                    if on_done:
                        on_done(outcome)
        finally:
            for worker in pool:
                worker.stop()
    return outcomes


def _save(root: Path, executed: Path, assignment: str, student: str) -> None:
    """Let nbgrader score an executed submission and write the real gradebook (the one writer)."""
    stamp = root / "submitted" / student / assignment / "timestamp.txt"
    if stamp.exists():
        shutil.copy2(stamp, executed / student / assignment / "timestamp.txt")
    api = _api(
        _config(
            root,
            CourseDirectory={"submitted_directory": str(executed)},
            Autograde={"sanitize_preprocessors": [], "autograde_preprocessors": SAVE_STEPS},
        )
    )
    result = api.autograde(assignment, student, force=True)
    if not result.get("success"):
        raise RuntimeError(f"saving the grades of {student} failed:\n{result.get('log', '')}")


def _save_zero(root: Path, assignment: str, student: str, reason: str) -> None:
    """Record zero on every graded cell of a submission that could not be executed."""
    steps = [MarkUnfinished, *SAVE_STEPS]
    api = _api(_config(root, Autograde={"autograde_preprocessors": steps}, MarkUnfinished={"reason": reason}))
    result = api.autograde(assignment, student, force=True)
    if not result.get("success"):
        raise RuntimeError(f"recording zero for {student} failed:\n{result.get('log', '')}")

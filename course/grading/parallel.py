"""Autograde a class in parallel with nbgrader's own converter, safely, keeping one writer on the gradebook.

SQLite allows one writer, so grading is split in two. Worker processes run nbgrader's Autograde
with only its execution steps, each against a private snapshot of the gradebook and a private
output folder. The parent process alone writes the real gradebook: for each finished submission it
runs nbgrader's Autograde again on the executed notebook with every step except Execute (so
nbgrader itself decides the scores, exactly as `nbgrader autograde` would).

Submissions are hostile until proven otherwise (see "Grading safety and threat model" in the
README). Before running anything a worker refuses folders that are not plain files or whose
notebooks cannot be read (`course.grading.tamper.preflight`) and compares each notebook's graded cells
with the instructor's (`course.grading.tamper.structure_findings`). Student code runs in the sandboxed
kernel of `course.grading.kernel_sandbox` (an unprivileged uid, limits, no network, no course files);
the test cells run in the worker (`course.grading.verdict`), and labs talk to lab servers outside the
kernel (`course.grading.lab_host`). A tampered notebook is zeroed for review; a per-student log line
(logger `course.grade`, and the `Outcome`) says what happened. A submission that overruns the
wall-clock limit has its worker (and the worker's kernels) killed and is recorded with zero on every
graded cell.

Each student's grades are committed at once: nbgrader writes a copy of the gradebook, which then
replaces the real one with an atomic rename (SQLite), or whose rows of that student replace theirs in
one transaction (a database server such as PostgreSQL: the workers' snapshot and the copy hold only
the assignment and that student), so an interrupted run (Ctrl-C, a crash) leaves the gradebook as it
was before that student, and running again gives the same grades.
"""

import json
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.preprocessors import Execute
from sqlalchemy.exc import SAWarning

from course.errors import CourseInputError
from course.grading import tamper
from course.grading.gradebook_writer import TIMING_PARTS, Outcome, private_copy, record_safely, save_zero
from course.grading.kernel_sandbox import Limits
from course.grading.nbgrader_setup import EXECUTE_STEPS, api_for, course_api, course_config

POLL_S = 0.05
WORKER_START_S = 180.0  # a worker's imports and its sandbox's (course.grading.zygote), on a busy machine
UNSANDBOXED_ENV = "COURSE_GRADE_UNSANDBOXED"
log = logging.getLogger("course.grade")


def _notebook_names(db_url: str, course_id: str, assignment: str) -> list[str]:
    with Gradebook(db_url, course_id) as gb:
        return [nb.name for nb in gb.find_assignment(assignment).notebooks]


class _Reference:
    """An assignment's instructor notebooks, read once per worker, for the structure check and the grader."""

    def __init__(self, root: Path, assignment: str, names: list[str]) -> None:
        self.paths = {name: root / "source" / assignment / f"{name}.ipynb" for name in names}
        self.notebooks = {name: nbformat.read(path, as_version=4) for name, path in self.paths.items()}


def _worker_main(conn: Connection, root: str, scratch: str, options: dict) -> None:
    """A worker: check and execute submissions with nbgrader, on a private gradebook, until told to stop."""
    os.setsid()  # its own process group, so a timeout kills the worker and its kernels together
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's known, harmless gradebook noise
    root_path, scratch_path = Path(root), Path(scratch)
    course_api(root_path)  # puts this Python's bin folder on PATH, as nbgrader needs alembic there
    runtime = scratch_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)  # connection files of this worker's kernels only
    limits = Limits(**options["limits"])
    reports = scratch_path / "reports"
    overrides = {
        "CourseDirectory": {
            "autograded_directory": str(scratch_path / "autograded"),
            "db_url": f"sqlite:///{scratch_path / 'gradebook.db'}",
        },
        "Execute": {"timeout": limits.cell_timeout_s},
    }
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # as in the kernel, for the cells run in the grader
    os.environ["MPLBACKEND"] = "Agg"
    cleanups: list = []  # what the worker gives back when it ends: uid leases, lab servers
    steps, labs = EXECUTE_STEPS, None
    if options["sandboxed"]:
        from course.grading.guarded_kernel import GuardedExecute

        steps = [GuardedExecute if p is Execute else p for p in EXECUTE_STEPS]
        settings, labs = _sandbox(scratch_path, limits, options, cleanups)
        overrides["GuardedExecute"] = {"sandbox": settings, "report_dir": str(reports)}
    overrides["Autograde"] = {"autograde_preprocessors": steps}
    config = course_config(root_path, **overrides)
    api = api_for(config)
    references: dict[str, _Reference] = {}
    conn.send("ready")
    while (task := conn.recv()) is not None:
        assignment, student = task
        started = time.monotonic()
        if assignment not in references:
            names = _notebook_names(config.CourseDirectory.db_url, api.coursedir.course_id, assignment)
            references[assignment] = _Reference(root_path, assignment, names)
        try:
            if labs is not None:
                labs.reset()
            reply = _grade_one(
                api, root_path, reports, references[assignment], assignment, student, limits, options
            )
        except Exception:  # noqa: BLE001 (reported to the parent, which zeroes the submission)
            log_text = traceback.format_exc()
            reply = {
                "student": student,
                "refused": [],
                "tampered": [],
                "events": [],
                "ok": False,
                "log": log_text,
            }
        reply["seconds"] = time.monotonic() - started
        conn.send(reply)
    if cleanups:
        from course.grading.zygote_pool import close_zygotes

        close_zygotes()
    for cleanup in reversed(cleanups):
        cleanup()


def _sandbox(scratch: Path, limits: Limits, options: dict, cleanups: list) -> tuple[dict, object]:
    """The kernel sandbox's settings, with its zygote started, and the lab servers (or None);
    what to undo when the worker ends goes on CLEANUPS."""
    from course.grading.kernel_sandbox import UidLease, sandbox_settings, trusted_roots
    from course.grading.zygote_pool import zygote_for

    lease = UidLease()
    cleanups.append(lease.release)
    labs = None
    if options.get("labs"):
        from course.grading.lab_host import LabHost
        from course.local_moto import LAB_SOCKETS_ENV

        lab_lease = UidLease()  # the servers' threads must not count against the kernel's processes
        cleanups.append(lab_lease.release)
        sandbox = {"uid": lab_lease.uid, "limits": options["limits"], "roots": trusted_roots()}
        labs = LabHost(scratch / "labs", options["labs"], sandbox)
        cleanups.append(labs.close)
        os.environ[LAB_SOCKETS_ENV] = str(scratch / "labs")  # the grader's own lab clients reach them too
    folder = str(scratch / "labs") if labs else None
    settings = sandbox_settings(
        lease.uid, limits, options["mpl_cache"], str(scratch), options["services"], folder
    )
    zygote_for(settings)  # its imports are done before the first submission arrives
    return settings, labs


def _grade_one(
    api,
    root: Path,
    reports: Path,
    ref: _Reference,
    assignment: str,
    student: str,
    limits: Limits,
    options: dict,
) -> dict:
    """Check, execute and re-check one submission; what the parent needs to record it."""
    folder = root / "submitted" / student / assignment
    names = list(ref.notebooks)
    problems, missing = tamper.preflight(
        folder,
        [f"{n}.ipynb" for n in names],
        limits.notebook_mb,
        limits.submission_mb,
        limits.submission_files,
    )
    reply = {
        "student": student,
        "refused": problems,
        "tampered": [],
        "events": [],
        "ok": False,
        "log": "",
        "timing": {},
    }
    if missing and not problems:
        reply["events"].append(f"notebook missing: {', '.join(missing)} (scored zero)")
    if problems:
        return reply
    for name in names:
        if f"{name}.ipynb" not in missing:
            submitted = nbformat.read(folder / f"{name}.ipynb", as_version=4)
            reply["tampered"] += [
                f"{name}: {f}" for f in tamper.structure_findings(submitted, ref.notebooks[name])
            ]
    if reply["tampered"]:
        reply["stage"] = "before execution"
        return reply
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir()
    kernel_spec = {"submission": "/guard/submission", "workdir": "/tmp/work", "mpl_cache": "/guard/mpl"}
    for name, path in ref.paths.items():
        (reports / f"{name}.spec.json").write_text(json.dumps(kernel_spec))
        (reports / f"{name}.grader.json").write_text(json.dumps({"reference": str(path)}))
    result = api.autograde(assignment, student, force=True)
    reply["ok"], reply["log"] = bool(result.get("success")), result.get("log", "")[-3000:]
    if not reply["ok"]:
        return reply
    for name in names:
        report_path = reports / f"{name}.verdict.json"
        if options["sandboxed"] and report_path.is_file():
            report = json.loads(report_path.read_text())
            for part, seconds in report.get("timing", {}).items():
                reply["timing"][part] = reply["timing"].get(part, 0.0) + seconds
            reply["events"] += [f"{name}: {e}" for e in report["events"]]
    reply["stage"] = "after execution"
    return reply


class _Worker:
    """One worker process, its pipe, its scratch folder and the API that saves its results."""

    def __init__(self, root: Path, scratch: Path, snapshot: Path, options: dict) -> None:
        self.scratch = scratch
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        shutil.copy2(snapshot, scratch / "gradebook.db")
        self.conn, child = multiprocessing.get_context("spawn").Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=_worker_main, args=(child, str(root), str(scratch), options), daemon=True
        )
        self.process.start()
        self.task: tuple[str, float] | None = None  # (student, start time)

    def assign(self, assignment: str, student: str) -> None:
        self.task = (student, time.monotonic())
        self.conn.send((assignment, student))

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

    def ask_to_stop(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                pass

    def stop(self) -> None:
        self.ask_to_stop()
        self.process.join(10)
        if self.process.is_alive():
            self.kill()


def submitted_students(root: Path, assignment: str) -> list[str]:
    """Students who have a submission of ASSIGNMENT under submitted/."""
    base = root / "submitted"
    return sorted(p.parent.name for p in base.glob(f"*/{assignment}") if p.is_dir()) if base.is_dir() else []


def _allowed_unsandboxed(allow: bool | None) -> bool:
    if allow is None:
        return os.environ.get(UNSANDBOXED_ENV, "").strip().lower() in ("1", "yes", "true")
    return allow


def grade_assignment(
    root: Path,
    assignment: str,
    students: list[str] | None = None,
    workers: int = 2,
    limit_s: float = 600.0,
    on_done: Callable[[Outcome], None] | None = None,
    limits: Limits | None = None,
    allow_unsandboxed: bool | None = None,
    scheduler: str | None = None,
) -> list[Outcome]:
    """Autograde ASSIGNMENT for STUDENTS (default: all who submitted) with WORKERS processes.

    LIMIT_S is the wall-clock limit per submission; LIMITS what each kernel may use (the time per
    cell defaults to `Execute.timeout` of the course's nbgrader_config.py). Grading refuses to run
    without the sandbox unless ALLOW_UNSANDBOXED (default: the environment variable
    COURSE_GRADE_UNSANDBOXED=1) says to run student code unconfined. With SCHEDULER (a Dask
    scheduler's address) the submissions are executed on that cluster's workers
    (`course.grading.cluster`), each of which checks its own sandbox; this process still writes
    the gradebook.
    """
    main = course_api(root)
    students = _checked_request(root, main, assignment, students, workers)
    if limits is None:
        limits = Limits(cell_timeout_s=int(main.config.Execute.get("timeout", Limits.cell_timeout_s)))
    if scheduler:
        from course.grading.cluster import grade_on_cluster

        allow = _allowed_unsandboxed(allow_unsandboxed)
        return grade_on_cluster(root, main, assignment, students, limit_s, limits, allow, on_done, scheduler)
    from course.grading.kernel_sandbox import lab_servers, lab_services, matplotlib_cache, private_dir

    problem = _sandbox_problem_allowed(allow_unsandboxed)
    with tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        scratch = Path(tmp)
        os.chmod(scratch, 0o700)
        private_copy(main.coursedir.db_url, scratch / "snapshot.db", main.coursedir.course_id, assignment)
        options = {
            "sandboxed": not problem,
            "limits": asdict(limits),
            "mpl_cache": None if problem else matplotlib_cache(private_dir() / "mpl"),
            "services": lab_services(root / "source" / assignment),
            "labs": lab_servers(root / "source" / assignment),
        }
        return _run_pool(root, scratch, assignment, list(students), workers, limit_s, options, on_done)


def _checked_request(
    root: Path, main: NbGraderAPI, assignment: str, students: list[str] | None, workers: object
) -> list[str]:
    """The students to grade, once the assignment, their submissions and WORKERS are known to be sound."""
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
    return students


def _sandbox_problem_allowed(allow_unsandboxed: bool | None) -> str:
    """Why the sandbox cannot run ('' if it can); refuse unless grading unsandboxed is allowed."""
    from course.grading.kernel_sandbox import sandbox_problem

    problem = sandbox_problem()
    if problem and not _allowed_unsandboxed(allow_unsandboxed):
        raise CourseInputError(
            f"cannot sandbox student code: {problem}. Grading runs student code; without the sandbox it "
            f"could read hidden tests, change grades and damage files. Install the sandbox, or grade "
            f"trusted submissions unsandboxed with allow_unsandboxed=True ({UNSANDBOXED_ENV}=1)."
        )
    if problem:
        message = f"grading WITHOUT the sandbox ({problem}): student code runs with your permissions"
        warnings.warn(message, stacklevel=3)
        log.warning(message)
    return problem


def _run_pool(
    root: Path,
    scratch: Path,
    assignment: str,
    queue: list[str],
    workers: int,
    limit_s: float,
    options: dict,
    on_done: Callable[[Outcome], None] | None,
) -> list[Outcome]:
    """Hand QUEUE's students to the workers, save each finished one here, replace a stuck or dead worker."""
    outcomes: list[Outcome] = []
    snapshot_db = scratch / "snapshot.db"
    count = min(workers, len(queue))
    pool = [_Worker(root, scratch / f"worker-{k}", snapshot_db, options) for k in range(count)]
    for worker in pool:
        worker.wait_ready(WORKER_START_S)
    try:
        while queue or any(w.task for w in pool):
            for k, worker in enumerate(pool):
                if worker.task is None and queue:
                    worker.assign(assignment, queue.pop(0))
                if worker.task is None:
                    continue
                student, started = worker.task
                if worker.conn.poll(POLL_S / len(pool)):
                    reply = worker.conn.recv()
                    worker.task = None
                    if queue:  # the worker goes on while its last submission is saved here
                        worker.assign(assignment, queue.pop(0))
                    outcome = record_safely(root, scratch, worker.scratch / "autograded", assignment, reply)
                elif not worker.process.is_alive() or time.monotonic() - started > limit_s:
                    timed_out = worker.process.is_alive()
                    worker.kill()
                    pool[k] = _Worker(root, worker.scratch, snapshot_db, options)
                    pool[k].wait_ready(WORKER_START_S)
                    reason = f"timed out after {limit_s:g} s" if timed_out else "the grading worker died"
                    save_zero(root, scratch, assignment, student, reason)
                    status = "timed out" if timed_out else "failed"
                    outcome = Outcome(student, status, time.monotonic() - started, reason)
                else:
                    continue
                _log(outcome)
                outcomes.append(outcome)
                if on_done:
                    on_done(outcome)
    finally:
        for worker in pool:  # all at once: each takes its sandbox down
            worker.ask_to_stop()
        for worker in pool:
            worker.stop()
    return outcomes


def timing_summary(outcomes: list[Outcome]) -> str:
    """One line: the mean seconds of each of TIMING_PARTS over the OUTCOMES that were timed ('' if none)."""
    timed = [o.timing for o in outcomes if o.timing]
    if not timed:
        return ""
    parts = ", ".join(f"{part} {sum(t[part] for t in timed) / len(timed):.2f} s" for part in TIMING_PARTS)
    return f"time per submission (mean of {len(timed)}): {parts}"


def _log(outcome: Outcome) -> None:
    line = f"{outcome.student}: {outcome.status} in {outcome.seconds:.1f} s"
    if outcome.detail:
        line += f" ({outcome.detail})"
    (log.info if outcome.status == "graded" and not outcome.detail else log.warning)(line)

"""The one process that writes the gradebook: each student's grades committed at once, or zero.

nbgrader scores what a worker executed (`course.grading.parallel`) by running its own Autograde steps
without Execute on a copy of the gradebook. An SQLite gradebook is then replaced by that copy with an
atomic rename; on a database server (PostgreSQL) the copy holds only the assignment and the student,
whose rows then replace theirs in one transaction (`course.grading.gradebook_copy`).
A submission that cannot be scored gets zero on every graded cell, written directly if need be.
"""

import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from nbgrader.api import Gradebook

from course.grading import tamper
from course.grading.gradebook_copy import assignment_copy, commit_student, is_sqlite, sqlite_path
from course.grading.nbgrader_setup import (
    RECORD_STEPS,
    SAVE_STEPS,
    MarkUnfinished,
    api_for,
    course_api,
    course_config,
)

TIMING_PARTS = ("kernel start-up", "cells", "checks and nbgrader", "saving")
log = logging.getLogger("course.grade")


@dataclass(frozen=True)
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str  # "graded", "flagged" (zero for review), "refused" (unreadable), "timed out" or "failed"
    seconds: float
    detail: str = ""
    timing: dict[str, float] = field(default_factory=dict)  # seconds per part, see TIMING_PARTS


def snapshot(db_path: Path, target: Path) -> None:
    """A consistent copy of the gradebook, taken with SQLite's backup API."""
    with sqlite3.connect(db_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)


def private_copy(db_url: str, target: Path, course_id: str, assignment: str, student: str | None = None):
    """A private SQLite copy at TARGET of the gradebook at DB_URL: all of it for SQLite (None returned);
    from a server, ASSIGNMENT's definition and STUDENT's rows (the definition's digest returned)."""
    if is_sqlite(db_url):
        snapshot(sqlite_path(db_url), target)
        return None
    return assignment_copy(db_url, target, course_id, assignment, student)


def record(root: Path, scratch: Path, executed: Path, assignment: str, reply: dict) -> Outcome:
    """Write what a worker found about one submission to the gradebook; say what happened."""
    student, seconds = reply["student"], reply["seconds"]
    if reply["refused"]:
        detail = "; ".join(reply["refused"])
        _zero_gradebook(root, scratch, assignment, student)
        return Outcome(student, "refused", seconds, detail)
    if reply["tampered"]:
        detail = "zero for review: " + "; ".join(reply["tampered"])
        source = executed if reply.get("stage") == "after execution" else None
        save_zero(root, scratch, assignment, student, detail, executed=source)
        return Outcome(student, "flagged", seconds, detail)
    if not reply["ok"]:
        last = [line for line in reply["log"].splitlines() if line.strip()][-1:] or ["no log"]
        detail = f"grading failed: {last[0][:300]}"
        save_zero(root, scratch, assignment, student, detail)
        return Outcome(student, "failed", seconds, detail)
    _save(root, scratch, executed, assignment, student)
    return Outcome(student, "graded", seconds, "; ".join(reply["events"]))


def record_safely(root: Path, scratch: Path, executed: Path, assignment: str, reply: dict) -> Outcome:
    """`record`, but a submission that makes saving fail is zeroed and the run goes on."""
    started = time.monotonic()
    try:
        return _timed(record(root, scratch, executed, assignment, reply), reply, time.monotonic() - started)
    except Exception as e:  # noqa: BLE001 (one submission must not stop the class's grading)
        detail = (
            f"grading failed while saving: {str(e).strip().splitlines()[-1][:300] if str(e).strip() else e!r}"
        )
        try:
            _zero_gradebook(root, scratch, assignment, reply["student"])
        except Exception as again:  # noqa: BLE001
            detail += f"; zero not recorded either ({again!r})"
        return Outcome(reply["student"], "failed", reply.get("seconds", 0.0), detail)


def _timed(outcome: Outcome, reply: dict, saving_s: float) -> Outcome:
    """OUTCOME with the time of each part of its grading (TIMING_PARTS)."""
    kernel, cells = (reply.get("timing", {}).get(k, 0.0) for k in ("kernel", "cells"))
    rest = max(reply.get("seconds", 0.0) - kernel - cells, 0.0)
    return replace(outcome, timing=dict(zip(TIMING_PARTS, (kernel, cells, rest, saving_s), strict=True)))


def _commit(
    root: Path, scratch: Path, assignment: str, student: str, write: Callable[[str, Path], None]
) -> None:
    """Run WRITE(db_url, autograded_dir) on copies of the gradebook and of autograded/, then swap them in.

    An SQLite gradebook is replaced with one atomic rename; on a server the student's rows are
    replaced in one transaction. Either way a run interrupted at any point leaves the gradebook
    either as it was before this student or with this student's grades complete.
    """
    main = course_api(root)
    db_url, course_id = main.coursedir.db_url, main.coursedir.course_id
    stage = scratch / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    staged_db = stage / "gradebook.db"
    digest = private_copy(db_url, staged_db, course_id, assignment, student)
    write(f"sqlite:///{staged_db}", stage / "autograded")
    new = stage / "autograded" / student / assignment
    target = root / "autograded" / student / assignment
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming, old = target.parent / f".{assignment}.incoming", target.parent / f".{assignment}.old"
    for leftover in (incoming, old):
        shutil.rmtree(leftover, ignore_errors=True)
    if new.exists():
        shutil.copytree(new, incoming)
    if target.exists():
        os.rename(target, old)
    if incoming.exists():
        os.rename(incoming, target)
    if digest is None:
        _replace_db(staged_db, sqlite_path(db_url))
    else:
        commit_student(staged_db, db_url, course_id, assignment, student, digest)
    shutil.rmtree(old, ignore_errors=True)


def _replace_db(staged: Path, real: Path) -> None:
    """Put the staged gradebook in place of the real one with an atomic rename."""
    temporary = real.with_name(f".{real.name}.incoming")
    shutil.copyfile(staged, temporary)
    if real.exists():
        shutil.copymode(real, temporary)
    os.replace(temporary, real)


def _save(
    root: Path,
    scratch: Path,
    folder: Path,
    assignment: str,
    student: str,
    reason: str = "",
    executed: bool = True,
) -> None:
    """Let nbgrader score a submission under FOLDER and commit it.

    FOLDER holds executed notebooks (nbgrader's sanitising steps already ran on them) or, when not
    EXECUTED, the submitted ones. With a REASON every graded cell is zeroed (nbgrader's notebook is
    kept for review, with the reason as each graded cell's error).
    """
    stamp = root / "submitted" / student / assignment / "timestamp.txt"
    if executed and stamp.is_file() and not stamp.is_symlink() and (folder / student / assignment).is_dir():
        shutil.copyfile(stamp, folder / student / assignment / "timestamp.txt")
    steps = [MarkUnfinished] if reason else []
    steps += RECORD_STEPS if executed else SAVE_STEPS
    autograde = {"autograde_preprocessors": steps, **({"sanitize_preprocessors": []} if executed else {})}

    def write(db_url: str, autograded: Path) -> None:
        directories = {
            "submitted_directory": str(folder),
            "db_url": db_url,
            "autograded_directory": str(autograded),
        }
        config = course_config(
            root, CourseDirectory=directories, Autograde=autograde, MarkUnfinished={"reason": reason}
        )
        api = api_for(config)
        result = api.autograde(assignment, student, force=True)
        if not result.get("success"):
            raise RuntimeError(f"saving the grades of {student} failed:\n{result.get('log', '')}")
        if reason:
            _zero_rows(db_url, api.coursedir.course_id, assignment, student)

    _commit(root, scratch, assignment, student, write)


def save_zero(
    root: Path, scratch: Path, assignment: str, student: str, reason: str, executed: Path | None = None
) -> None:
    """Record zero on every graded cell: through nbgrader when it can read the notebooks (which are then
    kept for review), else directly in the gradebook."""
    try:
        if executed is None:
            problems, _ = tamper.preflight(root / "submitted" / student / assignment, [], 1e6, 1e6, 10**9)
            if problems:
                raise RuntimeError("; ".join(problems))
        _save(
            root, scratch, executed or root / "submitted", assignment, student, reason, executed is not None
        )
    except (RuntimeError, OSError, ValueError) as e:
        why = str(e).strip().splitlines()[-1][:200] if str(e).strip() else type(e).__name__
        log.warning(
            "%s: nbgrader could not record zero (%s); writing it to the gradebook directly", student, why
        )
        _zero_gradebook(root, scratch, assignment, student)


def _zero_rows(db_url: str, course_id: str, assignment: str, student: str, timestamp=None) -> None:
    with Gradebook(db_url, course_id) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(
            assignment, student, **({"timestamp": timestamp} if timestamp else {})
        )
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()


def _zero_gradebook(root: Path, scratch: Path, assignment: str, student: str) -> None:
    """Zero on every graded cell of STUDENT's submission, written to the gradebook without any notebook."""
    main = course_api(root)
    try:
        stamp = main.coursedir.get_existing_timestamp(str(root / "submitted" / student / assignment))
    except Exception:  # noqa: BLE001 (a timestamp nobody can read: the submission counts as on time)
        stamp = None
    _commit(
        root,
        scratch,
        assignment,
        student,
        lambda db_url, _: _zero_rows(db_url, main.coursedir.course_id, assignment, student, stamp),
    )

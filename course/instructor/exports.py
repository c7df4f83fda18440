"""Grades out of nbgrader's gradebook: a wide CSV, Canvas's import layout, and per-question scores.

Every CSV is written formula-safe, as OWASP's CSV-injection guidance says: a text field that starts
with = + - @, a tab, a carriage return (or a line feed or NUL) gets a single quote in front, and
every field is quoted. A student whose grades cannot be read is logged, left blank, and named by
`ExportIncomplete` once the files are written.
"""

import csv
import datetime as dt
import json
import logging
from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook, MissingEntry

from course.errors import CourseInputError
from course.grading.nbgrader_setup import course_api
from course.instructor.roster import load_roster

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
log = logging.getLogger("course.export")


class ExportIncomplete(CourseInputError):
    """Some students' grades could not be read: blank or left out of the files that were written."""

    def __init__(self, written: list[Path], failed: dict[str, str]):
        self.written, self.failed = written, failed
        who = "; ".join(f"{student} ({why})" for student, why in failed.items())
        files = ", ".join(str(p) for p in written)
        super().__init__(
            f"wrote {files}, but the grades of {len(failed)} student(s) could not be read "
            f"(left blank or out): {who}"
        )


def formula_safe(value):
    """VALUE, with a single quote in front if it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """FRAME with every text cell and column name made formula-safe."""
    safe = frame.rename(columns=formula_safe)
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(formula_safe)
    return safe


def write_csv(frame: pd.DataFrame, out: Path) -> Path:
    """FRAME as a formula-safe CSV at OUT, every field quoted."""
    safe_frame(frame).to_csv(out, index=False, quoting=csv.QUOTE_ALL)
    return Path(out)


def why(error: BaseException) -> str:
    """ERROR's last line, for a log line."""
    return (str(error).strip().splitlines() or [type(error).__name__])[-1][:200]


def _gradebook(root: Path) -> Gradebook:
    api = course_api(root)
    return Gradebook(api.coursedir.db_url, api.coursedir.course_id)


def _assignments(gb: Gradebook) -> list:
    """The assignments in nbgrader's order (due date, no date first, then name) on every database."""
    return sorted(gb.assignments, key=lambda a: (a.duedate is not None, a.duedate or dt.datetime.min, a.name))


def _students(gb: Gradebook) -> list:
    """The students in nbgrader's order (last name, first name, a missing name first) on every database,
    then by id: SQLite and PostgreSQL sort missing names and ties differently."""
    return sorted(
        gb.students,
        key=lambda s: (
            s.last_name is not None,
            s.last_name or "",
            s.first_name is not None,
            s.first_name or "",
            s.id,
        ),
    )


def _cell_positions(root: Path, assignment: str, notebook: str) -> dict[str, int]:
    """Each graded cell's position in the instructor's notebook (none if it cannot be read)."""
    path = root / "source" / assignment / f"{notebook}.ipynb"
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return {grade_id: k for k, grade_id in enumerate(ids) if grade_id}


def assignment_maxima(root: Path) -> dict[str, float]:
    """Each assignment's maximum score."""
    with _gradebook(root) as gb:
        return {a.name: float(a.max_score) for a in _assignments(gb)}


def grades_frame(root: Path, failed: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per student, a column per assignment: the score, or NaN where nothing was submitted.

    A student whose grades cannot be read gets NaN everywhere; FAILED (if given) gets why.
    """
    failed = {} if failed is None else failed
    with _gradebook(root) as gb:
        names = [a.name for a in _assignments(gb)]
        rows = []
        for student in _students(gb):
            row = {
                "student_id": student.id,
                "first_name": student.first_name or "",
                "last_name": student.last_name or "",
            }
            row["lms_user_id"] = student.lms_user_id or ""
            try:
                for name in names:
                    try:
                        row[name] = float(gb.find_submission(name, student.id).score)
                    except MissingEntry:
                        row[name] = float("nan")
            except Exception as error:  # noqa: BLE001 (one student's bad row must not stop the export)
                failed[student.id] = why(error)
                log.warning("grades of %s could not be read: %s", student.id, failed[student.id])
                for name in names:
                    row[name] = float("nan")
            rows.append(row)
    return pd.DataFrame(rows, columns=["student_id", "first_name", "last_name", "lms_user_id", *names])


def _submission_rows(assignment, submission) -> list[dict]:
    return [
        {
            "student_id": submission.student.id,
            "assignment": assignment.name,
            "notebook": notebook.name,
            "cell": grade.name,
            "score": float(grade.score),
            "max_score": float(grade.max_score),
        }
        for notebook in submission.notebooks
        for grade in notebook.grades
    ]


def question_frame(
    root: Path, failed: dict[str, str] | None = None, assignment_name: str | None = None
) -> pd.DataFrame:
    """One row per student and graded cell: assignment, notebook, cell, score, maximum.

    Only ASSIGNMENT_NAME's when given. A submission whose grades cannot be read is left out; FAILED
    (if given) gets its student and why. Rows go by assignment, student, notebook, then the cells'
    order in the instructor's notebook, whatever order the database returns them in.
    """
    failed = {} if failed is None else failed
    rows = []
    with _gradebook(root) as gb:
        order = {a.name: k for k, a in enumerate(_assignments(gb))}
        for assignment in gb.assignments:
            if assignment_name is not None and assignment.name != assignment_name:
                continue
            for submission in assignment.submissions:
                try:
                    rows += _submission_rows(assignment, submission)
                except Exception as error:  # noqa: BLE001 (one submission must not stop the others)
                    student = submission.student_id
                    failed[student] = why(error)
                    log.warning(
                        "grades of %s for %s could not be read: %s", student, assignment.name, failed[student]
                    )
    positions: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        key = (row["assignment"], row["notebook"])
        positions.setdefault(key, _cell_positions(root, *key))
    rows.sort(
        key=lambda r: (
            order[r["assignment"]], r["student_id"], r["notebook"],
            positions[r["assignment"], r["notebook"]].get(r["cell"], 10**9), r["cell"],
        )
    )  # fmt: skip
    return pd.DataFrame(rows, columns=["student_id", "assignment", "notebook", "cell", "score", "max_score"])


def export_csv(root: Path, out: Path) -> tuple[Path, Path]:
    """Write the wide grade table to OUT and the per-question scores beside it (formula-safe)."""
    out = Path(out)
    failed: dict[str, str] = {}
    write_csv(grades_frame(root, failed), out)
    questions = out.with_name(out.stem + "-questions.csv")
    write_csv(question_frame(root, failed), questions)
    if failed:
        raise ExportIncomplete([out, questions], failed)
    return out, questions


def export_canvas(root: Path, out: Path) -> Path:
    """Write Canvas's gradebook import layout: the id columns, one per assignment, and Points Possible."""
    failed: dict[str, str] = {}
    grades = grades_frame(root, failed)
    roster = load_roster(root)
    maxima = assignment_maxima(root)
    names = list(maxima)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL)
        writer.writerow([formula_safe(c) for c in CANVAS_COLUMNS + names])
        writer.writerow(["Points Possible", "", "", "", ""] + [f"{maxima[n]:g}" for n in names])
        for row in grades.to_dict("records"):
            try:
                writer.writerow(_canvas_row(row, roster.get(row["student_id"]), names))
            except Exception as error:  # noqa: BLE001 (one student's bad row must not stop the others)
                failed[row["student_id"]] = why(error)
                log.warning("Canvas row of %s not written: %s", row["student_id"], failed[row["student_id"]])
    if failed:
        raise ExportIncomplete([Path(out)], failed)
    return Path(out)


def _canvas_row(row: dict, student, names: list[str]) -> list:
    name = f"{row['last_name']}, {row['first_name']}".strip(", ") or row["student_id"]
    ids = [
        row["lms_user_id"] or (student.lms_user_id if student else ""),
        student.sis_user_id if student else row["student_id"],
        student.sis_login_id if student else "",
        student.section if student else "",
    ]
    scores = ["" if pd.isna(row[n]) else f"{row[n]:g}" for n in names]
    return [formula_safe(v) for v in [name, *ids]] + scores

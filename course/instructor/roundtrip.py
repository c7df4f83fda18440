"""The grading round trip on a scratch copy of the course: submit, autograde, read the gradebook."""

import datetime as dt
import shutil
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from course import notebooks
from course.grading.nbgrader_setup import course_api, run_step
from course.instructor.release import scratch_course

Scores = dict[str, tuple[float, float]]  # grade_id -> (score, max_score)


def grading_course(root: Path, into: Path, names: list[str] | None = None) -> Path:
    """A scratch course in INTO with ROOT's config and source/, and NAMES (default all) generated."""
    scratch_course(root, into)
    api = course_api(into)
    for name in notebooks.assignments(into) if names is None else names:
        run_step(api.generate_assignment(name, force=True), f"generate_assignment {name}")
    return into


def submit(
    course: Path,
    student: str,
    assignment: str,
    nbs: dict[str, nbformat.NotebookNode],
    when: dt.datetime | None = None,
) -> Path:
    """Write a submission as `nbgrader collect` leaves it: submitted/<student>/<assignment>/."""
    folder = course / "submitted" / student / assignment
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, nb in nbs.items():
        notebooks.write(nb, folder / name)
    stamp = (when or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    (folder / "timestamp.txt").write_text(stamp + "\n")
    return folder


def autograde(course: Path, assignment: str, students: list[str]) -> None:
    """nbgrader autograde for each student's submission of ASSIGNMENT, in one process."""
    api = course_api(course)
    for student in students:
        run_step(api.autograde(assignment, student, force=True), f"autograde {assignment} {student}")


def scores(course: Path, assignment: str, student: str) -> Scores:
    """The autograded score of every graded cell of one submission, from the gradebook."""
    api = course_api(course)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return {}
        return {
            g.name: (float(g.score), float(g.max_score)) for nb in submission.notebooks for g in nb.grades
        }

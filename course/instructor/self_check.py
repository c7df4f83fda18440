"""`course check NN`: a self-paced learner's own notebook graded locally, as the course grades it.

The learner has source/ (the course is open), so nothing is secret here: the notebook is submitted
to a scratch course, nbgrader autogrades it with the hidden tests, and every graded cell is reported
with its score and what its tests said, the explanation of each multiple-choice option included.
Only the learner's own code runs, on their own machine, so no sandbox is needed.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from course import notebooks
from course.errors import CourseInputError
from course.grading.nbgrader_setup import check_assignment
from course.instructor.roundtrip import autograde, grading_course, scores, submit
from course.records import Record

LEARNER = "me"
MESSAGE_LINES = 12  # what a test printed, kept per cell in the report


@dataclass(frozen=True)
class CellResult(Record):
    """One graded cell of the learner's notebook: its score and what its tests said."""

    grade_id: str
    score: float
    max_score: float
    message: str


def _message(cell) -> str:
    """What a test cell printed and the error it ended with (its last line), as plain text."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    lines = "".join(p if p.endswith("\n") else p + "\n" for p in parts).strip().splitlines()
    return "\n".join(lines[:MESSAGE_LINES])


def check_notebook(root: Path, assignment: str, path: Path | None = None) -> list[CellResult]:
    """Grade PATH (default: release/ASSIGNMENT's notebook) with the course's tests, hidden ones included."""
    check_assignment(root, assignment)
    names = [p.name for p in notebooks.notebook_paths(root / "source" / assignment)]
    path = path or root / "release" / assignment / names[0]
    if not path.is_file() or path.name not in names:
        raise CourseInputError(
            f"{path} is not a notebook of {assignment} (expected one of {', '.join(names)})"
        )
    with tempfile.TemporaryDirectory(prefix="course-check-") as tmp:
        course = grading_course(root, Path(tmp), [assignment])
        submit(course, LEARNER, assignment, {path.name: notebooks.read(path)})
        autograde(course, assignment, [LEARNER])
        graded = notebooks.read(course / "autograded" / LEARNER / assignment / path.name)
        found = scores(course, assignment, LEARNER)
    results = []
    for cell in graded.cells:
        nbgrader = cell.metadata.get("nbgrader", {})
        if nbgrader.get("grade") and nbgrader.get("grade_id") in found:
            score, max_score = found[nbgrader["grade_id"]]
            results.append(CellResult(nbgrader["grade_id"], score, max_score, _message(cell)))
    return results

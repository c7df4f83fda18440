"""Building submissions and grading them once, for the grading tests."""

import copy
from collections.abc import Callable
from pathlib import Path

import nbformat

from course import notebooks
from course.instructor.release import generate
from course.instructor.roundtrip import submit
from course.instructor.simulation import simulated_class, simulated_submission

ROOT = Path(__file__).resolve().parent.parent


def keep_lab_imports(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """NB with its teaching code cells cut down to the two imports the exercises need.

    Students may edit or delete teaching cells; cutting the figures, tables and moto's EC2 start-up
    keeps the grading tests short. Graded cells and markdown stay as they are.
    """
    kept = []
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.metadata.get("nbgrader"):
            if "from course.aws import regions" in cell.source:
                cell.source = "from course.aws import regions"
            elif "describe_availability_zones" in cell.source:
                cell.source = "from course.aws.sandbox import client"
            else:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


def cell_of(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    """The cell of NB with nbgrader grade id GRADE_ID."""
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def solved(release: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """RELEASE answered with SOURCE's solutions, as a good student hands it in, teaching code cut to
    the lab imports (`keep_lab_imports`). Graded cells and markdown are the release's own."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = cell_of(source, meta["grade_id"]).source.splitlines()
            cell.source = "\n".join(
                ln for ln in lines if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln
            )
    return keep_lab_imports(nb)


def submit_simulated_class(course: Path, name: str, size: int) -> list[str]:
    """SIZE simulated students' submissions of assignment NAME in COURSE; their ids."""
    klass = simulated_class(size)
    released = notebooks.read(ROOT / "release" / name / f"{name}.ipynb")
    answered = notebooks.read(ROOT / "source" / name / f"{name}.ipynb")
    for student in klass:
        submission = simulated_submission(released, answered, student)
        submit(course, student.id, name, {f"{name}.ipynb": submission})
    return [s.id for s in klass]


def notebooks_in(folder: Path) -> dict:
    """The notebooks in FOLDER, by file name."""
    return {p.name: notebooks.read(p) for p in notebooks.notebook_paths(folder)}


def graded_on_first_use(course: Path, grade: Callable[[Path, str], None]) -> Callable[[str], Path]:
    """A function that submits an assignment's solution and untouched stub to COURSE and GRADEs
    them, the first time it is asked for that assignment; it returns COURSE."""
    done = set()

    def graded(name: str) -> Path:
        if name not in done:
            generate(course, [name])
            submit(course, "solution", name, notebooks_in(ROOT / "source" / name))
            submit(course, "stub", name, notebooks_in(ROOT / "release" / name))
            grade(course, name)
            done.add(name)
        return course

    return graded

"""The instructor's loop on a simulated class: submit, autograde, feedback, export, summary.

Each simulated student has an ability between 0 and 1; for every answer cell the student hands
in the solution with that probability and leaves the stub otherwise. The draws are seeded, so
two runs give the same grades. Everything happens in a scratch course folder (build/demo).
"""

import datetime as dt
import random
import shutil
import time
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.plugins import CsvExportPlugin
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SAWarning

from course import notebooks
from course.grading import autograde, grading_course, scores, submit
from course.nbgrader_setup import course_api, run_step

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["ada", "alan", "barbara", "claude", "edsger", "frances", "grace", "john", "katherine", "linus"]
SEED = 2026
DEADLINE = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def class_roster(size: int) -> dict[str, float]:
    """Student ids with abilities spread evenly from 1 (all solved) down to 0 (all blank)."""
    if size < 2:
        raise ValueError("a simulated class needs at least 2 students")
    ids = [NAMES[i % len(NAMES)] + (str(i // len(NAMES)) if i >= len(NAMES) else "") for i in range(size)]
    return {sid: round(1 - i / (size - 1), 3) for i, sid in enumerate(ids)}


def simulated_notebook(
    released: nbformat.NotebookNode, solved: nbformat.NotebookNode, ability: float, rng: random.Random
) -> nbformat.NotebookNode:
    """The release notebook with each answer cell replaced by the solution with probability ABILITY."""
    solutions = {c.id: c.source for c in solved.cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        if cell.id in solutions and rng.random() < ability:
            cell.source = solutions[cell.id]
    return nb


def run_demo(students: int = 6, assignments: list[str] | None = None, out: str = "build/demo") -> Path:
    """Build a scratch course in OUT, grade a simulated class and print where everything is."""
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's known, harmless gradebook noise
    console = Console()
    course = ROOT / out
    shutil.rmtree(course, ignore_errors=True)
    course.mkdir(parents=True)
    names = assignments or notebooks.assignments(ROOT)[:1]
    roster = class_roster(students)
    started = time.monotonic()

    console.print(f"[bold]1/5[/] course folder {course}: generating {', '.join(names)}")
    grading_course(ROOT, course, names)
    for name in names:
        console.print(f"[bold]2/5[/] {name}: {len(roster)} simulated submissions")
        for i, (student, ability) in enumerate(roster.items()):
            rng = random.Random(f"{SEED}:{name}:{student}")
            late = dt.timedelta(hours=2) if i == 1 else -dt.timedelta(days=1)
            nbs = {
                p.name: simulated_notebook(
                    notebooks.read(p), notebooks.read(ROOT / "source" / name / p.name), ability, rng
                )
                for p in notebooks.notebook_paths(course / "release" / name)
            }
            submit(course, student, name, nbs, when=DEADLINE + late)
        console.print(f"[bold]3/5[/] {name}: autograding (a fresh kernel per notebook)")
        autograde(course, name, list(roster))
        console.print(f"[bold]4/5[/] {name}: feedback")
        api = course_api(course)
        for student in roster:
            run_step(api.generate_feedback(name, student), f"generate_feedback {name} {student}")

    grades_csv = course / "grades.csv"
    api = course_api(course)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        CsvExportPlugin(to=str(grades_csv)).export(gb)
    console.print(f"[bold]5/5[/] grades exported to {grades_csv}")

    table = Table("student", "ability", *names, title="Autograded scores (points / maximum)")
    for student, ability in roster.items():
        cells = []
        for name in names:
            result = scores(course, name, student)
            cells.append(f"{sum(s for s, _ in result.values()):g} / {sum(m for _, m in result.values()):g}")
        table.add_row(student, f"{ability:.2f}", *cells)
    console.print(table)
    console.print(f"gradebook:  {course / 'gradebook.db'}")
    console.print(f"graded:     {course / 'autograded'}")
    console.print(f"feedback:   {course / 'feedback'}")
    console.print(f"grades CSV: {grades_csv}")
    console.print(f"done in {time.monotonic() - started:.0f} s")
    return course

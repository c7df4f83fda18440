"""The instructor's loop on a simulated class, end to end, in a scratch course folder.

Roster import, release to the exchange, simulated students submitting through the exchange (one
late, one not at all), collect, parallel autograde, feedback and a class report per assignment; then
the next assignment released (nobody has submitted it yet), CSV and Canvas exports, and the
course-wide report. Seeded: two runs give the same grades.
"""

import csv
import datetime as dt
import shutil
import time
import warnings
from collections import Counter
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.auth import Authenticator
from nbgrader.exchange import ExchangeFactory
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SAWarning

from course import notebooks
from course.grading.kernel_sandbox import sandbox_problem
from course.grading.nbgrader_setup import course_api
from course.grading.parallel import grade_assignment
from course.instructor.course_report import build_course_report
from course.instructor.exchange import collect, release
from course.instructor.exports import export_canvas, export_csv, grades_frame
from course.instructor.feedback import generate_feedback
from course.instructor.release import scratch_course
from course.instructor.report import build_report
from course.instructor.roster import import_roster
from course.instructor.simulation import SimulatedStudent, simulated_class, simulated_submission

ROOT = Path(__file__).resolve().parents[2]
ABSENT = "dennis"  # on the roster, never submits


def write_roster(students: list[SimulatedStudent], path: Path) -> Path:
    """A roster CSV for the simulated class plus one student who never submits."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "first_name", "last_name", "email", "sis_user_id", "sis_login_id", "section"])
        for i, s in enumerate([*students, SimulatedStudent(ABSENT, 0.0)]):
            writer.writerow([s.id, s.id.title(), "Student", f"{s.id}@example.edu", f"S{1000 + i}", s.id, "A"])
    return path


def submit_through_exchange(course: Path, student: str, name: str, nbs: dict) -> None:
    """Hand in NBS as STUDENT with nbgrader's own submit, into the course's exchange."""
    api = course_api(course)
    work = course / "students" / student  # as after `nbgrader fetch_assignment`: <course id>/<assignment>/
    folder = work / api.coursedir.course_id / name
    folder.mkdir(parents=True, exist_ok=True)
    for nb_name, nb in nbs.items():
        notebooks.write(nb, folder / nb_name)
    config = api.config.copy()
    config.CourseDirectory.student_id = student
    config.Exchange.cache = str(course / ".exchange-cache" / student)
    submit = ExchangeFactory(config=config).Submit(
        coursedir=api.coursedir.__class__(config=config),
        authenticator=Authenticator(config=config),
        config=config,
    )
    submit.assignment_dir = str(work)
    submit.coursedir.assignment_id = name
    submit.start()


def run_demo(
    students: int = 8, assignments: list[str] | None = None, out: str = "build/demo", workers: int = 2
) -> Path:
    """Build a scratch course in OUT, run the whole loop on a simulated class, print where things are."""
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's known, harmless gradebook noise
    console = Console()
    course = ROOT / out
    shutil.rmtree(course, ignore_errors=True)
    course.mkdir(parents=True)
    scratch_course(ROOT, course)
    names = assignments or notebooks.assignments(ROOT)[:1]
    klass = simulated_class(students)
    started = time.monotonic()

    imported = import_roster(course, write_roster(klass, course / "roster-import.csv"))
    console.print(f"[bold]roster[/]    {len(imported)} students imported (one, {ABSENT!r}, will not submit)")
    for name in names:
        outbound = release(course, name)
        console.print(f"[bold]release[/]   {name} -> {outbound}")
        for i, student in enumerate(klass):
            if i == len(klass) - 1:  # the last one hands in after the deadline
                _set_due_date(course, name, dt.datetime.now(dt.UTC))
            nbs = {
                p.name: simulated_submission(
                    notebooks.read(p), notebooks.read(ROOT / "source" / name / p.name), student
                )
                for p in notebooks.notebook_paths(outbound)
            }
            submit_through_exchange(course, student.id, name, nbs)
        console.print(
            f"[bold]submit[/]    {len(klass)} simulated students submitted {name} (the last one late)"
        )
        collected = collect(course, name)
        console.print(f"[bold]collect[/]   {len(collected)} submissions in {course / 'submitted'}")
        # The demo's submissions are made from the course's own notebooks, so they may be graded
        # without the sandbox on a machine that has no bubblewrap (course grade refuses by default).
        outcomes = grade_assignment(course, name, workers=workers, allow_unsandboxed=bool(sandbox_problem()))
        statuses = dict(Counter(o.status for o in outcomes))
        console.print(f"[bold]grade[/]     {statuses} with {workers} workers{_sandbox_note()}")
        pages = generate_feedback(course, name)
        console.print(f"[bold]feedback[/]  {len(pages)} HTML pages in {course / 'feedback'}")
        report = build_report(course, name)
        console.print(f"[bold]report[/]    {report}")
    _release_next(console, course, names)
    grades_csv, questions_csv = export_csv(course, course / "grades.csv")
    canvas_csv = export_canvas(course, course / "grades-canvas.csv")
    console.print(f"[bold]export[/]    {grades_csv}, {questions_csv}, {canvas_csv}")
    overview = build_course_report(course)
    console.print(f"[bold]course[/]    {overview} (every student's progress, the class by exam domain)")
    _summary(console, course, names)
    console.print(f"done in {time.monotonic() - started:.0f} s; the course folder is {course}")
    return course


def _release_next(console: Console, course: Path, names: list[str]) -> None:
    """Release the assignment after the last one graded, which nobody has submitted yet (if any)."""
    later = [n for n in notebooks.assignments(course) if n > max(names) and n not in names]
    if later:
        outbound = release(course, later[0])
        console.print(f"[bold]release[/]   {later[0]} -> {outbound} (nobody has submitted it yet)")


def _sandbox_note() -> str:
    problem = sandbox_problem()
    return f" (without the sandbox: {problem})" if problem else " (each kernel in the bubblewrap sandbox)"


def _set_due_date(course: Path, name: str, when: dt.datetime) -> None:
    api = course_api(course)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        gb.update_or_create_assignment(name, duedate=when.astimezone(dt.UTC).replace(tzinfo=None))
    time.sleep(0.05)  # so that what is handed in next is after the deadline


def _summary(console: Console, course: Path, names: list[str]) -> None:
    grades = grades_frame(course)
    table = Table("student", *names, title="Scores (blank: did not submit)")
    for row in grades.to_dict("records"):
        table.add_row(row["student_id"], *("" if row[n] != row[n] else f"{row[n]:g}" for n in names))
    console.print(table)

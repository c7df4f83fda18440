"""The gradebook on PostgreSQL as well as SQLite: the same grades, exports and guarantees on both.

A small class (full marks, partial, blank, a tampered notebook, an unreadable one) is graded with
`course grade` on each backend; its scores must equal plain `nbgrader autograde` against a
PostgreSQL database, and feedback, report and exports must come out the same on both. An interrupted
save leaves PostgreSQL's rows of that student exactly as they were. The server is a private one
started by the `postgres_server` fixture (tests/conftest.py).
"""

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from submissions import keep_lab_imports

from course import notebooks
from course.grading import gradebook_copy
from course.grading.kernel_sandbox import sandbox_problem
from course.grading.nbgrader_setup import GRADEBOOK_URL_ENV, course_api, run_step
from course.grading.parallel import grade_assignment
from course.instructor.demo import write_roster
from course.instructor.exports import export_canvas, export_csv
from course.instructor.feedback import generate_feedback
from course.instructor.release import scratch_course, use_gradebook
from course.instructor.report import build_report
from course.instructor.roster import import_roster
from course.instructor.roundtrip import autograde, scores, submit
from course.instructor.simulation import simulated_class, simulated_submission

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"
NB = f"{NAME}.ipynb"
RELEASED = notebooks.read(ROOT / "release" / NAME / NB)
SOLVED = notebooks.read(ROOT / "source" / NAME / NB)
UNSANDBOXED = bool(sandbox_problem())  # as in tests/test_parallel_grade.py: scores, sandboxed where possible
CLASS = simulated_class(3)  # full marks, partial, blank

pytestmark = pytest.mark.slow


def _course(into: Path, db_url: str) -> Path:
    """A scratch course whose gradebook is DB_URL, with NAME generated into it by nbgrader."""
    course = use_gradebook(scratch_course(ROOT, into), db_url)
    run_step(course_api(course).generate_assignment(NAME, force=True), f"generate_assignment {NAME}")
    return course


def _handed_in(student):
    """STUDENT's simulated notebook with its teaching code cut to the imports the exercises need
    (students may delete teaching cells; it keeps this file's grading runs short)."""
    return keep_lab_imports(simulated_submission(RELEASED, SOLVED, student))


def _submit_class(course: Path) -> list[str]:
    for student in CLASS:
        submit(course, student.id, NAME, {NB: _handed_in(student)})
    return [s.id for s in CLASS]


def _tampered():
    nb = _handed_in(CLASS[0])
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")
    test.source = "pass  # the test, replaced"
    return nb


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite-db') / 'gradebook.db'}"


def _grade_class(course: Path) -> dict:
    """The class graded with `course grade`, then feedback, report and exports."""
    import_roster(course, write_roster(CLASS, course / "roster-in.csv"))
    students = _submit_class(course)
    submit(course, "trudy", NAME, {NB: _tampered()})
    (submit(course, "zed", NAME, {}) / NB).write_text("{")
    outcomes = grade_assignment(course, NAME, workers=2, allow_unsandboxed=UNSANDBOXED)
    generate_feedback(course, NAME)
    build_report(course, NAME)
    export_csv(course, course / "grades.csv")
    export_canvas(course, course / "grades-canvas.csv")
    return {"course": course, "students": students, "outcomes": outcomes}


@pytest.fixture(scope="module")
def graded_on(request, tmp_path_factory):
    """BACKEND -> the class graded on a course whose gradebook is on BACKEND (each built once)."""
    done: dict[str, dict] = {}

    def graded(backend: str) -> dict:
        if backend not in done:
            db_url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
            course = _course(tmp_path_factory.mktemp(f"course-{backend}"), db_url)
            done[backend] = {"backend": backend, **_grade_class(course)}
        return done[backend]

    return graded


BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module")
def plain_on_postgres(postgres_server, tmp_path_factory):
    """The honest part of the class graded by plain `nbgrader autograde` against a PostgreSQL database."""
    course = _course(tmp_path_factory.mktemp("plain-postgresql"), postgres_server.create_database())
    students = _submit_class(course)
    autograde(course, NAME, students)
    return course


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_configured_url_is_the_one_used(graded_on, backend):
    graded = graded_on(backend)
    url = course_api(graded["course"]).coursedir.db_url
    assert url.startswith("sqlite:///" if graded["backend"] == "sqlite" else "postgresql+psycopg://")
    assert not (graded["course"] / "gradebook.db").exists(), "nothing may fall back to the default file"


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_student_gets_the_expected_outcome(graded_on, backend):
    graded = graded_on(backend)
    statuses = {o.student: o.status for o in graded["outcomes"]}
    assert statuses == {
        "ada": "graded",
        "alan": "graded",
        "barbara": "graded",
        "trudy": "flagged",
        "zed": "refused",
    }
    totals = {s: sum(v for v, _ in scores(graded["course"], NAME, s).values()) for s in statuses}
    assert totals["ada"] > totals["alan"] > 0 and totals["barbara"] == totals["trudy"] == totals["zed"] == 0


def test_course_grade_on_postgresql_scores_as_plain_nbgrader_on_postgresql(graded_on, plain_on_postgres):
    graded = graded_on("postgresql")
    for student in graded["students"]:
        expected = scores(plain_on_postgres, NAME, student)
        assert expected and scores(graded["course"], NAME, student) == expected, student


def _outputs(graded) -> dict:
    course = graded["course"]
    everyone = [o.student for o in graded["outcomes"]]
    return {
        "scores": {s: scores(course, NAME, s) for s in everyone},
        "grades.csv": (course / "grades.csv").read_text(),
        "grades-questions.csv": (course / "grades-questions.csv").read_text(),
        "grades-canvas.csv": (course / "grades-canvas.csv").read_text(),
        "feedback": sorted(str(p.relative_to(course)) for p in (course / "feedback").rglob("*.html")),
        "report": (course / "reports" / f"{NAME}.html").exists(),
    }


def test_sqlite_and_postgresql_give_identical_scores_and_exports(graded_on):
    sqlite, postgresql = _outputs(graded_on("sqlite")), _outputs(graded_on("postgresql"))
    for key in sqlite:
        assert sqlite[key] == postgresql[key], key
    assert sqlite["report"] and len(sqlite["feedback"]) >= 3


def _rows(db_url: str, student: str) -> list:
    """Every gradebook row that belongs to STUDENT (grades with their scores)."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as con:
            return [
                tuple(r)
                for r in con.execute(
                    text(
                        """SELECT g.id, g.auto_score, g.manual_score, g.needs_manual_grade, sn.id,
                                  sa.timestamp
                           FROM grade g JOIN submitted_notebook sn ON g.notebook_id = sn.id
                           JOIN submitted_assignment sa ON sn.assignment_id = sa.id
                           WHERE sa.student_id = :s ORDER BY g.id"""
                    ),
                    {"s": student},
                )
            ]
    finally:
        engine.dispose()


def test_an_interrupted_run_leaves_postgresql_as_it_was(postgres_server, tmp_path, monkeypatch):
    url = postgres_server.create_database()
    course = _course(tmp_path, url)
    full, blank = CLASS[0], CLASS[-1]
    submit(course, "first", NAME, {NB: _handed_in(full)})
    submit(course, "second", NAME, {NB: _handed_in(blank)})
    grade_assignment(course, NAME, ["first", "second"], workers=1, allow_unsandboxed=UNSANDBOXED)
    before = {s: _rows(url, s) for s in ("first", "second")}
    assert before["first"] and before["second"]
    submit(course, "second", NAME, {NB: _handed_in(full)})  # hands in again
    real, written = gradebook_copy._insert, []

    def crash_in_the_transaction(conn, table, rows):
        real(conn, table, rows)  # the old rows are deleted and some new ones written, uncommitted
        written.append(table)
        if table == "grade":
            raise KeyboardInterrupt  # Ctrl-C in the middle of saving the second student

    monkeypatch.setattr(gradebook_copy, "_insert", crash_in_the_transaction)
    with pytest.raises(KeyboardInterrupt):
        grade_assignment(course, NAME, ["second"], workers=1, allow_unsandboxed=UNSANDBOXED)
    monkeypatch.setattr(gradebook_copy, "_insert", real)
    assert "grade" in written
    assert {s: _rows(url, s) for s in ("first", "second")} == before, "the interrupted save left no trace"
    outcomes = grade_assignment(course, NAME, ["second"], workers=1, allow_unsandboxed=UNSANDBOXED)
    assert [o.status for o in outcomes] == ["graded"]
    again = scores(course, NAME, "second")
    assert again == scores(course, NAME, "first") and all(s == m for s, m in again.values())


def test_the_environment_variable_chooses_the_gradebook(postgres_server, tmp_path, monkeypatch):
    url = postgres_server.create_database()
    monkeypatch.setenv(GRADEBOOK_URL_ENV, url)
    course = scratch_course(ROOT, tmp_path)
    assert course_api(course).coursedir.db_url == url
    import_roster(course, write_roster(CLASS, course / "roster-in.csv"))
    assert {r[0] for r in _students(url)} == {s.id for s in CLASS} | {"dennis"}
    assert not (course / "gradebook.db").exists()
    monkeypatch.delenv(GRADEBOOK_URL_ENV)
    assert course_api(course).coursedir.db_url == f"sqlite:///{course / 'gradebook.db'}"


def _students(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return list(con.execute(text("SELECT id FROM student")))
    finally:
        engine.dispose()


def test_a_worker_snapshot_holds_only_the_assignment(postgres_server, tmp_path):
    url = postgres_server.create_database()
    (tmp_path / "course").mkdir()
    course = _course(tmp_path / "course", url)
    import_roster(course, write_roster(CLASS, course / "roster-in.csv"))
    copy = tmp_path / "snapshot.db"
    digest = gradebook_copy.assignment_copy(url, copy, "aws-cloud-practitioner", NAME)
    with gradebook_copy.create_engine(f"sqlite:///{copy}").connect() as con:
        assert con.execute(text("SELECT count(*) FROM student")).scalar() == 0
        assert con.execute(text("SELECT name FROM assignment")).scalars().all() == [NAME]
        assert con.execute(text("SELECT count(*) FROM grade_cells")).scalar() > 0
    assert len(digest) == 64


def test_make_test_installs_the_postgresql_server_when_missing(tmp_path):
    """scripts/system-packages postgres: nothing to do when initdb is there, the package named otherwise."""
    script = ROOT / "scripts" / "system-packages"
    folder = tmp_path / "bin"
    folder.mkdir()
    for name, body in {"id": "echo 1000", "initdb": "true"}.items():
        (folder / name).write_text(f"#!/bin/sh\n{body}\n")
        (folder / name).chmod(0o755)
    done = subprocess.run(
        ["/bin/bash", str(script), "postgres"], env={"PATH": str(folder)}, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert "postgresql" in script.read_text().split("postgres)", 1)[1].split(";;", 1)[0]
    assert "postgres" in (ROOT / "Makefile").read_text().split("\ntest:", 1)[1].splitlines()[0]
    assert "COURSE_REQUIRE_POSTGRES=1" in (ROOT / ".ci" / "run").read_text()

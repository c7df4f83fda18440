"""The instructor's commands on a small class: roster, release, submit, collect (exchange and zip),
grade, feedback, export (CSV and Canvas), report; with an absent student, a late one, and a stranger."""

import csv
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from course import notebooks
from course.cli import main
from course.errors import CourseInputError
from course.grading.kernel_sandbox import sandbox_problem
from course.grading.nbgrader_setup import course_api
from course.instructor.course_report import domain_scores, task_map
from course.instructor.demo import ABSENT, _set_due_date, submit_through_exchange, write_roster
from course.instructor.exports import question_frame
from course.instructor.feedback import CSP_META
from course.instructor.release import scratch_course
from course.instructor.roster import read_roster
from course.instructor.simulation import simulated_class, simulated_submission

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"

pytestmark = pytest.mark.slow


def run(course: Path, *argv: str) -> int:
    return main([*argv, "--course", str(course)])


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose class of three submitted through the exchange (the third late), one absent."""
    course = scratch_course(ROOT, tmp_path_factory.mktemp("course"))
    klass = simulated_class(3)
    assert run(course, "roster", "import", str(write_roster(klass, course / "roster-in.csv"))) == 0
    assert run(course, "release", NAME) == 0
    outbound = course / ".exchange" / "aws-cloud-practitioner" / "outbound" / NAME
    for i, student in enumerate(klass):
        if i == 2:
            _set_due_date(course, NAME, dt.datetime.now(dt.UTC))
        nbs = {
            p.name: simulated_submission(
                notebooks.read(p), notebooks.read(ROOT / "source" / NAME / p.name), student
            )
            for p in notebooks.notebook_paths(outbound)
        }
        submit_through_exchange(course, student.id, NAME, nbs)
    assert run(course, "collect", NAME) == 0
    unsandboxed = ["--unsandboxed"] if sandbox_problem() else []  # CI has bubblewrap: sandboxed there
    assert run(course, "grade", NAME, "--workers", "2", *unsandboxed) == 0
    assert run(course, "feedback", NAME) == 0
    return course


def test_collected_graded_and_late(course):
    api = course_api(course)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        submissions = {s.student.id: s for s in gb.find_assignment(NAME).submissions}
        assert set(submissions) == {"ada", "alan", "barbara"}
        assert submissions["barbara"].total_seconds_late > 0
        assert submissions["ada"].total_seconds_late == 0
        assert submissions["ada"].score == submissions["ada"].max_score
        assert submissions["barbara"].score == 0
    for student in submissions:
        assert (course / "feedback" / student / NAME / f"{NAME}.html").exists()


def test_export_csv_has_a_row_per_student(course, capsys):
    assert run(course, "export", "--out", str(course / "g.csv")) == 0
    with open(course / "g.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"ada", "alan", "barbara", ABSENT}
    assert rows[ABSENT][NAME] == "" and float(rows["ada"][NAME]) > 0
    assert (course / "g-questions.csv").read_text().count(NAME) >= 3 * 6


def test_export_canvas_layout(course):
    assert run(course, "export", "--format", "canvas", "--out", str(course / "c.csv")) == 0
    rows = list(csv.reader(open(course / "c.csv", newline="")))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] and NAME in rows[0]
    assert rows[1][0] == "Points Possible"
    ada = next(r for r in rows if r[3] == "ada")
    assert ada[0] == "Student, Ada" and ada[2] == "S1000" and ada[4] == "A"


def test_report_has_figures_and_names_the_absent(course):
    assert run(course, "report", NAME) == 0
    page = (course / "reports" / f"{NAME}.html").read_text()
    assert page.count("data:image/png;base64,") == 2
    assert f"Did not submit: {ABSENT}." in page and "Scored zero: barbara" in page
    assert "discrimination" in page and "left blank" in page


def test_course_report_on_the_graded_class(course):
    assert run(course, "report", "--all") == 0
    page = (course / "reports" / "course.html").read_text(encoding="utf-8")
    for student in ("ada", "alan", "barbara", ABSENT):
        assert f"<th>{student}</th>" in page
    assert f"<th>{NAME}</th>" in page and "<script" not in page.lower() and CSP_META in page
    assert page.count("data:image/png;base64,") == 2 and ">19 / 19<" in page  # ada: every point
    questions = question_frame(course)
    cells = task_map(course)
    expected: dict[str, float] = {}
    for cell, points in questions.groupby("cell")["max_score"].first().items():
        for domain in {task.split(".")[0] for task in cells.get((NAME, cell), ())}:
            expected[domain] = expected.get(domain, 0) + 3 * points  # three submissions
    domains = domain_scores(questions, cells)
    assert expected and {d: p for d, p in domains["possible"].items() if p} == expected
    assert 0 < domains["share"].max() <= 1


def test_zip_collect_matches_roster_and_skips_strangers(course, tmp_path, capsys):
    archive = tmp_path / "submissions.zip"
    nb = (ROOT / "release" / NAME / f"{NAME}.ipynb").read_text()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"alan_1001_77_{NAME}.ipynb", nb)
        z.writestr(f"LATE_mallory_1099_78_{NAME}.ipynb", nb)
        z.writestr(f"mallory_1099_78_{NAME}.ipynb", nb)
    assert run(course, "collect", NAME, "--zip", str(archive)) == 0
    err = capsys.readouterr().err
    assert "mallory" in err and not (course / "submitted" / "mallory").exists()
    assert (course / "submitted" / "alan" / NAME / f"{NAME}.ipynb").read_text() == nb


@pytest.mark.parametrize(
    "argv, message",
    [
        (["grade", "01-cloud-computng"], "did you mean 01-cloud-computing"),
        (["grade", NAME, "--student", ABSENT], "no submission"),
        (["report", "02-iam"], "no graded submissions"),
        (["collect", NAME, "--zip", "/nonexistent.zip"], "not a zip archive"),
    ],
)
def test_clear_errors(course, capsys, argv, message):
    assert run(course, *argv) == 2
    assert message in capsys.readouterr().err


def test_roster_errors(tmp_path):
    bad = tmp_path / "r.csv"
    bad.write_text("id,first_name,last_name\nx,A,B\n")
    with pytest.raises(CourseInputError, match="lacks column"):
        read_roster(bad)
    bad.write_text("id,first_name,last_name,email\nx,A,B,x@example.edu\nx,C,D,c@example.edu\n")
    with pytest.raises(CourseInputError, match="line 3.*twice"):
        read_roster(bad)
    bad.write_text("id,first_name,last_name,email\nx y,A,B,x@example.edu\n")
    with pytest.raises(CourseInputError, match="line 2"):
        read_roster(bad)

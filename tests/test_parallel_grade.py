"""`course grade` scores exactly as plain `nbgrader autograde`, in parallel, with a time limit."""

import shutil
from pathlib import Path

import nbformat
import pytest
from submissions import submit_simulated_class

from course import notebooks
from course.errors import CourseInputError
from course.grading.gradebook_writer import TIMING_PARTS
from course.grading.kernel_sandbox import lab_services, sandbox_problem
from course.grading.parallel import grade_assignment, timing_summary
from course.instructor.bench import parse_timing
from course.instructor.roundtrip import autograde, grading_course, scores, submit

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"
# Grading refuses to run without bubblewrap; these tests are about scores, so they run either way
# (CI installs bubblewrap, so there they run sandboxed; tests/test_hostile.py covers the sandbox).
UNSANDBOXED = bool(sandbox_problem())

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def two_courses(tmp_path_factory):
    plain = grading_course(ROOT, tmp_path_factory.mktemp("plain"), [NAME])
    students = submit_simulated_class(plain, NAME, 4)
    parallel = tmp_path_factory.mktemp("parallel")
    shutil.copytree(plain, parallel, dirs_exist_ok=True)
    autograde(plain, NAME, students)
    outcomes = grade_assignment(parallel, NAME, workers=2, allow_unsandboxed=UNSANDBOXED)
    return plain, parallel, students, outcomes


def test_scores_identical_to_plain_nbgrader(two_courses):
    plain, parallel, students, outcomes = two_courses
    assert sorted(o.student for o in outcomes) == sorted(students)
    assert all(o.status == "graded" for o in outcomes), outcomes
    for student in students:
        assert scores(parallel, NAME, student) == scores(plain, NAME, student), student
    totals = [sum(s for s, _ in scores(parallel, NAME, st).values()) for st in students]
    assert totals[0] > totals[-1] == 0, "the simulated class spans full marks to zero"


def test_each_outcome_says_where_its_time_went(two_courses):
    _, _, _, outcomes = two_courses
    for o in outcomes:
        assert list(o.timing) == list(TIMING_PARTS) and all(t >= 0 for t in o.timing.values()), o
        assert o.timing["saving"] > 0 and (o.timing["cells"] > 0 or UNSANDBOXED), o
        assert o.timing["kernel start-up"] + o.timing["cells"] <= o.seconds, o
    means = {p: sum(o.timing[p] for o in outcomes) / len(outcomes) for p in TIMING_PARTS}
    parsed = parse_timing(timing_summary(outcomes))  # what `make bench` reads from `course grade`
    assert parsed == pytest.approx(means, abs=0.006)


def test_graded_notebooks_land_in_autograded(two_courses):
    _, parallel, students, _ = two_courses
    for student in students:
        assert (parallel / "autograded" / student / NAME / f"{NAME}.ipynb").exists()
        assert (parallel / "autograded" / student / NAME / "timestamp.txt").exists()


def test_endless_submission_is_stopped_and_scored_zero(tmp_path):
    course = grading_course(ROOT, tmp_path, [NAME])
    nb = notebooks.read(ROOT / "source" / NAME / f"{NAME}.ipynb")
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    first.source += "\nimport time\nwhile True:\n    time.sleep(0.1)\n"
    submit(course, "looper", NAME, {f"{NAME}.ipynb": nb})
    outcomes = grade_assignment(course, NAME, workers=1, limit_s=8, allow_unsandboxed=UNSANDBOXED)
    assert [(o.student, o.status) for o in outcomes] == [("looper", "timed out")]
    result = scores(course, NAME, "looper")
    assert result and all(score == 0 for score, _ in result.values())


def test_unknown_assignment_and_student_are_refused(tmp_path):
    course = grading_course(ROOT, tmp_path, [NAME])
    with pytest.raises(CourseInputError, match="not in the gradebook"):
        grade_assignment(course, "99-nothing")
    with pytest.raises(CourseInputError, match="no submission"):
        grade_assignment(course, NAME, students=["nobody"])


def test_the_zygote_preloads_the_services_an_assignments_labs_call(tmp_path):
    assert lab_services(ROOT / "source" / NAME) == ["ec2", "s3"]
    nb = notebooks.read(ROOT / "source" / NAME / f"{NAME}.ipynb")
    nb.cells = [
        nbformat.v4.new_code_cell("sqs = client('sqs', region='eu-west-1')\ns3 = resource(\"s3\")"),
        nbformat.v4.new_markdown_cell('client("kinesis") in prose is not a call'),
    ]
    notebooks.write(nb, tmp_path / "lab.ipynb")
    assert lab_services(tmp_path) == ["s3", "sqs"]

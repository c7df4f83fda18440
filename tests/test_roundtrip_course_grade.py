"""The round trip under `course grade`, where test cells run in the grader: for every assignment the
solution earns full marks and the untouched stub zero on every graded cell, as under plain
`nbgrader autograde` (tests/test_roundtrip.py), so the two give the same scores."""

from pathlib import Path

import pytest
from submissions import graded_on_first_use

from course import notebooks
from course.grading.kernel_sandbox import sandbox_problem
from course.grading.parallel import grade_assignment
from course.instructor.roundtrip import grading_course, scores

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = notebooks.assignments(ROOT)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course; each assignment enters its gradebook when first graded."""
    return grading_course(ROOT, tmp_path_factory.mktemp("course"), names=[])


def _course_grade(course: Path, name: str) -> None:
    outcomes = grade_assignment(course, name, workers=1, allow_unsandboxed=bool(sandbox_problem()))
    assert [o.status for o in outcomes] == ["graded", "graded"], outcomes


@pytest.fixture(scope="module")
def graded(course):
    """Grade an assignment's solution and untouched stub with `course grade` once, on first use."""
    return graded_on_first_use(course, _course_grade)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_earns_full_marks_and_stub_zero_under_course_grade(graded, name):
    solution, stub = scores(graded(name), name, "solution"), scores(graded(name), name, "stub")
    assert solution and solution.keys() == stub.keys()
    lost = {cell: s for cell, s in solution.items() if s[0] != s[1]}
    assert not lost, f"solution lost points on {lost}"
    earned = {cell: s for cell, s in stub.items() if s[0] != 0}
    assert not earned, f"the untouched stub earned points on {earned}"

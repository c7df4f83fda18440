"""The nbgrader round trip for every assignment: full marks for the solution, zero for the stub,
nothing secret in release/, and release/ exactly what `make release` would make from source/.
(tests/test_roundtrip_course_grade.py does the same under `course grade`.)"""

import re
from pathlib import Path

import pytest
from submissions import graded_on_first_use, notebooks_in

from course import notebooks
from course.instructor.release import build_release
from course.instructor.roundtrip import autograde, grading_course, scores

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = notebooks.assignments(ROOT)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A scratch course; each assignment enters its gradebook when first graded."""
    return grading_course(ROOT, tmp_path_factory.mktemp("course"), names=[])


@pytest.fixture(scope="module")
def graded(course):
    """Grade an assignment's solution and untouched-stub submissions once, on first use."""
    return graded_on_first_use(course, lambda c, name: autograde(c, name, ["solution", "stub"]))


def test_there_are_assignments():
    assert ASSIGNMENTS and ASSIGNMENTS[0] == "01-cloud-computing"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_earns_full_marks(graded, name):
    result = scores(graded(name), name, "solution")
    assert result, "no grades recorded"
    lost = {cell: s for cell, s in result.items() if s[0] != s[1]}
    assert not lost, f"solution lost points on {lost}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_runs_without_errors(graded, name):
    for path in notebooks.notebook_paths(graded(name) / "autograded" / "solution" / name):
        for cell in notebooks.read(path).cells:
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            assert not errors, f"{path.name} cell {cell.id}: {errors[0].ename}: {errors[0].evalue}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_released_stub_earns_zero_on_every_graded_cell(graded, name):
    result = scores(graded(name), name, "stub")
    assert result, "no grades recorded"
    earned = {cell: s for cell, s in result.items() if s[0] != 0}
    assert not earned, f"the untouched stub earned points on {earned}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_solution_or_hidden_test_reaches_release(name):
    hidden_lines = set()
    for nb in notebooks_in(ROOT / "source" / name).values():
        for cell in nb.cells:
            for block in HIDDEN.findall(cell.source):
                hidden_lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 12}
    for path in (ROOT / "release" / name).rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path
            leaked = [ln for ln in hidden_lines if ln in text]
            assert not leaked, f"{path}: hidden test lines leaked: {leaked[:3]}"


def test_release_holds_the_same_assignments_as_source():
    released = sorted(p.name for p in (ROOT / "release").iterdir() if p.is_dir())
    assert released == ASSIGNMENTS, "release/ and source/ hold different assignments: run make release"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_release_has_not_drifted_from_source(tmp_path, name):
    build_release(ROOT, tmp_path, [name], run=False)
    fresh, committed = notebooks_in(tmp_path / name), notebooks_in(ROOT / "release" / name)
    assert fresh.keys() == committed.keys(), f"{name}: notebooks differ: run make release"
    for nb_name in fresh:
        assert notebooks.fingerprint(fresh[nb_name]) == notebooks.fingerprint(committed[nb_name]), (
            f"release/{name}/{nb_name} has drifted from source/: run make release"
        )

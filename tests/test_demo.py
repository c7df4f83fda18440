"""`course demo` (what `make demo` runs) and the simulated class behind it."""

import csv
import math
from pathlib import Path

import pytest

from course import notebooks
from course.instructor.demo import ABSENT, run_demo
from course.instructor.simulation import (
    SimulatedStudent,
    answer_cells,
    as_a_student_writes,
    p_correct,
    simulated_class,
    simulated_submission,
    wrong_answer,
)

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"


def _pair():
    released = notebooks.read(ROOT / "release" / NAME / f"{NAME}.ipynb")
    solved = notebooks.read(ROOT / "source" / NAME / f"{NAME}.ipynb")
    return released, solved


def test_class_spans_strong_to_weak_and_is_seeded():
    klass = simulated_class(6)
    assert klass == simulated_class(6)
    assert klass[0].ability == math.inf and klass[-1].ability == -math.inf
    assert [s.ability for s in klass] == sorted((s.ability for s in klass), reverse=True)
    with pytest.raises(ValueError):
        simulated_class(1)


def test_rasch_model():
    assert p_correct(0, 0) == 0.5
    assert p_correct(2, 0) > p_correct(0, 0) > p_correct(0, 2)


def test_wrong_answers_are_plausible_changes():
    assert wrong_answer('q = "B"') == "q = 'A'"
    assert wrong_answer('m = {"x": "hybrid", "y": "public"}') == "m = {'x': 'public', 'y': 'public'}"
    assert wrong_answer("def f(a, b):\n    return a - b") == "def f(a, b):\n    return a + b"
    assert wrong_answer("x = 3") == "x = 7"
    assert wrong_answer("not python (") is None


def test_submissions_are_seeded_and_follow_ability():
    released, solved = _pair()
    solutions = answer_cells(solved)
    stubs = answer_cells(released)

    def answers(ability: float) -> dict[str, str]:
        return answer_cells(simulated_submission(released, solved, SimulatedStudent("s", ability)))

    assert answers(0.3) == answers(0.3)
    assert answers(math.inf) == solutions
    assert answers(-math.inf) == stubs
    middle = answers(0.0)
    kinds = {
        "right" if middle[k] == solutions[k] else "blank" if middle[k] == stubs[k] else "wrong"
        for k in middle
    }
    assert kinds == {"right", "blank", "wrong"}


def test_right_answers_look_as_a_student_writes_them():
    released, solved = _pair()
    handed_in = simulated_submission(released, solved, SimulatedStudent("s", math.inf))
    for cell in handed_in.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            assert "### BEGIN SOLUTION" not in cell.source and "### END SOLUTION" not in cell.source
            assert "NotImplementedError" not in cell.source and "YOUR CODE HERE" not in cell.source
    assert as_a_student_writes('q1 = None\n### BEGIN SOLUTION\nq1 = "B"\n### END SOLUTION') == 'q1 = "B"'
    assert as_a_student_writes(
        "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
    ) == ("def f(x):\n    return 2 * x")
    kept = as_a_student_writes("rate = 0.2\n### BEGIN SOLUTION\ncost = rate * 10\n### END SOLUTION")
    assert kept == "rate = 0.2\ncost = rate * 10"  # a given value the answer uses stays


@pytest.mark.slow
def test_demo_runs_the_whole_loop(tmp_path):
    course = run_demo(students=3, out=str(tmp_path / "demo"))
    with open(course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"ada", "alan", "barbara", ABSENT}
    assert float(rows["ada"][NAME]) > 0 and float(rows["barbara"][NAME]) == 0 and rows[ABSENT][NAME] == ""
    for student in ("ada", "alan", "barbara"):
        assert (course / "feedback" / student / NAME / f"{NAME}.html").exists()
    report = (course / "reports" / f"{NAME}.html").read_text(encoding="utf-8")
    assert f"Did not submit: {ABSENT}." in report and "Scored zero: barbara" in report
    assert (course / "grades-canvas.csv").exists() and (course / "grades-questions.csv").exists()

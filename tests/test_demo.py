"""`course demo` (what `make demo` runs) grades a simulated class end to end, seeded."""

import csv
import random
from pathlib import Path

import pytest

from course import notebooks
from course.demo import class_roster, run_demo, simulated_notebook

pytestmark = pytest.mark.slow


def test_roster_spreads_ability_from_all_to_nothing():
    roster = class_roster(5)
    assert list(roster.values()) == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert len(set(class_roster(25))) == 25
    with pytest.raises(ValueError):
        class_roster(1)


def test_demo_grades_a_class(tmp_path):
    course = run_demo(students=3, out=str(tmp_path / "demo"))
    with open(course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"ada", "alan", "barbara"}
    assert float(rows["ada"]["score"]) == float(rows["ada"]["max_score"]) > 0
    assert float(rows["barbara"]["score"]) == 0
    for student in rows:
        assert (course / "feedback" / student / "01-cloud-computing" / "01-cloud-computing.html").exists()
        assert (course / "submitted" / student / "01-cloud-computing" / "timestamp.txt").exists()


def test_simulated_notebooks_are_seeded():
    root = Path(__file__).resolve().parent.parent
    released = notebooks.read(root / "release/01-cloud-computing/01-cloud-computing.ipynb")
    solved = notebooks.read(root / "source/01-cloud-computing/01-cloud-computing.ipynb")

    def answers(ability: float, seed: str) -> list[str]:
        nb = simulated_notebook(released, solved, ability, random.Random(seed))
        return [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]

    assert answers(0.5, "x") == answers(0.5, "x")
    assert all("BEGIN SOLUTION" in a for a in answers(1.0, "x"))
    assert not any("BEGIN SOLUTION" in a for a in answers(0.0, "x"))

"""`course check NN`: a learner's own notebook graded locally with the hidden tests and explanations."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course.errors import CourseInputError
from course.instructor.self_check import check_notebook

ROOT = Path(__file__).resolve().parent.parent
NAME = "16-billing-support"

pytestmark = pytest.mark.slow


def test_the_solution_earns_every_point_with_the_explanations():
    results = check_notebook(ROOT, NAME, ROOT / "source" / NAME / f"{NAME}.ipynb")
    assert results and all(r.score == r.max_score for r in results), results
    multiple_choice = [r for r in results if r.grade_id.startswith("q")]
    assert multiple_choice and all("correct" in r.message for r in multiple_choice)


def test_an_unanswered_notebook_earns_nothing_and_says_why():
    done = subprocess.run(
        [sys.executable, "-m", "course.cli", "check", NAME, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results and all(r["score"] == 0 for r in results)
    assert all(r["message"] for r in results), "every failing cell says what went wrong"


def test_a_notebook_of_another_assignment_is_refused(tmp_path):
    stray = tmp_path / "01-cloud-computing.ipynb"
    stray.write_text("{}")
    with pytest.raises(CourseInputError, match="is not a notebook of 16-billing-support"):
        check_notebook(ROOT, NAME, stray)

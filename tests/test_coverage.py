"""Every task statement of the CLF-C02 exam guide is taught by some cell and trained by some graded item."""

import json
from pathlib import Path

import nbformat
import pytest

from course.instructor.coverage import _named, collect, main, render_page, tasks

ROOT = Path(__file__).resolve().parent.parent


def test_the_exam_guide_has_its_nineteen_task_statements():
    found = tasks()
    assert len(found) == 19 and list(found)[0] == "1.1" and list(found)[-1] == "4.3"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Exercise 3 (CLF-C02 2.4)", {"2.4"}),
        ("(CLF-C02 2.1, 2.3 and 3.3)", {"2.1", "2.3", "3.3"}),
        ("CLF-C02 1.4 / 4.1", {"1.4", "4.1"}),
        ("no task here, just 3.5 GB", set()),
    ],
)
def test_tasks_named_in_an_exercise(text, expected):
    assert _named(text) == expected


def test_tags_and_exercise_texts_are_collected(tmp_path):
    folder = tmp_path / "source" / "01-x"
    folder.mkdir(parents=True)
    teach = nbformat.v4.new_markdown_cell("Security groups are stateful.")
    teach.metadata["tags"] = ["clf-c02-2.4", "other"]
    ask = nbformat.v4.new_markdown_cell("## Exercise 1 (CLF-C02 2.4)")
    answer = nbformat.v4.new_code_cell("x = None")
    answer.metadata["nbgrader"] = {"solution": True, "grade": False, "grade_id": "ex1", "locked": False}
    nb = nbformat.v4.new_notebook()
    nb.cells = [teach, ask, answer]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    (folder / "01-x.ipynb").write_text(json.dumps(nb))
    found = collect(tmp_path)
    assert found["2.4"].teaching == ["01-x:c0"] and found["2.4"].graded == ["01-x:ex1"]
    assert not found["1.1"].teaching
    assert "**nothing yet**" in render_page(found)


def test_every_task_is_taught_and_trained():
    found = collect(ROOT)
    untaught = [t.id for t in found.values() if not t.teaching]
    untrained = [t.id for t in found.values() if not t.graded]
    assert not untaught, f"no teaching cell tagged for {untaught}"
    assert not untrained, f"no graded item names {untrained}"


def test_the_map_is_current():
    assert main(["--check"], ROOT) == 0, "run make release (or python -m course.instructor.coverage)"

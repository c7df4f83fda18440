"""Every source notebook meets the course's bar on shape: clean, exercises, points, sources."""

import copy
import re
from pathlib import Path

import pytest
from personal_data import personal_words

from course import notebooks

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = notebooks.assignments(ROOT)
SOURCES = [p for name in ASSIGNMENTS for p in notebooks.notebook_paths(ROOT / "source" / name)]
TASK = re.compile(r"CLF-C02 [1-4]\.[1-8]")
MAX_RELEASE_BYTES = 2 * 1024 * 1024


def _graded(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_source_is_saved_clean_with_stable_ids(path):
    nb = notebooks.read(path)
    assert notebooks.clean(copy.deepcopy(nb)) == nb, f"{path} is not clean: run make format"
    assert path.read_text(encoding="utf-8").endswith("\n")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_at_least_six_exercises_worth_ten_points(path):
    graded = _graded(notebooks.read(path))
    assert len(graded) >= 6
    assert sum(c.metadata.nbgrader.points for c in graded) >= 10


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_every_exercise_names_its_exam_task(path):
    last_markdown = ""
    for cell in notebooks.read(path).cells:
        if cell.cell_type == "markdown":
            last_markdown = cell.source
        elif cell.metadata.get("nbgrader", {}).get("solution"):
            assert TASK.search(last_markdown), f"{cell.id}: the text before it names no CLF-C02 task"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_opens_with_objectives_time_and_price_date(path):
    first = notebooks.read(path).cells[0].source.lower()
    assert "learning objectives" in first and "estimated time" in first and "prices as of" in first


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_release_is_small_and_error_free(path):
    released = ROOT / "release" / path.parent.name / path.name
    assert released.stat().st_size < MAX_RELEASE_BYTES
    for cell in notebooks.read(released).cells:
        assert not [o for o in cell.get("outputs", []) if o.output_type == "error"], cell.id


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.parent.name)
def test_no_personal_data_from_the_notes(path):
    text = path.read_text(encoding="utf-8").lower()
    assert personal_words(text) == 0

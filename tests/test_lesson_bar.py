"""Lessons written for the learner: short markdown cells, no story about a document the learner never
saw, a Run All that goes through an unanswered notebook, and no exercise answered before it is asked."""

import ast
import re
from pathlib import Path

import pytest

from course import notebooks

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = notebooks.assignments(ROOT)
WORD_LIMIT = 250
NOTES = re.compile(r"\bthe (study )?notes\b", re.I)
SHORT_OUTPUT_LINES = 3  # an output this short states an answer; a longer one is a table or a listing
# Exercises that apply, on purpose, a fact the cells just before them teach (reviewed one by one).
TAUGHT_THEN_APPLIED = {
    (
        "09-monitoring",
        "ex3-billing-alarm",
    ): "the billing metric's Region is taught; the lab creates the alarm there",
}


def _paths(folder: str) -> list[Path]:
    return [p for name in ASSIGNMENTS for p in notebooks.notebook_paths(ROOT / folder / name)]


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.mark.parametrize("path", _paths("source"), ids=lambda p: p.parent.name)
def test_no_markdown_cell_is_a_wall_of_text(path):
    long = {
        cell.id: n
        for cell in notebooks.read(path).cells
        if cell.cell_type == "markdown" and (n := len(cell.source.split())) > WORD_LIMIT
    }
    assert not long, f"split these markdown cells (words): {long}"


def _shown_text(cell) -> str:
    """A cell's source and the text of its outputs (tables included): what a reader sees."""
    parts = [cell.source]
    for output in cell.get("outputs", []):
        parts.append("".join(output.get("text", "")))
        parts += ["".join(v) for k, v in output.get("data", {}).items() if k.startswith("text/")]
    return " ".join(parts)


@pytest.mark.parametrize("path", _paths("release"), ids=lambda p: p.parent.name)
def test_the_notes_are_named_at_most_once(path):
    text = " ".join(_shown_text(c) for c in notebooks.read(path).cells)
    found = NOTES.findall(text)
    assert len(found) <= 1, f"{len(found)} mentions of 'the notes': the learner never saw them (see errata)"


@pytest.mark.parametrize("folder", ["source", "release"])
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_run_all_goes_past_every_exercise(folder, name):
    for path in notebooks.notebook_paths(ROOT / folder / name):
        for cell in notebooks.read(path).cells:
            graded = _nbgrader(cell).get("solution") or _nbgrader(cell).get("grade")
            if cell.cell_type == "code" and graded:
                assert "raises-exception" in cell.metadata.get("tags", []), (
                    f"{folder}/{name} {cell.id}: tag it raises-exception, or Run All stops there"
                )


def _stated_answers(source: str) -> set[str]:
    """The strings a solution gives as its whole answer: `x = "eu-west-3"` or `return "gpt-4o"`."""
    found = set()
    for tree in notebooks.solution_trees(source):
        for node in ast.walk(tree):
            value = getattr(node, "value", None)
            if isinstance(node, ast.Assign | ast.Return) and isinstance(value, ast.Constant):
                if isinstance(value.value, str) and len(value.value) >= 4:
                    found.add(value.value)
    return found


def _stating_outputs(cell) -> list[str]:
    """What a cell's outputs state: a short output whole, or the top line (of a ranking) of a long one."""
    texts = []
    for output in cell.get("outputs", []):
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        lines = [
            line for line in ("".join(text) if isinstance(text, list) else text).splitlines() if line.strip()
        ]
        texts.append("\n".join(lines if len(lines) <= SHORT_OUTPUT_LINES else lines[:1]))
    return [t for t in texts if t]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_exercise_is_answered_before_it_is_asked(name):
    """No teaching output before an exercise states its answer (a short output, or a long one's top)."""
    for path in notebooks.notebook_paths(ROOT / "source" / name):
        released = {c.id: c for c in notebooks.read(ROOT / "release" / name / path.name).cells}
        shown: list[tuple[str, str]] = []  # (cell id, what its output states) of the teaching cells so far
        for cell in notebooks.read(path).cells:
            if _nbgrader(cell).get("solution") and (name, cell.id) not in TAUGHT_THEN_APPLIED:
                for answer in _stated_answers(cell.source):
                    pattern = re.compile(rf"(?<![\w-]){re.escape(answer)}(?![\w-])")
                    early = [cid for cid, text in shown if pattern.search(text)]
                    assert not early, f"{name}: {cell.id}'s answer {answer!r} is printed earlier by {early}"
            if cell.cell_type == "code" and not _nbgrader(cell):
                shown += [(cell.id, text) for text in _stating_outputs(released.get(cell.id, cell))]

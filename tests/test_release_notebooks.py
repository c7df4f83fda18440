"""The committed student notebooks read well on GitHub and nbviewer without running anything.

Every notebook under release/ keeps the outputs of its teaching cells (each figure as a PNG with a
caption under it), has no error output, no output on graded or solution cells, no solution or
hidden test, is valid nbformat, and renders to HTML (what nbviewer does) with an <img> per figure.
Written over whatever is in release/ and source/, so new sections are checked as they land.
"""

import re
from pathlib import Path

import nbformat
import pytest

from course import notebooks

ROOT = Path(__file__).resolve().parent.parent
RELEASED = sorted(p for p in (ROOT / "release").glob(f"{notebooks.ASSIGNMENT_GLOB}/*.ipynb"))
SOURCES = sorted(p for p in (ROOT / "source").glob(f"{notebooks.ASSIGNMENT_GLOB}/*.ipynb"))
# A code cell draws a figure when it shows one, makes one, or plots into one.
DRAWS = re.compile(r"plt\.show\(\)|\bfig\s*,|\bnew_figure\(|\.plot\(")
CAPTION = re.compile(r"^\*Figure\b", re.M)
SECRET_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def _id(path: Path) -> str:
    return path.parent.name


def _is_graded(cell) -> bool:
    nbgrader = cell.metadata.get("nbgrader", {})
    return bool(nbgrader.get("solution") or nbgrader.get("grade"))


def _figure_cells(nb) -> list[int]:
    """Indices of the teaching code cells that draw a figure (graded cells are the student's)."""
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and not _is_graded(cell) and DRAWS.search(cell.source)
    ]


def _pngs(cell) -> int:
    return sum(1 for out in cell.get("outputs", []) if "image/png" in out.get("data", {}))


def test_every_section_is_released():
    assert RELEASED, "no notebooks under release/"
    assert {p.relative_to(ROOT / "release") for p in RELEASED} == {
        p.relative_to(ROOT / "source") for p in SOURCES
    }, "source/ and release/ hold different notebooks: run make release"


@pytest.mark.parametrize("path", RELEASED, ids=_id)
def test_release_is_valid_nbformat(path):
    nbformat.validate(nbformat.read(path, as_version=nbformat.NO_CONVERT))


@pytest.mark.parametrize("path", RELEASED, ids=_id)
def test_every_figure_cell_has_its_image(path):
    nb = notebooks.read(path)
    figures = _figure_cells(nb)
    missing = [nb.cells[i].id for i in figures if not _pngs(nb.cells[i])]
    assert not missing, f"{path.name}: figure cells without an image/png output: {missing} (run make release)"


@pytest.mark.parametrize("path", RELEASED, ids=_id)
def test_no_error_output(path):
    for cell in notebooks.read(path).cells:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{path.name} cell {cell.id}: {errors[0].ename}: {errors[0].evalue}"
        streams = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr")
        assert "Traceback" not in streams, f"{path.name} cell {cell.id} printed a traceback"


@pytest.mark.parametrize("path", RELEASED, ids=_id)
def test_no_output_on_graded_or_solution_cells(path):
    shown = [c.id for c in notebooks.read(path).cells if _is_graded(c) and c.get("outputs")]
    assert not shown, f"{path.name}: graded or solution cells keep outputs: {shown}"


@pytest.mark.parametrize("path", RELEASED, ids=_id)
def test_no_solution_or_hidden_test_text(path):
    text = path.read_text(encoding="utf-8")
    found = [marker for marker in SECRET_MARKERS if marker in text]
    assert not found, f"{path.name}: {found}"
    source = notebooks.read(ROOT / "source" / path.parent.name / path.name)
    public = {ln.strip() for cell in source.cells for ln in BLOCK.sub("", cell.source).splitlines()}
    secret = {
        ln.strip()
        for cell in source.cells
        for _, block in BLOCK.findall(cell.source)
        for ln in block.splitlines()
        if len(ln.strip()) > 12 and ln.strip() not in public
    }
    # Sources only: outputs come from teaching cells (those of graded cells are checked to be empty).
    released = {ln.strip() for cell in notebooks.read(path).cells for ln in cell.source.splitlines()}
    leaked = sorted(secret & released)
    assert not leaked, f"{path.name}: solution or hidden-test lines in the release: {leaked[:3]}"


@pytest.mark.parametrize("path", SOURCES + RELEASED, ids=lambda p: f"{p.parts[-3]}/{p.parent.name}")
def test_every_figure_has_a_caption_under_it(path):
    nb = notebooks.read(path)
    uncaptioned = []
    for i in _figure_cells(nb):
        after = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        if after is None or after.cell_type != "markdown" or not CAPTION.search(after.source):
            uncaptioned.append(nb.cells[i].id)
    assert not uncaptioned, (
        f"{path.name}: no markdown caption ('*Figure N. ...' at the start of a line) "
        f"right after figure cells {uncaptioned}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", RELEASED, ids=_id)
def test_renders_to_html_with_every_figure(path):
    from nbconvert import HTMLExporter

    nb = notebooks.read(path)
    body, _ = HTMLExporter().from_notebook_node(nb)
    pngs = sum(_pngs(cell) for cell in nb.cells)
    images = len(re.findall(r"<img\s[^>]*src=\"data:image/png;base64,", body))
    figures = len(_figure_cells(nb))
    assert images >= max(pngs, figures), (
        f"{path.name}: {figures} figure cells and {pngs} PNG outputs, but {images} <img> in the HTML"
    )
    assert "Figure 1." in body or not _figure_cells(nb), "the captions reach the HTML"

"""Notebook files as code: clean saved sources, stable cell ids, comparable fingerprints, solution blocks."""

import ast
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

ASSIGNMENT_GLOB = "[0-9][0-9]-*"
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def solution_trees(source: str) -> list[ast.Module]:
    """The parsed solution blocks of a cell's SOURCE (a block that is not valid Python is left out)."""
    trees = []
    for block in SOLUTION.findall(source):
        try:
            trees.append(ast.parse(block))
        except SyntaxError:
            continue
    return trees


def assignments(root: Path) -> list[str]:
    """Assignment folder names under ROOT/source, in course order."""
    return sorted(p.name for p in (root / "source").glob(ASSIGNMENT_GLOB) if p.is_dir())


def notebook_paths(folder: Path) -> list[Path]:
    """The notebooks of one assignment folder (checkpoints excluded)."""
    return sorted(p for p in folder.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip outputs, execution counts and run metadata; give every cell a stable id."""
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        if not cell.get("id") or cell.id in seen:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            digest = hashlib.sha1(cell.source.encode()).hexdigest()[:8]
            cell.id = grade_id if grade_id and grade_id not in seen else f"c{index:02d}-{digest}"
        seen.add(cell.id)
    nb.metadata.pop("widgets", None)
    return nb


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Save NB in the one layout the repository uses (nbformat 4.5, indent 1, newline at end)."""
    nbformat.validate(nb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook as nbformat 4."""
    return nbformat.read(path, as_version=4)


def fingerprint(nb: nbformat.NotebookNode) -> list[tuple]:
    """What a release must keep from its source: cell ids, types, sources and nbgrader metadata."""
    return [
        (
            cell.get("id"),
            cell.cell_type,
            cell.source,
            json.dumps(cell.metadata.get("nbgrader", {}), sort_keys=True),
        )
        for cell in nb.cells
    ]


def main(argv: list[str]) -> int:
    """Save every notebook under the given folders clean (what `make format` runs)."""
    for folder in map(Path, argv):
        for path in sorted(folder.rglob("*.ipynb")):
            if ".ipynb_checkpoints" not in path.parts:
                write(clean(read(path)), path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

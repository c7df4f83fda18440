"""The README's table of contents is what course.instructor.toc makes, and its links lead somewhere real."""

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from course.instructor import toc

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _committed() -> set[str]:
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: cannot tell which files are committed")
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
    ).stdout.decode()
    return set(filter(None, listing.split("\0")))


def test_readme_table_is_what_the_generator_makes():
    block = toc.current_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert block == toc.render(ROOT), "README.md's table of contents is stale: run make toc"
    assert toc.main(["--check"], root=ROOT) == 0


def test_every_relative_link_in_the_readme_is_a_committed_file():
    committed = _committed()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    relative = [t for t in LINK.findall(text) if not re.match(r"[a-z]+:|#", t)]
    assert relative, "the table links each notebook by a relative path"
    missing = sorted({t.split("#")[0] for t in relative} - committed)
    assert not missing, f"README links to files git does not track: {missing}"


def test_every_release_notebook_is_in_the_table_with_its_nbviewer_link():
    block = toc.current_block((ROOT / "README.md").read_text(encoding="utf-8"))
    config = toc.settings(ROOT)
    for path in sorted((ROOT / "release").glob("[0-9][0-9]-*/*.ipynb")):
        rel = path.relative_to(ROOT).as_posix()
        assert f"]({rel})" in block, f"{rel} is not in the README's table"
        assert toc.nbviewer_url(config["repository"], config["branch"], rel) in block


def test_repository_is_configured_once_in_pyproject():
    config = toc.settings(ROOT)
    assert config["repository"].startswith("https://github.com/")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    outside = readme.replace(toc.current_block(readme), "")
    assert "nbviewer.org/github/" not in outside, "nbviewer links belong in the generated table only"


def test_nbviewer_url():
    assert (
        toc.nbviewer_url("https://github.com/acme/course", "main", "release/01-a/01-a.ipynb")
        == "https://nbviewer.org/github/acme/course/blob/main/release/01-a/01-a.ipynb"
    )
    assert toc.nbviewer_url("https://github.com/acme/course.git", "dev", "x.ipynb").endswith(
        "/acme/course/blob/dev/x.ipynb"
    )
    with pytest.raises(ValueError, match="github.com/OWNER/NAME"):
        toc.nbviewer_url("https://gitlab.com/acme/course", "main", "x.ipynb")


def _toy_course(root: Path, repository: str) -> Path:
    (root / "pyproject.toml").write_text(f'[tool.course]\nrepository = "{repository}"\n')
    (root / "README.md").write_text("# Toy\n\n## The course\n\n<!-- toc -->\nold\n<!-- /toc -->\n\nAfter.\n")
    intro = (
        "# 1. Pipes | and tables\n\n**Learning objectives.** After this notebook you can:\n"
        "- read a table;\n- write one\n  over two lines.\n\n**Estimated time:** 45 minutes.\n"
    )
    graded = [
        nbformat.v4.new_code_cell(
            "x = 1", metadata={"nbgrader": {"grade": True, "points": p, "grade_id": f"t{p}"}}
        )
        for p in (2, 1.5)
    ]
    answer = nbformat.v4.new_code_cell("y = 2", metadata={"nbgrader": {"solution": True, "grade": False}})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(intro), answer, *graded])
    folder = root / "release" / "01-toy"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "01-toy.ipynb")
    return root


def test_render_reads_title_objectives_time_and_points(tmp_path):
    course = _toy_course(tmp_path, "https://github.com/acme/course")
    [row] = [ln for ln in toc.render(course).splitlines() if ln.startswith("| 1 |")]
    assert "Pipes \\| and tables" in row
    assert "read a table; write one over two lines." in row
    assert "| 45 min | 3.5 |" in row
    assert "(https://nbviewer.org/github/acme/course/blob/main/release/01-toy/01-toy.ipynb)" in row
    assert "[notebook](release/01-toy/01-toy.ipynb)" in row
    assert "placeholder" not in toc.render(course)


def test_placeholder_repository_is_called_out(tmp_path):
    course = _toy_course(tmp_path, "https://github.com/OWNER/course")
    assert "placeholder repository" in toc.render(course)


def test_check_fails_when_stale_and_rewrite_fixes_it(tmp_path, capsys):
    course = _toy_course(tmp_path, "https://github.com/acme/course")
    assert toc.main(["--check"], root=course) == 1
    assert "stale" in capsys.readouterr().err
    assert toc.main([], root=course) == 0
    assert toc.main(["--check"], root=course) == 0
    text = (course / "README.md").read_text()
    assert text.startswith("# Toy\n") and text.endswith("<!-- /toc -->\n\nAfter.\n") and "old" not in text


def test_missing_markers_are_an_error(tmp_path):
    course = _toy_course(tmp_path, "https://github.com/acme/course")
    (course / "README.md").write_text("# no markers\n")
    with pytest.raises(ValueError, match="<!-- toc -->"):
        toc.main([], root=course)

"""The README's table of contents, generated from the student notebooks in release/.

Each row is one notebook: its section number and title (the notebook's first heading), what it
teaches (its learning objectives), its estimated time, its points (the sum of nbgrader points of
its graded cells), an nbviewer link built from the one repository URL configured in pyproject.toml
(`[tool.course] repository`, `branch`), and a relative link to the committed file.

`python -m course.instructor.toc` rewrites the block between `<!-- toc -->` and `<!-- /toc -->` in README.md;
`python -m course.instructor.toc --check` changes nothing and exits 1 when that block is stale.
"""

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from course import notebooks

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- toc -->", "<!-- /toc -->"
PLACEHOLDER_OWNER = "OWNER"
TITLE = re.compile(r"^#\s+(?:(\d+)\.\s*)?(.+?)\s*$", re.M)
MINUTES = re.compile(r"\*\*Estimated time:?\*\*:?\s*(\d+)\s*minutes", re.I)


@dataclass(frozen=True)
class Entry:
    number: int
    title: str
    objectives: list[str]
    minutes: int | None
    points: float
    path: str  # relative to the repository root, with forward slashes


def settings(root: Path = ROOT) -> dict:
    """`[tool.course]` from pyproject.toml: the repository URL and the branch nbviewer reads."""
    table = (
        tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("tool", {}).get("course", {})
    )
    if "repository" not in table:
        raise ValueError('pyproject.toml has no [tool.course] repository = "https://github.com/OWNER/NAME"')
    return {"repository": table["repository"].rstrip("/"), "branch": table.get("branch", "main")}


def nbviewer_url(repository: str, branch: str, path: str) -> str:
    """nbviewer's address for PATH in a GitHub REPOSITORY at BRANCH."""
    parsed = urlparse(repository)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc != "github.com" or len(parts) != 2:
        raise ValueError(
            f"[tool.course] repository must be https://github.com/OWNER/NAME, not {repository!r}"
        )
    owner, name = parts[0], parts[1].removesuffix(".git")
    return f"https://nbviewer.org/github/{owner}/{name}/blob/{branch}/{path}"


def _objectives(intro: str) -> list[str]:
    """The bullet points under 'Learning objectives', without their closing ';' or '.'."""
    start = intro.lower().find("learning objectives")
    if start < 0:
        return []
    items = []
    for line in intro[start:].splitlines()[1:]:
        if line.startswith(("- ", "* ")):
            items.append(line[2:].strip().rstrip(";.").strip())
        elif items and line.startswith("  ") and line.strip():  # a bullet continued on the next line
            items[-1] += " " + line.strip().rstrip(";.")
        elif items:  # a blank line or a paragraph ends the list
            break
    return items


def entry(path: Path, root: Path = ROOT) -> Entry:
    """What the table says about one release notebook."""
    nb = notebooks.read(path)
    intro = nb.cells[0].source if nb.cells else ""
    heading = TITLE.search(intro)
    number = int(path.parent.name.split("-", 1)[0])
    if heading and heading.group(1):
        number = int(heading.group(1))
    minutes = MINUTES.search(intro)
    points = sum(
        float(cell.metadata["nbgrader"].get("points", 0))
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    )
    return Entry(
        number=number,
        title=heading.group(2) if heading else path.stem,
        objectives=_objectives(intro),
        minutes=int(minutes.group(1)) if minutes else None,
        points=points,
        path=path.relative_to(root).as_posix(),
    )


def entries(root: Path = ROOT) -> list[Entry]:
    """One entry per notebook under release/, in course order."""
    folders = sorted(p for p in (root / "release").glob(notebooks.ASSIGNMENT_GLOB) if p.is_dir())
    return [entry(p, root) for folder in folders for p in notebooks.notebook_paths(folder)]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _points(value: float) -> str:
    return f"{value:g}"


def render(root: Path = ROOT) -> str:
    """The table of contents (without the markers), ending with a newline."""
    config = settings(root)
    rows = entries(root)
    lines = [
        "| # | Section | What it teaches | Time | Points | Read it |",
        "|---|---|---|---|---|---|",
    ]
    for e in rows:
        teaches = "; ".join(e.objectives) + "." if e.objectives else ""
        viewer = nbviewer_url(config["repository"], config["branch"], e.path)
        lines.append(
            f"| {e.number} | {_cell(e.title)} | {_cell(teaches)} | "
            f"{f'{e.minutes} min' if e.minutes else ''} | {_points(e.points)} | "
            f"[nbviewer]({viewer}) · [notebook]({e.path}) |"
        )
    total_minutes = sum(e.minutes or 0 for e in rows)
    lines += [
        "",
        f"{len(rows)} notebooks, {_points(sum(e.points for e in rows))} points, "
        f"about {round(total_minutes / 60)} hours. This table is generated from the notebooks "
        "(`make toc`, or `python -m course.instructor.toc`; `make release` refreshes it too).",
    ]
    if PLACEHOLDER_OWNER in urlparse(config["repository"]).path.split("/"):
        lines += [
            "",
            f"The nbviewer links use the placeholder repository `{config['repository']}`: set "
            "`repository` under `[tool.course]` in `pyproject.toml` to the course's real GitHub "
            "address and run `make toc`.",
        ]
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str, begin: str = BEGIN, end: str = END) -> str:
    """TEXT with what lies between the markers BEGIN and END replaced by BLOCK."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"README.md needs the markers {begin} and {end} (in that order)")
    return text[: start + len(begin)] + "\n" + block + text[stop:]


def current_block(text: str, begin: str = BEGIN, end: str = END) -> str:
    """What lies between the markers of TEXT, without the newline after the opening marker."""
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise ValueError(f"README.md needs the markers {begin} and {end} (in that order)")
    return text[start + len(begin) : stop].removeprefix("\n")


def main(argv: list[str], root: Path = ROOT) -> int:
    """Rewrite the README's table of contents; with --check, exit 1 if it is stale instead."""
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    fresh = replace_block(text, render(root))
    if "--check" in argv:
        if fresh != text:
            print("README.md's table of contents is stale: run `make toc`", file=sys.stderr)
            return 1
        return 0
    if fresh != text:
        readme.write_text(fresh, encoding="utf-8")
        print(f"README.md: table of contents rewritten ({len(entries(root))} notebooks)")
    else:
        print("README.md: table of contents already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""docs/errata.md, assembled from its introduction and one file per section in docs/errata/.

Each notebook's corrections live next to nothing else in docs/errata/NN-name.md, so the people who
write a section edit one small file; `python -m course.instructor.errata` (run by `make release`)
writes the whole page, and `--check` says whether it is current.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_SECTION = "\n## "


def build(root: Path = ROOT) -> str:
    """The introduction of docs/errata.md followed by every section file, in course order."""
    page = (root / "docs" / "errata.md").read_text(encoding="utf-8")
    intro = page[: page.index(FIRST_SECTION) + 1] if FIRST_SECTION in page else page.rstrip("\n") + "\n\n"
    sections = [
        p.read_text(encoding="utf-8").rstrip("\n") + "\n"
        for p in sorted((root / "docs" / "errata").glob("*.md"))
    ]
    return intro + "\n".join(sections)


def main(argv: list[str], root: Path = ROOT) -> int:
    """Rewrite docs/errata.md; with --check, exit 1 when it is not what the section files make."""
    page = root / "docs" / "errata.md"
    fresh = build(root)
    if "--check" in argv:
        stale = fresh != page.read_text(encoding="utf-8")
        if stale:
            print("docs/errata.md is stale: run `make release` or `python -m course.instructor.errata`")
        return 1 if stale else 0
    page.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

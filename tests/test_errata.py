"""docs/errata.md has a section for every assignment, and every row names its source."""

import re
from pathlib import Path

import pytest
from personal_data import personal_words

from course import notebooks
from course.instructor import errata

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "docs" / "errata.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", notebooks.assignments(ROOT))
def test_every_section_has_errata(name):
    number = name.split("-")[0]
    assert re.search(rf"^## {number} ", TEXT, re.M), f"docs/errata.md has no '## {number} ...' section"


def test_every_row_has_a_source():
    rows = [ln for ln in TEXT.splitlines() if ln.startswith("| ") and not ln.startswith(("| Seed", "|---"))]
    assert len(rows) >= 100
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert len(cells) >= 3 and all(cells[:3]), f"row needs seed words, correction and source: {row[:80]}"
        typo = cells[1].lower().startswith("typo")
        assert typo or "http" in cells[-1], f"row without a source link: {row[:80]}"


def test_no_personal_data():
    assert personal_words(TEXT) == 0


def test_the_guard_finds_personal_data_by_digest():
    seed = ROOT.parent / "shared" / "seed" / "cloud-practitioner-notes.txt"
    sample = seed.read_text(encoding="utf-8") if seed.is_file() else ""
    if sample:  # the seed is beside the repository on the course's build machines
        assert personal_words(sample) == 3
    assert personal_words("a bucket called my-demo-bucket, mail to someone at example.com") == 0


def test_the_page_is_assembled_from_the_section_files():
    assert errata.main(["--check"], ROOT) == 0

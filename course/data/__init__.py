"""Load the course's dated, sourced data files (prices and limits) from course/data/.

Conventions, checked by tests/test_datafiles.py:
- a JSON file is an object with "as_of" (YYYY-MM-DD) and "source" (an https URL) at the top,
  or an "items" list whose every entry has its own "as_of" and "source";
- a CSV file has "as_of" and "source" columns, filled on every row.
"""

import csv
import json
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "course.data"


def data_names() -> list[str]:
    """Names of every data file shipped with the package."""
    files = resources.files(DATA_PACKAGE)
    return sorted(f.name for f in files.iterdir() if f.name.endswith((".json", ".csv")))


@cache
def load_json(name: str) -> Any:
    """Parsed content of course/data/NAME (a .json file)."""
    return json.loads(resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8"))


@cache
def load_csv(name: str) -> tuple[dict[str, str], ...]:
    """Rows of course/data/NAME (a .csv file) as dicts of strings."""
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))

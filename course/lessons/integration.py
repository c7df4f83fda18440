"""Dated limits of the integration services (SQS, SNS, Kinesis) from course/data/messaging_limits.json."""

from typing import Any

import pandas as pd

from course.data import load_json
from course.errors import CourseInputError

DATA_FILE = "messaging_limits.json"


def _items() -> dict[str, dict]:
    return {item["name"]: item for item in load_json(DATA_FILE)["items"]}


def limit(name: str) -> Any:
    """The value of one limit by name, e.g. ``limit("sqs_visibility_timeout_s")["default"]``."""
    items = _items()
    if name not in items:
        raise CourseInputError(f"no integration limit named {name!r}; known: {sorted(items)}")
    return items[name]["value"]


def limits_table(prefix: str = "") -> pd.DataFrame:
    """The limits whose name starts with `prefix`, in words, with their dates and sources."""
    rows = [
        {"limit": item["label"], "value": item["display"], "as of": item["as_of"], "source": item["source"]}
        for name, item in _items().items()
        if name.startswith(prefix) and name != "kinesis_family"
    ]
    if not rows:
        raise CourseInputError(f"no integration limit starts with {prefix!r}")
    return pd.DataFrame(rows).set_index("limit")


def kinesis_family() -> pd.DataFrame:
    """The four Kinesis services by their older names, with their 2026 names and what changed."""
    frame = pd.DataFrame(limit("kinesis_family"))
    names = {"notes_name": "older name", "name_2026": "name in 2026"}
    return frame.rename(columns=names).set_index("older name")

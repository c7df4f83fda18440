"""Facts that expire: prices that are getting old, models and services that retire, answers that went stale.

Every data file dates its facts (`as_of`) and records announced lifecycle dates under one of
LIFECYCLE_KEYS (or, in service_lifecycle.json, an `event` with a `date`; in a CSV, a `status` such
as "retired 2024-01-04"). `course freshness` lists what is old or about to change; `make release`
refuses a notebook whose exercise answer names a model or service that is already gone.
"""

import ast
import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from course import notebooks
from course.records import Record

# key -> (what it means, whether the thing is gone after that date)
LIFECYCLE_KEYS = {
    "shutdown": ("shuts down", True),
    "retired": ("retired", True),
    "end_of_support": ("end of support", True),
    "support_ended": ("support ended", True),
    "end_date": ("ends", True),
    "closed_to_new_customers": ("closed to new customers", False),
}
GONE_EVENTS = ("end of life", "end of support", "shut down", "retired", "discontinued")
NAME_KEYS = ("model", "service", "name", "plan", "device", "id")
STATUS_DATE = re.compile(r"(retired|shut down|shuts down)\s+(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Dated(Record):
    """One dated fact: which file, which thing, what happens (or was checked) and when."""

    file: str
    name: str
    what: str
    date: dt.date
    gone: bool = False


def _date(text: object) -> dt.date | None:
    """A YYYY-MM-DD string as a date (a year-month only, such as '2024-04', as its first day)."""
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    except ValueError:
        return None


def _name_of(record: dict, fallback: str) -> str:
    return next((str(record[k]) for k in NAME_KEYS if isinstance(record.get(k), str)), fallback)


def _walk(value: object, fallback: str):
    """Every dict inside VALUE, with a name for it (its NAME_KEYS entry, else the nearest key above)."""
    if isinstance(value, dict):
        yield value, _name_of(value, fallback)
        for key, inner in value.items():
            yield from _walk(inner, key if isinstance(inner, dict) else fallback)
    elif isinstance(value, list):
        for inner in value:
            yield from _walk(inner, fallback)


def _json_facts(file: str, data: object) -> list[Dated]:
    facts = []
    for record, name in _walk(data, file):
        for key, (what, gone) in LIFECYCLE_KEYS.items():
            when = _date(record.get(key))
            if when:
                facts.append(Dated(file, name, what, when, gone))
        event, when = record.get("event"), _date(record.get("date"))
        if isinstance(event, str) and when:
            facts.append(Dated(file, name, event, when, event.lower() in GONE_EVENTS))
        when = _date(record.get("as_of"))
        if when:
            facts.append(Dated(file, name, "checked", when))
    return facts


def _csv_facts(file: str, text: str) -> list[Dated]:
    facts = []
    for row in csv.DictReader(text.splitlines()):
        name = _name_of(row, file)
        found = STATUS_DATE.search(row.get("status") or "")
        if found:
            facts.append(Dated(file, name, found[1], dt.date.fromisoformat(found[2]), True))
        for key, (what, gone) in LIFECYCLE_KEYS.items():
            when = _date(row.get(key))
            if when:
                facts.append(Dated(file, name, what, when, gone))
        when = _date(row.get("as_of"))
        if when:
            facts.append(Dated(file, name, "checked", when))
    return facts


def dated_facts() -> list[Dated]:
    """Every dated fact in course/data: when each was checked, and every announced lifecycle date."""
    facts = []
    for entry in sorted(resources.files("course.data").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            facts += _json_facts(entry.name, json.loads(entry.read_text(encoding="utf-8")))
        elif entry.name.endswith(".csv"):
            facts += _csv_facts(entry.name, entry.read_text(encoding="utf-8"))
    return facts


def stale_prices(today: dt.date, months: int = 12) -> list[Dated]:
    """Prices (in a pricing file, or a record with a USD figure) checked more than MONTHS months ago."""
    cutoff = today - dt.timedelta(days=round(months * 365.25 / 12))
    priced = {f for f in _files_with_prices()}
    return sorted(
        {f for f in dated_facts() if f.what == "checked" and f.file in priced and f.date < cutoff},
        key=lambda f: (f.date, f.file, f.name),
    )


def _files_with_prices() -> set[str]:
    names = set()
    for entry in resources.files("course.data").iterdir():
        if entry.name.endswith((".json", ".csv")) and ("pric" in entry.name or "usd" in entry.read_text()):
            names.add(entry.name)
    return names


def coming(today: dt.date, days: int = 90) -> list[Dated]:
    """Lifecycle dates from tomorrow to DAYS days ahead: what retires or closes soon."""
    end = today + dt.timedelta(days=days)
    return sorted(
        {f for f in dated_facts() if f.what != "checked" and today < f.date <= end}, key=lambda f: f.date
    )


def gone_names(today: dt.date) -> dict[str, Dated]:
    """Models and services gone on TODAY (shut down, retired, out of support), by lower-case name."""
    return {f.name.lower(): f for f in dated_facts() if f.gone and f.date <= today}


def _answer_strings(source: str) -> set[str]:
    """String constants written in a solution block."""
    return {
        n.value
        for tree in notebooks.solution_trees(source)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def stale_answers(root: Path, today: dt.date, names: list[str] | None = None) -> list[str]:
    """Exercise answers in source/ that name a model or service already gone on TODAY."""
    gone = gone_names(today)
    problems = []
    for name in names or notebooks.assignments(root):
        for path in notebooks.notebook_paths(root / "source" / name):
            for cell in notebooks.read(path).cells:
                for answer in sorted(_answer_strings(cell.source)):
                    fact = gone.get(answer.strip().lower())
                    if fact:
                        problems.append(
                            f"{name}: the answer of {cell.id} is {answer!r}, which {fact.what} on "
                            f"{fact.date.isoformat()} ({fact.file})"
                        )
    return problems

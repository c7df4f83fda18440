"""The catalog of AWS database, analytics and migration services (course/data/database_services.json).

`service("dynamodb")` finds a service by its name or a common short name, whatever the case and with or
without "Amazon"/"AWS" in front; an unknown name raises CourseInputError suggesting the closest names.
"""

from dataclasses import dataclass
from functools import cache

import pandas as pd

from course.data import load_json
from course.errors import CourseInputError
from course.inputs import catalog_entry

DATA_FILE = "database_services.json"


@dataclass(frozen=True)
class Service:
    """One service of the catalog: what it is for, its status and the limits the course quotes."""

    name: str
    aliases: tuple[str, ...]
    kind: str
    model: str
    workload: str
    summary: str
    status: str
    replaced_by: str | None
    limits: dict
    note: str
    as_of: str
    source: str


@cache
def services() -> tuple[Service, ...]:
    """Every service of the catalog, in the order of the section."""
    return tuple(
        Service(**{**item, "aliases": tuple(item["aliases"])}) for item in load_json(DATA_FILE)["items"]
    )


def service(name: str) -> Service:
    """The service called `name` (e.g. 'DynamoDB', 'amazon rds', 'DAX'), else CourseInputError."""
    return catalog_entry(name, services())


def catalog(kind: str | None = None) -> pd.DataFrame:
    """The catalog as a table, one row per service; `kind` keeps only database, analytics or migration."""
    kinds = sorted({svc.kind for svc in services()})
    if kind is not None and kind not in kinds:
        raise CourseInputError(f"kind must be one of {kinds} or None (got {kind!r})")
    rows = [
        {
            "service": svc.name,
            "model": svc.model,
            "workload": svc.workload,
            "what it is for": svc.summary,
            "status": svc.status if svc.replaced_by is None else f"{svc.status}; use {svc.replaced_by}",
        }
        for svc in services()
        if kind is None or svc.kind == kind
    ]
    return pd.DataFrame(rows).set_index("service")


def limits_table() -> pd.DataFrame:
    """Every limit the catalog quotes, one row per (service, limit), with its date and source."""
    rows = [
        {
            "service": svc.name,
            "limit": key.replace("_", " "),
            "value": ", ".join(value) if isinstance(value, list) else value,
            "as of": svc.as_of,
            "source": svc.source,
        }
        for svc in services()
        for key, value in svc.limits.items()
    ]
    return pd.DataFrame(rows)

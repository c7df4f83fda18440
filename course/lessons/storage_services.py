"""The catalog of AWS storage, hybrid-storage, backup and transfer services.

Facts and dates: course/data/storage_services.json.

`service("efs")` finds a service by its name or a short name, whatever the case and with or without
"Amazon"/"AWS" in front; an unknown name raises CourseInputError suggesting the closest names.
"""

from dataclasses import dataclass
from functools import cache

import pandas as pd

from course.data import load_json
from course.errors import CourseInputError
from course.inputs import catalog_entry

DATA_FILE = "storage_services.json"
KINDS = ("block", "file", "object", "hybrid", "backup", "transfer")


@dataclass(frozen=True)
class StorageService:
    """One service of the catalog: its kind of storage, where it lives, how it is reached, its status."""

    name: str
    aliases: tuple[str, ...]
    kind: str
    summary: str
    scope: str
    protocol: str
    status: str
    status_since: str | None
    replaced_by: str | None
    as_of: str
    source: str


@cache
def services() -> tuple[StorageService, ...]:
    """Every service of the catalog, in the order of the section."""
    return tuple(
        StorageService(**{**item, "aliases": tuple(item["aliases"])})
        for item in load_json(DATA_FILE)["items"]
    )


def service(name: str) -> StorageService:
    """The service called NAME (e.g. 'EFS', 'fsx for lustre', 'Tape Gateway'), else CourseInputError."""
    return catalog_entry(name, services())


def catalog(kind: str | None = None) -> pd.DataFrame:
    """The catalog as a table, one row per service; KIND keeps only one of KINDS."""
    if kind is not None and kind not in KINDS:
        raise CourseInputError(f"kind must be one of {', '.join(KINDS)} or None (got {kind!r})")
    rows = [
        {
            "service": svc.name,
            "kind": svc.kind,
            "what it is": svc.summary,
            "lives in": svc.scope,
            "reached through": svc.protocol,
            "status": svc.status
            if svc.replaced_by is None
            else f"{svc.status} ({svc.status_since}); instead: {svc.replaced_by}",
        }
        for svc in services()
        if kind is None or svc.kind == kind
    ]
    return pd.DataFrame(rows).set_index("service")

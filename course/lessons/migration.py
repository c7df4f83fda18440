"""Migration strategies (the 7 Rs), AWS's migration services, and helpers for the DMS lab.

The strategies and services come from course/data/migration_strategies.json. The helpers look a DMS
resource up by its identifier before creating it, so a lab cell can run twice: the sandbox (moto)
answers an unknown identifier with an empty list where AWS raises ResourceNotFoundFault, and both
are handled here.
"""

import copy
from typing import Any

import pandas as pd

from course.data import load_json

DATA_FILE = "migration_strategies.json"


def strategies() -> list[dict]:
    """The seven strategies (key, name, aka, definition, fits_when, aws_tools, source)."""
    return copy.deepcopy(load_json(DATA_FILE)["strategies"])


def strategy_keys() -> list[str]:
    """The seven strategies' keys, from the least change (retire) to the most (refactor)."""
    return [s["key"] for s in load_json(DATA_FILE)["strategies"]]


def strategies_table() -> pd.DataFrame:
    """One row per strategy: also known as, what it means, when it fits, the AWS tools."""
    columns = {
        "aka": "also called",
        "definition": "what it means",
        "fits_when": "fits when",
        "aws_tools": "AWS tools",
    }
    rows = [{"strategy": s["name"], **{v: s[k] for k, v in columns.items()}} for s in strategies()]
    return pd.DataFrame(rows).set_index("strategy")


def services_table() -> pd.DataFrame:
    """AWS's migration services: what each does, and what replaced or closed, with the dates."""
    rows = [
        {
            "service": s["name"],
            "what it does": s["what"],
            "status": (
                f"closed to new customers on {s['closed_to_new_customers']}; see {s['replacement']}"
                if "closed_to_new_customers" in s
                else "available"
            ),
        }
        for s in load_json(DATA_FILE)["services"]
    ]
    return pd.DataFrame(rows).set_index("service")


def _first(listing: Any, call: str, key: str, filters: list[dict]) -> dict | None:
    """The first item KEY of DMS CALL with FILTERS, or None when there is none."""
    try:
        items = getattr(listing, call)(Filters=filters)[key]
    except listing.exceptions.ResourceNotFoundFault:
        return None
    return items[0] if items else None


def find_replication_instance(dms: Any, identifier: str) -> dict | None:
    """The DMS replication instance named IDENTIFIER, or None."""
    filters = [{"Name": "replication-instance-id", "Values": [identifier]}]
    return _first(dms, "describe_replication_instances", "ReplicationInstances", filters)


def find_endpoint(dms: Any, identifier: str) -> dict | None:
    """The DMS endpoint named IDENTIFIER, or None."""
    filters = [{"Name": "endpoint-id", "Values": [identifier]}]
    return _first(dms, "describe_endpoints", "Endpoints", filters)


def find_task(dms: Any, identifier: str) -> dict | None:
    """The DMS replication task named IDENTIFIER, or None."""
    filters = [{"Name": "replication-task-id", "Values": [identifier]}]
    return _first(dms, "describe_replication_tasks", "ReplicationTasks", filters)


def ensure_replication_instance(dms: Any, identifier: str, instance_class: str, storage_gb: int) -> dict:
    """The replication instance IDENTIFIER, created (single-AZ, private) if it does not exist."""
    found = find_replication_instance(dms, identifier)
    if found:
        return found
    return dms.create_replication_instance(
        ReplicationInstanceIdentifier=identifier,
        ReplicationInstanceClass=instance_class,
        AllocatedStorage=storage_gb,
        MultiAZ=False,
        PubliclyAccessible=False,
    )["ReplicationInstance"]


def ensure_endpoint(dms: Any, identifier: str, **settings: Any) -> dict:
    """The endpoint IDENTIFIER, created with SETTINGS (EndpointType, EngineName, ...) if missing."""
    found = find_endpoint(dms, identifier)
    if found:
        return found
    return dms.create_endpoint(EndpointIdentifier=identifier, **settings)["Endpoint"]


def endpoints_table(dms: Any, prefix: str) -> pd.DataFrame:
    """The sandbox's DMS endpoints whose identifier starts with PREFIX: type, engine, server, status."""
    rows = [
        {
            "endpoint": e["EndpointIdentifier"],
            "type": e["EndpointType"].lower(),
            "engine": e["EngineName"],
            "server": e.get("ServerName", ""),
            "status": e.get("Status", ""),
        }
        for e in dms.describe_endpoints()["Endpoints"]
        if e["EndpointIdentifier"].startswith(prefix)
    ]
    return pd.DataFrame(rows, columns=["endpoint", "type", "engine", "server", "status"]).set_index(
        "endpoint"
    )

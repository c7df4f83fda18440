"""Security and compliance: the shared responsibility table, the security services, their prices,
and the two figures of section 13 (course/data/security_*.json)."""

from __future__ import annotations

import math
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.lessons.iam_policy import ALLOWED, EXPLICIT_DENY
from course.lessons.plotting import PALETTE, new_figure
from course.pricing.devtools import tool_price

RESPONSIBILITY_FILE = "security_shared_responsibility.json"
SERVICES_FILE = "security_services.json"
PRICING_FILE = "security_pricing.json"
ROLES = ("prevent", "detect", "investigate", "record", "report")


# --- shared responsibility -------------------------------------------------------------------


def service_types() -> dict[str, str]:
    """The three kinds of service of the shared responsibility model, each with one line."""
    return dict(load_json(RESPONSIBILITY_FILE)["service_types"])


def shared_responsibility() -> pd.DataFrame:
    """Who does each security task ('aws' or 'customer'), one column per kind of service."""
    data = load_json(RESPONSIBILITY_FILE)
    return pd.DataFrame(data["tasks"]).set_index("task")[list(data["service_types"])]


def responsible(task: str, service_type: str) -> str:
    """'aws' or 'customer': who does TASK (a row of the table) for SERVICE_TYPE (a column)."""
    table = shared_responsibility()
    if task not in table.index:
        raise CourseInputError(f"no task {task!r}; the tasks are {list(table.index)}")
    if service_type not in table.columns:
        raise CourseInputError(f"no service type {service_type!r}; the types are {list(table.columns)}")
    return str(table.loc[task, service_type])


def shared_controls() -> dict[str, Any]:
    """The controls AWS calls shared (each side does its own part), with AWS's explanation."""
    return dict(load_json(RESPONSIBILITY_FILE)["shared_controls"])


# --- security services -------------------------------------------------------------------------


def services() -> pd.DataFrame:
    """The security services: the question each answers, its main role and what it examines."""
    items = load_json(SERVICES_FILE)["items"]
    frame = pd.DataFrame(items).set_index("name")
    return frame[["kind", "role", "question", "examines", "price"]]


def service_status() -> dict[str, str]:
    """Dated changes to the services (renames, new versions), by service name."""
    return {i["name"]: i["status"] for i in load_json(SERVICES_FILE)["items"] if "status" in i}


# --- prices --------------------------------------------------------------------------------------


def _items() -> dict[str, dict]:
    return {item["name"]: item for item in load_json(PRICING_FILE)["items"]}


def price(name: str) -> float:
    """One dated price or figure from course/data/security_pricing.json, e.g. "kms_key_per_month"."""
    items = _items()
    if name not in items:
        raise CourseInputError(f"no security price named {name!r}; known: {sorted(items)}")
    return items[name]["value"]


def price_table() -> pd.DataFrame:
    """The security prices with their units, dates and sources."""
    rows = [
        {"item": name, "value": i["value"], "unit": i["unit"], "as of": i["as_of"], "source": i["source"]}
        for name, i in _items().items()
    ]
    return pd.DataFrame(rows).set_index("item")


def kms_monthly_cost(keys: float, requests: float) -> float:
    """USD a month for customer managed KMS keys and symmetric requests beyond the free tier."""
    keys = inputs.count("keys", keys, "keys")
    requests = inputs.amount("requests", requests, "requests a month")
    billable = max(0.0, requests - price("kms_free_requests_per_month"))
    return keys * price("kms_key_per_month") + billable / 10_000 * price("kms_requests_per_10k")


def secrets_manager_monthly_cost(secrets: float, api_calls: float) -> float:
    """USD a month for Secrets Manager secrets and API calls (calls billed per started 10,000)."""
    secrets = inputs.count("secrets", secrets, "secrets")
    api_calls = inputs.amount("api_calls", api_calls, "calls a month")
    blocks = math.ceil(api_calls / 10_000)
    return secrets * price("secrets_manager_secret_per_month") + blocks * price("secrets_manager_api_per_10k")


def parameter_store_monthly_cost(standard: int, advanced: int) -> float:
    """USD a month for Parameter Store parameters at standard throughput (standard ones are free)."""
    standard = inputs.count("standard", standard, "parameters")
    advanced = inputs.count("advanced", advanced, "parameters")
    return (
        standard * tool_price("parameter_store_standard").price_usd
        + advanced * tool_price("parameter_store_advanced").price_usd
    )


# --- figures -------------------------------------------------------------------------------------


def service_matrix_figure():
    """Figure: which security service examines what, coloured by its main role."""
    table = services()
    columns = list(dict.fromkeys(c for row in table["examines"] for c in row))
    fig, ax = new_figure("Security services: what each one examines, and its main job", "", "")
    colours = dict(zip(ROLES, PALETTE, strict=False))
    for y, (_name, row) in enumerate(table.iterrows()):
        for x, column in enumerate(columns):
            if column in row["examines"]:
                ax.scatter(x, y, s=260, color=colours[row["role"]], edgecolor="black", linewidth=0.5)
    ax.set_xticks(range(len(columns)), [c.replace(" (", "\n(") for c in columns], rotation=35, ha="right")
    ax.set_yticks(range(len(table)), table.index)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(len(table) - 0.5, -0.5)
    handles = [plt.Line2D([], [], marker="o", ls="", ms=10, color=colours[r], label=r) for r in ROLES]
    ax.legend(handles=handles, title="main job", loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.set_size_inches(10, 6.5)
    fig.tight_layout()
    return fig, ax


def scp_layers_figure(table: pd.DataFrame, title: str = "Who lets each request through"):
    """Figure: a grid of requests (rows) by layer (columns), green where the layer allows, orange where
    it has no Allow, red where it denies explicitly; the last column is the final decision."""
    layers = [c for c in table.columns if c != "decided by"]
    codes = {ALLOWED: 2, EXPLICIT_DENY: 0}
    grid = np.array([[codes.get(table.loc[r, c], 1) for c in layers] for r in table.index])
    fig, ax = new_figure(title, "", "")
    cmap = plt.matplotlib.colors.ListedColormap([PALETTE[3], PALETTE[1], PALETTE[2]])
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=2, aspect="auto")
    words = {2: "allow", 1: "no allow", 0: "DENY"}
    for (i, j), code in np.ndenumerate(grid):
        ax.text(
            j, i, words[code], ha="center", va="center", fontsize=10, color="white" if code == 0 else "black"
        )
    ax.set_xticks(range(len(layers)), layers, rotation=20, ha="right")
    ax.set_yticks(range(len(table)), table.index)
    ax.axvline(len(layers) - 1.5, color="black", linewidth=2)
    ax.grid(False)
    fig.set_size_inches(10, 0.55 * len(table) + 2.2)
    fig.tight_layout()
    return fig, ax

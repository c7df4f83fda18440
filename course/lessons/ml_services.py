"""The catalog of AWS AI and machine-learning services (course/data/ml_services.json).

`service("polly")` finds a service by its name or a common short name, whatever the case and with or
without "Amazon"/"AWS" in front; an unknown name raises CourseInputError suggesting the closest names.
`new_customer_problem(name)` says why a service cannot be the answer for a new customer, if it cannot.
"""

from dataclasses import dataclass
from functools import cache

import pandas as pd

from course.data import load_json
from course.errors import CourseInputError
from course.inputs import catalog_entry

DATA_FILE = "ml_services.json"
INPUT_KINDS = (
    "image/video",
    "speech",
    "text",
    "documents",
    "tabular/time series",
    "events",
    "your data",
    "prompts",
)
TASKS = ("analyse", "convert", "converse", "search", "predict", "build", "generate")
AVAILABLE = "available"


@dataclass(frozen=True)
class MLService:
    """One AI/ML service: what it takes, what it gives, what it is for, and its status."""

    name: str
    aliases: tuple[str, ...]
    input_kinds: tuple[str, ...]
    task: str
    input: str
    output: str
    summary: str
    use_case: str
    status: str
    replaced_by: str | None
    retired_features: tuple[dict, ...]
    in_clf_c02: bool
    sandbox: str
    as_of: str
    source: str


@cache
def services() -> tuple[MLService, ...]:
    """Every service of the catalog, in the order of the section."""
    return tuple(
        MLService(
            **{
                **item,
                "aliases": tuple(item["aliases"]),
                "input_kinds": tuple(item["input_kinds"]),
                "retired_features": tuple(item["retired_features"]),
            }
        )
        for item in load_json(DATA_FILE)["items"]
    )


def service(name: str) -> MLService:
    """The service called `name` (e.g. 'Polly', 'amazon sagemaker', 'Q Business'), else CourseInputError."""
    return catalog_entry(name, services())


def new_customer_problem(name: str) -> str | None:
    """Why a new AWS customer cannot use this service today, or None if it can."""
    svc = service(name)
    if svc.status == AVAILABLE:
        return None
    return f"{svc.name} is {svc.status}; a new customer uses {svc.replaced_by} instead."


def services_for_input(kind: str) -> list[str]:
    """Names of the services that take this kind of input (one of INPUT_KINDS)."""
    if kind not in INPUT_KINDS:
        raise CourseInputError(f"kind must be one of {list(INPUT_KINDS)}, not {kind!r}.")
    return [svc.name for svc in services() if kind in svc.input_kinds]


def _status_text(svc: MLService) -> str:
    parts = [svc.status if svc.replaced_by is None else f"{svc.status}: use {svc.replaced_by}"]
    parts += [f"{f['feature']}: {f['event']} {f['date']}" for f in svc.retired_features]
    return "; ".join(parts)


def catalog() -> pd.DataFrame:
    """The catalog as a table, one row per service: input, output, an example and the status."""
    rows = [
        {
            "service": svc.name,
            "input": svc.input,
            "output": svc.output,
            "for example": svc.use_case,
            "status": _status_text(svc),
            "CLF-C02": "in scope" if svc.in_clf_c02 else "",
        }
        for svc in services()
    ]
    return pd.DataFrame(rows).set_index("service")


def service_grid() -> pd.DataFrame:
    """Service names without "Amazon " (but "Amazon Q") in a grid: a row per task, a column per input kind."""
    grid = pd.DataFrame("", index=list(TASKS), columns=list(INPUT_KINDS))
    for svc in services():
        short = svc.name.removeprefix("Amazon ") if len(svc.name) > len("Amazon Q") else svc.name
        for kind in svc.input_kinds:
            cell = grid.loc[svc.task, kind]
            grid.loc[svc.task, kind] = f"{cell}\n{short}" if cell else short
    return grid


def sandbox_support() -> pd.DataFrame:
    """What the course's moto sandbox does with each service."""
    return pd.DataFrame([{"service": s.name, "in the sandbox": s.sandbox} for s in services()]).set_index(
        "service"
    )

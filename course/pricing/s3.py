"""Amazon S3 storage cost in us-east-1: GB-months, the storage classes, Standard's volume tiers.

Storage is billed per GB-month, where 1 GB = 2**30 bytes and 1 TB = 1,024 GB (course/data/s3_pricing.json).
Request fees and the smaller per-object charges are left out; the data file's note lists them.
"""

import copy
import difflib
import math
from dataclasses import dataclass

import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.records import Record

DATA_FILE = "s3_pricing.json"


@dataclass(frozen=True)
class S3StorageCost(Record):
    """One month of S3 storage in one class (costs in USD) and the quantities behind it."""

    storage_class: str
    gb_months: float
    objects: int
    retrieved_gb: float
    storage_cost: float
    monitoring_cost: float
    retrieval_cost: float
    total: float


def s3_prices() -> dict:
    """A copy of the S3 prices and storage-class facts from course/data/s3_pricing.json."""
    return copy.deepcopy(load_json(DATA_FILE))


def _class(storage_class: object) -> dict:
    """The data of STORAGE_CLASS (an API name such as 'STANDARD_IA'), or a helpful error."""
    classes = load_json(DATA_FILE)["classes"]
    if type(storage_class) is str and storage_class in classes:
        return classes[storage_class]
    by_name = {c["name"].lower(): code for code, c in classes.items()}
    text = str(storage_class).strip().lower()
    guess = by_name.get(text) or next(
        iter(
            difflib.get_close_matches(
                text.upper().replace("-", "_").replace(" ", "_"), list(classes), n=1, cutoff=0.5
            )
        ),
        None,
    )
    hint = f" Did you mean {guess!r}?" if guess else ""
    raise CourseInputError(
        f"unknown storage class {storage_class!r}: use an API name such as {', '.join(classes)}.{hint}"
    )


def storage_tiers(storage_class: str) -> list[tuple[float, float]]:
    """(from_gb, USD per GB-month) for each volume tier of STORAGE_CLASS, lowest tier first."""
    return [(t["from_gb"], t["price_usd_per_gb_month"]) for t in _class(storage_class)["tiers"]]


def gb_months(usage: list[tuple[float, float]], days_in_month: int) -> float:
    """GB-months of a month in which each (gb, days) pair was stored for that many days."""
    if days_in_month not in (28, 29, 30, 31):
        raise CourseInputError(f"days_in_month is 28 to 31, not {days_in_month!r}")
    total = 0.0
    for gb, days in usage:
        gb, days = inputs.amount("gb", gb, "GB"), inputs.amount("days", days, "days")
        if days > days_in_month:
            raise CourseInputError(f"{days} days is longer than the {days_in_month}-day month")
        total += gb * days
    return total / days_in_month


def tiered_cost(gb_month: float, tiers: list[tuple[float, float]]) -> float:
    """Cost of GB_MONTH GB-months when each tier's price applies from its from_gb to the next tier's."""
    uppers = [start for start, _ in tiers[1:]] + [math.inf]
    return sum(
        price * max(0.0, min(gb_month, upper) - start)
        for (start, price), upper in zip(tiers, uppers, strict=True)
    )


def monthly_storage_cost(
    gb_month: float, storage_class: str = "STANDARD", objects: int = 0, retrieved_gb: float = 0.0
) -> S3StorageCost:
    """A month's cost of GB_MONTH GB-months in STORAGE_CLASS, reading back RETRIEVED_GB; OBJECTS
    (of 128 KB or more) pay Intelligent-Tiering's monitoring fee."""
    data = _class(storage_class)
    gb_month = inputs.amount("gb_month", gb_month, "GB-months")
    retrieved_gb = inputs.amount("retrieved_gb", retrieved_gb, "GB")
    objects = inputs.count("objects", objects)
    storage = tiered_cost(gb_month, storage_tiers(storage_class))
    monitoring = objects * data.get("monitoring_usd_per_1000_objects", 0.0) / 1000
    retrieval = retrieved_gb * data["retrieval_usd_per_gb"]
    return S3StorageCost(
        storage_class=storage_class,
        gb_months=gb_month,
        objects=objects,
        retrieved_gb=retrieved_gb,
        storage_cost=storage,
        monitoring_cost=monitoring,
        retrieval_cost=retrieval,
        total=storage + monitoring + retrieval,
    )


def compare_classes(gb_month: float, objects: int = 0, retrieved_gb: float = 0.0) -> pd.DataFrame:
    """One row per storage class: the month's storage, monitoring and retrieval cost, cheapest first."""
    rows = [
        monthly_storage_cost(gb_month, code, objects, retrieved_gb).as_dict()
        for code in load_json(DATA_FILE)["classes"]
    ]
    return pd.DataFrame(rows).set_index("storage_class").sort_values("total")


def storage_classes_frame() -> pd.DataFrame:
    """The storage classes side by side: first-tier price, retrieval fee, minimums, AZs, access time."""
    rows = [
        {
            "class": code,
            "name": c["name"],
            "USD per GB-month": c["tiers"][0]["price_usd_per_gb_month"],
            "retrieval USD per GB": c["retrieval_usd_per_gb"],
            "min days": c["min_days"],
            "min object KB": c["min_billable_kb"],
            "AZs": c["azs"],
            "availability": c["availability"],
            "first byte": c["first_byte"],
            "for": c["use"],
        }
        for code, c in load_json(DATA_FILE)["classes"].items()
    ]
    return pd.DataFrame(rows).set_index("class")

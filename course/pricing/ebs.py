"""Amazon EBS volumes in us-east-1: the volume types' limits and a month's cost.

Prices and limits: course/data/ebs_volume_types.json.

gp3 includes 3,000 IOPS and 125 MiB/s in its per-GB price; provisioning more costs per IOPS-month and per
MB/s-month. io2 charges every provisioned IOPS, in three tiers. gp2, st1 and sc1 charge per GB-month only.
Whole months are priced (AWS bills by the second, pro rata).
"""

import copy
from dataclasses import dataclass

import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.records import Record

DATA_FILE = "ebs_volume_types.json"


@dataclass(frozen=True)
class EbsMonthlyCost(Record):
    """One month of one EBS volume (costs in USD) and the settings behind it."""

    volume_type: str
    size_gib: int
    iops: int | None
    throughput_mibps: int | None
    storage_cost: float
    iops_cost: float
    throughput_cost: float
    total: float


def ebs_prices() -> dict:
    """A copy of course/data/ebs_volume_types.json."""
    return copy.deepcopy(load_json(DATA_FILE))


def volume_type(name: object) -> dict:
    """The data of volume type NAME ('gp3', 'gp2', 'io2', 'st1', 'sc1'), else CourseInputError."""
    types = load_json(DATA_FILE)["volume_types"]
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in types:
        raise CourseInputError(f"volume_type must be one of {', '.join(types)} (got {name!r})")
    return types[key]


def _in_range(name: str, value: int, bounds: list, unit: str, vtype: str) -> None:
    low, high = bounds
    low = 0 if low is None else low
    if not low <= value <= high:
        raise CourseInputError(
            f"{name} of a {vtype} volume must be between {low:,} and {high:,} {unit} (got {value:,})"
        )


def check_gp3(size_gib: int, iops: int, throughput_mibps: int) -> None:
    """Raise CourseInputError unless SIZE_GIB, IOPS and THROUGHPUT_MIBPS make a valid gp3 volume."""
    gp3 = volume_type("gp3")
    _in_range("size_gib", size_gib, gp3["size_gib"], "GiB", "gp3")
    _in_range("iops", iops, gp3["iops"], "IOPS", "gp3")
    _in_range("throughput_mibps", throughput_mibps, gp3["throughput_mibps"], "MiB/s", "gp3")
    if iops > max(gp3["included_iops"], gp3["max_iops_per_gib"] * size_gib):
        raise CourseInputError(
            f"gp3 allows at most {gp3['max_iops_per_gib']} IOPS per GiB: {iops:,} IOPS needs at least "
            f"{-(-iops // gp3['max_iops_per_gib'])} GiB"
        )
    if throughput_mibps > max(gp3["included_throughput_mibps"], gp3["max_mibps_per_iops"] * iops):
        raise CourseInputError(
            f"gp3 allows at most {gp3['max_mibps_per_iops']} MiB/s per provisioned IOPS: {throughput_mibps} "
            f"MiB/s needs at least {int(throughput_mibps / gp3['max_mibps_per_iops']):,} IOPS"
        )


def _io2_iops_cost(iops: int, tiers: list[dict]) -> float:
    uppers = [t["from_iops"] for t in tiers[1:]] + [float("inf")]
    return sum(
        t["price_usd_per_iops_month"] * max(0, min(iops, upper) - t["from_iops"])
        for t, upper in zip(tiers, uppers, strict=True)
    )


def monthly_cost(
    volume: str, size_gib: int, iops: int | None = None, throughput_mibps: int | None = None
) -> EbsMonthlyCost:
    """A month's cost of one volume of type VOLUME with SIZE_GIB GiB (and, for gp3 and io2, IOPS;
    for gp3, THROUGHPUT_MIBPS). gp3 defaults to its included 3,000 IOPS and 125 MiB/s."""
    data = volume_type(volume)
    vtype = volume.strip().lower()
    size_gib = inputs.count("size_gib", size_gib, "GiB", minimum=1)
    _in_range("size_gib", size_gib, data["size_gib"], "GiB", vtype)
    storage = size_gib * data["price_usd_per_gb_month"]
    iops_cost = throughput_cost = 0.0
    if vtype == "gp3":
        iops = data["included_iops"] if iops is None else inputs.count("iops", iops, "IOPS")
        throughput_mibps = (
            data["included_throughput_mibps"]
            if throughput_mibps is None
            else inputs.count("throughput_mibps", throughput_mibps, "MiB/s")
        )
        check_gp3(size_gib, iops, throughput_mibps)
        iops_cost = (iops - data["included_iops"]) * data["price_usd_per_iops_month"]
        extra_mbps = throughput_mibps - data["included_throughput_mibps"]
        throughput_cost = extra_mbps * data["price_usd_per_mbps_month"]
    elif vtype == "io2":
        if iops is None:
            raise CourseInputError("an io2 volume needs its provisioned iops")
        iops = inputs.count("iops", iops, "IOPS")
        _in_range("iops", iops, data["iops"], "IOPS", vtype)
        iops_cost = _io2_iops_cost(iops, data["iops_tiers"])
    elif iops is not None or throughput_mibps is not None:
        raise CourseInputError(
            f"{vtype} volumes are priced by size only: leave iops and throughput_mibps out"
        )
    return EbsMonthlyCost(
        volume_type=vtype,
        size_gib=size_gib,
        iops=iops,
        throughput_mibps=throughput_mibps,
        storage_cost=storage,
        iops_cost=iops_cost,
        throughput_cost=throughput_cost,
        total=storage + iops_cost + throughput_cost,
    )


def volume_types_table() -> pd.DataFrame:
    """One row per volume type: media, size, IOPS and throughput limits, boot, price per GB-month."""

    def span(bounds: list, unit: str) -> str:
        low, high = bounds
        text = f"up to {high:,} {unit}" if low is None else f"{low:,}-{high:,} {unit}"
        return text.strip()

    rows = [
        {
            "volume type": code,
            "name": t["name"],
            "media": t["media"],
            "size": span(t["size_gib"], "GiB"),
            "IOPS": span(t["iops"], ""),
            "throughput": span(t["throughput_mibps"], "MiB/s"),
            "boot volume": "yes" if t["boot_volume"] else "no",
            "USD per GB-month": t["price_usd_per_gb_month"],
            "for": t["use"],
        }
        for code, t in load_json(DATA_FILE)["volume_types"].items()
    ]
    return pd.DataFrame(rows).set_index("volume type")

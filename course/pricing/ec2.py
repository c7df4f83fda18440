"""EC2 purchasing options: what a year of one instance costs on demand, on Spot, reserved or on a plan.

An option's hourly rate is the On-Demand price (course.aws.instances) less the option's example
discount (course/data/ec2_purchasing_options.json, No Upfront payment). A commitment (Reserved
Instance, Savings Plan, Capacity Reservation) bills every hour of the year whether the instance
runs or not; On-Demand and Spot bill only the hours used.
"""

import copy
import difflib
import math
from dataclasses import asdict, dataclass

import pandas as pd

from course import inputs
from course.aws.instances import on_demand_price
from course.data import load_json
from course.errors import CourseInputError
from course.pricing.conventions import hours_per_month

DATA_FILE = "ec2_purchasing_options.json"
FREE_TIER_FILE = "ec2_free_tier.json"
MONTHS_PER_YEAR = 12


def hours_per_year() -> int:
    """Hours in a year as AWS's Pricing Calculator counts them (730 x 12 = 8,760)."""
    return MONTHS_PER_YEAR * hours_per_month()


@dataclass(frozen=True)
class PurchasingOption:
    """One way to pay for EC2 capacity, with its discount off On-Demand."""

    key: str
    label: str
    term_years: int
    pays_when_idle: bool
    interruptible: bool
    max_discount: float
    example_discount: float
    use_when: str


def purchasing_options() -> list[PurchasingOption]:
    """Every purchasing option in the course's data file, On-Demand first."""
    fields = PurchasingOption.__dataclass_fields__
    return [
        PurchasingOption(**{k: v for k, v in o.items() if k in fields})
        for o in load_json(DATA_FILE)["options"]
    ]


def purchasing_option(key: str) -> PurchasingOption:
    """The option named KEY (e.g. "spot"), or a CourseInputError naming the closest key."""
    options = {o.key: o for o in purchasing_options()}
    if key in options:
        return options[key]
    close = difflib.get_close_matches(str(key), options, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"the keys are {', '.join(options)}"
    raise CourseInputError(f"unknown purchasing option {key!r}; {hint}")


def options_table() -> pd.DataFrame:
    """The purchasing options as a table, one row per option."""
    return pd.DataFrame([asdict(o) for o in purchasing_options()]).set_index("key")


def _hours_used(hours_used: float | None) -> float:
    year = hours_per_year()
    if hours_used is None:
        return float(year)
    if type(hours_used) is bool or not isinstance(hours_used, int | float) or not 0 <= hours_used <= year:
        raise CourseInputError(
            f"hours_used must be a number of hours from 0 to {year} (a year of {hours_per_month()}-hour "
            f"months); got {hours_used!r}"
        )
    return float(hours_used)


def hourly_rate(instance_type: str, option: str = "on_demand") -> float:
    """USD per hour of INSTANCE_TYPE (Linux, us-east-1) under OPTION."""
    return on_demand_price(instance_type) * (1 - purchasing_option(option).example_discount)


def yearly_cost(instance_type: str, option: str = "on_demand", hours_used: float | None = None) -> float:
    """USD for a year of INSTANCE_TYPE running HOURS_USED hours (default: all year) under OPTION."""
    used = _hours_used(hours_used)
    billed = hours_per_year() if purchasing_option(option).pays_when_idle else used
    return hourly_rate(instance_type, option) * billed


def yearly_costs(instance_type: str, hours_used: float | None = None) -> pd.DataFrame:
    """Every option's rate and yearly cost for INSTANCE_TYPE used HOURS_USED hours, cheapest first."""
    used = _hours_used(hours_used)
    full = yearly_cost(instance_type, "on_demand", used)
    rows = []
    for o in purchasing_options():
        cost = yearly_cost(instance_type, o.key, used)
        rows.append(
            {
                "option": o.label,
                "usd_per_hour": hourly_rate(instance_type, o.key),
                "billed_hours": hours_per_year() if o.pays_when_idle else used,
                "usd_per_year": cost,
                "vs_on_demand": cost / full - 1 if full else math.nan,
                "interruptible": o.interruptible,
            }
        )
    return pd.DataFrame(rows).sort_values("usd_per_year", kind="stable", ignore_index=True)


def break_even_hours(option: str) -> float:
    """Hours a year above which a commitment OPTION costs less than On-Demand for the same hours."""
    chosen = purchasing_option(option)
    if not chosen.pays_when_idle:
        raise CourseInputError(f"{chosen.label} bills only the hours used: it has no break-even point")
    return hours_per_year() * (1 - chosen.example_discount)


def dedicated_yearly_costs(instances: int) -> pd.DataFrame:
    """A year of INSTANCES example instances: shared, as Dedicated Instances, on Dedicated Hosts."""
    instances = inputs.count("instances", instances, minimum=1)
    d = load_json(DATA_FILE)["dedicated"]
    year = hours_per_year()
    hosts = math.ceil(instances / d["instances_per_host"])
    dedicated_hourly = (
        instances * d["dedicated_instance_usd_per_hour"] + d["dedicated_instance_region_fee_usd_per_hour"]
    )
    rows = [
        ("shared (default tenancy), On-Demand", 0, instances * on_demand_price(d["instance_type"]) * year),
        ("Dedicated Instances (+ per-Region fee)", 0, dedicated_hourly * year),
        (f"Dedicated Hosts ({d['host_family']})", hosts, hosts * d["host_usd_per_hour"] * year),
    ]
    table = pd.DataFrame(rows, columns=["tenancy", "hosts", "usd_per_year"])
    table["usd_per_instance_year"] = table["usd_per_year"] / instances
    return table


def free_tier() -> dict:
    """A copy of the Free Tier facts in course/data/ec2_free_tier.json."""
    return copy.deepcopy(load_json(FREE_TIER_FILE))


def legacy_free_tier_cost(instance_hours: float, usd_per_hour: float) -> float:
    """USD for a month's pooled INSTANCE_HOURS of an eligible type on a pre-2025-07-15 account."""
    instance_hours = inputs.amount("instance_hours", instance_hours, "hours")
    free_hours = free_tier()["legacy_accounts"]["ec2_hours_per_month"]
    return max(0.0, instance_hours - free_hours) * usd_per_hour

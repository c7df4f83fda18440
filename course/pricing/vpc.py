"""NAT gateway costs in us-east-1: an hourly charge per gateway plus a charge per GB it processes.

Prices come from course/data/networking_pricing.json (dated, with their source). Data transfer out
to the internet is billed on top and is not modelled here.
"""

from dataclasses import dataclass

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.pricing.conventions import hours_per_month
from course.records import Record

DATA_FILE = "networking_pricing.json"


def price(item_id: str) -> dict:
    """One dated price entry of networking_pricing.json (price_usd, unit, as_of, source, note)."""
    for item in load_json(DATA_FILE)["items"]:
        if item["id"] == item_id:
            return dict(item)
    known = ", ".join(repr(i["id"]) for i in load_json(DATA_FILE)["items"])
    raise CourseInputError(f"no price {item_id!r}; known: {known}")


@dataclass(frozen=True)
class NatCost(Record):
    """A month of NAT gateways (USD): the hours they exist and the GB they process."""

    gateways: int
    hours: float
    gb_processed: float
    hourly_cost: float
    processing_cost: float
    total: float


def nat_gateway_monthly_cost(gb_processed: float, gateways: int = 1, hours: float | None = None) -> NatCost:
    """Cost of GATEWAYS NAT gateways that exist HOURS each (default a whole month) and process
    GB_PROCESSED GB between them."""
    gateways = inputs.count("gateways", gateways, hint="one NAT gateway per Availability Zone is usual")
    gb = inputs.amount("gb_processed", gb_processed, "GB")
    hours = float(hours_per_month()) if hours is None else inputs.amount("hours", hours, "hours")
    hourly = gateways * hours * price("nat_gateway_hour")["price_usd"]
    processing = gb * price("nat_gateway_gb")["price_usd"]
    return NatCost(gateways, hours, gb, hourly, processing, hourly + processing)

"""Amazon SQS and SNS request costs in us-east-1: 64 KB chunks, the monthly free tier, per-million prices.

Every SQS action (send, receive, delete, change visibility...) is a request, and each 64 KB chunk of a
call's payload counts as one more: a 256 KB send is 4 requests. SNS bills publishes the same way and
adds a charge per delivery for some protocols (deliveries to SQS and Lambda carry none).
"""

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.records import Record

DATA_FILE = "messaging_pricing.json"
MAX_PAYLOAD_KB = 1024  # 1 MiB: the largest SQS message and the largest SNS topic setting
PER_MONTH = "it is a number per month"


@dataclass(frozen=True)
class SqsCost(Record):
    """A month of SQS requests of one queue type (costs in USD) and the request counts behind them."""

    api_calls: int
    payload_kb: float
    queue_type: str
    free_tier: bool
    requests: int
    billable_requests: int
    total: float


@dataclass(frozen=True)
class SnsCost(Record):
    """A month of SNS publishes and deliveries on a standard topic (costs in USD)."""

    publishes: int
    payload_kb: float
    free_tier: bool
    requests: int
    billable_requests: int
    publish_cost: float
    delivery_costs: dict[str, float]
    total: float


def messaging_prices() -> dict:
    """A copy of the SQS and SNS prices from course/data/messaging_pricing.json."""
    return copy.deepcopy(load_json(DATA_FILE))


def requests_per_call(payload_kb: float) -> int:
    """Billed requests for one call carrying `payload_kb` KB: one per started 64 KB chunk."""
    prices = load_json(DATA_FILE)
    payload_kb = _payload_kb(payload_kb, prices)
    return math.ceil(payload_kb / prices["sqs"]["chunk_kb"])


def sqs_monthly_cost(
    api_calls: int, payload_kb: float = 1.0, queue_type: str = "standard", free_tier: bool = True
) -> SqsCost:
    """Monthly cost of `api_calls` SQS calls of `payload_kb` KB each; the free tier (if on) is taken
    to be this queue type's alone, though AWS shares it across the account."""
    prices = load_json(DATA_FILE)
    sqs = prices["sqs"]
    api_calls = inputs.count("api_calls", api_calls, hint=PER_MONTH)
    tiers = sqs["tiers"]
    inputs.one_of("queue_type", queue_type, tiers)
    requests = api_calls * requests_per_call(payload_kb)
    free = min(requests, sqs["free_tier_requests"]) if inputs.flag("free_tier", free_tier) else 0
    billable = requests - free
    return SqsCost(
        api_calls=api_calls,
        payload_kb=float(payload_kb),
        queue_type=queue_type,
        free_tier=free_tier,
        requests=requests,
        billable_requests=billable,
        total=_tiered_cost(tiers[queue_type], billable, sqs["per_requests"]),
    )


def sns_monthly_cost(
    publishes: int,
    payload_kb: float = 1.0,
    deliveries: Mapping[str, int] | None = None,
    free_tier: bool = True,
) -> SnsCost:
    """Monthly cost of `publishes` publishes of `payload_kb` KB to a standard topic and of the
    `deliveries` per protocol ({"sqs": n, "http": n, "email": n, "lambda": n, "mobile_push": n})."""
    sns = load_json(DATA_FILE)["sns"]
    publishes = inputs.count("publishes", publishes, hint=PER_MONTH)
    requests = publishes * requests_per_call(payload_kb)
    flag = inputs.flag("free_tier", free_tier)
    billable = max(0, requests - sns["requests"]["free"]) if flag else requests
    publish_cost = billable * sns["requests"]["price_usd"] / sns["requests"]["per"]
    delivery_costs = {}
    for protocol, count in (deliveries or {}).items():
        if protocol not in sns["deliveries"]:
            valid = ", ".join(repr(name) for name in sns["deliveries"])
            raise CourseInputError(f"unknown delivery protocol {protocol!r}; use one of {valid}")
        rate = sns["deliveries"][protocol]
        sent = inputs.count(f"deliveries[{protocol!r}]", count, hint=PER_MONTH)
        paid = max(0, sent - (rate["free"] if flag else 0))
        delivery_costs[protocol] = paid * rate["price_usd"] / rate["per"]
    return SnsCost(
        publishes=publishes,
        payload_kb=float(payload_kb),
        free_tier=flag,
        requests=requests,
        billable_requests=billable,
        publish_cost=publish_cost,
        delivery_costs=delivery_costs,
        total=publish_cost + sum(delivery_costs.values()),
    )


def _tiered_cost(tiers: list[dict], billable: int, per: int) -> float:
    """Cost of `billable` requests when each tier has its own price per `per` requests."""
    bounds = [tier["from_requests"] for tier in tiers[1:]] + [math.inf]
    return sum(
        tier["price_usd"] * max(0, min(billable, upper) - tier["from_requests"]) / per
        for tier, upper in zip(tiers, bounds, strict=True)
    )


def _payload_kb(value: object, prices: dict) -> float:
    """`value` as a float number of KB within the 1 MiB message limit, else CourseInputError."""
    too_big = f"payload_kb must be at most {MAX_PAYLOAD_KB} KB (1 MiB, the largest message; got {value})"
    hint = "give the size of one call's payload"
    return inputs.size("payload_kb", value, "KB", MAX_PAYLOAD_KB, too_big, hint, prices["bytes_per_kb"])

"""AWS Lambda monthly cost in us-east-1: requests, tiered duration and extra ephemeral storage."""

import copy
import math
import numbers
from dataclasses import dataclass

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.records import Record

DATA_FILE = "lambda_pricing.json"
MS_PER_SECOND = 1000


@dataclass(frozen=True)
class LambdaCost(Record):
    """One function's Lambda bill for a month (costs in USD) and the quantities behind it."""

    requests: int
    duration_ms: float
    memory_mb: int
    arch: str
    free_tier: bool
    ephemeral_mb: int
    gb_seconds: float
    billable_gb_seconds: float
    billable_requests: int
    request_cost: float
    compute_cost: float
    ephemeral_cost: float
    total: float


def lambda_prices() -> dict:
    """A copy of the Lambda prices and limits from course/data/lambda_pricing.json."""
    return copy.deepcopy(load_json(DATA_FILE))


def lambda_monthly_cost(
    requests: int,
    duration_ms: float,
    memory_mb: int,
    arch: str = "x86_64",
    free_tier: bool = True,
    ephemeral_mb: int = 512,
) -> LambdaCost:
    """Monthly cost of `requests` invocations of `duration_ms` each (billed rounded up to the
    next whole ms); the free GB-seconds, if on, come off the first price tier."""
    prices = load_json(DATA_FILE)
    requests, duration_ms, memory_mb, ephemeral_mb = _checked(
        prices, requests, duration_ms, memory_mb, arch, free_tier, ephemeral_mb
    )
    duration = prices["duration"]
    step = duration["billing_granularity_ms"]
    billed_seconds = requests * math.ceil(duration_ms / step) * step / MS_PER_SECOND
    gb_seconds = billed_seconds * memory_mb / duration["mb_per_gb"]
    free = prices["free_tier"]
    free_gb_seconds = min(gb_seconds, free["gb_seconds"]) if free_tier else 0.0
    billable_requests = max(0, requests - free["requests"]) if free_tier else requests
    request_cost = billable_requests * prices["requests"]["price_usd"] / prices["requests"]["per_requests"]
    compute_cost = _tiered_cost(duration["tiers"][arch], free_gb_seconds, gb_seconds)
    storage = prices["ephemeral_storage"]
    extra_storage_gb = (ephemeral_mb - storage["free_mb"]) / duration["mb_per_gb"]
    ephemeral_cost = extra_storage_gb * billed_seconds * storage["price_usd_per_gb_second"]
    return LambdaCost(
        requests=requests,
        duration_ms=duration_ms,
        memory_mb=memory_mb,
        arch=arch,
        free_tier=free_tier,
        ephemeral_mb=ephemeral_mb,
        gb_seconds=gb_seconds,
        billable_gb_seconds=gb_seconds - free_gb_seconds,
        billable_requests=billable_requests,
        request_cost=request_cost,
        compute_cost=compute_cost,
        ephemeral_cost=ephemeral_cost,
        total=request_cost + compute_cost + ephemeral_cost,
    )


def _tiered_cost(tiers: list[dict], start: float, end: float) -> float:
    """Cost of the month's GB-seconds from `start` to `end` at each tier's price."""
    upper_bounds = [tier["from_gb_seconds"] for tier in tiers[1:]] + [math.inf]
    return sum(
        tier["price_usd"] * max(0.0, min(end, upper) - max(start, tier["from_gb_seconds"]))
        for tier, upper in zip(tiers, upper_bounds, strict=True)
    )


def _checked(
    prices: dict,
    requests: object,
    duration_ms: object,
    memory_mb: object,
    arch: object,
    free_tier: object,
    ephemeral_mb: object,
) -> tuple[int, float, int, int]:
    """The numeric inputs as (int, float, int, int), or a CourseInputError saying what to fix."""
    limits = prices["limits"]
    requests = inputs.count("requests", requests, hint="it is the number of invocations a month")
    duration_ms = _duration(duration_ms, limits["timeout_s"]["max"] * MS_PER_SECOND)

    memory_mb = inputs.whole_number("memory_mb", memory_mb)
    low, high = limits["memory_mb"]["min"], limits["memory_mb"]["max"]
    mb_if_gb = memory_mb * prices["duration"]["mb_per_gb"]
    hint = "Lambda memory is set in MB, in 1 MB steps" + inputs.wrong_unit_hint(
        memory_mb, "GB", mb_if_gb, "MB", low, high
    )
    inputs.check_between("memory_mb", memory_mb, low, high, "MB", hint)

    inputs.one_of("arch", arch, sorted(prices["duration"]["tiers"]))
    inputs.flag("free_tier", free_tier)

    ephemeral_mb = inputs.whole_number("ephemeral_mb", ephemeral_mb)
    free_mb = prices["ephemeral_storage"]["free_mb"]
    hint = f"the first {free_mb} MB of /tmp is free; set more only if the function needs it"
    low, high = limits["ephemeral_mb"]["min"], limits["ephemeral_mb"]["max"]
    inputs.check_between("ephemeral_mb", ephemeral_mb, low, high, "MB", hint)
    return requests, duration_ms, memory_mb, ephemeral_mb


def _duration(value: object, max_ms: int) -> float:
    """`value` as a float number of milliseconds within Lambda's timeout, else CourseInputError."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise CourseInputError(
            f"duration_ms must be a number of milliseconds, got {value!r} ({type(value).__name__})"
        )
    if not math.isfinite(value):
        raise CourseInputError(f"duration_ms must be a finite number of milliseconds (got {value})")
    if value <= 0:
        raise CourseInputError(
            f"duration_ms must be more than 0 ms (got {value}); give how long one invocation runs"
        )
    if value > max_ms:
        raise CourseInputError(
            f"duration_ms must be at most {max_ms} ms ({max_ms // MS_PER_SECOND} s, Lambda's"
            f" timeout limit); got {value} — give one invocation's run time in milliseconds"
            f" (1 s = {MS_PER_SECOND} ms), not the month's total"
        )
    return float(value)

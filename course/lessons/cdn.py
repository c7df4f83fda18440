"""A content delivery network in numbers: what the cache hit ratio leaves for the origin, how a TTL
sets the hit ratio of one edge cache, and a CloudFront pay-as-you-go bill.

The cache model is one edge location with room for every object: an object is fetched from the
origin on a miss and served from the cache until its TTL runs out. Real CloudFront adds regional
edge caches, evictions and many edge locations; the model shows the direction, not CloudFront's
numbers.
"""

import math
from dataclasses import dataclass

import numpy as np

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.records import Record

DATA_FILE = "cloudfront_pricing.json"


def _check_fraction(hit_ratio: float) -> float:
    if isinstance(hit_ratio, bool) or not isinstance(hit_ratio, int | float) or math.isnan(hit_ratio):
        raise CourseInputError(f"hit_ratio must be a number from 0 to 1, got {hit_ratio!r}")
    if 1 < hit_ratio <= 100:
        raise CourseInputError(
            f"hit_ratio {hit_ratio} looks like a percent: pass {hit_ratio / 100:g}, not {hit_ratio}"
        )
    if not 0 <= hit_ratio <= 1:
        raise CourseInputError(f"hit_ratio must be from 0 to 1, got {hit_ratio}")
    return float(hit_ratio)


def origin_requests(viewer_requests: float, hit_ratio: float) -> float:
    """Requests that reach the origin: the misses, viewer_requests * (1 - hit_ratio), hit_ratio a fraction."""
    return inputs.amount("viewer_requests", viewer_requests, "requests") * (1 - _check_fraction(hit_ratio))


def zipf_trace(
    objects: int, requests: int, per_second: float, exponent: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded request trace: arrival times (s, Poisson arrivals) and object ids with Zipf
    popularity (id 0 the most popular)."""
    if objects < 1 or requests < 0 or per_second <= 0:
        raise CourseInputError("objects must be >= 1, requests >= 0 and per_second > 0")
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, objects + 1) ** exponent
    keys = rng.choice(objects, size=requests, p=popularity / popularity.sum())
    times = np.cumsum(rng.exponential(1.0 / per_second, size=requests))
    return times, keys


def ttl_hit_ratio(times: np.ndarray, keys: np.ndarray, ttl_s: float) -> float:
    """Hit ratio of one cache that keeps each fetched object for ttl_s seconds (times in s, ascending)."""
    if ttl_s < 0:
        raise CourseInputError(f"ttl_s must be >= 0 seconds, got {ttl_s}")
    if len(times) == 0:
        return 0.0
    expires: dict[int, float] = {}
    hits = 0
    for t, key in zip(times.tolist(), keys.tolist(), strict=True):
        if t < expires.get(key, -1.0):
            hits += 1
        else:
            expires[key] = t + ttl_s
    return hits / len(times)


@dataclass(frozen=True)
class CloudFrontCost(Record):
    """A month of CloudFront pay-as-you-go charges in USD, for viewers in one price zone."""

    gb_out: float
    requests: int
    free_tier: bool
    billable_gb: float
    billable_requests: int
    transfer_cost: float
    request_cost: float
    total: float


def cloudfront_monthly_cost(gb_out: float, requests: int, free_tier: bool = True) -> CloudFrontCost:
    """CloudFront's monthly bill for GB_OUT GB to viewers and REQUESTS HTTPS requests (United States
    price zone, tiered per GB); the always-free 1 TB and 10M requests come off first if FREE_TIER."""
    inputs.amount("gb_out", gb_out, "GB")
    inputs.count("requests", requests)
    prices = load_json(DATA_FILE)
    free = prices["always_free"] if free_tier else {"gb_out": 0, "requests": 0}
    billable_gb = max(0.0, gb_out - free["gb_out"])
    billable_requests = max(0, requests - free["requests"])
    transfer = 0.0
    tiers = prices["data_transfer_out"]["tiers"]
    for tier, upper in zip(tiers, [t["from_gb"] for t in tiers[1:]] + [math.inf], strict=True):
        transfer += max(0.0, min(billable_gb, upper) - tier["from_gb"]) * tier["price_usd_per_gb"]
    per = prices["https_requests"]
    request_cost = billable_requests / per["per_requests"] * per["price_usd"]
    return CloudFrontCost(
        gb_out=gb_out,
        requests=requests,
        free_tier=free_tier,
        billable_gb=billable_gb,
        billable_requests=billable_requests,
        transfer_cost=round(transfer, 6),
        request_cost=round(request_cost, 6),
        total=round(transfer + request_cost, 6),
    )

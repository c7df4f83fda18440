"""Route 53 routing policies as plain functions: which record answers one DNS query.

Route 53 decides with its own health checkers and its own latency measurements. Here a record's
health is given, and the great-circle distance to a Region (course.aws.regions.distance_km) stands in
for measured latency: good for comparing Regions, not a latency figure.
Rules follow the Route 53 Developer Guide and API reference (ResourceRecordSet: Weight, Failover):
- weighted: a record gets weight / total of the traffic; weight 0 gets none, unless every weight
  is 0 (then all share equally); unhealthy records are left out, zero-weight ones are tried only
  when every record with a weight above 0 is unhealthy;
- failover: primary while it is healthy, else the secondary if it is healthy (a secondary without
  a health check counts as healthy), else the primary;
- any policy: if every record is unhealthy, Route 53 treats them all as healthy.
"""

import math
import random
from collections import Counter
from collections.abc import Collection, Mapping

from course.aws import regions
from course.errors import CourseInputError

PRIMARY, SECONDARY = "primary", "secondary"
DEFAULT_FAILURE_THRESHOLD = 3  # consecutive checks before Route 53 changes a health status
DEFAULT_INTERVAL_S = 30  # standard health checks; fast ones run every 10 s
FIBRE_KM_PER_MS = 200.0  # light in optical fibre covers about 200 km a millisecond (2/3 of c)


def fibre_rtt_ms(distance_km: float) -> float:
    """The least round-trip time over DISTANCE_KM of fibre: there and back at the speed of light in glass."""
    if isinstance(distance_km, bool) or not isinstance(distance_km, int | float) or distance_km < 0:
        raise CourseInputError(f"distance_km must be a distance >= 0 in km, got {distance_km!r}")
    return 2 * distance_km / FIBRE_KM_PER_MS


def _check_draw(draw: float) -> float:
    if isinstance(draw, bool) or not isinstance(draw, int | float) or not 0 <= draw < 1:
        raise CourseInputError(f"draw must be a number in [0, 1), like random.random(), got {draw!r}")
    return float(draw)


def _check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(weights, Mapping) or not weights:
        raise CourseInputError(f"weights must be a non-empty dict of record id -> weight, got {weights!r}")
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise CourseInputError(f"the weight of {key!r} must be a number, got {value!r}")
        if value < 0:
            raise CourseInputError(f"the weight of {key!r} must not be negative, got {value}")
    return dict(weights)


def _healthy_or_all(ids: list[str], unhealthy: Collection[str]) -> list[str]:
    """The ids not marked unhealthy; all of them if none is healthy (Route 53's rule)."""
    healthy = [i for i in ids if i not in unhealthy]
    return healthy or list(ids)


def weighted_choice(weights: Mapping[str, float], draw: float, unhealthy: Collection[str] = ()) -> str:
    """The record a weighted policy answers with for a uniform DRAW in [0, 1).

    Records are taken in the dict's order; the first whose running share of the total weight
    exceeds the draw wins.
    """
    weights = _check_weights(weights)
    draw = _check_draw(draw)
    positive = [k for k, w in weights.items() if w > 0]
    zero = [k for k, w in weights.items() if w == 0]
    candidates = [k for k in positive if k not in unhealthy]
    if not candidates:
        candidates = [k for k in zero if k not in unhealthy] or positive or zero
    if all(weights[k] == 0 for k in candidates):
        shares = {k: 1.0 for k in candidates}  # all weights 0: equal shares
    else:
        shares = {k: float(weights[k]) for k in candidates}
    total = sum(shares.values())
    running = 0.0
    for key, share in shares.items():
        running += share
        if draw * total < running:
            return key
    return candidates[-1]  # only reachable through rounding when draw is just below 1


def weighted_split(
    weights: Mapping[str, float], queries: int, seed: int = 0, unhealthy: Collection[str] = ()
) -> dict[str, int]:
    """How many of QUERIES simulated queries each record answers (seeded, repeatable)."""
    if isinstance(queries, bool) or not isinstance(queries, int) or queries < 0:
        raise CourseInputError(f"queries must be a whole number of queries, got {queries!r}")
    rng = random.Random(seed)
    counts = Counter(weighted_choice(weights, rng.random(), unhealthy) for _ in range(queries))
    return {key: counts.get(key, 0) for key in weights}


def latency_choice(
    user: tuple[float, float], records: Mapping[str, str], unhealthy: Collection[str] = ()
) -> str:
    """The record (id -> Region code) whose Region is nearest the user (lat, lon), among healthy ones."""
    if not isinstance(records, Mapping) or not records:
        raise CourseInputError(
            f"records must be a non-empty dict of record id -> Region code, got {records!r}"
        )
    where = {key: regions.region(code) for key, code in records.items()}
    candidates = _healthy_or_all(list(records), unhealthy)
    return min(candidates, key=lambda k: regions.distance_km(user, (where[k].lat, where[k].lon)))


def failover_choice(primary_healthy: bool, secondary_healthy: bool | None = None) -> str:
    """ "primary" or "secondary": the record a failover pair answers with.

    secondary_healthy is None when the secondary record has no health check (it then counts
    as healthy).
    """
    if type(primary_healthy) is not bool or secondary_healthy not in (True, False, None):
        raise CourseInputError("primary_healthy must be True or False; secondary_healthy True, False or None")
    if primary_healthy:
        return PRIMARY
    return PRIMARY if secondary_healthy is False else SECONDARY


def health_status(
    checks: list[bool], threshold: int = DEFAULT_FAILURE_THRESHOLD, start_healthy: bool = True
) -> list[bool]:
    """The status after each check result: it flips only after THRESHOLD results in a row disagree with it."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 1 <= threshold <= 10:
        raise CourseInputError(
            f"threshold must be a whole number from 1 to 10 (Route 53's range), got {threshold!r}"
        )
    status, streak, out = start_healthy, 0, []
    for ok in checks:
        streak = streak + 1 if bool(ok) != status else 0
        if streak >= threshold:
            status, streak = not status, 0
        out.append(status)
    return out

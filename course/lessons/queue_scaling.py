"""Scaling queue consumers on backlog per instance, as AWS's SQS target-tracking guide describes.

Backlog per instance is the queue's visible messages divided by the running consumers. The target
(the acceptable backlog per instance) is the longest acceptable latency divided by the time one
consumer takes per message. AWS's example: 1,500 messages, 10 instances, 0.1 s per message and 10 s
acceptable latency give a backlog of 150 against a target of 100, so the group grows to 15.
"""

import math
from collections.abc import Sequence

import pandas as pd

from course import inputs
from course.errors import CourseInputError

SECONDS_PER_MINUTE = 60
# Divisions such as 0.3 / 0.1 land a hair above a whole number; round before ceil.
_DIGITS = 9


def backlog_per_instance(visible_messages: int, instances: int) -> float:
    """Messages waiting per running consumer (ApproximateNumberOfMessagesVisible / InService instances)."""
    visible_messages = inputs.count("visible_messages", visible_messages)
    instances = inputs.count("instances", instances)
    if instances == 0:
        raise CourseInputError(
            "instances must be at least 1: the backlog per instance of an empty group is undefined"
        )
    return visible_messages / instances


def acceptable_backlog_per_instance(acceptable_latency_s: float, processing_time_s: float) -> float:
    """The target value: how many messages one consumer can have waiting and still meet the latency."""
    latency = inputs.positive("acceptable_latency_s", acceptable_latency_s, "seconds")
    processing = inputs.positive("processing_time_s", processing_time_s, "seconds")
    return latency / processing


def consumers_needed(
    visible_messages: int,
    acceptable_latency_s: float,
    processing_time_s: float,
    min_consumers: int = 0,
    max_consumers: int | None = None,
) -> int:
    """Consumers that bring the backlog per instance down to the target, rounded up, within bounds."""
    visible_messages = inputs.count("visible_messages", visible_messages)
    target = acceptable_backlog_per_instance(acceptable_latency_s, processing_time_s)
    wanted = math.ceil(round(visible_messages / target, _DIGITS))
    low = inputs.count("min_consumers", min_consumers)
    high = math.inf if max_consumers is None else inputs.count("max_consumers", max_consumers)
    if high < low:
        raise CourseInputError(f"max_consumers ({max_consumers}) is below min_consumers ({min_consumers})")
    return int(min(max(wanted, low), high))


def simulate_queue(
    arrivals_per_minute: Sequence[int],
    processing_time_s: float,
    consumers: int | None = None,
    acceptable_latency_s: float | None = None,
    min_consumers: int = 1,
    max_consumers: int = 20,
    warmup_minutes: int = 3,
) -> pd.DataFrame:
    """Queue depth minute by minute with a fixed number of `consumers`, or, if `acceptable_latency_s`
    is given instead, with a target-tracking group: new consumers start after `warmup_minutes`, and
    the group shrinks by one consumer a minute once it has more than it needs."""
    if (consumers is None) == (acceptable_latency_s is None):
        raise CourseInputError(
            "give either consumers (a fixed fleet) or acceptable_latency_s (target tracking)"
        )
    per_consumer = SECONDS_PER_MINUTE / inputs.positive("processing_time_s", processing_time_s, "seconds")
    warmup = inputs.count("warmup_minutes", warmup_minutes)
    active = (
        inputs.count("consumers", consumers)
        if consumers is not None
        else inputs.count("min_consumers", min_consumers)
    )
    pending: list[tuple[int, int]] = []  # (minute the consumers start, how many)
    depth, rows = 0, []
    for minute, arrived in enumerate(arrivals_per_minute):
        active += sum(n for start, n in pending if start == minute)
        pending = [(start, n) for start, n in pending if start > minute]
        depth += inputs.count("arrivals", arrived)
        processed = min(depth, math.floor(active * per_consumer))
        depth -= processed
        rows.append(
            {
                "minute": minute,
                "arrivals": arrived,
                "consumers": active,
                "processed": processed,
                "depth": depth,
            }
        )
        if acceptable_latency_s is not None:
            desired = consumers_needed(
                depth, acceptable_latency_s, processing_time_s, min_consumers, max_consumers
            )
            starting = sum(n for _, n in pending)
            if desired > active + starting:
                pending.append((minute + 1 + warmup, desired - active - starting))
            elif desired < active and not pending:
                active -= 1  # scale in gently, one consumer a minute
    return pd.DataFrame(rows).set_index("minute")

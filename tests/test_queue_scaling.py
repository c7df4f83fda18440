"""Consumers from queue backlog: AWS's worked example, rounding, bounds, the simulation and input errors."""

import random

import pytest

from course.errors import CourseInputError
from course.lessons.queue_scaling import (
    acceptable_backlog_per_instance,
    backlog_per_instance,
    consumers_needed,
    simulate_queue,
)


def test_aws_worked_example():
    # AWS EC2 Auto Scaling guide: 1,500 messages, 10 instances, 0.1 s per message, 10 s acceptable latency.
    assert backlog_per_instance(1500, 10) == 150
    assert acceptable_backlog_per_instance(10, 0.1) == 100
    assert consumers_needed(1500, 10, 0.1) == 15


def test_rounds_up_and_survives_float_noise():
    assert consumers_needed(1501, 10, 0.1) == 16
    assert consumers_needed(3, 0.3, 0.1) == 1  # 0.3 / 0.1 is 2.9999999999999996 in floating point
    assert consumers_needed(0, 10, 0.1) == 0


def test_bounds_of_the_group():
    assert consumers_needed(0, 10, 0.1, min_consumers=2) == 2
    assert consumers_needed(10_000, 10, 0.1, max_consumers=20) == 20
    with pytest.raises(CourseInputError, match="below min_consumers"):
        consumers_needed(10, 10, 0.1, min_consumers=5, max_consumers=2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: backlog_per_instance(10, 0), "instances must be at least 1"),
        (lambda: backlog_per_instance(-1, 2), "visible_messages must be 0 or more"),
        (lambda: consumers_needed(10.0, 10, 0.1), "visible_messages must be a whole number"),
        (lambda: consumers_needed(10, 0, 0.1), "acceptable_latency_s must be more than 0 seconds"),
        (lambda: consumers_needed(10, 10, "0.1"), "processing_time_s must be a finite number of seconds"),
        (lambda: simulate_queue([1], 1.0), "give either consumers"),
        (lambda: simulate_queue([1], 1.0, consumers=1, acceptable_latency_s=5), "give either consumers"),
    ],
)
def test_bad_input_is_rejected(call, message):
    with pytest.raises(CourseInputError, match=message):
        call()


def test_fixed_fleet_conserves_messages():
    rng = random.Random(3)
    arrivals = [rng.randrange(0, 400) for _ in range(90)]
    run = simulate_queue(arrivals, 0.5, consumers=2)
    assert (run["consumers"] == 2).all()
    assert (run["processed"] <= 2 * 120).all()
    assert run["processed"].sum() + run["depth"].iloc[-1] == sum(arrivals)


def test_target_tracking_drains_a_burst_faster_than_a_fixed_fleet():
    arrivals = [100] * 20 + [1200] * 20 + [100] * 80
    fixed = simulate_queue(arrivals, 0.5, consumers=5)
    tracked = simulate_queue(arrivals, 0.5, acceptable_latency_s=60, max_consumers=12)
    assert tracked["depth"].max() < fixed["depth"].max()
    assert (tracked["depth"] > 0).sum() < (fixed["depth"] > 0).sum()
    assert tracked["consumers"].max() == 12 and tracked["consumers"].iloc[-1] == 1
    assert tracked["processed"].sum() + tracked["depth"].iloc[-1] == sum(arrivals)


def test_new_consumers_wait_for_the_warm_up():
    run = simulate_queue([1000] + [0] * 10, 1.0, acceptable_latency_s=60, warmup_minutes=3)
    assert run["consumers"].iloc[:4].tolist() == [1, 1, 1, 1]
    assert run["consumers"].iloc[4] > 1

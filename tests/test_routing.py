"""Route 53 routing policies choose records the way the Route 53 documentation says."""

import random

import pytest

from course.errors import CourseInputError
from course.lessons.routing import (
    failover_choice,
    fibre_rtt_ms,
    health_status,
    latency_choice,
    weighted_choice,
    weighted_split,
)

WEIGHTS = {"blue": 70, "green": 20, "canary": 10}
PARIS = (48.86, 2.35)
THREE = {"us": "us-east-1", "eu": "eu-west-3", "ap": "ap-southeast-2"}


@pytest.mark.parametrize(
    ("draw", "expected"), [(0.0, "blue"), (0.69, "blue"), (0.7, "green"), (0.89, "green"), (0.95, "canary")]
)
def test_weighted_choice_walks_the_cumulative_shares(draw, expected):
    assert weighted_choice(WEIGHTS, draw) == expected


def test_weighted_split_follows_the_weights():
    counts = weighted_split(WEIGHTS, 20_000, seed=3)
    assert sum(counts.values()) == 20_000
    for key, weight in WEIGHTS.items():
        assert abs(counts[key] / 20_000 - weight / 100) < 0.015


def test_weighted_split_is_repeatable():
    assert weighted_split(WEIGHTS, 500, seed=9) == weighted_split(WEIGHTS, 500, seed=9)


def test_zero_weight_gets_no_traffic_unless_all_are_zero():
    draws = [random.Random(1).random() for _ in range(200)]
    assert all(weighted_choice({"a": 0, "b": 5}, d) == "b" for d in draws)
    split = weighted_split({"a": 0, "b": 0}, 10_000, seed=1)
    assert abs(split["a"] - 5_000) < 300


def test_unhealthy_records_are_left_out():
    assert set(weighted_split(WEIGHTS, 2_000, unhealthy={"blue"}).items()) >= {("blue", 0)}
    split = weighted_split(WEIGHTS, 9_000, seed=2, unhealthy={"blue"})
    assert abs(split["green"] / 9_000 - 2 / 3) < 0.03


def test_zero_weight_records_take_over_when_all_weighted_ones_fail():
    assert weighted_choice({"a": 1, "b": 1, "spare": 0}, 0.3, unhealthy={"a", "b"}) == "spare"


def test_all_unhealthy_counts_as_all_healthy():
    assert weighted_choice({"a": 1, "spare": 0}, 0.5, unhealthy={"a", "spare"}) == "a"
    assert latency_choice(PARIS, THREE, unhealthy=set(THREE)) == "eu"


@pytest.mark.parametrize("bad", [1.0, -0.1, "0.5", True])
def test_weighted_choice_refuses_bad_draws(bad):
    with pytest.raises(CourseInputError):
        weighted_choice(WEIGHTS, bad)


@pytest.mark.parametrize("bad", [{}, {"a": -1}, {"a": "5"}, [("a", 1)]])
def test_weighted_choice_refuses_bad_weights(bad):
    with pytest.raises(CourseInputError):
        weighted_choice(bad, 0.5)


def test_latency_choice_picks_the_nearest_healthy_region():
    assert latency_choice(PARIS, THREE) == "eu"
    assert latency_choice(PARIS, THREE, unhealthy={"eu"}) == "us"
    assert latency_choice((-33.87, 151.21), THREE) == "ap"


def test_latency_choice_names_an_unknown_region():
    with pytest.raises(CourseInputError, match="eu-west-3"):
        latency_choice(PARIS, {"eu": "eu-west-e"})


@pytest.mark.parametrize(
    ("primary", "secondary", "expected"),
    [
        (True, True, "primary"),
        (True, False, "primary"),
        (True, None, "primary"),
        (False, True, "secondary"),
        (False, None, "secondary"),
        (False, False, "primary"),
    ],
)
def test_failover_follows_the_api_reference(primary, secondary, expected):
    assert failover_choice(primary, secondary) == expected


def test_failover_refuses_non_booleans():
    with pytest.raises(CourseInputError):
        failover_choice("yes")


def test_health_status_needs_threshold_results_in_a_row():
    checks = [True, False, False, True, False, False, False, True, True, True]
    assert health_status(checks, threshold=3) == [True] * 6 + [False] * 3 + [True]


def test_health_status_refuses_thresholds_outside_route53s_range():
    with pytest.raises(CourseInputError):
        health_status([True], threshold=0)


def test_fibre_rtt_is_there_and_back_at_two_thirds_of_c():
    assert fibre_rtt_ms(1_000) == 10
    with pytest.raises(CourseInputError):
        fibre_rtt_ms(-5)

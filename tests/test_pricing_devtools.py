"""Prices of the deployment tools and the CodeBuild monthly bill."""

import random

import pandas as pd
import pytest

from course.errors import CourseInputError
from course.pricing.devtools import (
    CODEBUILD_COMPUTE_TYPES,
    codebuild_monthly_cost,
    price_table,
    tool_price,
    tool_prices,
)


def test_every_price_is_a_non_negative_number_with_a_unit():
    prices = tool_prices()
    assert len({p.key for p in prices}) == len(prices)
    for p in prices:
        assert type(p.price_usd) is float and p.price_usd >= 0, p.key
        assert p.unit and p.you_pay_for, p.key
        assert p.free_per_month >= 0, p.key


def test_the_orchestration_services_themselves_are_free():
    for key in ("cloudformation", "cdk", "elastic_beanstalk", "codedeploy_aws", "session_manager"):
        assert tool_price(key).price_usd == 0


def test_unknown_key_suggests_a_close_one():
    with pytest.raises(CourseInputError, match="codebuild_general1_small"):
        tool_price("codebuild_general_small")


def test_price_table_has_one_row_per_price():
    table = price_table()
    assert isinstance(table, pd.DataFrame)
    assert len(table) == len(tool_prices())
    assert "AWS CloudFormation" in table.index


def test_codebuild_free_tier_covers_the_first_100_small_minutes():
    small = tool_price("codebuild_general1_small")
    assert codebuild_monthly_cost(0) == 0
    assert codebuild_monthly_cost(small.free_per_month) == 0
    assert codebuild_monthly_cost(1_100) == pytest.approx(1_000 * small.price_usd)
    assert codebuild_monthly_cost(1_100, free_tier=False) == pytest.approx(1_100 * small.price_usd)


def test_codebuild_larger_compute_has_no_free_minutes_and_costs_more():
    for minutes in (50, 500, 5_000):
        costs = [codebuild_monthly_cost(minutes, c) for c in CODEBUILD_COMPUTE_TYPES]
        assert costs == sorted(costs)
    medium = tool_price("codebuild_general1_medium")
    assert codebuild_monthly_cost(50, "general1.medium") == pytest.approx(50 * medium.price_usd)


def test_codebuild_matches_the_formula_on_random_inputs():
    rng = random.Random(7)
    small = tool_price("codebuild_general1_small")
    for _ in range(100):
        minutes = rng.uniform(0, 20_000)
        expected = max(0, minutes - small.free_per_month) * small.price_usd
        assert codebuild_monthly_cost(minutes) == pytest.approx(expected)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "100", None, True])
def test_codebuild_refuses_bad_minutes(bad):
    with pytest.raises(CourseInputError):
        codebuild_monthly_cost(bad)


def test_codebuild_refuses_unknown_compute_type():
    with pytest.raises(CourseInputError, match="general1.small"):
        codebuild_monthly_cost(10, "general1.huge")

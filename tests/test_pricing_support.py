"""Support plan cost: AWS's worked examples, the minimum, tier edges, end dates and input errors."""

import datetime as dt
import math

import pytest

from course.errors import CourseInputError
from course.pricing import support


@pytest.mark.parametrize("example", support.support_data()["worked_examples"], ids=lambda e: e["plan"])
def test_aws_worked_examples(example):
    got = support.monthly_support_cost(example["plan"], example["aws_charges_usd"])
    assert got == pytest.approx(example["support_usd"])


def test_the_minimum_applies_below_it():
    assert support.monthly_support_cost("developer", 500) == 29
    assert support.monthly_support_cost("business", 0) == 100
    assert support.monthly_support_cost("enterprise_on_ramp", 54_000) == 5_500
    assert support.monthly_support_cost("enterprise", 100_000) == 15_000


def test_rates_change_exactly_at_the_tier_edges():
    assert support.monthly_support_cost("business", 10_000) == pytest.approx(1_000)
    assert support.monthly_support_cost("business", 10_001) == pytest.approx(1_000.07)
    assert support.monthly_support_cost("business", 300_000) == pytest.approx(
        1_000 + 70_000 * 0.07 + 170_000 * 0.05 + 50_000 * 0.03
    )


def test_cost_never_falls_when_charges_rise():
    costs = [support.monthly_support_cost("enterprise", c) for c in range(0, 2_000_001, 25_000)]
    assert costs == sorted(costs)


def test_basic_is_free():
    assert support.monthly_support_cost("basic", 1_000_000) == 0


def test_breakdown_adds_up():
    table = support.cost_breakdown("business", 85_000)
    assert table["support USD"].sum() == pytest.approx(6_150)
    assert table["charges in band"].sum() == pytest.approx(85_000)


def test_unknown_plan_suggests_the_closest():
    with pytest.raises(CourseInputError, match="business"):
        support.monthly_support_cost("bussiness", 1_000)


@pytest.mark.parametrize("bad", [-1, math.nan, "100", True])
def test_bad_amounts_are_refused(bad):
    with pytest.raises(CourseInputError):
        support.monthly_support_cost("business", bad)


def test_legacy_plans_end_on_2027_01_01():
    for key in ("developer", "business", "enterprise_on_ramp"):
        assert support.plan(key).end_date == dt.date(2027, 1, 1)
        support.monthly_support_cost(key, 1_000, on="2026-12-31")
        with pytest.raises(CourseInputError, match="2027-01-01"):
            support.monthly_support_cost(key, 1_000, on=dt.date(2027, 1, 1))


def test_a_bad_date_is_refused():
    with pytest.raises(CourseInputError, match="YYYY-MM-DD"):
        support.monthly_support_cost("business", 1_000, on="next year")


def test_unconfirmed_formulas_are_refused_not_guessed():
    for key in ("business_plus", "enterprise_2025", "unified_operations"):
        with pytest.raises(CourseInputError, match="not recorded"):
            support.monthly_support_cost(key, 10_000)
    assert support.plan("business_plus").minimum_usd == 29


def test_faster_plans_answer_faster():
    times = support.response_times_table()
    assert times.loc["Enterprise", "Business-critical system down"] == 0.25
    assert times.loc["Enterprise On-Ramp", "Business-critical system down"] == 0.5
    assert times.loc["Business", "Production system down"] == 1
    assert math.isnan(times.loc["Developer", "Production system down"])


def test_tables_cover_every_plan():
    assert len(support.plans_table()) == len(support.plans()) == 8
    curve = support.cost_curve(["developer", "business"], [0, 1_000, 100_000])
    assert list(curve["Business"]) == [100, 100, pytest.approx(1_000 + 4_900 + 1_000)]

"""Cloud economics helpers: totals, peak provisioning, and clear errors."""

import pytest

from course.errors import CourseInputError
from course.lessons.economics import capacity_cost, cumulative_costs
from course.pricing.conventions import hours_per_month


def test_hours_per_month_is_the_calculator_convention():
    assert hours_per_month() == 730


def test_cumulative_costs():
    frame = cumulative_costs(12_000, 200, 700, 36)
    assert list(frame.columns) == ["on_premises", "cloud"]
    assert frame.loc[0, "on_premises"] == 12_000 and frame.loc[0, "cloud"] == 0
    assert frame.loc[36, "on_premises"] == 12_000 + 36 * 200
    assert frame.loc[24, "cloud"] == 24 * 700


def test_capacity_cost():
    cost = capacity_cost([1, 1, 4, 2], 0.5)
    assert cost.fixed == 4 * 4 * 0.5
    assert cost.elastic == 8 * 0.5
    assert cost.idle == 4.0


@pytest.mark.parametrize("args", [(-1, 0, 0, 3), (0, 0, 0, 0), (0, "5", 0, 3), (0, 0, 0, 2.5)])
def test_cumulative_costs_rejects_bad_input(args):
    with pytest.raises(CourseInputError):
        cumulative_costs(*args)


def test_capacity_cost_rejects_bad_input():
    with pytest.raises(CourseInputError, match="at least one hour"):
        capacity_cost([], 1.0)
    with pytest.raises(CourseInputError, match="demand"):
        capacity_cost([1, -2], 1.0)

"""EC2 purchasing options: rates, yearly costs, break-even hours, dedicated tenancy, free tier."""

import math

import pytest

from course.aws.instances import on_demand_price
from course.errors import CourseInputError
from course.pricing.ec2 import (
    break_even_hours,
    dedicated_yearly_costs,
    free_tier,
    hourly_rate,
    hours_per_year,
    legacy_free_tier_cost,
    options_table,
    purchasing_option,
    purchasing_options,
    yearly_cost,
    yearly_costs,
)


def test_a_year_has_8760_hours():
    assert hours_per_year() == 8760


def test_options_are_well_formed():
    options = purchasing_options()
    assert options[0].key == "on_demand" and options[0].example_discount == 0
    assert len({o.key for o in options}) == len(options)
    for o in options:
        assert 0 <= o.example_discount <= o.max_discount < 1
        assert o.term_years in (0, 1, 3)
        assert not (o.interruptible and o.pays_when_idle)
    assert list(options_table().index) == [o.key for o in options]


def test_documented_maximum_discounts():
    assert purchasing_option("spot").max_discount == 0.9
    assert purchasing_option("standard_ri_1y").max_discount == 0.72
    assert purchasing_option("compute_savings_plan_1y").max_discount == 0.66


def test_unknown_option_suggests_the_closest():
    with pytest.raises(CourseInputError, match="spot"):
        purchasing_option("spott")


def test_on_demand_year_is_price_times_8760():
    assert yearly_cost("m5.large") == pytest.approx(0.096 * 8760)
    assert yearly_cost("m5.large", hours_used=100) == pytest.approx(9.6)


def test_rates_apply_the_discount():
    assert hourly_rate("m5.large", "standard_ri_1y") == pytest.approx(0.060)
    assert hourly_rate("t3.micro", "spot") == pytest.approx(on_demand_price("t3.micro") * 0.4)


def test_commitments_bill_every_hour_of_the_year():
    full = yearly_cost("m5.large", "standard_ri_1y")
    assert yearly_cost("m5.large", "standard_ri_1y", hours_used=10) == pytest.approx(full)
    assert yearly_cost("m5.large", "capacity_reservation", hours_used=0) == pytest.approx(
        yearly_cost("m5.large")
    )


def test_spot_and_on_demand_bill_only_hours_used():
    assert yearly_cost("m5.large", "spot", hours_used=0) == 0


@pytest.mark.parametrize("bad", [-1, 8761, True, "24/7"])
def test_hours_used_must_fit_in_a_year(bad):
    with pytest.raises(CourseInputError, match="8760"):
        yearly_cost("m5.large", "spot", hours_used=bad)


def test_yearly_costs_table_is_sorted_and_complete():
    table = yearly_costs("m5.large")
    assert len(table) == len(purchasing_options())
    assert list(table["usd_per_year"]) == sorted(table["usd_per_year"])
    on_demand = table.set_index("option").loc["On-Demand"]
    assert on_demand["vs_on_demand"] == 0


def test_break_even_is_where_commitment_equals_on_demand():
    for key in ["standard_ri_1y", "compute_savings_plan_1y", "standard_ri_3y"]:
        hours = break_even_hours(key)
        assert yearly_cost("m5.large", "on_demand", hours) == pytest.approx(yearly_cost("m5.large", key))
    with pytest.raises(CourseInputError, match="no break-even"):
        break_even_hours("spot")


def test_dedicated_hosts_pay_off_only_when_full():
    one = dedicated_yearly_costs(1).set_index("tenancy")["usd_per_year"]
    assert one.iloc[0] < one.iloc[1] < one.iloc[2]
    full = dedicated_yearly_costs(48)
    assert full["usd_per_year"].iloc[2] < full["usd_per_year"].iloc[1]
    assert list(dedicated_yearly_costs(49)["hosts"]) == [0, 0, 2]
    with pytest.raises(CourseInputError):
        dedicated_yearly_costs(0)


def test_legacy_free_tier_pools_750_hours():
    assert free_tier()["legacy_accounts"]["ec2_hours_per_month"] == 750
    assert legacy_free_tier_cost(730, 0.0104) == 0
    assert legacy_free_tier_cost(2 * 730, 0.0104) == pytest.approx(710 * 0.0104)
    assert math.isclose(legacy_free_tier_cost(750, 1.0), 0.0)
    with pytest.raises(CourseInputError):
        legacy_free_tier_cost(-5, 0.01)


def test_free_tier_copy_is_independent():
    free_tier()["legacy_accounts"]["ec2_hours_per_month"] = 0
    assert free_tier()["legacy_accounts"]["ec2_hours_per_month"] == 750

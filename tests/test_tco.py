"""The TCO model: on-premises running costs, refresh years, cloud costs from the price files."""

import math

import pytest

from course.errors import CourseInputError
from course.lessons import tco
from course.pricing import ec2, s3


def test_every_assumption_is_marked_published_or_illustrative():
    for side in ("on_premises", "cloud"):
        for item in tco.assumptions()[side]:
            assert item["kind"] in {"published", "illustrative"}, item["key"]
            assert item["basis"] and item["source"].startswith("https://")


def test_onprem_power_is_servers_times_watts_times_pue_times_hours_times_price():
    a = tco.onprem_assumptions()
    kwh = 20 * a["watts_per_server"] / 1000 * a["pue"] * 8760
    assert tco.onprem_yearly(20)["power and cooling"] == pytest.approx(kwh * a["usd_per_kwh"])


def test_onprem_space_counts_whole_racks():
    a = tco.onprem_assumptions()
    per_rack_year = a["usd_per_rack_month"] * 12
    assert tco.onprem_yearly(10)["data-centre space"] == pytest.approx(per_rack_year)
    assert tco.onprem_yearly(11)["data-centre space"] == pytest.approx(2 * per_rack_year)


def test_overrides_change_one_assumption():
    cheap = tco.onprem_yearly(20, {"usd_per_kwh": 0.0})
    assert cheap["power and cooling"] == 0
    assert cheap["staff"] == tco.onprem_yearly(20)["staff"]


@pytest.mark.parametrize(
    ("years", "life", "age", "expected"),
    [
        (5, 5, 0, [1]),
        (6, 5, 0, [1, 6]),
        (5, 5, 2, [4]),
        (12, 5, 0, [1, 6, 11]),
        (3, 5, 1, []),
        (4, 1, 0, [1, 2, 3, 4]),
    ],
)
def test_refresh_years(years, life, age, expected):
    assert tco.refresh_years(years, life, age) == expected


def test_refresh_years_refuses_a_zero_life():
    with pytest.raises(CourseInputError):
        tco.refresh_years(5, 0)


def test_cumulative_adds_upfront_yearly_and_extras():
    assert tco.cumulative(100, 10, 3, {2: 50}) == [100, 110, 170, 180]
    with pytest.raises(CourseInputError):
        tco.cumulative(0, 10, 3, {4: 1})
    with pytest.raises(CourseInputError):
        tco.cumulative(-1, 10, 3)


def test_cloud_as_is_prices_every_server_on_demand_all_year_from_the_price_files():
    c = tco.cloud_assumptions()
    got = tco.cloud_yearly(servers=20)
    assert got["compute (EC2)"] == pytest.approx(20 * ec2.yearly_cost(c["instance_type"]))
    gb = tco.onprem_assumptions()["storage_tb"] * 1024
    assert got["storage (S3)"] == pytest.approx(12 * s3.monthly_storage_cost(gb, c["storage_class"]).total)


def test_optimized_cloud_is_cheaper_and_its_compute_matches_the_levers():
    c = tco.cloud_assumptions()
    optimized = tco.cloud_yearly(optimized=True, servers=20)
    office = 8760 * c["office_hours_per_week"] / 168
    expected = c["always_on"] * ec2.yearly_cost(c["rightsized_type"], c["commitment"]) + (
        20 - c["always_on"]
    ) * ec2.yearly_cost(c["rightsized_type"], "on_demand", office)
    assert optimized["compute (EC2)"] == pytest.approx(expected)
    assert sum(optimized.values()) < sum(tco.cloud_yearly(servers=20).values())


def test_cumulative_table_starts_with_the_migration_and_refreshes_in_year_four():
    table = tco.cumulative_table()
    migration = tco.cloud_assumptions()["migration_one_off"]
    assert list(table.index) == [0, 1, 2, 3, 4, 5]
    assert table.loc[0, "on premises"] == 0 and table.loc[0, "AWS as is"] == migration
    steps = table["on premises"].diff().dropna()
    assert steps.loc[4] == pytest.approx(steps.loc[3] + tco.onprem_refresh_cost())
    assert math.isclose(steps.loc[1], steps.loc[5])


def test_yearly_table_total_row_is_the_sum():
    table = tco.yearly_table()
    assert table.loc["total"].tolist() == pytest.approx(table.drop("total").sum().tolist())
    assert table.index[0] == "compute (EC2)"


def test_assumptions_table_has_both_sides():
    table = tco.assumptions_table()
    assert set(table.index.get_level_values("side")) == {"on_premises", "cloud"}

"""Network days by AWS's formula, device rounds, the comparison, and the dated device statuses."""

import datetime as dt

import pytest

from course.errors import CourseInputError
from course.lessons import data_transfer
from course.lessons.data_transfer import compare, device_days, network_days


def test_aws_formula_one_tb_at_100_mbps_fully_used():
    # 10**12 bytes / (100 x 125 x 1000 bytes/s) = 80,000 s
    assert network_days(1, 100, 1.0) == pytest.approx(80_000 / 86_400)


def test_default_utilisation_is_80_percent():
    assert network_days(10, 1000) == pytest.approx(network_days(10, 1000, 0.8))
    assert network_days(10, 1000, 0.4) == pytest.approx(2 * network_days(10, 1000, 0.8))


def test_days_grow_with_size_and_shrink_with_speed():
    assert network_days(200, 500) == pytest.approx(2 * network_days(100, 500))
    assert network_days(100, 1000) == pytest.approx(network_days(100, 100) / 10)


@pytest.mark.parametrize(("tb", "mbps", "util"), [(-1, 100, 0.8), (1, 0, 0.8), (1, 100, 0), (1, 100, 80)])
def test_bad_inputs(tb, mbps, util):
    with pytest.raises(CourseInputError):
        network_days(tb, mbps, util)


def test_device_rounds():
    assert device_days(0, 210, 8, 4) == 0
    assert device_days(100, 210, 8, 4) == 12
    assert device_days(210, 210, 8, 4) == 12
    assert device_days(211, 210, 8, 4) == 24
    assert device_days(600, 210, 8, 4, devices=3) == 12


def test_compare_picks_the_faster_way():
    slow_link = compare(500, 100, capacity_tb=210, shipping_days=8, loading_days=4)
    assert slow_link.faster == "device" and slow_link.devices_needed == 3
    fast_link = compare(5, 10_000, capacity_tb=210, shipping_days=8, loading_days=4)
    assert fast_link.faster == "network" and fast_link.network_days < 1


def test_statuses_are_dated():
    snowball = data_transfer.option("snowball_edge_storage_optimized")
    assert snowball["closed_to_new_customers"] == "2025-11-07"
    assert dt.date.fromisoformat(data_transfer.option("snowcone")["shutdown"]) == dt.date(2024, 11, 12)
    assert data_transfer.option("snowmobile")["status"] == "discontinued"
    with pytest.raises(CourseInputError, match="known"):
        data_transfer.option("snowblower")


def test_tables():
    assert "AWS Data Transfer Terminal" in data_transfer.options_table().index
    table = data_transfer.days_table([1, 10], [100, 1000])
    assert table.shape == (2, 2)
    assert table.iloc[1, 0] == pytest.approx(network_days(10, 100))

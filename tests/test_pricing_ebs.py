"""EBS volume costs: gp3's free baseline, its extra IOPS and throughput, io2's IOPS tiers, the limits."""

import pytest

from course.errors import CourseInputError
from course.pricing.ebs import check_gp3, ebs_prices, monthly_cost, volume_type, volume_types_table

PRICES = ebs_prices()
GP3 = PRICES["volume_types"]["gp3"]


def test_every_file_carries_date_and_source():
    assert PRICES["as_of"] and PRICES["source"].startswith("https://")
    assert set(PRICES["volume_types"]) == {"gp3", "gp2", "io2", "st1", "sc1"}


def test_gp3_baseline_is_included():
    cost = monthly_cost("gp3", 100)
    assert cost.iops == 3000 and cost.throughput_mibps == 125
    assert cost.iops_cost == 0 and cost.throughput_cost == 0
    assert cost.total == pytest.approx(100 * 0.08)


def test_gp3_extra_iops_and_throughput_are_priced_above_the_baseline():
    cost = monthly_cost("gp3", 2000, iops=10_000, throughput_mibps=500)
    assert cost.storage_cost == pytest.approx(2000 * 0.08)
    assert cost.iops_cost == pytest.approx(7000 * 0.005)
    assert cost.throughput_cost == pytest.approx(375 * 0.04)
    assert cost.total == pytest.approx(160 + 35 + 15)


def test_gp3_limits_from_the_create_volume_reference():
    assert GP3["size_gib"] == [1, 65536]
    assert GP3["iops"] == [3000, 80000]
    assert GP3["throughput_mibps"] == [125, 2000]


@pytest.mark.parametrize(
    ("size", "iops", "mibps", "words"),
    [
        (0, 3000, 125, "size_gib"),
        (70_000, 3000, 125, "size_gib"),
        (100, 90_000, 125, "iops"),
        (100, 2999, 125, "iops"),
        (100, 3000, 2500, "throughput"),
        (10, 6000, 125, "IOPS per GiB"),
        (100, 3000, 1000, "per provisioned IOPS"),
    ],
)
def test_gp3_refuses_impossible_volumes(size, iops, mibps, words):
    with pytest.raises(CourseInputError, match=words):
        if size == 0:
            monthly_cost("gp3", size, iops, mibps)
        else:
            check_gp3(size, iops, mibps)


def test_io2_iops_tiers():
    cost = monthly_cost("io2", 100, iops=70_000)
    expected = 32_000 * 0.065 + 32_000 * 0.0455 + 6_000 * 0.03185
    assert cost.iops_cost == pytest.approx(expected)
    with pytest.raises(CourseInputError, match="iops"):
        monthly_cost("io2", 100)


@pytest.mark.parametrize(("vtype", "price"), [("gp2", 0.10), ("st1", 0.045), ("sc1", 0.015)])
def test_size_only_types(vtype, price):
    assert monthly_cost(vtype, 500).total == pytest.approx(500 * price)
    with pytest.raises(CourseInputError, match="size only"):
        monthly_cost(vtype, 500, iops=3000)


def test_hdd_minimum_size_and_unknown_type():
    with pytest.raises(CourseInputError, match="125"):
        monthly_cost("st1", 100)
    with pytest.raises(CourseInputError, match="gp3"):
        volume_type("gp4")


def test_table_has_one_row_per_type_and_hdds_do_not_boot():
    table = volume_types_table()
    assert list(table.index) == ["gp3", "gp2", "io2", "st1", "sc1"]
    assert table.loc["st1", "boot volume"] == "no" and table.loc["gp3", "boot volume"] == "yes"

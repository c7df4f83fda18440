"""S3 storage cost: AWS's worked GB-month example, the Standard tiers, the classes and input errors."""

import pytest

from course.errors import CourseInputError
from course.pricing.s3 import (
    compare_classes,
    gb_months,
    monthly_storage_cost,
    s3_prices,
    storage_classes_frame,
    storage_tiers,
    tiered_cost,
)

PRICES = s3_prices()


def test_aws_faq_example_gb_months():
    # aws.amazon.com/s3/faqs: 100 GB for 15 days and 100 TB for the last 16 days of March.
    assert gb_months([(100, 15), (100 * 1024, 16)], days_in_month=31) == pytest.approx(52_900)


def test_aws_faq_example_cost_across_two_tiers():
    cost = monthly_storage_cost(52_900)
    assert cost.storage_cost == pytest.approx(51_200 * 0.023 + 1_700 * 0.022)
    assert round(cost.total, 2) == 1215.00


def test_a_tb_is_1024_gb_and_the_first_tier_ends_at_50_tb():
    assert PRICES["gb_per_tb"] == 1024
    assert PRICES["bytes_per_gb"] == 2**30
    assert storage_tiers("STANDARD")[1][0] == 50 * 1024


def test_third_tier_above_500_tb():
    cost = monthly_storage_cost(600 * 1024).storage_cost
    assert cost == pytest.approx(51_200 * 0.023 + 460_800 * 0.022 + 102_400 * 0.021)


def test_tiered_cost_of_zero_is_zero():
    assert tiered_cost(0, storage_tiers("STANDARD")) == 0


@pytest.mark.parametrize(
    ("code", "price"),
    [
        ("STANDARD_IA", 0.0125),
        ("ONEZONE_IA", 0.01),
        ("GLACIER_IR", 0.004),
        ("GLACIER", 0.0036),
        ("DEEP_ARCHIVE", 0.00099),
        ("EXPRESS_ONEZONE", 0.11),
    ],
)
def test_flat_classes(code, price):
    assert monthly_storage_cost(1000, code).storage_cost == pytest.approx(1000 * price)


def test_intelligent_tiering_adds_monitoring_per_1000_objects():
    cost = monthly_storage_cost(1024, "INTELLIGENT_TIERING", objects=2_000_000)
    assert cost.monitoring_cost == pytest.approx(5.0)
    assert cost.storage_cost == pytest.approx(monthly_storage_cost(1024).storage_cost)


def test_retrieval_fees():
    cost = monthly_storage_cost(1000, "GLACIER_IR", retrieved_gb=100)
    assert cost.retrieval_cost == pytest.approx(3.0)
    assert cost.total == pytest.approx(4.0 + 3.0)
    assert monthly_storage_cost(1000, retrieved_gb=100).retrieval_cost == 0


def test_compare_classes_has_every_class_cheapest_first():
    table = compare_classes(10 * 1024, objects=1000, retrieved_gb=10)
    assert set(table.index) == set(PRICES["classes"])
    assert table.index[0] == "DEEP_ARCHIVE" and table.index[-1] == "EXPRESS_ONEZONE"
    assert list(table["total"]) == sorted(table["total"])


def test_classes_frame():
    frame = storage_classes_frame()
    assert frame.loc["DEEP_ARCHIVE", "min days"] == 180
    assert frame.loc["ONEZONE_IA", "AZs"] == "1"


@pytest.mark.parametrize(
    ("bad", "hint"),
    [("Standard-IA", "STANDARD_IA"), ("glacier deep archive", "DEEP_ARCHIVE"), ("S3", "API name")],
)
def test_unknown_class_suggests_the_api_name(bad, hint):
    with pytest.raises(CourseInputError, match=hint):
        monthly_storage_cost(1, bad)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"gb_month": -1},
        {"gb_month": float("nan")},
        {"gb_month": "10"},
        {"gb_month": 1, "objects": 1.5},
        {"gb_month": 1, "retrieved_gb": -2},
    ],
)
def test_bad_inputs(kwargs):
    with pytest.raises(CourseInputError):
        monthly_storage_cost(**kwargs)


def test_gb_months_checks_its_month():
    with pytest.raises(CourseInputError):
        gb_months([(1, 31)], days_in_month=30)
    with pytest.raises(CourseInputError):
        gb_months([(1, 1)], days_in_month=7)


def test_prices_are_dated_and_sourced():
    assert PRICES["as_of"] == "2026-11-26"
    assert PRICES["source"] == "https://aws.amazon.com/s3/pricing/"

"""Cost-management catalog, consolidated billing's pooled tiers and the sample month."""

import pytest

from course.errors import CourseInputError
from course.lessons import cost_management as cm


def test_catalog_has_the_exam_tools():
    keys = {t["key"] for t in cm.tools()}
    assert {
        "cost_explorer",
        "budgets",
        "cur",
        "pricing_calculator",
        "compute_optimizer",
        "trusted_advisor",
    } <= keys
    assert {"marketplace", "repost", "health_dashboard", "partner_network", "professional_services"} <= keys


def test_tool_lookup_and_suggestion():
    assert cm.tool("budgets")["name"] == "AWS Budgets"
    with pytest.raises(CourseInputError, match="budgets"):
        cm.tool("budget")


def test_tools_table_filters_by_task():
    assert set(cm.tools_table("4.3")["task"]) == {"4.3"}
    with pytest.raises(CourseInputError):
        cm.tools_table("9.9")


def test_pooling_lowers_the_bill_once_past_the_first_tier():
    table = cm.pooled_storage({"a": 40, "b": 40, "c": 40})
    saving = table.loc["sum of separate bills", "USD a month"] - table.loc["one organization", "USD a month"]
    # 120 TB pooled: 70 TB fall in the 0.022 tier instead of 0.023.
    assert saving == pytest.approx(70 * 1024 * 0.001)


def test_no_saving_while_everything_stays_in_the_first_tier():
    table = cm.pooled_storage({"a": 10, "b": 20})
    assert table.loc["sum of separate bills", "USD a month"] == pytest.approx(
        table.loc["one organization", "USD a month"]
    )


@pytest.mark.parametrize("bad", [{}, [], {"a": -1}])
def test_bad_pooling_input(bad):
    with pytest.raises(CourseInputError):
        cm.pooled_storage(bad)


def test_sample_month_is_repeatable_and_partly_untagged():
    month = cm.sample_month()
    assert month.equals(cm.sample_month())
    assert (month["cost_center"] == cm.UNTAGGED).any()
    assert month["date"].dt.month.unique().tolist() == [11]

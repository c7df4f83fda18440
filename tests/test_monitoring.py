"""CloudWatch limits and costs read from the course's dated data files."""

import pytest

from course.errors import CourseInputError
from course.lessons.monitoring import limit, log_retention_days, metric_retention, monthly_cost


def test_limits():
    assert limit("ec2_monitoring_period_s") == {"basic": 300, "detailed": 60}
    assert limit("cloudtrail_event_history_days") == 90
    assert limit("billing_metric_region") == "us-east-1"
    assert 30 in log_retention_days() and 31 not in log_retention_days()
    assert list(metric_retention()["kept for (days)"]) == [0.125, 15, 63, 455]
    with pytest.raises(CourseInputError, match="known"):
        limit("nothing")


def test_monthly_cost_applies_the_free_tier():
    assert monthly_cost().sum() == 0
    assert monthly_cost(custom_metrics=10, alarms=10, dashboards=3, log_gb_ingested=5).sum() == 0
    cost = monthly_cost(custom_metrics=50, alarms=20, dashboards=5, log_gb_ingested=25)
    assert cost["custom metrics"] == pytest.approx(40 * 0.30)
    assert cost["alarms"] == pytest.approx(10 * 0.10)
    assert cost["dashboards"] == pytest.approx(2 * 3.00)
    assert cost["log GB ingested"] == pytest.approx(20 * 0.50)


def test_monthly_cost_rejects_bad_input():
    with pytest.raises(CourseInputError):
        monthly_cost(custom_metrics=-1)
    with pytest.raises(CourseInputError):
        monthly_cost(alarms="3")

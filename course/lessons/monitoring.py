"""CloudWatch's dated limits and prices (course/data/monitoring_limits.json, cloudwatch_pricing.json)."""

from typing import Any

import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError


def limit(name: str) -> Any:
    """The value of one monitoring limit by name, e.g. ``limit("cloudtrail_event_history_days")``."""
    items = {item["name"]: item for item in load_json("monitoring_limits.json")["items"]}
    if name not in items:
        raise CourseInputError(f"no monitoring limit named {name!r}; known: {sorted(items)}")
    return items[name]["value"]


def log_retention_days() -> tuple[int, ...]:
    """The retention periods (days) a CloudWatch Logs log group accepts."""
    return tuple(limit("log_retention_days"))


def metric_retention() -> pd.DataFrame:
    """How long CloudWatch keeps data points of each period, as a table."""
    frame = pd.DataFrame(limit("metric_retention_days"))
    return frame.rename(columns={"label": "data point period", "days": "kept for (days)"})[
        ["data point period", "kept for (days)"]
    ]


# What each line of the bill counts: (free-tier key, price key) in cloudwatch_pricing.json.
BILL_ITEMS = {
    "custom metrics": ("metrics", "custom_metric_per_month"),
    "alarms": ("alarm_metrics", "standard_alarm_metric_per_month"),
    "dashboards": ("dashboards", "dashboard_per_month"),
    "log GB ingested": ("log_gb", "log_ingestion_per_gb"),
}


def monthly_cost(
    custom_metrics: float = 0, alarms: float = 0, dashboards: float = 0, log_gb_ingested: float = 0
) -> pd.Series:
    """USD a month for CloudWatch usage beyond the free tier (us-east-1, first price tier)."""
    prices = load_json("cloudwatch_pricing.json")
    used = {
        "custom metrics": inputs.amount("custom_metrics", custom_metrics, "metrics"),
        "alarms": inputs.amount("alarms", alarms),
        "dashboards": inputs.amount("dashboards", dashboards),
        "log GB ingested": inputs.amount("log_gb_ingested", log_gb_ingested, "GB"),
    }
    return pd.Series(
        {
            item: max(0.0, used[item] - prices["free_tier"][free]) * prices["paid"][price]
            for item, (free, price) in BILL_ITEMS.items()
        }
    )

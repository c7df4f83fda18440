"""Billing and cost management: the catalog of tools, consolidated billing, a sample month of costs.

The tools and sources of help come from course/data/cost_tools.json (each dated and sourced).
`pooled_storage` shows how AWS Organizations' consolidated billing adds the usage of all accounts
before applying volume tiers, with S3 Standard's tiers from course.pricing.s3. `sample_month` is a
made-up month of line items (no price in it is AWS's) for practising Cost Explorer-style grouping.
"""

import difflib

import numpy as np
import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError
from course.pricing import s3

DATA_FILE = "cost_tools.json"
UNTAGGED = "(untagged)"


def tools() -> list[dict]:
    """Every tool and source of help in the data file, as plain dicts."""
    return [dict(item) for item in load_json(DATA_FILE)["items"]]


def tool(key: object) -> dict:
    """The entry called KEY (e.g. "budgets"), or a CourseInputError naming the closest keys."""
    entries = {item["key"]: item for item in tools()}
    if type(key) is str and key in entries:
        return entries[key]
    close = difflib.get_close_matches(str(key).strip().lower(), entries, n=2, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise CourseInputError(f"no tool {key!r} in the catalog.{hint} Keys: {', '.join(entries)}.")


def tools_table(task: str | None = None) -> pd.DataFrame:
    """The catalog as a table (name, question it answers, facts), optionally for one TASK ("4.2")."""
    if task is not None:
        inputs.one_of("task", task, sorted({item["task"] for item in tools()}))
    rows = [
        {
            "tool": item["name"],
            "task": item["task"],
            "the question it answers": item["answers"],
            "facts": item["facts"],
        }
        for item in tools()
        if task is None or item["task"] == task
    ]
    return pd.DataFrame(rows).set_index("tool")


def pooled_storage(tb_per_account: dict[str, float], storage_class: str = "STANDARD") -> pd.DataFrame:
    """A month of S3 storage for each account alone and for all of them on one consolidated bill.

    TB_PER_ACCOUNT maps an account name to the TB it stores all month (1 TB = 1,024 GB). The last
    row, "one organization", applies the volume tiers once, to the total.
    """
    if type(tb_per_account) is not dict or not tb_per_account:
        raise CourseInputError("tb_per_account should be a non-empty dict of account name -> TB stored")
    gb_per_tb = s3.s3_prices()["gb_per_tb"]
    tiers = s3.storage_tiers(storage_class)
    rows = []
    for name, tb in tb_per_account.items():
        gb = inputs.amount(f"tb_per_account[{name!r}]", tb, "TB") * gb_per_tb
        rows.append({"bill": f"{name} alone", "GB-months": gb, "USD a month": s3.tiered_cost(gb, tiers)})
    separate = pd.DataFrame(rows)
    total_gb = separate["GB-months"].sum()
    summary = pd.DataFrame(
        [
            {
                "bill": "sum of separate bills",
                "GB-months": total_gb,
                "USD a month": separate["USD a month"].sum(),
            },
            {
                "bill": "one organization",
                "GB-months": total_gb,
                "USD a month": s3.tiered_cost(total_gb, tiers),
            },
        ]
    )
    return pd.concat([separate, summary], ignore_index=True).set_index("bill")


def sample_month(seed: int = 16) -> pd.DataFrame:
    """A made-up month of daily cost line items for a small company (not AWS prices).

    Columns: date, account, service, cost_center (a cost allocation tag; UNTAGGED where missing),
    usd. Some resources are untagged on purpose, as in most real accounts.
    """
    rng = np.random.default_rng(inputs.count("seed", seed))
    days = pd.date_range("2026-11-01", "2026-11-30", freq="D")
    resources = [
        ("production", "Amazon EC2", "shop", 41.0),
        ("production", "Amazon RDS", "shop", 23.0),
        ("production", "Amazon S3", "shop", 6.0),
        ("production", "Amazon CloudFront", "marketing", 4.0),
        ("analytics", "Amazon S3", "research", 9.0),
        ("analytics", "Amazon EC2", "research", 12.0),
        ("analytics", "AWS Lambda", UNTAGGED, 2.5),
        ("development", "Amazon EC2", UNTAGGED, 7.0),
        ("development", "Amazon DynamoDB", UNTAGGED, 1.5),
    ]
    rows = [
        {
            "date": day,
            "account": account,
            "service": service,
            "cost_center": tag,
            "usd": round(float(daily * rng.uniform(0.8, 1.2)), 2),
        }
        for day in days
        for account, service, tag, daily in resources
    ]
    return pd.DataFrame(rows)

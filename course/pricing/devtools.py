"""What AWS's deployment and management tools charge (us-east-1), and a CodeBuild monthly bill."""

import difflib
from dataclasses import dataclass

import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError

DATA_FILE = "devtools_pricing.json"
CODEBUILD_COMPUTE_TYPES = ("general1.small", "general1.medium", "general1.large")


@dataclass(frozen=True)
class ToolPrice:
    """One tool's price: USD per unit, the units free each month, and what you still pay for."""

    key: str
    service: str
    price_usd: float
    unit: str
    free_per_month: float
    you_pay_for: str


def tool_prices() -> list[ToolPrice]:
    """Every tool price in course/data/devtools_pricing.json, in file order."""
    fields = ToolPrice.__dataclass_fields__
    return [
        ToolPrice(**{k: v for k, v in item.items() if k in fields}) for item in load_json(DATA_FILE)["items"]
    ]


def tool_price(key: str) -> ToolPrice:
    """The price with this key, e.g. "codebuild_general1_small"; an unknown key names close ones."""
    prices = {p.key: p for p in tool_prices()}
    if key not in prices:
        close = difflib.get_close_matches(str(key), prices, n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise CourseInputError(f"No tool price named {key!r}.{hint} Known: {sorted(prices)}")
    return prices[key]


def price_table() -> pd.DataFrame:
    """The tool prices as a table, one row per tool, for display."""
    rows = [
        {
            "service": p.service,
            "price (USD)": p.price_usd,
            "per": p.unit,
            "free each month": p.free_per_month or "",
            "what you pay for": p.you_pay_for,
        }
        for p in tool_prices()
    ]
    return pd.DataFrame(rows).set_index("service")


def codebuild_monthly_cost(
    build_minutes: float, compute_type: str = "general1.small", free_tier: bool = True
) -> float:
    """USD for a month of CodeBuild on-demand Linux builds; the free minutes apply to
    general1.small only."""
    inputs.one_of("compute_type", compute_type, CODEBUILD_COMPUTE_TYPES)
    build_minutes = inputs.amount("build_minutes", build_minutes, "minutes")
    price = tool_price("codebuild_" + compute_type.replace(".", "_"))
    free = price.free_per_month if free_tier else 0
    return max(0.0, build_minutes - free) * price.price_usd

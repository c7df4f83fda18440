"""OpenAI models' limits and lifecycle: context window, output limit, knowledge cutoff, when served.

Limits come from course/data/openai_models.json; prices, and the shutdown dates of the models in
the price table, from course/data/llm_prices.csv (read through course.pricing.tokens).
"""

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

from course.data import load_json
from course.errors import CourseInputError
from course.inputs import model_entry
from course.pricing import tokens

DATA_FILE = "openai_models.json"
API_FILE = "openai_api.json"
RETIRED = re.compile(r"retired (\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class ModelInfo:
    """One model: its endpoint, limits, dates and prices (USD per 1M tokens)."""

    name: str
    family: str
    endpoint: str
    released: dt.date
    shutdown: dt.date | None
    context_tokens: int
    max_output_tokens: int
    knowledge_cutoff: str
    temperature_fixed: bool
    max_tokens_param: str
    input_usd_per_1m: float
    output_usd_per_1m: float
    in_price_table: bool
    uses: str

    def served_on(self, day: dt.date) -> bool:
        """Whether the API answered requests for this model on DAY."""
        return self.released <= day and (self.shutdown is None or day < self.shutdown)


def checked_on() -> dt.date:
    """The day the model facts were checked: the course's 'today' for availability."""
    return dt.date.fromisoformat(load_json(DATA_FILE)["checked_on"])


def api_rule(name: str) -> dict:
    """One dated rule of the API from course/data/openai_api.json (e.g. 'temperature': min, max, default)."""
    rules = {item["name"]: item for item in load_json(API_FILE)["items"]}
    if name not in rules:
        raise CourseInputError(f"Unknown API rule {name!r}; known: {', '.join(rules)}.")
    return rules[name]


def _shutdown_from_price_table(price: tokens.ModelPrice) -> dt.date | None:
    match = RETIRED.search(price.status)
    return dt.date.fromisoformat(match.group(1)) if match else None


@cache
def _catalog() -> dict[str, ModelInfo]:
    priced = {p.model: p for p in tokens.models()}
    catalog = {}
    for item in load_json(DATA_FILE)["items"]:
        price = priced.get(item["model"])
        if price is not None:
            shutdown = _shutdown_from_price_table(price)
            usd_in, usd_out = price.input_usd_per_1m, price.output_usd_per_1m
        else:
            shutdown = dt.date.fromisoformat(item["shutdown"]) if item.get("shutdown") else None
            usd_in, usd_out = float(item["input_usd_per_1m"]), float(item["output_usd_per_1m"])
        catalog[item["model"]] = ModelInfo(
            name=item["model"],
            family=item["family"],
            endpoint=item["endpoint"],
            released=dt.date.fromisoformat(item["released"]),
            shutdown=shutdown,
            context_tokens=int(item["context_tokens"]),
            max_output_tokens=int(item["max_output_tokens"]),
            knowledge_cutoff=item["knowledge_cutoff"],
            temperature_fixed=bool(item["temperature_fixed"]),
            max_tokens_param=item["max_tokens_param"],
            input_usd_per_1m=usd_in,
            output_usd_per_1m=usd_out,
            in_price_table=price is not None,
            uses=item["uses"],
        )
    return catalog


def all_models() -> list[ModelInfo]:
    """Every model the course knows, oldest release first."""
    return sorted(_catalog().values(), key=lambda m: (m.released, m.name))


def model_info(name: str) -> ModelInfo:
    """The facts about model NAME (case and surrounding spaces do not matter)."""
    return model_entry(name, _catalog(), "gpt-4o-mini")


def available_models(on: dt.date | None = None) -> list[ModelInfo]:
    """Models of the price table that the API served on ON (default: the day the facts were checked)."""
    day = on or checked_on()
    return [m for m in all_models() if m.in_price_table and m.served_on(day)]


def model_table(on: dt.date | None = None) -> pd.DataFrame:
    """One row per model: release, shutdown, status on ON, limits and prices."""
    day = on or checked_on()
    rows = [
        {
            "model": m.name,
            "endpoint": m.endpoint,
            "released": m.released.isoformat(),
            "shut down": m.shutdown.isoformat() if m.shutdown else "",
            f"served on {day}": m.served_on(day),
            "context window (tokens)": m.context_tokens,
            "max output (tokens)": m.max_output_tokens,
            "knowledge cutoff": m.knowledge_cutoff,
            "input USD / 1M": m.input_usd_per_1m,
            "output USD / 1M": m.output_usd_per_1m,
        }
        for m in all_models()
    ]
    return pd.DataFrame(rows).set_index("model")

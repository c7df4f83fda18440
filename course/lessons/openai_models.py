"""LLM models' limits and lifecycle, on OpenAI's API and on Amazon Bedrock: window, dates, prices.

Limits, release and shutdown dates come from course/data/openai_models.json and
course/data/bedrock_models.json (each model has a `shutdown` date, or null when none is announced,
and the page it comes from); prices from course/data/llm_prices.csv (read through
course.pricing.tokens). Every model of the two catalogs has a row in the price table.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache

import pandas as pd

from course.data import load_json
from course.errors import CourseInputError
from course.inputs import model_entry
from course.pricing import tokens

DATA_FILE = "openai_models.json"
BEDROCK_FILE = "bedrock_models.json"
API_FILE = "openai_api.json"
PROVIDERS = {"openai": "OpenAI API", "amazon-bedrock": "Amazon Bedrock"}


@dataclass(frozen=True)
class ModelInfo:
    """One model: who serves it, its endpoint, limits, dates and prices (USD per 1M tokens)."""

    name: str
    family: str
    endpoint: str
    released: dt.date
    shutdown: dt.date | None
    context_tokens: int
    max_output_tokens: int | None
    knowledge_cutoff: str
    temperature_fixed: bool
    max_tokens_param: str
    input_usd_per_1m: float
    output_usd_per_1m: float
    in_price_table: bool
    uses: str
    provider: str = "openai"
    temperature_with_reasoning_none: bool = False
    shutdown_source: str = ""

    def served_on(self, day: dt.date) -> bool:
        """Whether the provider answered requests for this model on DAY."""
        return self.released <= day and (self.shutdown is None or day < self.shutdown)

    def days_left(self, day: dt.date) -> int | None:
        """Days from DAY to the shutdown (0 or less: already gone), or None when none is announced."""
        return None if self.shutdown is None else (self.shutdown - day).days


def checked_on() -> dt.date:
    """The day the model facts were checked: the course's 'today' for availability."""
    return dt.date.fromisoformat(load_json(DATA_FILE)["checked_on"])


def api_rule(name: str) -> dict:
    """One dated rule of the API from course/data/openai_api.json (e.g. 'temperature': min, max, default)."""
    rules = {item["name"]: item for item in load_json(API_FILE)["items"]}
    if name not in rules:
        raise CourseInputError(f"Unknown API rule {name!r}; known: {', '.join(rules)}.")
    return rules[name]


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@cache
def _catalog() -> dict[str, ModelInfo]:
    priced = {p.model: p for p in tokens.models()}
    catalog = {}
    for item in load_json(DATA_FILE)["items"]:
        price = priced[item["model"]]
        catalog[item["model"]] = ModelInfo(
            name=item["model"],
            family=item["family"],
            endpoint=item["endpoint"],
            released=dt.date.fromisoformat(item["released"]),
            shutdown=_date(item["shutdown"]),
            context_tokens=int(item["context_tokens"]),
            max_output_tokens=int(item["max_output_tokens"]),
            knowledge_cutoff=item["knowledge_cutoff"],
            temperature_fixed=bool(item["temperature_fixed"]),
            max_tokens_param=item["max_tokens_param"],
            input_usd_per_1m=price.input_usd_per_1m,
            output_usd_per_1m=price.output_usd_per_1m,
            in_price_table=True,
            uses=item["uses"],
            provider="openai",
            temperature_with_reasoning_none=bool(item.get("temperature_with_reasoning_none", False)),
            shutdown_source=item["shutdown_source"],
        )
    for item in load_json(BEDROCK_FILE)["items"]:
        price = priced[item["model"]]
        out = item.get("max_output_tokens")
        catalog[item["model"]] = ModelInfo(
            name=item["model"],
            family=item["name"],
            endpoint="bedrock",
            released=dt.date.fromisoformat(item["released"]),
            shutdown=_date(item["shutdown"]),
            context_tokens=int(item["context_tokens"]),
            max_output_tokens=int(out) if out is not None else None,
            knowledge_cutoff="",
            temperature_fixed=False,
            max_tokens_param="maxTokens",
            input_usd_per_1m=price.input_usd_per_1m,
            output_usd_per_1m=price.output_usd_per_1m,
            in_price_table=True,
            uses=item["note"],
            provider="amazon-bedrock",
            shutdown_source=item["shutdown_source"],
        )
    return catalog


def _check_provider(provider: str | None) -> None:
    if provider is not None and provider not in PROVIDERS:
        raise CourseInputError(f"Unknown provider {provider!r}; known: {', '.join(PROVIDERS)}.")


def all_models(provider: str | None = None) -> list[ModelInfo]:
    """Every model the course knows (or those of PROVIDER), oldest release first."""
    _check_provider(provider)
    chosen = [m for m in _catalog().values() if provider is None or m.provider == provider]
    return sorted(chosen, key=lambda m: (m.released, m.name))


def model_info(name: str) -> ModelInfo:
    """The facts about model NAME (case and surrounding spaces do not matter)."""
    return model_entry(name, _catalog(), "gpt-5.4-mini")


def available_models(on: dt.date | None = None, provider: str | None = None) -> list[ModelInfo]:
    """Models served on ON (default: the day the facts were checked), of PROVIDER or of both."""
    day = on or checked_on()
    return [m for m in all_models(provider) if m.served_on(day)]


def model_table(on: dt.date | None = None, since: str | None = None) -> pd.DataFrame:
    """The one dated table: provider, release, shutdown, whether served on ON, window and prices.

    SINCE ('YYYY-MM-DD') keeps the models released on or after that day.
    """
    day = on or checked_on()
    first = dt.date.fromisoformat(since) if since else dt.date.min
    rows = [
        {
            "model": m.name,
            "provider": PROVIDERS[m.provider],
            "released": m.released.isoformat(),
            "shutdown": m.shutdown.isoformat() if m.shutdown else "none announced",
            f"served on {day}": m.served_on(day),
            "context window (tokens)": m.context_tokens,
            "input USD / 1M": m.input_usd_per_1m,
            "output USD / 1M": m.output_usd_per_1m,
        }
        for m in all_models()
        if m.released >= first
    ]
    return pd.DataFrame(rows).set_index("model")

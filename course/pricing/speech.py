"""What Amazon Polly (text to speech) and Amazon Transcribe (speech to text) charge, in us-east-1.

Prices and rules come from course/data/speech_pricing.json. Polly bills characters of text (SSML tags
are free); Transcribe bills seconds of audio, with a minimum per request.
"""

from dataclasses import dataclass

import pandas as pd

from course import inputs
from course.data import load_json

DATA_FILE = "speech_pricing.json"
POLLY_ENGINES = ("standard", "neural", "long-form", "generative")


@dataclass(frozen=True)
class TranscribeRules:
    """How Transcribe bills standard batch jobs: a price per minute, per-second steps, a minimum."""

    usd_per_minute: float
    billing_increment_seconds: int
    minimum_seconds_per_request: int
    free_minutes_per_month: int


def polly_price(engine: str) -> float:
    """USD per 1 million billed characters for a Polly engine."""
    engine = inputs.one_of("engine", engine, POLLY_ENGINES)
    return float(load_json(DATA_FILE)["polly"]["usd_per_million_characters"][engine])


def polly_free_characters(engine: str) -> int:
    """Characters a month free for 12 months on accounts opened before 2025-07-15."""
    engine = inputs.one_of("engine", engine, POLLY_ENGINES)
    return int(load_json(DATA_FILE)["polly"]["free_characters_per_month"][engine])


def polly_cost(characters: float, engine: str, free_tier: bool = False) -> float:
    """USD for a month of Polly: billed characters x the engine's price per million, less the free tier."""
    billed = inputs.amount("characters", characters)
    if free_tier:
        billed = max(0.0, billed - polly_free_characters(engine))
    return billed / 1_000_000 * polly_price(engine)


def polly_price_table(characters: float) -> pd.DataFrame:
    """What `characters` billed characters cost on each engine, without a free tier."""
    rows = [
        {"engine": e, "USD per 1M characters": polly_price(e), "cost (USD)": polly_cost(characters, e)}
        for e in POLLY_ENGINES
    ]
    return pd.DataFrame(rows).set_index("engine")


def transcribe_rules() -> TranscribeRules:
    """The billing rules of Transcribe standard batch transcription, tier 1."""
    t = load_json(DATA_FILE)["transcribe"]
    return TranscribeRules(
        usd_per_minute=float(t["usd_per_minute_standard_batch_tier1"]),
        billing_increment_seconds=int(t["billing_increment_seconds"]),
        minimum_seconds_per_request=int(t["minimum_seconds_per_request"]),
        free_minutes_per_month=int(t["free_minutes_per_month"]),
    )


def polly_limits() -> dict[str, int]:
    """The characters one Polly request may hold, synchronous and as an asynchronous task."""
    p = load_json(DATA_FILE)["polly"]
    return {k: int(v) for k, v in p.items() if k.endswith("_characters") and not isinstance(v, dict)}

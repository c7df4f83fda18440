"""Polly and Transcribe prices and billing rules."""

import math

import pandas as pd
import pytest

from course.errors import CourseInputError
from course.pricing import speech


def test_polly_prices_per_engine():
    assert [speech.polly_price(e) for e in speech.POLLY_ENGINES] == [4.0, 16.0, 100.0, 30.0]
    assert speech.polly_free_characters("standard") == 5_000_000


def test_polly_cost_is_per_million_characters_less_the_free_tier():
    assert math.isclose(speech.polly_cost(2_500_000, "neural"), 40.0)
    assert math.isclose(speech.polly_cost(2_500_000, "neural", free_tier=True), 24.0)
    assert speech.polly_cost(4_000_000, "standard", free_tier=True) == 0.0
    assert speech.polly_cost(0, "generative") == 0.0


@pytest.mark.parametrize("bad", [-1, float("nan"), "1000", True, None])
def test_polly_cost_refuses_bad_amounts(bad):
    with pytest.raises(CourseInputError):
        speech.polly_cost(bad, "standard")


def test_unknown_engine_lists_the_engines():
    with pytest.raises(CourseInputError, match="long-form"):
        speech.polly_price("longform")


def test_price_table_has_one_row_per_engine():
    table = speech.polly_price_table(1_000_000)
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == list(speech.POLLY_ENGINES)
    assert table.loc["long-form", "cost (USD)"] == 100.0


def test_transcribe_rules_and_polly_limits():
    rules = speech.transcribe_rules()
    assert rules.usd_per_minute == 0.024 and rules.minimum_seconds_per_request == 15
    assert rules.billing_increment_seconds == 1 and rules.free_minutes_per_month == 60
    assert speech.polly_limits()["synthesize_speech_max_billed_characters"] == 3000
    assert speech.polly_limits()["synthesis_task_max_billed_characters"] == 100_000

"""OpenAI model limits and lifecycle, joined with the price table."""

import datetime as dt

import pytest

from course.errors import CourseInputError
from course.lessons.openai_models import (
    all_models,
    api_rule,
    available_models,
    checked_on,
    model_info,
    model_table,
)
from course.pricing import tokens


def test_every_priced_model_has_limits():
    known = {m.name for m in all_models()}
    assert {p.model for p in tokens.models()} <= known


def test_models_are_sorted_by_release_and_dates_make_sense():
    models = all_models()
    assert models == sorted(models, key=lambda m: (m.released, m.name))
    for m in models:
        assert m.endpoint in {"chat", "completions"}
        assert m.max_output_tokens <= m.context_tokens
        assert m.shutdown is None or m.released < m.shutdown <= checked_on()


def test_gpt3_models_take_price_and_shutdown_from_the_price_table():
    davinci = model_info("davinci")
    assert davinci.in_price_table and davinci.input_usd_per_1m == 20.0
    assert davinci.shutdown == dt.date(2024, 1, 4)
    assert davinci.served_on(dt.date(2022, 12, 1)) and not davinci.served_on(dt.date(2024, 1, 4))


def test_history_models_carry_their_own_price_and_dates():
    text_davinci = model_info("text-davinci-003")
    assert not text_davinci.in_price_table
    assert (text_davinci.context_tokens, text_davinci.shutdown) == (4097, dt.date(2024, 1, 4))
    assert model_info("davinci-002").input_usd_per_1m == 2.0


def test_available_models_on_the_course_date_and_in_2022():
    names = [m.name for m in available_models()]
    assert "gpt-4o-mini" in names and "gpt-5-nano" in names
    assert not {"davinci", "gpt-3.5-turbo-0125", "gpt-4.1-nano"} & set(names)
    assert [m.name for m in available_models(dt.date(2022, 12, 1))] == ["ada", "babbage", "curie", "davinci"]


def test_gpt5_rules():
    gpt5 = model_info(" GPT-5 ")
    assert gpt5.temperature_fixed and gpt5.max_tokens_param == "max_completion_tokens"
    assert not model_info("gpt-4o").temperature_fixed


def test_unknown_model_suggests_a_name():
    with pytest.raises(CourseInputError, match="did you mean 'gpt-4o-mini'"):
        model_info("gpt-4o-mni")
    with pytest.raises(CourseInputError, match="a str"):
        model_info(4)


def test_model_table_has_one_row_per_model():
    table = model_table()
    assert len(table) == len(all_models())
    assert table.loc["gpt-4.1", "context window (tokens)"] == 1_047_576
    assert not table.loc["davinci", f"served on {checked_on()}"]


def test_api_rules():
    assert (api_rule("temperature")["min"], api_rule("temperature")["max"]) == (0, 2)
    assert api_rule("free_trial_grant")["usd"] == 18
    with pytest.raises(CourseInputError, match="Unknown API rule"):
        api_rule("top_k")

"""LLM model limits and lifecycle on OpenAI's API and Amazon Bedrock, joined with the price table."""

import datetime as dt

import pytest

from course.data import load_json
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


def test_catalog_and_price_table_hold_the_same_models():
    assert {m.name for m in all_models()} == {p.model for p in tokens.models()}
    for m in all_models():
        assert m.provider == tokens.model_price(m.name).provider


def test_every_model_has_a_shutdown_field_and_its_source():
    for name in ("openai_models.json", "bedrock_models.json"):
        for item in load_json(name)["items"]:
            assert "shutdown" in item, item["model"]
            assert item["shutdown_source"].startswith("https://"), item["model"]


def test_models_are_sorted_by_release_and_dates_make_sense():
    models = all_models()
    assert models == sorted(models, key=lambda m: (m.released, m.name))
    for m in models:
        assert m.endpoint in {"chat", "completions", "bedrock"}
        assert m.max_output_tokens is None or m.max_output_tokens <= m.context_tokens
        assert m.shutdown is None or m.released < m.shutdown


def test_shutdown_dates():
    assert model_info("davinci").shutdown == dt.date(2024, 1, 4)
    assert model_info("gpt-5-nano").shutdown == dt.date(2026, 12, 11)
    assert model_info("gpt-4o-mini").shutdown == dt.date(2027, 1, 14)
    assert model_info("gpt-5.4-nano").shutdown is None
    davinci = model_info("davinci")
    assert davinci.served_on(dt.date(2022, 12, 1)) and not davinci.served_on(dt.date(2024, 1, 4))
    assert model_info("gpt-5").days_left(dt.date(2026, 12, 7)) == 4
    assert model_info("gpt-5.4").days_left(dt.date(2026, 12, 7)) is None


def test_available_models_by_day_and_provider():
    names = [m.name for m in available_models()]
    assert "gpt-4o-mini" in names and "gpt-5.4-nano" in names and "amazon.nova-micro-v1:0" in names
    assert not {"davinci", "gpt-3.5-turbo-0125", "gpt-4.1-nano"} & set(names)
    assert [m.name for m in available_models(dt.date(2022, 12, 1))] == [
        "ada",
        "babbage",
        "curie",
        "davinci",
        "text-davinci-003",
    ]
    later = {m.name for m in available_models(dt.date(2027, 2, 1), provider="openai")}
    assert later == {"gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano"}
    assert {m.provider for m in available_models(provider="amazon-bedrock")} == {"amazon-bedrock"}
    with pytest.raises(CourseInputError, match="Unknown provider"):
        available_models(provider="bedrock")


def test_gpt5_rules():
    gpt5 = model_info(" GPT-5 ")
    assert gpt5.temperature_fixed and gpt5.max_tokens_param == "max_completion_tokens"
    assert not gpt5.temperature_with_reasoning_none
    assert model_info("gpt-5.4-mini").temperature_with_reasoning_none
    assert not model_info("gpt-4o").temperature_fixed


def test_unknown_model_suggests_a_name():
    with pytest.raises(CourseInputError, match="did you mean 'gpt-4o-mini'"):
        model_info("gpt-4o-mni")
    with pytest.raises(CourseInputError, match="a str"):
        model_info(4)


def test_model_table_is_the_one_dated_table():
    table = model_table()
    assert len(table) == len(all_models())
    assert list(table.columns) == [
        "provider",
        "released",
        "shutdown",
        f"served on {checked_on()}",
        "context window (tokens)",
        "input USD / 1M",
        "output USD / 1M",
    ]
    assert table.loc["gpt-4.1", "context window (tokens)"] == 1_047_576
    assert table.loc["gpt-5", "shutdown"] == "2026-12-11"
    assert table.loc["amazon.nova-pro-v1:0", "provider"] == "Amazon Bedrock"
    assert not table.loc["davinci", f"served on {checked_on()}"]
    recent = model_table(since="2024-01-01")
    assert "davinci" not in recent.index and "gpt-4o" in recent.index


def test_api_rules():
    assert (api_rule("temperature")["min"], api_rule("temperature")["max"]) == (0, 2)
    assert "none" in api_rule("reasoning_effort")["values"]
    with pytest.raises(CourseInputError, match="Unknown API rule"):
        api_rule("top_k")

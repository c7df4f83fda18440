"""Token counting (bpe_openai, offline) and LLM prices per 1M tokens."""

import bpe_openai
import pytest

from course.errors import CourseInputError
from course.pricing import tokens
from course.pricing.tokens import (
    chars_to_tokens,
    count_tokens,
    model_price,
    models,
    text_cost,
    token_cost,
    tokens_for_budget,
    tokens_to_words,
    words_to_tokens,
)

GRETZKY = "You miss 100% of the shots you don't take"


# Counts computed once with bpe_openai 0.1.4. "hello world" is two tokens in both encodings:
# "hello" and " world" (a token carries the space before a word).
@pytest.mark.parametrize(
    ("text", "o200k", "cl100k"),
    [
        ("", 0, 0),
        ("hello world", 2, 2),
        ("Hello, world!", 4, 4),
        ("AWS Cloud Practitioner", 3, 4),
        ("¿Cómo estás?", 3, 5),
        (GRETZKY, 11, 12),
        ("<|endoftext|>", 7, 7),
    ],
)
def test_exact_counts(text, o200k, cl100k):
    assert count_tokens(text, "gpt-4o") == tokens.TokenCount(o200k, "o200k_base", True, "gpt-4o")
    assert count_tokens(text, "gpt-3.5-turbo-0125").tokens == cl100k
    assert count_tokens(text, "gpt-3.5-turbo-0125").method == "cl100k_base"


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-nano", "gpt-5"])
def test_newer_models_use_o200k(model):
    count = count_tokens("AWS Cloud Practitioner", model)
    assert (count.tokens, count.method, count.exact) == (3, "o200k_base", True)


@pytest.mark.parametrize("model", ["davinci", "curie", "babbage", "ada"])
def test_gpt3_models_are_an_approximation(model):
    count = count_tokens("AWS Cloud Practitioner", model)
    assert count.exact is False
    assert count.tokens == 4
    assert count.method == (
        f"cl100k_base (approximation: {model}'s own tokenizer r50k_base is not available offline)"
    )


def test_default_model_and_name_spelling():
    assert count_tokens("hello world").model == "gpt-4o"
    assert count_tokens("hello world", " GPT-4o ").model == "gpt-4o"


def test_text_over_a_million_characters_is_counted_in_pieces():
    text = "hello world " * 100_000  # 1,200,000 characters
    cut = 599_999  # just before the space of " hello"
    encoding = bpe_openai.get_encoding("o200k_base")
    halves = len(encoding.encode_ordinary(text[:cut])) + len(encoding.encode_ordinary(text[cut:]))
    # "hello", then " world" / " hello" 199,999 times, then the final " "
    assert count_tokens(text).tokens == halves == 200_001


def test_pieces_add_up_on_varied_text():
    text = "".join(f"Line {i}:  the bill was ${i * 3}.\n\tNext,  please. " for i in range(30_000))
    assert len(text) > 1_000_000
    pieces = tokens._pieces(text)
    assert "".join(pieces) == text
    assert max(len(p) for p in pieces) <= tokens.MAX_CHARS_PER_CALL
    # reference: parts cut just before " Line", each small enough for one bpe_openai call
    starts = range(150_000, len(text) - 1000, 150_000)
    cuts = [0, *(text.index(" Line", k) for k in starts), len(text)]
    encoding = bpe_openai.get_encoding("cl100k_base")
    parts = [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    expected = sum(len(encoding.encode_ordinary(part)) for part in parts)
    assert count_tokens(text, "gpt-3.5-turbo-0125").tokens == expected


def test_fallback_to_the_rule_of_thumb(monkeypatch):
    def broken(name):
        raise ImportError("bpe_openai is not installed")

    monkeypatch.setattr(tokens, "_load_encoding", broken)
    count = count_tokens("a" * 10, "gpt-4o")
    assert count.tokens == 3  # 10 characters / 4, rounded up
    assert count.method == "rule of thumb: 4 characters per token (approximation)"
    assert count.exact is False


def test_rules_of_thumb_and_the_notes_arithmetic():
    assert tokens_to_words(4000) == 3000
    assert words_to_tokens(3000) == 4000
    assert words_to_tokens(75) == 100
    assert chars_to_tokens(4000) == 1000
    # $18 of free trial at $0.02 per 1K tokens
    assert tokens_for_budget("davinci", 18) == 900_000
    assert tokens_to_words(900_000) == 675_000


def test_gpt3_prices_were_quoted_per_1k_tokens():
    per_1k = {"davinci": 0.02, "curie": 0.002, "babbage": 0.0005, "ada": 0.0004}
    for name, price in per_1k.items():
        row = model_price(name)
        assert row.input_usd_per_1m == row.output_usd_per_1m == pytest.approx(price * 1000)
        assert row.provider == "openai"
        assert row.encoding == "r50k_base"


def test_price_table():
    names = [m.model for m in models()]
    assert len(names) == len(set(names))
    for name in ["gpt-3.5-turbo-0125", "gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-5", "gpt-5-nano"]:
        assert name in names
    for row in models():
        assert row.encoding in {"o200k_base", "cl100k_base", "p50k_base", "r50k_base", "unpublished"}
        assert row.provider in {"openai", "amazon-bedrock"}
        assert (row.encoding == "unpublished") == (row.provider == "amazon-bedrock")
        assert 0 < row.input_usd_per_1m <= row.output_usd_per_1m
    assert (model_price("gpt-4.1").input_usd_per_1m, model_price("gpt-4.1").output_usd_per_1m) == (
        2.0,
        8.0,
    )


def test_cost_of_a_million_tokens_each_way_on_gpt_4_1():
    cost = token_cost("gpt-4.1", 1_000_000, 1_000_000)
    assert cost.as_dict() == {
        "model": "gpt-4.1",
        "input_tokens": 1_000_000,
        "output_tokens": 1_000_000,
        "input_cost": 2.0,
        "output_cost": 8.0,
        "cost": 10.0,
    }


def test_cost_of_a_text():
    count, cost = text_cost("gpt-4o", "hello world", output_tokens=1000)
    assert count.tokens == cost.input_tokens == 2
    assert cost.input_cost == pytest.approx(2 * 2.50 / 1_000_000)
    assert cost.output_cost == pytest.approx(1000 * 10.00 / 1_000_000)
    assert cost.cost == pytest.approx(cost.input_cost + cost.output_cost)


@pytest.mark.parametrize("bad", [-1, 1.5, 1000.0, True, "100", None])
def test_token_counts_must_be_whole_and_not_negative(bad):
    with pytest.raises(CourseInputError, match="input_tokens"):
        token_cost("gpt-4o", bad)
    with pytest.raises(CourseInputError, match="output_tokens"):
        token_cost("gpt-4o", 10, bad)


def test_non_integer_tokens_hint_at_per_1m_prices():
    with pytest.raises(CourseInputError, match=r"per 1M tokens \(older price lists quote per 1K\)"):
        token_cost("davinci", 0.5)


@pytest.mark.parametrize("bad", [b"hello", ["hello"], None, 42])
def test_text_must_be_a_str(bad):
    with pytest.raises(CourseInputError, match="text must be a str"):
        count_tokens(bad)


def test_unknown_model_lists_known_models_and_suggests_the_closest():
    with pytest.raises(CourseInputError) as caught:
        model_price("gpt4-o")
    message = str(caught.value)
    assert "did you mean 'gpt-4o'?" in message
    assert all(m.model in message for m in models())
    with pytest.raises(CourseInputError, match="did you mean 'davinci'"):
        count_tokens("hi", "davinchi")
    with pytest.raises(CourseInputError, match="model must be a model name"):
        token_cost(None, 10)


@pytest.mark.parametrize("bad", [-1, True, "3000", float("nan")])
def test_rule_of_thumb_inputs_must_be_numbers(bad):
    for convert in (words_to_tokens, tokens_to_words, chars_to_tokens):
        with pytest.raises(CourseInputError):
            convert(bad)
    with pytest.raises(CourseInputError, match="budget_usd"):
        tokens_for_budget("davinci", bad)


def test_both_providers_are_priced():
    bedrock = models("amazon-bedrock")
    openai = models("openai")
    assert {r.model for r in bedrock} >= {
        "amazon.nova-micro-v1:0",
        "amazon.nova-lite-v1:0",
        "amazon.nova-pro-v1:0",
    }
    assert len(bedrock) + len(openai) == len(models())
    assert all(r.source == "https://aws.amazon.com/bedrock/pricing/" for r in bedrock)
    nova = model_price("Amazon.Nova-Micro-V1:0")
    assert (nova.input_usd_per_1m, nova.output_usd_per_1m) == (0.035, 0.14)
    # $0.000035 per 1K input tokens, as AWS quotes it: a million tokens cost $0.035
    assert token_cost("amazon.nova-micro-v1:0", 1_000_000, 1_000_000).cost == pytest.approx(0.175)
    with pytest.raises(CourseInputError, match="Unknown provider 'aws'"):
        models("aws")


def test_bedrock_counts_are_an_approximation():
    count = count_tokens("AWS Cloud Practitioner", "amazon.nova-lite-v1:0")
    assert (count.tokens, count.exact) == (4, False)
    assert count.method == (
        "cl100k_base (approximation: amazon.nova-lite-v1:0's tokenizer is not published; its count differs)"
    )
    assert count_tokens("AWS Cloud Practitioner", "gpt-5.4-nano").exact is True

"""The token rules of thumb checked against the tokenizer on four texts."""

import pytest

from course.errors import CourseInputError
from course.lessons.token_samples import SAMPLES, growth, pieces, rule_check
from course.pricing.tokens import count_tokens


def test_rule_check_counts_every_sample():
    table = rule_check("gpt-4o")
    assert list(table.index) == [s.name for s in SAMPLES]
    for s in SAMPLES:
        assert table.loc[s.name, "tokens"] == count_tokens(s.text, "gpt-4o").tokens
        assert table.loc[s.name, "characters"] == len(s.text)


def test_japanese_needs_far_more_tokens_per_character_than_english():
    table = rule_check("gpt-4o")
    assert table.loc["Japanese prose", "characters per token"] < 2
    assert table.loc["English prose", "characters per token"] > 4
    assert table["words"].isna().tolist() == [False, False, True, False]


def test_growth_is_increasing_and_ends_at_the_whole_text():
    for s in SAMPLES:
        g = growth(s, points=6)
        assert g["characters"].is_monotonic_increasing and g["tokens"].is_monotonic_increasing
        assert g["characters"].iloc[-1] == len(s.text)
        assert g["tokens"].iloc[-1] == count_tokens(s.text).tokens


def test_pieces_rebuild_the_text_and_match_the_count():
    text = "Tokens are the currency of the API."
    cut = pieces(text)
    assert "".join(cut) == text and len(cut) == count_tokens(text).tokens
    assert cut[1].startswith(" ")  # a token carries the space before a word
    with pytest.raises(CourseInputError, match="not available offline"):
        pieces(text, "davinci")

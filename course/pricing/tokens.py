"""LLM tokens and prices: count a text's tokens offline and turn token counts into US dollars.

Prices (USD per 1M tokens, dated and sourced) of models on OpenAI's API and on Amazon Bedrock live
in course/data/llm_prices.csv; the rules of thumb (characters and words per token) in
course/data/token_rules.json. OpenAI publishes its tokenizers, so OpenAI models are counted exactly
(the retired GPT-3 models approximately); Amazon and Anthropic do not, so their models are counted
with an OpenAI tokenizer and the result says it is an approximation.
"""

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from course import inputs
from course.data import load_csv, load_json
from course.errors import CourseInputError
from course.inputs import model_entry
from course.records import Record

PRICES_FILE = "llm_prices.csv"
RULES_FILE = "token_rules.json"
PER_MILLION = 1_000_000
PER_MILLION_HINT = "prices are per 1M tokens (older price lists quote per 1K): pass the token count itself"
OFFLINE_ENCODINGS = ("o200k_base", "cl100k_base")
STAND_IN_ENCODING = "cl100k_base"
UNPUBLISHED = "unpublished"  # the encoding column of a model whose tokenizer is not public
# bpe_openai refuses 1,000,000 characters or more, or more than 200,000 tokens, in one call.
# A token is at least one UTF-8 byte and a character at most four, so 50,000 characters is safe.
MAX_CHARS_PER_CALL = 50_000


@dataclass(frozen=True)
class ModelPrice:
    """One row of the price table: USD per 1M input and output tokens, with its date and source."""

    model: str
    provider: str
    input_usd_per_1m: float
    output_usd_per_1m: float
    encoding: str
    note: str
    as_of: str
    source: str


@dataclass(frozen=True)
class TokenCount:
    """How many tokens a text is for a model, how they were counted and whether that is exact."""

    tokens: int
    method: str
    exact: bool
    model: str


@dataclass(frozen=True)
class TokenCost(Record):
    """What some input and output tokens cost on one model, in USD."""

    model: str
    input_tokens: int
    output_tokens: int
    input_cost: float
    output_cost: float
    cost: float


@cache
def _price_table() -> dict[str, ModelPrice]:
    rows = load_csv(PRICES_FILE)
    return {
        row["model"]: ModelPrice(
            **{
                **row,
                "input_usd_per_1m": float(row["input_usd_per_1m"]),
                "output_usd_per_1m": float(row["output_usd_per_1m"]),
            }
        )
        for row in rows
    }


def models(provider: str | None = None) -> list[ModelPrice]:
    """Every model in the price table (or those of PROVIDER: 'openai' or 'amazon-bedrock'), in file order."""
    rows = list(_price_table().values())
    if provider is None:
        return rows
    known = sorted({r.provider for r in rows})
    if provider not in known:
        raise CourseInputError(f"Unknown provider {provider!r}; known: {', '.join(known)}.")
    return [r for r in rows if r.provider == provider]


def model_price(name: str) -> ModelPrice:
    """The price-table row of model NAME (case and surrounding spaces do not matter)."""
    return model_entry(name, _price_table(), "gpt-4o")


def _tokens(name: str, value: object) -> int:
    """`value` as a whole number of tokens, 0 or more; a fraction's error recalls that prices are per 1M."""
    return inputs.count(name, inputs.whole_number(name, value, "tokens", PER_MILLION_HINT))


def _rules() -> dict[str, Any]:
    return load_json(RULES_FILE)


def chars_to_tokens(chars: float) -> float:
    """Rule-of-thumb tokens in CHARS characters of English (1 token is about 4 characters)."""
    return inputs.amount("chars", chars, "characters") / _rules()["chars_per_token"]


def words_to_tokens(words: float) -> float:
    """Rule-of-thumb tokens in WORDS words of English (100 tokens are about 75 words)."""
    return inputs.amount("words", words) * 100 / _rules()["words_per_100_tokens"]


def tokens_to_words(tokens: float) -> float:
    """Rule-of-thumb words of English in TOKENS tokens (100 tokens are about 75 words)."""
    return inputs.amount("tokens", tokens) * _rules()["words_per_100_tokens"] / 100


@cache
def _load_encoding(name: str) -> Any:
    """The bpe_openai encoding NAME, imported here so the module works without the package."""
    import bpe_openai

    return bpe_openai.get_encoding(name)


def _pieces(text: str) -> list[str]:
    """TEXT cut into pieces bpe_openai accepts, each cut just before a space that starts a word.

    A tokenizer never joins a character to the space after it, so the counts of the pieces add up
    to the count of the whole.
    """
    pieces, start = [], 0
    while len(text) - start > MAX_CHARS_PER_CALL:
        cut = text.rfind(" ", start + 1, start + MAX_CHARS_PER_CALL)
        while cut > start and text[cut + 1].isspace():
            cut = text.rfind(" ", start + 1, cut)
        if cut <= start:  # no such space: cut anywhere, which may shift the count by a token
            cut = start + MAX_CHARS_PER_CALL
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def count_tokens(text: str, model: str = "gpt-4o") -> TokenCount:
    """Count TEXT's tokens with MODEL's own tokenizer, or say which approximation was used."""
    if not isinstance(text, str):
        raise CourseInputError(
            f"text must be a str, got {type(text).__name__}; join lines first: '\\n'.join(lines)."
        )
    price = model_price(model)
    own = price.encoding
    name = own if own in OFFLINE_ENCODINGS else STAND_IN_ENCODING
    try:
        encoding = _load_encoding(name)
    except Exception:  # bpe_openai missing or broken: fall back to the rule of thumb
        chars_per_token = _rules()["chars_per_token"]
        return TokenCount(
            tokens=math.ceil(chars_to_tokens(len(text))),
            method=f"rule of thumb: {chars_per_token:g} characters per token (approximation)",
            exact=False,
            model=price.model,
        )
    tokens = sum(len(encoding.encode_ordinary(piece)) for piece in _pieces(text))
    if name == own:
        return TokenCount(tokens=tokens, method=name, exact=True, model=price.model)
    if own == UNPUBLISHED:
        method = f"{name} (approximation: {price.model}'s tokenizer is not published; its count differs)"
    else:
        method = f"{name} (approximation: {price.model}'s own tokenizer {own} is not available offline)"
    return TokenCount(tokens=tokens, method=method, exact=False, model=price.model)


def token_cost(model: str, input_tokens: int, output_tokens: int = 0) -> TokenCost:
    """What INPUT_TOKENS in and OUTPUT_TOKENS out cost on MODEL, in USD."""
    price = model_price(model)
    tokens_in = _tokens("input_tokens", input_tokens)
    tokens_out = _tokens("output_tokens", output_tokens)
    input_cost = tokens_in * price.input_usd_per_1m / PER_MILLION
    output_cost = tokens_out * price.output_usd_per_1m / PER_MILLION
    return TokenCost(
        model=price.model,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        input_cost=input_cost,
        output_cost=output_cost,
        cost=input_cost + output_cost,
    )


def text_cost(model: str, text: str, output_tokens: int = 0) -> tuple[TokenCount, TokenCost]:
    """Count TEXT as MODEL's input and price it with OUTPUT_TOKENS of answer."""
    count = count_tokens(text, model)
    return count, token_cost(model, count.tokens, output_tokens)


def tokens_for_budget(model: str, budget_usd: float) -> int:
    """How many input tokens BUDGET_USD buys on MODEL (e.g. $18 of davinci, at $20 per 1M: 900,000)."""
    budget = inputs.amount("budget_usd", budget_usd, "dollars")
    tokens = budget * PER_MILLION / model_price(model).input_usd_per_1m
    return math.floor(round(tokens, 6))

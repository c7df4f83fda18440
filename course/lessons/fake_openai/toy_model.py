"""The stand-in's toy model: a small vocabulary, fixed word-to-word scores, sampled at a temperature.

It does not understand the prompt; it shows how temperature and seeds shape what comes back.
"""

import hashlib
import json

import numpy as np

from course.lessons import sampling
from course.pricing.tokens import count_tokens

# The toy model: a vocabulary, fixed word-to-word scores, and an end-of-reply token.
VOCABULARY = (
    "scoop",
    "pure",
    "joy",
    "from",
    "the",
    "farm",
    "organic",
    "cream",
    "made",
    "with",
    "love",
    "nature's",
    "sweetest",
    "treat",
    "every",
    "spoonful",
    "cool",
    "fresh",
    "real",
    "taste",
    "simply",
    "good",
    "happy",
    "cows",
    "green",
    "fields",
    "cloud",
    "answers",
    "fast",
)
END = len(VOCABULARY)
_PAIR_SCORES = np.random.default_rng(2022).normal(0.0, 1.0, (END + 1, END + 1))
REPEAT_PENALTY = 4.0  # a word already used is much less likely to come again
END_RAMP = 0.45  # the end of the reply becomes more likely with every word
MAX_WORDS = 24


def seed_of(*parts: object) -> int:
    """A reproducible 64-bit seed from any JSON-able PARTS."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def toy_reply(model: str, prompt_key: str, temperature: float, max_tokens: int, rng: np.random.Generator):
    """Words drawn one at a time for PROMPT_KEY: (text, completion tokens, finish reason)."""
    base = np.random.default_rng(seed_of(prompt_key)).normal(0.0, 1.5, END + 1)
    words: list[str] = []
    used = np.zeros(END + 1, dtype=bool)
    previous, finish = END, "stop"
    for step in range(MAX_WORDS + 1):
        logits = base + _PAIR_SCORES[previous] - REPEAT_PENALTY * used
        logits[END] = -50.0 if step == 0 else END_RAMP * step + (50.0 if step == MAX_WORDS else 0.0)
        pick = sampling.sample(logits, temperature, rng)
        if pick == END:
            break
        candidate = " ".join([*words, VOCABULARY[pick]]).capitalize()
        if count_tokens(candidate, model).tokens > max_tokens:
            finish = "length"
            break
        words.append(VOCABULARY[pick])
        used[pick], previous = True, pick
    text = " ".join(words).capitalize()
    if finish == "stop" and count_tokens(text + ".", model).tokens <= max_tokens:
        text += "."
    return text, count_tokens(text, model).tokens, finish

"""How a language model picks its next token: temperature-scaled softmax and seeded sampling.

A model scores every token of its vocabulary (the *logits*); softmax turns the scores into
probabilities, and the API's `temperature` divides the scores first. Temperature 0 means
"always the most likely token" (argmax).
"""

import math
from numbers import Real

import numpy as np

from course.errors import CourseInputError


def _logits(logits: object) -> np.ndarray:
    try:
        values = np.asarray(logits, dtype=float)
    except (TypeError, ValueError):
        raise CourseInputError(f"logits must be a list of numbers, got {logits!r:.80}") from None
    if values.ndim != 1 or values.size == 0:
        raise CourseInputError(f"logits must be a flat, non-empty list of numbers, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise CourseInputError("logits must be finite numbers (no nan or inf)")
    return values


def _temperature(temperature: object) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, Real) or not math.isfinite(temperature):
        raise CourseInputError(f"temperature must be a number such as 0.7, got {temperature!r}")
    if temperature < 0:
        raise CourseInputError(f"temperature must be 0 or more, got {temperature}")
    return float(temperature)


def softmax(logits: object, temperature: float = 1.0) -> np.ndarray:
    """Probabilities of LOGITS at TEMPERATURE; at 0 all the probability goes to the first largest logit."""
    values, t = _logits(logits), _temperature(temperature)
    if t == 0:
        probs = np.zeros_like(values)
        probs[int(np.argmax(values))] = 1.0
        return probs
    scaled = (values - values.max()) / t  # subtracting the maximum keeps exp() from overflowing
    weights = np.exp(scaled)
    return weights / weights.sum()


def sample(logits: object, temperature: float = 1.0, rng: np.random.Generator | int | None = None) -> int:
    """Index of one token drawn from softmax(LOGITS, TEMPERATURE); RNG is a numpy Generator or a seed."""
    probs = softmax(logits, temperature)
    if temperature == 0:
        return int(np.argmax(probs))
    generator = np.random.default_rng(rng)
    return int(generator.choice(probs.size, p=probs))


def frequencies(logits: object, temperature: float, draws: int, seed: int = 0) -> np.ndarray:
    """Share of DRAWS seeded samples that picked each token (an estimate of the probabilities)."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise CourseInputError(f"draws must be a whole number of at least 1, got {draws!r}")
    generator = np.random.default_rng(seed)
    picks = [sample(logits, temperature, generator) for _ in range(draws)]
    return np.bincount(picks, minlength=_logits(logits).size) / draws

"""Temperature-scaled softmax and seeded sampling."""

import numpy as np
import pytest

from course.errors import CourseInputError
from course.lessons.sampling import frequencies, sample, softmax


def test_softmax_at_temperature_one_is_the_plain_softmax():
    logits = [2.0, 1.0, 0.1]
    expected = np.exp(logits) / np.exp(logits).sum()
    assert np.allclose(softmax(logits), expected)
    assert softmax(logits).sum() == pytest.approx(1.0)


def test_temperature_divides_the_logits():
    logits = np.array([3.0, 1.0, -2.0])
    assert np.allclose(softmax(logits, 0.5), softmax(logits * 2, 1.0))
    assert np.allclose(softmax(logits, 2.0), softmax(logits / 2, 1.0))


def test_temperature_zero_is_argmax_and_ties_go_to_the_first():
    assert softmax([1.0, 5.0, 2.0], 0).tolist() == [0.0, 1.0, 0.0]
    assert softmax([4.0, 4.0, 1.0], 0).tolist() == [1.0, 0.0, 0.0]


def test_higher_temperature_flattens_the_distribution():
    logits = [4.0, 2.0, 1.0, 0.0]
    tops = [softmax(logits, t)[0] for t in (0.2, 0.5, 1.0, 1.5, 2.0)]
    assert tops == sorted(tops, reverse=True)
    assert softmax(logits, 1000).max() - softmax(logits, 1000).min() < 0.01


def test_large_logits_do_not_overflow():
    probs = softmax([1000.0, 999.0, 0.0], 0.1)
    assert np.all(np.isfinite(probs)) and probs.sum() == pytest.approx(1.0)


def test_input_is_not_changed():
    logits = np.array([1.0, 2.0])
    softmax(logits, 0.5)
    assert logits.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("logits", "temperature", "message"),
    [
        ([], 1.0, "non-empty"),
        ([[1.0, 2.0]], 1.0, "flat"),
        ([1.0, float("nan")], 1.0, "finite"),
        (["a", "b"], 1.0, "list of numbers"),
        ([1.0, 2.0], -0.1, "0 or more"),
        ([1.0, 2.0], "hot", "number"),
        ([1.0, 2.0], True, "number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(logits, temperature, message):
    with pytest.raises(CourseInputError, match=message):
        softmax(logits, temperature)


def test_sampling_is_reproducible_with_a_seed():
    logits = [0.5, 0.4, 0.3, 0.2]
    draws = [sample(logits, 1.0, seed) for seed in range(20)]
    assert draws == [sample(logits, 1.0, seed) for seed in range(20)]
    assert len(set(draws)) > 1
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    assert [sample(logits, 1.0, rng_a) for _ in range(30)] == [sample(logits, 1.0, rng_b) for _ in range(30)]


def test_temperature_zero_always_picks_the_most_likely_token():
    assert {sample([0.1, 3.0, 2.9], 0, seed) for seed in range(50)} == {1}
    assert type(sample([0.1, 3.0], 0.7, 1)) is int


def test_frequencies_approach_the_probabilities():
    logits = [1.0, 0.0, -1.0]
    shares = frequencies(logits, 1.0, 20_000, seed=3)
    assert shares.sum() == pytest.approx(1.0)
    assert np.allclose(shares, softmax(logits), atol=0.015)
    with pytest.raises(CourseInputError, match="draws"):
        frequencies(logits, 1.0, 0)

"""Checks that exercise test cells call: strict about types, helpful about mistakes.

Each check raises AssertionError with a message written for the student. Types are compared
exactly (`type(x) in ...`, never isinstance), so an object that only pretends to be a number,
a string or a set, or whose `==` is always true, is refused before any comparison is made.
"""

import hashlib
import math
from collections.abc import Callable, Mapping

import numpy as np

NUMBER_TYPES = (int, float, np.int64, np.int32, np.float64, np.float32)


def _is_number(value: object) -> bool:
    return type(value) in NUMBER_TYPES and not math.isnan(float(value))


def check_number(
    name: str,
    value: object,
    expected: float,
    *,
    rel: float = 1e-4,
    abs_tol: float = 1e-9,
    unit: str = "",
    mistakes: Mapping[str, float] | None = None,
) -> None:
    """Assert that `value` is a plain number close to `expected`; name a known mistake if it matches one."""
    assert _is_number(value), (
        f"{name} should be a number (int or float), not {type(value).__name__}: {value!r:.80}"
    )
    got = float(value)
    if math.isclose(got, expected, rel_tol=rel, abs_tol=abs_tol):
        return
    for explanation, wrong in (mistakes or {}).items():
        if math.isclose(got, wrong, rel_tol=rel, abs_tol=abs_tol):
            raise AssertionError(f"{name} = {got:,.6g}{unit}: {explanation}")
    raise AssertionError(f"{name} = {got:,.6g}{unit} is not right; check each step of your calculation.")


def check_type(name: str, value: object, expected_type: type) -> None:
    """Assert that `value` is exactly of `expected_type` (subclasses are refused)."""
    assert type(value) is expected_type, (
        f"{name} should be a {expected_type.__name__}, not {type(value).__name__}"
    )


def check_function(name: str, value: object) -> Callable:
    """Assert that `value` is a plain Python function the student defined."""
    assert callable(value) and type(value).__name__ == "function", (
        f"{name} should be a function defined with def, not {type(value).__name__}"
    )
    return value


def choice_digest(answer: str | set[str], salt: str) -> str:
    """Digest of a multiple-choice answer, so a visible test can check it without showing it."""
    letters = sorted({answer} if type(answer) is str else answer)
    return hashlib.sha256(f"{salt}:{','.join(letters)}".encode()).hexdigest()[:16]


def _normalise_choice(name: str, answer: object, options: Mapping[str, str], multiple: bool):
    if multiple:
        assert type(answer) is set and all(type(a) is str for a in answer), (
            f"{name} should be a set of option letters, for example {{'A', 'C'}}"
        )
        letters = {a.strip().upper() for a in answer}
    else:
        assert type(answer) is str, f"{name} should be one option letter as a string, e.g. 'B'"
        letters = {answer.strip().upper()}
    unknown = sorted(letters - set(options))
    assert not unknown, f"{name}: {unknown} not among the options {sorted(options)}"
    return letters


def check_choice(
    name: str,
    answer: object,
    options: Mapping[str, str],
    digest: str,
    salt: str,
    *,
    multiple: bool = False,
) -> None:
    """Check a multiple-choice answer against its digest; explain every option either way."""
    letters = _normalise_choice(name, answer, options, multiple)
    explained = "\n".join(f"  {k}: {v}" for k, v in sorted(options.items()))
    key = letters if multiple else next(iter(letters))
    if choice_digest(key, salt) != digest:
        picked = ", ".join(sorted(letters)) if letters else "nothing"
        raise AssertionError(f"{name}: {picked} is not the best answer. What each option does:\n{explained}")
    print(f"Correct. What each option does:\n{explained}")

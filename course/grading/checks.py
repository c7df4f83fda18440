"""Checks that exercise test cells call: strict about types, helpful about mistakes.

Each check raises AssertionError with a message written for the student. Types are compared
exactly (`type(x) in ...`, never isinstance), so an object that only pretends to be a number,
a string or a set, or whose `==` is always true, is refused before any comparison is made.
"""

import hashlib
import math
from collections.abc import Callable, Mapping

import numpy as np

from course.grading.remote import Remote

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
    """Assert that `value` is a plain Python function the student defined (here, or in the kernel)."""
    kind = value.kernel_type if isinstance(value, Remote) else type(value).__name__
    assert callable(value) and kind == "function", f"{name} should be a function defined with def, not {kind}"
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


def check_option(name: str, answer: object, letters: str, *, multiple: bool = False) -> None:
    """Visible test of a multiple-choice answer: only its form (letters among LETTERS), never its mark."""
    _normalise_choice(name, answer, dict.fromkeys(letters, ""), multiple)
    print(f"{name}: recorded. It is marked when the notebook is graded, with every option explained.")


def grade_option(
    name: str, answer: object, options: Mapping[str, str], correct: str | set[str], *, multiple: bool = False
) -> None:
    """Hidden test of a multiple-choice answer: right or wrong, explaining the right and the chosen option."""
    letters = _normalise_choice(name, answer, options, multiple)
    right = {correct} if type(correct) is str else set(correct)
    why = "\n".join(f"  {k}: {options[k]}" for k in sorted(right))
    if letters == right:
        print(f"{name}: correct.\n{why}")
        return
    chosen = "\n".join(f"  {k}: {options[k]}" for k in sorted(letters - right)) or "  (too few options)"
    raise AssertionError(f"{name}: the answer is {', '.join(sorted(right))}.\n{why}\nYou chose:\n{chosen}")


def check_labels(name: str, answer: object, keys: list[str], allowed: set[str]) -> None:
    """Visible test of a label-matching answer: a dict with every key, each value among ALLOWED."""
    assert type(answer) is dict, f"{name} should be a dict, not {type(answer).__name__}"
    missing = [k for k in keys if k not in answer]
    assert not missing, f"{name} is missing {missing}: keep every key and fill in its value"
    extra = sorted(set(answer) - set(keys), key=str)
    assert not extra, f"{name} has keys that are not asked for: {extra}"
    for key, value in answer.items():
        assert type(value) is str and value in allowed, (
            f"{name}[{key!r}] = {value!r:.60} should be one of {sorted(allowed)}"
        )
    print(f"{name}: every item answered. It is marked item by item when the notebook is graded.")


def labels_score(name: str, answer: object, expected: Mapping[str, str], points: float) -> float:
    """Hidden test of a label-matching answer: POINTS times the share of keys labelled right.

    End the hidden test cell with this call, so nbgrader reads the value as the cell's partial credit;
    the keys labelled wrongly are printed with their right label.
    """
    given = answer if type(answer) is dict else {}
    wrong = {k: v for k, v in expected.items() if given.get(k) != v}
    for key, right in wrong.items():
        print(f"{name}[{key!r}]: {given.get(key)!r} is wrong; the answer is {right!r}")
    return round(points * (len(expected) - len(wrong)) / len(expected), 4)

"""Checks of the numbers and flags learners pass to the calculators: each error names what to change.

`name` is the argument's name as the learner typed it, `unit` what it counts ("KB", "requests") and
`hint` a sentence added at the end of the message, e.g. what the value means or how to fix it.
"""

import difflib
import math
import numbers
import re
from collections.abc import Collection, Sequence

from course.errors import CourseInputError


def _then(hint: str) -> str:
    """'; hint' to end a message with, or nothing when there is no hint."""
    return f"; {hint}" if hint else ""


def _of(unit: str) -> str:
    """' of unit' to follow 'a number', or nothing when there is no unit."""
    return f" of {unit}" if unit else ""


def whole_number(name: str, value: object, unit: str = "", hint: str = "") -> int:
    """`value` as an int, else an error ending with `hint` (after 'write 3_000_000' for 3000000.0)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        hint = f"write {int(value):_} rather than {value!r}" + _then(hint)
    raise CourseInputError(
        f"{name} must be a whole number{_of(unit)} (an int), got {value!r} ({type(value).__name__})"
        + _then(hint)
    )


def count(name: str, value: object, unit: str = "", hint: str = "", minimum: int = 0) -> int:
    """`value` as an int of `minimum` or more; `hint` ends the message when it is smaller."""
    number = whole_number(name, value, unit)
    if number < minimum:
        raise CourseInputError(f"{name} must be {minimum} or more (got {number}){_then(hint)}")
    return number


def _finite(name: str, value: object, unit: str) -> float:
    """`value` as a float if it is a finite real number other than a bool."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    kind = type(value).__name__
    raise CourseInputError(f"{name} must be a finite number{_of(unit)}, got {value!r} ({kind})")


def amount(name: str, value: object, unit: str = "", hint: str = "") -> float:
    """`value` as a finite float of 0 or more; `hint` ends the message when it is negative."""
    number = _finite(name, value, unit)
    if number < 0:
        raise CourseInputError(f"{name} must be 0 or more (got {value}){_then(hint)}")
    return number


def positive(name: str, value: object, unit: str = "", hint: str = "") -> float:
    """`value` as a finite float above 0; `hint` ends the message when it is 0 or less."""
    number = _finite(name, value, unit)
    if number <= 0:
        above = f"0 {unit}" if unit else "0"
        raise CourseInputError(f"{name} must be more than {above} (got {value}){_then(hint)}")
    return number


def flag(name: str, value: object) -> bool:
    """`value` if it is True or False (1, 0 and 'yes' are refused)."""
    if not isinstance(value, bool):
        raise CourseInputError(f"{name} must be True or False (got {value!r})")
    return value


def one_of(name: str, value: object, choices: Collection[str]) -> str:
    """`value` if it is one of the strings `choices`; the message lists them in the order given."""
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(choice) for choice in choices)
        raise CourseInputError(f"{name} must be one of {valid} (got {value!r})")
    return value


def check_between(name: str, value: float, low: float, high: float, unit: str, hint: str = "") -> None:
    """Raise CourseInputError, ending with `hint`, unless `low` <= `value` <= `high` (in `unit`)."""
    if not low <= value <= high:
        raise CourseInputError(f"{name} must be between {low} and {high} {unit} (got {value}){_then(hint)}")


def wrong_unit_hint(
    value: object, wrong_unit: str, converted: float, unit: str, low: float, high: float
) -> str:
    """' — did you give GB? 2 GB is 2048 MB' if `converted` (`value` `wrong_unit` in `unit`) is in range."""
    if low <= converted <= high:
        return f" — did you give {wrong_unit}? {value} {wrong_unit} is {converted:g} {unit}"
    return ""


def size(
    name: str, value: object, unit: str, limit: float, too_big: str, hint: str, bytes_per_unit: int = 1024
) -> float:
    """`value` as a float above 0 and at most `limit`; over it, `too_big` ('did you give bytes?' if so)."""
    number = positive(name, value, unit, hint)
    if number > limit:
        if_bytes = number / bytes_per_unit
        raise CourseInputError(too_big + wrong_unit_hint(value, "bytes", if_bytes, unit, 0, limit))
    return number


def service_key(name: str) -> str:
    """A service name as a lookup key: lower case, no 'Amazon'/'AWS' prefix, no spaces, dashes or brackets."""
    name = re.sub(r"^(amazon|aws)\s+", "", name.strip().lower())
    return re.sub(r"[\s\-_()]+", "", name)


def catalog_entry(name: object, catalog: Sequence):
    """The item of CATALOG (items with .name and .aliases) called NAME, matched by `service_key`, or an
    error suggesting the closest names."""
    if not isinstance(name, str) or not name.strip():
        raise CourseInputError(f"a service name should be a non-empty string, not {name!r}")
    index = {service_key(alias): item for item in catalog for alias in (item.name, *item.aliases)}
    found = index.get(service_key(name))
    if found is None:
        keys = difflib.get_close_matches(service_key(name), list(index), n=5, cutoff=0.5)
        close = list(dict.fromkeys(index[k].name for k in keys))[:3]
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        known = ", ".join(item.name for item in catalog)
        raise CourseInputError(f"{name!r} is not a service of this section.{hint} Known: {known}.")
    return found


def model_entry(name: object, table: dict, example: str):
    """TABLE's entry for model NAME (case and surrounding spaces ignored), or an error naming the closest."""
    if not isinstance(name, str):
        raise CourseInputError(f"model must be a model name (a str) such as {example!r}, got {name!r}")
    key = name.strip().lower()
    if key in table:
        return table[key]
    closest = difflib.get_close_matches(key, list(table), n=1, cutoff=0.0)
    raise CourseInputError(
        f"Unknown model {name!r}: did you mean {closest[0]!r}? Known models: {', '.join(table)}."
    )

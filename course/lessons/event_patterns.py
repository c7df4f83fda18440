"""Amazon EventBridge event patterns: does an event match a rule's pattern?

The rules follow the EventBridge User Guide, "Amazon EventBridge event patterns"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html) and its pages on
arrays, null values and content filtering:

- A pattern has the same nesting as the events it matches; fields it does not name are ignored.
- Every field the pattern names must be in the event (AND); the values to match sit in an array,
  and any one of them may match (OR).
- Exact values match character by character; numbers match by their JSON text, so 300 and 300.0
  differ. A null or an empty string in the pattern matches the same value in the event.
- When the event's value is an array, the field matches if any element of it matches.
- Content filters, each an object with one key: ``prefix``, ``suffix``, ``equals-ignore-case``,
  ``anything-but`` (a value, a list of values, or a prefix/suffix/equals-ignore-case filter),
  ``numeric`` (comparisons, all of which must hold), ``exists`` (only on leaf fields) and ``cidr``.

Not modelled: ``wildcard``, ``$or`` and the numeric value limits (±1e9, six decimals).
"""

import ipaddress
import json
from typing import Any

from course.errors import CourseInputError

OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr")
NUMERIC_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}
_ABSENT = object()


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


def _is_scalar(value: object) -> bool:
    return value is None or type(value) in (str, int, float, bool)


def _check_string_filter(name: str, arg: object, where: str) -> None:
    if type(arg) is str:
        return
    if name in ("prefix", "suffix") and type(arg) is dict and list(arg) == ["equals-ignore-case"]:
        if type(arg["equals-ignore-case"]) is str:
            return
    raise CourseInputError(f'{where}: {name} needs a string, for example {{{json.dumps(name)}: "abc"}}')


def _check_filter(f: dict, where: str) -> None:
    if len(f) != 1 or next(iter(f)) not in OPERATORS:
        raise CourseInputError(
            f"{where}: a filter is an object with one key among {list(OPERATORS)}, not {f}"
        )
    name, arg = next(iter(f.items()))
    if name in ("prefix", "suffix", "equals-ignore-case"):
        _check_string_filter(name, arg, where)
    elif name == "exists":
        if type(arg) is not bool:
            raise CourseInputError(f"{where}: exists takes true or false, not {arg!r}")
    elif name == "cidr":
        try:
            ipaddress.ip_network(arg)
        except (TypeError, ValueError) as e:
            raise CourseInputError(f'{where}: cidr needs a network such as "10.0.0.0/24", not {arg!r}') from e
    elif name == "numeric":
        ok = type(arg) is list and len(arg) in (2, 4)
        ok = ok and all(arg[i] in NUMERIC_OPS and _is_number(arg[i + 1]) for i in range(0, len(arg), 2))
        if not ok:
            raise CourseInputError(
                f"{where}: numeric takes [op, number] or [op, number, op, number], not {arg!r}"
            )
    elif type(arg) is dict:  # anything-but with a string filter
        if len(arg) != 1 or next(iter(arg)) not in ("prefix", "suffix", "equals-ignore-case"):
            raise CourseInputError(
                f"{where}: anything-but takes a prefix, suffix or equals-ignore-case filter"
            )
        _check_string_filter(next(iter(arg)), next(iter(arg.values())), where)
    elif type(arg) is list:
        if not arg or not (all(type(a) is str for a in arg) or all(_is_number(a) for a in arg)):
            raise CourseInputError(f"{where}: anything-but takes a list of only strings or only numbers")
    elif type(arg) is not str and not _is_number(arg):
        raise CourseInputError(f"{where}: anything-but takes a string, a number or a list, not {arg!r}")


def validate(pattern: object, where: str = "pattern") -> None:
    """Raise CourseInputError, saying what to change, unless PATTERN is a well-formed event pattern."""
    if type(pattern) is not dict or not pattern:
        raise CourseInputError(f'{where} must be a non-empty dict such as {{"source": ["aws.ec2"]}}')
    for key, value in pattern.items():
        here = f"{where}[{key!r}]"
        if type(value) is dict:
            validate(value, here)
        elif type(value) is list and value:
            for item in value:
                if type(item) is dict:
                    _check_filter(item, here)
                elif not _is_scalar(item):
                    raise CourseInputError(f"{here}: {item!r} is neither a value nor a filter object")
        else:
            raise CourseInputError(
                f'{here} must be a non-empty list of values, e.g. ["value"], or a nested object'
            )


def _same(expected: Any, value: Any) -> bool:
    return json.dumps(expected) == json.dumps(value)


def _string_match(name: str, arg: Any, value: Any) -> bool:
    if type(value) is not str:
        return False
    fold = type(arg) is dict
    target = arg["equals-ignore-case"] if fold else arg
    if name == "equals-ignore-case":
        return value.casefold() == target.casefold()
    text, target = (value.casefold(), target.casefold()) if fold else (value, target)
    return text.startswith(target) if name == "prefix" else text.endswith(target)


def _match_value(matcher: Any, value: Any) -> bool:
    if type(matcher) is not dict:
        return _same(matcher, value)
    name, arg = next(iter(matcher.items()))
    if name in ("prefix", "suffix", "equals-ignore-case"):
        return _string_match(name, arg, value)
    if name == "numeric":
        return _is_number(value) and all(
            NUMERIC_OPS[arg[i]](value, arg[i + 1]) for i in range(0, len(arg), 2)
        )
    if name == "cidr":
        try:
            return type(value) is str and ipaddress.ip_address(value) in ipaddress.ip_network(arg)
        except ValueError:
            return False
    if type(arg) is dict:  # anything-but with a string filter: strings that fail the filter
        inner, inner_arg = next(iter(arg.items()))
        return type(value) is str and not _string_match(inner, inner_arg, value)
    excluded = arg if type(arg) is list else [arg]
    return not any(_same(e, value) for e in excluded)


def _match_field(matchers: list, value: Any) -> bool:
    is_leaf = value is not _ABSENT and type(value) is not dict
    for matcher in matchers:
        if type(matcher) is dict and "exists" in matcher:
            if matcher["exists"] == is_leaf:
                return True
        elif is_leaf:
            candidates = value if type(value) is list else [value]
            if any(_match_value(matcher, v) for v in candidates):
                return True
    return False


def _match_object(pattern: dict, event: Any) -> bool:
    for key, expected in pattern.items():
        value = event.get(key, _ABSENT) if type(event) is dict else _ABSENT
        if type(expected) is dict:
            if not _match_object(expected, value):
                return False
        elif not _match_field(expected, value):
            return False
    return True


def matches(pattern: dict, event: dict) -> bool:
    """Whether EVENT (a dict as EventBridge delivers it) matches the event PATTERN (a dict)."""
    validate(pattern)
    if type(event) is not dict:
        raise CourseInputError(f"event must be a dict, not {type(event).__name__}")
    return _match_object(pattern, event)


def cloudtrail_event(user_type: str = "Root", outcome: str = "Success", source: str = "aws.signin") -> dict:
    """An example event, as EventBridge delivers activity recorded by CloudTrail.

    With the source ``aws.signin`` it is a console sign-in (``ConsoleLogin``) whose outcome is
    OUTCOME; with another source, such as ``aws.ec2``, an API call made by the same identity.
    """
    signin = source == "aws.signin"
    service = "signin" if signin else source.removeprefix("aws.")
    principal = "111122223333" if user_type == "Root" else "AIDAEXAMPLEID"
    return {
        "version": "0",
        "id": "6f87d04b-9f74-4f04-a780-7acf4b0a9b38",
        "detail-type": "AWS Console Sign In via CloudTrail" if signin else "AWS API Call via CloudTrail",
        "source": source,
        "account": "111122223333",
        "time": "2026-11-26T09:15:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {"type": user_type, "principalId": principal, "accountId": "111122223333"},
            "eventTime": "2026-11-26T09:15:00Z",
            "eventSource": f"{service}.amazonaws.com",
            "eventName": "ConsoleLogin" if signin else "TerminateInstances",
            "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.25",
            "responseElements": {"ConsoleLogin": outcome} if signin else None,
        },
    }

"""Evaluate identity-based IAM policies by AWS's rules: explicit deny, then allow, then implicit deny.

Covers Effect, Action/NotAction, Resource/NotResource (with the wildcards * and ?) and a subset of the
Condition operators. Action names match without regard to case, resource ARNs with regard to case.
Out of scope: resource-based policies, permissions boundaries, SCPs, session policies, policy
variables such as ${aws:username}, multivalued context keys (ForAllValues/ForAnyValue), and the
Date, Arn and Binary condition operators. Rules:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
"""

from __future__ import annotations

import copy
import ipaddress
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from course.errors import CourseInputError

VERSIONS = ("2012-10-17", "2008-10-17")
ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"
DECISIONS = (ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY)
POLICY_KEYS = {"Version", "Id", "Statement"}
STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
SID = re.compile(r"^[A-Za-z0-9]*$")
ARN_PARTS = 6  # arn:partition:service:region:account:resource (the resource part may hold colons)


@dataclass
class Decision:
    """One request's outcome (allowed, explicitDeny or implicitDeny), why, and which statement decided."""

    decision: str
    reason: str
    statement: dict | None = None

    @property
    def allowed(self) -> bool:
        """True only when some statement allows the request and none denies it."""
        return self.decision == ALLOWED

    def __str__(self) -> str:
        return f"{self.decision}: {self.reason}"


# --- wildcard matching -----------------------------------------------------------------------


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """True if VALUE fits PATTERN, where * stands for any run of characters and ? for exactly one."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """Does an Action pattern such as "s3:Get*" cover ACTION? Case does not matter."""
    return wildcard_match(pattern, action, ignore_case=True)


def resource_matches(pattern: str, resource: str) -> bool:
    """Does a Resource pattern cover the ARN RESOURCE? Case matters; wildcards stay inside one ARN segment."""
    if pattern == "*":
        return True
    wanted, actual = pattern.split(":", ARN_PARTS - 1), resource.split(":", ARN_PARTS - 1)
    if len(wanted) != ARN_PARTS or len(actual) != ARN_PARTS:
        return False
    return all(wildcard_match(p, a) for p, a in zip(wanted, actual, strict=True))


# --- conditions --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return str(value).lower() if type(value) is bool else str(value)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise CourseInputError(f"{value!r} is not a number: numeric conditions compare numbers.") from e


def _in_network(actual: Any, network: Any) -> bool:
    try:
        return ipaddress.ip_address(str(actual)) in ipaddress.ip_network(str(network), strict=False)
    except ValueError as e:
        raise CourseInputError(
            f"IP condition: {e}. Use an address and a CIDR range such as 203.0.113.0/24."
        ) from e


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    return lambda actual, wanted: compare(_number(actual), _number(wanted))


# Positive operators: the condition holds if the request's value matches ANY listed value.
_POSITIVE: dict[str, Callable[[Any, Any], bool]] = {
    "StringEquals": lambda a, w: _text(a) == _text(w),
    "StringEqualsIgnoreCase": lambda a, w: _text(a).lower() == _text(w).lower(),
    "StringLike": lambda a, w: wildcard_match(_text(w), _text(a)),
    "NumericEquals": _numeric(operator.eq),
    "NumericLessThan": _numeric(operator.lt),
    "NumericLessThanEquals": _numeric(operator.le),
    "NumericGreaterThan": _numeric(operator.gt),
    "NumericGreaterThanEquals": _numeric(operator.ge),
    "Bool": lambda a, w: _text(a).lower() == _text(w).lower(),
    "IpAddress": _in_network,
}
# Negated operators: the condition holds if the value matches NONE of them (and when the key is absent).
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "NotIpAddress": "IpAddress",
}
OPERATORS = sorted([*_POSITIVE, *_NEGATED, "Null"])


def _split_operator(name: str) -> tuple[str, bool]:
    base, if_exists = (name[: -len("IfExists")], True) if name.endswith("IfExists") else (name, False)
    if base not in OPERATORS or (if_exists and base == "Null"):
        raise CourseInputError(
            f"Condition operator {name!r} is not one the course's evaluator supports: use one of "
            f"{', '.join(OPERATORS)} (optionally with IfExists, e.g. BoolIfExists)."
        )
    return base, if_exists


def _key_holds(base: str, if_exists: bool, wanted: list, context: Mapping[str, Any], key: str) -> bool:
    present = key.lower() in context
    if base == "Null":  # "true" means: the key must be absent
        return any(_text(w).lower() == ("false" if present else "true") for w in wanted)
    if not present:
        return if_exists or base in _NEGATED
    actual = context[key.lower()]
    if base in _NEGATED:
        return not any(_POSITIVE[_NEGATED[base]](actual, w) for w in wanted)
    return any(_POSITIVE[base](actual, w) for w in wanted)


def condition_holds(condition: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool:
    """True if every operator and every key of a Condition block holds for the request CONTEXT."""
    lowered = {str(k).lower(): v for k, v in (context or {}).items()}
    for name, tests in condition.items():
        base, if_exists = _split_operator(name)
        for key, wanted in tests.items():
            values = wanted if type(wanted) is list else [wanted]
            if not _key_holds(base, if_exists, values, lowered, key):
                return False
    return True


# --- parsing and checking a policy --------------------------------------------------------------


def _where(index: int, statement: Mapping) -> str:
    sid = statement.get("Sid") if isinstance(statement, Mapping) else None
    return f"statement {index + 1}" + (f" ({sid})" if sid else "")


def _string_list(value: Any, element: str, where: str) -> list[str]:
    values = [value] if type(value) is str else value
    if type(values) is not list or not values or not all(type(v) is str and v for v in values):
        raise CourseInputError(f"{where}: {element} should be a string or a non-empty list of strings.")
    return list(values)


def _check_actions(actions: list[str], element: str, where: str) -> None:
    for action in actions:
        if action != "*" and not re.fullmatch(r"[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+", action):
            raise CourseInputError(
                f"{where}: {element} {action!r} should look like 'service:ActionName' "
                "(e.g. 's3:GetObject') or '*'."
            )


def _check_resources(resources: list[str], element: str, where: str) -> None:
    for resource in resources:
        if resource != "*" and len(resource.split(":", ARN_PARTS - 1)) != ARN_PARTS:
            hint = f" such as arn:aws:s3:::{resource}" if ":" not in resource else ""
            raise CourseInputError(
                f"{where}: {element} {resource!r} is not an ARN (arn:partition:service:region:account:"
                f"resource){hint}, nor '*'."
            )


def _check_condition(condition: Any, where: str) -> None:
    if type(condition) is not dict or not all(type(t) is dict and t for t in condition.values()):
        raise CourseInputError(f"{where}: Condition should map operators to {{key: value}} objects.")
    for name in condition:
        _split_operator(name)


def _statement(raw: Any, index: int) -> dict:
    where = _where(index, raw)
    if type(raw) is not dict:
        raise CourseInputError(f"{where} should be a JSON object, not {type(raw).__name__}.")
    if "Principal" in raw or "NotPrincipal" in raw:
        raise CourseInputError(
            f"{where}: an identity-based policy has no Principal: the user, group or role it is "
            "attached to is the principal. Principal belongs in resource-based policies (bucket "
            "policies, trust policies)."
        )
    unknown = sorted(set(raw) - STATEMENT_KEYS)
    if unknown:
        raise CourseInputError(
            f"{where}: unknown element(s) {unknown}; a statement may hold {sorted(STATEMENT_KEYS)}."
        )
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise CourseInputError(
            f"{where}: Effect must be exactly 'Allow' or 'Deny', not {raw.get('Effect')!r}."
        )
    if "Sid" in raw and (type(raw["Sid"]) is not str or not SID.match(raw["Sid"])):
        raise CourseInputError(f"{where}: a Sid may hold only letters and digits (no spaces or hyphens).")
    statement = {"Effect": raw["Effect"]} | ({"Sid": raw["Sid"]} if "Sid" in raw else {})
    for element, negated, check in (
        ("Action", "NotAction", _check_actions),
        ("Resource", "NotResource", _check_resources),
    ):
        if (element in raw) == (negated in raw):
            raise CourseInputError(f"{where}: give exactly one of {element} and {negated}.")
        name = element if element in raw else negated
        statement[name] = _string_list(raw[name], name, where)
        check(statement[name], name, where)
    if "Condition" in raw:
        _check_condition(raw["Condition"], where)
        statement["Condition"] = copy.deepcopy(raw["Condition"])
    return statement


def parse_policy(policy: Any) -> dict:
    """Check an identity-based policy (a dict or its JSON text); return it with every element as a list."""
    if type(policy) is str:
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError as e:
            raise CourseInputError(f"The policy is not valid JSON: {e}.") from e
    if type(policy) is not dict:
        raise CourseInputError(f"A policy should be a dict (or JSON text), not {type(policy).__name__}.")
    if "Statement" not in policy:
        hint = (
            " This looks like a single statement: wrap it as {'Version': '2012-10-17', 'Statement': [...]}."
            if "Effect" in policy
            else ""
        )
        raise CourseInputError(f"A policy needs a Statement element.{hint}")
    unknown = sorted(set(policy) - POLICY_KEYS)
    if unknown:
        raise CourseInputError(
            f"Unknown top-level element(s) {unknown}; a policy may hold {sorted(POLICY_KEYS)}."
        )
    version = policy.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise CourseInputError(
            f"Version {version!r} is not a policy language version: it is a fixed date, use '2012-10-17'."
        )
    raw = policy["Statement"]
    raw = [raw] if type(raw) is dict else raw
    if type(raw) is not list or not raw:
        raise CourseInputError("Statement should be one statement object or a non-empty list of them.")
    statements = [_statement(s, i) for i, s in enumerate(raw)]
    sids = [s["Sid"] for s in statements if s.get("Sid")]
    if len(sids) != len(set(sids)):
        raise CourseInputError(f"Each Sid must be unique within a policy: {sids}.")
    parsed = {"Version": version, "Statement": statements}
    return parsed | ({"Id": policy["Id"]} if "Id" in policy else {})


# --- evaluation ----------------------------------------------------------------------------------


def _check_request(action: Any, resource: Any) -> None:
    if type(action) is not str or not re.fullmatch(r"[A-Za-z0-9-]+:[A-Za-z0-9]+", action):
        raise CourseInputError(
            f"A request's action should be one 'service:ActionName' with no wildcard, not {action!r}."
        )
    if type(resource) is not str or not resource:
        raise CourseInputError(f"A request's resource should be an ARN (or '*'), not {resource!r}.")


def _applies(statement: dict, action: str, resource: str, context: Mapping[str, Any] | None) -> bool:
    if "Action" in statement:
        action_ok = any(action_matches(p, action) for p in statement["Action"])
    else:
        action_ok = not any(action_matches(p, action) for p in statement["NotAction"])
    if "Resource" in statement:
        resource_ok = any(resource_matches(p, resource) for p in statement["Resource"])
    else:
        resource_ok = not any(resource_matches(p, resource) for p in statement["NotResource"])
    return action_ok and resource_ok and condition_holds(statement.get("Condition", {}), context)


def statement_applies(
    statement: Mapping, action: str, resource: str, context: Mapping[str, Any] | None = None
) -> bool:
    """Does one statement (of either Effect) match the request's action, resource and condition context?"""
    _check_request(action, resource)
    return _applies(_statement(dict(statement), 0), action, resource, context)


def _policies(policies: Any) -> list[dict]:
    items = list(policies) if type(policies) in (list, tuple) else [policies]
    if not items:
        raise CourseInputError("Give at least one policy.")
    return [parse_policy(p) for p in items]


def _label(statement: dict) -> str:
    return f"statement {statement['Sid']!r}" if statement.get("Sid") else "a statement without Sid"


def evaluate(
    policies: Any, action: str, resource: str = "*", context: Mapping[str, Any] | None = None
) -> Decision:
    """Decide a request against one identity-based policy or a list of them (a user's own and its groups')."""
    _check_request(action, resource)
    statements = [s for p in _policies(policies) for s in p["Statement"]]
    applicable = [s for s in statements if _applies(s, action, resource, context)]
    request = f"{action} on {resource}"
    for statement in applicable:
        if statement["Effect"] == "Deny":
            return Decision(
                EXPLICIT_DENY, f"{_label(statement)} denies {request}; a Deny always wins", statement
            )
    for statement in applicable:
        return Decision(
            ALLOWED, f"{_label(statement)} allows {request} and no statement denies it", statement
        )
    return Decision(IMPLICIT_DENY, f"no statement allows {request}, so it is denied by default", None)


def evaluate_all(
    policies: Any, requests: Sequence[tuple[str, str]], context: Mapping[str, Any] | None = None
) -> list[Decision]:
    """Decide each (action, resource) request in REQUESTS; the policies are checked once."""
    parsed = _policies(policies)
    return [evaluate(parsed, action, resource, context) for action, resource in requests]

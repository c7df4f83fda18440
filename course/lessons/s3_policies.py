"""Who may do what in Amazon S3: a small evaluator of IAM policies, bucket policies and Block Public Access.

It follows AWS's rules for what the course teaches: Effect, Action, Resource and Principal with the
* and ? wildcards; an explicit Deny beats every Allow; with no Allow the answer is no (implicit deny);
inside one account an Allow in the identity policy OR the bucket policy is enough, across accounts
both must allow. It refuses Condition, NotAction, NotResource and NotPrincipal rather than guess.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from course.errors import CourseInputError

ANONYMOUS = "*"
VERSIONS = ("2012-10-17", "2008-10-17")
_ACCOUNT_ARN = re.compile(r"^arn:aws:(?:iam|sts)::(\d{12}):")
_ACCOUNT_ROOT = re.compile(r"^(?:arn:aws:iam::)?(\d{12})(?::root)?$")
_KNOWN_KEYS = {"Sid", "Effect", "Action", "Resource", "Principal"}
_UNSUPPORTED_KEYS = {"Condition", "NotAction", "NotResource", "NotPrincipal"}


@dataclass(frozen=True)
class Request:
    """One S3 request: who asks ('*' for anonymous, else an IAM user or role ARN), what, on what."""

    principal: str
    action: str
    resource: str


@dataclass(frozen=True)
class Decision:
    """Whether a request is allowed, and why in one sentence."""

    allowed: bool
    reason: str


def account_of(principal: str) -> str | None:
    """The 12-digit account of an IAM or STS principal ARN; None for an anonymous caller."""
    if principal == ANONYMOUS:
        return None
    match = _ACCOUNT_ARN.match(principal)
    if not match:
        raise CourseInputError(
            f"principal {principal!r} should be '*' (anonymous) or an ARN such as "
            "arn:aws:iam::111122223333:user/alice"
        )
    return match.group(1)


def _strings(value: object, what: str) -> list[str]:
    items = [value] if type(value) is str else value
    if type(items) is not list or not items or not all(type(v) is str for v in items):
        raise CourseInputError(f"{what} should be a string or a non-empty list of strings, not {value!r}")
    return items


def parse_policy(policy: dict | str, kind: str) -> list[dict]:
    """The statements of POLICY (a dict or its JSON text), checked; KIND is 'identity' or 'bucket'."""
    if kind not in ("identity", "bucket"):
        raise CourseInputError(f"kind is 'identity' or 'bucket', not {kind!r}")
    if type(policy) is str:
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError as e:
            raise CourseInputError(f"the policy is not valid JSON: {e}") from e
    if type(policy) is not dict or "Statement" not in policy:
        raise CourseInputError("a policy is a JSON object (a dict) with a 'Statement' list")
    if policy.get("Version", VERSIONS[0]) not in VERSIONS:
        raise CourseInputError(
            f"'Version' is the policy language date '2012-10-17', not {policy['Version']!r}"
        )
    statements = policy["Statement"]
    statements = [statements] if type(statements) is dict else statements
    if type(statements) is not list or not statements or not all(type(s) is dict for s in statements):
        raise CourseInputError("'Statement' should be a list of statement objects (dicts)")
    for s in statements:
        _check_statement(s, kind)
    return statements


def _check_statement(s: dict, kind: str) -> None:
    unsupported = sorted(_UNSUPPORTED_KEYS & s.keys())
    if unsupported:
        raise CourseInputError(
            f"this evaluator does not handle {unsupported}; write the statement without them"
        )
    unknown = sorted(s.keys() - _KNOWN_KEYS)
    if unknown:
        raise CourseInputError(f"unknown statement keys {unknown}; a statement has {sorted(_KNOWN_KEYS)}")
    if s.get("Effect") not in ("Allow", "Deny"):
        raise CourseInputError(f"'Effect' is 'Allow' or 'Deny' (with that capital), not {s.get('Effect')!r}")
    for key in ("Action", "Resource"):
        if key not in s:
            raise CourseInputError(f"every statement needs '{key}'")
    for action in _strings(s["Action"], "Action"):
        if action != "*" and ":" not in action:
            raise CourseInputError(f"an action looks like 's3:GetObject' (service:Operation), not {action!r}")
    for resource in _strings(s["Resource"], "Resource"):
        if resource != "*" and not resource.startswith("arn:"):
            raise CourseInputError(
                f"a resource is an ARN such as 'arn:aws:s3:::my-bucket/*', not {resource!r}"
            )
    if kind == "identity" and "Principal" in s:
        raise CourseInputError("an IAM (identity) policy has no 'Principal': it applies to whoever holds it")
    if kind == "bucket":
        principal = s.get("Principal")
        if principal != "*" and not (type(principal) is dict and principal):
            raise CourseInputError("a bucket policy statement needs 'Principal': '*' or {'AWS': ...}")


def _wildcard(pattern: str, value: str, ignore_case: bool) -> bool:
    """True if VALUE matches PATTERN, where * is any run of characters and ? any one character."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _principal_matches(principal: object, caller: str) -> bool:
    if principal == "*":
        return True
    if type(principal) is not dict or "AWS" not in principal:
        return False  # a service or federated principal is never an IAM user, a role or anonymous
    names = _strings(principal["AWS"], "Principal 'AWS'")
    for name in names:
        if name == "*":
            return True
        whole_account = _ACCOUNT_ROOT.match(name)
        if whole_account and caller != ANONYMOUS and account_of(caller) == whole_account.group(1):
            return True
        if name == caller:
            return True
    return False


def _statement_matches(s: dict, request: Request) -> bool:
    return (
        any(_wildcard(a, request.action, True) for a in _strings(s["Action"], "Action"))
        and any(_wildcard(r, request.resource, False) for r in _strings(s["Resource"], "Resource"))
        and ("Principal" not in s or _principal_matches(s["Principal"], request.principal))
    )


def effect(policy: dict | str, request: Request, kind: str) -> str | None:
    """'Deny' if a statement of POLICY denies REQUEST, else 'Allow' if one allows it, else None."""
    effects = {s["Effect"] for s in parse_policy(policy, kind) if _statement_matches(s, request)}
    return "Deny" if "Deny" in effects else ("Allow" if effects else None)


def is_public(bucket_policy: dict | str) -> bool:
    """True if the bucket policy allows something to everyone (Principal '*' or {'AWS': '*'})."""
    return any(
        s["Effect"] == "Allow" and _principal_matches(s["Principal"], ANONYMOUS)
        for s in parse_policy(bucket_policy, "bucket")
    )


def evaluate(
    request: Request,
    *,
    bucket_account: str,
    identity_policies: Sequence[dict | str] = (),
    bucket_policy: dict | str | None = None,
    block_public_access: bool = False,
) -> Decision:
    """Decide REQUEST on a bucket owned by BUCKET_ACCOUNT, from the caller's identity policies,
    the bucket policy and the bucket's Block Public Access (RestrictPublicBuckets) setting."""
    caller_account = account_of(request.principal)
    if caller_account is None and identity_policies:
        raise CourseInputError("an anonymous caller has no identity policies: pass identity_policies=()")
    same_account = caller_account == bucket_account
    identity = [effect(p, request, "identity") for p in identity_policies]
    bucket = effect(bucket_policy, request, "bucket") if bucket_policy is not None else None
    if "Deny" in identity or bucket == "Deny":
        return Decision(False, "an explicit Deny matches, and a Deny always wins")
    if block_public_access and bucket_policy is not None and is_public(bucket_policy) and not same_account:
        return Decision(
            False, "Block Public Access restricts a bucket with a public policy to its own account"
        )
    identity_allows, bucket_allows = "Allow" in identity, bucket == "Allow"
    if same_account and (identity_allows or bucket_allows):
        source = "identity policy" if identity_allows else "bucket policy"
        return Decision(True, f"same account: the {source} allows it")
    if not same_account and identity_allows and bucket_allows:
        return Decision(
            True, "cross-account: both the caller's identity policy and the bucket policy allow it"
        )
    if caller_account is None and bucket_allows:
        return Decision(True, "anonymous: the bucket policy allows it for everyone")
    if not same_account and (identity_allows or bucket_allows):
        missing = "bucket policy" if identity_allows else "caller's identity policy"
        return Decision(False, f"cross-account needs both sides to allow; the {missing} does not")
    return Decision(False, "implicit deny: no statement allows it")


def is_allowed(request: Request, **context: object) -> bool:
    """True if REQUEST is allowed; the keyword arguments are those of evaluate()."""
    return evaluate(request, **context).allowed

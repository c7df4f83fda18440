"""The IAM lab's view of the sandbox: which policies reach a user, and whether a call is let through.

`effective_policies` reads the sandbox the way AWS combines permissions for an IAM user: its own
inline and managed policies plus those of every group it belongs to. `is_allowed` makes a real
call and tells an AccessDenied answer apart from success (any other error is raised).
`sandbox_verdict` and `evaluator_verdict` put the sandbox's enforcement and AWS's documented rules
(the course's evaluator) side by side for one policy and one request.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from course.errors import CourseInputError
from course.lessons.iam_policy import evaluate

DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


def _managed_document(iam: Any, arn: str) -> dict:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]


def _policies_of(iam: Any, kind: str, name: str) -> dict[str, dict]:
    """Inline and attached managed policies of one user or group, keyed by where they come from."""
    key = {"user": "UserName", "group": "GroupName"}[kind]
    inline = getattr(iam, f"list_{kind}_policies")(**{key: name})["PolicyNames"]
    get_inline = getattr(iam, f"get_{kind}_policy")
    found = {
        f"{kind} {name}: inline {p}": get_inline(**{key: name}, PolicyName=p)["PolicyDocument"]
        for p in inline
    }
    for attached in getattr(iam, f"list_attached_{kind}_policies")(**{key: name})["AttachedPolicies"]:
        owner = "AWS managed" if attached["PolicyArn"].startswith("arn:aws:iam::aws:") else "customer managed"
        found[f"{kind} {name}: {owner} {attached['PolicyName']}"] = _managed_document(
            iam, attached["PolicyArn"]
        )
    return found


def effective_policies(iam: Any, user_name: str) -> dict[str, dict]:
    """Every identity-based policy that applies to USER_NAME: its own, then each of its groups'."""
    found = _policies_of(iam, "user", user_name)
    for group in iam.list_groups_for_user(UserName=user_name)["Groups"]:
        found |= _policies_of(iam, "group", group["GroupName"])
    return found


def is_allowed(call: Callable[..., Any], **params: Any) -> bool:
    """Make the call: True if it succeeds, False if AWS (or the sandbox) answers AccessDenied."""
    try:
        call(**params)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in DENIED_CODES:
            return False
        raise
    return True


def sandbox_verdict(iam: Any, user_name: str, policy: dict, call: Callable[..., Any], **params: Any) -> str:
    """Make POLICY the user's only inline policy, then try the call: allowed, denied or rejected."""
    for name in iam.list_user_policies(UserName=user_name)["PolicyNames"]:
        iam.delete_user_policy(UserName=user_name, PolicyName=name)
    try:
        iam.put_user_policy(UserName=user_name, PolicyName="under-test", PolicyDocument=json.dumps(policy))
    except ClientError as e:
        return f"policy rejected ({e.response['Error']['Code']})"
    return "allowed" if is_allowed(call, **params) else "denied"


def evaluator_verdict(
    policy: dict, action: str, resource: str, context: Mapping[str, Any] | None = None
) -> str:
    """What AWS's documented rules decide for the request: allowed, denied (and how), or policy rejected."""
    try:
        decision = evaluate(policy, action, resource, context)
    except CourseInputError:
        return "policy rejected (malformed)"
    return "allowed" if decision.allowed else f"denied ({decision.decision})"

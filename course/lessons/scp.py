"""Decide a request in an AWS Organizations member account: identity policies capped by SCPs.

Rules (AWS Organizations User Guide, "SCP evaluation" and "Service control policies"):
- an SCP never grants anything: the request also needs an Allow from an identity-based policy;
- every level on the account's path (the root, each OU down to the account, and the account itself)
  must have an attached SCP that allows the request; one level without an Allow denies it;
- an explicit Deny in any SCP at any level, or in an identity policy, wins over every Allow;
- SCPs do not affect the users and roles of the organization's management account.
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html

Each policy is read and matched by ``course.lessons.iam_policy`` (SCPs have used the full IAM policy
language since September 2025). Out of scope: resource-based policies, resource control policies
(RCPs), permissions boundaries, session policies and service-linked roles (which SCPs do not affect).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from course.errors import CourseInputError
from course.lessons import iam_policy
from course.lessons.iam_policy import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY

# The AWS managed SCP that Organizations attaches to the root, every OU and every account.
FULL_AWS_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
IDENTITY = "identity policy"
REGION_KEY = "aws:RequestedRegion"


@dataclass
class OrgDecision:
    """One request's outcome in an organization, the layer that decided it, and why."""

    decision: str
    reason: str
    layer: str | None = None
    layers: dict[str, str] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        """True only when an identity policy and every SCP level allow the request and nothing denies it."""
        return self.decision == ALLOWED

    def __str__(self) -> str:
        return f"{self.decision}: {self.reason}"


def _scp(policy: Any, where: str) -> dict:
    if type(policy) is str:
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError as e:
            raise CourseInputError(f"{where}: the SCP is not valid JSON: {e}.") from e
    if type(policy) is dict:
        raw = policy.get("Statement", [])
        for statement in raw if type(raw) is list else [raw]:
            if type(statement) is dict and ("Principal" in statement or "NotPrincipal" in statement):
                raise CourseInputError(
                    f"{where}: an SCP has no Principal. It applies to every IAM user and role (root user "
                    "included) of the accounts below the root, OU or account it is attached to."
                )
    try:
        return iam_policy.parse_policy(policy)
    except CourseInputError as e:
        raise CourseInputError(f"{where}: {e}") from e


def parse_levels(scp_levels: Any) -> dict[str, list[dict]]:
    """Check the SCPs of an account's path: {level name: SCP or list of SCPs}, from the root down."""
    if isinstance(scp_levels, Mapping):
        items = list(scp_levels.items())
    elif type(scp_levels) in (list, tuple):
        items = [(f"level {i + 1}", level) for i, level in enumerate(scp_levels)]
    else:
        raise CourseInputError(
            "Give the SCPs as {'root': [...], 'OU name': [...], 'account name': [...]}, from the root "
            f"down to the account, not {type(scp_levels).__name__}."
        )
    if not items:
        raise CourseInputError("Give at least one level (the root) with its SCPs.")
    levels = {}
    for name, policies in items:
        policies = list(policies) if type(policies) in (list, tuple) else [policies]
        if not policies:
            raise CourseInputError(
                f"{name!r} has no SCP attached. AWS always keeps at least one SCP on the root, every OU "
                "and every account (FullAWSAccess by default): attach one, e.g. scp.FULL_AWS_ACCESS."
            )
        levels[str(name)] = [_scp(p, f"SCP {i + 1} at {name!r}") for i, p in enumerate(policies)]
    return levels


def _identity(policies: Any) -> list[dict]:
    items = list(policies) if type(policies) in (list, tuple) else [policies]
    if not items:
        raise CourseInputError("Give at least one identity policy (the user's or role's permissions).")
    return [iam_policy.parse_policy(p) for p in items]


def evaluate(
    identity_policies: Any,
    scp_levels: Any,
    action: str,
    resource: str = "*",
    context: Mapping[str, Any] | None = None,
    *,
    management_account: bool = False,
) -> OrgDecision:
    """Decide ACTION on RESOURCE for an IAM user or role whose account sits under SCP_LEVELS."""
    identity = _identity(identity_policies)
    levels = parse_levels(scp_levels)
    verdicts = {IDENTITY: iam_policy.evaluate(identity, action, resource, context)}
    for name, policies in levels.items():
        verdicts[name] = iam_policy.evaluate(policies, action, resource, context)
    layers = {name: d.decision for name, d in verdicts.items()}
    request = f"{action} on {resource}"
    mine = verdicts[IDENTITY]
    if management_account:
        reason = f"management account: SCPs do not apply, so the identity policy decides ({mine.reason})"
        return OrgDecision(mine.decision, reason, IDENTITY if not mine.allowed else None, layers)
    for name in [*levels, IDENTITY]:
        if verdicts[name].decision == EXPLICIT_DENY:
            where = "the identity policy" if name == IDENTITY else f"an SCP at {name!r}"
            return OrgDecision(
                EXPLICIT_DENY, f"{where} denies {request}; an explicit Deny always wins", name, layers
            )
    for name in levels:
        if not verdicts[name].allowed:
            reason = (
                f"no SCP at {name!r} allows {request}: every level from the root down to the account "
                "must allow it"
            )
            return OrgDecision(IMPLICIT_DENY, reason, name, layers)
    if not mine.allowed:
        reason = f"the SCPs permit {request}, but no identity policy allows it: an SCP never grants"
        return OrgDecision(IMPLICIT_DENY, reason, IDENTITY, layers)
    return OrgDecision(
        ALLOWED,
        f"an identity policy and every SCP level allow {request}, and nothing denies it",
        None,
        layers,
    )


def _request(item: Any) -> tuple[str, str, dict | None]:
    if type(item) is str:
        return item, "*", None
    if type(item) in (list, tuple) and 1 <= len(item) <= 3:
        resource = item[1] if len(item) > 1 else "*"
        return item[0], resource, item[2] if len(item) > 2 else None
    raise CourseInputError(f"A request is 'service:Action' or (action, resource[, context]), not {item!r}.")


def in_region(action: str, region: str, resource: str = "*") -> tuple[str, str, dict]:
    """A request for ACTION sent to REGION (the condition key aws:RequestedRegion)."""
    return action, resource, {REGION_KEY: region}


def layer_table(
    identity_policies: Any, scp_levels: Any, requests: Sequence[Any], *, management_account: bool = False
) -> pd.DataFrame:
    """One row per request: each layer's own verdict, the final decision, and the layer that decided."""
    identity, levels = _identity(identity_policies), parse_levels(scp_levels)
    rows = {}
    for item in requests:
        action, resource, context = _request(item)
        decision = evaluate(
            identity, levels, action, resource, context, management_account=management_account
        )
        label = action + (f" in {context[REGION_KEY]}" if context and REGION_KEY in context else "")
        label += f" on {resource}" if resource != "*" else ""
        rows[label] = {**decision.layers, "final": decision.decision, "decided by": decision.layer or "-"}
    columns = [*levels, IDENTITY, "final", "decided by"]
    return pd.DataFrame.from_dict(rows, orient="index")[columns]


# --- reading an organization (real or sandbox) ------------------------------------------------


def _attached(org: Any, target_id: str) -> list[dict]:
    summaries = org.list_policies_for_target(TargetId=target_id, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    return [json.loads(org.describe_policy(PolicyId=s["Id"])["Policy"]["Content"]) for s in summaries]


def levels_from_organizations(org: Any, account_id: str) -> dict[str, list[dict]]:
    """The SCPs attached on an account's path, from the root down to the account, read with an
    ``organizations`` client: {"root": [...], "OU <name>": [...], "account <name>": [...]}."""
    account = org.describe_account(AccountId=account_id)["Account"]
    path = [(f"account {account['Name']}", account_id)]
    child = account_id
    while True:
        parent = org.list_parents(ChildId=child)["Parents"][0]
        if parent["Type"] == "ROOT":
            path.append(("root", parent["Id"]))
            break
        unit = org.describe_organizational_unit(OrganizationalUnitId=parent["Id"])["OrganizationalUnit"]
        path.append((f"OU {unit['Name']}", parent["Id"]))
        child = parent["Id"]
    return {name: _attached(org, target) for name, target in reversed(path)}


def is_management_account(org: Any, account_id: str) -> bool:
    """Is ACCOUNT_ID the organization's management account (which SCPs do not affect)?"""
    return org.describe_organization()["Organization"]["MasterAccountId"] == account_id

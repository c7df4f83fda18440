"""Sandbox helpers for the security labs of section 13: an organization root, an OU found or created
by name, an SCP found by name, and a stand-in rotation function for Secrets Manager.

AWS refuses a second OU of the same name under one parent and a second SCP of the same name; the
sandbox (moto) accepts duplicate OUs, so the labs look names up first to stay re-runnable.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from course.aws.sandbox import client as sandbox_client
from course.aws.sandbox import get_sandbox
from course.errors import CourseInputError
from course.lessons.lambda_setup import trust_policy, zip_package

ROTATOR = "clf-lab-13-rotator"
# What a real rotation function does in four steps (createSecret, setSecret, testSecret,
# finishSecret); this stand-in only answers, since the sandbox runs no function code.
ROTATOR_SOURCE = '''def handler(event, context):
    """Stand-in rotation function: real ones create, set, test and finish a new secret version."""
    return {"step": event.get("Step"), "secret": event.get("SecretId")}
'''


def organization_root(org: Any) -> str:
    """The root ID of the organization, creating the organization (all features) if there is none."""
    try:
        org.create_organization(FeatureSet="ALL")
    except org.exceptions.AlreadyInOrganizationException:
        pass
    return org.list_roots()["Roots"][0]["Id"]


def child_ou(org: Any, parent_id: str, name: str) -> str:
    """The ID of the OU called NAME directly under PARENT_ID, created if it does not exist."""
    for page in org.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent_id):
        for unit in page["OrganizationalUnits"]:
            if unit["Name"] == name:
                return unit["Id"]
    return org.create_organizational_unit(ParentId=parent_id, Name=name)["OrganizationalUnit"]["Id"]


def find_policy(org: Any, name: str) -> str | None:
    """The ID of the service control policy called NAME, or None."""
    for page in org.get_paginator("list_policies").paginate(Filter="SERVICE_CONTROL_POLICY"):
        for summary in page["Policies"]:
            if summary["Name"] == name:
                return summary["Id"]
    return None


def _lambda_without_docker(endpoint: str) -> None:
    """Tell moto to answer Lambda invocations without Docker (it echoes the payload)."""
    body = json.dumps({"lambda": {"use_docker": False}}).encode()
    request = urllib.request.Request(
        f"{endpoint}/moto-api/config", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30).close()


def rotation_function(name: str = ROTATOR) -> str:
    """The ARN of a rotation function for the Secrets Manager lab, created in the sandbox if needed.

    In the sandbox the function's code never runs: moto only answers the invocation. In real AWS
    create the function from a Secrets Manager rotation template instead; this helper then only
    looks it up.
    """
    sandbox = get_sandbox()
    functions = sandbox_client("lambda")
    try:
        return functions.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except functions.exceptions.ResourceNotFoundException:
        if sandbox.mode != "moto":
            raise CourseInputError(
                f"No Lambda function {name!r} in your AWS account. Deploy a rotation function from a "
                "Secrets Manager rotation template first (Secrets Manager console, Rotation)."
            ) from None
    _lambda_without_docker(sandbox.endpoint_url)
    iam = sandbox_client("iam")
    role_name = f"{name}-role"
    try:
        role = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust_policy())["Role"]["Arn"]
    return functions.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="lambda_function.handler",
        Code={"ZipFile": zip_package(ROTATOR_SOURCE)},
        Description="Stand-in Secrets Manager rotation function (course lab 13)",
    )["FunctionArn"]

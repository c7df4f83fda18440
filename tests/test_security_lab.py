"""Section 13's sandbox helpers: idempotent organization pieces and the stand-in rotation function."""

import json

import pytest

from course.aws import sandbox
from course.lessons import security_lab


@pytest.fixture()
def box(monkeypatch):
    with sandbox.Sandbox(isolated=True) as box:
        monkeypatch.setattr(sandbox, "_default", box)
        yield box


def test_organization_pieces_are_found_again(box):
    org = box.client("organizations")
    root = security_lab.organization_root(org)
    assert security_lab.organization_root(org) == root
    ou = security_lab.child_ou(org, root, "prod")
    assert security_lab.child_ou(org, root, "prod") == ou
    assert len(org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]) == 1
    assert security_lab.find_policy(org, "FullAWSAccess") == "p-FullAWSAccess"
    assert security_lab.find_policy(org, "nothing") is None


def test_rotation_function_configures_rotation(box):
    arn = security_lab.rotation_function()
    assert arn == security_lab.rotation_function()
    sm = box.client("secretsmanager")
    sm.create_secret(Name="s", SecretString=json.dumps({"password": "x"}))
    sm.rotate_secret(
        SecretId="s",
        RotationLambdaARN=arn,
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=False,
    )
    described = sm.describe_secret(SecretId="s")
    assert described["RotationEnabled"] and described["RotationLambdaARN"] == arn
    assert json.loads(sm.get_secret_value(SecretId="s")["SecretString"]) == {"password": "x"}

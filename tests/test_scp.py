"""The SCP evaluator: identity policies capped by every SCP level, Deny wins, management account exempt."""

import json

import pytest

from course.errors import CourseInputError
from course.lessons import scp

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
S3_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
DENY_EC2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}
ALLOW_S3_SQS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sqs:*"], "Resource": "*"}],
}
EU_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Deny",
            "NotAction": "iam:*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
        }
    ],
}


def path(ou=(), account=(scp.FULL_AWS_ACCESS,)):
    return {"root": [scp.FULL_AWS_ACCESS], "OU": [scp.FULL_AWS_ACCESS, *ou], "account": list(account)}


def test_full_access_everywhere_leaves_the_identity_policy_in_charge():
    assert scp.evaluate(S3_ONLY, path(), "s3:GetObject").allowed
    decision = scp.evaluate(S3_ONLY, path(), "ec2:RunInstances")
    assert decision.decision == "implicitDeny" and decision.layer == scp.IDENTITY
    assert "never grants" in decision.reason


def test_an_scp_deny_caps_an_administrator():
    decision = scp.evaluate(ADMIN, path(ou=[DENY_EC2]), "ec2:RunInstances")
    assert decision.decision == "explicitDeny" and decision.layer == "OU"


def test_every_level_must_allow():
    decision = scp.evaluate(ADMIN, path(account=[ALLOW_S3_SQS]), "dynamodb:PutItem")
    assert decision.decision == "implicitDeny" and decision.layer == "account"
    assert scp.evaluate(ADMIN, path(account=[ALLOW_S3_SQS]), "sqs:SendMessage").allowed


def test_an_scp_alone_grants_nothing():
    assert not scp.evaluate(S3_ONLY, path(account=[ALLOW_S3_SQS]), "sqs:SendMessage").allowed


def test_an_identity_deny_wins_too():
    identity = [ADMIN, DENY_EC2]
    decision = scp.evaluate(identity, path(), "ec2:StopInstances")
    assert decision.decision == "explicitDeny" and decision.layer == scp.IDENTITY


def test_management_account_is_not_affected():
    assert scp.evaluate(ADMIN, path(ou=[DENY_EC2]), "ec2:RunInstances", management_account=True).allowed
    assert not scp.evaluate(S3_ONLY, path(), "ec2:RunInstances", management_account=True).allowed


def test_region_condition_and_notaction():
    levels = path(ou=[EU_ONLY])
    assert scp.evaluate(ADMIN, levels, *scp.in_region("s3:GetObject", "eu-west-1")).allowed
    assert not scp.evaluate(ADMIN, levels, *scp.in_region("s3:GetObject", "us-east-1")).allowed
    assert scp.evaluate(ADMIN, levels, *scp.in_region("iam:CreateUser", "us-east-1")).allowed


def test_levels_as_list_and_json_text():
    levels = [[json.dumps(scp.FULL_AWS_ACCESS)], [scp.FULL_AWS_ACCESS, json.dumps(DENY_EC2)]]
    decision = scp.evaluate(ADMIN, levels, "ec2:RunInstances")
    assert decision.layer == "level 2" and not decision.allowed


@pytest.mark.parametrize(
    "levels, message",
    [
        ({"root": []}, "no SCP attached"),
        ({}, "at least one level"),
        ("root", "from the root"),
        (
            {
                "root": [
                    json.dumps(
                        {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}
                    )
                ]
            },
            "no Principal",
        ),
        ({"root": ["{not json"]}, "not valid JSON"),
    ],
)
def test_bad_levels_are_explained(levels, message):
    with pytest.raises(CourseInputError, match=message):
        scp.evaluate(ADMIN, levels, "s3:GetObject")


def test_layer_table_has_one_column_per_layer():
    table = scp.layer_table(
        S3_ONLY, path(ou=[DENY_EC2]), ["s3:GetObject", scp.in_region("ec2:RunInstances", "eu-west-1")]
    )
    assert list(table.columns) == ["root", "OU", "account", scp.IDENTITY, "final", "decided by"]
    assert table.loc["s3:GetObject", "final"] == "allowed"
    assert table.loc["ec2:RunInstances in eu-west-1", "decided by"] == "OU"


def test_levels_from_the_sandbox_organization():
    from course.aws.sandbox import Sandbox

    with Sandbox(isolated=True) as box:
        org = box.client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        ou = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
        account = org.create_account(AccountName="app", Email="app@example.com")["CreateAccountStatus"][
            "AccountId"
        ]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ou)
        policy = org.create_policy(
            Name="no-ec2", Description="d", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(DENY_EC2)
        )["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=policy, TargetId=ou)
        levels = scp.levels_from_organizations(org, account)
        assert list(levels) == ["root", "OU prod", "account app"]
        assert not scp.evaluate(ADMIN, levels, "ec2:RunInstances").allowed
        assert scp.evaluate(ADMIN, levels, "s3:GetObject").allowed
        management = org.describe_organization()["Organization"]["MasterAccountId"]
        assert scp.is_management_account(org, management) and not scp.is_management_account(org, account)

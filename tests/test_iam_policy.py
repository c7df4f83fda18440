"""The course's IAM evaluator against AWS's documented rules (IAM User Guide, policy reference pages)."""

import json

import pytest

from course.errors import CourseInputError
from course.lessons.iam_policy import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    action_matches,
    condition_holds,
    evaluate,
    evaluate_all,
    parse_policy,
    resource_matches,
    statement_applies,
    wildcard_match,
)


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# "The difference between explicit and implicit denies": AllowGetList and DenyReports.
GET_LIST_NO_REPORTS = policy(
    {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
)


def test_documented_explicit_and_implicit_denies():
    got = evaluate(GET_LIST_NO_REPORTS, "iam:GetOrganizationsAccessReport")
    assert got.decision == EXPLICIT_DENY and got.statement["Sid"] == "DenyReports" and not got.allowed
    create = evaluate(GET_LIST_NO_REPORTS, "iam:CreatePolicy")
    assert create.decision == IMPLICIT_DENY and create.statement is None
    user = evaluate(GET_LIST_NO_REPORTS, "iam:GetUser")
    assert user.allowed and user.statement["Sid"] == "AllowGetList" and "AllowGetList" in user.reason


def test_an_allow_in_another_policy_cannot_beat_a_deny():
    extra = policy(allow("iam:GenerateCredentialReport"))
    assert evaluate([extra, GET_LIST_NO_REPORTS], "iam:GenerateCredentialReport").decision == EXPLICIT_DENY
    assert evaluate([extra], "iam:GenerateCredentialReport").decision == ALLOWED


def test_nothing_attached_means_implicit_deny():
    assert (
        evaluate(
            policy(allow("s3:GetObject", "arn:aws:s3:::a/*")), "s3:PutObject", "arn:aws:s3:::a/k"
        ).decision
        == IMPLICIT_DENY
    )


def test_action_prefix_and_name_are_case_insensitive():
    # "iam:ListAccessKeys is the same as IAM:listaccesskeys"
    assert evaluate(policy(allow("IAM:listaccesskeys")), "iam:ListAccessKeys").allowed
    assert action_matches("s3:get*", "S3:GetObject")


def test_action_wildcards_from_the_action_reference():
    for action in ("iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"):
        assert action_matches("iam:*AccessKey*", action)
    assert not action_matches("iam:*AccessKey*", "iam:CreateUser")
    assert action_matches("*", "ec2:RunInstances") and action_matches("s3:*", "s3:ListBucket")
    assert action_matches("s3:Get?bject", "s3:GetObject") and not action_matches(
        "s3:Get?bject", "s3:GetObjectAcl"
    )


def test_resources_are_case_sensitive():
    assert resource_matches("arn:aws:s3:::reports/*", "arn:aws:s3:::reports/q1.csv")
    assert not resource_matches("arn:aws:s3:::Reports/*", "arn:aws:s3:::reports/q1.csv")


def test_resource_wildcards_star_and_question_mark():
    assert resource_matches(
        "arn:aws:s3:::my_corporate_bucket/*", "arn:aws:s3:::my_corporate_bucket/a/b/c.txt"
    )
    assert not resource_matches("arn:aws:s3:::my_corporate_bucket/*", "arn:aws:s3:::my_corporate_bucket")
    assert resource_matches("arn:aws:s3:::logs-202?/*", "arn:aws:s3:::logs-2026/x")
    assert not resource_matches("arn:aws:s3:::logs-202?/*", "arn:aws:s3:::logs-20261/x")
    assert resource_matches(
        "arn:aws:iam::*:user/accounting/*", "arn:aws:iam::123456789012:user/accounting/ana"
    )
    assert resource_matches("*", "arn:aws:ec2:us-east-1:123456789012:instance/i-1")


def test_special_characters_are_literal():
    assert wildcard_match("a.b", "a.b") and not wildcard_match("a.b", "axb")
    assert not wildcard_match("a+", "aa")


def test_wildcards_stay_inside_one_arn_segment():
    assert not resource_matches("arn:aws:s3:::*", "arn:aws:dynamodb:us-east-1:123456789012:table/t")
    assert resource_matches("arn:aws:dynamodb:*:*:table/*", "arn:aws:dynamodb:eu-west-3:123456789012:table/t")
    assert not resource_matches("arn:aws:s3:::*", "*")


def test_not_action_allows_everything_else():
    everything_but_iam = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert evaluate(everything_but_iam, "s3:DeleteBucket", "arn:aws:s3:::b").allowed
    assert evaluate(everything_but_iam, "iam:CreateUser").decision == IMPLICIT_DENY


def test_not_resource_deny_from_the_user_guide():
    # HRPayroll: deny every S3 resource except the Payroll folder; the policy grants nothing by itself.
    hr = policy(
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
        }
    )
    assert evaluate(hr, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv").decision == IMPLICIT_DENY
    assert evaluate(hr, "s3:GetObject", "arn:aws:s3:::HRBucket/Other/x").decision == EXPLICIT_DENY
    with_allow = [hr, policy(allow("s3:*"))]
    assert evaluate(with_allow, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv").allowed
    assert evaluate(with_allow, "s3:GetObject", "arn:aws:s3:::OtherBucket/x").decision == EXPLICIT_DENY


def test_conditions_absent_key_false_for_positive_true_for_negated():
    assert not condition_holds({"StringEquals": {"aws:PrincipalTag/job": "admin"}}, {})
    assert condition_holds({"StringNotEquals": {"aws:PrincipalTag/job": "admin"}}, {})
    assert condition_holds({"StringEqualsIfExists": {"aws:PrincipalTag/job": "admin"}}, {})
    assert condition_holds({"Null": {"aws:PrincipalTag/job": "true"}}, {})
    assert not condition_holds({"Null": {"aws:PrincipalTag/job": "true"}}, {"aws:PrincipalTag/job": "x"})


def test_condition_values_or_keys_and_operators_and():
    cond = {
        "StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-3"], "aws:PrincipalTag/team": "data"}
    }
    assert condition_holds(cond, {"aws:RequestedRegion": "eu-west-3", "aws:PrincipalTag/team": "data"})
    assert not condition_holds(cond, {"aws:RequestedRegion": "us-east-1", "aws:PrincipalTag/team": "data"})
    assert not condition_holds(cond, {"aws:RequestedRegion": "eu-west-1"})
    negated = {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-3"]}}
    assert condition_holds(negated, {"aws:RequestedRegion": "us-east-1"})
    assert not condition_holds(negated, {"aws:RequestedRegion": "eu-west-1"})


def test_condition_keys_are_case_insensitive_values_case_sensitive():
    assert condition_holds(
        {"StringEquals": {"AWS:RequestedRegion": "eu-west-3"}}, {"aws:requestedregion": "eu-west-3"}
    )
    assert not condition_holds({"StringEquals": {"aws:username": "Ana"}}, {"aws:username": "ana"})
    assert condition_holds({"StringEqualsIgnoreCase": {"aws:username": "Ana"}}, {"aws:username": "ana"})
    assert condition_holds({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/ana/"})


def test_ip_numeric_and_bool_conditions():
    assert condition_holds({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.9"})
    assert not condition_holds(
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.1"}
    )
    assert condition_holds(
        {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.1"}
    )
    assert condition_holds(
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:MultiFactorAuthAge": 60}
    )
    assert condition_holds({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": True})
    assert condition_holds({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"})


def test_deny_without_mfa():
    mfa = policy(
        allow("ec2:*"),
        {
            "Sid": "NoMFA",
            **deny("ec2:TerminateInstances"),
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    )
    arn = "arn:aws:ec2:us-east-1:123456789012:instance/i-1"
    assert evaluate(mfa, "ec2:TerminateInstances", arn).decision == EXPLICIT_DENY
    assert (
        evaluate(mfa, "ec2:TerminateInstances", arn, {"aws:MultiFactorAuthPresent": False}).decision
        == EXPLICIT_DENY
    )
    assert evaluate(mfa, "ec2:TerminateInstances", arn, {"aws:MultiFactorAuthPresent": True}).allowed
    assert evaluate(mfa, "ec2:DescribeInstances").allowed


def test_an_allow_whose_condition_fails_does_not_apply():
    only_with_mfa = policy(allow("s3:GetObject", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    assert evaluate(only_with_mfa, "s3:GetObject", "arn:aws:s3:::b/k").decision == IMPLICIT_DENY


def test_parse_accepts_json_text_and_single_statement_objects():
    text = json.dumps({"Version": "2012-10-17", "Id": "p1", "Statement": allow("s3:ListAllMyBuckets")})
    parsed = parse_policy(text)
    assert parsed["Statement"] == [{"Effect": "Allow", "Action": ["s3:ListAllMyBuckets"], "Resource": ["*"]}]
    assert parsed["Id"] == "p1"


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (policy({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}), "Principal"),
        (policy({"Effect": "allow", "Action": "s3:*", "Resource": "*"}), "Effect"),
        (policy({"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}), "exactly one"),
        (policy({"Effect": "Allow", "Action": "s3:*"}), "exactly one"),
        (policy(allow("s3:*", "my-bucket")), "arn:aws:s3:::my-bucket"),
        (policy(allow("s3:*", "arn:aws:*")), "not an ARN"),
        (policy(allow("GetObject")), "service:ActionName"),
        (policy(allow("s3:*", Sid="read-reports")), "Sid"),
        (policy(allow("s3:*", Sid="A"), allow("ec2:*", Sid="A")), "unique"),
        (
            policy(allow("s3:*", Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01"}})),
            "DateLessThan",
        ),
        (policy(allow("s3:*", Actions="s3:*")), "unknown element"),
        ({"Version": "2026-11-26", "Statement": [allow("s3:*")]}, "fixed date"),
        ({"Version": "2012-10-17", "Statement": []}, "non-empty"),
        (allow("s3:*"), "single statement"),
        ("{not json", "not valid JSON"),
        ([allow("s3:*")], "should be a dict"),
    ],
)
def test_parse_explains_malformed_policies(bad, words):
    with pytest.raises(CourseInputError, match=words):
        parse_policy(bad)


def test_requests_must_be_concrete():
    with pytest.raises(CourseInputError, match="no wildcard"):
        evaluate(policy(allow("s3:*")), "s3:Get*", "*")
    with pytest.raises(CourseInputError, match="at least one"):
        evaluate([], "s3:GetObject")


def test_statement_applies_ignores_effect():
    assert statement_applies(deny("s3:Delete*", "arn:aws:s3:::b/*"), "s3:DeleteObject", "arn:aws:s3:::b/k")
    assert not statement_applies(deny("s3:Delete*", "arn:aws:s3:::b/*"), "s3:DeleteBucket", "arn:aws:s3:::b")


def test_evaluate_all_keeps_order():
    requests = [("s3:GetObject", "arn:aws:s3:::b/k"), ("s3:PutObject", "arn:aws:s3:::b/k")]
    got = evaluate_all(policy(allow("s3:GetObject", "arn:aws:s3:::b/*")), requests)
    assert [d.decision for d in got] == [ALLOWED, IMPLICIT_DENY]
    assert str(got[0]).startswith("allowed: ")

"""The S3 access evaluator: wildcards, explicit deny, cross-account, anonymous, Block Public Access."""

import json

import pytest

from course.errors import CourseInputError
from course.lessons.s3_policies import ANONYMOUS, Request, account_of, effect, evaluate, is_allowed, is_public

OWNER, OTHER = "111122223333", "444455556666"
ALICE = f"arn:aws:iam::{OWNER}:user/alice"
BOB = f"arn:aws:iam::{OTHER}:user/bob"
ROLE = f"arn:aws:iam::{OWNER}:role/web-server"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}
    ],
}
REPORTS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": "arn:aws:s3:::data/reports/*",
        }
    ],
}


def req(who: str, action: str, resource: str) -> Request:
    return Request(who, action, resource)


def test_public_read_lets_anyone_read_objects_only():
    ctx = {"bucket_account": OWNER, "bucket_policy": PUBLIC_READ}
    assert is_allowed(req(ANONYMOUS, "s3:GetObject", "arn:aws:s3:::site/index.html"), **ctx)
    assert not is_allowed(req(ANONYMOUS, "s3:PutObject", "arn:aws:s3:::site/index.html"), **ctx)
    assert not is_allowed(req(ANONYMOUS, "s3:ListBucket", "arn:aws:s3:::site"), **ctx)
    assert not is_allowed(req(ANONYMOUS, "s3:GetObject", "arn:aws:s3:::other/index.html"), **ctx)
    assert is_public(PUBLIC_READ) and is_public(json.dumps(PUBLIC_READ))


def test_identity_policy_for_one_prefix():
    ctx = {"bucket_account": OWNER, "identity_policies": [REPORTS]}
    assert is_allowed(req(ALICE, "s3:PutObject", "arn:aws:s3:::data/reports/2026/q1.csv"), **ctx)
    assert is_allowed(req(ALICE, "s3:getobject", "arn:aws:s3:::data/reports/a"), **ctx)  # actions ignore case
    assert not is_allowed(req(ALICE, "s3:GetObject", "arn:aws:s3:::data/reports-old/a"), **ctx)
    assert not is_allowed(req(ALICE, "s3:GetObject", "arn:aws:s3:::data/Reports/a"), **ctx)  # ARNs do not
    assert not is_allowed(req(ALICE, "s3:DeleteObject", "arn:aws:s3:::data/reports/a"), **ctx)


def test_nothing_allows_means_implicit_deny():
    decision = evaluate(req(ALICE, "s3:GetObject", "arn:aws:s3:::data/x"), bucket_account=OWNER)
    assert not decision.allowed and "implicit" in decision.reason


def test_explicit_deny_wins():
    deny = {
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::data/*"}
        ]
    }
    decision = evaluate(
        req(ALICE, "s3:GetObject", "arn:aws:s3:::data/reports/a"),
        bucket_account=OWNER,
        identity_policies=[REPORTS],
        bucket_policy=deny,
    )
    assert not decision.allowed and "Deny" in decision.reason


def test_instance_role_uses_its_identity_policy():
    assert is_allowed(
        req(ROLE, "s3:GetObject", "arn:aws:s3:::data/reports/a"),
        bucket_account=OWNER,
        identity_policies=[REPORTS],
    )


def test_cross_account_needs_both_sides():
    grant = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::data/reports/*",
            }
        ]
    }
    r = req(BOB, "s3:GetObject", "arn:aws:s3:::data/reports/a")
    assert not is_allowed(r, bucket_account=OWNER, bucket_policy=grant)
    assert not is_allowed(r, bucket_account=OWNER, identity_policies=[REPORTS])
    assert is_allowed(r, bucket_account=OWNER, identity_policies=[REPORTS], bucket_policy=grant)
    assert "bucket policy" in evaluate(r, bucket_account=OWNER, identity_policies=[REPORTS]).reason


def test_principal_by_account_id_or_exact_arn():
    by_id = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": OTHER},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::data/*",
            }
        ]
    }
    by_arn = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [BOB]},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::data/*",
            }
        ]
    }
    r = req(BOB, "s3:GetObject", "arn:aws:s3:::data/a")
    assert effect(by_id, r, "bucket") == "Allow" and effect(by_arn, r, "bucket") == "Allow"
    carol = req(f"arn:aws:iam::{OTHER}:user/carol", "s3:GetObject", "arn:aws:s3:::data/a")
    assert effect(by_arn, carol, "bucket") is None
    assert effect(by_id, req(ANONYMOUS, "s3:GetObject", "arn:aws:s3:::data/a"), "bucket") is None


def test_service_principal_matches_no_user():
    svc = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::data/*",
            }
        ]
    }
    assert effect(svc, req(ALICE, "s3:PutObject", "arn:aws:s3:::data/a"), "bucket") is None
    assert not is_public(svc)


def test_block_public_access_stops_anonymous_and_other_accounts():
    r = req(ANONYMOUS, "s3:GetObject", "arn:aws:s3:::site/index.html")
    decision = evaluate(r, bucket_account=OWNER, bucket_policy=PUBLIC_READ, block_public_access=True)
    assert not decision.allowed and "Block Public Access" in decision.reason
    same = req(ALICE, "s3:GetObject", "arn:aws:s3:::site/index.html")
    assert is_allowed(same, bucket_account=OWNER, bucket_policy=PUBLIC_READ, block_public_access=True)


def test_wildcards_star_and_question_mark():
    pol = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::data/log-2026-0?.txt"}
        ]
    }
    assert (
        effect(pol, req(ALICE, "s3:GetObjectVersion", "arn:aws:s3:::data/log-2026-01.txt"), "identity")
        == "Allow"
    )
    assert effect(pol, req(ALICE, "s3:GetObject", "arn:aws:s3:::data/log-2026-09.txt"), "identity") == "Allow"
    assert effect(pol, req(ALICE, "s3:GetObject", "arn:aws:s3:::data/log-2026-10.txt"), "identity") is None
    assert effect(pol, req(ALICE, "s3:PutObject", "arn:aws:s3:::data/log-2026-01.txt"), "identity") is None


@pytest.mark.parametrize(
    ("policy", "kind", "words"),
    [
        ("{not json", "bucket", "not valid JSON"),
        ({"Version": "2012-10-17"}, "bucket", "'Statement'"),
        ({"Version": "2024-01-01", "Statement": []}, "bucket", "2012-10-17"),
        ({"Statement": []}, "bucket", "list of statement"),
        (
            {"Statement": [{"Effect": "allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]},
            "bucket",
            "capital",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
            "bucket",
            "needs 'Principal'",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]},
            "identity",
            "no 'Principal'",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]},
            "identity",
            "service:Operation",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "my-bucket/*"}]},
            "identity",
            "ARN",
        ),
        ({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}, "identity", "needs 'Resource'"),
        ({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}, "identity", "non-empty list"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {}}]},
            "identity",
            "does not handle",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Actions": "s3:*", "Resource": "*"}]},
            "identity",
            "unknown statement",
        ),
    ],
)
def test_malformed_policies_are_explained(policy, kind, words):
    with pytest.raises(CourseInputError, match=words):
        effect(policy, req(ALICE, "s3:GetObject", "arn:aws:s3:::b/k"), kind)


def test_bad_principals_and_anonymous_identity_policies():
    with pytest.raises(CourseInputError, match="arn:aws:iam"):
        account_of("alice")
    assert account_of(f"arn:aws:sts::{OWNER}:assumed-role/web-server/i-0abc") == OWNER
    with pytest.raises(CourseInputError, match="anonymous"):
        evaluate(
            req(ANONYMOUS, "s3:GetObject", "arn:aws:s3:::b/k"),
            bucket_account=OWNER,
            identity_policies=[REPORTS],
        )

"""The IAM lab helpers against an IAM-enforced isolated sandbox, and the decision figure."""

import json

import matplotlib
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from course.aws.sandbox import Sandbox
from course.lessons.iam_figures import decision_map
from course.lessons.iam_lab import effective_policies, evaluator_verdict, is_allowed, sandbox_verdict
from course.lessons.iam_policy import evaluate

matplotlib.use("Agg")

READ_A = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-a/*"}],
}
LIST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
}


@pytest.fixture(scope="module")
def lab():
    with Sandbox(isolated=True, iam_enforced=True) as sandbox:
        iam, s3 = sandbox.client("iam"), sandbox.client("s3")
        for bucket in ("bucket-a", "bucket-b"):
            s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        iam.create_user(UserName="u")
        iam.put_user_policy(UserName="u", PolicyName="list", PolicyDocument=json.dumps(LIST))
        arn = iam.create_policy(PolicyName="read-a", PolicyDocument=json.dumps(READ_A))["Policy"]["Arn"]
        iam.create_group(GroupName="readers")
        iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
        iam.add_user_to_group(GroupName="readers", UserName="u")
        key = iam.create_access_key(UserName="u")["AccessKey"]
        user_s3 = sandbox.client("s3", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
        yield iam, user_s3, sandbox


def test_effective_policies_are_the_users_and_its_groups(lab):
    iam, _, _ = lab
    found = effective_policies(iam, "u")
    assert found == {"user u: inline list": LIST, "group readers: customer managed read-a": READ_A}
    assert evaluate(list(found.values()), "s3:GetObject", "arn:aws:s3:::bucket-a/k").allowed


def test_is_allowed_tells_access_denied_from_success(lab):
    _, s3, _ = lab
    assert is_allowed(s3.list_buckets)
    assert is_allowed(s3.get_object, Bucket="bucket-a", Key="k")
    assert not is_allowed(s3.get_object, Bucket="bucket-b", Key="k")
    assert not is_allowed(s3.put_object, Bucket="bucket-a", Key="new", Body=b"x")


def test_is_allowed_raises_other_errors(lab):
    iam, _, _ = lab
    with pytest.raises(ClientError, match="NoSuchEntity"):
        is_allowed(iam.get_user, UserName="nobody")


def test_decision_map_draws_one_cell_per_decision():
    frame = pd.DataFrame(
        {"p1": ["allowed", "implicitDeny"], "p2": ["explicitDeny", "allowed"]}, index=["r1", "r2"]
    )
    fig, ax = decision_map(frame, "t", "policy", "request")
    assert ax.images[0].get_array().tolist() == [[0, 1], [2, 0]]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["p1", "p2"]
    matplotlib.pyplot.close(fig)


def test_verdicts_side_by_side(lab):
    iam, _, sandbox = lab
    lower_case = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:getobject", "Resource": "*"}],
    }
    with_principal = {"Version": "2012-10-17", "Statement": [{**READ_A["Statement"][0], "Principal": "*"}]}
    assert evaluator_verdict(lower_case, "s3:GetObject", "arn:aws:s3:::bucket-b/k") == "allowed"
    assert evaluator_verdict(READ_A, "s3:GetObject", "arn:aws:s3:::bucket-b/k") == "denied (implicitDeny)"
    assert (
        evaluator_verdict(with_principal, "s3:GetObject", "arn:aws:s3:::bucket-a/k")
        == "policy rejected (malformed)"
    )
    iam.create_user(UserName="v")
    key = iam.create_access_key(UserName="v")["AccessKey"]
    v_s3 = sandbox.client("s3", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
    assert sandbox_verdict(iam, "v", READ_A, v_s3.get_object, Bucket="bucket-a", Key="k") == "allowed"
    assert sandbox_verdict(iam, "v", lower_case, v_s3.get_object, Bucket="bucket-a", Key="k") == "denied"
    assert iam.list_user_policies(UserName="v")["PolicyNames"] == ["under-test"]

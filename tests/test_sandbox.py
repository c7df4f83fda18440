"""The labs' AWS sandbox: shared moto, isolated IAM-enforced moto, and the guarded real-AWS mode."""

import json
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from course.aws import sandbox
from course.aws.sandbox import Sandbox, get_sandbox
from course.errors import CourseInputError

AMI = "ami-12c6146b"  # one of the images moto knows


@pytest.fixture
def shared() -> Sandbox:
    sb = get_sandbox()
    sb.reset()
    return sb


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, shared: Sandbox) -> str:
    """Real-AWS mode's default credential chain, fed with dummy keys; returns moto's URL."""
    for name in ("AWS_PROFILE", "NBGRADER_EXECUTION", "COURSE_AWS", "COURSE_AWS_ALLOW_COSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return shared.endpoint_url


def test_import_does_not_start_or_import_moto():
    code = "import sys, course.aws.sandbox; print('moto' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_shared_sandbox_s3_round_trip(shared: Sandbox):
    assert shared.endpoint_url.startswith("http://127.0.0.1:")
    s3 = sandbox.client("s3")
    s3.create_bucket(Bucket="lab-bucket")
    s3.put_object(Bucket="lab-bucket", Key="hello.txt", Body=b"hello")
    assert s3.get_object(Bucket="lab-bucket", Key="hello.txt")["Body"].read() == b"hello"
    assert [b.name for b in sandbox.resource("s3").buckets.all()] == ["lab-bucket"]


def test_ec2_regions_and_zones(shared: Sandbox):
    ec2 = shared.client("ec2", region="eu-west-1")
    regions = {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= regions
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert zones and all(z["RegionName"] == "eu-west-1" for z in zones)


def test_reset_wipes_state(shared: Sandbox):
    shared.client("sqs").create_queue(QueueName="q1")
    shared.reset()
    assert shared.client("sqs").list_queues().get("QueueUrls", []) == []


def test_clients_and_sandboxes_share_state(shared: Sandbox):
    shared.client("dynamodb").create_table(
        TableName="t1",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert shared.client("dynamodb").list_tables()["TableNames"] == ["t1"]
    with Sandbox() as other:
        assert other.endpoint_url == shared.endpoint_url
        assert other.client("dynamodb").list_tables()["TableNames"] == ["t1"]


def test_user_profile_is_never_read(shared: Sandbox, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/no/such/file")
    assert Sandbox().client("s3").list_buckets()["Buckets"] == []


def test_unknown_service_suggests_a_name(shared: Sandbox):
    with pytest.raises(CourseInputError, match="'dynamodb'"):
        shared.client("dynamo")


def test_half_a_key_pair_is_refused(shared: Sandbox):
    with pytest.raises(CourseInputError, match="both"):
        shared.client("s3", access_key="AKIA")


def test_isolated_sandbox_enforces_iam():
    list_only = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
    }
    with Sandbox(isolated=True, iam_enforced=True) as sb:
        assert sb.endpoint_url != get_sandbox().endpoint_url
        iam = sb.client("iam")
        iam.create_user(UserName="alice")
        iam.put_user_policy(UserName="alice", PolicyName="list-only", PolicyDocument=json.dumps(list_only))
        key = iam.create_access_key(UserName="alice")["AccessKey"]
        alice = sb.client("s3", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
        assert alice.list_buckets()["Buckets"] == []
        with pytest.raises(ClientError) as denied:
            alice.create_bucket(Bucket="alice-bucket")
        assert denied.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(ClientError):
            sb.client("s3", access_key="testing", secret_key="testing").list_buckets()
        sb.reset()
        assert [u["UserName"] for u in sb.client("iam").list_users()["Users"]] == ["course-admin"]
    # The shared server saw none of it.
    assert "alice" not in str(get_sandbox().client("iam").list_users())


def test_aws_mode_records_tags_and_tears_down(aws_env: str):
    moto = get_sandbox()
    with Sandbox(mode="aws", endpoint_url=aws_env) as sb:
        assert sb.mode == "aws"
        s3 = sb.client("s3")
        s3.create_bucket(Bucket="lab-data")
        s3.put_object(Bucket="lab-data", Key="a.txt", Body=b"a")
        s3.put_object(Bucket="lab-data", Key="b.txt", Body=b"b")
        s3.put_bucket_versioning(Bucket="lab-data", VersioningConfiguration={"Status": "Enabled"})
        moto.client("s3").put_object(Bucket="lab-data", Key="a.txt", Body=b"not recorded")
        queue_url = sb.client("sqs").create_queue(QueueName="lab-queue")["QueueUrl"]
        iam = sb.client("iam")
        iam.create_user(UserName="bob", Tags=[{"Key": "team", "Value": "red"}])
        iam.create_access_key(UserName="bob")
        ec2 = sb.client("ec2")
        ec2.create_security_group(GroupName="lab-sg", Description="lab")
        name_tag = {"Key": "Name", "Value": "web"}
        ec2.run_instances(
            ImageId=AMI,
            InstanceType="t3.micro",
            MinCount=1,
            MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [name_tag]}],
        )
        sb.client("events").put_rule(Name="lab-rule", ScheduleExpression="rate(1 hour)")

        tag = {"Key": "course-lab", "Value": sb.session_id}
        assert moto.client("sqs").list_queue_tags(QueueUrl=queue_url)["Tags"] == {"course-lab": sb.session_id}
        user_tags = moto.client("iam").list_user_tags(UserName="bob")["Tags"]
        assert tag in user_tags and {"Key": "team", "Value": "red"} in user_tags
        reservations = moto.client("ec2").describe_instances()["Reservations"]
        instance_tags = reservations[0]["Instances"][0]["Tags"]
        assert tag in instance_tags and name_tag in instance_tags
        created = [c.operation for c in sb.created]
        assert created == [
            *("CreateBucket", "PutObject", "PutObject", "CreateQueue", "CreateUser"),
            *("CreateAccessKey", "CreateSecurityGroup", "RunInstances", "PutRule"),
        ]

        report = sb.teardown()
        assert report.failed == []
        assert [d.split()[1] for d in report.deleted] == created[::-1]
        assert sb.created == []
    assert moto.client("s3").list_buckets()["Buckets"] == []
    assert moto.client("sqs").list_queues().get("QueueUrls", []) == []
    assert moto.client("iam").list_users()["Users"] == []
    assert moto.client("events").list_rules()["Rules"] == []
    states = [
        i["State"]["Name"]
        for r in moto.client("ec2").describe_instances()["Reservations"]
        for i in r["Instances"]
    ]
    assert states == ["terminated"]
    groups = moto.client("ec2").describe_security_groups()["SecurityGroups"]
    assert "lab-sg" not in [g["GroupName"] for g in groups]


def test_teardown_reports_failures(aws_env: str):
    with Sandbox(mode="aws", endpoint_url=aws_env) as sb:
        sb.client("dynamodb").create_table(
            TableName="t2",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        get_sandbox().reset()  # the table vanishes behind the sandbox's back
        sb.client("sns").create_topic(Name="lab-topic")
        report = sb.teardown()
        assert len(report.deleted) == 1 and "lab-topic" in report.deleted[0]
        assert len(report.failed) == 1 and "CreateTable t2" in report.failed[0]
        assert "by hand" in str(report)
        assert [c.operation for c in sb.created] == ["CreateTable"]  # kept for another try
        sb.created.clear()


def test_cost_guard(aws_env: str, monkeypatch: pytest.MonkeyPatch):
    with Sandbox(mode="aws", endpoint_url=aws_env) as sb:
        ec2 = sb.client("ec2")
        with pytest.raises(CourseInputError, match="allow_costs=True.*COURSE_AWS_ALLOW_COSTS=1"):
            ec2.run_instances(ImageId=AMI, InstanceType="m5.large", MinCount=1, MaxCount=1)
        with pytest.raises(CourseInputError, match="m1.small"):
            ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
        with pytest.raises(CourseInputError, match="database"):
            sb.client("rds").create_db_instance(
                DBInstanceIdentifier="db1", DBInstanceClass="db.t3.micro", Engine="postgres"
            )
        assert sb.created == []
        assert get_sandbox().client("ec2").describe_instances()["Reservations"] == []
        ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1)
        assert len(sb.created) == 1
    with Sandbox(mode="aws", endpoint_url=aws_env, allow_costs=True) as sb:
        sb.client("ec2").run_instances(ImageId=AMI, InstanceType="m5.large", MinCount=1, MaxCount=1)
    monkeypatch.setenv("COURSE_AWS_ALLOW_COSTS", "1")
    with Sandbox(mode="aws", endpoint_url=aws_env) as sb:
        ec2 = sb.client("ec2")
        ec2.run_instances(ImageId=AMI, InstanceType="c5.xlarge", MinCount=1, MaxCount=1)


def test_course_aws_env_selects_real_aws(aws_env: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COURSE_AWS", "real")
    assert Sandbox().mode == "aws"
    assert Sandbox(mode="moto").mode == "moto"


def test_grading_always_uses_moto(aws_env: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COURSE_AWS", "real")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.warns(UserWarning, match="Grading always runs against moto"):
        sb = Sandbox()
    assert sb.mode == "moto"
    with pytest.warns(UserWarning):
        sb = Sandbox(mode="aws", endpoint_url="http://127.0.0.1:9")
    assert sb.mode == "moto" and sb.endpoint_url == get_sandbox().endpoint_url


def test_aws_mode_without_credentials_says_what_to_do(aws_env: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CourseInputError, match="aws configure"):
        Sandbox(mode="aws", endpoint_url=aws_env).start()


def test_bad_arguments_are_refused():
    with pytest.raises(CourseInputError):
        Sandbox(mode="azure")
    with pytest.raises(CourseInputError):
        Sandbox(mode="aws", iam_enforced=True)
    with pytest.raises(CourseInputError):
        Sandbox(mode="moto", endpoint_url="http://127.0.0.1:9")


def test_teardown_of_the_later_labs(aws_env: str):
    """What sections 13-17 create in a real account is recorded and deleted again, VPCs whole."""
    with Sandbox(mode="aws", endpoint_url=aws_env, allow_costs=True) as sb:
        ec2 = sb.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
        gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        ec2.create_network_acl(VpcId=vpc)
        ec2.create_security_group(GroupName="lab-web", Description="web", VpcId=vpc)
        volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1, VolumeType="gp3")["VolumeId"]
        ec2.create_snapshot(VolumeId=volume)
        key = sb.client("kms").create_key()["KeyMetadata"]["KeyId"]
        sb.client("kms").create_alias(AliasName="alias/clf-lab", TargetKeyId=key)
        sb.client("secretsmanager").create_secret(Name="clf-lab-secret", SecretString="s3cret")
        sb.client("backup").create_backup_vault(BackupVaultName="clf-lab-vault")
        sb.client("cognito-idp").create_user_pool(PoolName="clf-lab-pool")
        operations = [c.operation for c in sb.created]
        assert "CreateVpc" in operations and "CreateSubnet" not in operations  # the VPC's deleter empties it
        report = sb.teardown()
        assert report.failed == [], report.failed
    moto = get_sandbox()
    assert vpc not in [v["VpcId"] for v in moto.client("ec2").describe_vpcs()["Vpcs"]]
    assert (
        moto.client("ec2").describe_volumes(Filters=[{"Name": "volume-id", "Values": [volume]}])["Volumes"]
        == []
    )
    assert moto.client("kms").describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert moto.client("secretsmanager").list_secrets()["SecretList"] == []
    assert moto.client("backup").list_backup_vaults()["BackupVaultList"] == []
    assert moto.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []


def test_account_changing_operations_are_refused_in_real_aws(aws_env: str):
    with Sandbox(mode="aws", endpoint_url=aws_env) as sb:
        with pytest.raises(CourseInputError, match="management account"):
            sb.client("organizations").create_organization(FeatureSet="ALL")
        with pytest.raises(CourseInputError, match="EBS volume"):
            sb.client("ec2").create_volume(AvailabilityZone="us-east-1a", Size=1)

"""How to undo each creation a real-AWS lab records: (client, the call's parameters, its response)."""

import time
from collections.abc import Callable
from typing import Any


def _empty_and_delete_bucket(client: Any, params: dict, response: dict) -> None:
    bucket = params["Bucket"]
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        objects = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if objects:
            client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
    client.delete_bucket(Bucket=bucket)


def _delete_user(client: Any, params: dict, response: dict) -> None:
    user = params["UserName"]
    for key in client.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        client.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    for policy in client.list_attached_user_policies(UserName=user)["AttachedPolicies"]:
        client.detach_user_policy(UserName=user, PolicyArn=policy["PolicyArn"])
    for name in client.list_user_policies(UserName=user)["PolicyNames"]:
        client.delete_user_policy(UserName=user, PolicyName=name)
    for group in client.list_groups_for_user(UserName=user)["Groups"]:
        client.remove_user_from_group(UserName=user, GroupName=group["GroupName"])
    try:
        client.delete_login_profile(UserName=user)
    except client.exceptions.NoSuchEntityException:
        pass
    client.delete_user(UserName=user)


def _delete_access_key(client: Any, params: dict, response: dict) -> None:
    key = response["AccessKey"]
    client.delete_access_key(UserName=key["UserName"], AccessKeyId=key["AccessKeyId"])


def _terminate_instances(client: Any, params: dict, response: dict) -> None:
    ids = [i["InstanceId"] for i in response["Instances"]]
    client.terminate_instances(InstanceIds=ids)
    waiter = client.get_waiter("instance_terminated")
    waiter.wait(InstanceIds=ids, WaiterConfig={"Delay": 5, "MaxAttempts": 60})


def _delete_rule(client: Any, params: dict, response: dict) -> None:
    bus = {"EventBusName": params["EventBusName"]} if "EventBusName" in params else {}
    targets = client.list_targets_by_rule(Rule=params["Name"], **bus)["Targets"]
    if targets:
        client.remove_targets(Rule=params["Name"], Ids=[t["Id"] for t in targets], **bus)
    client.delete_rule(Name=params["Name"], **bus)


def _delete_vpc(client: Any, params: dict, response: dict) -> None:
    """A VPC and everything a lab put in it: NAT gateways, endpoints, gateways, subnets, tables, ACLs."""
    vpc = response["Vpc"]["VpcId"]
    where = [{"Name": "vpc-id", "Values": [vpc]}]
    nats = [n["NatGatewayId"] for n in client.describe_nat_gateways(Filters=where)["NatGateways"]]
    for nat in nats:
        client.delete_nat_gateway(NatGatewayId=nat)
    if nats:
        client.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=nats, WaiterConfig={"Delay": 10})
    endpoints = [e["VpcEndpointId"] for e in client.describe_vpc_endpoints(Filters=where)["VpcEndpoints"]]
    if endpoints:
        client.delete_vpc_endpoints(VpcEndpointIds=endpoints)
    attached = [{"Name": "attachment.vpc-id", "Values": [vpc]}]
    for gateway in client.describe_internet_gateways(Filters=attached)["InternetGateways"]:
        client.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc)
        client.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    for subnet in client.describe_subnets(Filters=where)["Subnets"]:
        client.delete_subnet(SubnetId=subnet["SubnetId"])
    for table in client.describe_route_tables(Filters=where)["RouteTables"]:
        associations = table.get("Associations", [])
        if not any(a.get("Main") for a in associations):
            for association in associations:
                client.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
            client.delete_route_table(RouteTableId=table["RouteTableId"])
    for acl in client.describe_network_acls(Filters=where)["NetworkAcls"]:
        if not acl["IsDefault"]:
            client.delete_network_acl(NetworkAclId=acl["NetworkAclId"])
    for group in client.describe_security_groups(Filters=where)["SecurityGroups"]:
        if group["GroupName"] != "default":
            client.delete_security_group(GroupId=group["GroupId"])
    client.delete_vpc(VpcId=vpc)


def _delete_file_system(client: Any, params: dict, response: dict) -> None:
    """An EFS file system, after its mount targets."""
    system = response["FileSystemId"]
    for target in client.describe_mount_targets(FileSystemId=system)["MountTargets"]:
        client.delete_mount_target(MountTargetId=target["MountTargetId"])
    for _ in range(60):
        if not client.describe_mount_targets(FileSystemId=system)["MountTargets"]:
            break
        time.sleep(5)
    client.delete_file_system(FileSystemId=system)


# How to undo each recorded creation: (client, the call's parameters, its response).
DELETERS: dict[tuple[str, str], Callable[[Any, dict, dict], None]] = {
    ("s3", "CreateBucket"): _empty_and_delete_bucket,
    ("s3", "PutObject"): lambda c, p, r: c.delete_object(Bucket=p["Bucket"], Key=p["Key"]),
    ("dynamodb", "CreateTable"): lambda c, p, r: c.delete_table(TableName=p["TableName"]),
    ("sqs", "CreateQueue"): lambda c, p, r: c.delete_queue(QueueUrl=r["QueueUrl"]),
    ("sns", "CreateTopic"): lambda c, p, r: c.delete_topic(TopicArn=r["TopicArn"]),
    ("iam", "CreateUser"): _delete_user,
    ("iam", "CreateAccessKey"): _delete_access_key,
    ("ec2", "RunInstances"): _terminate_instances,
    ("ec2", "CreateSecurityGroup"): lambda c, p, r: c.delete_security_group(GroupId=r["GroupId"]),
    ("cloudformation", "CreateStack"): lambda c, p, r: c.delete_stack(StackName=r["StackId"]),
    ("cloudwatch", "PutMetricAlarm"): lambda c, p, r: c.delete_alarms(AlarmNames=[p["AlarmName"]]),
    ("events", "PutRule"): _delete_rule,
    ("kinesis", "CreateStream"): lambda c, p, r: c.delete_stream(StreamName=p["StreamName"]),
    ("dms", "CreateEndpoint"): lambda c, p, r: c.delete_endpoint(EndpointArn=r["Endpoint"]["EndpointArn"]),
    ("dms", "CreateReplicationTask"): lambda c, p, r: c.delete_replication_task(
        ReplicationTaskArn=r["ReplicationTask"]["ReplicationTaskArn"]
    ),
    ("dms", "CreateReplicationInstance"): lambda c, p, r: c.delete_replication_instance(
        ReplicationInstanceArn=r["ReplicationInstance"]["ReplicationInstanceArn"]
    ),
    ("ec2", "CreateVpc"): _delete_vpc,
    ("ec2", "CreateVolume"): lambda c, p, r: c.delete_volume(VolumeId=r["VolumeId"]),
    ("ec2", "CreateSnapshot"): lambda c, p, r: c.delete_snapshot(SnapshotId=r["SnapshotId"]),
    ("ec2", "CopySnapshot"): lambda c, p, r: c.delete_snapshot(SnapshotId=r["SnapshotId"]),
    ("ec2", "AllocateAddress"): lambda c, p, r: c.release_address(AllocationId=r["AllocationId"]),
    ("ec2", "CreateLaunchTemplate"): lambda c, p, r: c.delete_launch_template(
        LaunchTemplateId=r["LaunchTemplate"]["LaunchTemplateId"]
    ),
    ("elbv2", "CreateLoadBalancer"): lambda c, p, r: c.delete_load_balancer(
        LoadBalancerArn=r["LoadBalancers"][0]["LoadBalancerArn"]
    ),
    ("elbv2", "CreateTargetGroup"): lambda c, p, r: c.delete_target_group(
        TargetGroupArn=r["TargetGroups"][0]["TargetGroupArn"]
    ),
    ("autoscaling", "CreateAutoScalingGroup"): lambda c, p, r: c.delete_auto_scaling_group(
        AutoScalingGroupName=p["AutoScalingGroupName"], ForceDelete=True
    ),
    ("elasticfilesystem", "CreateFileSystem"): _delete_file_system,
    ("backup", "CreateBackupVault"): lambda c, p, r: c.delete_backup_vault(
        BackupVaultName=p["BackupVaultName"]
    ),
    ("backup", "CreateBackupPlan"): lambda c, p, r: c.delete_backup_plan(BackupPlanId=r["BackupPlanId"]),
    ("budgets", "CreateBudget"): lambda c, p, r: c.delete_budget(
        AccountId=p["AccountId"], BudgetName=p["Budget"]["BudgetName"]
    ),
    ("kms", "CreateKey"): lambda c, p, r: c.schedule_key_deletion(
        KeyId=r["KeyMetadata"]["KeyId"], PendingWindowInDays=7
    ),
    ("kms", "CreateAlias"): lambda c, p, r: c.delete_alias(AliasName=p["AliasName"]),
    ("secretsmanager", "CreateSecret"): lambda c, p, r: c.delete_secret(
        SecretId=r["ARN"], ForceDeleteWithoutRecovery=True
    ),
    ("acm", "RequestCertificate"): lambda c, p, r: c.delete_certificate(CertificateArn=r["CertificateArn"]),
    ("cognito-idp", "CreateUserPool"): lambda c, p, r: c.delete_user_pool(UserPoolId=r["UserPool"]["Id"]),
}

"""Real AWS, by opt-in only: tag what labs create, refuse what costs money, and delete it all afterwards."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from course.aws.sandbox.teardown import DELETERS
from course.errors import CourseInputError

TAG_KEY = "course-lab"

# Operations refused in real AWS unless costs are allowed; RunInstances only for types that are
# not free-tier eligible.
COSTLY_OPERATIONS: dict[tuple[str, str], str] = {
    ("ec2", "RunInstances"): "only free-tier-eligible instance types (t3.micro, t4g.micro, ...) are free",
    ("ec2", "RequestSpotInstances"): "spot instances bill per second while they run",
    ("ec2", "CreateNatGateway"): "a NAT gateway bills per hour and per GB processed",
    ("ec2", "AllocateAddress"): "a public IPv4 address bills per hour",
    ("ec2", "CreateTransitGateway"): "a transit gateway bills per attachment-hour",
    ("ec2", "CreateVpnConnection"): "a site-to-site VPN connection bills per hour",
    ("ec2", "CreateClientVpnEndpoint"): "a client VPN endpoint bills per association-hour",
    ("ec2", "PurchaseReservedInstancesOffering"): "reserved instances: a 1- or 3-year commitment",
    ("savingsplans", "CreateSavingsPlan"): "a Savings Plan: a 1- or 3-year commitment",
    ("route53domains", "RegisterDomain"): "registering a domain is billed at once, per year",
    ("route53", "CreateHostedZone"): "a hosted zone bills per month",
    ("rds", "CreateDBInstance"): "a database instance bills per hour",
    ("rds", "CreateDBCluster"): "an Aurora cluster bills per hour",
    ("docdb", "CreateDBCluster"): "a DocumentDB cluster bills per hour",
    ("redshift", "CreateCluster"): "a Redshift cluster bills per node-hour",
    ("eks", "CreateCluster"): "an EKS control plane bills per hour",
    ("kafka", "CreateCluster"): "an MSK cluster bills per broker-hour",
    ("dax", "CreateCluster"): "a DAX cluster bills per node-hour",
    ("elasticache", "CreateCacheCluster"): "an ElastiCache node bills per hour",
    ("elasticache", "CreateReplicationGroup"): "ElastiCache nodes bill per hour",
    ("elbv2", "CreateLoadBalancer"): "a load balancer bills per hour",
    ("elb", "CreateLoadBalancer"): "a classic load balancer bills per hour",
    ("opensearch", "CreateDomain"): "an OpenSearch domain bills per instance-hour",
    ("es", "CreateElasticsearchDomain"): "an Elasticsearch domain bills per instance-hour",
    ("emr", "RunJobFlow"): "an EMR cluster bills per instance-hour",
    ("sagemaker", "CreateNotebookInstance"): "a notebook instance bills per hour",
    ("sagemaker", "CreateEndpoint"): "an inference endpoint bills per instance-hour",
    ("kinesis", "CreateStream"): "a Kinesis data stream bills per shard-hour (or per stream-hour on demand)",
    ("mq", "CreateBroker"): "an Amazon MQ broker bills per instance-hour",
    ("lightsail", "CreateInstances"): "a Lightsail instance bills per month",
    ("workspaces", "CreateWorkspaces"): "a WorkSpace bills per month or per hour",
    ("globalaccelerator", "CreateAccelerator"): "an accelerator bills per hour",
    ("kms", "CreateKey"): "a customer managed key bills per month",
    ("secretsmanager", "CreateSecret"): "a secret bills per month after a 30-day trial",
    ("shield", "CreateSubscription"): "Shield Advanced is a 1-year commitment at 3,000 USD a month",
    ("dms", "CreateReplicationInstance"): "a DMS replication instance bills per hour",
    ("ec2", "CreateVolume"): "an EBS volume bills per GB-month until it is deleted",
    ("ec2", "CreateSnapshot"): "an EBS snapshot bills per GB-month",
    ("ec2", "CopySnapshot"): "a copied snapshot bills per GB-month, and the copy between Regions per GB",
    ("ec2", "CreateVpcEndpoint"): "an interface endpoint bills per hour (a gateway endpoint is free)",
    (
        "autoscaling",
        "CreateAutoScalingGroup",
    ): "an Auto Scaling group launches instances that bill per second",
    ("config", "PutConfigurationRecorder"): "AWS Config bills per configuration item it records",
    ("guardduty", "CreateDetector"): "GuardDuty bills per GB of logs it analyses after its 30-day trial",
    ("wafv2", "CreateWebACL"): "a web ACL bills per month, and per rule and request",
    ("organizations", "CreateOrganization"): "it makes your account an organization's management account: "
    "try it in an account made for experiments",
    ("organizations", "CreateAccount"): "it creates a new AWS account, which is not deleted with the lab",
}


def free_tier_eligible(instance_type: str) -> bool:
    """Whether EC2 marks the type free-tier eligible (as for accounts opened from 2025-07-15)."""
    from course.aws.instances import instance_type as lookup  # pandas-heavy: only when a guard needs it

    try:
        return bool(lookup(instance_type).free_tier_eligible)
    except CourseInputError:
        return False


def _tag_list(name: str) -> Callable[[dict, str], None]:
    def add(params: dict, value: str) -> None:
        params[name] = [*params.get(name, []), {"Key": TAG_KEY, "Value": value}]

    return add


def _tag_spec(resource_type: str) -> Callable[[dict, str], None]:
    def add(params: dict, value: str) -> None:
        tag = {"Key": TAG_KEY, "Value": value}
        specs = [dict(spec) for spec in params.get("TagSpecifications", [])]
        for spec in specs:
            if spec.get("ResourceType") == resource_type:
                spec["Tags"] = [*spec.get("Tags", []), tag]
                break
        else:
            specs.append({"ResourceType": resource_type, "Tags": [tag]})
        params["TagSpecifications"] = specs

    return add


def _tag_map(params: dict, value: str) -> None:
    params["tags"] = {**params.get("tags", {}), TAG_KEY: value}


# How to tag at creation, per operation whose API accepts tags there. S3 is left out: tagging a
# bucket or object at creation needs an extra permission a student's user may not have.
TAGGERS: dict[tuple[str, str], Callable[[dict, str], None]] = {
    ("dynamodb", "CreateTable"): _tag_list("Tags"),
    ("sqs", "CreateQueue"): _tag_map,
    ("sns", "CreateTopic"): _tag_list("Tags"),
    ("iam", "CreateUser"): _tag_list("Tags"),
    ("ec2", "RunInstances"): _tag_spec("instance"),
    ("ec2", "CreateSecurityGroup"): _tag_spec("security-group"),
    ("cloudformation", "CreateStack"): _tag_list("Tags"),
    ("cloudwatch", "PutMetricAlarm"): _tag_list("Tags"),
    ("events", "PutRule"): _tag_list("Tags"),
}


NAME_PARAMS = (
    "Bucket",
    "TableName",
    "QueueName",
    "Name",
    "UserName",
    "GroupName",
    "StackName",
    "AlarmName",
    "EndpointIdentifier",
    "ReplicationTaskIdentifier",
    "ReplicationInstanceIdentifier",
    "AutoScalingGroupName",
    "LaunchTemplateName",
    "BackupVaultName",
    "AliasName",
    "PoolName",
    "DomainName",
    "CidrBlock",
    "AvailabilityZone",
)


@dataclass
class Created:
    """One resource created through a real-AWS sandbox, with what is needed to delete it."""

    service: str
    operation: str
    region: str
    params: dict
    response: dict

    def __str__(self) -> str:
        p, r = self.params, self.response
        if self.operation == "PutObject":
            name = f"{p['Bucket']}/{p['Key']}"
        elif self.operation == "RunInstances":
            name = ",".join(i["InstanceId"] for i in r["Instances"])
        elif self.operation == "CreateAccessKey":
            name = r["AccessKey"]["AccessKeyId"]
        else:
            name = next((str(p[k]) for k in NAME_PARAMS if k in p), "")
        return f"{self.service} {self.operation} {name} ({self.region})"


@dataclass
class TeardownReport:
    """What ``teardown()`` deleted and what it could not delete (with the error)."""

    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"deleted: {d}" for d in self.deleted] + [f"FAILED: {f}" for f in self.failed]
        if self.failed:
            lines.append("Delete the FAILED resources by hand in the AWS console.")
        return "\n".join(lines) or "nothing to delete"


class RealAccount:
    """The hooks a real-AWS sandbox adds to its clients, and the record of what they created."""

    def __init__(self, session_id: str, allow_costs: bool) -> None:
        self.session_id = session_id
        self.allow_costs = allow_costs
        self.created: list[Created] = []

    def add_hooks(self, client: Any) -> None:
        """Tag, guard and record every call CLIENT makes."""
        events = client.meta.events
        events.register("before-parameter-build.*.*", self._remember_and_tag)
        events.register("before-call.*.*", self._guard_costs)
        events.register("after-call.*.*", self._record)

    def teardown(self, make_client: Callable[[str, str], Any]) -> TeardownReport:
        """Delete what was created, newest first, with clients from MAKE_CLIENT(service, region)."""
        report = TeardownReport()
        kept: list[Created] = []
        while self.created:
            item = self.created.pop()
            deleter = DELETERS[(item.service, item.operation)]
            try:
                deleter(make_client(item.service, item.region), item.params, item.response)
                report.deleted.append(str(item))
            except Exception as e:  # report every failure, go on with the rest
                report.failed.append(f"{item}: {e}")
                kept.append(item)
        self.created = kept[::-1]
        return report

    def _remember_and_tag(self, params: dict, model: Any, context: dict, **_: Any) -> None:
        key = (model.service_model.service_name, model.name)
        if key in TAGGERS:
            TAGGERS[key](params, self.session_id)
        context["course_params"] = dict(params)

    def _guard_costs(self, model: Any, context: dict, **_: Any) -> None:
        key = (model.service_model.service_name, model.name)
        if key not in COSTLY_OPERATIONS or self.allow_costs:
            return
        what = f"{key[0]} {key[1]}"
        if key == ("ec2", "RunInstances"):
            # Without InstanceType AWS launches an m1.small; a launch template's type is not
            # looked up, so such a launch is refused too.
            instance_type = context.get("course_params", {}).get("InstanceType", "m1.small")
            if free_tier_eligible(instance_type):
                return
            what = f"ec2 RunInstances of instance type {instance_type}"
        raise CourseInputError(
            f"Refused in real AWS: {what} costs money beyond the free tier "
            f"({COSTLY_OPERATIONS[key]}). To allow it, create the sandbox with "
            "Sandbox(mode='aws', allow_costs=True) or set COURSE_AWS_ALLOW_COSTS=1."
        )

    def _record(self, http_response: Any, parsed: dict, model: Any, context: dict, **_: Any) -> None:
        key = (model.service_model.service_name, model.name)
        if key in DELETERS and http_response.status_code < 300:
            region = context["client_region"]
            self.created.append(Created(*key, region, context.get("course_params", {}), parsed))

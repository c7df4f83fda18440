"""The AWS sandbox every lab uses: a local moto server by default, real AWS only when asked.

Notebooks call ``sandbox.client("s3")``. Environment variables:
``COURSE_AWS=real`` switches the default sandbox to real AWS, ``COURSE_AWS_ALLOW_COSTS=1``
lets real-AWS labs run operations that cost money, and ``NBGRADER_EXECUTION`` (set by
nbgrader while grading) forces moto whatever else is asked.
"""

from __future__ import annotations

import atexit
import difflib
import logging
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from boto3.exceptions import ResourceNotExistsError
from botocore.config import Config
from botocore.exceptions import UnknownServiceError

from course.errors import CourseInputError

DUMMY_KEY = "testing"
TAG_KEY = "course-lab"
START_TIMEOUT_S = 15.0
ADMIN_USER = "course-admin"
ADMIN_POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
# The calls that create the admin of an IAM-enforced sandbox: moto lets exactly these through
# unauthenticated.
ADMIN_SETUP_CALLS = 3

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
}


def _free_tier_eligible(instance_type: str) -> bool:
    """Whether EC2 marks the type free-tier eligible (as for accounts opened from 2025-07-15)."""
    from course.aws.instances import instance_type as lookup  # pandas-heavy: only when a guard needs it

    try:
        return bool(lookup(instance_type).free_tier_eligible)
    except CourseInputError:
        return False


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _no_proxy_opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, body: str = "") -> None:
    """POST to moto's own API (never through a proxy)."""
    request = urllib.request.Request(
        url, data=body.encode(), method="POST", headers={"Content-Type": "text/plain"}
    )
    _no_proxy_opener().open(request, timeout=30).close()


def _isolated_boto3_session() -> boto3.session.Session:
    """A boto3 session that reads no profile, config or credentials file of the user."""
    # (config name, environment variable, default, conversion): no variable is read.
    core = botocore.session.Session(
        session_vars={
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    return boto3.session.Session(botocore_session=core)


# A local endpoint: never go through a proxy, and address S3 buckets by path.
_LOCAL_CONFIG = Config(proxies={}, s3={"addressing_style": "path"})

# --- the shared in-process moto server --------------------------------------------------------

_shared_lock = threading.Lock()
_shared_server: Any = None
_shared_url: str | None = None


def _quiet_logs() -> None:
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # moto's errors reach the client
    logging.getLogger("moto").setLevel(logging.ERROR)


def _shared_endpoint() -> str:
    """Start the shared in-process moto server on first use and return its URL."""
    global _shared_server, _shared_url
    with _shared_lock:
        if _shared_url is None:
            _quiet_logs()
            try:
                from moto.server import ThreadedMotoServer
            except ImportError as e:
                raise RuntimeError(
                    "moto is not installed: run `pip install 'moto[server]'` in the course "
                    "environment, then restart the kernel."
                ) from e
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            # start() waits forever if the server cannot bind: wait in a thread, with a limit.
            starter = threading.Thread(target=server.start, daemon=True)
            starter.start()
            starter.join(START_TIMEOUT_S)
            if starter.is_alive():
                raise RuntimeError(
                    f"The moto sandbox did not start within {START_TIMEOUT_S:.0f} s. Restart the "
                    f"kernel; if it happens again, run `{sys.executable} -m moto.server` in a "
                    "terminal to see why it cannot listen on 127.0.0.1."
                )
            host, port = server.get_host_and_port()
            _shared_server, _shared_url = server, f"http://{host}:{port}"
            atexit.register(_stop_shared)
        return _shared_url


def _stop_shared() -> None:
    global _shared_server, _shared_url
    with _shared_lock:
        if _shared_server is not None:
            _shared_server.stop()
        _shared_server, _shared_url = None, None


# --- an isolated moto server in a subprocess ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _MotoProcess:
    """``python -m moto.server`` on a free local port, with its stderr kept for error messages."""

    def __init__(self, iam_enforced: bool) -> None:
        env = dict(os.environ)
        for name in ("INITIAL_NO_AUTH_ACTION_COUNT", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            env.pop(name, None)
        if iam_enforced:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )
        try:
            self._wait_ready()
        except RuntimeError:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        opener = _no_proxy_opener()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"The isolated moto server on port {self.port} stopped at start (a port "
                    f"already in use?). Try again; if it fails again, check that "
                    f"`{sys.executable} -m moto.server` runs. Its last output: {self._tail()}"
                )
            try:
                opener.open(f"{self.url}/moto-api/config", timeout=1).close()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        raise RuntimeError(
            f"The isolated moto server did not answer on {self.url} within {START_TIMEOUT_S:.0f} s."
            f" The machine may be overloaded: close other kernels and try again."
            f" Its last output: {self._tail()}"
        )

    def _tail(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-500:].strip() or "(none)"

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()


# --- real AWS: record, tag, guard, tear down ---------------------------------------------------


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


# --- the sandbox ---------------------------------------------------------------------------------


class Sandbox:
    """AWS for the labs: the shared moto server, an isolated one, or (opt-in) real AWS.

    ``endpoint_url`` in real-AWS mode is for tests only: it points the 'real' clients at moto.
    """

    def __init__(
        self,
        mode: str | None = None,
        *,
        isolated: bool = False,
        iam_enforced: bool = False,
        allow_costs: bool | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        if mode is None:
            mode = "aws" if os.environ.get("COURSE_AWS", "").strip().lower() == "real" else "moto"
        if mode not in ("moto", "aws"):
            raise CourseInputError(f"mode must be 'moto' or 'aws', not {mode!r}.")
        if mode == "aws" and os.environ.get("NBGRADER_EXECUTION"):
            warnings.warn(
                "Grading always runs against moto: real AWS (COURSE_AWS=real or mode='aws') is "
                "ignored while NBGRADER_EXECUTION is set.",
                stacklevel=2,
            )
            mode, endpoint_url = "moto", None
        if mode == "aws" and (isolated or iam_enforced):
            raise CourseInputError("isolated and iam_enforced apply to moto only: drop them.")
        if mode == "moto" and endpoint_url:
            raise CourseInputError("endpoint_url is only for tests of mode='aws': drop it.")
        self.mode = mode
        self.isolated = isolated or iam_enforced
        self.iam_enforced = iam_enforced
        if allow_costs is None:
            allow_costs = _env_flag("COURSE_AWS_ALLOW_COSTS")
        self.allow_costs = allow_costs
        self.session_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        self.created: list[Created] = []
        self._endpoint_override = endpoint_url
        self._process: _MotoProcess | None = None
        self._session: boto3.session.Session | None = None
        self._admin_keys = (DUMMY_KEY, DUMMY_KEY)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        started = self._session is not None
        return f"Sandbox(mode={self.mode!r}, isolated={self.isolated}, started={started})"

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Sandbox:
        """Start the server (moto) or check credentials (real AWS); later calls do nothing."""
        with self._lock:
            if self._session is not None:
                return self
            if self.mode == "aws":
                session = boto3.session.Session()
                if session.get_credentials() is None:
                    raise CourseInputError(
                        "Real AWS mode found no credentials: run `aws configure` (or set "
                        "AWS_PROFILE) first, or unset COURSE_AWS to use the local moto sandbox."
                    )
                atexit.register(self._teardown_at_exit)
            else:
                session = _isolated_boto3_session()
                if self.isolated:
                    _quiet_logs()
                    self._process = _MotoProcess(self.iam_enforced)
                    atexit.register(self.close)
                else:
                    _shared_endpoint()
            self._session = session
        if self.iam_enforced:
            self._create_admin()
        return self

    @property
    def endpoint_url(self) -> str | None:
        """The URL clients talk to; None for real AWS."""
        self.start()
        if self.mode == "aws":
            return self._endpoint_override
        return self._process.url if self._process else _shared_endpoint()

    def client(
        self,
        service: str,
        region: str = "us-east-1",
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> Any:
        """A boto3 client for this sandbox; pass a user's access key pair to act as that user."""
        client = self._make("client", service, region, access_key, secret_key)
        if self.mode == "aws":
            self._add_hooks(client)
        return client

    def resource(
        self,
        service: str,
        region: str = "us-east-1",
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> Any:
        """A boto3 resource for this sandbox, like ``client``."""
        resource = self._make("resource", service, region, access_key, secret_key)
        if self.mode == "aws":
            self._add_hooks(resource.meta.client)
        return resource

    def reset(self) -> None:
        """Wipe every resource of the moto server (the shared one is wiped for all labs)."""
        if self.mode == "aws":
            raise CourseInputError("reset() wipes moto only; in real AWS use teardown().")
        _post(f"{self.endpoint_url}/moto-api/reset")
        if self.iam_enforced:
            self._create_admin()

    def teardown(self) -> TeardownReport:
        """Real AWS: delete what this sandbox's clients created, newest first, and report it."""
        report = TeardownReport()
        kept: list[Created] = []
        while self.created:
            item = self.created.pop()
            deleter = DELETERS[(item.service, item.operation)]
            try:
                deleter(
                    self._make("client", item.service, item.region, None, None),
                    item.params,
                    item.response,
                )
                report.deleted.append(str(item))
            except Exception as e:  # report every failure, go on with the rest
                report.failed.append(f"{item}: {e}")
                kept.append(item)
        self.created = kept[::-1]
        if report.deleted or report.failed:
            print(report)
        return report

    def close(self) -> None:
        """Real AWS: tear down; isolated moto: stop its server. The shared server runs on."""
        if self.mode == "aws":
            self.teardown()
        elif self._process is not None:
            atexit.unregister(self.close)
            self._process.stop()
            self._process, self._session = None, None

    def _make(
        self, kind: str, service: str, region: str, access_key: str | None, secret_key: str | None
    ) -> Any:
        if (access_key is None) != (secret_key is None):
            raise CourseInputError("Give both access_key and secret_key, or neither.")
        self.start()
        assert self._session is not None
        kwargs: dict[str, Any] = {"region_name": region}
        if access_key is not None:
            kwargs |= {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key}
        elif self.mode == "moto":
            key, secret = self._admin_keys
            kwargs |= {"aws_access_key_id": key, "aws_secret_access_key": secret}
        if self.endpoint_url:
            kwargs |= {"endpoint_url": self.endpoint_url, "config": _LOCAL_CONFIG}
        try:
            return getattr(self._session, kind)(service, **kwargs)
        except (UnknownServiceError, ResourceNotExistsError) as e:
            known = (
                self._session.get_available_services()
                if kind == "client"
                else self._session.get_available_resources()
            )
            close = difflib.get_close_matches(service, known, n=3)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise CourseInputError(f"AWS has no {kind} named {service!r}.{hint}") from e

    def _create_admin(self) -> None:
        """Let moto through unauthenticated for exactly the calls that create an admin user."""
        _post(f"{self.endpoint_url}/moto-api/reset-auth", str(ADMIN_SETUP_CALLS))
        iam = self._make("client", "iam", "us-east-1", DUMMY_KEY, DUMMY_KEY)
        iam.create_user(UserName=ADMIN_USER)
        iam.put_user_policy(UserName=ADMIN_USER, PolicyName="admin", PolicyDocument=ADMIN_POLICY)
        key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
        self._admin_keys = (key["AccessKeyId"], key["SecretAccessKey"])

    def _add_hooks(self, client: Any) -> None:
        events = client.meta.events
        events.register("before-parameter-build.*.*", self._remember_and_tag)
        events.register("before-call.*.*", self._guard_costs)
        events.register("after-call.*.*", self._record)

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
            if _free_tier_eligible(instance_type):
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

    def _teardown_at_exit(self) -> None:
        try:
            self.teardown()
        except Exception as e:  # never let a failed clean-up hide the report
            print(f"Sandbox teardown failed: {e}. Check the AWS console for 'course-lab' tags.")


_default: Sandbox | None = None


def get_sandbox() -> Sandbox:
    """The sandbox shared by all labs in this kernel (moto unless COURSE_AWS=real)."""
    global _default
    with _shared_lock:
        if _default is None:
            _default = Sandbox()
        return _default


def client(service: str, region: str = "us-east-1") -> Any:
    """A boto3 client of the shared sandbox: ``sandbox.client("s3")``."""
    return get_sandbox().client(service, region)


def resource(service: str, region: str = "us-east-1") -> Any:
    """A boto3 resource of the shared sandbox: ``sandbox.resource("s3")``."""
    return get_sandbox().resource(service, region)

"""The grader's lab servers: moto outside the kernel, reached by the kernel's sandbox and the grader alike."""

import json
import os
import socket
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError

from course import local_moto
from course.aws.sandbox import Sandbox
from course.grading import kernel_sandbox
from course.grading.lab_host import LAB_SERVERS, LabHandle, LabHost, rebuild
from course.local_moto import LAB_SOCKETS_ENV

# What a lab does in the student's kernel: its objects describe themselves for the grader.
KERNEL = """
import json, sys
from course.aws.sandbox import Sandbox, client

s3 = client("s3")
s3.create_bucket(Bucket="lab-host-bucket")
lab = Sandbox(isolated=True, iam_enforced=True)
iam = lab.client("iam")
iam.create_user(UserName="lab-host-user")
box = Sandbox(isolated=True)
box.client("sqs").create_queue(QueueName="lab-host-queue")
box.close()
print(json.dumps({
    "lab": lab.__course_remote__(),
    "box": box.__course_remote__(),
    "s3": s3.course_remote,
    "iam": iam.course_remote,
    "moto_in_kernel": "moto" in sys.modules,
}))
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory):
    with LabHost(tmp_path_factory.mktemp("labs"), list(LAB_SERVERS), None) as labs:
        yield labs


def _kernel(folder: Path) -> dict:
    env = {**os.environ, LAB_SOCKETS_ENV: str(folder)}
    done = subprocess.run([sys.executable, "-c", KERNEL], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _users(iam) -> set[str]:
    return {u["UserName"] for u in iam.list_users()["Users"]}


def test_the_grader_sees_what_the_kernel_made_and_reset_wipes_it(host: LabHost):
    host.reset()
    made = _kernel(host.folder)
    assert not made["moto_in_kernel"]
    assert made["s3"] == {
        "$": "remote",
        "kind": "aws-client",
        "server": "shared",
        "service": "s3",
        "region": "us-east-1",
        "keys": ["testing", "testing"],
    }
    s3 = rebuild(made["s3"], host.folder)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["lab-host-bucket"]
    assert made["lab"]["server"] == "enforced" and made["lab"]["iam_enforced"] is True
    lab = rebuild(made["lab"], host.folder)
    assert isinstance(lab, LabHandle)
    assert _users(lab.client("iam")) == {"course-admin", "lab-host-user"}
    assert _users(rebuild(made["iam"], host.folder)) == {"course-admin", "lab-host-user"}
    assert lab.resource("iam").User("lab-host-user").arn.endswith(":user/lab-host-user")
    with pytest.raises(ClientError):  # IAM is enforced: an unknown key is refused
        lab.client("iam", access_key="AKIAUNKNOWN", secret_key="nope").list_users()
    box = rebuild(made["box"], host.folder)
    assert box.server == "isolated" and box.iam_enforced is False
    assert "lab-host-queue" in box.client("sqs").list_queues()["QueueUrls"][0]
    assert box.client("s3").list_buckets()["Buckets"] == []  # not the shared server

    host.reset()
    assert s3.list_buckets()["Buckets"] == []
    assert "QueueUrls" not in box.client("sqs").list_queues()
    with pytest.raises(ClientError):  # the admin is gone with the rest
        lab.client("iam").list_users()


def test_reset_starts_a_server_that_stopped_again(host: LabHost):
    host.servers["isolated"].kill()
    host.servers["isolated"].wait()
    host.reset()
    node = {
        "$": "remote",
        "kind": "sandbox",
        "server": "isolated",
        "admin_keys": ["k", "s"],
        "iam_enforced": False,
    }
    assert rebuild(node, host.folder).client("s3").list_buckets()["Buckets"] == []


GOOD = {
    "$": "remote",
    "kind": "aws-client",
    "server": "shared",
    "service": "s3",
    "region": "eu-west-1",
    "keys": ["testing", "testing"],
}
HOSTILE = [
    {**GOOD, "$": "ref"},
    {**GOOD, "kind": "pickle"},
    {**GOOD, "kind": ["aws-client"]},
    {**GOOD, "server": "other"},
    {**GOOD, "server": "../shared"},
    {**GOOD, "service": "no-such-service"},
    {**GOOD, "service": ["s3"]},
    {**GOOD, "kind": "aws-resource", "service": "lambda"},
    {**GOOD, "region": "us-east-1\n"},
    {**GOOD, "region": "../../etc"},
    {**GOOD, "region": None},
    {**GOOD, "keys": ["A" * 129, "s"]},
    {**GOOD, "keys": ["a b", "s"]},
    {**GOOD, "keys": ["a", 5]},
    {**GOOD, "keys": ["a", "b", "c"]},
    {**GOOD, "keys": "ab"},
    {**GOOD, "extra": 1},
    {k: v for k, v in GOOD.items() if k != "keys"},
    {"$": "remote", "kind": "sandbox", "server": "enforced", "admin_keys": ["a", "b"], "iam_enforced": "yes"},
    {"$": "remote", "kind": "sandbox", "server": "enforced", "admin_keys": ["a"], "iam_enforced": True},
    ["$", "remote"],
]


@pytest.mark.parametrize("node", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_node_is_refused(host: LabHost, node):
    with pytest.raises(ValueError):
        rebuild(node, host.folder)


def test_a_good_node_works_and_a_server_that_is_not_there_is_refused(host: LabHost, tmp_path: Path):
    assert rebuild(GOOD, host.folder).meta.region_name == "eu-west-1"
    assert rebuild({**GOOD, "region": "aws-global", "service": "iam"}, host.folder)
    with pytest.raises(ValueError, match="not running"):
        rebuild(GOOD, tmp_path)


def test_a_handle_checks_what_the_grader_asks(host: LabHost):
    handle = LabHandle(host.folder, "shared", ["testing", "testing"], False)
    with pytest.raises(ValueError):
        handle.client("s3", access_key="only-one")
    with pytest.raises(ValueError):
        handle.client("s3", region="mars")


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_bridge_survives_clients_that_leave_early(host: LabHost, tmp_path: Path):
    url = urlparse(local_moto.tcp_url(str(host.socket("shared"))))
    with socket.create_connection((url.hostname, url.port)) as early:  # leaves in the middle of its request
        early.sendall(b"POST /moto-api/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
    with socket.create_connection((url.hostname, url.port)) as impatient:  # leaves before the answer
        impatient.sendall(b"GET /moto-api/data.json HTTP/1.1\r\nHost: x\r\n\r\n")
    nowhere = urlparse(local_moto.tcp_url(str(tmp_path / "none.sock")))
    with socket.create_connection((nowhere.hostname, nowhere.port), timeout=10) as lost:
        assert lost.recv(10) == b""  # no server behind it: the connection is closed
    assert local_moto.tcp_url(str(host.socket("shared"))) == url.geturl()
    assert rebuild(GOOD, host.folder).list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_outside_lab_servers_mode_a_sandbox_describes_nothing(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(LAB_SOCKETS_ENV, raising=False)
    assert Sandbox().__course_remote__() is None
    monkeypatch.setenv("COURSE_AWS", "real")
    assert Sandbox().__course_remote__() is None


def test_a_missing_lab_server_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(LAB_SOCKETS_ENV, str(tmp_path))
    with pytest.raises(RuntimeError, match="lab server 'isolated' is not running"):
        Sandbox(isolated=True).start()


@pytest.mark.skipif(bool(kernel_sandbox.sandbox_problem()), reason=kernel_sandbox.sandbox_problem() or "-")
def test_a_sandboxed_lab_server(tmp_path: Path):
    lease = kernel_sandbox.UidLease()
    try:
        sandbox = {
            "uid": lease.uid,
            "limits": asdict(kernel_sandbox.Limits()),
            "roots": kernel_sandbox.trusted_roots(),
        }
        with LabHost(tmp_path / "labs", ["shared"], sandbox) as labs:
            if lease.uid is not None:
                assert labs.socket("shared").stat().st_uid == lease.uid
            s3 = rebuild(GOOD, labs.folder)
            s3.create_bucket(
                Bucket="sandboxed", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
            )
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["sandboxed"]
        assert not labs.socket("shared").exists()
    finally:
        lease.release()

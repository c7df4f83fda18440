"""The grader's lab servers: moto outside the student's kernel, on Unix sockets the kernel and grader share.

A grading worker starts a `LabHost` (one `course.grading.lab_server` per name, each in a sandbox of its
own: no network, no course files). The student's kernel sees its folder at /labs, with
COURSE_LAB_SOCKETS=/labs, so `course.aws.sandbox` talks to these servers; the grader, with
COURSE_LAB_SOCKETS set to the folder, does too, and `rebuild` turns the clients, resources and
sandboxes the kernel describes (untrusted) into the grader's own, on the same servers.
"""

import os
import re
import select
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from course import local_moto
from course.grading.kernel_sandbox import Limits, bwrap_command

LAB_SERVERS = ("shared", "isolated", "enforced")
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 5.0
MIN_MEMORY_MB = 2048  # moto with every backend it loads
MIN_CPU_S = 86400  # a server lives as long as its worker, through every submission
MAX_FOLDER_CHARS = 90  # a Unix socket path has at most 107 characters
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
KEY = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces
_session = cache(local_moto.isolated_boto3_session)  # one session for all the grader's lab clients
FIELDS = {
    "aws-client": {"$", "kind", "server", "service", "region", "keys"},
    "aws-resource": {"$", "kind", "server", "service", "region", "keys"},
    "sandbox": {"$", "kind", "server", "admin_keys", "iam_enforced"},
}


class LabHost:
    """The lab servers of one grading worker, listening on FOLDER/NAME.sock; SANDBOX: uid, limits, roots."""

    def __init__(self, folder: Path, names: list[str], sandbox: dict | None = None) -> None:
        if unknown := [n for n in names if n not in LAB_SERVERS]:
            raise ValueError(f"unknown lab servers {unknown}: choose from {LAB_SERVERS}")
        self.folder = Path(folder).resolve()
        if len(str(self.folder)) > MAX_FOLDER_CHARS:
            raise ValueError(f"{self.folder} is too long for Unix sockets: use a shorter folder")
        self.folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o755)
        if sandbox is not None and sandbox.get("uid") is not None:
            os.chown(self.folder, sandbox["uid"], sandbox["uid"])  # the servers make their sockets there
        self.names, self._sandbox = list(names), sandbox
        self.servers: dict[str, subprocess.Popen] = {}
        self._logs: dict[str, Any] = {}
        self._start(self.names)

    def __enter__(self) -> "LabHost":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def socket(self, name: str) -> Path:
        """The Unix socket of the server NAME."""
        return self.folder / f"{name}.sock"

    def _start(self, names: list[str]) -> None:
        """Start the servers NAMES and wait until they listen; stop them all if one does not."""
        try:
            for name in names:
                self._spawn(name)
            deadline = time.monotonic() + READY_TIMEOUT_S
            for name in names:
                self._wait_ready(name, deadline)
        except BaseException:
            for name in names:
                if name in self.servers:
                    self._stop(name)
            raise

    def _spawn(self, name: str) -> None:
        """Start the server NAME, in its own sandbox when the host has one."""
        command = [sys.executable, "-I", "-m", "course.grading.lab_server", name]
        sandbox = self._sandbox
        if sandbox is None:
            command, env = command + [str(self.socket(name))], dict(os.environ)
        else:
            limits = Limits(**sandbox["limits"])
            command = bwrap_command(
                uid=sandbox["uid"],
                limits=replace(
                    limits, memory_mb=max(limits.memory_mb, MIN_MEMORY_MB), cpu_s=max(limits.cpu_s, MIN_CPU_S)
                ),
                roots=sandbox["roots"],
                binds={},
                writable={"/labs": str(self.folder)},
                command=command + [f"/labs/{name}.sock"],
            )
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        log = tempfile.TemporaryFile()
        self.servers[name] = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log
        )
        self._logs[name] = log

    def _wait_ready(self, name: str, deadline: float) -> None:
        """Wait until the server NAME prints `ready`, or raise with its last output."""
        out = self.servers[name].stdout
        readable, _, _ = select.select([out], [], [], max(0.0, deadline - time.monotonic()))
        if not readable or out.readline().strip() != b"ready":
            log = self._logs[name]
            log.seek(0)
            tail = log.read().decode(errors="replace")[-800:].strip() or "(none)"
            raise RuntimeError(f"The lab server {name!r} did not start. Its last output: {tail}")

    def reset(self) -> None:
        """Wipe every server (and enforce IAM again on "enforced"); start again those that have stopped."""
        if down := [n for n in self.names if n not in self.servers or self.servers[n].poll() is not None]:
            for name in down:
                if name in self.servers:
                    self._stop(name)
            self._start(down)
        for name in self.servers:
            url = local_moto.tcp_url(str(self.socket(name)))
            local_moto.post(f"{url}/moto-api/reset")
            if name == "enforced":
                local_moto.post(f"{url}/moto-api/reset-auth", "0")

    def close(self) -> None:
        """Stop the servers (killing those that do not stop within 5 s) and remove their sockets."""
        for process in self.servers.values():
            process.terminate()
        for name in list(self.servers):
            self._stop(name)

    def _stop(self, name: str) -> None:
        """Stop the server NAME (killed if it does not stop within 5 s) and remove its socket."""
        process = self.servers.pop(name)
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        self._logs.pop(name).close()
        self.socket(name).unlink(missing_ok=True)


class LabHandle:
    """The grader's side of a student's `Sandbox` on a lab server: `client` and `resource` as in `Sandbox`."""

    def __init__(self, folder: Path, server: str, admin_keys: list[str], iam_enforced: bool) -> None:
        self.folder, self.server, self.iam_enforced = folder, server, iam_enforced
        self._admin_keys = admin_keys

    def __repr__(self) -> str:
        return f"LabHandle(server={self.server!r}, iam_enforced={self.iam_enforced})"

    def client(
        self,
        service: str,
        region: str = "us-east-1",
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> Any:
        """A boto3 client on this sandbox's server: as its admin, or as the user whose key pair is given."""
        return self._make("client", service, region, access_key, secret_key)

    def resource(
        self,
        service: str,
        region: str = "us-east-1",
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> Any:
        """A boto3 resource on this sandbox's server, like ``client``."""
        return self._make("resource", service, region, access_key, secret_key)

    def _make(
        self, kind: str, service: str, region: str, access_key: str | None, secret_key: str | None
    ) -> Any:
        """A client or resource (KIND) as the admin, or as the user whose key pair is given."""
        if (access_key is None) != (secret_key is None):
            raise ValueError("Give both access_key and secret_key, or neither.")
        keys = self._admin_keys if access_key is None else [access_key, secret_key]
        return _boto3(kind, self.folder, self.server, service, region, keys)


def rebuild(node: dict, folder: Path) -> object:
    """The grader's own object for NODE: a lab client, resource or sandbox that the kernel described."""
    if not isinstance(node, dict) or node.get("$") != "remote":
        raise ValueError("not a remote node")
    kind = node.get("kind")
    if not isinstance(kind, str) or kind not in FIELDS:
        raise ValueError(f"unknown kind of remote object: {_short(kind)}")
    if set(node) != FIELDS[kind]:
        raise ValueError(f"a {kind} node has exactly the fields {sorted(FIELDS[kind])}")
    server = _server(node["server"], Path(folder))
    if kind == "sandbox":
        if type(node["iam_enforced"]) is not bool:
            raise ValueError("iam_enforced must be true or false")
        return LabHandle(Path(folder), server, _keys(node["admin_keys"]), node["iam_enforced"])
    return _boto3(
        kind.removeprefix("aws-"), Path(folder), server, node["service"], node["region"], node["keys"]
    )


def _boto3(kind: str, folder: Path, server: str, service: object, region: object, keys: object) -> Any:
    """A boto3 client or resource (KIND) on the server's socket in FOLDER, all arguments checked."""
    session = _session()
    known = session.get_available_services() if kind == "client" else session.get_available_resources()
    if not isinstance(service, str) or service not in known:
        raise ValueError(f"AWS has no {kind} named {_short(service)}")
    if not isinstance(region, str) or not (region == "aws-global" or REGION.fullmatch(region)):
        raise ValueError(f"not an AWS region: {_short(region)}")
    key, secret = _keys(keys)
    made = getattr(session, kind)(
        service,
        region_name=region,
        endpoint_url=local_moto.tcp_url(str(folder / f"{server}.sock")),
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=local_moto.LOCAL_CONFIG,
    )
    keys = [key, secret]
    made.course_remote = {
        "$": "remote",
        "kind": f"aws-{kind}",
        "server": server,
        "service": service,
        "region": region,
        "keys": keys,
    }
    return made


def _server(server: object, folder: Path) -> str:
    """SERVER, checked: a lab server whose socket is in FOLDER."""
    if not isinstance(server, str) or server not in LAB_SERVERS:
        raise ValueError(f"unknown lab server: {_short(server)}")
    try:
        is_socket = stat.S_ISSOCK(os.stat(folder / f"{server}.sock").st_mode)
    except OSError:
        is_socket = False
    if not is_socket:
        raise ValueError(f"the lab server {server!r} is not running")
    return server


def _keys(keys: object) -> list[str]:
    """KEYS, checked: an access key id and a secret, each printable ASCII of at most 128 characters."""
    if not isinstance(keys, list | tuple) or len(keys) != 2:
        raise ValueError("keys must be an access key id and a secret")
    if not all(isinstance(k, str) and KEY.fullmatch(k) for k in keys):
        raise ValueError("a key must be printable ASCII of at most 128 characters")
    return list(keys)


def _short(value: object) -> str:
    """A short repr of an untrusted VALUE for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

"""The AWS sandbox every lab uses: a local moto server by default, real AWS only when asked.

Notebooks call ``sandbox.client("s3")``. Environment variables:
``COURSE_AWS=real`` switches the default sandbox to real AWS, ``COURSE_AWS_ALLOW_COSTS=1``
lets real-AWS labs run operations that cost money, ``NBGRADER_EXECUTION`` (set by
nbgrader while grading) forces moto whatever else is asked, and ``COURSE_LAB_SOCKETS`` (set while
grading) points moto sandboxes at the grader's lab servers instead of servers of their own.

Parts: `moto_server` (the local servers), `real_account` (tagging, the cost guard and teardown in a
real account); this module is the `Sandbox` that labs use through `client()` and `resource()`.
"""

from __future__ import annotations

import atexit
import difflib
import os
import secrets
import threading
import time
import warnings
from typing import Any

import boto3
from boto3.exceptions import ResourceNotExistsError
from botocore.exceptions import UnknownServiceError

from course.aws.sandbox.moto_server import (
    DUMMY_KEY,
    MotoProcess,
    lab_endpoint,
    lab_folder,
    quiet_logs,
    shared_endpoint,
    shared_lock,
)
from course.aws.sandbox.real_account import COSTLY_OPERATIONS, TAG_KEY, Created, RealAccount, TeardownReport
from course.errors import CourseInputError
from course.local_moto import LOCAL_CONFIG, isolated_boto3_session, post

__all__ = [
    "COSTLY_OPERATIONS",
    "TAG_KEY",
    "Created",
    "Sandbox",
    "TeardownReport",
    "client",
    "get_sandbox",
    "resource",
]

ADMIN_USER = "course-admin"
ADMIN_POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
# The calls that create the admin of an IAM-enforced sandbox: moto lets exactly these through
# unauthenticated.
ADMIN_SETUP_CALLS = 3


def _env_flag(name: str) -> bool:
    """True when the environment variable NAME says yes (1, true, yes)."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


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
        self.session_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        self._account = RealAccount(self.session_id, allow_costs)
        self._endpoint_override = endpoint_url
        self._process: MotoProcess | None = None
        self._lab: str | None = None  # the grader's lab server used in lab-servers mode
        self._session: boto3.session.Session | None = None
        self._admin_keys = (DUMMY_KEY, DUMMY_KEY)
        self._lock = threading.Lock()

    @property
    def allow_costs(self) -> bool:
        """Real AWS: whether operations that cost money beyond the free tier are let through."""
        return self._account.allow_costs

    @property
    def created(self) -> list[Created]:
        """Real AWS: the resources this sandbox's clients created and teardown() will delete."""
        return self._account.created

    @created.setter
    def created(self, items: list[Created]) -> None:
        self._account.created = items

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
                session = isolated_boto3_session()
                if lab_folder() is not None:
                    self._lab = "enforced" if self.iam_enforced else "isolated" if self.isolated else "shared"
                    lab_endpoint(self._lab)
                elif self.isolated:
                    quiet_logs()
                    self._process = MotoProcess(self.iam_enforced)
                    atexit.register(self.close)
                else:
                    shared_endpoint()
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
        if self._lab is not None:
            return lab_endpoint(self._lab)
        return self._process.url if self._process else shared_endpoint()

    def client(
        self,
        service: str,
        region: str = "us-east-1",
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> Any:
        """A boto3 client for this sandbox; pass a user's access key pair to act as that user."""
        return self._hooked(self._make("client", service, region, access_key, secret_key))

    def resource(
        self,
        service: str,
        region: str = "us-east-1",
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> Any:
        """A boto3 resource for this sandbox, like ``client``."""
        return self._hooked(self._make("resource", service, region, access_key, secret_key))

    def __course_remote__(self) -> dict | None:
        """In lab-servers mode, how the grader reaches this sandbox (`course.grading.lab_host.rebuild`)."""
        if self.mode != "moto" or lab_folder() is None:
            return None
        self.start()
        return {
            "$": "remote",
            "kind": "sandbox",
            "server": self._lab,
            "admin_keys": list(self._admin_keys),
            "iam_enforced": self.iam_enforced,
        }

    def _hooked(self, made: Any) -> Any:
        """MADE (a client or a resource), with the real-account hooks on its client in real AWS."""
        if self.mode == "aws":
            self._account.add_hooks(getattr(made.meta, "client", made))  # a resource's meta holds its client
        return made

    def reset(self) -> None:
        """Wipe every resource of the moto server (the shared one is wiped for all labs)."""
        if self.mode == "aws":
            raise CourseInputError("reset() wipes moto only; in real AWS use teardown().")
        post(f"{self.endpoint_url}/moto-api/reset")
        if self.iam_enforced:
            self._create_admin()

    def teardown(self) -> TeardownReport:
        """Real AWS: delete what this sandbox's clients created, newest first, and report it."""
        report = self._account.teardown(lambda name, region: self._make("client", name, region, None, None))
        if report.deleted or report.failed:
            print(report)
        return report

    def close(self) -> None:
        """Real AWS: tear down; isolated moto: stop its server. The shared server and the grader's lab
        servers run on."""
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
            kwargs |= {"endpoint_url": self.endpoint_url, "config": LOCAL_CONFIG}
        try:
            made = getattr(self._session, kind)(service, **kwargs)
        except (UnknownServiceError, ResourceNotExistsError) as e:
            known = (
                self._session.get_available_services()
                if kind == "client"
                else self._session.get_available_resources()
            )
            close = difflib.get_close_matches(service, known, n=3)
            hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise CourseInputError(f"AWS has no {kind} named {service!r}.{hint}") from e
        if self._lab is not None:  # how the grader makes the same client (`course.grading.lab_host.rebuild`)
            made.course_remote = {
                "$": "remote",
                "kind": f"aws-{kind}",
                "server": self._lab,
                "service": service,
                "region": region,
                "keys": [kwargs["aws_access_key_id"], kwargs["aws_secret_access_key"]],
            }
        return made

    def _create_admin(self) -> None:
        """Let moto through unauthenticated for exactly the calls that create an admin user."""
        post(f"{self.endpoint_url}/moto-api/reset-auth", str(ADMIN_SETUP_CALLS))
        iam = self._make("client", "iam", "us-east-1", DUMMY_KEY, DUMMY_KEY)
        iam.create_user(UserName=ADMIN_USER)
        iam.put_user_policy(UserName=ADMIN_USER, PolicyName="admin", PolicyDocument=ADMIN_POLICY)
        key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
        self._admin_keys = (key["AccessKeyId"], key["SecretAccessKey"])

    def _teardown_at_exit(self) -> None:
        try:
            self.teardown()
        except Exception as e:  # never let a failed clean-up hide the report
            print(f"Sandbox teardown failed: {e}. Check the AWS console for 'course-lab' tags.")


_default: Sandbox | None = None


def get_sandbox() -> Sandbox:
    """The sandbox shared by all labs in this kernel (moto unless COURSE_AWS=real)."""
    global _default
    with shared_lock:
        if _default is None:
            _default = Sandbox()
        return _default


def client(service: str, region: str = "us-east-1") -> Any:
    """A boto3 client of the shared sandbox: ``sandbox.client("s3")``."""
    return get_sandbox().client(service, region)


def resource(service: str, region: str = "us-east-1") -> Any:
    """A boto3 resource of the shared sandbox: ``sandbox.resource("s3")``."""
    return get_sandbox().resource(service, region)

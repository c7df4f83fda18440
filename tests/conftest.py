"""Fixtures shared by the tests: a private PostgreSQL server for the gradebook's tests.

The suite never writes a gradebook an instructor configured: $COURSE_GRADEBOOK_URL is dropped here,
and the tests that want PostgreSQL start their own server.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

os.environ.pop("COURSE_GRADEBOOK_URL", None)

PG_SYSTEM_USER = "course-pg"  # the unprivileged user the test server runs as when the tests run as root
PG_ROLE = "course"  # the server's superuser role (trusted over the Unix socket only)
REQUIRE_POSTGRES = "COURSE_REQUIRE_POSTGRES"


def _pg_bindir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_ctl")
    candidates = [found] if found else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    for pg_ctl in candidates:
        folder = Path(pg_ctl).resolve().parent
        if (folder / "initdb").is_file() and os.access(folder / "pg_ctl", os.X_OK):
            return folder
    return None


def _unavailable(reason: str):
    if os.environ.get(REQUIRE_POSTGRES, "").strip() in ("1", "yes", "true"):
        pytest.fail(f"PostgreSQL tests cannot run: {reason} ({REQUIRE_POSTGRES}=1)", pytrace=False)
    pytest.skip(f"PostgreSQL NOT TESTED: {reason}; install it with scripts/system-packages postgres")


def _system_user() -> dict:
    """subprocess arguments that run a command as an unprivileged user (created if need be, as root)."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER],
            check=True, capture_output=True,
        )  # fmt: skip
    entry = pwd.getpwnam(PG_SYSTEM_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL cluster in a private folder: its socket lives there too."""

    def __init__(self, bindir: Path, folder: Path, as_user: dict) -> None:
        self.bindir, self.folder, self.as_user = bindir, folder, as_user
        self.data, self.port = folder / "data", _free_port()

    def run(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bindir / argv[0]), *argv[1:]], check=True, capture_output=True, text=True,
            cwd=self.folder, env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}, **self.as_user,
        )  # fmt: skip

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", PG_ROLE, "-E", "UTF8", "--locale=C",
                 "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")  # fmt: skip
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{PG_ROLE}@/{database}?host={self.folder}&port={self.port}"

    def create_database(self) -> str:
        """A new, empty database on this server; its SQLAlchemy URL."""
        from sqlalchemy import create_engine, text

        name = f"gradebook_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server for the session (stopped and removed afterwards)."""
    bindir = _pg_bindir()
    if bindir is None:
        _unavailable("no initdb/pg_ctl (Debian package postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed")
    as_user = _system_user()
    folder = Path(tempfile.mkdtemp(prefix="course-pg-"))
    os.chmod(folder, 0o700)
    if as_user:
        os.chown(folder, as_user["user"], as_user["group"])
    server = PostgresServer(bindir, folder, as_user)
    try:
        server.start()
    except subprocess.CalledProcessError as e:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"the server did not start: {e.stderr or e.stdout}{log[-2000:]}")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server):
    """The URL of a database created on the session's private PostgreSQL server."""
    return postgres_server.create_database()

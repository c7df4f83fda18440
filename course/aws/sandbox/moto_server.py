"""The moto servers behind the sandbox: one shared in-process server, or an isolated one in a subprocess.

While grading, COURSE_LAB_SOCKETS names the folder of the grader's lab servers (lab-servers mode): moto
then runs outside the kernel, on Unix sockets reached through `course.local_moto`, and nothing starts here.
"""

import atexit
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from pathlib import Path
from typing import Any

from course import local_moto
from course.local_moto import LAB_SOCKETS_ENV, no_proxy_opener

DUMMY_KEY = "testing"
START_TIMEOUT_S = 15.0


# --- the grader's lab servers (lab-servers mode) ------------------------------------------------


def lab_folder() -> Path | None:
    """The folder of the grader's lab server sockets in lab-servers mode, else None."""
    folder = os.environ.get(LAB_SOCKETS_ENV, "")
    return Path(folder) if folder else None


def lab_endpoint(name: str) -> str:
    """The local URL of the grader's lab server NAME ("shared", "isolated" or "enforced")."""
    folder = lab_folder()
    path = folder / f"{name}.sock" if folder else None
    if path is None or not path.exists():
        raise RuntimeError(
            f"The grader's lab server {name!r} is not running ({LAB_SOCKETS_ENV}={folder}): "
            "the grading sandbox is set up wrong; tell the instructor."
        )
    return local_moto.tcp_url(str(path))


# --- the shared in-process moto server --------------------------------------------------------

shared_lock = threading.Lock()
_shared_server: Any = None
_shared_url: str | None = None


def quiet_logs() -> None:
    """Keep werkzeug's request log and moto's chatter out of the notebook."""
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # moto's errors reach the client
    logging.getLogger("moto").setLevel(logging.ERROR)


def shared_endpoint() -> str:
    """Start the shared in-process moto server on first use and return its URL (lab-servers mode: the
    grader's shared server)."""
    global _shared_server, _shared_url
    if lab_folder() is not None:
        return lab_endpoint("shared")
    with shared_lock:
        if _shared_url is None:
            quiet_logs()
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
    """Stop the shared server (at exit)."""
    global _shared_server, _shared_url
    with shared_lock:
        if _shared_server is not None:
            _shared_server.stop()
        _shared_server, _shared_url = None, None


# --- an isolated moto server in a subprocess ----------------------------------------------------


def _free_port() -> int:
    """A local TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoProcess:
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
        opener = no_proxy_opener()
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
        """Stop the server, killing it if it does not stop within 5 s."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()

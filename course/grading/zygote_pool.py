"""The zygote pool: one sandboxed, pre-imported Python per grading worker, forking a kernel per notebook.

`Zygote` starts ``python -I -m course.grading.zygote`` in the bubblewrap sandbox of
`course.grading.kernel_sandbox`, asks it for a kernel per notebook, and restarts it if a kernel
kills it; `ZygoteProvisioner` lets jupyter_client start kernels that way.
"""

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner

from course.grading.kernel_sandbox import Limits, SandboxUnavailable, bwrap_command
from course.local_moto import LAB_SOCKETS_ENV


class Zygote:
    """A grading worker's kernel sandbox: `course.grading.zygote`, imports done, forking each kernel.

    Files reach the sandbox through FOLDER/inbox (read-only at /guard: the spec, the connection file,
    the submission, matplotlib's font cache), kernel sockets through FOLDER/sockets (at /sockets).
    """

    READY_TIMEOUT_S = 120.0

    def __init__(self, settings: dict) -> None:
        self.settings, self.current = settings, None
        folder = Path(settings["sockets"])
        self.inbox, self.sockets = folder / "inbox", folder / "sockets"
        if len(str(self.sockets)) > 70:  # ZeroMQ wants socket paths under 107 characters
            self.sockets = Path(tempfile.mkdtemp(prefix="course-grade-", dir="/tmp")) / "sockets"
        for path in (self.inbox, self.sockets):
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(mode=0o755)
        mpl = self.inbox / "mpl"
        mpl.mkdir(mode=0o755)
        if settings.get("mpl_cache"):
            for cache in Path(settings["mpl_cache"]).glob("*.json"):
                shutil.copyfile(cache, mpl / cache.name)
        self.log = Path(settings.get("log") or os.devnull)
        self._log = open(self.log, "ab")  # noqa: SIM115 (closed in close())
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ctl = ours
        command = bwrap_command(
            uid=settings.get("uid"),
            limits=Limits(**settings["limits"]),
            roots=settings["roots"],
            binds={
                "/guard": str(self.inbox),
                **({"/labs": settings["labs"]} if settings.get("labs") else {}),
            },
            writable={"/sockets": str(self.sockets)},
            extra_env={LAB_SOCKETS_ENV: "/labs"} if settings.get("labs") else None,
            command=[
                sys.executable,
                "-I",
                "-m",
                "course.grading.zygote",
                str(theirs.fileno()),
                *settings.get("services", []),
            ],
        )
        self.process = subprocess.Popen(
            command,
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
        theirs.close()
        reply = self.receive(self.READY_TIMEOUT_S)
        if not reply.get("ready"):
            self.close()
            raise SandboxUnavailable(f"the grading sandbox did not start: {self.log_tail()}")
        self.init = self._child_of(self.process.pid)  # bwrap -> its init (pid 1 inside) -> the zygote
        self.pid = self._child_of(self.init)

    @staticmethod
    def _child_of(pid: int) -> int:
        return int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self) -> str:
        try:
            return self.log.read_bytes()[-500:].decode(errors="replace").strip() or "(no output)"
        except OSError:
            return "(no log)"

    def receive(self, timeout: float | None) -> dict:
        """The zygote's next message ({} when it is gone or says nothing within TIMEOUT seconds)."""
        if timeout is not None and not select.select([self.ctl], [], [], timeout)[0]:
            return {}
        try:
            data = self.ctl.recv(1 << 16)
        except OSError:
            return {}
        return json.loads(data) if data else {}

    def spawn(self, spec: str, connection: str, submission: str | None, argv: list[str]):
        """Fork a kernel: its files go to the inbox, the request over the control socket."""
        for entry in self.inbox.iterdir():
            if entry.name == "mpl":
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        shutil.copyfile(spec, self.inbox / "spec.json")
        info = json.loads(Path(connection).read_text())
        info["ip"] = f"/sockets/{Path(info['ip']).parent.name}/{Path(info['ip']).name}"
        kernel_file = self.inbox / "kernel.json"
        kernel_file.write_text(json.dumps(info))
        uid = self.settings.get("uid")
        if uid is not None:  # the kernel reads it as its own uid; nobody else in the sandbox exists
            os.chown(kernel_file, uid, uid)
        os.chmod(kernel_file, 0o400)
        if submission:
            shutil.copytree(submission, self.inbox / "submission", symlinks=True)
        if self.log.is_file():  # what one kernel printed must not bring the next to the file-size limit
            os.truncate(self.log, 0)
        self.ctl.send(json.dumps({"argv": argv}).encode())
        reply = self.receive(30)
        if "pid" not in reply:
            raise RuntimeError(f"the grading sandbox did not start a kernel: {reply or self.log_tail()}")
        self.current = ZygoteKernel(self, self._child_of(self.pid))
        return self.current

    def idle(self) -> bool:
        """End its last kernel if it still runs, wait for the sandbox's clean-up; False if none came."""
        if self.current is None:
            return True
        self.current.kill()
        try:
            self.current.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return False
        return True

    def others(self, exclude: set[int]) -> set[int]:
        """Host pids of the sandbox's processes, other than its init, the zygote and EXCLUDE."""
        found, todo = set(), [self.init]  # its descendants: orphans are adopted by its init
        while todo:
            pid = todo.pop()
            try:
                threads = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for thread in threads:  # a child is listed under the thread that started it
                try:
                    children = Path(f"/proc/{pid}/task/{thread}/children").read_text().split()
                except OSError:
                    continue
                for child in map(int, children):
                    if child not in found:
                        found.add(child)
                        todo.append(child)
        return found - exclude - {self.pid}

    def close(self) -> None:
        self.ctl.close()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
        if self.sockets.parent != self.inbox.parent:
            shutil.rmtree(self.sockets.parent, ignore_errors=True)


_zygotes: dict[str, Zygote] = {}


def zygote_for(settings: dict) -> Zygote:
    """The running zygote for these sandbox SETTINGS (one per worker), started when there is none."""
    key = settings["sockets"]
    zygote = _zygotes.get(key)
    # a new kernel's files go in only once the last kernel, and all it started, are gone
    if zygote is None or not zygote.alive() or not zygote.idle():
        if zygote is not None:
            zygote.close()
        zygote = _zygotes[key] = Zygote(settings)
    return zygote


def close_zygotes() -> None:
    """Stop this process's zygotes (a worker's last step)."""
    while _zygotes:
        _zygotes.popitem()[1].close()


class ZygoteKernel:
    """A kernel forked by the zygote, with the part of `subprocess.Popen` that jupyter_client uses."""

    LOST = -signal.SIGKILL  # the exit code given when the whole sandbox went away

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self.zygote, self.pid, self.returncode = zygote, pid, None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            reply = self.zygote.receive(0)
            if "exited" in reply:
                self.returncode = int(reply["exited"])
            elif not self.zygote.alive():
                self.returncode = self.LOST
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("kernel", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ZygoteProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching the kernel through the worker's zygote."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        km = self.parent
        self.process = km.zygote.spawn(km.sandbox["spec"], km.connection_file, km.submission, cmd)
        self.pid, self.pgid = self.process.pid, None
        self.cwd = kwargs.get("cwd")
        return self.connection_info

    async def kill(self, restart: bool = False) -> None:
        """SIGKILL, then wait for the zygote to report the end (jupyter_client would poll every 0.1 s)."""
        if self.process:
            self.process.kill()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

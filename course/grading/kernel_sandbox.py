"""The sandboxed grading kernel: bubblewrap, an unprivileged uid per worker, resource limits, no network.

Each grading worker keeps one sandbox (`Zygote`), started as

    bwrap (new pid, ipc, uts, net and cgroup namespaces; read-only /usr, /etc, Python, venv, course
           package; tmpfs /tmp and /dev/shm with a size; the worker's inbox read-only; no environment)
      setpriv (a uid of its own, no groups, no capabilities, no new privileges)
        prlimit (address space, CPU seconds, file size, open files, processes)
          python -I -m course.grading.zygote (the imports every notebook needs, done once)

and each notebook is executed by a fresh ipykernel forked from it, which boots the guard
(`course.grading.tamper`) before any student code runs. Between two kernels the zygote kills every other
process of the sandbox and empties its scratch space (see `course.grading.zygote`). The kernel talks to the
grader over ZeroMQ's IPC transport, through a socket folder of its own that is taken back (owned by
root) once the kernel is up; it cannot reach any network, the course folder, the gradebook, other
submissions or the exchange. `GuardedExecute` is nbgrader's Execute with this kernel, a cap on
output, the processes a failing cell (or a fork bomb) leaves behind killed, a final probe for the
guard and a report of what happened (time-outs, memory, kernel deaths, the guard's records) for
`course.grading.parallel`.
"""

import fcntl
import json
import os
import pwd
import re
import secrets
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from queue import Empty

import nbformat
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import channel_socket_types
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Any, Dict, Unicode

from course import notebooks
from course.grading import tamper

UID_BASE = int(os.environ.get("COURSE_GRADE_UID_BASE", "64100"))
UID_COUNT = 64
MAX_MESSAGE_BYTES = 64 * 2**20  # a bigger message from the kernel drops its connection
STRAY_LIMIT = 8  # processes a cell may leave running (a lab's server) before they count as a fork bomb
COURSE_DIR = Path(__file__).resolve().parents[1]  # the whole course package, read-only


@dataclass(frozen=True)
class Limits:
    """What one student's kernel may use. Time per submission is `grade_assignment(limit_s=...)`."""

    cell_timeout_s: int = 60  # per cell, then the kernel is interrupted (and killed if it does not stop)
    cpu_s: int = 600  # CPU seconds per kernel process
    memory_mb: int = 2048  # address space of each process (a pandas + matplotlib kernel needs ~450)
    processes: int = 96  # processes and threads of the kernel's uid
    file_mb: int = 64  # largest file it may write
    open_files: int = 256
    tmp_mb: int = 256  # its scratch space (/tmp, where the private copy of the submission lives)
    cell_output_mb: float = 1.0  # output kept per cell
    output_mb: float = 4.0  # output kept per notebook
    notebook_mb: float = 20.0  # largest notebook file accepted
    submission_mb: float = 100.0  # largest submission folder accepted
    submission_files: int = 500


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up on this machine."""


def trusted_roots() -> list[str]:
    """Folders the kernel may read besides /usr and /etc: this Python, the venv, the course package."""
    roots = []
    for path in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)), COURSE_DIR):
        real = os.path.realpath(path)
        if real.endswith("/bin"):
            real = os.path.dirname(real)
        if not real.startswith("/usr/") and real != "/usr" and real not in roots:
            roots.append(real)
    roots = sorted(roots, key=len)
    return [r for r in roots if not any(r != o and r.startswith(o + "/") for o in roots)]


def _run_as_root() -> bool:
    return os.geteuid() == 0


def private_dir() -> Path:
    """A folder only this user can write: /run/course-grade as root, else ~/.cache/course-grade.

    The uid locks and the font cache live there, not in the shared /tmp, where another local user
    could plant a symlink or a cache of their own.
    """
    if _run_as_root() and os.access("/run", os.W_OK):
        base = Path("/run")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "course-grade"
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise SandboxUnavailable(f"{folder} must be a folder owned by this user")
    if info.st_mode & 0o022:
        os.chmod(folder, 0o755)
    return folder


class UidLease:
    """An unprivileged uid used by one sandbox at a time (RLIMIT_NPROC counts per uid, host-wide)."""

    def __init__(self) -> None:
        self.uid, self._fd = None, None
        if not _run_as_root():
            return
        locks = private_dir() / "uids"
        locks.mkdir(mode=0o700, exist_ok=True)
        for uid in range(UID_BASE, UID_BASE + UID_COUNT):
            try:
                pwd.getpwuid(uid)
                continue  # a real account: not ours to use
            except KeyError:
                pass
            fd = os.open(locks / f"{uid}.lock", os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            return
        raise SandboxUnavailable(f"no free sandbox uid in {UID_BASE}..{UID_BASE + UID_COUNT - 1}")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _dirs_for(path: str, made: set[str]) -> list[str]:
    """bwrap arguments that create PATH's parents with mode 0755 (bwrap would make them 0700)."""
    args, parts = [], Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", parent]
    return args


def bwrap_command(
    *,
    uid: int | None,
    limits: Limits,
    roots: list[str],
    binds: dict[str, str],
    writable: dict[str, str],
    command: list[str],
    extra_env: dict[str, str] | None = None,
) -> list[str]:
    """The command that runs COMMAND in the sandbox; BINDS (read-only), WRITABLE: its paths -> host paths."""
    env = {
        "PATH": f"{sys.prefix}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "USER": "student",
        "LOGNAME": "student",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "IPYTHONDIR": "/tmp/ipython",
        "MPLCONFIGDIR": "/tmp/mpl",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "NBGRADER_EXECUTION": "autograde",
        **(extra_env or {}),
    }
    args = [
        shutil.which("bwrap") or "bwrap",
        "--die-with-parent",
        "--new-session",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--clearenv",
    ]
    if not _run_as_root():
        args.append("--unshare-user")
    for key, value in env.items():
        args += ["--setenv", key, value]
    args += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("/bin", "/lib", "/lib64", "/sbin", "/lib32", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", str(limits.tmp_mb * 2**20), "--tmpfs", "/tmp"]
    args += ["--perms", "1777", "--size", str(16 * 2**20), "--tmpfs", "/dev/shm"]
    made = {"/tmp", "/dev", "/proc", "/usr", "/etc"}  # mounted above: --dir would change their mode
    for root in roots:
        args += _dirs_for(root, made) + ["--ro-bind", root, root]
    for inside, outside in binds.items():
        args += _dirs_for(inside, made) + ["--ro-bind", outside, inside]
    for inside, outside in writable.items():
        args += _dirs_for(inside, made) + ["--bind", outside, inside]
    args += ["--chdir", "/tmp"]
    inner = []
    if uid is not None:
        inner += [
            shutil.which("setpriv") or "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ]
        nproc = limits.processes
    else:  # not root: the process limit counts the instructor's own processes too
        nproc = limits.processes + len([p for p in os.listdir("/proc") if p.isdigit()])
    inner += [
        shutil.which("prlimit") or "prlimit",
        f"--as={limits.memory_mb * 2**20}",
        f"--cpu={limits.cpu_s}",
        f"--fsize={limits.file_mb * 2**20}",
        f"--nofile={limits.open_files}",
        f"--nproc={nproc}",
        "--core=0",
        "--",
    ]
    return args + ["--"] + inner + command


@cache
def sandbox_problem() -> str:
    """Why the sandbox cannot run here ('' when it can): tried once per process with a real command."""
    for tool in ("bwrap", "prlimit") + (("setpriv",) if _run_as_root() else ()):
        if not shutil.which(tool):
            package = {"bwrap": "bubblewrap"}.get(tool, "util-linux")
            return f"{tool} is not installed (Debian: apt-get install {package})"
    lease = None
    try:
        lease = UidLease()
        cmd = bwrap_command(
            uid=lease.uid,
            limits=Limits(),
            roots=trusted_roots(),
            binds={},
            writable={},
            command=[sys.executable, "-I", "-c", "import course, os; print('ok', os.getuid())"],
        )
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError, SandboxUnavailable) as e:
        return f"the sandbox did not start: {e}"
    finally:
        if lease is not None:
            lease.release()
    if result.returncode != 0 or not result.stdout.startswith("ok"):
        return f"the sandbox did not start: {(result.stderr or result.stdout).strip()[:300]}"
    if _run_as_root() and result.stdout.split()[1] == "0":
        return "the sandbox kept uid 0"
    return ""


def matplotlib_cache(folder: Path) -> str:
    """A folder with matplotlib's font cache, built once, so each kernel does not rebuild it (1-2 s)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not any(folder.glob("fontlist-*.json")):
        env = {**os.environ, "MPLCONFIGDIR": str(folder)}
        subprocess.run(
            [sys.executable, "-c", "import matplotlib.font_manager"],
            env=env,
            check=False,
            capture_output=True,
            timeout=120,
        )
    return str(folder)


class GuardChannel:
    """The socket the guard in the kernel reports on; only the kernel's end crosses into the sandbox."""

    MAX_RECORDS = 5000

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.shutdown(socket.SHUT_WR)
        self._sock = ours
        self.kernel_fd = theirs.detach()
        self.records: list[bytes] = []
        self.flooded = False
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        """Close our copy of the kernel's end (so its exit shows as end of file) and start reading."""
        if self.kernel_fd >= 0:
            os.close(self.kernel_fd)
            self.kernel_fd = -1
        self._thread.start()

    def _read(self) -> None:
        while True:
            try:
                data = self._sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            if len(self.records) < self.MAX_RECORDS:
                self.records.append(data)
            else:
                self.flooded = True

    def finish(self, timeout: float = 5.0) -> list[bytes]:
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()
        if self.kernel_fd >= 0:
            os.close(self.kernel_fd)
            self.kernel_fd = -1
        return self.records


class GuardedKernelClient(AsyncKernelClient):
    """The grader's end of the kernel connection, refusing oversized messages."""

    def _create_connected_socket(self, channel, identity=None):
        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if identity:
            sock.identity = identity
        sock.connect(self._make_url(channel))
        return sock

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """jupyter_client's wait for the kernel_info reply, without its last 0.2 s of waiting for silence
        on IOPub (nbclient ignores IOPub messages that answer other requests)."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:
                    await self.iopub_channel.get_msg(timeout=0.2)  # IOPub is connected once it speaks
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


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
            binds={"/guard": str(self.inbox)},
            writable={"/sockets": str(self.sockets)},
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

    def spawn(self, spec: str, connection: str, submission: str | None, guard_fd: int, argv: list[str]):
        """Fork a kernel: its files go to the inbox, its guard socket over the control socket."""
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
        socket.send_fds(self.ctl, [json.dumps({"argv": argv}).encode()], [guard_fd])
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
        spec, guard = km.sandbox["spec"], km.guard_fd
        self.process = km.zygote.spawn(spec, km.connection_file, km.submission, guard, cmd)
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


class SandboxKernelManager(AsyncKernelManager):
    """A kernel forked in the worker's sandbox (`Zygote`), over IPC, with the guard; cleans up after it."""

    sandbox = Dict(help="settings: uid, limits, roots, spec, mpl_cache, log, sockets").tag(config=False)

    def __init__(self, **kwargs) -> None:
        kwargs["kernel_name"] = "python3"  # whatever the notebook claims; the command is ours anyway
        super().__init__(**kwargs)
        self.client_factory = GuardedKernelClient
        self.transport = "ipc"
        self.zygote = zygote_for(self.sandbox)
        # ZeroMQ wants socket paths under 107 characters: the sandbox sees this folder as /sockets/k...
        self.sockdir = tempfile.mkdtemp(prefix="k", dir=self.zygote.sockets)
        self.ip = f"{self.sockdir}/k"
        uid = self.sandbox.get("uid")
        if uid is not None:
            os.chown(self.sockdir, uid, uid)
        os.chmod(self.sockdir, 0o700)
        self.channel = GuardChannel()
        self.submission: str | None = None

    @property
    def guard_fd(self) -> int:
        return self.channel.kernel_fd

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None:
            spec.interrupt_mode = "message"  # on the control channel: the grader never signals inside
        return spec

    async def _async_pre_start_kernel(self, **kw):
        self.submission = kw.get("cwd")
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or secrets.token_hex(16)
        if self.provisioner is None:
            self.provisioner = ZygoteProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        """ipykernel's arguments in the forked child (the sandbox and the guard are the zygote's)."""
        return ["-f", "/guard/kernel.json", *(extra_arguments or [])]

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        try:
            await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            self.channel.start()

    def seal(self) -> None:
        """Take the socket folder back once the kernel has bound its sockets: it may not write there."""
        os.chown(self.sockdir, 0, 0) if _run_as_root() else os.chmod(self.sockdir, 0o500)

    def _kernel_pid(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return process.pid if isinstance(process, ZygoteKernel) else None

    def sandbox_pids(self) -> set[int]:
        """Host pids of the processes in the sandbox other than its init, the zygote and the kernel."""
        kernel = self._kernel_pid()
        return self.zygote.others({kernel}) if kernel else set()

    @staticmethod
    def kill(pids: set[int]) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def exit_reason(self) -> str:
        """Why the kernel ended, in words, from its exit code as the zygote saw it."""
        process = getattr(self.provisioner, "process", None)
        code = process.poll() if process is not None else None
        if code is None:
            return "the kernel stopped responding"
        if code == tamper.GUARD_EXIT:
            return "the kernel was stopped by the guard"
        if code == -signal.SIGXCPU:
            return "killed: CPU time limit"
        if code == -signal.SIGKILL:
            return "killed (out of memory, or by a signal)"
        if code < 0:
            return f"the kernel was killed by signal {-code}"
        return f"the kernel exited (status {code})"

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.sockdir, ignore_errors=True)

    cleanup_resources = run_sync(_async_cleanup_resources)


def _error(ename: str, evalue: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class GuardedExecute(Execute):
    """nbgrader's Execute in the sandbox, with output caps, a final probe and a report per notebook."""

    sandbox = Dict(help="settings for SandboxKernelManager (uid, limits, roots, mpl_cache)").tag(config=True)
    report_dir = Unicode("", help="folder of <notebook>.spec.json in, <notebook>.verdict.json out").tag(
        config=True
    )
    kernel_manager_class = Any(SandboxKernelManager)

    def create_kernel_manager(self):
        settings = dict(self.sandbox, spec=str(Path(self.report_dir) / f"{self._notebook}.spec.json"))
        self.km = SandboxKernelManager(config=self.config, sandbox=settings)
        return self.km

    def output(self, outs, msg, display_id, cell_index):
        limits = Limits(**self.sandbox["limits"])
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        size += len(str(content.get("evalue", ""))) + sum(len(str(t)) for t in content.get("traceback", []))
        self._sizes[cell_index] = self._sizes.get(cell_index, 0) + size
        self._total += size
        if self._sizes[cell_index] > limits.cell_output_mb * 2**20 or self._total > limits.output_mb * 2**20:
            if cell_index not in self._cut:
                self._cut.add(cell_index)
                outs.append(
                    _error("OutputLimitExceeded", f"more than {limits.cell_output_mb:g} MB of output")
                )
                self._events.append(f"output limit hit in cell {cell_index}")
                if self.km is not None:
                    run_sync(self.km.interrupt_kernel)()
            return None
        return super().output(outs, msg, display_id, cell_index)

    async def _async_handle_timeout(self, timeout, cell=None):
        self._events.append(f"timed out in cell {self._cell} ({timeout} s)")
        return await super()._async_handle_timeout(timeout, cell)

    def preprocess(self, nb, resources=None, km=None):
        self._notebook = (resources or {}).get("unique_key", "notebook")
        self._events, self._sizes, self._total, self._cut, self._cell = [], {}, 0, set(), 0
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.shutdown_kernel = "immediate"
        nonce, completed, started, manager = secrets.token_hex(8), False, False, None
        clock = time.perf_counter()
        timing = {"kernel": 0.0, "cells": 0.0}
        try:
            with self.setup_kernel():
                manager = self.km
                manager.seal()
                info = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                started = True
                timing["kernel"], clock = time.perf_counter() - clock, time.perf_counter()
                for index, cell in enumerate(self.nb.cells):
                    self._cell = index
                    running = manager.sandbox_pids()
                    try:
                        self.preprocess_cell(cell, resources, index)
                    finally:
                        self._reap(manager, running, cell, index)
                self._cell = len(self.nb.cells)
                timing["cells"] = time.perf_counter() - clock
                self.wait_for_reply(self.kc.execute(tamper.FINAL_PROBE + nonce + "\n", store_history=False))
                completed = True
        except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as e:
            manager = manager or self.km
            if not started:
                raise
            reason = manager.exit_reason() if manager is not None else str(e)
            if isinstance(e, CellTimeoutError):
                reason = "timed out: the kernel did not stop when interrupted"
            self._events.append(f"{reason} (cell {self._cell})")
            self._stop(self._cell, reason)
        finally:
            records = manager.channel.finish() if manager is not None else []
        for index, cell in enumerate(self.nb.cells):
            if any(o.get("ename") == "MemoryError" for o in cell.get("outputs", [])):
                self._events.append(f"ran out of memory in cell {index}")
        verdict = {
            "events": self._events,
            "records": [r.hex() for r in records],
            "flooded": manager.channel.flooded if manager is not None else False,
            "nonce": nonce,
            "completed": completed,
            "timing": timing,
        }
        (Path(self.report_dir) / f"{self._notebook}.verdict.json").write_text(json.dumps(verdict))
        self.set_widgets_metadata()
        return self.nb, self.resources

    def _reap(self, manager, running: set[int], cell, index: int) -> None:
        """Kill the processes a cell started if it failed or started many (a fork bomb); a lab's one
        server process started by a cell that worked is left to serve the next cells."""
        new = manager.sandbox_pids() - running
        failed = any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        if new and (failed or len(new) > STRAY_LIMIT):
            manager.kill(new)
            self._events.append(f"{len(new)} processes left running by cell {index} were killed")

    def _stop(self, start: int, reason: str) -> None:
        """Cells from START on did not run: graded ones get an error, so nbgrader scores them zero."""
        for cell in self.nb.cells[start:]:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
                cell.outputs.append(_error("KernelDied", reason))


def sandbox_settings(
    uid: int | None,
    limits: Limits,
    mpl_cache: str | None,
    scratch: str | None = None,
    services: list[str] | None = None,
) -> dict:
    """The settings GuardedExecute passes to each SandboxKernelManager (SCRATCH: the worker's folder;
    SERVICES: the AWS services whose moto backends the zygote imports)."""
    return {
        "uid": uid,
        "limits": asdict(limits),
        "roots": trusted_roots(),
        "mpl_cache": mpl_cache,
        "log": f"{scratch}/kernel.log" if scratch else None,
        "sockets": scratch,
        "services": services or [],
    }


LAB_CALL = re.compile(r"""\b(?:client|resource)\(\s*["']([a-z0-9-]+)["']""")


def lab_services(folder: Path) -> list[str]:
    """The AWS services the notebooks in FOLDER call through `course.aws.sandbox` (to preload)."""
    found = set()
    for path in notebooks.notebook_paths(folder):
        for cell in notebooks.read(path).cells:
            if cell.cell_type == "code":
                found.update(LAB_CALL.findall(cell.source))
    return sorted(found)

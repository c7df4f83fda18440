"""The sandboxed grading kernel: bubblewrap, an unprivileged uid per worker, resource limits, no network.

Each grading worker keeps one sandbox (`Zygote`), started as

    bwrap (new pid, ipc, uts, net and cgroup namespaces; read-only /usr, /etc, Python, venv, course
           package; tmpfs /tmp and /dev/shm with a size; the worker's inbox read-only; no environment)
      setpriv (a uid of its own, no groups, no capabilities, no new privileges)
        prlimit (address space, CPU seconds, file size, open files, processes)
          python -I -m course.grading.zygote (the imports every notebook needs, done once)

and each notebook is executed by a fresh ipykernel forked from it (`course.grading.kernel_boot`).
Between two kernels the zygote kills every other process of the sandbox and empties its scratch space
(see `course.grading.zygote`). The kernel talks to the grader over ZeroMQ's IPC transport, through a
socket folder of its own that is taken back (owned by root) once the kernel is up; it cannot reach any
network, the course folder, the gradebook, other submissions or the exchange.
`course.grading.guarded_kernel.GuardedExecute` is nbgrader's Execute with this kernel, the test cells
run in the grader, a cap on output, the processes a failing cell (or a fork bomb) leaves behind killed,
and a report of what happened (time-outs, memory, kernel deaths) for `course.grading.parallel`.
"""

import fcntl
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from course import notebooks

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
    cell_output_mb: float = 1.0  # output kept per cell; the rest is dropped as it arrives
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


def run_as_root() -> bool:
    return os.geteuid() == 0


def private_dir() -> Path:
    """A folder only this user can write: /run/course-grade as root, else ~/.cache/course-grade.

    The uid locks and the font cache live there, not in the shared /tmp, where another local user
    could plant a symlink or a cache of their own.
    """
    if run_as_root() and os.access("/run", os.W_OK):
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
        if not run_as_root():
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
    if not run_as_root():
        args.append("--unshare-user")
    for key, value in _sandbox_env(extra_env).items():
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
    return args + ["--"] + _unprivileged(uid, limits) + command


def _sandbox_env(extra_env: dict[str, str] | None) -> dict[str, str]:
    """The whole environment of a sandboxed process (bwrap clears the grader's)."""
    return {
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


def _unprivileged(uid: int | None, limits: Limits) -> list[str]:
    """setpriv to UID (no groups, capabilities or new privileges), then prlimit with LIMITS."""
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
    return inner


@cache
def sandbox_problem() -> str:
    """Why the sandbox cannot run here ('' when it can): tried once per process with a real command."""
    for tool in ("bwrap", "prlimit") + (("setpriv",) if run_as_root() else ()):
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
    if run_as_root() and result.stdout.split()[1] == "0":
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


def sandbox_settings(
    uid: int | None,
    limits: Limits,
    mpl_cache: str | None,
    scratch: str | None = None,
    services: list[str] | None = None,
    labs: str | None = None,
) -> dict:
    """The settings GuardedExecute passes to each SandboxKernelManager (SCRATCH: the worker's folder;
    SERVICES: the AWS services whose moto backends the zygote imports; LABS: the lab servers' folder)."""
    return {
        "uid": uid,
        "limits": asdict(limits),
        "roots": trusted_roots(),
        "mpl_cache": mpl_cache,
        "log": f"{scratch}/kernel.log" if scratch else None,
        "sockets": scratch,
        "services": services or [],
        "labs": labs,
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


def lab_servers(folder: Path) -> list[str]:
    """The lab servers the notebooks in FOLDER need while graded (`course.grading.lab_host`)."""
    names = []
    for path in notebooks.notebook_paths(folder):
        for cell in notebooks.read(path).cells:
            if cell.cell_type != "code":
                continue
            if LAB_CALL.search(cell.source) or "Sandbox(" in cell.source:
                names.append("shared")
            for call in re.findall(r"Sandbox\(([^)]*)\)", cell.source):
                if "iam_enforced=True" in call:
                    names.append("enforced")
                elif "isolated=True" in call:
                    names.append("isolated")
    return sorted(set(names))

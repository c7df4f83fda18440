"""The kernel zygote: one sandbox per grading worker that does the heavy imports once and forks each kernel.

Started by `course.grading.zygote_pool.Zygote` as ``python -I -m course.grading.zygote FD`` inside
the bubblewrap sandbox (its own uid, limits, no network, read-only files). It imports what every course
notebook imports (ipykernel, pandas, matplotlib, boto3, moto's server and the backends of the services
the assignment's labs call), then, for each request on the control socket FD, forks a child that
starts ipykernel with `course.grading.kernel_boot.boot`; the files (spec, connection file,
submission) are in /guard.

Between two kernels nothing of the first survives: when the child has ended the zygote kills every
other process of the sandbox (one ``kill(-1)``, which no fork can escape), waits until they are gone
and empties /tmp and /dev/shm, and only then reads the next request. The zygote is not dumpable, so
no kernel can ptrace it, read its memory or its file descriptors; a kernel that kills it only ends
its own grading (the worker starts a new zygote). This module imports only the standard library at
the top, like `course.grading.kernel_boot`.
"""

import importlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import time
import traceback

# What the course's notebooks import; moto's backends are the services its labs call. Imports only:
# nothing here creates state (a moto backend's Regions are made on first use, in the kernel).
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.font_manager",
    "matplotlib.backends.backend_agg",
    "boto3",
    "botocore.session",
    "moto.server",
    "moto.backends",
)
MOTO_SERVICES = ("s3", "sts", "iam")  # what the course package itself calls; the worker adds the labs'
SCRATCH = ("/tmp", "/dev/shm")
CLEAN_TIMEOUT_S = 10.0


def _preload(services: list[str]) -> None:
    """Import PRELOAD and the moto backends of SERVICES; what fails to import is left to the kernel."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 (the kernel will import it, and report the error in its cell)
            pass
    try:
        from moto.backends import get_backend
    except Exception:  # noqa: BLE001
        return
    for service in (*MOTO_SERVICES, *services):
        try:
            get_backend(service)
        except Exception:  # noqa: BLE001 (a service moto does not know: the lab will say so)
            pass


def _empty(folder: str, mounts: list[str]) -> None:
    """Delete what FOLDER holds, around MOUNTS (the read-only folders bound there, such as a venv)."""
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if any(m == path or m.startswith(path + "/") for m in mounts):
            if path not in mounts:
                _empty(path, mounts)
        elif os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _wipe() -> None:
    """Empty the sandbox's scratch folders."""
    with open("/proc/self/mounts", encoding="utf-8") as f:
        mounts = [line.split()[1] for line in f]
    for folder in SCRATCH:
        _empty(folder, [m for m in mounts if m.startswith(folder + "/")])


def _others() -> list[int]:
    """Processes of the sandbox besides its init (pid 1) and the zygote."""
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]


def _clean() -> None:
    """Kill whatever the last kernel left running and empty the scratch folders; exit if that fails."""
    deadline = time.monotonic() + CLEAN_TIMEOUT_S
    while _others():
        try:
            os.kill(-1, signal.SIGKILL)  # every process we may signal but ourselves and init, atomically
        except ProcessLookupError:
            pass
        if time.monotonic() > deadline:
            os._exit(70)  # the worker starts a fresh sandbox
        time.sleep(0.01)
    _wipe()


def _wait(ctl: socket.socket, pid: int) -> int:
    """Wait for the kernel PID to end; its exit code (negative: the signal that killed it)."""
    ended = os.pidfd_open(pid)
    try:
        while True:
            readable, _, _ = select.select([ctl, ended], [], [])
            if ended in readable:
                return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            if not ctl.recv(1 << 16):  # the worker is gone: so are we, and the kernel
                os.kill(pid, signal.SIGKILL)
                os._exit(0)
    finally:
        os.close(ended)


def _child(ctl: socket.socket, argv: list[str]) -> None:
    """Start ipykernel in the forked child; never returns."""
    code = 1
    try:
        ctl.close()
        from course.grading import kernel_boot

        kernel_boot.boot("/guard/spec.json", argv)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 (printed to the kernel log; the grader sees the kernel end)
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def serve(ctl: socket.socket, services: list[str]) -> None:
    """Answer spawn requests on CTL until the worker closes it; SERVICES: moto backends to preload."""
    from course.grading import kernel_boot

    kernel_boot.no_dump()
    kernel_boot.prepare({"mpl_cache": "/guard/mpl", "workdir": "/tmp/work"})
    _preload(services)
    ctl.send(json.dumps({"ready": True}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(ctl, 1 << 16, 4)
        except OSError:
            return
        if not message:
            return
        request = json.loads(message)
        for fd in fds:
            os.close(fd)
        if fds or not isinstance(request.get("argv"), list):
            ctl.send(json.dumps({"error": "a spawn request carries argv only"}).encode())
            continue
        os.chdir("/")
        pid = os.fork()
        if pid == 0:
            _child(ctl, [str(a) for a in request["argv"]])
        ctl.send(json.dumps({"pid": pid}).encode())
        code = _wait(ctl, pid)
        _clean()
        ctl.send(json.dumps({"exited": code}).encode())


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), sys.argv[2:])

"""Grade on a Dask distributed cluster: `course grade --scheduler ADDRESS`.

The grading is the local pool's (`course.grading.parallel`), spread over the workers of a Dask
cluster. Each Dask worker holds, through `GradingPlugin`, one grading process running
`parallel._worker_main` (the same checks, sandbox, grader and pre-imported zygote) on a private
course folder of its own: the course's nbgrader_config.py, the assignment's source/ folder and a
private SQLite snapshot of the gradebook, all sent by the parent when the run starts. The sandbox
and the imports are paid once per Dask worker and run, not per submission.

One Dask task grades one submission. Its files travel with it as bytes (read here after the same
preflight checks a local worker makes); it returns the reply a local worker sends plus the executed
notebooks as bytes. The parent process, the one calling `grade_assignment`, saves them and alone
writes the gradebook (`record_safely`, `save_zero`), as `parallel._run_pool` does, so the cluster
never needs the course folder nor the gradebook. A Dask worker killed mid-run loses no submission:
the scheduler runs its tasks again elsewhere (and a failed task is retried, `RETRIES`). The
wall-clock limit is applied on the worker (the grading process is killed and started again) and,
should a worker not answer, here: each attempt reports its start (topic `START_TOPIC`), and a task
still running `GRACE_S` after its limit is cancelled and scored zero.
"""

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path

from distributed import WorkerPlugin

from course.errors import CourseInputError
from course.grading import tamper
from course.grading.gradebook_writer import Outcome, private_copy, record_safely, save_zero
from course.grading.kernel_sandbox import Limits

log = logging.getLogger("course.grade")
PLUGIN_PREFIX = "course-grade-"
START_TOPIC = "course-grade-start"
RETRIES = 2  # a task that fails (its worker's grading process would not start) runs again
GRACE_S = 60.0  # beyond the limit, for a worker to stop a submission and answer, before the parent gives up
POLL_S = 0.2
CONNECT_S = 30.0  # to reach the scheduler
WORKERS_S = 300.0  # for the cluster's first worker (a job queue may take a while to start one)


class WorkerUnfit(RuntimeError):
    """A Dask worker cannot grade (no sandbox, or its grading process does not start)."""


def _files_of(folder: Path) -> dict[str, bytes]:
    """The regular files under FOLDER (relative path -> bytes); links are not followed."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as f:
                files[path.relative_to(folder).as_posix()] = f.read()
    return files


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for rel, data in files.items():
        target = (folder / rel).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise ValueError(f"file outside its folder: {rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


class _Grader:
    """A grading process (`parallel._worker_main`) started with subprocess on a Dask worker.

    A Dask worker may be a daemonic process, which multiprocessing forbids to have children, so the
    process is a plain `python -m course.grading.cluster` joined by a socket pair. It kills its
    process group (itself, the zygote, the kernels) if the Dask worker that started it dies.
    """

    def __init__(self, root: Path, scratch: Path, snapshot: Path, options: dict) -> None:
        self.scratch = scratch
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        shutil.copy2(snapshot, scratch / "gradebook.db")
        ours, theirs = socket.socketpair()
        self.conn = Connection(ours.detach())
        argv = [sys.executable, "-m", "course.grading.cluster", str(theirs.fileno()), str(root), str(scratch)]
        self.process = subprocess.Popen(
            [*argv, json.dumps(options)], pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL
        )
        theirs.close()

    def wait_ready(self, timeout: float) -> None:
        try:
            ready = self.conn.poll(timeout) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise WorkerUnfit("the grading process did not start on this Dask worker; see its log")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            self.process.kill()
        self.process.wait(5)
        self.conn.close()

    def stop(self) -> None:
        if self.alive():
            try:
                self.conn.send(None)
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.alive():
            self.kill()


class GradingPlugin(WorkerPlugin):
    """On each Dask worker: a private course folder and one grading process for one run of `course grade`.

    Registered with `Client.register_plugin` (so a worker that joins or restarts mid-run gets it too),
    removed at the end of the run, which stops the grading process and deletes the folder.
    """

    def __init__(self, run: str, assignment: str, course: dict[str, bytes], snapshot: bytes, options: dict):
        self.name = PLUGIN_PREFIX + run
        self.assignment, self.course, self.snapshot, self.options = assignment, course, snapshot, options

    def setup(self, worker=None) -> None:
        self.lock = threading.Lock()
        self.grader: _Grader | None = None
        self.base = Path(tempfile.mkdtemp(prefix="course-grade-"))
        os.chmod(self.base, 0o700)
        self.root = self.base / "course"
        _write_files(self.root, self.course)
        (self.base / "snapshot.db").write_bytes(self.snapshot)

    def teardown(self, worker=None) -> None:
        with self.lock:
            if self.grader is not None:
                self.grader.stop()
                self.grader = None
            shutil.rmtree(self.base, ignore_errors=True)

    def _local_options(self) -> dict:
        from course.grading.kernel_sandbox import matplotlib_cache, private_dir, sandbox_problem

        problem = sandbox_problem()
        if problem and not self.options["allow_unsandboxed"]:
            raise WorkerUnfit(f"cannot sandbox student code on this Dask worker: {problem}")
        if problem:
            log.warning("grading WITHOUT the sandbox on this Dask worker (%s)", problem)
        return {
            "sandboxed": not problem,
            "limits": self.options["limits"],
            "mpl_cache": None if problem else matplotlib_cache(private_dir() / "mpl"),
            "services": self.options["services"],
            "labs": self.options["labs"],
        }

    def _ready(self) -> _Grader:
        from course.grading.parallel import WORKER_START_S

        if self.grader is not None and not self.grader.alive():
            self.grader.kill()
            self.grader = None
        if self.grader is None:
            options = self._local_options()
            grader = _Grader(self.root, self.base / "grader", self.base / "snapshot.db", options)
            grader.wait_ready(WORKER_START_S)
            self.grader = grader
        return self.grader

    def grade(self, worker, student: str, files: dict[str, bytes], limit_s: float) -> dict:
        """Grade one submission with this worker's grading process; the reply and the executed files."""
        worker.log_event(START_TOPIC, {"plugin": self.name, "student": student, "running": False})
        with self.lock:
            grader = self._ready()
            folder = self.root / "submitted" / student / self.assignment
            _write_files(folder, files)
            worker.log_event(START_TOPIC, {"plugin": self.name, "student": student, "running": True})
            started = time.monotonic()
            grader.conn.send((self.assignment, student))
            try:
                while not grader.conn.poll(POLL_S):
                    if not grader.alive() or time.monotonic() - started > limit_s:
                        timed_out = grader.alive()
                        grader.kill()
                        self.grader = None
                        return {"student": student, "lost": "timed out" if timed_out else "died"}
                reply = grader.conn.recv()
            except (EOFError, OSError):
                grader.kill()
                self.grader = None
                return {"student": student, "lost": "died"}
            finally:
                shutil.rmtree(folder.parent, ignore_errors=True)
            executed = grader.scratch / "autograded" / student / self.assignment
            out = _files_of(executed) if executed.is_dir() else {}
            shutil.rmtree(executed.parent, ignore_errors=True)
            return {"reply": reply, "executed": out}


def grade_task(plugin: str, student: str, files: dict[str, bytes], limit_s: float) -> dict:
    """The Dask task: grade STUDENT's submission (FILES) on this worker."""
    from distributed import get_worker

    worker = get_worker()
    return worker.plugins[plugin].grade(worker, student, files, limit_s)


def _course_files(root: Path, assignment: str) -> dict[str, bytes]:
    """What a worker's private course folder needs: the nbgrader config and the assignment's source."""
    files = {"nbgrader_config.py": (root / "nbgrader_config.py").read_bytes()}
    for rel, data in _files_of(root / "source" / assignment).items():
        files[f"source/{assignment}/{rel}"] = data
    return files


def grade_on_cluster(
    root: Path,
    main,
    assignment: str,
    students: list[str],
    limit_s: float,
    limits: Limits,
    allow_unsandboxed: bool,
    on_done: Callable[[Outcome], None] | None,
    scheduler: str,
) -> list[Outcome]:
    """Grade STUDENTS' submissions of ASSIGNMENT on the Dask cluster at SCHEDULER; save them here."""
    from distributed import Client

    from course.grading.kernel_sandbox import lab_servers, lab_services

    try:
        client = Client(scheduler, timeout=f"{CONNECT_S:g}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise CourseInputError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    with client, tempfile.TemporaryDirectory(prefix="course-grade-") as tmp:
        try:
            client.wait_for_workers(1, timeout=WORKERS_S)
        except TimeoutError:
            raise CourseInputError(f"the Dask cluster at {scheduler} has no workers") from None
        scratch = Path(tmp)
        os.chmod(scratch, 0o700)
        private_copy(main.coursedir.db_url, scratch / "snapshot.db", main.coursedir.course_id, assignment)
        options = {
            "limits": asdict(limits),
            "services": lab_services(root / "source" / assignment),
            "labs": lab_servers(root / "source" / assignment),
            "allow_unsandboxed": allow_unsandboxed,
        }
        run = uuid.uuid4().hex[:12]
        plugin = GradingPlugin(
            run, assignment, _course_files(root, assignment), (scratch / "snapshot.db").read_bytes(), options
        )
        client.register_plugin(plugin, name=plugin.name)
        try:
            run = _Run(client, root, scratch, assignment, plugin.name, limit_s, limits, on_done)
            return run.grade(students)
        finally:
            client.unregister_worker_plugin(plugin.name)


class _Run:
    """One run on the cluster: submit a task per student, save each result here as it comes."""

    def __init__(self, client, root, scratch, assignment, plugin, limit_s, limits, on_done) -> None:
        self.client, self.root, self.scratch, self.assignment = client, root, scratch, assignment
        self.limits = limits
        self.plugin, self.limit_s, self.on_done = plugin, limit_s, on_done
        self.outcomes: list[Outcome] = []
        self.started: dict[str, float] = {}  # student -> when its current attempt started (here)
        self.submitted: dict[str, float] = {}

    def _on_start(self, event) -> None:
        _, msg = event
        if msg.get("plugin") != self.plugin:
            return
        if msg.get("running"):  # this attempt's clock starts now
            self.started[msg["student"]] = time.monotonic()
        else:  # a new attempt (another worker, after one died): no clock until it runs
            self.started.pop(msg["student"], None)

    def grade(self, students: list[str]) -> list[Outcome]:
        limits = self.limits
        self.client.subscribe_topic(START_TOPIC, self._on_start)
        pending = {}
        try:
            for student in students:
                folder = self.root / "submitted" / student / self.assignment
                problems, _ = tamper.preflight(
                    folder, [], limits.notebook_mb, limits.submission_mb, limits.submission_files
                )
                if problems:
                    reply = {"student": student, "refused": problems, "tampered": [], "events": []}
                    self._record(reply | {"ok": False, "log": "", "seconds": 0.0}, {})
                    continue
                future = self.client.submit(
                    grade_task, self.plugin, student, _files_of(folder), self.limit_s,
                    key=f"{self.plugin}-{student}", retries=RETRIES, pure=False,
                )  # fmt: skip
                pending[future], self.submitted[student] = student, time.monotonic()
            while pending:
                self._step(pending)
        finally:
            for future in pending:
                future.cancel()
            self.client.unsubscribe_topic(START_TOPIC)
        return self.outcomes

    def _step(self, pending: dict) -> None:
        """Save what finished; zero what overran its limit without an answer."""
        now = time.monotonic()
        for future, student in list(pending.items()):
            if future.done():
                del pending[future]
                self._finished(future, student)
            elif now - self.started.get(student, now) > self.limit_s + GRACE_S:
                del pending[future]
                future.cancel()
                self._zero(student, "timed out", f"timed out after {self.limit_s:g} s")
        time.sleep(POLL_S)

    def _finished(self, future, student: str) -> None:
        from distributed.scheduler import KilledWorker

        if future.status == "error":
            error = future.exception()
            if isinstance(error, KilledWorker):
                self._zero(student, "failed", "the grading worker died")
                return
            raise CourseInputError(f"grading {student} on the cluster failed: {error}")
        result = future.result()
        if "lost" in result:
            timed_out = result["lost"] == "timed out"
            reason = f"timed out after {self.limit_s:g} s" if timed_out else "the grading worker died"
            self._zero(student, "timed out" if timed_out else "failed", reason)
            return
        self._record(result["reply"], result["executed"])

    def _record(self, reply: dict, executed: dict[str, bytes]) -> None:
        base = self.scratch / "executed"
        folder = base / reply["student"] / self.assignment
        if executed:
            _write_files(folder, executed)
        outcome = record_safely(self.root, self.scratch, base, self.assignment, reply)
        shutil.rmtree(folder, ignore_errors=True)
        self._done(outcome)

    def _zero(self, student: str, status: str, reason: str) -> None:
        save_zero(self.root, self.scratch, self.assignment, student, reason)
        since = self.started.get(student, self.submitted.get(student, time.monotonic()))
        self._done(Outcome(student, status, time.monotonic() - since, reason))

    def _done(self, outcome: Outcome) -> None:
        from course.grading.parallel import _log

        _log(outcome)
        self.outcomes.append(outcome)
        if self.on_done:
            self.on_done(outcome)


def _serve(argv: list[str]) -> None:
    """The grading process on a Dask worker: `parallel._worker_main` on the socket it was given."""
    from course.grading.parallel import _worker_main

    parent = os.getppid()

    def watch() -> None:  # the Dask worker died: take the process group (zygote, kernels) down
        while os.getppid() == parent:
            time.sleep(1)
        if os.getpgrp() == os.getpid():  # after _worker_main's setsid: the group is ours alone
            os.killpg(os.getpid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()
    _worker_main(Connection(int(argv[0])), argv[1], argv[2], json.loads(argv[3]))


if __name__ == "__main__":
    _serve(sys.argv[1:])

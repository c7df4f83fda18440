"""`course grade --scheduler`: grading on a Dask cluster scores as plain `nbgrader autograde`.

A real scheduler and two `dask worker` processes run on 127.0.0.1 for the module; every process
they started is killed at the end, also when a test fails.
"""

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from distributed import Client
from submissions import submit_simulated_class

from course import notebooks
from course.errors import CourseInputError
from course.grading import cluster as cluster_module
from course.grading.cluster import START_TOPIC, _write_files
from course.grading.kernel_sandbox import sandbox_problem
from course.grading.parallel import grade_assignment
from course.instructor.roundtrip import autograde, grading_course, scores, submit

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"
DASK = Path(sys.executable).parent / "dask"
UNSANDBOXED = bool(sandbox_problem())  # as tests/test_parallel_grade.py: scores either way

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_tree(pid: int) -> None:
    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for p in procs:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


def _graders(pid: int) -> list[psutil.Process]:
    """The grading processes (course.grading.cluster) under the process PID."""
    try:
        found = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [p for p in found if "course.grading.cluster" in " ".join(p.cmdline())]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    logs = tmp_path_factory.mktemp("dask-logs")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    common = {"stdin": subprocess.DEVNULL, "stderr": subprocess.STDOUT, "start_new_session": True}
    procs = []
    try:
        scheduler_cmd = [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]
        procs.append(subprocess.Popen(scheduler_cmd, stdout=open(logs / "scheduler.log", "wb"), **common))  # noqa: SIM115
        for k in range(2):
            worker_cmd = [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1"]
            worker_cmd += ["--host", "127.0.0.1", "--no-dashboard", "--death-timeout", "60"]
            procs.append(subprocess.Popen(worker_cmd, stdout=open(logs / f"worker-{k}.log", "wb"), **common))  # noqa: SIM115
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield {"address": address, "port": port, "scheduler": procs[0], "workers": procs[1:], "logs": logs}
    finally:
        for p in procs:
            _kill_tree(p.pid)
        for log in sorted(logs.glob("*.log")):
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """A graded reference (plain nbgrader autograde) and two ungraded copies of the same class."""
    plain = grading_course(ROOT, tmp_path_factory.mktemp("plain"), [NAME])
    students = submit_simulated_class(plain, NAME, 4)
    copies = []
    for name in ("cluster", "killed"):
        copy = tmp_path_factory.mktemp(name)
        shutil.copytree(plain, copy, dirs_exist_ok=True)
        copies.append(copy)
    autograde(plain, NAME, students)
    return plain, students, copies


def test_scores_identical_to_plain_nbgrader(cluster, courses):
    plain, students, (course, _) = courses
    outcomes = grade_assignment(
        course, NAME, scheduler=cluster["address"], limit_s=300, allow_unsandboxed=UNSANDBOXED
    )
    assert sorted(o.student for o in outcomes) == sorted(students)
    assert all(o.status == "graded" for o in outcomes), outcomes
    for student in students:
        assert scores(course, NAME, student) == scores(plain, NAME, student), student
        assert (course / "autograded" / student / NAME / f"{NAME}.ipynb").is_file()
        assert (course / "autograded" / student / NAME / "timestamp.txt").is_file()
    totals = [sum(s for s, _ in scores(course, NAME, st).values()) for st in students]
    assert totals[0] > totals[-1] == 0, "the simulated class spans full marks to zero"
    assert all(o.timing["saving"] > 0 for o in outcomes)


def test_student_code_cannot_reach_the_scheduler_and_overruns_are_stopped(cluster, tmp_path):
    course = grading_course(ROOT, tmp_path, [NAME])
    nb = notebooks.read(ROOT / "source" / NAME / f"{NAME}.ipynb")
    first = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    solved = first.source
    first.source += (
        "\nimport socket as _s\ntry:\n"
        f"    _s.create_connection(('127.0.0.1', {cluster['port']}), timeout=3).close()\n"
        "    _reached = 'yes'\nexcept OSError as _e:\n    _reached = 'no: ' + type(_e).__name__\n"
        "print('SCHEDULER REACHED', _reached)\n"
    )
    submit(course, "prober", NAME, {f"{NAME}.ipynb": nb})
    first.source = solved + "\nimport time\nwhile True:\n    time.sleep(0.1)\n"
    submit(course, "looper", NAME, {f"{NAME}.ipynb": nb})
    outcomes = grade_assignment(
        course, NAME, scheduler=cluster["address"], limit_s=25, allow_unsandboxed=UNSANDBOXED
    )
    status = {o.student: o.status for o in outcomes}
    assert status == {"prober": "graded", "looper": "timed out"}, outcomes
    result = scores(course, NAME, "prober")
    assert result and all(score == best for score, best in result.values()), result
    executed = (course / "autograded" / "prober" / NAME / f"{NAME}.ipynb").read_text()
    if not UNSANDBOXED:
        assert "SCHEDULER REACHED no: " in executed
        assert "SCHEDULER REACHED yes" not in executed
    result = scores(course, NAME, "looper")
    assert result and all(score == 0 for score, _ in result.values())


def test_a_worker_killed_mid_run_loses_no_submission(cluster, courses):
    plain, students, (_, course) = courses
    killed, since = {}, time.time()

    def kill_one(_outcome) -> None:
        if killed:
            return
        for nanny in cluster["workers"]:
            for worker in psutil.Process(nanny.pid).children():
                graders = _graders(worker.pid)
                if graders:  # a Dask worker busy with a submission: kill it, not its nanny
                    killed["graders"] = graders
                    worker.send_signal(signal.SIGKILL)
                    killed["worker"] = worker.pid
                    return

    outcomes = grade_assignment(
        course,
        NAME,
        scheduler=cluster["address"],
        limit_s=300,
        allow_unsandboxed=UNSANDBOXED,
        on_done=kill_one,
    )
    assert killed, "no Dask worker was grading when the first submission finished"
    assert sorted(o.student for o in outcomes) == sorted(students)
    assert all(o.status == "graded" for o in outcomes), outcomes
    for student in students:
        assert scores(course, NAME, student) == scores(plain, NAME, student), student
    psutil.wait_procs(killed["graders"], timeout=10)  # its grading process follows the worker
    assert not [p for p in killed["graders"] if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    with Client(cluster["address"], timeout="30s") as client:
        events = client.get_events(START_TOPIC)
        starts = [msg["student"] for when, msg in events if when >= since and msg["running"]]
    assert sorted(set(starts)) == sorted(students)
    assert len(starts) > len(students), "the killed worker's submission was started again elsewhere"


def test_unreachable_scheduler_and_unsafe_paths_are_refused(tmp_path, courses, monkeypatch):
    plain, students, _ = courses
    monkeypatch.setattr(cluster_module, "CONNECT_S", 2.0)
    with pytest.raises(CourseInputError, match="cannot reach the Dask scheduler"):
        grade_assignment(plain, NAME, students=students[:1], scheduler=f"tcp://127.0.0.1:{_free_port()}")
    with pytest.raises(ValueError, match="outside"):
        _write_files(tmp_path / "x", {"../escape.txt": b""})


def test_the_parent_stops_waiting_for_a_submission_that_overruns(monkeypatch):
    """A worker that never answers: the parent cancels the task after the limit (and grace) and zeroes it."""

    class Silent:
        cancelled = False

        def done(self):
            return False

        def cancel(self):
            self.cancelled = True

    run = cluster_module._Run(None, ROOT, ROOT, NAME, "course-grade-x", 10.0, None, None)
    zeroed = []
    monkeypatch.setattr(run, "_zero", lambda student, status, reason: zeroed.append((student, status)))
    monkeypatch.setattr(cluster_module, "POLL_S", 0.0)
    future, pending = Silent(), {}
    pending[future] = "ann"
    run._on_start((0, {"plugin": "course-grade-x", "student": "ann", "running": False}))
    run._step(pending)  # queued or starting on a worker: no clock yet
    run._on_start((0, {"plugin": "course-grade-other", "student": "ann", "running": True}))
    run._step(pending)  # another run's event
    assert pending and not zeroed
    run._on_start((0, {"plugin": "course-grade-x", "student": "ann", "running": True}))
    run.started["ann"] -= 10.0 + cluster_module.GRACE_S + 1
    run._step(pending)
    assert not pending and future.cancelled and zeroed == [("ann", "timed out")]

"""`make bench-scale`: a class of 200 submissions over several assignments, graded on this machine by
`course grade --workers 2` and by a two-worker Dask cluster on localhost.

Both runs start from identical copies of one course; the scores must be identical. It prints each
run's throughput (submissions a minute) and their ratio: on one machine the ratio is the cluster's
overhead, since both use the same two cores.
"""

import argparse
import contextlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.exc import SAWarning

from course import notebooks
from course.instructor.bench import BIN, ROOT
from course.instructor.roundtrip import grading_course, scores, submit
from course.instructor.simulation import simulated_class, simulated_submission

ASSIGNMENTS = ["01-cloud-computing", "16-billing-support", "17-cloud-adoption", "18-practice-exam"]


def build_class(into: Path, names: list[str], per_assignment: int) -> list[tuple[str, str]]:
    """A scratch course in INTO with PER_ASSIGNMENT simulated submissions of each of NAMES."""
    into.mkdir(parents=True)
    grading_course(ROOT, into, names)
    handed_in = []
    for name in names:
        released = {p.name: notebooks.read(p) for p in notebooks.notebook_paths(into / "release" / name)}
        solved = {p.name: notebooks.read(p) for p in notebooks.notebook_paths(ROOT / "source" / name)}
        for student in simulated_class(per_assignment, seed=len(handed_in)):
            nbs = {k: simulated_submission(nb, solved[k], student) for k, nb in released.items()}
            submit(into, student.id, name, nbs)
            handed_in.append((name, student.id))
    return handed_in


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_cluster(workers: int, logs: Path) -> Iterator[str]:
    """A `dask scheduler` and WORKERS single-threaded `dask worker` processes on 127.0.0.1."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = str(BIN / "dask")
    commands = [
        [dask, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"]
    ]
    commands += [
        [
            dask,
            "worker",
            address,
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--host",
            "127.0.0.1",
            "--no-dashboard",
        ]
    ] * workers
    logs.mkdir(parents=True, exist_ok=True)
    processes = []
    try:
        for k, command in enumerate(commands):
            with open(logs / f"dask-{k}.log", "wb") as log:
                processes.append(
                    subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                )
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def grade_all(course: Path, names: list[str], extra: list[str]) -> float:
    """Seconds `course grade` takes over every assignment of NAMES, with EXTRA options."""
    started = time.perf_counter()
    for name in names:
        subprocess.run(
            [str(BIN / "course"), "grade", name, "--course", str(course), *extra],
            cwd=course,
            check=True,
            capture_output=True,
            timeout=3600,
        )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Build the class, grade it both ways, compare scores and print the throughputs."""
    warnings.filterwarnings("ignore", category=SAWarning)
    parser = argparse.ArgumentParser(
        prog="python -m course.instructor.bench_scale", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--submissions", type=int, default=200, help="in all, spread over the assignments")
    parser.add_argument("--assignment", action="append", help=f"default: {', '.join(ASSIGNMENTS)}")
    parser.add_argument("--out", default=str(ROOT / "build" / "bench-scale"))
    args = parser.parse_args(argv)
    names = args.assignment or ASSIGNMENTS
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    local, clustered = out / "local", out / "cluster"
    print(f"building {args.submissions} submissions of {', '.join(names)} ...", flush=True)
    handed_in = build_class(local, names, max(2, args.submissions // len(names)))
    shutil.copytree(local, clustered)
    n = len(handed_in)

    print("course grade --workers 2 ...", flush=True)
    mine = grade_all(local, names, ["--workers", "2"])
    print("course grade --scheduler (two dask workers on 127.0.0.1) ...", flush=True)
    with local_cluster(2, out / "logs") as address:
        theirs = grade_all(clustered, names, ["--scheduler", address])

    differ = [f"{s}/{a}" for a, s in handed_in if scores(local, a, s) != scores(clustered, a, s)]
    if differ:
        print(f"SCORES DIFFER for {', '.join(differ)}", file=sys.stderr)
        return 1
    print(f"scores: identical for all {n} submissions")
    print(f"local, 2 workers:        {mine:7.1f} s  {60 * n / mine:6.1f} submissions a minute")
    print(f"dask, 2 workers:         {theirs:7.1f} s  {60 * n / theirs:6.1f} submissions a minute")
    print(f"cluster throughput / local throughput: {mine / theirs:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

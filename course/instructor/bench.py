"""`make bench`: grade one simulated class with plain `nbgrader autograde` and with `course grade`.

Both runs start from identical copies of a course holding at least 40 submissions of one
assignment, in this one process run, on this machine. The scores must be identical. The last line
reads `speedup: N.NNx` (throughput of `course grade` over the baseline's). Before that it prints
where a submission's time goes, each part measured here: for the baseline command start-up, kernel
start-up, notebook execution and gradebook work; for `course grade` its own per-part means (kernel
start-up, cells, checks and nbgrader, saving) and the overhead: the wall time per submission that
is not its cells' execution.
"""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient
from sqlalchemy.exc import SAWarning

from course import notebooks
from course.grading.gradebook_writer import TIMING_PARTS
from course.instructor.roundtrip import grading_course, scores, submit
from course.instructor.simulation import simulated_class, simulated_submission

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    """Seconds ARGV took, and what it printed."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, check=True, capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - started, done.stdout


def parse_timing(printed: str) -> dict[str, float]:
    """The mean seconds per part from `course grade`'s last line (course.grading.parallel.TIMING_PARTS)."""
    line = next(ln for ln in reversed(printed.splitlines()) if ln.startswith("time per submission"))
    return {part: float(re.search(rf"{part} ([0-9.]+) s", line)[1]) for part in TIMING_PARTS}


def _class_course(into: Path, name: str, size: int) -> list[str]:
    grading_course(ROOT, into, [name])
    released = {p.name: notebooks.read(p) for p in notebooks.notebook_paths(into / "release" / name)}
    solved = {p.name: notebooks.read(p) for p in notebooks.notebook_paths(ROOT / "source" / name)}
    students = simulated_class(size)
    for student in students:
        submit(
            into,
            student.id,
            name,
            {k: simulated_submission(nb, solved[k], student) for k, nb in released.items()},
        )
    return [s.id for s in students]


def kernel_start_seconds(times: int = 3) -> float:
    """Mean time to start a fresh Python kernel and have it answer."""
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        manager, client = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return statistics.mean(samples)


def execution_seconds(path: Path) -> float:
    """Time to run a notebook's cells in an already started kernel (kernel start-up excluded)."""
    nb = notebooks.read(path)
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the comparison."""
    warnings.filterwarnings("ignore", category=SAWarning)
    parser = argparse.ArgumentParser(
        prog="python -m course.instructor.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignment", default="01-cloud-computing")
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    plain, shipped = out / "plain", out / "course-grade"
    name = args.assignment

    print(f"building a class of {args.students} submissions of {name} ...", flush=True)
    plain.mkdir(parents=True)
    students = _class_course(plain, name, args.students)
    shutil.copytree(plain, shipped)

    print("baseline: nbgrader autograde (one call for the whole class) ...", flush=True)
    baseline, _ = _timed([str(BIN / "nbgrader"), "autograde", name], plain)
    print(f"course grade --workers {args.workers} ...", flush=True)
    ours, printed = _timed(
        [str(BIN / "course"), "grade", name, "--workers", str(args.workers), "--course", str(shipped)],
        shipped,
    )

    differ = [s for s in students if scores(plain, name, s) != scores(shipped, name, s)]
    if differ:
        print(f"SCORES DIFFER for {', '.join(differ)}", file=sys.stderr)
        return 1
    n = len(students)
    print(f"scores: identical for all {n} submissions")

    start_up, _ = _timed([str(BIN / "nbgrader"), "--version"], out)
    kernel = kernel_start_seconds()
    solution = ROOT / "source" / name / f"{name}.ipynb"
    execute = execution_seconds(solution)
    per_sub_baseline = (baseline - start_up) / n
    gradebook = max(per_sub_baseline - kernel - execute, 0.0)
    parts = parse_timing(printed)
    print(f"baseline:     {baseline:7.1f} s  {baseline / n:5.2f} s per submission")
    print(f"course grade: {ours:7.1f} s  {ours / n:5.2f} s per submission ({args.workers} workers)")
    print("where a submission's time goes in the baseline (measured here):")
    print(f"  command start-up (once per call):        {start_up:5.2f} s")
    print(f"  kernel start-up:                         {kernel:5.2f} s")
    print(f"  notebook execution (all cells, imports): {execute:5.2f} s")
    print(f"  nbgrader and gradebook work (the rest):  {gradebook:5.2f} s")
    print(f"where it goes in course grade (its own mean, {args.workers} submissions at a time):")
    for part, seconds in parts.items():
        print(f"  {part + ':':40s} {seconds:5.2f} s")
    print("  (the imports every notebook repeats are paid once per worker, before the first submission)")
    overhead = ours / n - parts["cells"] / args.workers
    print(f"overhead per submission (wall time per submission - cells time / workers): {overhead:5.2f} s")
    print(f"speedup: {baseline / ours:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

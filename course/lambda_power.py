"""Lambda's one performance knob: memory, with CPU allocated in proportion to it."""

import numbers

import pandas as pd

from course.datafiles import load_json
from course.errors import CourseInputError
from course.pricing.lambda_ import lambda_monthly_cost, lambda_prices

DATA_FILE = "lambda_cpu.json"
PER_TABLE = 1_000_000  # invocations priced in each row of power_table


def vcpus(memory_mb: int) -> float:
    """vCPU-equivalents a function gets at MEMORY_MB: 1.0 at 1,769 MB, in proportion elsewhere."""
    limit = lambda_prices()["limits"]["memory_mb"]
    if not isinstance(memory_mb, numbers.Integral) or isinstance(memory_mb, bool):
        raise CourseInputError(f"memory_mb must be a whole number of MB, got {memory_mb!r}")
    if not limit["min"] <= memory_mb <= limit["max"]:
        raise CourseInputError(
            f"memory_mb must be between {limit['min']} and {limit['max']} MB (got {memory_mb})"
        )
    cpu = load_json(DATA_FILE)
    return min(memory_mb / cpu["mb_per_vcpu"], cpu["max_vcpus"])


def cpu_bound_duration_ms(work_ms: float, memory_mb: int, threads: int = 1) -> float:
    """How long CPU-bound work lasts that takes WORK_MS on one full vCPU, run on THREADS threads."""
    if not isinstance(work_ms, numbers.Real) or isinstance(work_ms, bool) or not work_ms > 0:
        raise CourseInputError(f"work_ms must be a number of milliseconds > 0, got {work_ms!r}")
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise CourseInputError(f"threads must be a whole number >= 1, got {threads!r}")
    return work_ms / min(vcpus(memory_mb), threads)


def power_table(
    work_ms: float, memories_mb: list[int], threads: int = 1, arch: str = "x86_64"
) -> pd.DataFrame:
    """Duration and cost of a million invocations (no free tier) at each memory size."""
    rows = []
    for memory in memories_mb:
        duration = cpu_bound_duration_ms(work_ms, memory, threads)
        cost = lambda_monthly_cost(PER_TABLE, duration, memory, arch=arch, free_tier=False)
        rows.append(
            {
                "memory_mb": memory,
                "vcpus": vcpus(memory),
                "duration_ms": duration,
                "usd_per_million": cost.total,
            }
        )
    return pd.DataFrame(rows)

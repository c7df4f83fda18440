"""Lambda's one performance knob: memory, with CPU allocated in proportion to it."""

import pandas as pd

from course import inputs
from course.data import load_json
from course.pricing.lambda_ import lambda_monthly_cost, lambda_prices

DATA_FILE = "lambda_cpu.json"
PER_TABLE = 1_000_000  # invocations priced in each row of power_table


def vcpus(memory_mb: int) -> float:
    """vCPU-equivalents a function gets at MEMORY_MB: 1.0 at 1,769 MB, in proportion elsewhere."""
    limit = lambda_prices()["limits"]["memory_mb"]
    memory_mb = inputs.whole_number("memory_mb", memory_mb, "MB")
    inputs.check_between("memory_mb", memory_mb, limit["min"], limit["max"], "MB")
    cpu = load_json(DATA_FILE)
    return min(memory_mb / cpu["mb_per_vcpu"], cpu["max_vcpus"])


def cpu_bound_duration_ms(work_ms: float, memory_mb: int, threads: int = 1) -> float:
    """How long CPU-bound work lasts that takes WORK_MS on one full vCPU, run on THREADS threads."""
    work_ms = inputs.positive("work_ms", work_ms, "ms")
    threads = inputs.count("threads", threads, minimum=1)
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

"""Lambda against EC2: monthly cost as the request rate grows, and the rate where they cross."""

import math

import pandas as pd

from course import inputs
from course.aws.instances import on_demand_price
from course.pricing.conventions import hours_per_month
from course.pricing.lambda_ import lambda_monthly_cost

SECONDS_PER_HOUR = 3600


def seconds_per_month() -> int:
    """Seconds in a month as the AWS Pricing Calculator counts them (730 hours)."""
    return hours_per_month() * SECONDS_PER_HOUR


def ec2_monthly_cost(instance_type: str, instances: int = 1, region: str = "us-east-1") -> float:
    """On-demand Linux cost in USD of INSTANCES instances running all month."""
    instances = inputs.count("instances", instances)
    return on_demand_price(instance_type, region) * hours_per_month() * instances


def requests_per_month(rate_per_second: float) -> int:
    """Requests in a month at a steady RATE_PER_SECOND, rounded to a whole request."""
    rate = inputs.amount("rate_per_second", rate_per_second, "requests per second")
    return round(rate * seconds_per_month())


def breakeven_requests(
    monthly_usd: float, duration_ms: float, memory_mb: int, arch: str = "x86_64", free_tier: bool = True
) -> int:
    """Fewest requests a month at which Lambda costs at least MONTHLY_USD (e.g. an EC2 bill)."""
    inputs.amount("monthly_usd", monthly_usd, "dollars")

    def cost(requests: int) -> float:
        return lambda_monthly_cost(requests, duration_ms, memory_mb, arch=arch, free_tier=free_tier).total

    if cost(0) >= monthly_usd:
        return 0
    low, high = 0, 1  # cost(low) < monthly_usd <= cost(high) once the loop ends
    while cost(high) < monthly_usd:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if cost(middle) < monthly_usd else (low, middle)
    return high


def breakeven_rate(
    instance_type: str, duration_ms: float, memory_mb: int, arch: str = "x86_64", free_tier: bool = True
) -> float:
    """Steady requests per second above which Lambda costs more than one on-demand instance."""
    monthly = ec2_monthly_cost(instance_type)
    return breakeven_requests(monthly, duration_ms, memory_mb, arch, free_tier) / seconds_per_month()


def cost_curve(
    rates_per_second: list[float],
    duration_ms: float,
    memory_mb: int,
    instance_type: str,
    capacity_rps: float | None = None,
    arch: str = "x86_64",
) -> pd.DataFrame:
    """Monthly USD of Lambda and of EC2 at each steady rate; with CAPACITY_RPS (requests per
    second one instance serves) the EC2 fleet grows in whole instances, else it stays at one."""
    if capacity_rps is not None:
        inputs.positive("capacity_rps", capacity_rps, "requests per second")
    rows = []
    for rate in rates_per_second:
        requests = requests_per_month(rate)
        instances = 1 if capacity_rps is None else max(1, math.ceil(rate / capacity_rps))
        rows.append(
            {
                "requests_per_second": rate,
                "requests_per_month": requests,
                "lambda_usd": lambda_monthly_cost(requests, duration_ms, memory_mb, arch=arch).total,
                "instances": instances,
                "ec2_usd": ec2_monthly_cost(instance_type, instances),
            }
        )
    return pd.DataFrame(rows)

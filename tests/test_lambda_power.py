"""Lambda memory and CPU: the proportional share, CPU-bound durations and the power table."""

import pytest

from course.errors import CourseInputError
from course.lessons.lambda_power import cpu_bound_duration_ms, power_table, vcpus


def test_one_vcpu_at_1769_mb_and_proportional_elsewhere():
    assert vcpus(1769) == 1.0
    assert vcpus(3538) == pytest.approx(2.0)
    assert vcpus(128) == pytest.approx(128 / 1769)
    assert vcpus(10240) < 6


def test_single_threaded_work_stops_speeding_up_at_one_vcpu():
    assert cpu_bound_duration_ms(1000, 1769) == pytest.approx(1000)
    assert cpu_bound_duration_ms(1000, 3538) == pytest.approx(1000)
    assert cpu_bound_duration_ms(1000, 3538, threads=2) == pytest.approx(500)
    assert cpu_bound_duration_ms(1000, 884) == pytest.approx(1000 * 1769 / 884)


def test_power_table_cost_is_flat_below_one_vcpu_then_grows():
    table = power_table(1000, [256, 1024, 1769, 3538])
    assert list(table.columns) == ["memory_mb", "vcpus", "duration_ms", "usd_per_million"]
    flat = table["usd_per_million"].iloc[:3]
    assert flat.max() - flat.min() < 0.05
    assert table["usd_per_million"].iloc[3] > 1.9 * table["usd_per_million"].iloc[2]
    multi = power_table(1000, [1769, 3538], threads=2)
    assert multi["usd_per_million"].iloc[1] == pytest.approx(multi["usd_per_million"].iloc[0], rel=1e-3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: vcpus(64),
        lambda: vcpus(20_000),
        lambda: vcpus(1.5),
        lambda: cpu_bound_duration_ms(0, 512),
        lambda: cpu_bound_duration_ms(100, 512, threads=0),
    ],
)
def test_bad_input_raises_a_course_error(call):
    with pytest.raises(CourseInputError):
        call()

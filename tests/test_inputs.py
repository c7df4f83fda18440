"""The shared input checks: what they accept, what they return and the message of what they refuse."""

import math

import numpy as np
import pytest

from course import inputs
from course.errors import CourseInputError


def refused(call, *args, **kwargs) -> str:
    """The message of the CourseInputError that call(*args, **kwargs) raises."""
    with pytest.raises(CourseInputError) as error:
        call(*args, **kwargs)
    return str(error.value)


def test_whole_number_accepts_ints_of_any_integral_type():
    assert inputs.whole_number("n", 3) == 3
    assert inputs.whole_number("n", -3) == -3
    value = inputs.whole_number("n", np.int64(7))
    assert value == 7 and type(value) is int


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2.5, "n must be a whole number (an int), got 2.5 (float)"),
        (True, "n must be a whole number (an int), got True (bool)"),
        ("10", "n must be a whole number (an int), got '10' (str)"),
        (math.nan, "n must be a whole number (an int), got nan (float)"),
        (
            3e6,
            "n must be a whole number (an int), got 3000000.0 (float); write 3_000_000 rather than 3000000.0",
        ),
    ],
)
def test_whole_number_refuses_anything_else(value, message):
    assert refused(inputs.whole_number, "n", value) == message


def test_whole_number_names_the_unit_and_ends_with_the_hint():
    assert refused(inputs.whole_number, "n", 0.5, "tokens", "pass the count") == (
        "n must be a whole number of tokens (an int), got 0.5 (float); pass the count"
    )
    assert refused(inputs.whole_number, "n", 10.0, "tokens", "pass the count") == (
        "n must be a whole number of tokens (an int), got 10.0 (float); "
        "write 10 rather than 10.0; pass the count"
    )


def test_count_accepts_the_minimum_and_above():
    assert inputs.count("n", 0) == 0
    assert inputs.count("n", 1, minimum=1) == 1
    assert inputs.count("n", 10**12) == 10**12


def test_count_refuses_less_than_the_minimum_with_the_hint():
    assert refused(inputs.count, "writes", -1, hint="it is a number a month") == (
        "writes must be 0 or more (got -1); it is a number a month"
    )
    assert refused(inputs.count, "months", 0, minimum=1) == "months must be 1 or more (got 0)"


def test_count_refuses_a_float_naming_the_unit():
    assert refused(inputs.count, "reads", 1e6, "requests", "unused here") == (
        "reads must be a whole number of requests (an int), got 1000000.0 (float); "
        "write 1_000_000 rather than 1000000.0"
    )


def test_amount_accepts_zero_and_more_as_float():
    assert inputs.amount("gb", 0) == 0.0
    value = inputs.amount("gb", np.float32(2.5))
    assert value == 2.5 and type(value) is float


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "gb must be 0 or more (got -1)"),
        ("1", "gb must be a finite number of GB, got '1' (str)"),
        (True, "gb must be a finite number of GB, got True (bool)"),
        (None, "gb must be a finite number of GB, got None (NoneType)"),
        (math.inf, "gb must be a finite number of GB, got inf (float)"),
        (math.nan, "gb must be a finite number of GB, got nan (float)"),
    ],
)
def test_amount_refuses_negative_and_non_numbers(value, message):
    assert refused(inputs.amount, "gb", value, "GB") == message


def test_amount_without_a_unit_ends_with_the_hint():
    assert refused(inputs.amount, "usd", "3") == "usd must be a finite number, got '3' (str)"
    assert refused(inputs.amount, "usd", -3, hint="a bill is never negative") == (
        "usd must be 0 or more (got -3); a bill is never negative"
    )


def test_positive_accepts_more_than_zero():
    assert inputs.positive("s", 0.001, "seconds") == 0.001
    assert refused(inputs.positive, "s", 0, "seconds") == "s must be more than 0 seconds (got 0)"
    assert refused(inputs.positive, "x", -2.0) == "x must be more than 0 (got -2.0)"
    assert refused(inputs.positive, "kb", 0, "KB", "give one item's size") == (
        "kb must be more than 0 KB (got 0); give one item's size"
    )
    assert (
        refused(inputs.positive, "s", "1", "seconds") == "s must be a finite number of seconds, got '1' (str)"
    )


def test_flag_takes_only_true_and_false():
    assert inputs.flag("free_tier", True) is True
    assert inputs.flag("free_tier", False) is False
    for value in (1, 0, "yes", None):
        assert refused(inputs.flag, "free_tier", value) == f"free_tier must be True or False (got {value!r})"


def test_one_of_lists_the_choices_in_order():
    assert inputs.one_of("queue_type", "fifo", ("standard", "fifo")) == "fifo"
    assert refused(inputs.one_of, "queue_type", "Fifo", ("standard", "fifo")) == (
        "queue_type must be one of 'standard', 'fifo' (got 'Fifo')"
    )
    assert refused(inputs.one_of, "arch", None, {"x86_64": 1}) == "arch must be one of 'x86_64' (got None)"


def test_check_between_includes_both_ends():
    inputs.check_between("memory_mb", 128, 128, 10240, "MB")
    inputs.check_between("memory_mb", 10240, 128, 10240, "MB")
    assert refused(inputs.check_between, "memory_mb", 127, 128, 10240, "MB") == (
        "memory_mb must be between 128 and 10240 MB (got 127)"
    )
    assert refused(inputs.check_between, "memory_mb", 20000, 128, 10240, "MB", "set it in MB") == (
        "memory_mb must be between 128 and 10240 MB (got 20000); set it in MB"
    )


def test_wrong_unit_hint_only_when_the_other_unit_fits():
    assert inputs.wrong_unit_hint(2, "GB", 2048, "MB", 128, 10240) == " — did you give GB? 2 GB is 2048 MB"
    assert inputs.wrong_unit_hint(20, "GB", 20480, "MB", 128, 10240) == ""


def test_size_accepts_up_to_the_limit():
    assert inputs.size("kb", 400, "KB", 400, "too big", "give a size") == 400.0
    assert refused(inputs.size, "kb", 0, "KB", 400, "too big", "give a size") == (
        "kb must be more than 0 KB (got 0); give a size"
    )


def test_size_over_the_limit_asks_whether_bytes_were_given():
    assert refused(inputs.size, "kb", 2048, "KB", 400, "kb must be at most 400 KB", "") == (
        "kb must be at most 400 KB — did you give bytes? 2048 bytes is 2 KB"
    )
    assert refused(inputs.size, "kb", 2000, "KB", 400, "too big", "", bytes_per_unit=1000) == (
        "too big — did you give bytes? 2000 bytes is 2 KB"
    )
    assert refused(inputs.size, "kb", 10_000_000, "KB", 400, "kb must be at most 400 KB", "") == (
        "kb must be at most 400 KB"
    )

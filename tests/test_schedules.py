"""EventBridge rate() and cron() expressions: validity and next run times."""

import datetime as dt

import pytest

from course.errors import CourseInputError
from course.lessons.schedules import Cron, Rate, is_valid, next_runs, parse

START = dt.datetime(2026, 11, 26, 10, 7, tzinfo=dt.UTC)  # a Thursday


def _fmt(runs):
    return [r.strftime("%a %Y-%m-%d %H:%M") for r in runs]


def test_rate_runs_every_interval_after_creation():
    assert parse("rate(15 minutes)") == Rate(15)
    assert parse("rate(1 day)") == Rate(1440)
    assert _fmt(next_runs("rate(2 hours)", START, 2)) == ["Thu 2026-11-26 12:07", "Thu 2026-11-26 14:07"]


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("cron(0 8 ? * MON-FRI *)", ["Fri 2026-11-27 08:00", "Mon 2026-11-30 08:00", "Tue 2026-12-01 08:00"]),
        ("cron(0 0 1 * ? *)", ["Tue 2026-12-01 00:00", "Fri 2027-01-01 00:00", "Mon 2027-02-01 00:00"]),
        ("cron(30 18 L * ? *)", ["Mon 2026-11-30 18:30", "Thu 2026-12-31 18:30", "Sun 2027-01-31 18:30"]),
        ("cron(0/15 * * * ? *)", ["Thu 2026-11-26 10:15", "Thu 2026-11-26 10:30", "Thu 2026-11-26 10:45"]),
        (
            "cron(5-10/5 10 * * ? 2026)",
            ["Thu 2026-11-26 10:10", "Fri 2026-11-27 10:05", "Fri 2026-11-27 10:10"],
        ),
        ("cron(0 10 ? * 6L *)", ["Fri 2026-11-27 10:00", "Fri 2026-12-25 10:00", "Fri 2027-01-29 10:00"]),
        ("cron(0 9 ? * 2#1 *)", ["Mon 2026-12-07 09:00", "Mon 2027-01-04 09:00", "Mon 2027-02-01 09:00"]),
        ("cron(0 12 15W * ? *)", ["Tue 2026-12-15 12:00", "Fri 2027-01-15 12:00", "Mon 2027-02-15 12:00"]),
        ("cron(0 12 LW * ? *)", ["Mon 2026-11-30 12:00", "Thu 2026-12-31 12:00", "Fri 2027-01-29 12:00"]),
        (
            "cron(0 6 ? JAN,JUL SUN *)",
            ["Sun 2027-01-03 06:00", "Sun 2027-01-10 06:00", "Sun 2027-01-17 06:00"],
        ),
        ("cron(0 0 30 2 ? *)", []),
    ],
)
def test_cron_next_runs(expression, expected):
    assert isinstance(parse(expression), Cron)
    assert _fmt(next_runs(expression, START, 3)) == expected


def test_naive_start_is_utc_and_runs_are_strictly_after_it():
    runs = next_runs("cron(0 10 * * ? *)", dt.datetime(2026, 11, 26, 10, 0), 1)
    assert runs == [dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)]


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 hour)",
        "rate(0 minutes)",
        "rate(1.5 hours)",
        "rate(2 weeks)",
        "cron(every day please)",
        "cron(0 8 * * * *)",
        "cron(0 8 ? * ? *)",
        "cron(0 25 * * ? *)",
        "cron(0/15 * * * ?)",
        "cron(0 8 ? * 3#1,6#3 *)",
        "cron(0 8 ? * 1/2 *)",
        "cron(0 8 L-3 * ? *)",
        "cron(0 8 10-5 * ? *)",
        "cron(0 8 * * ? 1969)",
        "every 5 minutes",
        "",
    ],
)
def test_invalid_expressions(expression):
    assert not is_valid(expression)
    with pytest.raises(CourseInputError):
        parse(expression)


def test_bad_arguments():
    with pytest.raises(CourseInputError):
        parse(5)
    with pytest.raises(CourseInputError):
        next_runs("rate(1 hour)", "2026-11-26", 3)
    with pytest.raises(CourseInputError):
        next_runs("rate(1 hour)", START, 0)

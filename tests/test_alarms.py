"""CloudWatch alarm evaluation: the user guide's worked tables, M of N, and bad input."""

import pytest

from course.errors import CourseInputError
from course.lessons.alarms import ALARM, INSUFFICIENT_DATA, OK, AlarmRule, evaluate, timeline

X, O, _ = 1.0, 0.0, None  # noqa: E741 (breaching, not breaching, missing; threshold 0.5)
COLUMNS = ("missing", "ignore", "breaching", "notBreaching")

# The two tables of "How alarm state is evaluated when data is missing", evaluation range 5.
# "keep" stands for "Retain current state".
THREE_OF_THREE = [
    ([O, _, X, _, X], [OK, OK, OK, OK]),
    ([O, _, _, _, _], [OK, OK, OK, OK]),
    ([_, _, _, _, _], [INSUFFICIENT_DATA, "keep", ALARM, OK]),
    ([O, X, X, _, X], [ALARM, ALARM, ALARM, ALARM]),
    ([_, _, _, _, X], [INSUFFICIENT_DATA, "keep", ALARM, OK]),
]
TWO_OF_THREE = [
    ([O, _, X, _, X], [ALARM, ALARM, ALARM, ALARM]),
    ([O, O, X, O, X], [ALARM, ALARM, ALARM, ALARM]),
    ([O, _, X, _, _], [OK, OK, ALARM, OK]),
    ([_, _, _, _, O], [OK, OK, ALARM, OK]),
    ([_, _, _, _, X], [INSUFFICIENT_DATA, "keep", ALARM, OK]),
]


@pytest.mark.parametrize("m, table", [(3, THREE_OF_THREE), (2, TWO_OF_THREE)])
@pytest.mark.parametrize("current", [OK, ALARM])
def test_reproduces_the_user_guide_tables(m, table, current):
    for points, expected in table:
        for treatment, want in zip(COLUMNS, expected, strict=True):
            rule = AlarmRule(0.5, evaluation_periods=3, datapoints_to_alarm=m, treat_missing_data=treatment)
            assert evaluate(rule, points, current) == (current if want == "keep" else want), (
                points,
                treatment,
            )


def test_comparison_operators_and_default_m():
    assert evaluate(AlarmRule(10, "LessThanThreshold", 2), [9, 8]) == ALARM
    assert evaluate(AlarmRule(10, "GreaterThanOrEqualToThreshold", 2), [10, 10]) == ALARM
    assert evaluate(AlarmRule(10, "GreaterThanThreshold", 2), [10, 11]) == OK
    assert evaluate(AlarmRule(10, "LessThanOrEqualToThreshold", 1), [10]) == ALARM


def test_only_the_most_recent_real_datapoints_count():
    rule = AlarmRule(50, evaluation_periods=3, datapoints_to_alarm=2)
    assert evaluate(rule, [90, 90, 10, 10, 10]) == OK
    assert evaluate(rule, [10, 90, _, 90, 10]) == ALARM


def test_timeline_starts_without_data_and_follows_the_series():
    rule = AlarmRule(50, evaluation_periods=2)
    states = timeline(rule, [60, 60, 10, _, _, _, _])
    assert states[:3] == [INSUFFICIENT_DATA, ALARM, OK]
    assert states[-1] == INSUFFICIENT_DATA
    assert len(states) == 7


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": "50"},
        {"threshold": 50, "comparison": ">"},
        {"threshold": 50, "evaluation_periods": 0},
        {"threshold": 50, "evaluation_periods": 2, "datapoints_to_alarm": 3},
        {"threshold": 50, "treat_missing_data": "zero"},
    ],
)
def test_rule_rejects_bad_settings(kwargs):
    with pytest.raises(CourseInputError):
        AlarmRule(**kwargs)


def test_evaluate_rejects_bad_datapoints():
    rule = AlarmRule(50, evaluation_periods=3)
    with pytest.raises(CourseInputError, match="at least 3"):
        evaluate(rule, [1, 2])
    with pytest.raises(CourseInputError, match="numbers"):
        evaluate(rule, [1, "2", 3])
    with pytest.raises(CourseInputError, match="current_state"):
        evaluate(rule, [1, 2, 3], "PENDING")

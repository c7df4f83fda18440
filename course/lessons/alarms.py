"""How a CloudWatch metric alarm turns datapoints into a state: OK, ALARM or INSUFFICIENT_DATA.

The model follows the CloudWatch User Guide, "Using Amazon CloudWatch alarms"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):

- An alarm looks at the most recent N datapoints (N = evaluation periods) and goes to ALARM when at
  least M of them (M = datapoints to alarm) breach the threshold; otherwise it is OK.
- CloudWatch fetches a longer *evaluation range* than N periods. If it holds at least N real
  datapoints, the N most recent real ones decide and the missing-data setting is not used.
- With fewer than N real datapoints, every real one counts and the missing periods needed to make up
  N are filled in: as breaching (``breaching``) or as not breaching (``notBreaching``).
- With ``missing`` (the default) or ``ignore`` the alarm decides on the real datapoints alone:
  ALARM if M of them breach, OK if any of them is within the threshold, and otherwise it cannot
  decide: INSUFFICIENT_DATA for ``missing``, the current state for ``ignore``.

These rules reproduce every row of the guide's two worked tables (3 of 3 and 2 of 3 over an
evaluation range of 5 datapoints). The live page adds a row in which a lone breaching datapoint
at the oldest end of the range sends a ``missing`` alarm to ALARM while the same datapoint at the
newest end gives INSUFFICIENT_DATA; this model does not reproduce that position-dependent case.
"""

import operator
from collections.abc import Sequence
from dataclasses import dataclass

from course.errors import CourseInputError

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)
COMPARISONS = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")
# The guide's examples fetch 5 datapoints for 3 evaluation periods; CloudWatch picks the real
# number from the period and the metric's resolution, which it does not publish.
EXTRA_RANGE = 2


def _is_number(value: object) -> bool:
    return type(value) in (int, float)


@dataclass(frozen=True)
class AlarmRule:
    """The settings of a metric alarm that decide its state (PutMetricAlarm's names, in snake case)."""

    threshold: float
    comparison: str = "GreaterThanThreshold"
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = "missing"

    def __post_init__(self) -> None:
        if not _is_number(self.threshold):
            raise CourseInputError(f"threshold must be a number, not {self.threshold!r}")
        if self.comparison not in COMPARISONS:
            raise CourseInputError(
                f"comparison must be one of {sorted(COMPARISONS)}, not {self.comparison!r}"
            )
        n = self.evaluation_periods
        if type(n) is not int or n < 1:
            raise CourseInputError(f"evaluation_periods must be a whole number >= 1, not {n!r}")
        m = self.datapoints_to_alarm
        if m is not None and (type(m) is not int or not 1 <= m <= n):
            raise CourseInputError(f"datapoints_to_alarm must be a whole number from 1 to {n}, not {m!r}")
        if self.treat_missing_data not in TREATMENTS:
            raise CourseInputError(
                f"treat_missing_data must be one of {list(TREATMENTS)}, not {self.treat_missing_data!r}"
            )

    @property
    def m(self) -> int:
        """Datapoints to alarm (M); it defaults to the evaluation periods (N)."""
        return self.evaluation_periods if self.datapoints_to_alarm is None else self.datapoints_to_alarm

    def breaches(self, value: float) -> bool:
        """Whether one datapoint is outside the threshold."""
        return COMPARISONS[self.comparison](value, self.threshold)


def _check_datapoints(datapoints: Sequence[float | None], n: int) -> list[float | None]:
    points = list(datapoints)
    if any(p is not None and not _is_number(p) for p in points):
        raise CourseInputError("datapoints must be numbers, or None for a missing datapoint")
    if len(points) < n:
        raise CourseInputError(f"the evaluation range needs at least {n} periods (evaluation_periods)")
    return points


def evaluate(
    rule: AlarmRule, datapoints: Sequence[float | None], current_state: str = INSUFFICIENT_DATA
) -> str:
    """The state after one evaluation of DATAPOINTS: the evaluation range, oldest first, None = missing."""
    if current_state not in STATES:
        raise CourseInputError(f"current_state must be one of {list(STATES)}, not {current_state!r}")
    n, m = rule.evaluation_periods, rule.m
    real = [p for p in _check_datapoints(datapoints, n) if p is not None]
    if len(real) >= n:
        return ALARM if sum(rule.breaches(p) for p in real[-n:]) >= m else OK
    breaching = sum(rule.breaches(p) for p in real)
    if rule.treat_missing_data == "breaching":
        return ALARM if breaching + (n - len(real)) >= m else OK
    if rule.treat_missing_data == "notBreaching":
        return ALARM if breaching >= m else OK
    if breaching >= m:
        return ALARM
    if breaching < len(real):
        return OK
    return INSUFFICIENT_DATA if rule.treat_missing_data == "missing" else current_state


def timeline(
    rule: AlarmRule,
    series: Sequence[float | None],
    evaluation_range: int | None = None,
    initial_state: str = INSUFFICIENT_DATA,
) -> list[str]:
    """The alarm's state after each period of SERIES (None = missing), starting from INITIAL_STATE.

    Each evaluation looks back EVALUATION_RANGE periods (default N + 2, as in the guide's examples);
    periods before the series starts count as missing, so a new alarm starts without data.
    """
    size = rule.evaluation_periods + EXTRA_RANGE if evaluation_range is None else evaluation_range
    if type(size) is not int or size < rule.evaluation_periods:
        raise CourseInputError(f"evaluation_range must be a whole number >= {rule.evaluation_periods}")
    padded = [None] * size + list(series)
    states, state = [], initial_state
    for end in range(size, len(padded)):
        state = evaluate(rule, padded[end - size + 1 : end + 1], state)
        states.append(state)
    return states

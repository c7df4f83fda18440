"""EventBridge schedule expressions: parse and check rate() and cron(), and list the next run times.

Syntax from the EventBridge User Guide, "Using cron and rate expressions to schedule rules"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html) and
"Rate expressions reference" (.../eb-rate-expressions.html):

- ``rate(value unit)``: a positive whole number and minute(s), hour(s) or day(s), singular for 1 and
  plural above 1. The rate starts when the rule is created; here the first run is one interval later.
- ``cron(minutes hours day-of-month month day-of-week year)``: six fields, always in UTC for rules.
  Day-of-month and day-of-week cannot both be given: one of them must be ``?``.
  Wildcards: ``,`` lists, ``-`` ranges, ``*`` all, ``/`` increments (``0/15`` = 0, 15, 30, 45),
  ``?`` any; in day-of-month ``L`` (last day), ``W`` (nearest weekday, e.g. ``15W``, ``LW``);
  in day-of-week ``L`` (alone: Saturday; ``6L``: last Friday) and ``#`` (``3#2``: second Tuesday).
  Days of the week run 1-7 from SUN to SAT.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from course.errors import CourseInputError

RATE = re.compile(r"^rate\(\s*(\S+)\s+(\S+)\s*\)$")
CRON = re.compile(r"^cron\((.*)\)$")
UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
# (name, lowest, highest, names, wildcards allowed besides , - *)
FIELDS = [
    ("minutes", 0, 59, {}, "/"),
    ("hours", 0, 23, {}, "/"),
    ("day-of-month", 1, 31, {}, "/?LW"),
    ("month", 1, 12, MONTHS, "/"),
    ("day-of-week", 1, 7, DAYS, "?L#"),
    ("year", 1970, 2199, {}, "/"),
]
LAST_YEAR = 2199


@dataclass(frozen=True)
class Rate:
    """A parsed rate(): one run every ``minutes`` minutes."""

    minutes: int


@dataclass(frozen=True)
class Cron:
    """A parsed cron(): the allowed values of each field; ``dom``/``dow`` also hold L, W and # rules."""

    minutes: frozenset[int]
    hours: frozenset[int]
    dom: tuple | None
    months: frozenset[int]
    dow: tuple | None
    years: frozenset[int]


def _parse_rate(value: str, unit: str, text: str) -> Rate:
    if not value.isdigit() or int(value) < 1:
        raise CourseInputError(f"{text}: the value must be a whole number >= 1, not {value!r}")
    number, base = int(value), unit.rstrip("s")
    if base not in UNIT_MINUTES:
        raise CourseInputError(f"{text}: the unit must be minute(s), hour(s) or day(s), not {unit!r}")
    wanted = base if number == 1 else base + "s"
    if unit != wanted:
        raise CourseInputError(f"{text}: write rate({number} {wanted}) (singular for 1, plural above 1)")
    return Rate(number * UNIT_MINUTES[base])


def _number(token: str, field: tuple, text: str) -> int:
    name, low, high, names, _ = field
    value = names.get(token.upper()) if token.upper() in names else (int(token) if token.isdigit() else None)
    if value is None or not low <= value <= high:
        raise CourseInputError(f"{text}: {token!r} is not a valid {name} ({low}-{high})")
    return value


def _values(spec: str, field: tuple, text: str) -> frozenset[int]:
    """The set of numbers of a plain field: lists of values, ranges, * and increments."""
    name, low, high, _, extra = field
    values: set[int] = set()
    for item in spec.split(","):
        base, _, step = item.partition("/")
        if step and "/" not in extra:
            raise CourseInputError(f"{text}: the {name} field does not take / increments")
        if base == "*":
            start, stop = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            start, stop = _number(a, field, text), _number(b, field, text)
            if start > stop:
                raise CourseInputError(f"{text}: the range {base!r} in {name} runs backwards")
        else:
            start = _number(base, field, text)
            stop = high if step else start
        increment = int(step) if step.isdigit() and int(step) > 0 else None
        if step and increment is None:
            raise CourseInputError(f"{text}: the increment {step!r} in {name} must be a whole number >= 1")
        values.update(range(start, stop + 1, increment or 1))
    return frozenset(values)


def _day_of_month(spec: str, text: str) -> tuple:
    field = FIELDS[2]
    if spec in ("L", "LW"):
        return (spec,)
    if spec.endswith("W"):
        return ("W", _number(spec[:-1], field, text))
    if "L" in spec or "W" in spec:
        raise CourseInputError(f"{text}: use L, LW or nW (e.g. 15W) alone in day-of-month, not {spec!r}")
    return ("set", _values(spec, field, text))


def _day_of_week(spec: str, text: str) -> tuple:
    field = FIELDS[4]
    if spec == "L":
        return ("set", frozenset({7}))
    if "#" in spec:
        day, _, nth = spec.partition("#")
        if not nth.isdigit() or not 1 <= int(nth) <= 5:
            raise CourseInputError(f"{text}: after # comes the week of the month, 1 to 5, not {nth!r}")
        return ("#", _number(day, field, text), int(nth))
    if spec.endswith("L"):
        return ("L", _number(spec[:-1], field, text))
    return ("set", _values(spec, field, text))


def _parse_cron(body: str, text: str) -> Cron:
    parts = body.split()
    if len(parts) != 6:
        raise CourseInputError(
            f"{text}: cron needs 6 fields (minutes hours day-of-month month day-of-week year)"
        )
    for part, (name, *_, extra) in zip(parts, FIELDS, strict=True):
        bad = set(re.sub(r"[0-9A-Za-z,\-*]", "", part)) - set(extra)
        if bad:
            raise CourseInputError(f"{text}: the {name} field cannot use {''.join(sorted(bad))}")
    minutes, hours, dom, month, dow, year = parts
    if (dom == "?") == (dow == "?"):
        raise CourseInputError(f"{text}: use ? in exactly one of day-of-month and day-of-week")
    return Cron(
        minutes=_values(minutes, FIELDS[0], text),
        hours=_values(hours, FIELDS[1], text),
        dom=None if dom == "?" else _day_of_month(dom, text),
        months=_values(month, FIELDS[3], text),
        dow=None if dow == "?" else _day_of_week(dow, text),
        years=_values(year, FIELDS[5], text),
    )


def parse(expression: str) -> Rate | Cron:
    """Parse a schedule expression; a CourseInputError says what is wrong with an invalid one."""
    if type(expression) is not str:
        raise CourseInputError(f"a schedule expression is a string, not {type(expression).__name__}")
    text = expression.strip()
    if rate := RATE.match(text):
        return _parse_rate(rate.group(1), rate.group(2), text)
    if cron := CRON.match(text):
        return _parse_cron(cron.group(1), text)
    raise CourseInputError(f"{text!r}: a schedule expression is rate(value unit) or cron(6 fields)")


def is_valid(expression: str) -> bool:
    """Whether EventBridge would accept EXPRESSION as a rule's schedule."""
    try:
        parse(expression)
    except CourseInputError:
        return False
    return True


def _nearest_weekday(year: int, month: int, day: int) -> int:
    last = calendar.monthrange(year, month)[1]
    day = min(day, last)
    weekday = calendar.weekday(year, month, day)  # Monday 0 ... Sunday 6
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


def _day_matches(cron: Cron, date: dt.date) -> bool:
    if date.year not in cron.years or date.month not in cron.months:
        return False
    last = calendar.monthrange(date.year, date.month)[1]
    if cron.dom is not None:
        kind = cron.dom[0]
        if kind == "set":
            return date.day in cron.dom[1]
        if kind == "L":
            return date.day == last
        target = last if kind == "LW" else cron.dom[1]
        return date.day == _nearest_weekday(date.year, date.month, target)
    aws_day = date.isoweekday() % 7 + 1  # SUN=1 ... SAT=7
    kind = cron.dow[0]
    if kind == "set":
        return aws_day in cron.dow[1]
    if kind == "L":
        return aws_day == cron.dow[1] and date.day + 7 > last
    return aws_day == cron.dow[1] and (date.day - 1) // 7 + 1 == cron.dow[2]


def _utc(moment: dt.datetime) -> dt.datetime:
    if type(moment) is not dt.datetime:
        raise CourseInputError(f"start must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def next_runs(expression: str, start: dt.datetime, count: int = 5) -> list[dt.datetime]:
    """The next COUNT run times (UTC) strictly after START; a naive START is read as UTC.

    For rate() START is when the rule was created. A cron() that never fires again before 2199
    (such as 30 February) returns fewer runs.
    """
    if type(count) is not int or count < 1:
        raise CourseInputError(f"count must be a whole number >= 1, not {count!r}")
    schedule, start = parse(expression), _utc(start)
    if isinstance(schedule, Rate):
        return [start + dt.timedelta(minutes=schedule.minutes * k) for k in range(1, count + 1)]
    runs: list[dt.datetime] = []
    day = start.date()
    while len(runs) < count and day.year <= LAST_YEAR:
        if _day_matches(schedule, day):
            for hour in sorted(schedule.hours):
                for minute in sorted(schedule.minutes):
                    moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)
                    if moment > start and len(runs) < count:
                        runs.append(moment)
        day += dt.timedelta(days=1)
    return runs

"""AWS Support plans: what a month of support costs, and what each plan promises.

A paid plan costs the greater of a monthly minimum and a tiered percentage of the month's AWS
charges: each tier's rate applies only to the part of the charges between its start and the next
tier's start, like tax brackets (course/data/support_plans.json, with AWS's worked examples).
The plans of the exam guide end on different dates; the December 2025 plans whose formula could
not be confirmed have no tiers in the data file, and their cost is refused rather than guessed.
"""

import copy
import datetime as dt
import difflib
import math
from dataclasses import dataclass

import pandas as pd

from course import inputs
from course.data import load_json
from course.errors import CourseInputError

DATA_FILE = "support_plans.json"


@dataclass(frozen=True)
class SupportPlan:
    """One AWS Support plan as the data file describes it."""

    key: str
    name: str
    generation: str
    on_exam_guide: bool
    minimum_usd: float | None
    tiers: tuple[tuple[float, float], ...] | None
    billed_per: str
    response_hours: dict
    tam: str
    trusted_advisor: str
    end_date: dt.date | None
    replaced_by: str | None
    source: str


def support_data() -> dict:
    """A copy of course/data/support_plans.json."""
    return copy.deepcopy(load_json(DATA_FILE))


def _plan(record: dict) -> SupportPlan:
    tiers = record["tiers"]
    return SupportPlan(
        key=record["key"],
        name=record["name"],
        generation=record["generation"],
        on_exam_guide=record["on_exam_guide"],
        minimum_usd=record["minimum_usd"],
        tiers=None if tiers is None else tuple((t["from_usd"], t["rate"]) for t in tiers),
        billed_per=record["billed_per"],
        response_hours=dict(record["response_hours"]),
        tam=record["tam"],
        trusted_advisor=record["trusted_advisor"],
        end_date=dt.date.fromisoformat(record["end_date"]) if record["end_date"] else None,
        replaced_by=record["replaced_by"],
        source=record["source"],
    )


def plans() -> list[SupportPlan]:
    """Every plan in the data file: Basic, the exam guide's plans, then the December 2025 plans."""
    return [_plan(p) for p in load_json(DATA_FILE)["plans"]]


def plan(key: object) -> SupportPlan:
    """The plan named KEY (e.g. "business"), or a CourseInputError naming the closest keys."""
    by_key = {p.key: p for p in plans()}
    if type(key) is str and key in by_key:
        return by_key[key]
    text = str(key).strip().lower().replace(" ", "_").replace("-", "_").replace("+", "_plus")
    close = difflib.get_close_matches(text, by_key, n=2, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise CourseInputError(f"unknown support plan {key!r}.{hint} The keys are {', '.join(by_key)}.")


def _date(on: object) -> dt.date:
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    if isinstance(on, str):
        try:
            return dt.date.fromisoformat(on)
        except ValueError:
            pass
    raise CourseInputError(f"on must be a date or a 'YYYY-MM-DD' string, got {on!r}")


def check_sold(key: str, on: object) -> SupportPlan:
    """The plan KEY if it can still be used on the date ON, else an error naming its replacement."""
    chosen = plan(key)
    day = _date(on)
    if chosen.end_date is not None and day >= chosen.end_date:
        after = f"; move to {plan(chosen.replaced_by).name}" if chosen.replaced_by else ""
        raise CourseInputError(
            f"{chosen.name} ends on {chosen.end_date.isoformat()}: it is no longer available on "
            f"{day.isoformat()}{after}"
        )
    return chosen


def tiered_charge(aws_charges: float, tiers: tuple[tuple[float, float], ...]) -> float:
    """The percentage part: each (from_usd, rate) tier applies up to the next tier's from_usd."""
    if not tiers:
        return 0.0
    uppers = [start for start, _ in tiers[1:]] + [math.inf]
    return sum(
        rate * max(0.0, min(aws_charges, upper) - start)
        for (start, rate), upper in zip(tiers, uppers, strict=True)
    )


def _priced(key: str) -> SupportPlan:
    chosen = plan(key)
    if chosen.tiers is None or chosen.minimum_usd is None:
        note = next(p.get("tiers_note", "") for p in load_json(DATA_FILE)["plans"] if p["key"] == key)
        raise CourseInputError(
            f"the price formula of {chosen.name} is not recorded in the course data ({note}); "
            "the exam guide's plans are basic, developer, business, enterprise_on_ramp and enterprise"
        )
    return chosen


def monthly_support_cost(key: str, aws_charges: float, on: object = None) -> float:
    """USD of support for a month of AWS_CHARGES under plan KEY: the greater of the minimum and
    the tiered percentage. With ON (a date), a plan that has ended by then is refused."""
    if on is not None:
        check_sold(key, on)
    chosen = _priced(key)
    charges = inputs.amount("aws_charges", aws_charges, "USD", "a month's AWS charges cannot be negative")
    assert chosen.tiers is not None and chosen.minimum_usd is not None
    return max(float(chosen.minimum_usd), tiered_charge(charges, chosen.tiers))


def cost_breakdown(key: str, aws_charges: float) -> pd.DataFrame:
    """One row per tier of plan KEY: the slice of AWS_CHARGES in it, its rate and its charge."""
    chosen = _priced(key)
    charges = inputs.amount("aws_charges", aws_charges, "USD")
    assert chosen.tiers is not None
    uppers = [start for start, _ in chosen.tiers[1:]] + [math.inf]
    rows = []
    for (start, rate), upper in zip(chosen.tiers, uppers, strict=True):
        part = max(0.0, min(charges, upper) - start)
        band = f"{start:,.0f} and above" if upper == math.inf else f"{start:,.0f} to {upper:,.0f}"
        rows.append(
            {"charges band (USD)": band, "rate": rate, "charges in band": part, "support USD": part * rate}
        )
    return pd.DataFrame(rows)


def cost_curve(keys: list[str], charges: list[float]) -> pd.DataFrame:
    """Monthly support cost of each plan in KEYS (columns) at each amount of CHARGES (index)."""
    return pd.DataFrame(
        {plan(k).name: [monthly_support_cost(k, c) for c in charges] for k in keys},
        index=pd.Index(charges, name="monthly AWS charges (USD)"),
    )


def plans_table() -> pd.DataFrame:
    """The plans side by side: formula, billing basis, TAM, Trusted Advisor, end date."""
    rows = []
    for p in plans():
        if p.tiers is None:
            formula = "minimum " + (f"{p.minimum_usd:,.0f} USD" if p.minimum_usd else "not recorded")
            formula += "; tiers: see the pricing page"
        elif not p.tiers:
            formula = "free"
        else:
            rates = (
                f"{p.tiers[0][1]:.0%}"
                if len(p.tiers) == 1
                else ", ".join(f"{r:.0%} from {s:,.0f}" for s, r in p.tiers)
            )
            formula = f"greater of {p.minimum_usd:,.0f} USD or {rates}"
        rows.append(
            {
                "plan": p.name,
                "on the exam guide": p.on_exam_guide,
                "price a month": formula,
                "computed per": p.billed_per,
                "technical account manager": p.tam,
                "Trusted Advisor": p.trusted_advisor,
                "ends": p.end_date.isoformat() if p.end_date else "",
            }
        )
    return pd.DataFrame(rows).set_index("plan")


def response_times_table() -> pd.DataFrame:
    """First-response targets in hours: one row per plan, one column per case severity."""
    data = load_json(DATA_FILE)
    names = {s["key"]: s["name"] for s in data["severities"]}
    rows = {p.name: {names[k]: p.response_hours.get(k, math.nan) for k in names} for p in plans()}
    return pd.DataFrame(rows).T.rename_axis("plan")

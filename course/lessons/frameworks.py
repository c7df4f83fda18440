"""The AWS Well-Architected Framework and the AWS Cloud Adoption Framework as tables.

The pillars, their design principles, the Well-Architected Tool and the CAF perspectives, outcomes
and phases come from course/data/well_architected.json and course/data/cloud_adoption_framework.json.
"""

import copy

import pandas as pd

from course.data import load_json
from course.errors import CourseInputError

WA_FILE = "well_architected.json"
CAF_FILE = "cloud_adoption_framework.json"


def pillars() -> list[dict]:
    """The six pillars (key, name, focus, design_principles, source), in AWS's order."""
    return copy.deepcopy(load_json(WA_FILE)["pillars"])


def pillar_names() -> list[str]:
    """The six pillars' keys, e.g. 'operational_excellence'."""
    return [p["key"] for p in load_json(WA_FILE)["pillars"]]


def pillars_table() -> pd.DataFrame:
    """One row per pillar: what it is about and how many design principles it has."""
    rows = [
        {"pillar": p["name"], "key": p["key"], "focus": p["focus"], "principles": len(p["design_principles"])}
        for p in load_json(WA_FILE)["pillars"]
    ]
    return pd.DataFrame(rows).set_index("pillar")


def principles_table(pillar: str | None = None) -> pd.DataFrame:
    """One row per design principle (of PILLAR, a key, or of every pillar)."""
    keys = pillar_names()
    if pillar is not None and pillar not in keys:
        raise CourseInputError(f"unknown pillar {pillar!r}; the keys are {', '.join(keys)}")
    rows = [
        {"pillar": p["name"], "design principle": d}
        for p in load_json(WA_FILE)["pillars"]
        if pillar in (None, p["key"])
        for d in p["design_principles"]
    ]
    return pd.DataFrame(rows)


def well_architected_tool() -> dict:
    """What the AWS Well-Architected Tool does and costs."""
    return copy.deepcopy(load_json(WA_FILE)["tool"])


def perspectives_table() -> pd.DataFrame:
    """The six CAF perspectives: group, focus, typical stakeholders and example capabilities."""
    rows = load_json(CAF_FILE)["perspectives"]
    columns = ["name", "group", "focus", "stakeholders", "capabilities"]
    return pd.DataFrame([{k: r[k] for k in columns} for r in rows]).set_index("name")


def perspective_names() -> list[str]:
    """The six perspectives' keys, e.g. 'governance'."""
    return [p["key"] for p in load_json(CAF_FILE)["perspectives"]]


def caf_outcomes() -> dict[str, list]:
    """The CAF's business outcomes (its benefits), transformation domains and phases."""
    data = load_json(CAF_FILE)
    return {
        "business outcomes": list(data["business_outcomes"]),
        "transformation domains": list(data["transformation_domains"]),
        "phases": [f"{p['name']}: {p['what']}" for p in data["phases"]],
    }

"""The Well-Architected pillars and the CAF perspectives as the course's data files hold them."""

import pytest

from course.errors import CourseInputError
from course.lessons import frameworks


def test_six_pillars_in_awss_order():
    assert frameworks.pillar_names() == [
        "operational_excellence",
        "security",
        "reliability",
        "performance_efficiency",
        "cost_optimization",
        "sustainability",
    ]


def test_every_pillar_has_principles_and_a_dated_source():
    for p in frameworks.pillars():
        assert len(p["design_principles"]) >= 5, p["key"]
        assert p["source"].startswith("https://docs.aws.amazon.com/wellarchitected/")
        assert p["as_of"]


def test_principles_table_filters_by_pillar_and_refuses_unknown_keys():
    reliability = frameworks.principles_table("reliability")
    assert "Stop guessing capacity" in set(reliability["design principle"])
    assert set(reliability["pillar"]) == {"Reliability"}
    assert len(frameworks.principles_table()) == sum(frameworks.pillars_table()["principles"])
    with pytest.raises(CourseInputError, match="unknown pillar"):
        frameworks.principles_table("speed")


def test_the_tool_is_free():
    assert "no charge" in frameworks.well_architected_tool()["price"]


def test_six_perspectives_three_business_three_technical():
    table = frameworks.perspectives_table()
    assert frameworks.perspective_names() == [
        "business",
        "people",
        "governance",
        "platform",
        "security",
        "operations",
    ]
    assert table["group"].value_counts().to_dict() == {
        "business capabilities": 3,
        "technical capabilities": 3,
    }


def test_caf_outcomes_and_phases():
    outcomes = frameworks.caf_outcomes()
    assert len(outcomes["business outcomes"]) == 4
    assert [p.split(":")[0] for p in outcomes["phases"]] == ["Envision", "Align", "Launch", "Scale"]

"""The HTML feedback a student gets names each exercise and its failure, and shows no hidden test."""

import html
import re
from pathlib import Path

import pytest

from course import notebooks
from course.instructor.feedback import generate_feedback
from course.instructor.roundtrip import autograde, grading_course, submit

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory) -> str:
    course = grading_course(ROOT, tmp_path_factory.mktemp("course"), [NAME])
    stubs = {p.name: notebooks.read(p) for p in notebooks.notebook_paths(ROOT / "release" / NAME)}
    submit(course, "stub", NAME, stubs)
    autograde(course, NAME, ["stub"])
    generate_feedback(course, NAME)
    return (course / "feedback" / "stub" / NAME / f"{NAME}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def feedback_text(feedback_page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", feedback_page))


def test_feedback_shows_no_hidden_test(feedback_text):
    source = notebooks.read(ROOT / "source" / NAME / f"{NAME}.ipynb")
    hidden = {
        line.strip()
        for cell in source.cells
        for block in HIDDEN.findall(cell.source)
        for line in block.splitlines()
        if len(line.strip()) > 12
    }
    assert hidden, "the source has hidden tests to look for"
    leaked = sorted(line for line in hidden if line in feedback_text)
    assert not leaked, f"hidden test lines in the feedback: {leaked[:3]}"


def test_feedback_names_exercises_scores_and_messages(feedback_text):
    assert "ex1-deployment-models-tests" in feedback_text
    assert re.search(r"Score:\s*0(\.0)?\s*/\s*19", feedback_text), "the total score is shown"
    assert "NotImplementedError" in feedback_text
    assert "canadian_region should be a str, not NoneType" in feedback_text


def test_feedback_page_runs_no_script(feedback_page):
    assert "<script" not in feedback_page.lower()
    assert '<meta http-equiv="Content-Security-Policy"' in feedback_page

"""Facts expire: old prices and coming retirements are listed, and stale answers block a release."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import nbformat

from course.instructor.freshness import (
    _csv_facts,
    _json_facts,
    coming,
    dated_facts,
    gone_names,
    stale_answers,
    stale_prices,
)

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 12, 7)


def test_json_lifecycle_keys_and_events_are_read():
    data = {
        "as_of": "2026-11-26",
        "items": [
            {"model": "m-old", "shutdown": "2024-01-04", "as_of": "2025-01-01"},
            {"device": "box", "closed_to_new_customers": "2025-11-07", "support_ended": "2025-11"},
            {"service": "Svc", "event": "end of life", "date": "2024-05-26"},
        ],
    }
    facts = {(f.name, f.what): f for f in _json_facts("x.json", data)}
    assert facts[("m-old", "shuts down")].gone and facts[("m-old", "shuts down")].date == dt.date(2024, 1, 4)
    assert not facts[("box", "closed to new customers")].gone
    assert facts[("box", "support ended")].date == dt.date(2025, 11, 1)
    assert facts[("Svc", "end of life")].gone
    assert facts[("m-old", "checked")].date == dt.date(2025, 1, 1)


def test_csv_status_dates_are_read():
    text = "model,status,as_of\nold,retired 2024-01-04,2022-09-01\nnew,available,2026-11-26\n"
    facts = _csv_facts("p.csv", text)
    assert any(f.name == "old" and f.gone and f.date == dt.date(2024, 1, 4) for f in facts)
    assert not any(f.name == "new" and f.gone for f in facts)


def test_the_course_data_has_dated_facts():
    facts = dated_facts()
    assert len(facts) > 100
    assert "text-davinci-003" in gone_names(DAY)


def test_prices_over_a_year_old_are_listed():
    old = stale_prices(DAY, months=12)
    assert all(f.date < dt.date(2025, 12, 8) for f in old)
    assert {"davinci", "curie"} <= {f.name for f in old}
    assert not stale_prices(dt.date(2022, 9, 2), months=12)


def test_coming_lists_only_the_window():
    soon = coming(dt.date(2026, 12, 1), days=90)
    assert all(dt.date(2026, 12, 1) < f.date <= dt.date(2027, 3, 1) for f in soon)
    assert not coming(dt.date(2030, 1, 1), days=1)


def _course_with_answer(root: Path, answer: str) -> Path:
    folder = root / "source" / "99-test"
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        f'model = None\n### BEGIN SOLUTION\nmodel = "{answer}"\n### END SOLUTION'
    )
    cell.id = "ex1-model"
    nb.cells = [cell]
    (folder / "99-test.ipynb").write_text(json.dumps(nb))
    return root


def test_an_answer_naming_a_shut_down_model_is_stale(tmp_path):
    root = _course_with_answer(tmp_path, "text-davinci-003")
    problems = stale_answers(root, DAY)
    assert len(problems) == 1 and "ex1-model" in problems[0] and "2024-01-04" in problems[0]
    assert not stale_answers(root, dt.date(2023, 1, 1))


def test_a_current_answer_is_not_stale(tmp_path):
    assert not stale_answers(_course_with_answer(tmp_path, "gpt-4o-mini"), DAY)


def test_the_course_has_no_stale_answer_today():
    assert stale_answers(ROOT, dt.date.today()) == []


def test_cli_freshness_json():
    done = subprocess.run(
        [sys.executable, "-m", "course.cli", "freshness", "--today", "2026-12-07", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["today"] == "2026-12-07" and data["stale_answers"] == []
    assert any(item["name"] == "davinci" for item in data["stale_prices"])
    bad = subprocess.run(
        [sys.executable, "-m", "course.cli", "freshness", "--today", "soon"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "--today takes a date" in bad.stderr

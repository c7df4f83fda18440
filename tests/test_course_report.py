"""The course-wide report on a small synthetic course: source notebooks naming CLF-C02 tasks, and a
gradebook filled through nbgrader's Gradebook API (no grading run), so every share can be checked by hand."""

import math
import re
import shutil
import sqlite3
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook

from course.cli import main
from course.grading.nbgrader_setup import course_api
from course.instructor import course_report
from course.instructor.course_report import build_course_report
from course.instructor.exports import question_frame
from course.instructor.feedback import CSP_META
from course.instructor.report import ReportIncomplete, score_histogram

ROOT = Path(__file__).resolve().parent.parent
EVIL = "<script>alert(1)</script>"

# assignment -> [(text before the exercise, answer id, graded cell id, points)]
SOURCE = {
    "01-alpha": [
        ("Price it (CLF-C02 1.1).", "ex1-price", "ex1-price-tests", 4),
        ("Who secures it? (CLF-C02 2.3 and 2.4)", "q1-answer", "q1-tests", 2),
    ],
    "02-beta": [
        ("Pick a plan (CLF-C02 4.1).", "ex1-plan", "ex1-plan-tests", 5),
        ("A programming-only exercise.", "ex2-code", "ex2-code-tests", 1),
    ],
    "03-gamma": [("Choose a Region (CLF-C02 3.2).", "ex1-region", "ex1-region-tests", 3)],
    "04-delta": [("Not released yet (CLF-C02 3.3).", "ex1-later", "ex1-later-tests", 2)],
}
RELEASED = ["01-alpha", "02-beta", "03-gamma"]
# student -> assignment -> graded cell -> score (an assignment missing: not submitted)
SCORES = {
    "ada": {
        "01-alpha": {"ex1-price-tests": 4, "q1-tests": 2},
        "02-beta": {"ex1-plan-tests": 5, "ex2-code-tests": 1},
    },
    "ben": {"01-alpha": {"ex1-price-tests": 1, "q1-tests": 0}},
    "cy": {
        "01-alpha": {"ex1-price-tests": 2, "q1-tests": 2},
        "02-beta": {"ex1-plan-tests": 0, "ex2-code-tests": 1},
    },
    "dee": {},
}


def _notebook(items) -> nbformat.NotebookNode:
    cells = [new_markdown_cell("# A synthetic assignment")]
    for text, answer, graded, points in items:
        cells.append(new_markdown_cell(text))
        cells.append(
            new_code_cell(
                "x = 1", metadata={"nbgrader": {"grade_id": answer, "solution": True, "grade": False}}
            )
        )
        cells.append(
            new_code_cell(
                "assert x",
                metadata={
                    "nbgrader": {"grade_id": graded, "grade": True, "solution": False, "points": points}
                },
            )
        )
    return new_notebook(cells=cells)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for name, items in SOURCE.items():
        (root / "source" / name).mkdir(parents=True)
        nbformat.write(_notebook(items), root / "source" / name / f"{name}.ipynb")
    api = course_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for name in RELEASED:
            gb.update_or_create_assignment(name)
            gb.update_or_create_notebook(name, name)
            for _, _, graded, points in SOURCE[name]:
                gb.update_or_create_grade_cell(graded, name, name, max_score=points, cell_type="code")
        for student, work in SCORES.items():
            gb.update_or_create_student(student, first_name=EVIL if student == "dee" else student.title())
            for name, cells in work.items():
                gb.add_submission(name, student)
                for cell, score in cells.items():
                    gb.find_grade(cell, name, name, student).auto_score = score
        gb.db.commit()
    return root


@pytest.mark.slow
def test_task_map_joins_answers_to_their_graded_cells(course):
    cells = course_report.task_map(course)
    assert cells[("01-alpha", "ex1-price-tests")] == {"1.1"}
    assert cells[("01-alpha", "q1-tests")] == {"2.3", "2.4"}
    assert ("02-beta", "ex2-code-tests") not in cells  # programming only: no task statement
    assert cells[("04-delta", "ex1-later-tests")] == {"3.3"}


@pytest.mark.slow
def test_domain_and_task_shares_are_computed_by_hand(course):
    questions = question_frame(course)
    cells = course_report.task_map(course)
    domains = course_report.domain_scores(questions, cells)
    assert domains.loc["1", "share"] == pytest.approx(7 / 12)  # 4 + 1 + 2 of 3 x 4
    assert domains.loc["2", ["earned", "possible"]].tolist() == [4, 6]  # q1 counts once, not for 2.3 and 2.4
    assert math.isnan(domains.loc["3", "share"]) and domains.loc["3", "possible"] == 0  # nobody submitted 03
    assert domains.loc["4", "share"] == pytest.approx(5 / 10)  # ben did not submit 02
    assert domains["share of points graded"].tolist() == pytest.approx([12 / 28, 6 / 28, 0, 10 / 28])
    assert domains["exam weight"].sum() == pytest.approx(1)
    assert course_report.exam_weighted(domains) == pytest.approx((24 * 7 / 12 + 30 * 4 / 6 + 12 * 0.5) / 66)
    tasks = course_report.task_scores(questions, cells)
    assert tasks.loc["2.3", "share"] == tasks.loc["2.4", "share"] == pytest.approx(4 / 6)
    assert tasks.loc["1.1", ["graded cells", "earned", "possible"]].tolist() == [1, 7, 12]
    assert tasks["share"].notna().sum() == 4 and len(tasks) == 19


@pytest.mark.slow
def test_report_lists_every_student_and_assignment(course, tmp_path):
    out = build_course_report(course, tmp_path / "course.html")
    page = out.read_text(encoding="utf-8")
    for student in SCORES:
        assert f"<th>{student}</th>" in page
    for name in RELEASED:
        assert f"<th>{name}</th>" in page
    assert "3 of 4 assignments released" in page and "Not released yet: 04-delta." in page
    assert ">0 of 3<" in page  # 03-gamma: released, nobody submitted
    assert page.count("not submitted") >= 4 + 2 + 1  # everyone 03, dee everything, ben 02
    assert ">12 / 12<" in page or ">6 / 6<" in page
    assert page.count("data:image/png;base64,") == 2
    weakest = page.split("Weakest task statements", 1)[1].split("Every task statement", 1)[0]
    assert re.findall(r"<th>([1-4]\.[1-8])</th>", weakest) == ["4.1", "1.1", "2.3", "2.4"]


@pytest.mark.slow
def test_report_is_inert_and_escapes_names(course, tmp_path):
    page = build_course_report(course, tmp_path / "course.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and EVIL not in page
    assert html_escaped(EVIL) in page
    assert CSP_META in page and "default-src 'none'" in page


def html_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.slow
def test_an_unreadable_student_is_named_and_skipped(course, tmp_path):
    db = course / "gradebook.db"
    saved = db.read_bytes()
    try:
        with sqlite3.connect(db) as con:  # cy's submissions are left without their student row
            con.execute("DELETE FROM student WHERE id = 'cy'")
        with pytest.raises(ReportIncomplete, match="cy") as failure:
            build_course_report(course, tmp_path / "r.html")
        assert list(failure.value.failed) == ["cy"]
        page = (tmp_path / "r.html").read_text(encoding="utf-8")
        assert "left out of this report, shown as ?): cy" in page and "<th>ada</th>" in page
    finally:
        db.write_bytes(saved)


@pytest.mark.slow
def test_cli_report_all_and_one(course, capsys):
    assert main(["report", "--all", "--course", str(course)]) == 0
    assert (course / "reports" / "course.html").is_file()
    assert main(["report", "01-alpha", "--course", str(course)]) == 0
    assert (course / "reports" / "01-alpha.html").is_file()
    assert main(["report", "--course", str(course)]) == 2
    assert "--all" in capsys.readouterr().err


@pytest.mark.slow
def test_an_empty_gradebook_gives_a_page(tmp_path):
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    page = build_course_report(tmp_path).read_text(encoding="utf-8")
    assert "0 of 0 assignments released" in page and "<script" not in page


@pytest.mark.parametrize("totals", [[19, 11, 0], [3.5] * 40 + [19] * 3])
def test_histogram_counts_whole_students_and_its_legend_covers_no_bar(totals):
    fig, ax = score_histogram(pd.Series(totals, dtype=float), 19)
    fig.canvas.draw()
    ticks = ax.get_yticks()
    assert all(float(t).is_integer() for t in ticks) and len(ticks) >= 2
    legend = ax.get_legend().get_window_extent()
    bars = [p.get_window_extent() for p in ax.patches if p.get_height() > 0]
    assert bars and not any(legend.overlaps(bar) for bar in bars)
    assert legend.x0 >= ax.get_window_extent().x1  # outside the axes

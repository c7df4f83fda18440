"""course.lessons.practice_exam: the exam's facts, the question bank's metadata, per-domain scores, and
that notebook 18 matches its bank (tasks, response types, letters) without the bank holding answers."""

import re
from collections import Counter
from pathlib import Path

import matplotlib
import pytest

from course import notebooks
from course.lessons import practice_exam as pe

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "18-practice-exam" / "18-practice-exam.ipynb"
HEADING = re.compile(r"^### Question (\d+) \(1 point, CLF-C02 ([1-4]\.[1-8])\)", re.M)


def test_exam_facts_hang_together():
    facts = pe.exam()
    assert facts["questions_scored"] + facts["questions_unscored"] == facts["questions_total"] == 65
    assert facts["duration_minutes"] == 90
    assert facts["score_min"] < facts["pass_score"] < facts["score_max"]
    assert facts["pass_score"] == 700


def test_domain_weights_and_tasks():
    weights = {d["number"]: d["weight_percent"] for d in pe.domains()}
    assert weights == {"1": 24, "2": 30, "3": 34, "4": 12}
    assert sum(weights.values()) == 100
    titles = pe.task_titles()
    assert len(titles) == 4 + 4 + 8 + 3
    assert titles["2.1"] == "Understand the AWS shared responsibility model"
    for domain in pe.domains():
        assert all(t["id"].startswith(domain["number"] + ".") for t in domain["tasks"])
        assert domain["source"].startswith("https://docs.aws.amazon.com/aws-certification/")


def test_domain_of():
    assert pe.domain_of("3.7") == "3"
    with pytest.raises(ValueError, match="not a CLF-C02 task"):
        pe.domain_of("4.4")
    with pytest.raises(ValueError):
        pe.domain_of("1")


def test_bank_follows_the_exam_mix():
    questions = pe.bank()
    assert [q["id"] for q in questions] == [f"q{n:02d}" for n in range(1, 66)]
    per_domain = Counter(pe.domain_of(q["task"]) for q in questions)
    for domain in pe.domains():
        target = 65 * domain["weight_percent"] / 100
        assert abs(per_domain[domain["number"]] - target) <= 1, (domain["name"], per_domain)
    assert set(q["task"] for q in questions) == set(pe.task_titles()), "every task statement is tested"
    multiple = sum(q["multiple"] for q in questions)
    assert 10 <= multiple <= 16, "about one question in five is multiple response"
    for q in questions:
        assert q["letters"] == ("ABCDE" if q["multiple"] else "ABCD")
        assert set(q) == {"id", "task", "multiple", "letters"}, "the bank holds no answers"


def test_mix_table_totals():
    table = pe.mix_table()
    assert table.loc["total", "weight %"] == 100
    assert table.loc["total", "in this practice exam"] == 65
    assert table.loc["total", "of 50 scored"] == pytest.approx(50)


def test_time_plan_adds_up():
    plan = pe.time_plan()
    minutes = [float(v.split()[0]) for v in plan["time"] if v.endswith("min")]
    assert sum(minutes) == pytest.approx(pe.exam()["duration_minutes"])
    assert pe.time_plan(pace=0.5).loc["2. Review the flagged questions", "time"] == "47.5 min"
    with pytest.raises(ValueError, match="no time to review"):
        pe.time_plan(pace=1.5)


SMALL = [
    {"id": "a", "task": "1.1", "multiple": False, "letters": "ABCD"},
    {"id": "b", "task": "1.4", "multiple": True, "letters": "ABCDE"},
    {"id": "c", "task": "2.3", "multiple": False, "letters": "ABCD"},
    {"id": "d", "task": "4.2", "multiple": False, "letters": "ABCD"},
]


def test_domain_scores_count_unrecorded_as_wrong():
    scores = pe.domain_scores({"a": True, "b": False, "d": True}, SMALL)
    assert scores.loc["1", "questions"] == 2 and scores.loc["1", "right"] == 1
    assert scores.loc["1", "percent"] == 50.0
    assert scores.loc["2", "right"] == 0 and scores.loc["2", "percent"] == 0.0  # c never recorded
    assert scores.loc["3", "questions"] == 0 and scores.loc["3", "percent"] == 0.0
    assert scores.loc["4", "percent"] == 100.0
    assert pe.domain_scores(None, SMALL)["right"].sum() == 0


def test_domain_scores_accept_only_true():
    scores = pe.domain_scores({"a": 1, "d": "yes"}, SMALL)
    assert scores["right"].sum() == 0


def test_missed_lists_tasks():
    wrong = pe.missed({"a": True, "d": True}, SMALL)
    assert list(wrong["question"]) == ["b", "c"]
    assert list(wrong["task"]) == ["CLF-C02 1.4", "CLF-C02 2.3"]
    assert wrong.iloc[1]["title"] == "Identify AWS access management capabilities"


def test_plot_domain_scores():
    scores = pe.domain_scores({"a": True, "b": True, "c": True}, SMALL)
    fig, ax = pe.plot_domain_scores(scores)
    bars = ax.patches
    assert len(bars) == 4
    assert sorted(round(b.get_width(), 1) for b in bars) == [0.0, 0.0, 100.0, 100.0]
    assert "per domain" in fig._suptitle.get_text()
    matplotlib.pyplot.close(fig)


def test_feedback_chart_draws_only_while_grading(capsys, monkeypatch):
    monkeypatch.setattr(matplotlib.pyplot, "show", lambda: None)
    results = {q["id"]: True for q in pe.bank()}
    pe.feedback_chart(results, grading=False)
    assert "after the notebook is graded" in capsys.readouterr().out
    pe.feedback_chart(None, grading=True)
    assert "after the notebook is graded" in capsys.readouterr().out
    before = len(matplotlib.pyplot.get_fignums())
    results["q01"] = False
    pe.feedback_chart(results, grading=True)
    out = capsys.readouterr().out
    assert "Answered right: 64 of 65" in out and "Questions to review" in out
    assert len(matplotlib.pyplot.get_fignums()) == before + 1
    matplotlib.pyplot.close("all")


def test_is_grading_reads_nbgrader_env(monkeypatch):
    monkeypatch.delenv(pe.GRADING_ENV, raising=False)
    assert not pe.is_grading()
    monkeypatch.setenv(pe.GRADING_ENV, "autograde")
    assert pe.is_grading()


def test_status_notes_are_dated_and_sourced():
    notes = pe.status_notes()
    assert "AWS Snowball Edge" in notes.index
    assert all(s.startswith("https://") for s in notes["source"])


@pytest.mark.skipif(not SOURCE.exists(), reason="notebook 18 not built")
def test_notebook_matches_its_bank():
    nb = notebooks.read(SOURCE)
    bank = {q["id"]: q for q in pe.bank()}
    seen = []
    for i, cell in enumerate(nb.cells):
        heading = HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if not heading:
            continue
        number, task = int(heading.group(1)), heading.group(2)
        qid = f"q{number:02d}"
        meta = bank[qid]
        seen.append(qid)
        assert meta["task"] == task, qid
        assert cell.metadata.get("tags") == [f"clf-c02-{task}"], qid
        options = re.findall(r"^- \*\*([A-E])\.\*\* ", cell.source, re.M)
        assert "".join(options) == meta["letters"], qid
        assert ("Choose two." in cell.source) == meta["multiple"], qid
        answer, test = nb.cells[i + 1], nb.cells[i + 2]
        assert answer.metadata.nbgrader["grade_id"] == f"{qid}-answer"
        assert answer.source.startswith(f"{qid} = None\n")
        assert test.metadata.nbgrader["grade_id"] == f"{qid}-tests" and test.metadata.nbgrader["points"] == 1
        visible = test.source.split("### BEGIN HIDDEN TESTS")[0].strip()
        multi = ", multiple=True" if meta["multiple"] else ""
        assert visible == f'check_option("{qid}", {qid}, "{meta["letters"]}"{multi})'
        hidden = test.source.split("### BEGIN HIDDEN TESTS")[1]
        assert f'_exam_results["{qid}"] = False' in hidden and hidden.index("= False") < hidden.index(
            "grade_option(\n"
        ) < hidden.index(f'_exam_results["{qid}"] = True')
        for letter in meta["letters"]:
            assert f'"{letter}": "' in hidden, f"{qid}: option {letter} has no explanation"
        assert "raises-exception" in answer.metadata.tags and "raises-exception" in test.metadata.tags
    assert seen == list(bank)


def test_guess_gain():
    assert pe.guess_gain(8, 2) == pytest.approx(2.2)  # 8/4 + 2/10
    assert pe.guess_gain(0) == 0
    assert pe.guess_gain(3, options=3) == 1
    with pytest.raises(ValueError):
        pe.guess_gain(-1)

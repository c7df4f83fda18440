"""The practice exam of section 18: the real exam's format, the question bank's metadata, per-domain scores.

The exam's facts (questions, time, scale, domain weights, task statements) come from
`course/data/clf_c02_exam.json`; which task each practice question tests, and whether it is a
multiple-response question, from `course/data/practice_exam_bank.json`. The answers are in neither:
they live only in the hidden tests of the source notebook.

During grading each hidden test records whether its question was answered right in a dict
`{question id: bool}`; `feedback_chart` turns that dict into a per-domain score and a bar chart.
"""

import os
from collections.abc import Mapping
from math import comb

import pandas as pd

from course.data import load_json
from course.lessons.plotting import PALETTE, new_figure

EXAM_FILE = "clf_c02_exam.json"
BANK_FILE = "practice_exam_bank.json"
# Course suggestions for pacing (not AWS facts): a first pass at this pace, and minutes kept in reserve.
FIRST_PASS_MINUTES_PER_QUESTION = 1.0
RESERVE_MINUTES = 10
# A practice target per domain, above the pass mark on purpose: AWS does not publish how many
# correct answers a scaled 700 needs, and it changes from one exam form to another.
PRACTICE_TARGET_PERCENT = 80
GRADING_ENV = "NBGRADER_EXECUTION"


def exam() -> dict:
    """The exam's format: questions, scored and unscored, minutes, score scale and pass mark."""
    return load_json(EXAM_FILE)["exam"]


def domains() -> list[dict]:
    """The four content domains, each with its number, name, weight in percent and task statements."""
    return load_json(EXAM_FILE)["domains"]


def task_titles() -> dict[str, str]:
    """Every task statement id ('1.1' ... '4.3') with its title from the exam guide."""
    return {task["id"]: task["title"] for domain in domains() for task in domain["tasks"]}


def domain_of(task: str) -> str:
    """The domain number of a task statement id: '2.3' -> '2'. Unknown ids raise ValueError."""
    if task not in task_titles():
        raise ValueError(f"{task!r} is not a CLF-C02 task statement (known: {', '.join(task_titles())})")
    return task.split(".")[0]


def bank() -> list[dict]:
    """The practice questions' metadata, in notebook order: id, task, multiple (bool), letters."""
    return load_json(BANK_FILE)["questions"]


def status_notes() -> pd.DataFrame:
    """Services the exam guide names whose status has changed since it was written, dated and sourced."""
    rows = load_json(EXAM_FILE)["status_notes"]
    return pd.DataFrame(rows, columns=["subject", "exam_guide_says", "status", "as_of", "source"]).set_index(
        "subject"
    )


def format_table() -> pd.DataFrame:
    """The exam's format as a two-column table for the notebook."""
    facts = exam()
    rows = [
        (
            "Questions",
            f"{facts['questions_total']}: {facts['questions_scored']} scored, "
            f"{facts['questions_unscored']} unscored (not marked as such)",
        ),
        ("Time", f"{facts['duration_minutes']} minutes"),
        ("Score", f"scaled, {facts['score_min']} to {facts['score_max']:,}; pass mark {facts['pass_score']}"),
        ("Scoring model", facts["scoring"]),
        ("Unanswered questions", facts["unanswered"]),
        *((f"Type: {kind}", text) for kind, text in facts["response_types"].items()),
    ]
    return pd.DataFrame(rows, columns=["", "CLF-C02"]).set_index("")


def mix_table(questions: list[dict] | None = None) -> pd.DataFrame:
    """Per domain: its weight, what that weight means in 50 scored and 65 questions, and this bank's mix."""
    questions = bank() if questions is None else questions
    facts = exam()
    rows = []
    for domain in domains():
        mine = [q for q in questions if domain_of(q["task"]) == domain["number"]]
        rows.append(
            {
                "domain": f"{domain['number']} {domain['name']}",
                "weight %": domain["weight_percent"],
                "of 50 scored": round(facts["questions_scored"] * domain["weight_percent"] / 100, 1),
                "of 65 questions": round(facts["questions_total"] * domain["weight_percent"] / 100, 1),
                "in this practice exam": len(mine),
                "of them multiple response": sum(q["multiple"] for q in mine),
            }
        )
    table = pd.DataFrame(rows).set_index("domain")
    table.loc["total"] = table.sum()
    return table


def time_plan(
    pace: float = FIRST_PASS_MINUTES_PER_QUESTION, reserve: float = RESERVE_MINUTES
) -> pd.DataFrame:
    """A time box for the exam's minutes: a first pass at PACE minutes a question, a review, a reserve."""
    facts = exam()
    minutes, questions = facts["duration_minutes"], facts["questions_total"]
    first = pace * questions
    review = minutes - first - reserve
    if review <= 0:
        raise ValueError(f"{first:g} + {reserve:g} minutes leave no time to review in {minutes} minutes")
    rows = [
        ("Average per question", f"{minutes * 60 / questions:.0f} s"),
        ("1. First pass: answer every question, flag the doubtful ones", f"{first:g} min"),
        ("2. Review the flagged questions", f"{review:g} min"),
        ("3. Reserve: check that nothing is left unanswered", f"{reserve:g} min"),
    ]
    return pd.DataFrame(rows, columns=["step", "time"]).set_index("step")


def guess_gain(single: int, multiple: int = 0, options: int = 4, multiple_options: int = 5) -> float:
    """Expected right answers from blind guesses on SINGLE one-of-OPTIONS questions and MULTIPLE
    choose-two-of-MULTIPLE_OPTIONS questions. A blank earns nothing, so any guess beats a blank."""
    if min(single, multiple) < 0:
        raise ValueError("question counts cannot be negative")
    return round(single / options + multiple / comb(multiple_options, 2), 2)


def domain_scores(results: Mapping[str, bool] | None, questions: list[dict] | None = None) -> pd.DataFrame:
    """Right answers per domain; a question with no recorded result (unanswered, bad form) counts as wrong."""
    questions = bank() if questions is None else questions
    results = results or {}
    rows = []
    for domain in domains():
        ids = [q["id"] for q in questions if domain_of(q["task"]) == domain["number"]]
        right = sum(results.get(qid) is True for qid in ids)
        rows.append(
            {
                "domain": domain["number"],
                "name": domain["name"],
                "questions": len(ids),
                "right": right,
                "percent": round(100 * right / len(ids), 1) if ids else 0.0,
            }
        )
    return pd.DataFrame(rows).set_index("domain")


def missed(results: Mapping[str, bool] | None, questions: list[dict] | None = None) -> pd.DataFrame:
    """The questions not answered right, with the task statement each one tests."""
    questions = bank() if questions is None else questions
    results, titles = results or {}, task_titles()
    rows = [
        {"question": q["id"], "task": f"CLF-C02 {q['task']}", "title": titles[q["task"]]}
        for q in questions
        if results.get(q["id"]) is not True
    ]
    return pd.DataFrame(rows, columns=["question", "task", "title"])


def plot_domain_scores(scores: pd.DataFrame, target: float = PRACTICE_TARGET_PERCENT):
    """Horizontal bars: percent right per domain, labelled 'right of questions', with the practice target."""
    fig, ax = new_figure("Your practice exam: score per domain", "answered right (%)", "")
    labels = [f"{number} {row['name']}" for number, row in scores.iterrows()][::-1]
    values = list(scores["percent"])[::-1]
    colours = [PALETTE[2] if v >= target else PALETTE[3] for v in values]
    bars = ax.barh(labels, values, color=colours)
    for bar, (_, row) in zip(bars, scores.iloc[::-1].iterrows(), strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{row['right']} of {row['questions']}",
            va="center",
        )
    ax.axvline(target, color=PALETTE[7], linestyle="--", linewidth=1)
    ax.text(target, len(labels) - 0.4, f" practice target {target:g} %", va="bottom")
    ax.set_xlim(0, 110)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig, ax


def is_grading() -> bool:
    """True while nbgrader (or the course's grader) runs the notebook: it sets NBGRADER_EXECUTION."""
    return bool(os.environ.get(GRADING_ENV, "").strip())


def feedback_chart(results: Mapping[str, bool] | None, grading: bool | None = None) -> None:
    """During grading, print the per-domain score and the questions to review, and draw the chart.

    Anywhere else (a student's own run, or the release build, which also runs the hidden tests)
    it only says where the chart will appear.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    grading = is_grading() if grading is None else grading
    if not (grading and results):
        print(
            "Your per-domain score chart appears here in your feedback, after the notebook is graded.\n"
            "Until then no answer is marked: the tests above check only the form of each answer."
        )
        return
    scores = domain_scores(results)
    total, right = int(scores["questions"].sum()), int(scores["right"].sum())
    print(f"Answered right: {right} of {total} ({100 * right / total:.0f} %).")
    display(scores)
    wrong = missed(results)
    if len(wrong):
        print("Questions to review, with the task statement each one tests:")
        display(wrong.set_index("question"))
    plot_domain_scores(scores)
    plt.show()

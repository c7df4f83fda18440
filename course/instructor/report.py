"""A class report for one assignment: self-contained HTML with PNG figures, from nbgrader's gradebook.

Difficulty is the share of the points the class earned on a question (1 = everyone right).
Discrimination is the correlation between a question's score and the rest of the assignment's
score (corrected item-total correlation): near 0 or negative means the question does not separate
strong from weak students, and is worth a second look.

The page carries no script (a Content-Security-Policy forbids any) and escapes every name. A
student whose grades cannot be read is left out, named on the page and in `ReportIncomplete`.
"""

import base64
import html
import io
import logging
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from course.errors import CourseInputError  # noqa: E402
from course.grading.nbgrader_setup import course_api  # noqa: E402
from course.instructor.exports import question_frame, why  # noqa: E402
from course.instructor.feedback import CSP_META  # noqa: E402
from course.lessons.plotting import new_figure  # noqa: E402

WEAK_DISCRIMINATION = 0.2
log = logging.getLogger("course.report")


class ReportIncomplete(CourseInputError):
    """The report was written without some students, whose grades could not be read."""

    def __init__(self, out: Path, failed: dict[str, str]):
        self.out, self.failed = out, failed
        who = "; ".join(f"{student} ({why})" for student, why in failed.items())
        super().__init__(
            f"wrote {out} without {len(failed)} student(s) whose grades could not be read: {who}"
        )


def _label(cell: str) -> str:
    return cell.removesuffix("-tests")


def item_statistics(questions: pd.DataFrame) -> pd.DataFrame:
    """Per graded cell: mean score, maximum, difficulty and discrimination (needs 3+ students)."""
    scores = questions.pivot_table(index="student_id", columns="cell", values="score", aggfunc="sum")
    maxima = questions.groupby("cell")["max_score"].first()
    total = scores.sum(axis=1)
    rows = []
    for cell in scores.columns:
        rest = total - scores[cell]
        spread = scores[cell].std() > 0 and rest.std() > 0
        rows.append(
            {
                "question": _label(cell),
                "mean": scores[cell].mean(),
                "max": maxima[cell],
                "difficulty": scores[cell].mean() / maxima[cell],
                "discrimination": scores[cell].corr(rest) if spread and len(scores) >= 3 else float("nan"),
            }
        )
    return pd.DataFrame(rows).set_index("question")


def blank_counts(root: Path, assignment: str, failed: dict[str, str] | None = None) -> pd.Series:
    """How many students left each answer cell untouched (nbgrader's "No response.").

    A submission whose comments cannot be read is left out; FAILED (if given) gets its student and why.
    """
    failed = {} if failed is None else failed
    api = course_api(root)
    counts: dict[str, int] = {}
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for submission in gb.find_assignment(assignment).submissions:
            try:
                names = [
                    (c.name, c.auto_comment == "No response.")
                    for nb in submission.notebooks
                    for c in nb.comments
                ]
            except Exception as error:  # noqa: BLE001 (one submission must not stop the report)
                failed[submission.student_id] = why(error)
                log.warning("comments of %s could not be read: %s", submission.student_id, why(error))
                continue
            for name, blank in names:
                counts[name] = counts.get(name, 0) + blank
    return pd.Series(counts, dtype=int).sort_values(ascending=False)


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def score_histogram(totals: pd.Series, maximum: float):
    """The histogram of total scores: whole students on the y axis, the mean's legend beside the axes."""
    fig, ax = new_figure("Score distribution", "score (points)", "students")
    counts, _, _ = ax.hist(
        totals, bins=min(20, max(5, int(maximum) + 1)), range=(0, maximum), color="C0", edgecolor="white"
    )
    ax.axvline(totals.mean(), color="C1", linestyle="--", label=f"mean {totals.mean():.1f}\nof {maximum:g}")
    ax.set_ylim(0, max(counts.max(), 1) + 1)  # room above the tallest bar
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # outside: never on a bar
    return fig, ax


def _figures(totals: pd.Series, maximum: float, stats: pd.DataFrame) -> dict[str, str]:
    distribution = _png(score_histogram(totals, maximum)[0])

    fig, (left, right) = new_figure("Questions", "", "", panels=2)
    left.barh(stats.index, stats["difficulty"], color="C0")
    left.set(xlabel="difficulty: share of points earned (1 = all right)", xlim=(0, 1))
    left.invert_yaxis()
    colours = ["C3" if not (d >= WEAK_DISCRIMINATION) else "C2" for d in stats["discrimination"]]
    right.barh(stats.index, stats["discrimination"].fillna(0), color=colours)
    right.axvline(WEAK_DISCRIMINATION, color="grey", linestyle=":")
    right.set(xlabel="discrimination (item-rest correlation)", xlim=(-1, 1), yticklabels=[])
    right.invert_yaxis()
    items = _png(fig)
    return {"distribution": distribution, "items": items}


def build_report(root: Path, assignment: str, out: Path | None = None) -> Path:
    """Write reports/<assignment>.html (or OUT) for ASSIGNMENT and return its path."""
    failed: dict[str, str] = {}
    questions = question_frame(root, failed, assignment)
    questions = questions[questions["assignment"] == assignment]
    if questions.empty:
        raise CourseInputError(
            f"no graded submissions of {assignment!r}: run `course grade {assignment}` first"
        )
    api = course_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        everyone = sorted(s.id for s in gb.students)
    totals = questions.groupby("student_id")["score"].sum()
    maximum = questions.groupby("cell")["max_score"].first().sum()
    stats = item_statistics(questions)
    figures = _figures(totals, maximum, stats)
    zero = sorted(totals[totals == 0].index)
    missing = sorted(set(everyone) - set(totals.index))
    blanks = blank_counts(root, assignment, failed)
    blanks = blanks[blanks > 0]
    unread = html.escape(", ".join(sorted(failed))) or "none"

    def table(frame: pd.DataFrame) -> str:
        return frame.to_html(float_format=lambda x: f"{x:.2f}", na_rep="n/a", border=0)

    weak = stats[~(stats["discrimination"] >= WEAK_DISCRIMINATION)].index.tolist()
    title = f"{html.escape(assignment)}: class report"
    page = f"""<!doctype html><html><head><meta charset="utf-8">{CSP_META}<title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{padding:.2em .8em;text-align:right}}img{{max-width:100%}}</style></head><body>
<h1>{title}</h1>
<p>{len(totals)} graded submissions of {len(everyone)} students; mean {totals.mean():.1f},
median {totals.median():.1f} of {maximum:g} points.</p>
<h2>Score distribution</h2>
<img alt="histogram of total scores" src="data:image/png;base64,{figures["distribution"]}">
<h2>Questions: difficulty and discrimination</h2>
<img alt="difficulty and discrimination per question" src="data:image/png;base64,{figures["items"]}">
<p>Questions that separate strong from weak students poorly (discrimination under {WEAK_DISCRIMINATION}):
{html.escape(", ".join(weak)) or "none"}.</p>
{table(stats)}
<h2>Students who scored zero or did not submit</h2>
<p>Scored zero: {html.escape(", ".join(zero)) or "none"}.</p>
<p>Did not submit: {html.escape(", ".join(missing)) or "none"}.</p>
<p>Grades that could not be read (left out of this report): {unread}.</p>
<h2>Questions most often left blank</h2>
{table(blanks.rename("students who left it blank").to_frame()) if len(blanks) else "<p>None.</p>"}
</body></html>"""
    out = Path(out) if out else root / "reports" / f"{assignment}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    if failed:
        raise ReportIncomplete(out, failed)
    return out

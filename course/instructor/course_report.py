"""The course-wide class report: every assignment released so far, each student's progress, and the
class's score by CLF-C02 exam domain and task statement. Self-contained HTML with PNG figures.

An assignment counts as released once it is in the gradebook (`course release` puts it there); an
assignment nobody has submitted yet is listed with its maximum and no scores. A domain's (or task
statement's) score is the share of the points the class earned on the graded cells of the exercises
that name it ("CLF-C02 2.3" in the markdown before the answer, the coverage map's graded items),
over the submissions handed in: a missing submission counts in progress, not in what the class knows.
An exercise that names several task statements counts in each of them, and once in a domain.

Same safety as the per-assignment report: no script (the Content-Security-Policy forbids any), every
name escaped, and a student whose grades cannot be read is logged, left out, named on the page and in
`ReportIncomplete` once the page is written.
"""

import html
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from course import notebooks  # noqa: E402
from course.data import load_json  # noqa: E402
from course.grading.nbgrader_setup import course_api  # noqa: E402
from course.instructor import coverage  # noqa: E402
from course.instructor.exports import question_frame  # noqa: E402
from course.instructor.feedback import CSP_META  # noqa: E402
from course.instructor.report import ReportIncomplete, _png  # noqa: E402
from course.lessons.plotting import new_figure  # noqa: E402

WEAKEST = 5  # task statements in the table of the weakest
ANNOTATE_CELLS = 600  # the heat map writes each score in its cell up to this many cells


def graded_cells_of_answers(root: Path) -> dict[tuple[str, str], list[str]]:
    """(assignment, answer cell's grade id) -> the graded cells that score it, from source/.

    A graded cell belongs to the answer (solution) cell above it; a cell that is both is its own.
    """
    owners: dict[tuple[str, str], list[str]] = {}
    for name in notebooks.assignments(root):
        for path in notebooks.notebook_paths(root / "source" / name):
            answer = None
            for cell in notebooks.read(path).cells:
                meta = cell.metadata.get("nbgrader", {})
                grade_id = meta.get("grade_id", cell.id)
                if meta.get("solution"):
                    answer = grade_id
                if meta.get("grade") and answer is not None:
                    owners.setdefault((name, answer), []).append(grade_id)
    return owners


def task_map(root: Path) -> dict[tuple[str, str], set[str]]:
    """(assignment, graded cell) -> the task statements its exercise names (the coverage map's items)."""
    owners = graded_cells_of_answers(root)
    cells: dict[tuple[str, str], set[str]] = {}
    for task in coverage.collect(root).values():
        for item in task.graded:
            name, answer = item.split(":", 1)
            for cell in owners.get((name, answer), []):
                cells.setdefault((name, cell), set()).add(task.id)
    return cells


def _tagged(questions: pd.DataFrame, cells: dict[tuple[str, str], set[str]]) -> pd.DataFrame:
    """QUESTIONS, one row per (score row, task statement it trains), with the task's domain."""
    rows = questions.assign(
        task=[
            sorted(cells.get(key, ())) for key in zip(questions["assignment"], questions["cell"], strict=True)
        ]
    )
    rows = rows.explode("task").dropna(subset=["task"])
    return rows.assign(domain=[str(task).split(".", 1)[0] for task in rows["task"]])


def task_scores(questions: pd.DataFrame, cells: dict[tuple[str, str], set[str]]) -> pd.DataFrame:
    """Per task statement of the exam guide: graded cells, points earned and possible, share earned."""
    rows = _tagged(questions, cells)
    sums = rows.groupby("task")[["score", "max_score"]].sum()
    items = rows.drop_duplicates(["assignment", "cell", "task"]).groupby("task").size()
    out = []
    for task in coverage.tasks().values():
        earned, possible = sums.loc[task.id] if task.id in sums.index else (0.0, 0.0)
        out.append(
            {
                "task": task.id,
                "statement": task.title,
                "domain": task.domain.split(" ", 1)[0],
                "graded cells": int(items.get(task.id, 0)),
                "earned": float(earned),
                "possible": float(possible),
                "share": earned / possible if possible else float("nan"),
            }
        )
    return pd.DataFrame(out).set_index("task")


def domain_scores(questions: pd.DataFrame, cells: dict[tuple[str, str], set[str]]) -> pd.DataFrame:
    """Per exam domain: points earned and possible, share earned, exam weight, share of the points graded.

    A graded cell that trains two task statements of one domain counts once in it.
    """
    rows = _tagged(questions, cells).drop_duplicates(
        ["student_id", "assignment", "notebook", "cell", "domain"]
    )
    sums = rows.groupby("domain")[["score", "max_score"]].sum()
    exam = load_json("clf_c02_exam.json")["domains"]
    out = []
    for d in exam:
        earned, possible = sums.loc[d["number"]] if d["number"] in sums.index else (0.0, 0.0)
        out.append(
            {
                "domain": d["number"],
                "name": d["name"],
                "earned": float(earned),
                "possible": float(possible),
                "share": earned / possible if possible else float("nan"),
                "exam weight": d["weight_percent"] / 100,
            }
        )
    frame = pd.DataFrame(out).set_index("domain")
    graded = frame["possible"].sum()
    frame["share of points graded"] = frame["possible"] / graded if graded else 0.0
    return frame


def exam_weighted(domains: pd.DataFrame) -> float:
    """The class's domain shares weighted by the exam's domain weights (domains with grades only)."""
    known = domains.dropna(subset=["share"])
    weight = known["exam weight"].sum()
    return float((known["share"] * known["exam weight"]).sum() / weight) if weight else float("nan")


def _released(root: Path) -> tuple[list[str], dict[str, float], dict[str, str], dict[str, set[str]]]:
    """Released assignments in course order, their maxima, every student's name, who submitted what."""
    api = course_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        maxima = {a.name: float(a.max_score) for a in gb.assignments}
        names = sorted(maxima)
        handed_in = {a.name: {s.student_id for s in a.submissions} for a in gb.assignments}
        students = {s.id: " ".join(p for p in (s.first_name, s.last_name) if p) for s in gb.students}
    return names, maxima, students, handed_in


def progress_frame(
    questions: pd.DataFrame,
    names: list[str],
    maxima: dict[str, float],
    students: dict[str, str],
    handed_in: dict[str, set[str]],
) -> pd.DataFrame:
    """One row per student: score per assignment (NaN: not submitted or unreadable), submitted, total."""
    scores = questions.groupby(["student_id", "assignment"])["score"].sum().unstack()
    everyone = sorted(set(students) | set(questions["student_id"]) | set().union(*handed_in.values(), set()))
    frame = scores.reindex(index=everyone, columns=names).astype(float)
    frame.index.name, frame.columns.name = "student", None
    released = sum(maxima.values())
    frame.insert(0, "name", [students.get(s, "") for s in everyone])
    frame["submitted"] = [sum(s in handed_in[n] for n in names) for s in everyone]
    frame["total"] = frame[names].sum(axis=1, min_count=0)
    frame["share of released points"] = frame["total"] / released if released else float("nan")
    return frame


def heat_map(progress: pd.DataFrame, names: list[str], maxima: dict[str, float]):
    """Students by assignment, coloured by the share of the assignment's points; grey: not submitted."""
    shares = np.array(
        [[progress.at[s, n] / maxima[n] if maxima[n] else np.nan for n in names] for s in progress.index],
        dtype=float,
    ).reshape(len(progress.index), len(names))
    fig, ax = new_figure(
        "Progress: share of each assignment's points (grey: not submitted)", "assignment", "student"
    )
    height = min(60.0, max(3.5, 1.4 + 0.32 * len(progress)))
    fig.set_size_inches(max(6.0, 1.6 + 0.55 * len(names)), height)
    fig.subplots_adjust(top=1 - 0.7 / height, bottom=0.8 / height)  # the title stays close on a tall figure
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(shares), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(names)), [n.split("-", 1)[0] for n in names])
    ax.set_yticks(range(len(progress)), [s.replace("$", r"\$") for s in progress.index])  # no mathtext
    ax.grid(False)
    if shares.size <= ANNOTATE_CELLS:
        for (i, j), value in np.ndenumerate(shares):
            text = "–" if np.isnan(value) else f"{value:.0%}"
            colour = "black" if np.isnan(value) or value > 0.6 else "white"
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color=colour)
    bar = fig.colorbar(image, ax=ax, format=PercentFormatter(1.0, decimals=0), fraction=0.05, pad=0.02)
    bar.set_label("share of points")
    return fig, ax


def domain_chart(domains: pd.DataFrame):
    """Left: the class's share of points earned per domain. Right: exam weight against points graded."""
    fig, (left, right) = new_figure("Exam domains", "", "", panels=2)
    labels = [f"{d} {name}" for d, name in zip(domains.index, domains["name"], strict=True)]
    y = np.arange(len(domains))
    shares = domains["share"].fillna(0)
    left.barh(y, shares, color="C0")
    for i, share in enumerate(domains["share"]):
        left.text(
            0.01 if np.isnan(share) else share + 0.01,
            i,
            "nothing graded yet" if np.isnan(share) else f"{share:.0%}",
            va="center",
        )
    left.set(xlim=(0, 1.15), xlabel="class score: share of points earned", yticks=y, yticklabels=labels)
    left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    left.invert_yaxis()
    height = 0.38
    right.barh(y - height / 2, domains["exam weight"], height, color="C1", label="exam weight")
    right.barh(
        y + height / 2, domains["share of points graded"], height, color="C2", label="points graded so far"
    )
    right.set(xlabel="share of the points", yticks=y, yticklabels=[])
    right.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    right.invert_yaxis()
    right.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return fig, (left, right)


def _points(x: float) -> str:
    """Points for a table: at most one decimal (12.4286 -> 12.4, 19.0 -> 19)."""
    return f"{round(x, 1):g}"


def _table(frame: pd.DataFrame, percent: tuple[str, ...] = ()) -> str:
    shown = frame.copy()
    for column in percent:
        shown[column] = shown[column].map(lambda x: "n/a" if pd.isna(x) else f"{x:.0%}")
    return shown.to_html(float_format=_points, na_rep="–", border=0, escape=True)


def _progress_table(
    progress: pd.DataFrame, names: list[str], maxima: dict[str, float], handed_in: dict[str, set[str]]
) -> str:
    shown = progress.copy()
    for n in names:
        shown[n] = [
            ("?" if s in handed_in[n] else "not submitted") if pd.isna(v) else f"{_points(v)} / {maxima[n]:g}"
            for s, v in zip(shown.index, shown[n], strict=True)
        ]
    shown["submitted"] = [f"{k} of {len(names)}" for k in shown["submitted"]]
    return _table(shown, ("share of released points",))


def build_course_report(root: Path, out: Path | None = None) -> Path:
    """Write reports/course.html (or OUT): the whole course so far, and return its path."""
    failed: dict[str, str] = {}
    names, maxima, students, handed_in = _released(root)
    questions = question_frame(root, failed)
    cells = task_map(root)
    progress = progress_frame(questions, names, maxima, students, handed_in)
    tasks, domains = task_scores(questions, cells), domain_scores(questions, cells)
    weakest = tasks.dropna(subset=["share"]).sort_values(["share", "possible"], ascending=[True, False])
    figures = {}
    if names and len(progress):
        figures["heat"] = _png(heat_map(progress, names, maxima)[0])
    figures["domains"] = _png(domain_chart(domains)[0])
    released = (names, maxima, handed_in)
    page = _page(root, released, progress, tasks, domains, weakest.head(WEAKEST), figures, failed)
    out = Path(out) if out else root / "reports" / "course.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    if failed:
        raise ReportIncomplete(out, failed)
    return out


def _img(figures: dict[str, str], key: str, alt: str) -> str:
    if key not in figures:
        return "<p>No assignment or student in the gradebook yet.</p>"
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{figures[key]}">'


def _page(root, released, progress, tasks, domains, weakest, figures, failed) -> str:
    """The HTML page (every name escaped; no script)."""
    esc = html.escape
    names, maxima, handed_in = released
    planned = notebooks.assignments(root)
    waiting = [n for n in planned if n not in maxima]
    submitted = {n: len(handed_in[n]) for n in names}
    overview = pd.DataFrame(
        {
            "points": [maxima[n] for n in names],
            "submitted": [f"{submitted[n]} of {len(progress)}" for n in names],
            "mean of those submitted": [progress[n].mean() for n in names],
        },
        index=pd.Index(names, name="assignment"),
    )
    weighted = exam_weighted(domains)
    unread = esc(", ".join(sorted(failed))) or "none"
    weak_cols = ["statement", "domain", "graded cells", "earned", "possible", "share"]
    return f"""<!doctype html><html><head><meta charset="utf-8">{CSP_META}<title>Course report</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{padding:.2em .8em;text-align:right}}img{{max-width:100%}}</style></head><body>
<h1>Course report</h1>
<p>{len(names)} of {len(planned) or len(names)} assignments released so far, {len(progress)} students.
Not released yet: {esc(", ".join(waiting)) or "none"}.</p>
<h2>Assignments released</h2>
{_table(overview) if names else "<p>None yet.</p>"}
<h2>Each student's progress</h2>
{_img(figures, "heat", "heat map of each student's share of each assignment's points")}
{_progress_table(progress, names, maxima, handed_in) if len(progress) else "<p>No students yet.</p>"}
<p>Grades that could not be read (left out of this report, shown as ?): {unread}.</p>
<h2>The class by exam domain</h2>
<p>Share of the points earned on the graded exercises of each CLF-C02 domain, over the submissions
handed in; beside it, each domain's weight in the exam and its share of the points graded so far.
Weighted by the exam's domain weights: {"n/a" if np.isnan(weighted) else f"{weighted:.0%}"}
(a guide, not an exam score).</p>
{_img(figures, "domains", "bar chart of the class score per exam domain against the exam weights")}
{_table(domains, ("share", "exam weight", "share of points graded"))}
<h2>Weakest task statements</h2>
{_table(weakest[weak_cols], ("share",)) if len(weakest) else "<p>No graded exercise yet.</p>"}
<h2>Every task statement</h2>
{_table(tasks[weak_cols], ("share",))}
</body></html>"""

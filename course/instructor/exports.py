"""Grades out of nbgrader's gradebook: a wide CSV, Canvas's import layout, and per-question scores."""

import csv
from pathlib import Path

import pandas as pd
from nbgrader.api import Gradebook, MissingEntry

from course.grading.nbgrader_setup import course_api
from course.instructor.roster import load_roster

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _gradebook(root: Path) -> Gradebook:
    api = course_api(root)
    return Gradebook(api.coursedir.db_url, api.coursedir.course_id)


def assignment_maxima(root: Path) -> dict[str, float]:
    """Each assignment's maximum score."""
    with _gradebook(root) as gb:
        return {a.name: float(a.max_score) for a in gb.assignments}


def grades_frame(root: Path) -> pd.DataFrame:
    """One row per student, a column per assignment: the score, or NaN where nothing was submitted."""
    with _gradebook(root) as gb:
        names = [a.name for a in gb.assignments]
        rows = []
        for student in gb.students:
            row = {
                "student_id": student.id,
                "first_name": student.first_name or "",
                "last_name": student.last_name or "",
            }
            row["lms_user_id"] = student.lms_user_id or ""
            for name in names:
                try:
                    row[name] = float(gb.find_submission(name, student.id).score)
                except MissingEntry:
                    row[name] = float("nan")
            rows.append(row)
    return pd.DataFrame(rows, columns=["student_id", "first_name", "last_name", "lms_user_id", *names])


def question_frame(root: Path) -> pd.DataFrame:
    """One row per student and graded cell: assignment, notebook, cell, score, maximum."""
    rows = []
    with _gradebook(root) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        rows.append(
                            {
                                "student_id": submission.student.id,
                                "assignment": assignment.name,
                                "notebook": notebook.name,
                                "cell": grade.name,
                                "score": float(grade.score),
                                "max_score": float(grade.max_score),
                            }
                        )
    return pd.DataFrame(rows, columns=["student_id", "assignment", "notebook", "cell", "score", "max_score"])


def export_csv(root: Path, out: Path) -> tuple[Path, Path]:
    """Write the wide grade table to OUT and the per-question scores beside it."""
    out = Path(out)
    grades_frame(root).to_csv(out, index=False)
    questions = out.with_name(out.stem + "-questions.csv")
    question_frame(root).to_csv(questions, index=False)
    return out, questions


def export_canvas(root: Path, out: Path) -> Path:
    """Write Canvas's gradebook import layout: the id columns, one per assignment, and Points Possible."""
    grades = grades_frame(root)
    roster = load_roster(root)
    maxima = assignment_maxima(root)
    names = list(maxima)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CANVAS_COLUMNS + names)
        writer.writerow(["Points Possible", "", "", "", ""] + [f"{maxima[n]:g}" for n in names])
        for row in grades.to_dict("records"):
            student = roster.get(row["student_id"])
            name = f"{row['last_name']}, {row['first_name']}".strip(", ") or row["student_id"]
            ids = [
                row["lms_user_id"] or (student.lms_user_id if student else ""),
                student.sis_user_id if student else row["student_id"],
                student.sis_login_id if student else "",
                student.section if student else "",
            ]
            scores = ["" if pd.isna(row[n]) else f"{row[n]:g}" for n in names]
            writer.writerow([name, *ids, *scores])
    return Path(out)

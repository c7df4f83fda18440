"""The class roster: read and check a CSV of students, load it into nbgrader's gradebook.

Required columns: id, first_name, last_name, email. Optional, for LMS exports: lms_user_id (Canvas
"ID"), sis_user_id, sis_login_id, section. The checked roster is kept as roster.csv in the course
folder (git ignores it: it holds personal data).
"""

import csv
import re
import shutil
from dataclasses import dataclass, fields
from pathlib import Path

from nbgrader.api import Gradebook

from course.errors import CourseInputError
from course.grading.nbgrader_setup import course_api

ROSTER_FILE = "roster.csv"
REQUIRED = ("id", "first_name", "last_name", "email")
ALIASES = {"student_id": "id", "first": "first_name", "last": "last_name", "e-mail": "email"}
# An id names folders (submitted/<id>/...): it starts with a letter or digit, so never ".", ".." or an option,
# nor a spreadsheet formula (= + - @).
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Student:
    """One student of the roster."""

    id: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


def read_roster(path: Path) -> list[Student]:
    """Students of the roster CSV at PATH, or a CourseInputError naming the first bad line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise CourseInputError(f"cannot read roster {path}: {error.strerror}") from None
    reader = csv.DictReader(text.splitlines())
    columns = {ALIASES.get(c.strip().lower(), c.strip().lower()) for c in reader.fieldnames or []}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise CourseInputError(
            f"roster {path} lacks column(s) {', '.join(missing)}; needs {', '.join(REQUIRED)}"
        )
    known = {f.name for f in fields(Student)}
    students, seen = [], set()
    for line, row in enumerate(reader, start=2):
        values = {
            ALIASES.get(k.strip().lower(), k.strip().lower()): (v or "").strip() for k, v in row.items() if k
        }
        student = Student(**{k: v for k, v in values.items() if k in known})
        if not ID.match(student.id):
            raise CourseInputError(
                f"{path} line {line}: id {student.id!r} must be letters, digits, . _ - or @, "
                "starting with a letter or digit"
            )
        if student.id in seen:
            raise CourseInputError(f"{path} line {line}: id {student.id!r} appears twice")
        if student.email and not EMAIL.match(student.email):
            raise CourseInputError(f"{path} line {line}: {student.email!r} is not an e-mail address")
        seen.add(student.id)
        students.append(student)
    if not students:
        raise CourseInputError(f"roster {path} has no students")
    return students


def import_roster(root: Path, path: Path) -> list[Student]:
    """Check the roster at PATH, add or update its students in the gradebook, keep it as roster.csv."""
    students = read_roster(path)
    api = course_api(root)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        for s in students:
            gb.update_or_create_student(
                s.id,
                first_name=s.first_name,
                last_name=s.last_name,
                email=s.email or None,
                lms_user_id=s.lms_user_id or None,
            )
    if Path(path).resolve() != (root / ROSTER_FILE).resolve():
        shutil.copyfile(path, root / ROSTER_FILE)
    return students


def load_roster(root: Path) -> dict[str, Student]:
    """The imported roster by student id (empty when none was imported)."""
    path = root / ROSTER_FILE
    return {s.id: s for s in read_roster(path)} if path.exists() else {}

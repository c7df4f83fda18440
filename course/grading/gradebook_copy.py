"""Gradebooks on a database server (PostgreSQL): the rows grading needs, copied to and from SQLite.

`course grade` never lets nbgrader write a server's gradebook directly. A worker executes against a
private SQLite file that holds one assignment's definition (`assignment_copy`). To save a student,
the parent copies the assignment's definition and that student's existing submission into a staging
SQLite file, lets nbgrader write its grades there exactly as it would anywhere, then replaces that
student's submission rows on the server with the staged ones in one transaction (`commit_student`):
the server holds either all of the student's new rows or, if anything stops it, the old ones.

Tables and columns are nbgrader's own (`nbgrader.api.Base`), so the copy follows its schema.
"""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from nbgrader.api import Base
from sqlalchemy import Connection, create_engine, delete, insert, select, text, update
from sqlalchemy.engine import make_url

T = Base.metadata.tables
DEFINITION = ["course", "assignment", "notebook", "base_cell", "grade_cells", "solution_cells",
              "task_cells", "source_cell"]  # fmt: skip
SUBMISSION = ["submitted_assignment", "submitted_notebook", "grade", "comment"]  # parents first


def is_sqlite(db_url: str) -> bool:
    """Whether DB_URL names an SQLite file (the embedded default) rather than a database server."""
    return make_url(db_url).get_backend_name() == "sqlite"


def sqlite_path(db_url: str) -> Path:
    """The file of an SQLite DB_URL."""
    return Path(make_url(db_url).database or "")


def _ids(rows: list[dict]) -> list[str]:
    return [r["id"] for r in rows]


def _rows(conn: Connection, table: str, column: str, values: Iterable) -> list[dict]:
    values = list(values)
    if not values:
        return []
    t = T[table]
    query = select(t).where(t.c[column].in_(values)).order_by(t.c.id)
    return [dict(r) for r in conn.execute(query).mappings()]


def definition_rows(conn: Connection, course_id: str, assignment: str) -> dict[str, list[dict]]:
    """The rows that define ASSIGNMENT (course, assignment, notebooks, cells), per table."""
    rows = {"course": _rows(conn, "course", "id", [course_id])}
    rows["assignment"] = _rows(conn, "assignment", "name", [assignment])
    rows["notebook"] = _rows(conn, "notebook", "assignment_id", _ids(rows["assignment"]))
    notebooks = _ids(rows["notebook"])
    rows["base_cell"] = _rows(conn, "base_cell", "notebook_id", notebooks)
    for table in ("grade_cells", "solution_cells", "task_cells"):
        rows[table] = _rows(conn, table, "id", _ids(rows["base_cell"]))
    rows["source_cell"] = _rows(conn, "source_cell", "notebook_id", notebooks)
    return rows


def submission_rows(conn: Connection, assignment_ids: list[str], student: str) -> dict[str, list[dict]]:
    """STUDENT's row and their submission of the assignment (by ASSIGNMENT_IDS), per table."""
    rows = {"student": _rows(conn, "student", "id", [student])}
    t = T["submitted_assignment"]
    query = select(t).where(t.c.student_id == student, t.c.assignment_id.in_(assignment_ids))
    rows["submitted_assignment"] = [dict(r) for r in conn.execute(query.order_by(t.c.id)).mappings()]
    rows["submitted_notebook"] = _rows(
        conn, "submitted_notebook", "assignment_id", _ids(rows["submitted_assignment"])
    )
    for table in ("grade", "comment"):
        rows[table] = _rows(conn, table, "notebook_id", _ids(rows["submitted_notebook"]))
    return rows


def _digest(rows: dict[str, list[dict]]) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def _insert(conn: Connection, table: str, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(T[table]), rows)


def _new_sqlite(target: Path, version: str | None) -> Connection:
    """An empty gradebook in the SQLite file TARGET with nbgrader's schema (no alembic run needed)."""
    engine = create_engine(f"sqlite:///{target}")
    Base.metadata.create_all(engine)
    conn = engine.connect()
    conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    if version:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": version})
    return conn


def assignment_copy(
    db_url: str, target: Path, course_id: str, assignment: str, student: str | None = None
) -> str:
    """Copy ASSIGNMENT's definition (and STUDENT's row and submission of it) from DB_URL into a new SQLite
    file TARGET; the digest of the definition, for `commit_student` to check nothing else changed."""
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = definition_rows(conn, course_id, assignment)
            if student is not None:
                rows |= submission_rows(conn, _ids(rows["assignment"]), student)
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    copy = _new_sqlite(target, version)
    try:
        for table in Base.metadata.sorted_tables:
            _insert(copy, table.name, rows.get(table.name, []))
        copy.commit()
    finally:
        copy.close()
        copy.engine.dispose()
    return _digest({k: rows[k] for k in DEFINITION})


def _staged(staged: Path, course_id: str, assignment: str, student: str, digest: str) -> dict:
    engine = create_engine(f"sqlite:///{staged}")
    try:
        with engine.connect() as conn:
            definition = definition_rows(conn, course_id, assignment)
            if _digest(definition) != digest:
                raise RuntimeError(f"nbgrader changed {assignment}'s definition while saving {student}")
            return submission_rows(conn, _ids(definition["assignment"]), student)
    finally:
        engine.dispose()


def commit_student(
    staged: Path, db_url: str, course_id: str, assignment: str, student: str, digest: str
) -> None:
    """Replace STUDENT's row and submission of ASSIGNMENT at DB_URL with those nbgrader wrote to the
    SQLite file STAGED, in one transaction (all of them, or none if anything stops it)."""
    new = _staged(staged, course_id, assignment, student, digest)
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            assignment_ids = _ids(definition_rows(conn, course_id, assignment)["assignment"])
            old = submission_rows(conn, assignment_ids, student)
            for table in reversed(SUBMISSION):  # children first
                ids = _ids(old[table])
                if ids:
                    conn.execute(delete(T[table]).where(T[table].c.id.in_(ids)))
            if old["student"] and new["student"]:
                row = new["student"][0]
                conn.execute(update(T["student"]).where(T["student"].c.id == student).values(**row))
            elif new["student"]:
                _insert(conn, "student", new["student"])
            for table in SUBMISSION:
                _insert(conn, table, new[table])
    finally:
        engine.dispose()

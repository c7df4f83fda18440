"""HTML feedback for every graded student of an assignment, with nbgrader (hidden tests removed)."""

from collections.abc import Callable
from pathlib import Path

from course.grading.nbgrader_setup import check_assignment, course_api, run_step


def generate_feedback(root: Path, name: str, on_done: Callable[[str], None] | None = None) -> list[Path]:
    """Write feedback/<student>/NAME/*.html for each autograded student; return the HTML files."""
    check_assignment(root, name)
    api = course_api(root)
    students = sorted(p.parent.name for p in (root / "autograded").glob(f"*/{name}") if p.is_dir())
    pages = []
    for student in students:
        run_step(api.generate_feedback(name, student), f"generate_feedback {name} {student}")
        pages += sorted((root / "feedback" / student / name).glob("*.html"))
        if on_done:
            on_done(student)
    return pages

"""HTML feedback for every graded student of an assignment, with nbgrader (hidden tests removed).

Every page is made from a notebook whose student content is inert (`course.grading.sanitize` runs in
the feedback pipeline), then loses its template scripts and gets a Content-Security-Policy that
allows no script at all, so a page opened from disk runs nothing. One student's failure is logged
and the others still get theirs; `FeedbackIncomplete` names who failed at the end.
"""

import logging
import re
from collections.abc import Callable
from pathlib import Path

from course.errors import CourseInputError
from course.grading.nbgrader_setup import check_assignment, course_api, run_step

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.S | re.I)
HEAD = re.compile(r"<head\b[^>]*>", re.I)
log = logging.getLogger("course.feedback")


class FeedbackIncomplete(CourseInputError):
    """Some students' feedback failed; the others' pages were written."""

    def __init__(self, pages: list[Path], failed: dict[str, str]):
        self.pages, self.failed = pages, failed
        who = "; ".join(f"{student} ({why})" for student, why in failed.items())
        super().__init__(
            f"feedback failed for {len(failed)} student(s): {who}; "
            f"{len(pages)} pages were written for the others"
        )


def harden_page(page: str) -> str:
    """PAGE without script elements, with a no-script Content-Security-Policy first in its head."""
    page = SCRIPT.sub("", page)
    head = HEAD.search(page)
    if head is None:
        return CSP_META + page
    return page[: head.end()] + CSP_META + page[head.end() :]


def harden_pages(folder: Path) -> list[Path]:
    """Harden every HTML page in FOLDER (once); return them."""
    pages = sorted(folder.glob("*.html")) if folder.is_dir() else []
    for path in pages:
        text = path.read_text(encoding="utf-8")
        if CSP_META not in text:
            path.write_text(harden_page(text), encoding="utf-8")
    return pages


def last_line(error: BaseException) -> str:
    """The last non-empty line of ERROR's message (nbgrader's logs end with the cause), at most 300 chars."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[-1] if lines else type(error).__name__)[:300]


def generate_feedback(root: Path, name: str, on_done: Callable[[str], None] | None = None) -> list[Path]:
    """Write feedback/<student>/NAME/*.html for each autograded student; return the HTML files.

    A student whose feedback fails is logged and skipped; after everyone else, FeedbackIncomplete
    (a CourseInputError: `course feedback` exits with status 2) names them.
    """
    check_assignment(root, name)
    api = course_api(root)
    students = sorted(p.parent.name for p in (root / "autograded").glob(f"*/{name}") if p.is_dir())
    pages: list[Path] = []
    failed: dict[str, str] = {}
    for student in students:
        try:
            run_step(api.generate_feedback(name, student), f"generate_feedback {name} {student}")
            pages += harden_pages(root / "feedback" / student / name)
        except Exception as error:  # noqa: BLE001 (one student must not stop the others' feedback)
            failed[student] = last_line(error)
            log.warning("feedback for %s failed: %s", student, failed[student])
            harden_pages(root / "feedback" / student / name)  # pages written before the failure
        if on_done:
            on_done(student)
    if failed:
        raise FeedbackIncomplete(pages, failed)
    return pages

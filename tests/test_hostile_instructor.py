"""The instructor's side survives hostile submissions: one case per attack class.

1. Student output and markdown cannot script the instructor's browser (autograded notebook,
   formgrader's rendering, feedback HTML), and a pathological markdown cell cannot block rendering.
2. Collect does not follow links or special files from the exchange or a zip, confines every zip
   entry to submitted/<student>/<assignment>/, and refuses zip bombs.
3. Exports escape spreadsheet formulas in names and ids.
4. One student's failure does not stop the others' feedback, exports or report.

Submissions are built from the real release notebook of section 1, as tests/test_hostile.py does.
"""

import copy
import csv
import datetime as dt
import json
import logging
import os
import re
import sqlite3
import stat
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbgrader.api import Gradebook
from submissions import cell_of as _cell
from submissions import solved as answered

from course import notebooks
from course.cli import main
from course.grading.kernel_sandbox import Limits, sandbox_problem
from course.grading.nbgrader_setup import course_api
from course.grading.parallel import grade_assignment
from course.grading.sanitize import MARKDOWN_CAP, STUDENT_NOTE, fenced, sanitize_notebook
from course.instructor import exchange
from course.instructor.exports import ExportIncomplete, export_canvas, export_csv, formula_safe
from course.instructor.feedback import CSP, FeedbackIncomplete, generate_feedback, harden_page
from course.instructor.release import scratch_course
from course.instructor.report import build_report
from course.instructor.roundtrip import grading_course, scores, submit

ROOT = Path(__file__).resolve().parent.parent
NAME = "01-cloud-computing"
NB = f"{NAME}.ipynb"
RELEASE = notebooks.read(ROOT / "release" / NAME / NB)
SOURCE = notebooks.read(ROOT / "source" / NAME / NB)
LIMITS = Limits(cell_timeout_s=8, memory_mb=1536)

pytestmark = pytest.mark.slow
needs_sandbox = pytest.mark.skipif(bool(sandbox_problem()), reason=f"no sandbox here: {sandbox_problem()}")


# --------------------------------------------------------------------------------------------
# Building submissions from the release notebook
# --------------------------------------------------------------------------------------------


def solved() -> nbformat.NotebookNode:
    """The release notebook answered from the source's solutions, teaching code cut to its imports."""
    return answered(RELEASE, SOURCE)


PAYLOAD_HTML = (
    '<img src=x onerror="alert(1)"><script>alert(2)</script><iframe src="javascript:alert(3)"></iframe>'
    '<a href="javascript:alert(4)">link</a><b onclick="alert(5)">bold</b>'
    "<table><tr><td>kept</td></tr></table>"
)
PAYLOAD_CODE = f"""from IPython.display import HTML, Javascript, display
display(HTML({PAYLOAD_HTML!r}))
display(HTML('<p onmouseover="alert(6)">isolated</p>'), metadata={{"isolated": True}})
display(Javascript("alert(7)"))
display({{"application/javascript": "alert(8)", "text/plain": "js"}}, raw=True)
display({{"image/svg+xml": "<svg onload='alert(9)'></svg>"}}, raw=True)
display({{"text/markdown": "<img src=x onerror=alert(10)> [x](javascript:alert(11))"}}, raw=True)
display({{"image/png": '"><script>alert(12)</script>'}}, raw=True)
"""
WIDGET_CODE = """from IPython.display import display
display({"application/vnd.jupyter.widget-view+json": {"model_id": ["not", "an", "id"], "version_major": "x"},
         "text/plain": "a widget"}, raw=True)
"""
PAYLOAD_MARKDOWN = (
    "Notes <img src=x onerror=alert(13)><script>alert(14)</script> <iframe src=x></iframe>\n\n"
    "[click](javascript:alert(15)) ![a picture](attachment:missing.png)\n\n```\nfenced\n```\n````\n"
)


def xss() -> nbformat.NotebookNode:
    """A fully correct submission that also tries every way to run script in the grader's browser."""
    nb = solved()
    answer = _cell(nb, "q1-answer")
    answer.source += "\n" + PAYLOAD_CODE  # output in a graded exercise's own answer cell
    at = nb.cells.index(answer)
    nb.cells.insert(at, nbformat.v4.new_markdown_cell(PAYLOAD_MARKDOWN))
    nb.cells.insert(at, nbformat.v4.new_code_cell(PAYLOAD_CODE))
    nb.cells.insert(at, nbformat.v4.new_code_cell(WIDGET_CODE))
    raw = nbformat.v4.new_raw_cell("<script>alert(16)</script>")
    raw.metadata["format"] = "text/html"
    nb.cells.insert(at, raw)
    nb.cells.append(nbformat.v4.new_markdown_cell("[" * 100_000))  # ~47 s for nbconvert when rendered
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": "</script><script>alert(17)"}
    }
    return nb


class _Tags(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def active_content(page: str) -> list[str]:
    """What in PAGE could run: script and iframe tags, on* attributes, javascript: URLs."""
    parser = _Tags()
    parser.feed(page)
    found = [f"<{tag}>" for tag, _ in parser.tags if tag in ("script", "iframe", "object", "embed")]
    for tag, attrs in parser.tags:
        found += [f"<{tag} {k}=...>" for k in attrs if k.startswith("on")]
        found += [
            f"<{tag} {k}={v}>" for k, v in attrs.items() if v and "javascript:" in v.lower().replace(" ", "")
        ]
    if re.search(r"<script", page, re.I):
        found.append("<script")
    return found


def rendered(nb: nbformat.NotebookNode) -> tuple[str, float]:
    """NB as nbconvert renders it (what formgrader shows), without the template's head; seconds taken."""
    started = time.monotonic()
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(nb)
    return body, time.monotonic() - started


# --------------------------------------------------------------------------------------------
# 1. Student content scripting the instructor's browser
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """An honest student, a hostile one (same answers) graded by `course grade`, then feedback."""
    if sandbox_problem():
        pytest.skip(f"no sandbox here: {sandbox_problem()}")
    course = grading_course(ROOT, tmp_path_factory.mktemp("xss"), [NAME])
    submit(course, "honest", NAME, {NB: solved()})
    submit(course, "mallory", NAME, {NB: xss()})
    outcomes = {o.student: o for o in grade_assignment(course, NAME, workers=2, limits=LIMITS)}
    pages = generate_feedback(course, NAME)
    return {"course": course, "outcomes": outcomes, "pages": pages}


def _autograded(course: Path, student: str) -> nbformat.NotebookNode:
    return notebooks.read(course / "autograded" / student / NAME / NB)


def test_honest_and_hostile_scores_are_full_and_identical(graded):
    course, outcomes = graded["course"], graded["outcomes"]
    assert {o.status for o in outcomes.values()} == {"graded"}, outcomes
    honest, mallory = scores(course, NAME, "honest"), scores(course, NAME, "mallory")
    assert honest and all(score == maximum for score, maximum in honest.values()), honest
    assert mallory == honest


def test_autograded_notebook_keeps_no_active_content(graded):
    nb = _autograded(graded["course"], "mallory")
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert set(data) <= {"text/plain", "text/html", "image/png", "image/jpeg"}, set(data)
            assert not output.get("metadata"), output.get("metadata")
            text = json.dumps(data).lower()
            for bad in ("<script", "onerror", "onclick", "onmouseover", "javascript:", "<iframe"):
                assert bad not in text, (bad, data)
    assert "widgets" not in nb.metadata
    raw = next(c for c in nb.cells if c.cell_type == "raw")
    assert raw.metadata["format"] == "text/plain"
    kept = [
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert any("<table>" in html and "<td>kept</td>" in html for html in kept), "plain tables stay"


def test_student_markdown_is_plain_text_and_cut(graded):
    nb = _autograded(graded["course"], "mallory")
    mine = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith(STUDENT_NOTE)]
    assert len(mine) == 2 and not any(c.get("attachments") for c in mine)
    assert (
        len(mine[1].source) < MARKDOWN_CAP + 300 and "cut: the cell had 100,000 characters" in mine[1].source
    )
    teaching = [c.source for c in RELEASE.cells if c.cell_type == "markdown"]
    assert sum(c.source in teaching for c in nb.cells if c.cell_type == "markdown") == len(teaching)


def test_formgraders_rendering_has_no_script_and_does_not_block(graded):
    page, seconds = rendered(_autograded(graded["course"], "mallory"))
    assert active_content(page) == []
    assert seconds < 10, f"rendering took {seconds:.1f} s"
    assert "&lt;script&gt;alert(14)" in page, "the student's markdown is shown as text"


def test_feedback_pages_run_nothing(graded):
    course = graded["course"]
    assert sorted(p.parent.parent.name for p in graded["pages"]) == ["honest", "mallory"]
    for student in ("honest", "mallory"):
        page = (course / "feedback" / student / NAME / f"{NAME}.html").read_text(encoding="utf-8")
        assert active_content(page) == [], student
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
        assert page.index("Content-Security-Policy") < page.index("<style")


def test_sanitizer_without_grading():
    """The same guarantees on a notebook whose outputs a kernel could never produce honestly."""
    nb = xss()
    nb.cells[0].execution_count = "<script>alert(18)</script>"
    nb.cells[0].metadata["tags"] = ['"><script>alert(19)</script>', "raises-exception"]
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": PAYLOAD_HTML, "text/plain": "x"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "3.0", "application/javascript": "a()"}),
        nbformat.v4.new_output("stream", name="stderr", text="<script>kept as text</script>"),
        nbformat.v4.new_output("error", ename="E", evalue="v", traceback=["<script>x</script>"]),
    ]
    clean = sanitize_notebook(copy.deepcopy(nb), {})
    page, _ = rendered(clean)
    assert active_content(page) == []
    kinds = [o.output_type for o in next(c for c in clean.cells if c.cell_type == "code").outputs]
    assert kinds == ["display_data", "execute_result", "stream", "error"], "grading semantics kept"
    result = next(c for c in clean.cells if c.cell_type == "code").outputs[1]
    assert dict(result.data) == {"text/plain": "3.0"}
    assert clean.cells[0].metadata["tags"] == ["raises-exception"]
    assert "<script" not in harden_page("<html><head><script>x()</script></head><body></body></html>")
    text = "a ```` b ``` c"
    assert fenced(text).count("`````") == 2, "the fence is longer than any run of backticks"


# --------------------------------------------------------------------------------------------
# 2. Collect trusts nothing in the exchange or a zip
# --------------------------------------------------------------------------------------------


@pytest.fixture
def exchange_course(tmp_path):
    (tmp_path / "course").mkdir()
    course = scratch_course(ROOT, tmp_path / "course")
    inbound = course / ".exchange" / "aws-cloud-practitioner" / "inbound"
    inbound.mkdir(parents=True)
    return course, inbound


def _inbound(inbound: Path, student: str, minutes: int = 0) -> Path:
    stamp = (dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)).strftime(
        "%Y-%m-%d %H:%M:%S.%f %Z"
    )
    folder = inbound / f"{student}+{NAME}+{stamp}+r{minutes}"
    folder.mkdir()
    notebooks.write(RELEASE, folder / NB)
    (folder / "timestamp.txt").write_text(stamp)
    return folder


def test_collect_refuses_links_and_special_files(exchange_course, caplog):
    course, inbound = exchange_course
    (course / "gradebook.db").write_bytes(b"SQLite format 3\x00 the instructor's gradebook")
    _inbound(inbound, "ada")
    (_inbound(inbound, "mallory") / NB).unlink()
    os.symlink(
        course / "source" / NAME / NB, inbound / f"mallory+{NAME}+2026-12-01 12:00:00.000000 UTC+r0" / NB
    )
    os.symlink(course / "gradebook.db", _inbound(inbound, "trudy") / "notes.db")
    os.symlink(course / "source" / NAME, inbound / f"eve+{NAME}+2026-12-01 12:00:00.000000 UTC+r0")
    oscar = _inbound(inbound, "oscar")
    os.link(oscar / NB, oscar / "copy.ipynb")
    os.mkfifo(_inbound(inbound, "fifo") / "pipe")
    _inbound(inbound, "..")
    with caplog.at_level(logging.INFO, logger="course.collect"):
        collected = exchange.collect(course, NAME)
    assert collected == ["ada"]
    assert (course / "submitted" / "ada" / NAME / NB).read_text() == (
        inbound.glob("ada+*").__next__() / NB
    ).read_text()
    refused = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    for why in (
        "mallory",
        "symbolic link",
        "trudy",
        "eve",
        "oscar",
        "hard link",
        "fifo",
        "special file",
        "'..'",
    ):
        assert why in refused, why
    outside = [p for p in course.rglob(NB) if "submitted" not in p.parts and ".exchange" not in p.parts]
    assert outside == [course / "source" / NAME / NB], outside


def test_collect_keeps_an_earlier_submission_when_a_later_one_is_refused(exchange_course):
    course, inbound = exchange_course
    _inbound(inbound, "ada", minutes=0)
    assert exchange.collect(course, NAME) == ["ada"]
    later = _inbound(inbound, "ada", minutes=5)
    os.symlink("/etc/passwd", later / "passwd")
    assert exchange.collect(course, NAME) == ["ada"]
    assert not (course / "submitted" / "ada" / NAME / "passwd").exists()


def _zip_entry(z: zipfile.ZipFile, name: str, data: bytes, mode: int = stat.S_IFREG | 0o644) -> None:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)


def test_zip_collect_confines_entries_without_a_roster(exchange_course, tmp_path, caplog):
    course, _ = exchange_course
    nb = (ROOT / "release" / NAME / NB).read_bytes()
    archive = tmp_path / "canvas.zip"
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr(f"bob_1_2_{NB}", nb)
    with zipfile.ZipFile(archive, "w") as z:
        _zip_entry(z, f"alan_1001_77_{NB}", nb)
        _zip_entry(z, f".._1002_78_{NB}", nb)  # student id ".."
        _zip_entry(z, f"../../evil_1003_79_{NB}", nb)
        _zip_entry(z, f"/tmp/abs_1004_80_{NB}", nb)
        _zip_entry(z, f"C:/drive_1005_81_{NB}", nb)
        _zip_entry(z, f"win\\back_1006_82_{NB}", nb)
        _zip_entry(z, f"link_1007_83_{NB}", b"/etc/passwd", stat.S_IFLNK | 0o777)
        _zip_entry(z, "carol_1008_84_inner.zip", inner.read_bytes())
        _zip_entry(z, f"carol_1008_84_{NB}.zip", inner.read_bytes())
    before = {p for p in tmp_path.rglob("*")}
    with caplog.at_level(logging.WARNING, logger="course.collect"):
        collected, skipped = exchange.collect_zip(course, NAME, archive)
    assert collected == ["alan"]
    assert (course / "submitted" / "alan" / NAME / NB).read_bytes() == nb
    assert len(skipped) == 8
    new = {p for p in tmp_path.rglob("*")} - before
    assert all(p.is_relative_to(course / "submitted" / "alan") or p == course / "submitted" for p in new), new
    assert not list(course.rglob("*bob*")), "the nested zip was not expanded"
    assert "symbolic link" in caplog.text and "archive inside the archive" in caplog.text


def test_zip_bombs_are_refused(exchange_course, tmp_path, monkeypatch):
    course, _ = exchange_course
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"alan_1_2_{NB}", b"\0" * (50 * 2**20))
    with pytest.raises(exchange.CourseInputError, match="compressed .* times"):
        exchange.collect_zip(course, NAME, bomb)
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as z:
        z.writestr(f"alan_1_2_{NB}", b"{}" * 5000)
    monkeypatch.setattr(exchange, "ZIP_MAX_TOTAL", 4000)
    with pytest.raises(exchange.CourseInputError, match="expands to 10,000 bytes"):
        exchange.collect_zip(course, NAME, big)
    assert not (course / "submitted").exists()


# --------------------------------------------------------------------------------------------
# 3 and 4. Exports that start formulas; one student stopping everyone's feedback, export, report
# --------------------------------------------------------------------------------------------

FORMULAS = {'=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"}


@pytest.fixture(scope="module")
def class_gradebook(tmp_path_factory):
    """Three graded students, one with names and ids that a spreadsheet would run."""
    course = grading_course(ROOT, tmp_path_factory.mktemp("exports"), [NAME])
    for student in ("aaron", "ben", "cy"):
        submit(course, student, NAME, {NB: RELEASE})
    outcomes = grade_assignment(
        course, NAME, workers=2, limits=LIMITS, allow_unsandboxed=bool(sandbox_problem())
    )
    assert {o.status for o in outcomes} == {"graded"}
    api = course_api(course)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        gb.update_or_create_student(
            "ben", first_name='=HYPERLINK("http://x")', last_name="+1+1", lms_user_id="@SUM(A1)"
        )
        gb.update_or_create_student("-2+3", first_name="\t=1", last_name="\r=1")
    (course / "roster.csv").write_text(
        "id,first_name,last_name,email,sis_user_id,sis_login_id,section\n"
        'ben,x,y,ben@example.edu,-2+3,@SUM(A1),"=1+1"\n'
    )
    return course


def _fields(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [field for row in csv.reader(f) for field in row]


def test_exports_escape_formulas(class_gradebook, tmp_path):
    wide, questions = export_csv(class_gradebook, tmp_path / "grades.csv")
    canvas = export_canvas(class_gradebook, tmp_path / "canvas.csv")
    for path in (wide, questions, canvas):
        fields = _fields(path)
        assert not [f for f in fields if f and f[0] in "=+-@\t\r"], path
        with open(path, newline="", encoding="utf-8") as f:  # an unquoted field would be read as a number
            values = [v for row in csv.reader(f, quoting=csv.QUOTE_NONNUMERIC) for v in row]
        assert all(isinstance(v, str) for v in values), "every field is quoted"
    escaped = set(_fields(wide)) | set(_fields(canvas))
    assert {"'" + f for f in FORMULAS} <= escaped | {"'\r=1"}, escaped
    assert formula_safe("Ada") == "Ada" and formula_safe(3.5) == 3.5


def test_roster_refuses_ids_that_are_formulas_or_paths(tmp_path):
    from course.instructor.roster import read_roster

    for bad in ("=1+1", "..", "-rf", "@x"):
        (tmp_path / "r.csv").write_text(f"id,first_name,last_name,email\n{bad},A,B,a@example.edu\n")
        with pytest.raises(exchange.CourseInputError, match="starting with a letter or digit"):
            read_roster(tmp_path / "r.csv")


def test_one_broken_student_does_not_stop_the_others(class_gradebook, capsys, caplog):
    course = class_gradebook
    nb = course / "autograded" / "aaron" / NAME / NB
    good = nb.read_text()
    try:
        nb.write_text("{ not a notebook")
        with caplog.at_level(logging.WARNING, logger="course.feedback"):
            with pytest.raises(FeedbackIncomplete, match="aaron") as failure:
                generate_feedback(course, NAME)
        assert list(failure.value.failed) == ["aaron"]
        assert sorted(p.parent.parent.name for p in failure.value.pages) == ["ben", "cy"]
        assert "feedback for aaron failed" in caplog.text
        assert main(["feedback", NAME, "--course", str(course)]) == 2
        assert "feedback failed for 1 student(s): aaron" in capsys.readouterr().err
    finally:
        nb.write_text(good)


def test_one_unreadable_grade_does_not_stop_exports_or_the_report(class_gradebook, tmp_path, caplog):
    course = class_gradebook
    db = course / "gradebook.db"
    saved = db.read_bytes()
    try:
        with sqlite3.connect(db) as con:  # ben's submission is left without its student row
            con.execute("DELETE FROM student WHERE id = 'ben'")
        with caplog.at_level(logging.WARNING, logger="course.export"):
            with pytest.raises(ExportIncomplete, match="ben") as failure:
                export_csv(course, tmp_path / "g.csv")
        assert list(failure.value.failed) == ["ben"] and "grades of ben" in caplog.text
        rows = list(csv.DictReader(open(tmp_path / "g-questions.csv", newline="")))
        assert {r["student_id"] for r in rows} == {"aaron", "cy"}, "the others' questions are exported"
        assert {r["student_id"] for r in csv.DictReader(open(tmp_path / "g.csv", newline=""))} >= {
            "aaron",
            "cy",
        }
        with pytest.raises(exchange.CourseInputError, match="ben"):
            build_report(course, NAME, tmp_path / "r.html")
        page = (tmp_path / "r.html").read_text()
        assert "could not be read (left out of this report): ben" in page and active_content(page) == []
        assert "2 graded submissions" in page
    finally:
        db.write_bytes(saved)

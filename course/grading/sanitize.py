"""Make what a submission shows inert before anyone opens it as a web page (formgrader, feedback).

Everything in an executed submission came from the student: the markdown they wrote, and every
output, teaching cells' included, since their kernel produced it. `SanitizeSubmission` runs on the
executed notebook before nbgrader saves it, and again before feedback is made:

- outputs keep text/plain, PNG and JPEG images (checked base64), and text/html cleaned by nh3 to a
  few formatting and table tags without attributes or URLs; JavaScript, widget views, SVG,
  markdown, LaTeX and every other type are dropped, as are output metadata (iframes, sizes, alt);
- a markdown cell that is not word for word a markdown cell of the instructor's notebook (source/
  or release/) is shown as plain text in a code fence longer than any backtick run in it, cut at
  MARKDOWN_CAP characters with a note, its attachments dropped; the instructor's own cells get
  the instructor's attachments back;
- raw cells are marked text/plain (nbconvert copies text/html and untyped raw cells verbatim);
- notebook and cell metadata the HTML templates read (widget state, title, tags, ids, execution
  counts) are made plain.

Grades are unchanged: error outputs, stream outputs and the text/plain of execute results (what
nbgrader reads for partial credit) are kept as they are; no output is added to or removed from a
cell's list of execute results or errors.
"""

import base64
import binascii
import copy
import functools
import re
from pathlib import Path

import nbformat
import nh3
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

MARKDOWN_CAP = 20_000  # characters kept of a student's markdown cell
SAFE_TAGS = {
    "p", "br", "hr", "b", "i", "em", "strong", "code", "pre", "span", "div", "sub", "sup", "small",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}  # fmt: skip
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
                        "textarea", "title", "xmp", "noembed", "select"}  # fmt: skip
TABLE_SPANS = {"colspan", "rowspan"}
IMAGES = ("image/png", "image/jpeg")
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
SAFE_TAG = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SAFE_WORD = re.compile(r"[A-Za-z0-9_.+ -]{0,100}")
STUDENT_NOTE = "*Markdown from the submission, shown as plain text:*"


def clean_html(text: str) -> str:
    """TEXT as HTML with only formatting and table tags, no attributes but table spans, no URLs."""
    return nh3.clean(
        text,
        tags=SAFE_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes={"td": TABLE_SPANS, "th": TABLE_SPANS},
        url_schemes=set(),
        link_rel=None,
        strip_comments=True,
    )


def fenced(text: str, cap: int = MARKDOWN_CAP) -> str:
    """Markdown showing TEXT (cut at CAP characters) as plain text: nothing in it is rendered."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    cut = ""
    if len(text) > cap:
        cut = f"\n\n*(cut: the cell had {len(text):,} characters; the first {cap:,} are shown)*"
        text = text[:cap]
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{STUDENT_NOTE}\n\n{fence}\n{text}\n{fence}{cut}"


def _text(value) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value)


def _image(value) -> str | None:
    """VALUE if it is base64 image data, else None."""
    text = _text(value)
    if not BASE64.fullmatch(text):
        return None
    try:
        base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None
    return text


def clean_output(output: dict) -> dict | None:
    """OUTPUT made inert, or None to drop it. Errors, streams and text/plain are kept as they are."""
    kind = output.get("output_type")
    if kind in ("stream", "error"):
        if kind == "error":
            output["traceback"] = [str(line) for line in output.get("traceback", []) or []]
            output["ename"], output["evalue"] = str(output.get("ename", "")), str(output.get("evalue", ""))
        return output
    if kind not in ("display_data", "execute_result"):
        return None
    data = output.get("data", {}) if isinstance(output.get("data"), dict) else {}
    kept, removed = {}, []
    for mime, value in data.items():
        if mime == "text/plain":
            kept[mime] = value
        elif mime in IMAGES and _image(value) is not None:
            kept[mime] = value
        elif mime == "text/html" and (html := clean_html(_text(value))).strip():
            kept[mime] = html
        else:
            removed.append(mime)
    if kind == "display_data" and not kept:
        kept["text/plain"] = f"[not shown to graders: {', '.join(sorted(removed)) or 'an empty output'}]"
    output["data"] = nbformat.from_dict(kept)
    output["metadata"] = nbformat.from_dict({})
    if kind == "execute_result" and not isinstance(output.get("execution_count"), int):
        output["execution_count"] = None
    return output


def _clean_cell_metadata(cell) -> None:
    tags = cell.metadata.get("tags")
    if tags is not None:
        cell.metadata["tags"] = (
            [t for t in tags if isinstance(t, str) and SAFE_TAG.fullmatch(t)]
            if isinstance(tags, list)
            else []
        )
    for key in ("alt", "jupyter_widgets"):
        cell.metadata.pop(key, None)
    if "id" in cell and not (isinstance(cell.id, str) and SAFE_ID.fullmatch(cell.id)):
        cell.id = nbformat.corpus.words.generate_corpus_id()


def clean_notebook_metadata(nb) -> None:
    """Drop what HTML templates would run or print from the notebook's metadata."""
    for key in ("widgets", "title", "authors"):
        nb.metadata.pop(key, None)
    info = nb.metadata.get("language_info")
    if isinstance(info, dict):
        for key, value in list(info.items()):
            if not (isinstance(value, str) and SAFE_WORD.fullmatch(value)):
                info.pop(key)


@functools.lru_cache(maxsize=64)
def _instructor_cells(path: str, mtime_ns: int) -> dict[str, dict]:
    """Markdown source -> attachments of every markdown cell of the notebook at PATH."""
    nb = nbformat.read(path, as_version=4)
    return {
        c.source: copy.deepcopy(dict(c.get("attachments", {}))) for c in nb.cells if c.cell_type == "markdown"
    }


def instructor_markdown(paths: list[Path]) -> dict[str, dict]:
    """Markdown cells of the instructor's notebooks at PATHS that exist and read: source -> attachments."""
    found: dict[str, dict] = {}
    for path in paths:
        try:
            found |= _instructor_cells(str(path), path.stat().st_mtime_ns)
        except (OSError, ValueError, nbformat.ValidationError):
            continue
    return found


def clean_markdown(cell, trusted: dict[str, dict], cap: int = MARKDOWN_CAP) -> None:
    """The instructor's own markdown keeps its attachments; anything else becomes fenced plain text."""
    if isinstance(cell.source, str) and cell.source in trusted:
        attachments = trusted[cell.source]
        if attachments:
            cell["attachments"] = nbformat.from_dict(copy.deepcopy(attachments))
        else:
            cell.pop("attachments", None)
        return
    cell.source = fenced(_text(cell.source), cap)
    cell.pop("attachments", None)


def sanitize_notebook(nb, trusted: dict[str, dict] | None = None, cap: int = MARKDOWN_CAP):
    """NB made inert in place (see the module's docstring); TRUSTED is `instructor_markdown`'s answer."""
    trusted = trusted or {}
    clean_notebook_metadata(nb)
    for cell in nb.cells:
        _clean_cell_metadata(cell)
        if cell.cell_type == "code":
            if not isinstance(cell.get("execution_count"), int):
                cell.execution_count = None
            cell.outputs = [o for o in (clean_output(o) for o in cell.get("outputs", [])) if o is not None]
        elif cell.cell_type == "markdown":
            clean_markdown(cell, trusted, cap)
        elif cell.cell_type == "raw":
            cell.metadata.pop("raw_mimetype", None)
            cell.metadata["format"] = "text/plain"
            cell.pop("attachments", None)
    return nb


class SanitizeSubmission(NbGraderPreprocessor):
    """nbgrader step: make a student's notebook inert (outputs, markdown, metadata) before it is saved."""

    markdown_cap = MARKDOWN_CAP  # characters kept of a student's markdown cell

    def _instructor_paths(self, resources: dict) -> list[Path]:
        info = resources.get("nbgrader", {})
        assignment, notebook = info.get("assignment"), info.get("notebook")
        if not assignment or not notebook:
            return []
        coursedir = CourseDirectory(config=self.config)
        return [
            Path(coursedir.format_path(step, ".", assignment)) / f"{notebook}.ipynb"
            for step in (coursedir.source_directory, coursedir.release_directory)
        ]

    def preprocess(self, nb, resources):
        trusted = instructor_markdown(self._instructor_paths(resources))
        return sanitize_notebook(nb, trusted, self.markdown_cap), resources

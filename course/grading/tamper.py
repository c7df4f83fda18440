"""Checks of a submission before it runs: plain files only, graded cells as the instructor wrote them.

- `preflight` refuses a submission folder that is not plain files (symlinks, hard links, devices),
  is too big, or whose notebooks cannot be read;
- `structure_findings` compares a submitted notebook with the instructor's notebook: every graded
  cell present once, in the same order, with its nbgrader metadata and (for test and locked
  cells) its source unchanged.

Nothing here runs in the student's kernel: since the test cells run in the grader
(`course.grading.verdict`), no guard inside the kernel is needed.
"""

import json
import os
import stat

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
NBGRADER_KEYS = ("grade", "grade_id", "locked", "points", "solution", "task")


def hide_tests(source: str) -> str:
    """A test cell's source as students receive it (nbgrader's ClearHiddenTests, line for line)."""
    out, hidden = [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line:
            hidden = True
        elif HIDDEN_END in line:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    meta = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return meta if isinstance(meta, dict) else {}


def _graded(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade_id")) and any(meta.get(k) for k in ("grade", "solution", "locked", "task"))


def preflight(folder, notebooks: list[str], max_notebook_mb: float, max_total_mb: float, max_files: int):
    """Problems that stop FOLDER (a submission) from being graded, and the notebooks that are missing.

    Only plain files and folders are accepted: a symlink or a hard link could make the grader (which
    copies the folder) read a course file on the student's behalf.
    """
    problems, total, count = [], 0, 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, folder)
            info = os.lstat(path)
            count += 1
            if stat.S_ISLNK(info.st_mode):
                problems.append(f"file unreadable: {rel} is a symbolic link")
            elif stat.S_ISREG(info.st_mode):
                total += info.st_size
                if info.st_nlink > 1:
                    problems.append(f"file unreadable: {rel} is a hard link to another file")
            elif not stat.S_ISDIR(info.st_mode):
                problems.append(f"file unreadable: {rel} is not a regular file")
    stamp = os.path.join(folder, "timestamp.txt")
    if os.path.isfile(stamp) and not os.path.islink(stamp):
        try:
            from nbgrader.utils import parse_utc

            with open(stamp, encoding="utf-8") as f:
                parse_utc(f.read(200).strip())
        except Exception:  # noqa: BLE001 (whatever nbgrader would choke on)
            problems.append("file unreadable: timestamp.txt is not a date")
    if count > max_files:
        problems.append(f"submission too large: {count} files (limit {max_files})")
    if total > max_total_mb * 2**20:
        problems.append(f"submission too large: {total / 2**20:.0f} MB (limit {max_total_mb:g} MB)")
    missing = []
    for name in notebooks:
        path = os.path.join(folder, name)
        if not os.path.lexists(path):
            missing.append(name)
            continue
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            continue  # reported above
        if info.st_size > max_notebook_mb * 2**20:
            problems.append(
                f"file too large: {name} is {info.st_size / 2**20:.0f} MB (limit {max_notebook_mb:g} MB)"
            )
            continue
        problem = _unreadable(path)
        if problem:
            problems.append(f"file unreadable: {name}: {problem}")
    if missing and len(missing) == len(notebooks):
        found = sorted(p for p in os.listdir(folder) if p.endswith(".ipynb")) if os.path.isdir(folder) else []
        problems.append(
            f"notebook missing: expected {', '.join(missing)}"
            + (f"; found {', '.join(found)} (misnamed?)" if found else "")
        )
    return problems, missing


def _unreadable(path: str) -> str:
    """Why the notebook at PATH cannot be graded, or ''."""
    import nbformat

    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8")
        if not text.strip():
            return "the file is empty"
        data = json.loads(text)
        if not isinstance(data, dict) or "nbformat" not in data:
            return "not a Jupyter notebook"
        nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            return "no cells"
        for cell in nb.cells:
            if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
                return "a cell is malformed"
            if not isinstance(cell.get("source"), str) or not isinstance(cell.get("metadata"), dict):
                return "a cell is malformed"
            if not isinstance(cell.metadata.get("nbgrader", {}), dict):
                return "a cell's nbgrader metadata is malformed"
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except RecursionError:
        return "nested too deeply"
    except Exception as e:  # noqa: BLE001 (any parse failure means the same thing here)
        return f"invalid notebook ({type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''})"
    return ""


def structure_findings(submitted, reference) -> list[str]:
    """How the graded cells of SUBMITTED differ from REFERENCE (the instructor's source notebook).

    Only the first cell with a given grade id counts, as in nbgrader. Solution cells may have any
    source; test and locked cells must keep the source the student received; a graded cell whose grade
    id the instructor's notebook does not have is a forgery.
    """
    found, order = {}, []
    for cell in submitted.get("cells", []):
        grade_id = _meta(cell).get("grade_id")
        if grade_id and grade_id not in found:
            found[grade_id] = cell
            order.append(grade_id)
    findings, expected = [], []
    for cell in reference.cells:
        if not _graded(cell):
            continue
        meta = _meta(cell)
        grade_id = meta["grade_id"]
        expected.append(grade_id)
        mine = found.get(grade_id)
        if mine is None:
            findings.append(
                f"cell tampered with: {grade_id} is missing (deleted, or its grade id was changed)"
            )
            continue
        theirs = _meta(mine)
        changed = [k for k in NBGRADER_KEYS if theirs.get(k) != meta.get(k)]
        if mine.get("cell_type") != cell.cell_type:
            changed.append("cell type")
        if changed:
            findings.append(f"cell tampered with: {grade_id} has changed metadata ({', '.join(changed)})")
        if (meta.get("grade") or meta.get("locked")) and not meta.get("solution"):
            if str(mine.get("source", "")).strip() not in (
                hide_tests(cell.source).strip(),
                cell.source.strip(),
            ):
                findings.append(f"cell tampered with: {grade_id} was edited")
    present = [g for g in order if g in expected]
    if present != [g for g in expected if g in found]:
        findings.append("cell tampered with: the graded cells were re-ordered")
    foreign = [g for g in order if g not in expected and _graded(found[g])]
    if foreign:
        findings.append(
            f"cell tampered with: {', '.join(foreign)[:200]} is not a graded cell of the assignment"
        )
    return findings


def hidden_lines(reference) -> set[str]:
    """Lines of hidden tests in REFERENCE long enough to recognise in an output."""
    lines = set()
    for cell in reference.cells:
        source, hidden = cell.get("source", ""), False
        for line in source.splitlines():
            if HIDDEN_BEGIN in line:
                hidden = True
            elif HIDDEN_END in line:
                hidden = False
            elif hidden and len(line.strip()) > 12:
                lines.add(line.strip())
    return lines

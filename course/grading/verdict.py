"""A graded test cell, run in the grader: the student's names asked of the kernel, the outcome as outputs.

`course.grading.guarded_kernel` sends every other cell to the student's kernel, and each test cell
(and each locked cell tagged `run-by-grader`) here, at the same point of the notebook. The cell's
source is the instructor's (nbgrader restores it, hidden tests included, before execution), so it
never reaches the kernel. Each name the cell reads comes from where the instructor's notebook last
bound it before that cell: an import of a teaching cell is run here; a name an earlier test cell bound
is kept here; anything else (answers, teaching values) is the kernel's, asked for as plain data
(`course.grading.remote`). The outputs are the cell's own: its prints, its figures, its error (which
nbgrader scores zero) or the value of its last expression (nbgrader's partial credit).
"""

import ast
import base64
import builtins
import contextlib
import io
import sys
import traceback
from collections.abc import Callable

import nbformat

from course.grading.remote import KernelNames, Remote

GRADER_TAG = "run-by-grader"
CELL_FILE = "<test cell>"
BUILTIN_NAMES = frozenset(dir(builtins))


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def runs_in_grader(cell) -> bool:
    """A test cell, or a locked cell the instructor tagged to run in the grader."""
    if cell.get("cell_type") != "code":
        return False
    meta = _meta(cell)
    tagged = GRADER_TAG in cell.get("metadata", {}).get("tags", []) and meta.get("locked")
    return bool(meta.get("grade") and not meta.get("solution")) or bool(tagged)


def parse(source: str) -> ast.Module:
    """SOURCE as Python, with IPython's magic and shell lines left out."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines), CELL_FILE)


def bound_names(tree: ast.AST) -> set[str]:
    """Every name TREE assigns, defines or imports, at any depth."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def free_names(tree: ast.AST) -> set[str]:
    """The names TREE reads but never binds, builtins left out."""
    loaded = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return loaded - bound_names(tree) - BUILTIN_NAMES


class NamePlan:
    """Where each name comes from at each test cell, read from the instructor's notebook."""

    def __init__(self, reference) -> None:
        self.cells = []  # (grade_id or None, kind, imports {name: statement}, other bound names)
        self.sources = {}  # grade id -> source, of the cells that run in the grader
        for cell in reference.cells:
            if cell.cell_type != "code":
                continue
            if runs_in_grader(cell):
                self.sources.setdefault(_meta(cell).get("grade_id"), cell.source)
            try:
                tree = parse(cell.source)
            except SyntaxError:
                continue
            meta = _meta(cell)
            kind = "grader" if runs_in_grader(cell) else "kernel" if meta.get("solution") else "teaching"
            imports = {}
            if kind == "teaching":
                for statement in tree.body:
                    if isinstance(statement, (ast.Import, ast.ImportFrom)):
                        for alias in statement.names:
                            single = type(statement)(**{**statement.__dict__, "names": [alias]})
                            imports[(alias.asname or alias.name).split(".")[0]] = single
            self.cells.append((meta.get("grade_id"), kind, imports, bound_names(tree) - set(imports)))

    def origins(self, grade_id: str) -> dict[str, object]:
        """name -> "kernel", "grader" or an import statement, as bound last before the cell GRADE_ID."""
        found: dict[str, object] = {}
        for cell_id, kind, imports, others in self.cells:
            if cell_id == grade_id and cell_id is not None:
                return found
            found.update(imports)
            found.update(dict.fromkeys(others, "grader" if kind == "grader" else "kernel"))
        return found


def _error_output(error: BaseException):
    """ERROR as an output, with line numbers of the test cell only (no source, no grader frames)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == CELL_FILE]
    lines = ["Traceback (most recent call last):"] + [
        f'  File "{CELL_FILE}", line {f.lineno}' for f in frames
    ]
    ename = type(error).__name__
    evalue = str(error)
    return nbformat.v4.new_output(
        "error", ename=ename, evalue=evalue, traceback=[*lines, f"{ename}: {evalue}"]
    )


def _figures() -> list:
    """The matplotlib figures the cell left open, as PNG outputs, then closed."""
    if "matplotlib.pyplot" not in sys.modules:
        return []
    import matplotlib.pyplot as plt

    outputs = []
    for number in plt.get_fignums():
        buffer = io.BytesIO()
        plt.figure(number).savefig(buffer, format="png", bbox_inches="tight")
        data = {"image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "<Figure>"}
        outputs.append(nbformat.v4.new_output("display_data", data=data))
    plt.close("all")
    return outputs


class CellRunner:
    """Runs one notebook's grader cells in a namespace of their own, asking KERNEL for the rest."""

    def __init__(self, plan: NamePlan, kernel: KernelNames, output_limit: int) -> None:
        self.plan, self.kernel, self.limit = plan, kernel, output_limit
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        self._pending = dict(plan.sources)

    def take(self, cell) -> str | None:
        """The instructor's source of CELL if it runs in the grader: only by its grade id, only once.

        What the submission says about a cell (its source, its tags) is never trusted: a cell a student
        added or copied with a test's grade id runs the instructor's test once, and nothing else.
        """
        grade_id = _meta(cell).get("grade_id") if cell.get("cell_type") == "code" else None
        return self._pending.pop(grade_id, None) if isinstance(grade_id, str) else None

    def _resolve(self, tree: ast.Module, grade_id: str) -> None:
        origins = self.plan.origins(grade_id)
        for name in sorted(free_names(tree)):
            origin = origins.get(name, "kernel")
            if origin == "grader" and name in self.namespace:
                continue
            if isinstance(origin, ast.stmt):
                exec(compile(ast.Module([origin], []), "<teaching import>", "exec"), self.namespace)
                continue
            self.namespace.pop(name, None)
            try:
                self.namespace[name] = self.kernel.name(name)
            except NameError:
                pass  # the cell's own NameError says what is missing

    def _execute(self, tree: ast.Module) -> object:
        """Run TREE; the value of its last expression (None if it has none)."""
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, CELL_FILE, "exec"), self.namespace)
        if last is None:
            return None
        return eval(compile(ast.Expression(last.value), CELL_FILE, "eval"), self.namespace)

    def run(self, source: str, grade_id: str) -> list:
        """The outputs of the cell SOURCE (grade id GRADE_ID) run here."""
        out, err = io.StringIO(), io.StringIO()
        result, failure = None, None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                tree = parse(source)
                self._resolve(tree, grade_id)
                result = self._execute(tree)
                if isinstance(result, Remote):
                    raise TypeError(
                        "a test cell's result must be computed by the grader, not by student code"
                    )
            except Exception as e:  # noqa: BLE001 (a failing test: nbgrader scores its error zero)
                failure = e
        outputs = [
            nbformat.v4.new_output("stream", name=name, text=text[: self.limit])
            for name, text in (("stdout", out.getvalue()), ("stderr", err.getvalue()))
            if text
        ]
        outputs += _figures()
        if failure is not None:
            outputs.append(_error_output(failure))
        elif result is not None:
            outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": repr(result)}))
        return outputs


def grader_runner(reference, ask: Callable[[str], str], rebuild, output_limit: int) -> CellRunner:
    """A runner for one notebook: REFERENCE the instructor's notebook, ASK the kernel's question channel."""
    return CellRunner(NamePlan(reference), KernelNames(ask, rebuild), output_limit)

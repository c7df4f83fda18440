"""A simulated class: students of different ability answer questions of different difficulty.

Each student has an ability, each answer cell a difficulty (both seeded). The chance of a right
answer follows the one-parameter logistic (Rasch) model, P = 1 / (1 + exp(difficulty - ability)).
A student who does not get it right either leaves the cell blank (more likely the weaker the
student) or hands in a plausible wrong answer: the solution with one number or one string changed.
"""

import ast
import math
import random
from dataclasses import dataclass

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
NAMES = ["ada", "alan", "barbara", "claude", "edsger", "frances", "grace", "john", "katherine", "linus"]


@dataclass(frozen=True)
class SimulatedStudent:
    """One student of the simulated class."""

    id: str
    ability: float


def simulated_class(size: int, seed: int = 2026) -> list[SimulatedStudent]:
    """SIZE students with abilities spread from strong to weak (the first always strong, the last weak)."""
    if type(size) is not int or size < 2:
        raise ValueError("a simulated class needs at least 2 students")
    rng = random.Random(seed)
    ids = [NAMES[i % len(NAMES)] + (str(i // len(NAMES)) if i >= len(NAMES) else "") for i in range(size)]
    abilities = [3.0 - 6.0 * i / (size - 1) + rng.gauss(0, 0.3) for i in range(size)]
    abilities[0], abilities[-1] = math.inf, -math.inf  # one always right, one always blank
    return [SimulatedStudent(sid, round(a, 3)) for sid, a in zip(ids, abilities, strict=True)]


def difficulty(cell_id: str, seed: int = 2026) -> float:
    """The seeded difficulty of one answer cell, roughly between -1.5 and 1.5."""
    return random.Random(f"{seed}:{cell_id}").uniform(-1.5, 1.5)


def p_correct(ability: float, cell_difficulty: float) -> float:
    """Rasch model: the chance that a student of ABILITY answers a cell of CELL_DIFFICULTY right."""
    return 1 / (1 + math.exp(cell_difficulty - ability))


SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}


class _ChangeOne(ast.NodeTransformer):
    """Make one plausible mistake: a number, a dict value, a string or an operator changed."""

    def __init__(self, kind: str) -> None:
        self.kind, self.done = kind, False

    def _mistake(self, node: ast.AST, instead: str | None = None) -> ast.AST:
        self.done = True
        value = node.value
        if instead is not None:
            new = instead
        elif type(value) is str and len(value) == 1 and "A" <= value <= "E":
            new = "B" if value == "A" else "A"  # another option letter
        elif type(value) is str:
            new = value[::-1] if len(set(value)) > 1 else value + "x"
        else:
            new = value * 2 + 1 if value else 1
        return ast.copy_location(ast.Constant(new), node)

    def visit_Dict(self, node: ast.Dict) -> ast.Dict:
        strings = [v.value for v in node.values if isinstance(v, ast.Constant) and type(v.value) is str]
        if self.kind == "dict value" and not self.done:
            for i, value in enumerate(node.values):
                if isinstance(value, ast.Constant) and type(value.value) is str:
                    other = next((s for s in strings if s != value.value), None)
                    node.values[i] = self._mistake(value, other)  # another answer from the same list
                    break
        return self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        wanted = {"number": (int, float), "string": (str,)}.get(self.kind, ())
        return self._mistake(node) if not self.done and type(node.value) in wanted else node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if self.kind == "operator" and not self.done and type(node.op) in SWAPS:
            self.done, node.op = True, SWAPS[type(node.op)]()
        return self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        if self.kind == "operator" and not self.done and type(node.ops[0]) in SWAPS:
            self.done, node.ops[0] = True, SWAPS[type(node.ops[0])]()
        return self.generic_visit(node)


def wrong_answer(solution: str) -> str | None:
    """A plausible wrong version of SOLUTION's code, or None when there is nothing to change."""
    for kind in ("number", "dict value", "string", "operator"):
        try:
            tree = ast.parse(solution)
        except SyntaxError:
            return None
        changer = _ChangeOne(kind)
        changed = changer.visit(tree)
        if changer.done:
            return ast.unparse(changed)
    return None


def as_a_student_writes(solution: str) -> str:
    """SOLUTION's code as a student hands it in: no nbgrader markers, and no placeholder left above it.

    `q1 = None` / `### BEGIN SOLUTION` / `q1 = "B"` / `### END SOLUTION` becomes `q1 = "B"`: a top-level
    assignment outside the markers is dropped when the solution assigns the same names again.
    """
    lines = solution.splitlines()
    inside, kept = False, []  # (line, inside the solution block)
    for line in lines:
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        else:
            kept.append((line, inside))
    text = "\n".join(line for line, _ in kept)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    solved_names = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and kept[node.lineno - 1][1]
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    drop = set()
    for node in tree.body:
        names = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
        if (
            isinstance(node, ast.Assign)
            and not kept[node.lineno - 1][1]
            and names
            and set(names) <= solved_names
        ):
            drop |= set(range(node.lineno - 1, node.end_lineno))
    return "\n".join(line for i, (line, _) in enumerate(kept) if i not in drop).strip("\n")


def answer_cells(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Answer cells (nbgrader solution cells) by cell id, as a student would write them."""
    return {
        c.id: as_a_student_writes(c.source)
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }


def simulated_submission(
    released: nbformat.NotebookNode,
    solved: nbformat.NotebookNode,
    student: SimulatedStudent,
    seed: int = 2026,
) -> nbformat.NotebookNode:
    """The release notebook as STUDENT would hand it in: each answer right, blank or wrong."""
    rng = random.Random(f"{seed}:{student.id}")
    solutions = answer_cells(solved)
    nb = nbformat.from_dict(released)
    for cell in nb.cells:
        if cell.id not in solutions:
            continue
        if rng.random() < p_correct(student.ability, difficulty(cell.id, seed)):
            cell.source = solutions[cell.id]
        elif rng.random() < 1 / (1 + math.exp(student.ability)):
            continue  # left blank: the stub stays
        else:
            cell.source = wrong_answer(solutions[cell.id]) or cell.source
    return nb

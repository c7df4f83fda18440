"""Test cells run in the grader: names come from the kernel as plain data, verdicts never leave the grader.

The kernel here is an IPython shell in this process answering through `course.grading.answers`,
exactly as the sandboxed kernel does through an execute request (tests/test_hostile.py runs the
real thing); every question it receives is recorded, to show what the kernel is told.
"""

import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell

from course import notebooks
from course.grading import answers
from course.grading.remote import Remote, StudentError
from course.grading.verdict import NamePlan, free_names, grader_runner, parse

ROOT = Path(__file__).resolve().parent.parent


def _cell(source: str, kind: str = "teaching", grade_id: str | None = None, tags=()):
    cell = nbformat.v4.new_code_cell(source)
    meta = {"grade": kind == "test", "solution": kind == "answer", "locked": kind in ("test", "chart")}
    if kind != "teaching":
        cell.metadata["nbgrader"] = dict(meta, grade_id=grade_id, points=2 if kind == "test" else 0)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


@pytest.fixture
def kernel():
    """The shell's namespace, and the questions it was asked; this process's __main__ back afterwards
    (the shell replaces it, and multiprocessing, in later tests, needs the real one)."""
    main = sys.modules["__main__"]
    shell = InteractiveShell.instance()
    shell.user_ns.clear()
    asked = []

    def ask(question: str) -> str:
        asked.append(question)
        return answers.answer(question)

    try:
        yield shell.user_ns, ask, asked
    finally:
        InteractiveShell.clear_instance()
        sys.modules["__main__"] = main


REFERENCE = _notebook(
    _cell("import math\nfrom course.grading.checks import check_type"),
    _cell("RATE = 0.25", "teaching"),
    _cell("def monthly(hours):\n    return hours * RATE", "answer", "ex1"),
    _cell(
        "check_type('monthly', monthly(1), float)\n### BEGIN HIDDEN TESTS\n_secret_expected = 183.0\n"
        "assert math.isclose(monthly(732), _secret_expected), 'wrong'\n### END HIDDEN TESTS",
        "test",
        "ex1-tests",
    ),
    _cell("labels = None", "answer", "ex2"),
    _cell(
        "score = sum(labels.get(k) == v for k, v in {'a': 1, 'b': 2}.items()) / 2\nscore", "test", "ex2-tests"
    ),
)


def _run(kernel_ns, ask, grade_id: str, reference=REFERENCE, rebuild=None):
    runner = grader_runner(reference, ask, rebuild or (lambda node: node), 2**20)
    cell = next(c for c in reference.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return runner.run(runner.take(cell), grade_id)


def _errors(outputs) -> list[str]:
    return [o["ename"] for o in outputs if o["output_type"] == "error"]


def test_a_right_answer_passes_and_the_kernel_never_sees_the_test(kernel):
    ns, ask, asked = kernel
    ns.update(RATE=0.25)
    exec("def monthly(hours):\n    return hours * RATE", ns)
    assert _errors(_run(ns, ask, "ex1-tests")) == []
    told = " ".join(asked)
    assert "183" not in told and "_secret_expected" not in told and "isclose" not in told
    assert '"name": "monthly"' in told and "732" in told  # asked for the function, called it with 732


def test_a_wrong_answer_fails_with_the_tests_message(kernel):
    ns, ask, _ = kernel
    exec("def monthly(hours):\n    return 1.0", ns)
    outputs = _run(ns, ask, "ex1-tests")
    assert _errors(outputs) == ["AssertionError"]
    assert "wrong" in outputs[-1]["evalue"] and "_secret_expected" not in str(outputs)


def test_a_teaching_import_is_the_graders_own_even_if_the_student_rebinds_it(kernel):
    ns, ask, asked = kernel
    exec(
        "def monthly(hours):\n    return 1.0\n"
        "import types\nmath = types.SimpleNamespace(isclose=lambda *a: True)",
        ns,
    )
    assert _errors(_run(ns, ask, "ex1-tests")) == ["AssertionError"]
    assert not any('"math"' in q for q in asked)


def test_partial_credit_is_the_graders_value_and_student_prints_do_not_count(kernel):
    ns, ask, _ = kernel
    ns["labels"] = {"a": 1, "b": 3}
    outputs = _run(ns, ask, "ex2-tests")
    results = [o for o in outputs if o["output_type"] == "execute_result"]
    assert [r["data"]["text/plain"] for r in results] == ["0.5"]


def test_an_answer_that_is_an_object_stays_in_the_kernel_and_cannot_fake_equality(kernel):
    ns, ask, _ = kernel
    exec(
        "class Liar(dict):\n    def get(self, k):\n        return self\n"
        "    def __eq__(self, o):\n        return True",
        ns,
    )
    ns["labels"] = ns["Liar"]()
    outputs = _run(ns, ask, "ex2-tests")
    assert _errors(outputs) == ["TypeError"], outputs


def test_a_missing_answer_is_a_name_error_in_the_test(kernel):
    ns, ask, _ = kernel
    assert _errors(_run(ns, ask, "ex1-tests")) == ["NameError"]


def test_a_students_exception_comes_back_as_the_same_builtin(kernel):
    ns, ask, _ = kernel
    exec("def monthly(hours):\n    raise ValueError('negative hours')", ns)
    outputs = _run(ns, ask, "ex1-tests")
    assert _errors(outputs) == ["ValueError"] and "negative hours" in outputs[-1]["evalue"]
    exec("class Odd(Exception):\n    pass\ndef monthly(hours):\n    raise Odd('x')", ns)
    assert _errors(_run(ns, ask, "ex1-tests")) == [StudentError.__name__]


def test_remote_objects_answer_attributes_items_calls_len_and_iteration(kernel):
    ns, ask, _ = kernel
    exec(
        "class Log:\n    def __init__(self):\n        self.entries = [1, 2]\n    def count(self, n):\n"
        "        return n * 2\n    def __len__(self):\n        return 2\n    def __iter__(self):\n"
        "        return iter(['x', 'y'])\nlog = Log()",
        ns,
    )
    reference = _notebook(
        _cell(
            "assert log.entries == [1, 2] and log.count(4) == 8 and len(log) == 2 "
            "and list(log) == ['x', 'y'] and 'x' in log",
            "test",
            "t",
        )
    )
    assert _errors(_run(ns, ask, "t", reference)) == []


def test_a_lab_object_is_rebuilt_by_the_grader(kernel):
    ns, ask, _ = kernel

    class Lab:
        def __course_remote__(self):
            return {"$": "remote", "kind": "sandbox", "server": "shared"}

    ns["lab"] = Lab()
    reference = _notebook(
        _cell("assert lab == {'$': 'remote', 'kind': 'sandbox', 'server': 'shared'}", "test", "t")
    )
    assert _errors(_run(ns, ask, "t", reference, rebuild=lambda node: dict(node))) == []


def test_a_result_the_kernel_computed_is_not_partial_credit(kernel):
    ns, ask, _ = kernel
    exec("class Half:\n    def __repr__(self):\n        return '2.0'\nhalf = Half()", ns)
    reference = _notebook(_cell("half", "test", "t"))
    assert _errors(_run(ns, ask, "t", reference)) == ["TypeError"]


def test_names_bound_by_an_earlier_test_cell_stay_in_the_grader(kernel):
    ns, ask, asked = kernel
    reference = _notebook(
        _cell("_seen = globals().setdefault('_seen', {})\n_seen['q1'] = True", "test", "t1"),
        _cell("print(sorted(_seen))", "chart", "chart", tags=["run-by-grader"]),
    )
    runner = grader_runner(reference, ask, None, 2**20)
    for cell in reference.cells:
        runner.run(runner.take(cell), cell.metadata["nbgrader"]["grade_id"])
    assert runner.namespace["_seen"] == {"q1": True} and not any("_seen" in q for q in asked)


def test_only_the_instructors_cells_run_in_the_grader_and_each_once():
    runner = grader_runner(REFERENCE, lambda q: "", None, 2**20)
    forged = _cell("import os; os.system('id')", "test", "not-a-test-of-the-course")
    tagged = _cell("import os", "chart", "chart2", tags=["run-by-grader"])
    copy = _cell("anything", "test", "ex1-tests")
    assert runner.take(forged) is None and runner.take(tagged) is None
    assert "BEGIN HIDDEN TESTS" in runner.take(copy) and runner.take(copy) is None


def test_name_plan_follows_the_instructors_notebook():
    plan = NamePlan(REFERENCE).origins("ex1-tests")
    assert plan["monthly"] == "kernel" and plan["RATE"] == "kernel"
    assert type(plan["math"]).__name__ == "Import" and type(plan["check_type"]).__name__ == "ImportFrom"
    assert free_names(parse("x = [y for y in z]\nprint(x, w)")) == {"z", "w"}


def test_remote_refuses_truth_and_equality():
    remote = Remote(None, 0)
    with pytest.raises(TypeError):
        bool(remote)
    with pytest.raises(TypeError):
        remote == 1  # noqa: B015


# Names of teaching values (not imports) that test cells read from the kernel: a student can change
# them (the README's threat model lists them); a new one must be added here on purpose. `lab` and
# `iam` are lab objects, rebuilt by the grader on the lab server.
TEACHING_VALUES_READ_BY_TESTS = {
    "02-iam": {"report_needs", "report_policies", "report_requests", "lab", "iam"},
    "03-ec2": {"priced"},
    "04-s3": {"enforcing"},
    "05-databases": {
        *("ORDERS", "PER_UNITS", "READ_PRICE", "WRITE_PRICE"),
        *("access_log", "LOG_BUCKET", "LOG_PREFIX"),
    },
    "12-openai-api": {"today", "lab_model"},
    "14-networking": {"demo_public", "web_sg_id", "alb_subnets", "web_ami"},
    "15-storage": {"data_volume", "TRANSFERS"},
}


def _teaching_values_read(nb) -> set[str]:
    plan, found = NamePlan(nb), set()
    for index, (grade_id, kind, _, _) in enumerate(plan.cells):
        if kind != "grader":
            continue
        last = {}
        for _, earlier_kind, imports, others in plan.cells[:index]:
            last.update(dict.fromkeys(imports, "import"))
            last.update(dict.fromkeys(others, earlier_kind))
        found |= {n for n in free_names(parse(plan.sources[grade_id])) if last.get(n) == "teaching"}
    return found


def test_tests_read_only_the_teaching_values_the_threat_model_names():
    for name in notebooks.assignments(ROOT):
        for path in notebooks.notebook_paths(ROOT / "source" / name):
            read = _teaching_values_read(notebooks.read(path))
            assert read == TEACHING_VALUES_READ_BY_TESTS.get(name, set()), (name, read)

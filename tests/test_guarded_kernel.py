"""What a test cell scores is decided by its own outputs only: nbgrader reads the first result."""

import nbformat
import pytest

from course.grading.guarded_kernel import keep_own_result


def _test_cell(source: str, outputs: list) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 2}
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


RESULT = {
    "output_type": "execute_result",
    "data": {"text/plain": "2.0"},
    "metadata": {},
    "execution_count": 1,
}
ERROR = {"output_type": "error", "ename": "AssertionError", "evalue": "wrong", "traceback": []}
STREAM = {"output_type": "stream", "name": "stdout", "text": "checked\n"}


def test_a_value_shown_during_a_failing_test_is_dropped():
    cell = _test_cell("check(answer)\nassert answer == 3", [RESULT, ERROR])
    keep_own_result(cell)
    assert [o.output_type for o in cell.outputs] == ["error"]


def test_a_value_shown_by_a_test_that_ends_in_a_statement_is_dropped():
    cell = _test_cell("check(answer)\nassert answer == 3", [STREAM, RESULT])
    keep_own_result(cell)
    assert [o.output_type for o in cell.outputs] == ["stream"]


@pytest.mark.parametrize("before", [[], [RESULT]])
def test_partial_credit_keeps_only_the_cells_last_result(before):
    own = dict(RESULT, data={"text/plain": "1.5"})
    cell = _test_cell("check(answer)\nlabels_score('m', answer, expected, 2)", [*before, STREAM, own])
    keep_own_result(cell)
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert len(results) == 1 and results[0].data["text/plain"] == "1.5"


def test_other_cells_are_left_alone():
    cell = _test_cell("x", [RESULT])
    cell.metadata["nbgrader"]["grade"] = False
    keep_own_result(cell)
    assert len(cell.outputs) == 1

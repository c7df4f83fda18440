"""The checks used by exercise tests refuse look-alikes and name common mistakes."""

import numpy as np
import pytest

from course.grading.checks import (
    check_choice,
    check_function,
    check_labels,
    check_number,
    check_option,
    check_type,
    choice_digest,
    grade_option,
    labels_score,
)


class AlwaysEqual(float):
    def __eq__(self, other):
        return True


def test_check_number_accepts_close_plain_numbers():
    check_number("cost", 18.33, 18.3334, rel=1e-3)
    check_number("cost", np.float64(2.0), 2.0)
    check_number("n", 3, 3.0)


@pytest.mark.parametrize("value", [AlwaysEqual(1.0), "18.33", True, None, [18.33], float("nan")])
def test_check_number_refuses_look_alikes(value):
    with pytest.raises(AssertionError, match="should be a number"):
        check_number("cost", value, 1.0)


def test_check_number_names_the_mistake():
    with pytest.raises(AssertionError, match="forgot the free tier"):
        check_number("cost", 25.0, 18.33, mistakes={"you forgot the free tier": 25.0})
    with pytest.raises(AssertionError, match="not right"):
        check_number("cost", 99.0, 18.33, mistakes={"you forgot the free tier": 25.0})


def test_check_type_is_exact():
    check_type("region", "eu-west-3", str)

    class Sneaky(str):
        pass

    with pytest.raises(AssertionError, match="should be a str"):
        check_type("region", Sneaky("eu-west-3"), str)


def test_check_function():
    def f():
        return 1

    assert check_function("f", f) is f
    with pytest.raises(AssertionError, match="defined with def"):
        check_function("f", len)


OPTIONS = {"A": "one", "B": "two", "C": "three"}


def test_check_choice_single(capsys):
    digest = choice_digest("B", "q1")
    check_choice("q1", " b ", OPTIONS, digest, "q1")
    assert "Correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"A is not the best answer(.|\n)*C: three"):
        check_choice("q1", "A", OPTIONS, digest, "q1")
    with pytest.raises(AssertionError, match="not among the options"):
        check_choice("q1", "D", OPTIONS, digest, "q1")
    with pytest.raises(AssertionError, match="one option letter"):
        check_choice("q1", {"B"}, OPTIONS, digest, "q1")


def test_check_choice_multiple():
    digest = choice_digest({"A", "C"}, "q2")
    check_choice("q2", {"c", "A"}, OPTIONS, digest, "q2", multiple=True)
    with pytest.raises(AssertionError, match="not the best answer"):
        check_choice("q2", {"A"}, OPTIONS, digest, "q2", multiple=True)
    with pytest.raises(AssertionError, match="set of option letters"):
        check_choice("q2", ["A", "C"], OPTIONS, digest, "q2", multiple=True)


def test_check_option_checks_only_the_form(capsys):
    check_option("q1", " b ", "ABC")
    check_option("q1", "A", "ABC")
    assert "recorded" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="not among the options"):
        check_option("q1", "D", "ABC")
    with pytest.raises(AssertionError, match="set of option letters"):
        check_option("q2", "A", "ABC", multiple=True)


def test_grade_option_explains_the_right_and_the_chosen_option(capsys):
    grade_option("q1", "b", OPTIONS, "B")
    assert "correct" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"the answer is B\.\n  B: two\nYou chose:\n  A: one"):
        grade_option("q1", "A", OPTIONS, "B")
    with pytest.raises(AssertionError, match="the answer is A, C"):
        grade_option("q2", {"A"}, OPTIONS, {"A", "C"}, multiple=True)


def test_check_labels_refuses_missing_and_unknown_labels(capsys):
    check_labels("m", {"x": "IaaS", "y": "SaaS"}, ["x", "y"], {"IaaS", "SaaS"})
    with pytest.raises(AssertionError, match="missing"):
        check_labels("m", {"x": "IaaS"}, ["x", "y"], {"IaaS", "SaaS"})
    with pytest.raises(AssertionError, match="one of"):
        check_labels("m", {"x": "IaaS", "y": "PaaS"}, ["x", "y"], {"IaaS", "SaaS"})
    with pytest.raises(AssertionError, match="not asked for"):
        check_labels("m", {"x": "IaaS", "y": "SaaS", "z": "SaaS"}, ["x", "y"], {"IaaS", "SaaS"})


def test_labels_score_gives_partial_credit_by_key(capsys):
    expected = {"x": "IaaS", "y": "SaaS", "z": "PaaS", "w": "IaaS"}
    assert labels_score("m", {"w": "IaaS", "z": "PaaS", "y": "SaaS", "x": "IaaS"}, expected, 2) == 2
    assert labels_score("m", {"x": "IaaS", "y": "IaaS", "z": "PaaS", "w": "SaaS"}, expected, 2) == 1
    assert "the answer is 'SaaS'" in capsys.readouterr().out
    assert labels_score("m", "not a dict", expected, 2) == 0

"""The graders of notebook 02's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest
from exercise_cases import worked_solution

from lstm_helpers.exercises import grade, list_exercises
from lstm_helpers.exercises._framework import _REGISTRY


def test_notebook_02_has_three_exercises():
    assert list_exercises("02") == ["02.scale_by_two", "02.linear_ratio", "02.steps_to_vanish"]


@pytest.mark.parametrize("answer", ["b", "B", " b "])
def test_scale_by_two_correct(answer):
    feedback = grade("02.scale_by_two", answer)
    assert feedback.correct and "spectral radius" in feedback.message


@pytest.mark.parametrize(
    "answer, words",
    [
        ("a", "larger factor"),
        ("c", "does not decide it"),
        ("d", "50th power"),
        ("e", "one letter"),
        (2, "one letter"),
    ],
)
def test_scale_by_two_wrong(answer, words):
    feedback = grade("02.scale_by_two", answer)
    assert feedback.status == "wrong" and words in feedback.message
    assert feedback.hint


def test_scale_by_two_hints_do_not_steer_toward_explodes():
    # "d" (stays the same) must be pointed at the per-step factor ρ × mean tanh′, not at 1.2**50 (which explodes)
    for letter in ("c", "d"):
        feedback = grade("02.scale_by_two", letter)
        assert "tanh′" in feedback.hint and "1.2**50" not in feedback.hint
    hints = _REGISTRY["02.scale_by_two"].hints
    assert len(hints) >= 2 and "ρ(W_hh) × mean tanh′" in hints[0] and "1.2**50" not in " ".join(hints)


@pytest.mark.parametrize("key", ["02.scale_by_two", "02.linear_ratio", "02.steps_to_vanish"])
def test_every_exercise_has_escalating_hints_and_a_solution_that_passes(key):
    ex = _REGISTRY[key]
    assert len(ex.hints) >= 2
    assert grade(key, worked_solution(key)).correct


def test_scale_by_two_not_attempted():
    assert grade("02.scale_by_two", ...).status == "not attempted"


def power(w, k):
    return w**k


def product(w, k):
    return w * k


def one_short(w, k):
    return w ** (k - 1)


def no_sign(w, k):
    return abs(w) ** k


def todo(w, k): ...


def test_linear_ratio_correct():
    feedback = grade("02.linear_ratio", power)
    assert feedback.correct and "exponentially" in feedback.message


@pytest.mark.parametrize(
    "fn, words",
    [(product, "w * k"), (one_short, "one step short"), (no_sign, "sign"), (lambda w, k: "x", "not a number")],
)
def test_linear_ratio_wrong(fn, words):
    feedback = grade("02.linear_ratio", fn)
    assert feedback.status == "wrong" and words in feedback.message
    if fn is not no_sign:  # only the sign mistake, already at |w| ** k, is shown the formula
        assert "w ** k" not in feedback.message + feedback.hint, "wrong feedback must not give the answer away"


def test_linear_ratio_not_attempted_and_not_called():
    assert grade("02.linear_ratio", todo).status == "not attempted"
    feedback = grade("02.linear_ratio", power(0.5, 2))
    assert feedback.status == "wrong" and "function itself" in feedback.message


def test_steps_to_vanish_correct():
    answer = math.ceil(math.log(1e-6) / math.log(0.9))
    assert grade("02.steps_to_vanish", answer).correct
    assert grade("02.steps_to_vanish", 132.0).correct


@pytest.mark.parametrize(
    "answer, words",
    [
        (131, "still just above"),
        (6, "factors of 10"),
        (131.1, "whole number"),
        (131.9, "whole number"),
        (0.5, "whole number"),
        (10, "still above 1e-6"),
        (140, "fewer steps already"),
        (-5, "not right"),
    ],
)
def test_steps_to_vanish_wrong(answer, words):
    feedback = grade("02.steps_to_vanish", answer)
    assert feedback.status == "wrong" and words in feedback.message

"""The graders of notebook 04's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_04_has_three_exercises():
    assert list_exercises("04") == ["04.hold", "04.half_life", "04.first_spike"]


# --- 04.hold ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"b_f": 6.0, "wx_f": 0.0, "wh_f": 0.0, "b_i": -6.0, "wx_i": 0.0, "wh_i": 0.0},
        {"b_f": 8, "b_i": -8},  # strong biases beat the default weights of 1
        {"b_f": 6.0, "b_i": -6.0},
    ],
)
def test_hold_accepts_settings_that_keep_c(answer):
    feedback = grade("04.hold", answer)
    assert feedback.status == "correct", feedback
    assert "holds its memory" in feedback.message


@pytest.mark.parametrize(
    ("answer", "words", "hint"),
    [
        ({"b_f": -6.0, "b_i": 6.0}, "f = 0.0", "forget gate"),  # overwrite instead of hold
        ({"b_f": 6.0}, "lets the candidate in", "input gate"),  # forgot to close the input gate
        ({"b_f": 1.0, "b_i": -6.0}, "f = ", "b_f"),  # forget gate not open enough
    ],
)
def test_hold_explains_which_gate_is_wrong(answer, words, hint):
    feedback = grade("04.hold", answer)
    assert feedback.status == "wrong"
    assert words in feedback.message and hint in feedback.hint


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ([6.0, -6.0], "dict"),
        ({"forget_bias": 6.0}, "not slider names"),
        ({"b_f": 20.0, "b_i": -20.0}, "outside the sliders' range"),
        ({"b_f": "6"}, "finite number"),
        ({"b_f": float("nan")}, "finite number"),
    ],
)
def test_hold_rejects_malformed_answers_kindly(answer, words):
    feedback = grade("04.hold", answer)
    assert feedback.status == "wrong" and words in feedback.message


def test_hold_not_attempted():
    assert grade("04.hold", ...).status == "not attempted"
    assert grade("04.hold", {"b_f": ...}).status == "not attempted"


# --- 04.half_life -----------------------------------------------------------------------------------------------


def test_half_life_correct():
    feedback = grade("04.half_life", lambda f: math.log(0.5) / math.log(f))
    assert feedback.status == "correct" and "280" in feedback.message
    assert grade("04.half_life", lambda f: math.log(2) / -math.log(f)).correct


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda f: math.log(2) / math.log(f), "wrong sign"),
        (lambda f: f**0.5, "not a number of steps"),
        (lambda f: math.log(0.5) / math.log(f) / 2, "halves after"),
        (lambda f: math.log10(0.5) / f, "halves after"),
        (lambda f: "69", "not a number"),
        (4.0, "function itself"),
    ],
)
def test_half_life_wrong(answer, words):
    feedback = grade("04.half_life", answer)
    assert feedback.status == "wrong" and words in feedback.message


def test_half_life_not_attempted_and_errors():
    def unfinished(f):
        raise NotImplementedError

    assert grade("04.half_life", unfinished).status == "not attempted"
    assert grade("04.half_life", lambda f: None).status == "not attempted"
    crashing = grade("04.half_life", lambda f: math.log(-f))
    assert crashing.status == "wrong" and "ValueError" in crashing.message


# --- 04.first_spike ---------------------------------------------------------------------------------------------


def test_first_spike():
    assert grade("04.first_spike", 2).correct
    assert grade("04.first_spike", 2.0).correct
    second = grade("04.first_spike", 7)
    assert second.status == "wrong" and "second spike" in second.message
    other = grade("04.first_spike", 3)
    assert other.status == "wrong" and "closed" in other.message
    assert "whole time step" in grade("04.first_spike", "two").message
    assert grade("04.first_spike", ...).status == "not attempted"

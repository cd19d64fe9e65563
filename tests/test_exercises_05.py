"""The graders of notebook 05's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest
import torch

from lstm_helpers.exercises import grade, list_exercises
from lstm_helpers.exercises._framework import _REGISTRY
from lstm_helpers.memory_task import set_forget_bias


def test_notebook_05_has_three_exercises():
    assert list_exercises("05") == ["05.cell_derivative", "05.forget_bias", "05.bias_for_delay"]


def test_cell_derivative_correct():
    feedback = grade("05.cell_derivative", lambda f, i, g, o, c_prev: f)
    assert feedback.correct


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda f, i, g, o, c_prev: i * g, "i_t ⊙ g_t"),
        (lambda f, i, g, o, c_prev: f * c_prev, "kept part"),
        (lambda f, i, g, o, c_prev: o * (1 - torch.tanh(f * c_prev + i * g) ** 2) * f, "through h_t"),
        (lambda f, i, g, o, c_prev: torch.ones_like(f), "always open"),
        (lambda f, i, g, o, c_prev: f[:2], "shape"),
        (lambda f, i, g, o, c_prev: 2 * f, "factor of 2"),
    ],
)
def test_cell_derivative_wrong(fn, words):
    feedback = grade("05.cell_derivative", fn)
    assert feedback.status == "wrong" and words in feedback.message


def test_cell_derivative_not_attempted():
    def cell_derivative(f, i, g, o, c_prev): ...

    assert grade("05.cell_derivative", cell_derivative).status == "not attempted"


def rows(lstm, start, stop, value, hh_value=0.0):
    with torch.no_grad():
        lstm.bias_ih_l0[start:stop] = value
        lstm.bias_hh_l0[start:stop] = hh_value


def correct_rows(lstm, value):
    H = lstm.hidden_size
    rows(lstm, H, 2 * H, value)


def input_gate_rows(lstm, value):
    H = lstm.hidden_size
    rows(lstm, 0, H, value)


def both_biases(lstm, value):
    H = lstm.hidden_size
    rows(lstm, H, 2 * H, value, hh_value=value)


def every_gate(lstm, value):
    rows(lstm, 0, 4 * lstm.hidden_size, value)


def forget_and_input(lstm, value):
    H = lstm.hidden_size
    rows(lstm, 0, 2 * H, value)


def without_no_grad(lstm, value):
    H = lstm.hidden_size
    lstm.bias_ih_l0[H : 2 * H] = value


def not_done(lstm, value): ...


def test_forget_bias_correct():
    assert grade("05.forget_bias", correct_rows).correct
    assert grade("05.forget_bias", set_forget_bias).correct  # the package's version


@pytest.mark.parametrize(
    "fn, words",
    [
        (input_gate_rows, "input gate"),
        (both_biases, "both"),
        (every_gate, "also changed"),
        (forget_and_input, "also changed the input gate"),
        (without_no_grad, "in place"),
    ],
)
def test_forget_bias_wrong(fn, words):
    feedback = grade("05.forget_bias", fn)
    assert feedback.status == "wrong" and words in feedback.message and feedback.hint


def test_input_gate_mistake_hints_at_gate_order():
    assert "i, f, g, o" in grade("05.forget_bias", input_gate_rows).hint


def test_forget_bias_not_attempted():
    assert grade("05.forget_bias", not_done).status == "not attempted"


def good_bias(delay):
    f = 0.5 ** (1 / delay)
    return math.log(f / (1 - f))


def test_bias_for_delay_correct_and_feedback_is_accurate():
    feedback = grade("05.bias_for_delay", good_bias)
    assert feedback.correct
    # the old feedback claimed bias 4 "learns delay 45" because of this number, although 4 < 4.17
    assert "bit less than half" in feedback.message and "That is why" not in feedback.message


@pytest.mark.parametrize(
    "fn, words, hint_words",
    [
        (lambda d: -good_bias(d), "wrong sign", "f is the numerator"),  # −4.17 for delay 45: the inverted logit
        (lambda d: 0.5 ** (1 / d), "forget-gate value", "Invert the sigmoid"),
        (lambda d: 0.5**d, "not the needed bias", "First solve"),
        (lambda d: math.log(0.5 ** (1 / d)), "not log(f)", "log(f / (1 - f))"),
        (lambda d: 4.17, "not right", ""),  # right for delay 45 only: graded on other delays too
        (lambda d: "4", "not a number", ""),
    ],
)
def test_bias_for_delay_wrong(fn, words, hint_words):
    feedback = grade("05.bias_for_delay", fn)
    assert feedback.status == "wrong" and words in feedback.message and hint_words in feedback.hint


def test_bias_for_delay_not_attempted_and_not_called():
    def bias_for_delay(delay): ...

    assert grade("05.bias_for_delay", bias_for_delay).status == "not attempted"
    assert grade("05.bias_for_delay", ...).status == "not attempted"
    feedback = grade("05.bias_for_delay", 4.17)
    assert feedback.status == "wrong" and "function itself" in feedback.message


@pytest.mark.parametrize("key", ["05.cell_derivative", "05.forget_bias", "05.bias_for_delay"])
def test_every_exercise_has_escalating_hints_and_a_solution_that_passes(key):
    ex = _REGISTRY[key]
    assert len(ex.hints) >= 2
    namespace = {}
    exec(ex.solution, namespace)
    assert grade(key, namespace[ex.answer_name]).correct

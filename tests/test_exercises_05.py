"""The graders of notebook 05's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest
import torch
from exercise_cases import worked_solution

from lstm_helpers.exercises import grade, list_exercises
from lstm_helpers.exercises._framework import _REGISTRY
from lstm_helpers.memory_task import set_forget_bias


def test_notebook_05_has_three_exercises():
    assert list_exercises("05") == ["05.cell_path_gain", "05.forget_bias", "05.bias_for_delay"]


def test_cell_path_gain_correct():
    feedback = grade("05.cell_path_gain", lambda f, k: f[-k:].prod(dim=0))
    assert feedback.correct and "carousel" in feedback.message


def first_k(f, k):
    return f[:k].prod(dim=0)


def one_too_many(f, k):
    return f[-(k + 1) :].prod(dim=0) if k < len(f) else f.prod(dim=0) * f[0]


@pytest.mark.parametrize(
    "fn, words",
    [
        (first_k, "FIRST k"),  # counting from the start of the sequence instead of from the loss
        (one_too_many, "one too many"),
        (lambda f, k: f[-(k + 1) : -1].prod(dim=0), "one step too early"),  # 1-based slicing: f_{T-k} ... f_{T-1}
        (lambda f, k: f[-k:].sum(dim=0), "added"),
        (lambda f, k: f[-1] ** k, "power k"),
        (lambda f, k: f[-k:].prod(), "one number"),
        (lambda f, k: f[-k:].prod(dim=0)[:2], "shape"),
        (lambda f, k: 2 * f[-k:].prod(dim=0), "too large by the same constant factor"),
    ],
)
def test_cell_path_gain_wrong(fn, words):
    feedback = grade("05.cell_path_gain", fn)
    assert feedback.status == "wrong" and words in feedback.message and feedback.hint
    assert "f[-k:].prod" not in feedback.message + feedback.hint, "wrong feedback must not give the answer away"


def test_cell_path_gain_not_attempted_or_forgot_return():
    def cell_path_gain(f, k): ...

    def forgot_return(f, k):
        f[-k:].prod(dim=0)

    assert grade("05.cell_path_gain", cell_path_gain).status == "not attempted"
    assert "return" in grade("05.cell_path_gain", forgot_return).message


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


def only_bias_ih(lstm, value):
    H = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[H : 2 * H] = value  # bias_hh_l0 keeps its random values


def candidate_rows(lstm, value):
    H = lstm.hidden_size
    rows(lstm, 2 * H, 3 * H, value)


def output_gate_rows(lstm, value):
    H = lstm.hidden_size
    rows(lstm, 3 * H, 4 * H, value)


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
        (only_bias_ih, "PyTorch adds bias_hh_l0"),
        (candidate_rows, "candidate g"),
        (output_gate_rows, "output gate o"),
    ],
)
def test_forget_bias_wrong(fn, words):
    feedback = grade("05.forget_bias", fn)
    assert feedback.status == "wrong" and words in feedback.message and feedback.hint
    assert "bias_ih_l0[H:2*H] = " not in feedback.message + feedback.hint, "the answer is for solution() only"


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
    # the notebook asks which bias a delay of 60 needs: the feedback answers it, once the function is right
    assert "Delay 60 needs about 4.46" in feedback.message
    f = 0.5 ** (1 / 60)
    assert f"{math.log(f / (1 - f)):.2f}" == "4.46" and f"{(1 / (1 + math.exp(-4))) ** 60:.2f}" == "0.34"


@pytest.mark.parametrize(
    "fn, words, hint_words",
    [
        (lambda d: -good_bias(d), "wrong sign", "f is the numerator"),  # −4.17 for delay 45: the inverted logit
        (lambda d: 0.5 ** (1 / d), "forget-gate value", "Invert the sigmoid"),
        (lambda d: 0.5**d, "comes from 0.5 ** delay", "delay-th root"),
        (lambda d: math.log(0.5**d / (1 - 0.5**d)), "comes from 0.5 ** delay", "delay-th root"),
        (lambda d: 1 / d, "is 1 / delay", "First solve"),
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


@pytest.mark.parametrize("key", ["05.cell_path_gain", "05.forget_bias", "05.bias_for_delay"])
def test_every_exercise_has_escalating_hints_and_a_solution_that_passes(key):
    ex = _REGISTRY[key]
    assert len(ex.hints) >= 2
    assert grade(key, worked_solution(key)).correct


@pytest.mark.parametrize("key", ["05.cell_path_gain", "05.forget_bias"])
def test_hints_give_the_formula_not_the_solution_code(key):
    ex = _REGISTRY[key]
    code = [line.split("#")[0].strip() for line in ex.solution.splitlines()]
    code = [line for line in code if len(line) > 20 and not line.startswith(("def ", "import ", "with "))]
    assert code and not any(line in hint for line in code for hint in ex.hints), "solution() is for the code"

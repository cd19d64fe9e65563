"""The graders of notebook 06's exercises: correct answers pass, typical mistakes get specific feedback."""

from pathlib import Path

import nbformat
import pytest
import torch
from exercise_cases import worked_solution

import lstm_helpers.exercises.nb06 as nb06  # registers the exercises (also imported by lstm_helpers.exercises)
from lstm_helpers.cells import LSTMWeights
from lstm_helpers.exercises import _framework, grade, list_exercises

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_lstm_backward_by_hand.ipynb"
KEYS = ["06.output_gate_backward", "06.find_the_bug", "06.numerical_gradient", "06.check_cost"]


def test_notebook_06_registers_four_exercises():
    assert list_exercises("06") == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_worked_solution_is_correct(key):
    assert grade(key, worked_solution(key)).correct


# --- Exercise 1 -------------------------------------------------------------------------------------------------


def _gate_backward(da_of, W_of=None, db_of=None, dc_of=None):
    """An output_gate_backward built from pieces, with one of them replaced by a typical mistake."""

    def output_gate_backward(dh, z, o, c):
        da = da_of(dh, o, c)
        dW = W_of(da, z) if W_of else da.T @ z
        db = db_of(da) if db_of else da.sum(0)
        dc = dc_of(dh, o, c) if dc_of else dh * o * (1 - torch.tanh(c) ** 2)
        return dW, db, dc

    return output_gate_backward


def _right_da(dh, o, c):
    return dh * torch.tanh(c) * o * (1 - o)


@pytest.mark.parametrize(
    "fn, words",
    [
        (_gate_backward(_right_da, W_of=lambda da, z: z.T @ da), "transposed"),
        (_gate_backward(lambda dh, o, c: dh * torch.tanh(c)), "missing the sigmoid's derivative"),
        (_gate_backward(lambda dh, o, c: dh * torch.tanh(c) * (1 - o**2)), "tanh's derivative 1 − o²"),
        (_gate_backward(lambda dh, o, c: dh * c * o * (1 - o)), "multiplies by c_t"),
        (_gate_backward(lambda dh, o, c: dh * o * (1 - o)), "missing the factor tanh(c_t)"),
        (_gate_backward(_right_da, W_of=lambda da, z: da.T @ z / da.shape[0]), "mean over the batch"),
        (_gate_backward(_right_da, W_of=lambda da, z: da[:, :, None] * z[:, None, :]), "has shape (3, 4, 6)"),
        (_gate_backward(_right_da, db_of=lambda da: da), "one row per example"),
        (_gate_backward(_right_da, db_of=lambda da: da.mean(0)), "db_o is the mean"),
        (_gate_backward(_right_da, dc_of=lambda dh, o, c: dh * o), "missing tanh'"),
        (_gate_backward(_right_da, dc_of=lambda dh, o, c: dh * o * (1 - torch.tanh(c))), "(squared)"),
        (_gate_backward(_right_da, dc_of=lambda dh, o, c: dh * o * (1 - c**2)), "1 − c_t²"),
        (_gate_backward(_right_da, dc_of=lambda dh, o, c: dh * (1 - torch.tanh(c) ** 2)), "missing the output gate"),
        (_gate_backward(_right_da, dc_of=lambda dh, o, c: _right_da(dh, o, c)), "That is δa_o"),
    ],
)
def test_output_gate_backward_mistakes(fn, words):
    feedback = grade("06.output_gate_backward", fn)
    assert feedback.status == "wrong" and words in feedback.message, feedback


def test_output_gate_backward_not_attempted_and_forgotten_return():
    def output_gate_backward(dh, z, o, c): ...

    def forgot_return(dh, z, o, c):
        torch.tanh(c)

    assert grade("06.output_gate_backward", output_gate_backward).status == "not attempted"
    assert "forget the `return`" in grade("06.output_gate_backward", forgot_return).message
    two = grade("06.output_gate_backward", lambda dh, z, o, c: (dh, dh))
    assert two.status == "wrong" and "three tensors" in two.message
    result = grade("06.output_gate_backward", worked_solution("06.output_gate_backward")(*nb06._output_gate_inputs()))
    assert result.status == "wrong" and "not its result" in result.message


def test_output_gate_backward_graded_on_unseen_inputs():
    """The grader's inputs are batched and differ from the notebook's small example."""
    dh, z, o, c = nb06._output_gate_inputs()
    assert dh.shape == (3, 4) and z.shape == (3, 6) and c.abs().max() > 1


# --- Exercise 2 -------------------------------------------------------------------------------------------------


def _notebook_suspect():
    """suspect_step_backward exactly as the notebook shows it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    (source,) = [c.source for c in nb.cells if c.source.startswith("def suspect_step_backward")]
    namespace = {"torch": torch, "LSTMWeights": LSTMWeights}
    exec(source, namespace)  # noqa: S102  (the course's own code)
    return namespace["suspect_step_backward"]


def _partly_fixed(tanh_bug, transpose_bug):
    def fixed_step_backward(dh, dc, x_t, h_prev, c_prev, step, weights):
        return nb06._suspect(dh, dc, x_t, h_prev, c_prev, step, weights, tanh_bug, transpose_bug)

    return fixed_step_backward


def test_the_notebook_suspect_has_both_bugs():
    feedback = grade("06.find_the_bug", _notebook_suspect())
    assert feedback.status == "wrong" and "both bugs are still there" in feedback.message


@pytest.mark.parametrize(
    "tanh_bug, transpose_bug, words",
    [
        (True, True, "both bugs are still there"),
        (True, False, "the right way round"),
        (False, True, "∂L/∂h_{t-1} is still off"),
    ],
)
def test_find_the_bug_partial_fixes(tanh_bug, transpose_bug, words):
    feedback = grade("06.find_the_bug", _partly_fixed(tanh_bug, transpose_bug))
    assert feedback.status == "wrong" and words in feedback.message, feedback


def test_find_the_bug_accepts_a_dict_of_weight_gradients():
    assert grade("06.find_the_bug", _partly_fixed(False, False)).correct


def test_find_the_bug_other_answers():
    def fixed_step_backward(dh, dc, x_t, h_prev, c_prev, step, weights): ...

    assert grade("06.find_the_bug", fixed_step_backward).status == "not attempted"
    solution = worked_solution("06.find_the_bug")
    three = grade("06.find_the_bug", lambda *args: solution(*args)[:3])
    assert three.status == "wrong" and "four things" in three.message

    def sign_error(*args):
        dx, dh_prev, dc_prev, dweights = solution(*args)
        return -dx, dh_prev, dc_prev, dweights

    other = grade("06.find_the_bug", sign_error)
    assert other.status == "wrong" and "∂L/∂x_t" in other.message and "∂L/∂h_{t-1}" not in other.message


# --- Exercise 3 -------------------------------------------------------------------------------------------------


def _differences(step, denominator, restore=True):
    """A numerical gradient with a chosen difference: step(fn, x, flat, k, eps) gives the numerator."""

    def numerical_gradient(fn, x, eps=1e-6):
        grad = torch.zeros_like(x)
        flat = x.view(-1)
        for k in range(flat.numel()):
            old = flat[k].item()
            numerator = step(fn, x, flat, k, old, eps)
            if restore:
                flat[k] = old
            grad.view(-1)[k] = numerator / denominator(eps)
        return grad

    return numerical_gradient


def _central(fn, x, flat, k, old, eps):
    flat[k] = old + eps
    plus = fn(x).item()
    flat[k] = old - eps
    return plus - fn(x).item()


def _one_sided(fn, x, flat, k, old, eps):
    base = fn(x).item()
    flat[k] = old + eps
    return fn(x).item() - base


def _reversed(fn, x, flat, k, old, eps):
    return -_central(fn, x, flat, k, old, eps)


@pytest.mark.parametrize(
    "fn, words",
    [
        (_differences(_one_sided, lambda eps: eps), "one-sided difference"),
        (_differences(_central, lambda eps: eps), "twice too large"),
        (_differences(_central, lambda eps: 4 * eps), "half the right size"),
        (_differences(_reversed, lambda eps: 2 * eps), "wrong sign"),
        (_differences(_central, lambda eps: 2 * eps, restore=False), "left x changed"),
        (lambda fn, x, eps: torch.zeros(x.numel(), dtype=x.dtype), "has shape (6,)"),
        (lambda fn, x, eps: x.tolist(), "not a list"),
        (lambda fn, x, eps: torch.zeros_like(x), "differs from the exact one"),
    ],
)
def test_numerical_gradient_mistakes(fn, words):
    feedback = grade("06.numerical_gradient", fn)
    assert feedback.status == "wrong" and words in feedback.message, feedback


def test_numerical_gradient_correct_variants_and_stub():
    assert grade("06.numerical_gradient", _differences(_central, lambda eps: 2 * eps)).correct

    def numerical_gradient(fn, x, eps=1e-6): ...

    assert grade("06.numerical_gradient", numerical_gradient).status == "not attempted"


def test_numerical_gradient_solution_checks_the_lstm_loss():
    """The worked solution agrees with lstm_backward on an LSTM loss, as the notebook suggests trying."""
    from lstm_helpers.backward import lstm_backward
    from lstm_helpers.cells import init_lstm_weights, run_lstm

    g = torch.Generator().manual_seed(0)
    w = init_lstm_weights(2, 3, g, dtype=torch.float64)
    x = torch.randn(2, 4, 2, generator=g, dtype=torch.float64)
    h0 = torch.randn(2, 3, generator=g, dtype=torch.float64)
    R = torch.randn(2, 4, 3, generator=g, dtype=torch.float64)
    numerical_gradient = worked_solution("06.numerical_gradient")
    numeric = numerical_gradient(lambda h: (R * run_lstm(x, w, h).h).sum().item(), h0.clone(), 1e-6)
    exact = lstm_backward(R, x, w, run_lstm(x, w, h0), h0).dh0
    assert torch.allclose(numeric, exact, atol=1e-8)


# --- Exercise 4 -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, words",
    [
        (384, "number of parameters"),
        (385, "one-sided"),
        (416, "two biases"),
        (832, "two bias vectors"),
        (704, "leaves out the biases"),
        (192, "one gate only"),
        (1536, "four times"),
        (1000, "not right yet"),
        ("768", "should be a number"),
    ],
)
def test_check_cost_mistakes(answer, words):
    feedback = grade("06.check_cost", answer)
    assert feedback.status == "wrong" and words in feedback.message, feedback


def test_check_cost_accepts_equivalent_numbers():
    assert grade("06.check_cost", 768).correct
    assert grade("06.check_cost", 768.0).correct
    assert grade("06.check_cost", torch.tensor(768)).correct
    assert grade("06.check_cost", ...).status == "not attempted"


def test_output_gate_hints_give_the_formulas_not_the_solution_code():
    ex = _framework._REGISTRY["06.output_gate_backward"]
    code = [line.split("#")[0].strip() for line in ex.solution.splitlines()]
    code = [line for line in code if len(line) > 12 and not line.startswith(("def ", "import ", "return "))]
    assert code and not any(line in hint for line in code for hint in ex.hints), "solution() is for the code"

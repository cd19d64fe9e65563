"""Graders for notebook 06's exercises (the LSTM backward pass by hand)."""

import torch

from ..cells import init_lstm_weights, lstm_step
from ._framework import (
    _close,
    _grade_count,
    _run_learner_function,
    _whole_number,
    correct,
    exercise,
    wrong,
)

_GATES = ("f", "i", "C", "o")


def _same(got, expected, tol=1e-8):
    return (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and torch.allclose(got.detach().to(expected.dtype), expected, atol=tol, rtol=tol)
    )


# --- Exercise 1: the output gate's backward -------------------------------------------------------------------


def _output_gate_inputs():
    gen = torch.Generator().manual_seed(606)
    batch_size, input_size, hidden_size = 3, 2, 4
    dh = torch.randn(batch_size, hidden_size, generator=gen, dtype=torch.float64)  # ∂L/∂h_t
    z = torch.randn(batch_size, hidden_size + input_size, generator=gen, dtype=torch.float64)  # [h_{t-1}, x_t]
    o = torch.rand(batch_size, hidden_size, generator=gen, dtype=torch.float64) * 0.8 + 0.1  # gate values
    c = torch.randn(batch_size, hidden_size, generator=gen, dtype=torch.float64) * 1.5  # beyond ±1 on purpose
    return dh, z, o, c


@exercise(
    "06.output_gate_backward",
    "Backward through the output gate: ∂L/∂W_o, ∂L/∂b_o and the part of ∂L/∂c_t that comes through h_t",
    hints=(
        "Start from h_t = o_t ⊙ tanh(c_t). Two things depend on it: o_t (through its sigmoid, then W_o and b_o) and "
        "c_t (through the tanh).",
        "First the gradient at the gate's pre-activation: δo_t = δh_t ⊙ tanh(c_t), then multiply by σ' = o(1 − o). "
        "The weight gradient is an outer product with z = [h_{t-1}, x_t], summed over the batch; the bias gradient "
        "is that same quantity summed over the batch.",
        "The formulas: δa_o = δh_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t); ∂L/∂W_o = Σ over the batch of δa_o zᵀ (one "
        "(hidden_size, batch) @ (batch, width) product); ∂L/∂b_o = Σ over the batch of δa_o; and the part into the "
        "cell, δh_t ⊙ o_t ⊙ (1 − tanh²(c_t)).",
    ),
    solution="""
import torch

def output_gate_backward(dh, z, o, c):
    da_o = dh * torch.tanh(c) * o * (1 - o)  # (batch, hidden_size): through tanh(c_t)'s factor, then σ'
    dW_o = da_o.T @ z  # (hidden_size, hidden_size + input_size): outer products summed over the batch
    db_o = da_o.sum(0)  # (hidden_size,)
    dc = dh * o * (1 - torch.tanh(c) ** 2)  # (batch, hidden_size): h_t = o_t ⊙ tanh(c_t), tanh' = 1 − tanh²
    return dW_o, db_o, dc
""",
    answer="output_gate_backward",
)
def _grade_output_gate_backward(output_gate_backward):
    dh, z, o, c = _output_gate_inputs()
    result, problem = _run_learner_function(
        output_gate_backward,
        "06.output_gate_backward",
        "output_gate_backward",
        (dh, z, o, c),
        "dh, o, c are (batch, hidden_size) and z is (batch, hidden_size + input_size); dW_o must come out "
        "(hidden_size, hidden_size + input_size).",
    )
    if problem:
        return problem
    if not isinstance(result, tuple) or len(result) != 3:
        return wrong(
            "Your function should return three tensors: dW_o, db_o, dc.", "End it with `return dW_o, db_o, dc`."
        )
    dW_o, db_o, dc = result
    tanh_c = torch.tanh(c)
    sigma_prime = o * (1 - o)
    da_o = dh * tanh_c * sigma_prime  # (batch, hidden_size)
    expected_W = da_o.T @ z
    if not _same(dW_o, expected_W):
        if not isinstance(dW_o, torch.Tensor):
            return wrong(f"dW_o should be a tensor, but it is {type(dW_o).__name__}.", "Return a torch.Tensor.")
        if dW_o.shape == expected_W.T.shape:
            return wrong(
                f"dW_o has shape {tuple(dW_o.shape)}: it is transposed. A gradient has the shape of what it is the "
                f"gradient of, and W_o is (hidden_size, hidden_size + input_size) = {tuple(expected_W.shape)}.",
                "Put the pre-activation gradient first in the outer product: (hidden_size, batch) @ (batch, width).",
            )
        if dW_o.shape != expected_W.shape:
            return wrong(
                f"dW_o has shape {tuple(dW_o.shape)}, but W_o is {tuple(expected_W.shape)}.",
                "Sum the outer products over the batch: a (hidden_size, batch) matrix times a (batch, width) one.",
            )
        mistakes = [
            ((dh * tanh_c).T @ z, "dW_o is missing the sigmoid's derivative σ'(a) = o(1 − o).", "o_t = σ(a_o)."),
            (
                (dh * tanh_c * (1 - o**2)).T @ z,
                "dW_o uses tanh's derivative 1 − o² for the output gate, but o_t comes from a sigmoid.",
                "σ'(a) = σ(a)(1 − σ(a)) = o(1 − o).",
            ),
            (
                (dh * c * sigma_prime).T @ z,
                "dW_o multiplies by c_t, but h_t = o_t ⊙ tanh(c_t): the factor is tanh(c_t).",
                "∂h_t/∂o_t = tanh(c_t).",
            ),
            (
                (dh * sigma_prime).T @ z,
                "dW_o is missing the factor tanh(c_t) from h_t = o_t ⊙ tanh(c_t).",
                "∂h_t/∂o_t = tanh(c_t).",
            ),
            (
                expected_W / dh.shape[0],
                "dW_o is the mean over the batch; the loss adds the examples, so their gradients add.",
                "Sum over the batch instead of averaging.",
            ),
        ]
        for value, message, hint in mistakes:
            if _close(dW_o, value):
                return wrong(message, hint)
        return wrong("dW_o has the right shape but wrong values.", "Build it from δo_t, σ' and z, step by step.")
    expected_b = da_o.sum(0)
    if not _same(db_o, expected_b):
        if isinstance(db_o, torch.Tensor) and db_o.shape == da_o.shape:
            return wrong(
                f"db_o has shape {tuple(db_o.shape)}: one row per example. b_o is (hidden_size,).",
                "The same bias acts on every example in the batch: add their gradients.",
            )
        if _close(db_o, expected_b / dh.shape[0]):
            return wrong("db_o is the mean over the batch; it should be the sum.", "Use .sum(0).")
        return wrong("dW_o is right, but db_o is not.", "The bias gradient is the pre-activation gradient, summed.")
    expected_c = dh * o * (1 - tanh_c**2)
    if _same(dc, expected_c):
        return correct(
            "dW_o = δa_o zᵀ, db_o = Σ δa_o with δa_o = δh_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t), and the path into the cell "
            "δc_t += δh_t ⊙ o_t ⊙ (1 − tanh²(c_t))."
        )
    mistakes = [
        (dh * o, "dc is missing tanh' = 1 − tanh²(c_t): h_t sees c_t through a tanh.", "Differentiate tanh(c_t)."),
        (
            dh * o * (1 - tanh_c),
            "dc uses 1 − tanh(c_t); tanh's derivative is 1 − tanh²(c_t) (squared).",
            "Square the tanh.",
        ),
        (dh * o * (1 - c**2), "dc uses 1 − c_t²; the derivative of tanh(c) is 1 − tanh²(c).", "Square tanh(c_t)."),
        (dh * (1 - tanh_c**2), "dc is missing the output gate: h_t = o_t ⊙ tanh(c_t).", "Multiply by o_t."),
        (dh * tanh_c * sigma_prime, "That is δa_o, the gradient at the output gate, not the one into c_t.", ""),
    ]
    for value, message, hint in mistakes:
        if _close(dc, value):
            return wrong(message, hint or "∂h_t/∂c_t = o_t ⊙ tanh'(c_t).")
    return wrong("dW_o and db_o are right, but dc is not.", "∂h_t/∂c_t = o_t ⊙ tanh'(c_t), element by element.")


# --- Exercise 2: find the bugs in a given backward -------------------------------------------------------------


def _suspect(dh, dc, x_t, h_prev, c_prev, step, weights, tanh_bug, transpose_bug):
    """The notebook's ``suspect_step_backward`` with either of its two bugs switched on or off."""
    H = weights.hidden_size
    f, i, g, o = step.f, step.i, step.g, step.o
    z = torch.cat([h_prev, x_t], dim=-1)
    tanh_c = torch.tanh(step.c)
    do = dh * tanh_c
    dc = dc + dh * o * (1 if tanh_bug else 1 - tanh_c**2)
    df, di, dg = dc * c_prev, dc * g, dc * i
    dc_prev = dc * f
    da = {"f": df * f * (1 - f), "i": di * i * (1 - i), "C": dg * (1 - g**2), "o": do * o * (1 - o)}
    W_h = {k: getattr(weights, f"W_{k}")[:, :H] for k in da}
    dh_prev = sum(da[k] @ (W_h[k].T if transpose_bug else W_h[k]) for k in da)
    dx = sum(da[k] @ getattr(weights, f"W_{k}")[:, H:] for k in da)
    grads = {}
    for k in da:
        grads[f"W_{k}"] = da[k].reshape(-1, H).T @ z.reshape(-1, z.shape[-1])
        grads[f"b_{k}"] = da[k].reshape(-1, H).sum(0)
    return dx, dh_prev, dc_prev, grads


def _weight_grads(value):
    """The learner's weight gradients as a dict ``{"W_f": ..., ...}``, from an LSTMWeights-like object or a dict."""
    names = [f"{p}_{k}" for k in _GATES for p in ("W", "b")]
    if isinstance(value, dict):
        return {n: value.get(n) for n in names}
    return {n: getattr(value, n, None) for n in names}


def _bug_inputs():
    gen = torch.Generator().manual_seed(6006)
    batch_size, input_size, hidden_size = 4, 3, 5
    weights = init_lstm_weights(input_size, hidden_size, gen, dtype=torch.float64)
    x_t = torch.randn(batch_size, input_size, generator=gen, dtype=torch.float64)
    h_prev = torch.randn(batch_size, hidden_size, generator=gen, dtype=torch.float64) * 0.5
    c_prev = torch.randn(batch_size, hidden_size, generator=gen, dtype=torch.float64) * 1.5
    step = lstm_step(x_t, h_prev, c_prev, weights)
    dh = torch.randn(batch_size, hidden_size, generator=gen, dtype=torch.float64)
    dc = torch.randn(batch_size, hidden_size, generator=gen, dtype=torch.float64)
    return dh, dc, x_t, h_prev, c_prev, step, weights


@exercise(
    "06.find_the_bug",
    "Find and fix the two bugs in suspect_step_backward",
    hints=(
        "Run compare_with_autograd(suspect_step_backward) and look at which gradients are wrong and which are "
        "right: a bug only spoils the gradients computed after it.",
        "One bug spoils only ∂L/∂h_{t-1}: look at the line that computes dh_prev, and at the shapes of the matrices "
        "there (one is square, so a wrong orientation does not raise an error). The other spoils everything that "
        "depends on ∂L/∂c_t: follow h_t = o_t ⊙ tanh(c_t) into c_t.",
        "dc = dc + dh * o * (1 - tanh_c**2) (tanh' was missing); dh_prev = Σ da[k] @ W_h[k] without the .T "
        "(going back through a = W z multiplies by W from the right, as for dx).",
    ),
    solution="""
import torch

from lstm_helpers.cells import LSTMWeights

def fixed_step_backward(dh, dc, x_t, h_prev, c_prev, step, weights):
    w, H = weights, weights.hidden_size
    f, i, g, o = step.f, step.i, step.g, step.o
    z = torch.cat([h_prev, x_t], dim=-1)
    tanh_c = torch.tanh(step.c)
    do = dh * tanh_c
    dc = dc + dh * o * (1 - tanh_c**2)  # fixed: h_t = o_t ⊙ tanh(c_t) needs tanh' on the way into c_t
    df, di, dg = dc * c_prev, dc * g, dc * i
    dc_prev = dc * f
    da = {"f": df * f * (1 - f), "i": di * i * (1 - i), "C": dg * (1 - g**2), "o": do * o * (1 - o)}
    dh_prev = sum(da[k] @ getattr(w, f"W_{k}")[:, :H] for k in da)  # fixed: no transpose, as for dx
    dx = sum(da[k] @ getattr(w, f"W_{k}")[:, H:] for k in da)
    grads = {}
    for k in da:
        grads[f"W_{k}"] = da[k].reshape(-1, H).T @ z.reshape(-1, z.shape[-1])
        grads[f"b_{k}"] = da[k].reshape(-1, H).sum(0)
    return dx, dh_prev, dc_prev, LSTMWeights(**grads)
""",
    answer="fixed_step_backward",
)
def _grade_find_the_bug(fixed_step_backward):
    inputs = _bug_inputs()
    result, problem = _run_learner_function(
        fixed_step_backward,
        "06.find_the_bug",
        "fixed_step_backward",
        inputs,
        "Keep the shapes of suspect_step_backward: only two lines need to change.",
    )
    if problem:
        return problem
    if not isinstance(result, tuple) or len(result) != 4:
        return wrong(
            "Your function should return four things, like suspect_step_backward: dx, dh_prev, dc_prev, dweights.",
            "Copy suspect_step_backward's last line.",
        )
    names = ("∂L/∂x_t", "∂L/∂h_{t-1}", "∂L/∂c_{t-1}")

    def wrong_parts(reference):
        parts = [names[k] for k in range(3) if not _same(result[k], reference[k])]
        got_w = _weight_grads(result[3])
        parts += [f"∂L/∂{n}" for n, value in reference[3].items() if not _same(got_w[n], value)]
        return parts

    variants = {
        (tb, pb): _suspect(*inputs, tanh_bug=tb, transpose_bug=pb) for tb in (False, True) for pb in (False, True)
    }
    if not wrong_parts(variants[False, False]):
        return correct(
            "Both bugs fixed: ∂h_t/∂c_t = o_t ⊙ tanh'(c_t) on the way into the cell, and ∂L/∂h_{t-1} = Σ δa W^h "
            "without a transpose (the same orientation as ∂L/∂x_t). A square matrix hides a transposition from "
            "every shape check; only a comparison of values finds it."
        )
    if not wrong_parts(variants[True, True]):
        return wrong(
            "This still gives exactly what suspect_step_backward gives: both bugs are still there.",
            "Run compare_with_autograd(suspect_step_backward) to see which gradients are off.",
        )
    if not wrong_parts(variants[True, False]):
        return wrong(
            "One bug fixed: dh_prev now uses the recurrent weights the right way round. The other is still there: "
            "everything that depends on ∂L/∂c_t (the gradients of W_f, W_i, W_C, ∂L/∂c_{t-1}, ∂L/∂x_t and "
            "∂L/∂h_{t-1}) is off, while W_o is right.",
            "Everything that depends on ∂L/∂c_t is wrong. Follow h_t = o_t ⊙ tanh(c_t) into c_t.",
        )
    if not wrong_parts(variants[False, True]):
        return wrong(
            "One bug fixed: everything that depends on ∂L/∂c_t is right now. ∂L/∂h_{t-1} is still off.",
            "Look at the line that computes dh_prev: the recurrent block W[:, :H] is square, so a wrong orientation "
            "raises no error. Compare it with the line for dx.",
        )
    parts = wrong_parts(variants[False, False])
    return wrong(
        f"Still different from the correct gradients: {', '.join(parts)}.",
        "Start again from a fresh copy of suspect_step_backward and change only the two buggy lines.",
    )


# --- Exercise 3: a numerical gradient -----------------------------------------------------------------------------


def _test_functions():
    A = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.8, -1.1], [2.0, 0.1, 0.4]], dtype=torch.float64)

    def bumpy(x):
        return torch.exp(2 * x).sum() + (x.reshape(-1)[:3] @ A @ x.reshape(-1)[:3])

    def exact(x):  # the gradient of bumpy
        grad = 2 * torch.exp(2 * x)
        v = x.reshape(-1)[:3]
        grad.reshape(-1)[:3] += (A + A.T) @ v
        return grad

    def forward_difference(fn, x, eps):
        grad = torch.zeros_like(x)
        base = fn(x).item()
        for k in range(x.numel()):
            shifted = x.clone()
            shifted.reshape(-1)[k] += eps
            grad.reshape(-1)[k] = (fn(shifted).item() - base) / eps
        return grad

    return bumpy, exact, forward_difference


@exercise(
    "06.numerical_gradient",
    "Write a central-difference numerical gradient",
    hints=(
        "Nudge one entry of x at a time, up and down by eps, and see how much fn changes. Do not forget to put the "
        "entry back before moving on.",
        "For entry k: (fn(x with x[k] + eps) − fn(x with x[k] − eps)) / (2 eps). Loop over x.view(-1) (a view "
        "of x for a contiguous tensor) and fill a tensor shaped like x; float(fn(x)) gives a plain number.",
        "grad = torch.zeros_like(x); flat = x.view(-1); for k: old = flat[k].item(); flat[k] = old + eps; "
        "plus = float(fn(x)); flat[k] = old - eps; minus = float(fn(x)); flat[k] = old; "
        "grad.view(-1)[k] = (plus - minus) / (2 * eps).",
    ),
    solution="""
import torch

def numerical_gradient(fn, x, eps=1e-6):
    grad = torch.zeros_like(x)
    flat_x, flat_grad = x.view(-1), grad.view(-1)  # views: writing into flat_x changes x
    for k in range(flat_x.numel()):
        old = flat_x[k].item()
        flat_x[k] = old + eps
        plus = float(fn(x))  # a plain number, whether fn returns a float or a one-element tensor
        flat_x[k] = old - eps
        minus = float(fn(x))
        flat_x[k] = old  # put it back before the next entry
        flat_grad[k] = (plus - minus) / (2 * eps)
    return grad
""",
    answer="numerical_gradient",
)
def _grade_numerical_gradient(numerical_gradient):
    bumpy, exact, forward_difference = _test_functions()
    gen = torch.Generator().manual_seed(66)
    x = torch.randn(2, 3, generator=gen, dtype=torch.float64) * 0.7  # (2, 3): not a vector on purpose
    eps = 1e-4
    given = x.clone()
    result, problem = _run_learner_function(
        numerical_gradient,
        "06.numerical_gradient",
        "numerical_gradient",
        (bumpy, given, eps),
        "Index x through a flat view, x.view(-1)[k], so the same code works for any shape.",
        clone=False,  # the grader checks afterwards that the function put x back as it found it
    )
    if problem:
        return problem
    if not isinstance(result, torch.Tensor):
        return wrong(
            f"Return a tensor shaped like x, not a {type(result).__name__}.", "Start from torch.zeros_like(x)."
        )
    if result.shape != x.shape:
        return wrong(
            f"Your gradient has shape {tuple(result.shape)}, but x has shape {tuple(x.shape)}.",
            "A gradient has the shape of what it is taken with respect to: fill torch.zeros_like(x).",
        )
    if not torch.allclose(given, x, atol=1e-12, rtol=0):
        return wrong(
            "Your function left x changed: an entry was nudged but not put back.",
            "Restore each entry to its old value before moving on to the next one.",
        )
    reference = exact(x)
    error = ((result.detach().double() - reference).abs().max() / reference.abs().max()).item()
    if error < 1e-6:
        return correct(
            f"Central differences: the largest error is below 1e-6 of the gradient at eps = {eps:g} (a one-sided "
            "difference would be about 1e-4 off here: its error shrinks like eps, the central one like eps²)."
        )
    if _close(result, forward_difference(bumpy, x, eps)) or _close(result, -forward_difference(bumpy, x, -eps)):
        return wrong(
            "That is a one-sided difference, (fn(x + eps) − fn(x)) / eps: its error shrinks only like eps.",
            "Nudge both ways: (fn(x + eps) − fn(x − eps)) / (2 eps).",
        )
    if _close(result, 2 * reference):
        return wrong("Your gradient is twice too large.", "x + eps and x − eps are 2 eps apart: divide by 2 * eps.")
    if _close(result, reference / 2):
        return wrong("Your gradient is half the right size.", "Divide by 2 * eps, not by 4 * eps or twice.")
    if _close(result, -reference):
        return wrong("Your gradient has the wrong sign.", "Compute fn(x + eps) − fn(x − eps), in that order.")
    return wrong(
        f"Your gradient differs from the exact one by up to {error:.2g} of its size.",
        "Nudge one entry at a time and restore it afterwards; divide by 2 * eps.",
    )


# --- Exercise 4: what a numerical check costs ---------------------------------------------------------------------


@exercise(
    "06.check_cost",
    "How many forward runs does a central-difference check of every weight and bias need?",
    hints=(
        "Count the numbers the check nudges, then how many forward runs each nudge needs.",
        "The scratch LSTM with input_size 3 and hidden_size 8 has four gates, each with W of shape (8, 8 + 3) and "
        "b of shape (8,). A central difference runs the forward pass twice per number.",
        "2 × 4 × (8 × (8 + 3) + 8).",
    ),
    solution="""
hidden_size, input_size = 8, 3
num_parameters = 4 * (hidden_size * (hidden_size + input_size) + hidden_size)  # 384 with one bias per gate
answer = 2 * num_parameters  # fn(θ + ε) and fn(θ − ε) for every one of them
""",
)
def _grade_check_cost(answer):
    mistakes = {
        384: "384 is the number of parameters; a central difference needs two forward runs for each.",
        385: "385 is a one-sided check (one base run plus one per parameter). The central difference needs two "
        "runs per parameter.",
        416: "416 is nn.LSTM's parameter count (two biases), and a central difference needs two runs for each. Here "
        "the scratch cell has one bias per gate.",
        832: "832 counts nn.LSTM's two bias vectors; the scratch cell has one bias per gate.",
        704: "704 leaves out the biases: each gate also has b (8 numbers) to check.",
        192: "192 is 2 × 96: one gate only. The LSTM has four gates, f, i, C̃ and o.",
        1536: "1536 counts every parameter four times; a central difference needs two runs per parameter.",
    }
    if _whole_number(answer) == 768:
        return correct(
            "768 forward runs: 2 for each of the 384 parameters. lstm_backward gets all 384 gradients from one "
            "forward and one backward pass, which is why numerical checks are for testing, not for training."
        )
    return _grade_count(
        answer,
        768,
        mistakes,
        "Four gates, each W (8, 11) and b (8,); two runs per parameter.",
        "your count",
    )

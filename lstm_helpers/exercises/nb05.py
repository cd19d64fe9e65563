"""Graders for notebook 05's exercises."""

import math

import torch

from ._framework import (
    _NOT_ATTEMPTED,
    Feedback,
    _diagnose,
    _run_learner_function,
    call_for_number,
    compare_number,
    correct,
    exercise,
    pass_the_function,
    wrong,
)


@exercise(
    "05.cell_derivative",
    "Write ∂c_t/∂c_{t-1} along the cell-state path",
    hints=(
        "Write down c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t and ask which term contains c_{t-1}.",
        "Hold the gates fixed (they read h_{t-1} and x_t, not c_{t-1}): the second term is a constant, and the "
        "derivative of f ⊙ c with respect to c is taken unit by unit.",
        "The derivative of f_t ⊙ c_{t-1} with respect to c_{t-1}, unit by unit, is f_t itself: return f.",
    ),
    solution="""
def cell_derivative(f, i, g, o, c_prev):
    return f  # c_t = f ⊙ c_{t-1} + i ⊙ g: only the first term depends on c_{t-1}
""",
    answer="cell_derivative",
)
def _grade_cell_derivative(cell_derivative):
    gen = torch.Generator().manual_seed(5)
    f, i, o = (torch.rand(6, generator=gen) for _ in range(3))  # (hidden_size,)
    g, c_prev = torch.rand(6, generator=gen) * 2 - 1, torch.randn(6, generator=gen)  # (hidden_size,)
    got, problem = _run_learner_function(
        cell_derivative,
        "05.cell_derivative",
        "cell_derivative",
        (f, i, g, o, c_prev),
        "Every argument is (hidden_size,); the answer is (hidden_size,) too: one derivative per unit.",
    )
    if problem:
        return problem
    c = f * c_prev + i * g
    mistakes = [
        (
            i * g,
            "That is i_t ⊙ g_t, the new content written to the cell: it does not depend on c_{t-1}.",
            "Differentiate c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t with respect to c_{t-1}, holding the gates fixed.",
        ),
        (
            f * c_prev,
            "That is f_t ⊙ c_{t-1}, the kept part of the cell, not its derivative.",
            "The derivative of f·c with respect to c is f.",
        ),
        (
            o * (1 - torch.tanh(c) ** 2) * f,
            "That is the path through h_t = o_t ⊙ tanh(c_t) as well.",
            "Only follow c_{t-1} → c_t: the cell-state path has no tanh and no output gate.",
        ),
        (
            torch.ones_like(f),
            "1 would be the carousel with the forget gate always open.",
            "The forget gate f_t multiplies c_{t-1}, so it is in the derivative.",
        ),
    ]
    return _diagnose(got, f, mistakes, "∂c_t/∂c_{t-1}")


def _grade_forget_bias_result(lstm, before, value):
    H = lstm.hidden_size
    total = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()  # (4H,)
    before_total = before[0] + before[1]
    gates = {
        "input gate i (rows 0:H)": slice(0, H),
        "forget gate f (rows H:2H)": slice(H, 2 * H),
        "candidate g (rows 2H:3H)": slice(2 * H, 3 * H),
        "output gate o (rows 3H:4H)": slice(3 * H, 4 * H),
    }
    set_to = {name: torch.allclose(total[rows], torch.full((H,), value)) for name, rows in gates.items()}
    kept = {name: torch.allclose(total[rows], before_total[rows]) for name, rows in gates.items()}
    forget = "forget gate f (rows H:2H)"
    if set_to["input gate i (rows 0:H)"] and not set_to[forget]:
        return wrong(
            "You set rows 0:H, which belong to the input gate i, not the forget gate.",
            "PyTorch packs the gates in the order i, f, g, o: the forget gate is rows H:2H.",
        )
    if torch.allclose(total[gates[forget]], torch.full((H,), 2 * value)):
        return wrong(
            f"The forget-gate bias now sums to {2 * value:g}: you set it in both bias_ih_l0 and bias_hh_l0.",
            "PyTorch adds the two biases; put the value in one and 0 in the other.",
        )
    if not set_to[forget]:
        return wrong(
            f"bias_ih_l0 + bias_hh_l0 in rows H:2H is {total[gates[forget]][:3].tolist()}..., not {value:g}.",
            "Set bias_ih_l0[H:2*H] = value and bias_hh_l0[H:2*H] = 0, inside torch.no_grad().",
        )
    changed = [name for name, same in kept.items() if name != forget and not same]
    if changed:
        return wrong(
            f"The forget gate is right, but you also changed the {', '.join(changed)}.",
            "Only touch rows H:2*H; leave the other gates' biases as they were.",
        )
    return correct("Rows H:2H of bias_ih_l0 + bias_hh_l0 now hold the forget bias; the other gates are untouched.")


@exercise(
    "05.forget_bias",
    "Set the forget-gate bias of an nn.LSTM",
    hints=(
        "nn.LSTM stores the four gates' biases stacked in one vector of length 4 * hidden_size, in the order "
        "i, f, g, o. Which rows belong to f?",
        "The forget gate is rows H:2*H (H = lstm.hidden_size) of bias_ih_l0 and of bias_hh_l0, and PyTorch adds "
        "the two vectors: put the value in one and 0 in the other.",
        "Inside `with torch.no_grad():` write lstm.bias_ih_l0[H:2*H] = value and lstm.bias_hh_l0[H:2*H] = 0.0.",
    ),
    solution="""
import torch


def set_my_forget_bias(lstm, value):
    H = lstm.hidden_size
    with torch.no_grad():
        lstm.bias_ih_l0[H : 2 * H] = value  # gate order i, f, g, o: rows H:2H are the forget gate
        lstm.bias_hh_l0[H : 2 * H] = 0.0  # the two biases are added, so keep only one
""",
    answer="set_my_forget_bias",
)
def _grade_forget_bias(set_my_forget_bias):
    if not callable(set_my_forget_bias):
        return pass_the_function(set_my_forget_bias, "05.forget_bias")
    for hidden_size, value in ((5, 3.0), (3, -1.5)):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(hidden_size)
            lstm = torch.nn.LSTM(2, hidden_size, batch_first=True)
        before = (lstm.bias_ih_l0.detach().clone(), lstm.bias_hh_l0.detach().clone())
        try:
            result = set_my_forget_bias(lstm, value)
        except RuntimeError as exc:
            if "leaf Variable" not in str(exc):
                raise
            return wrong(
                "PyTorch refused to change a parameter in place while it tracks gradients.",
                "Put the assignments inside `with torch.no_grad():`.",
            )
        if result is ... or (
            result is None and torch.equal(lstm.bias_ih_l0, before[0]) and torch.equal(lstm.bias_hh_l0, before[1])
        ):
            return _NOT_ATTEMPTED
        feedback = _grade_forget_bias_result(lstm, before, value)
        if not feedback.correct:
            return feedback
    return feedback


def _bias_for_delay(delay):
    f_needed = 0.5 ** (1 / delay)  # σ(b)^delay = 1/2
    return math.log(f_needed / (1 - f_needed))  # the logit of f_needed


@exercise(
    "05.bias_for_delay",
    "Write the forget bias that keeps half of the cell-state gradient over a delay",
    hints=(
        "Two steps: first find the forget-gate value f with f**delay = 0.5, then the bias b with σ(b) = f.",
        "f = 0.5 ** (1 / delay). To invert the sigmoid use the logit: σ(b) = f means b = log(f / (1 - f)).",
        "return math.log(f / (1 - f)) with f = 0.5 ** (1 / delay).",
    ),
    solution="""
import math


def bias_for_delay(delay):
    f = 0.5 ** (1 / delay)  # the forget gate that keeps half after `delay` steps: f**delay = 0.5
    return math.log(f / (1 - f))  # invert the sigmoid: σ(b) = f
""",
    answer="bias_for_delay",
)
def _grade_bias_for_delay(bias_for_delay):
    if not callable(bias_for_delay):
        return pass_the_function(bias_for_delay, "05.bias_for_delay")
    for delay in (20, 45, 60, 100):  # graded on delays beyond the notebook's example
        got = call_for_number(bias_for_delay, (delay,), "Return the bias b as a number (a float).")
        if isinstance(got, Feedback):
            return got
        expected = _bias_for_delay(delay)
        f_needed = 0.5 ** (1 / delay)
        if math.isclose(got, expected, rel_tol=1e-3):
            continue
        if math.isclose(got, -expected, rel_tol=1e-3):
            return wrong(
                f"bias_for_delay({delay}) = {got:.3g} has the wrong sign: σ of a negative bias is below 0.5, so "
                "that forget gate would close, not stay open.",
                "The logit is log(f / (1 - f)), not log((1 - f) / f): f is the numerator.",
            )
        if math.isclose(got, f_needed, rel_tol=1e-3):
            return wrong(
                f"bias_for_delay({delay}) = {got:.4g} is the forget-gate value f = σ(b) you need, not the bias b.",
                "Invert the sigmoid: b = log(f / (1 - f)).",
            )
        if math.isclose(got, 0.5**delay, rel_tol=1e-2) or math.isclose(got, 1 / delay, rel_tol=1e-2):
            return wrong(
                f"bias_for_delay({delay}) = {got:.3g} is not the needed bias.",
                "First solve f**delay = 0.5 for f (f = 0.5 ** (1 / delay)), then b = log(f / (1 - f)).",
            )
        if math.isclose(got, math.log(0.5 ** (1 / delay)), rel_tol=1e-3) or math.isclose(
            got, math.log(f_needed / (1 + f_needed)), rel_tol=1e-3
        ):
            return wrong(
                f"bias_for_delay({delay}) = {got:.3g}: the inverse of the sigmoid is not log(f).",
                "σ(b) = 1 / (1 + exp(-b)) = f gives b = log(f / (1 - f)).",
            )
        return compare_number(got, expected, f"bias_for_delay({delay})", rel_tol=1e-3)
    return correct(
        "For delay 45 the bias is about 4.17, so σ(4)**45 ≈ 0.44: a forget bias of 4 keeps a bit less than half of "
        "the cell-state gradient over 45 steps. Each doubling of the delay adds only about log(2) ≈ 0.7 to the bias, "
        "because σ(b) approaches 1 like 1 - exp(-b)."
    )

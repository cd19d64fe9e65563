"""Graders for notebook 05's exercises."""

import math

import torch

from ._framework import (
    _NOT_ATTEMPTED,
    Feedback,
    _close,
    _diagnose,
    _unfinished,
    call_for_number,
    compare_number,
    correct,
    exercise,
    is_stub,
    pass_the_function,
    returned_none,
    wrong,
)


@exercise(
    "05.cell_path_gain",
    "The gain of the cell-state path over k steps: ∂c_T/∂c_{T-k} along the direct path",
    hints=(
        "Along the direct path each step back multiplies by that step's forget gate, unit by unit. Which k gates "
        "lie between c_{T-k} and c_T?",
        "They are f_{T-k+1}, ..., f_T: the LAST k rows of f (row t-1 holds f_t, because code counts from 0). "
        "Multiply them together along the time dimension, keeping one number per unit.",
        "The formula: ∂c_T/∂c_{T-k} = f_{T-k+1} ⊙ ... ⊙ f_T, the element-wise product of the last k rows of f, "
        "taken along the time dimension (dim 0).",
    ),
    solution="""
def cell_path_gain(f, k):
    return f[-k:].prod(dim=0)  # ∏ f_s for s = T-k+1 ... T, one product per unit
""",
    answer="cell_path_gain",
)
def _grade_cell_path_gain(cell_path_gain):
    if not callable(cell_path_gain):
        return pass_the_function(cell_path_gain, "05.cell_path_gain")
    gen = torch.Generator().manual_seed(5)
    f = 0.5 + 0.5 * torch.rand(12, 6, generator=gen)  # (seq_len, hidden_size): forget gates between 0.5 and 1
    for k in (3, 1, 12, 7):  # graded on several distances, including the whole sequence
        got = cell_path_gain(f.clone(), k)
        if got is None:
            return _NOT_ATTEMPTED if is_stub(cell_path_gain) else returned_none("cell_path_gain(...)")
        if _unfinished(got):
            return _NOT_ATTEMPTED
        expected = f[-k:].prod(dim=0)  # (hidden_size,)
        if _close(got, expected):
            continue
        if isinstance(got, torch.Tensor) and got.dim() == 0:
            return wrong(
                f"cell_path_gain(f, {k}) returned one number; the gain is one product per unit.",
                "Multiply along the time dimension only: .prod(dim=0) keeps the hidden_size dimension.",
            )
        mistakes = [
            (
                f[:k].prod(dim=0),
                f"For k = {k} you multiplied the FIRST k forget gates; the gradient from the loss at T crosses the "
                "last k.",
                "Row t-1 of f holds f_t, so the gates between c_{T-k} and c_T are the last k rows: f[-k:].",
            ),
            (
                f[-(k + 1) : -1].prod(dim=0) if k < len(f) else torch.full_like(f[0], math.nan),  # never close
                f"For k = {k} you multiplied k gates, but one step too early: you left out the last row, f_T, and "
                "took f_{T-k} instead.",
                "Row t-1 of f holds f_t (code counts from 0), so f_T is the last row, and the k gates between c_{T-k} "
                "and c_T are f_{T-k+1} ... f_T.",
            ),
            (
                f[-(k + 1) :].prod(dim=0) if k < len(f) else f.prod(dim=0) * f[0],
                f"For k = {k} you multiplied k + 1 forget gates: one too many.",
                "Going from c_{T-k} to c_T crosses k steps, so k gates: f_{T-k+1} ... f_T.",
            ),
            (
                f[-k:].sum(dim=0),
                "You added the forget gates; along the path they multiply the gradient, one step after another.",
                "Use .prod(dim=0) instead of .sum(dim=0).",
            ),
            (
                f[-1] ** k,
                f"For k = {k} you raised the last forget gate to the power k; each step has its own f_s.",
                "Multiply the last k rows of f together, unit by unit: one product per unit.",
            ),
        ]
        return _diagnose(got, expected, mistakes, f"cell_path_gain(f, {k})")
    return correct(
        "∂c_T/∂c_{T-k} along the direct path is the product of the last k forget gates: with f near 1 it stays "
        "near 1 for many steps (the constant error carousel); with f = 0.5 it halves at every step."
    )


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
    for name in ("candidate g (rows 2H:3H)", "output gate o (rows 3H:4H)"):
        if set_to[name] and not set_to[forget]:
            return wrong(
                f"You set the {name}, not the forget gate.",
                "PyTorch packs the gates in the order i, f, g, o: the forget gate is the second block.",
            )
    if torch.allclose(total[gates[forget]], torch.full((H,), 2 * value)):
        return wrong(
            f"The forget-gate bias now sums to {2 * value:g}: you set it in both bias_ih_l0 and bias_hh_l0.",
            "PyTorch adds the two biases; put the value in one and 0 in the other.",
        )
    ih_forget = lstm.bias_ih_l0.detach()[gates[forget]]
    if torch.allclose(ih_forget, torch.full((H,), value)) and not set_to[forget]:
        return wrong(
            f"bias_ih_l0 holds {value:g} in the forget rows, but PyTorch adds bias_hh_l0, whose forget rows still "
            "hold their random starting values.",
            "The gate sees the sum of the two biases: make the other one contribute nothing there.",
        )
    if not set_to[forget]:
        first = [round(v, 3) for v in total[gates[forget]][:3].tolist()]
        return wrong(
            f"bias_ih_l0 + bias_hh_l0 in rows H:2H is {first}..., not {value:g}.",
            "Gate order i, f, g, o: the forget gate is rows H:2*H of both bias vectors, and their sum must "
            "equal the value. Change them inside torch.no_grad().",
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
        "The recipe: inside `with torch.no_grad():`, assign value to rows H:2*H of bias_ih_l0 and 0 to the same rows "
        "of bias_hh_l0 (slice assignment changes a parameter in place).",
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
        f_power = 0.5**delay  # the mistake: raising 0.5 to the delay instead of taking the delay-th root
        if math.isclose(got, f_power, rel_tol=1e-2) or math.isclose(
            got, math.log(f_power / (1 - f_power)), rel_tol=1e-3
        ):
            return wrong(
                f"bias_for_delay({delay}) = {got:.3g} comes from 0.5 ** delay: that is what is left after {delay} "
                "steps of a gate at f = 0.5, not the gate value that leaves half. A forget gate that keeps half "
                "over many steps must be close to 1 at every step.",
                "Solve f ** delay = 0.5 for f: take the delay-th root of 0.5 (an exponent of 1 / delay), then "
                "invert the sigmoid.",
            )
        if math.isclose(got, 1 / delay, rel_tol=1e-2):
            return wrong(
                f"bias_for_delay({delay}) = {got:.3g} is 1 / delay, not a bias.",
                "First solve f ** delay = 0.5 for f, then find the b with σ(b) = f.",
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
        "the cell-state gradient over 45 steps. Delay 60 needs about 4.46, only 0.46 more than the 4 used above "
        "(with bias 4, σ(4)**60 ≈ 0.34 survives). Each doubling of the delay adds only about log(2) ≈ 0.7 to the "
        "bias, because σ(b) approaches 1 like 1 - exp(-b). Keeping half is a yardstick, not a cliff: bias 4 still "
        "solved delay 45 for at least 4 of 5 seeds in the sweep above."
    )

"""Graders, hints and worked solutions for notebook 12's exercises."""

import math

import torch

from ._framework import (
    Feedback,
    _diagnose,
    _grade_count,
    _run_learner_function,
    _unfinished,
    as_number,
    correct,
    exercise,
    wrong,
)

_LSTM_COUNT_CASES = ((1, 1, 1), (1, 50, 1), (3, 8, 1), (8, 64, 1), (2, 5, 2), (7, 16, 3))  # input, hidden, layers


def _lstm_layer_count(input_size, hidden_size):
    """Parameters of one LSTM layer: 4 blocks of W_ih, W_hh and two biases."""
    return 4 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)


def _as_count(got, what):
    """``got`` as a plain number, or a ``Feedback`` saying why it is not one."""
    if _unfinished(got):
        raise NotImplementedError
    if as_number(got) is None:
        return wrong(f"{what} is {type(got).__name__} ({got!r}), but it should be a number.", "Return a plain number.")
    return as_number(got)


@exercise(
    "12.lstm_param_count",
    "Parameter count of a stacked LSTM",
    hints=(
        "Count one layer first with the formula of the Parameters section, then ask what changes for layer 2.",
        "Every layer has four blocks (i, f, g, o) of W_ih, W_hh and two biases. Layer 1's W_ih is input_size wide; "
        "a later layer reads the hidden state of the layer below, so its W_ih is hidden_size wide.",
        "first = 4·(H·input_size + H·H + 2H); each later layer = 4·(H·H + H·H + 2H); "
        "total = first + (num_layers − 1)·later, with H = hidden_size.",
    ),
    solution="""
def lstm_param_count(input_size, hidden_size, num_layers=1):
    H = hidden_size
    first = 4 * (H * input_size + H * H + 2 * H)  # four blocks: W_ih, W_hh, bias_ih, bias_hh
    later = 4 * (H * H + H * H + 2 * H)  # a later layer's input is the hidden state below: H wide
    return first + (num_layers - 1) * later
""",
    answer="lstm_param_count",
)
def _grade_lstm_param_count(answer):
    if not callable(answer):
        return wrong(
            f"Your answer should be a function, but it is {type(answer).__name__}.",
            "Define def lstm_param_count(input_size, hidden_size, num_layers=1) and pass the function, not a call.",
        )
    for input_size, H, L in _LSTM_COUNT_CASES:
        call = f"lstm_param_count({input_size}, {H}, {L})"
        got = _as_count(answer(input_size, H, L), call)
        if isinstance(got, Feedback):
            return got
        lstm = torch.nn.LSTM(input_size, H, num_layers=L, device="meta")  # shapes only: no memory, no random numbers
        expected = sum(p.numel() for p in lstm.parameters())
        if math.isclose(got, expected):
            continue
        side = "more" if got > expected else "fewer"
        message = (
            f"{call} = {got:g}: that is {side} parameters than nn.LSTM({input_size}, {H}, num_layers={L}) holds "
            "(count them with sum(p.numel() for p in lstm.parameters()) to compare)."
        )
        first = _lstm_layer_count(input_size, H)
        if math.isclose(got * 4, expected):
            hint = "Did you count every gate? An LSTM has one block of weights per gate (i, f, g, o)."
        elif math.isclose(expected - got, 4 * H * L):
            hint = "Forgot one bias vector? PyTorch keeps two per block, bias_ih and bias_hh, hidden_size numbers each."
        elif math.isclose(expected - got, 8 * H * L):
            hint = "No biases counted? Each of the four blocks has two bias vectors of hidden_size numbers."
        elif L > 1 and math.isclose(got, first):
            hint = "Right for one layer: now use num_layers. Each extra layer adds its own four blocks."
        elif L > 1 and math.isclose(got, L * first):
            hint = "Layers after the first read the hidden state of the layer below: their W_ih is hidden_size wide."
        else:
            hint = "Per layer: W_ih (4·hidden_size × its input), W_hh (4·hidden_size × hidden_size), two biases."
        return wrong(message, hint)
    return correct("Your formula matches numel() for every size tried, including stacked layers.")


@exercise(
    "12.seed_model_params",
    "Parameters of the tutorial's SimpleLSTM",
    hints=(
        "Two layers hold parameters: the LSTM and the Linear read-out. Count each, then add.",
        "The LSTM is one layer with input_size 1 and hidden_size 50: use the block formula of the Parameters "
        "section (four blocks). nn.Linear(50, 1) has a weight matrix and a bias.",
        "4·(50·1 + 50·50 + 2·50) for the LSTM, plus 50·1 + 1 for the read-out.",
    ),
    solution="""
input_size, hidden_size = 1, 50
lstm = 4 * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)  # i, f, g, o blocks
readout = hidden_size * 1 + 1  # nn.Linear(50, 1): 50 weights and 1 bias
answer = lstm + readout
""",
)
def _grade_seed_model_params(answer):
    lstm_only, readout = _lstm_layer_count(1, 50), 50 + 1
    mistakes = {
        lstm_only: f"{lstm_only} is the LSTM alone; add the Linear(50, 1) read-out: 50 weights and 1 bias.",
        lstm_only + 50: "The read-out's bias is forgotten: nn.Linear(50, 1) has 50 weights and 1 bias.",
        lstm_only - 4 * 50 + readout: "That misses one bias vector: PyTorch's LSTM has bias_ih and bias_hh.",
        lstm_only // 4 + readout: "That is what an RNN would have: an LSTM has four blocks (i, f, g, o), not one.",
    }
    hint = "Per gate: 50 × 1 input weights, 50 × 50 recurrent weights, two biases of 50; four gates; then the read-out."
    return _grade_count(answer, lstm_only + readout, mistakes, hint, "the parameter count")


@exercise(
    "12.peephole_params",
    "Parameters added by peephole connections",
    hints=(
        "Look at the peephole equations: which gates gain a term, and what multiplies the cell state there?",
        "Each peephole term is p ⊙ c, an element-wise product: one weight per unit, not a matrix. Only the gates "
        "f, i and o have one; the candidate g does not.",
        "3 gates × hidden_size weights each.",
    ),
    solution="""
hidden_size = 50
answer = 3 * hidden_size  # p_f, p_i, p_o: one weight per unit each; the candidate g has no peephole
""",
)
def _grade_peephole_params(answer):
    full = "That counts full hidden_size × hidden_size matrices; peephole weights are element-wise (p ⊙ c), diagonal."
    mistakes = {
        4 * 50: "That gives the candidate g a peephole too; only f, i and o look at the cell state.",
        50 * 50: full,
        3 * 50 * 50: full,
        4 * 50 * 50: full,
        50: "That is one gate's peephole vector; each of f, i and o has its own.",
        2 * 50: "That is two gates' peepholes; the output gate has one too (it looks at the new c_t).",
    }
    hint = "One weight per unit for each gate that looks at the cell."
    return _grade_count(answer, 3 * 50, mistakes, hint, "the number of peephole parameters")


def _gru_reference(x_t, h, W_ih, W_hh, b_ih, b_hh, mistake=None):
    """PyTorch's GRU step from packed weights (rows r, z, n), or one of the typical mistakes."""
    gi = (x_t @ W_ih.T + b_ih).chunk(3, dim=-1)  # input parts of r, z, n
    gh = (h @ W_hh.T + b_hh).chunk(3, dim=-1)  # hidden parts of r, z, n
    r_, z_ = (0, 1) if mistake != "z_r_swapped" else (1, 0)
    r = torch.sigmoid(gi[r_] + gh[r_])
    z = torch.sigmoid(gi[z_] + gh[z_])
    H = h.shape[-1]
    if mistake == "bias_outside_reset":
        n = torch.tanh(gi[2] + r * (h @ W_hh[2 * H :].T) + b_hh[2 * H :])
    elif mistake == "reset_before_matmul":
        n = torch.tanh(gi[2] + (r * h) @ W_hh[2 * H :].T + b_hh[2 * H :])
    elif mistake == "sigmoid_candidate":
        n = torch.sigmoid(gi[2] + r * gh[2])
    elif mistake == "no_reset":
        n = torch.tanh(gi[2] + gh[2])
    else:
        n = torch.tanh(gi[2] + r * gh[2])
    if mistake == "update_swapped":
        return z * n + (1 - z) * h
    return (1 - z) * n + z * h


_GRU_MISTAKES = (
    (
        "z_r_swapped",
        "Your h_t matches a GRU whose first two row blocks are read as z, r: PyTorch packs them r, z, n.",
        "Rows 0:H are the reset gate r, rows H:2H the update gate z, rows 2H:3H the candidate n.",
    ),
    (
        "bias_outside_reset",
        "Your candidate adds b_hn outside the reset gate's product (as in Cho et al. 2014). PyTorch multiplies the "
        "whole hidden part, bias included, by r.",
        "Inside the tanh: input part + b_in + r ⊙ (hidden part + b_hn).",
    ),
    (
        "reset_before_matmul",
        "Your candidate applies r to h_(t−1) before the matrix product (the original paper's form). PyTorch applies "
        "r after it, to W_hn h_(t−1) + b_hn.",
        "Multiply r with the hidden projection of the n block, bias included, not with h_(t−1) itself.",
    ),
    (
        "update_swapped",
        "Your update mixes the wrong way round: with z near 1 your h_t takes the candidate, but in PyTorch's GRU "
        "z near 1 keeps the old state.",
        "h_t = (1 − z) ⊙ n + z ⊙ h_(t−1).",
    ),
    (
        "sigmoid_candidate",
        "Your candidate n uses the sigmoid; the candidate is a tanh (values between −1 and 1), only r and z are "
        "sigmoids.",
        "Use torch.tanh for n.",
    ),
    (
        "no_reset",
        "Your candidate ignores the reset gate r.",
        "Multiply the hidden part of n (W_hn h_(t−1) + b_hn) by r before adding the input part.",
    ),
)


@exercise(
    "12.gru_step",
    "Write one GRU step from nn.GRU's packed weights",
    hints=(
        "The packed matrices hold three row blocks of hidden_size rows each, in PyTorch's order r, z, n. Slice them "
        "(or use .chunk(3)) and keep the input part and the hidden part of each gate apart.",
        "r and z are sigmoids of input part + hidden part (each with its bias). The candidate n is a tanh, and the "
        "reset gate multiplies its whole hidden part, b_hn included. z near 1 keeps the old state.",
        "With H = h_prev.shape[-1]: r = σ(x W_ir^T + b_ir + h W_hr^T + b_hr), z likewise, "
        "n = tanh(x W_in^T + b_in + r ⊙ (h W_hn^T + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_prev.",
    ),
    solution="""
import torch


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    i_r, i_z, i_n = (x_t @ W_ih.T + b_ih).chunk(3, dim=-1)  # (batch, H) each: rows r, z, n of the input part
    h_r, h_z, h_n = (h_prev @ W_hh.T + b_hh).chunk(3, dim=-1)  # (batch, H) each: the hidden part, biases included
    r = torch.sigmoid(i_r + h_r)  # reset gate
    z = torch.sigmoid(i_z + h_z)  # update gate: near 1 keeps h_prev
    n = torch.tanh(i_n + r * h_n)  # candidate: r multiplies W_hn h_prev + b_hn
    return (1 - z) * n + z * h_prev  # (batch, H): the new hidden state
""",
    answer="gru_step",
)
def _grade_gru_step(gru_step):
    gen = torch.Generator().manual_seed(11)
    batch_size, input_size, H = 4, 3, 5  # input_size != H, so a transposed matrix cannot slip through
    dtype = torch.float64
    args = (
        torch.randn(batch_size, input_size, generator=gen, dtype=dtype),  # x_t: (batch, input_size)
        torch.randn(batch_size, H, generator=gen, dtype=dtype),  # h_prev: (batch, H)
        torch.randn(3 * H, input_size, generator=gen, dtype=dtype) * 0.7,  # W_ih: (3H, input_size), rows r, z, n
        torch.randn(3 * H, H, generator=gen, dtype=dtype) * 0.7,  # W_hh: (3H, H)
        torch.randn(3 * H, generator=gen, dtype=dtype),  # b_ih: (3H,)
        torch.randn(3 * H, generator=gen, dtype=dtype),  # b_hh: (3H,)
    )
    result, problem = _run_learner_function(
        gru_step,
        "12.gru_step",
        "gru_step",
        args,
        "x_t is (batch, input_size) and W_ih is (3·hidden_size, input_size): use x_t @ W_ih.T (and h_prev @ W_hh.T).",
    )
    if problem:
        return problem
    if isinstance(result, tuple):
        return wrong("Your function returns a tuple; return only the new hidden state h_t.", "End with `return h`.")
    expected = _gru_reference(*args)
    cell = torch.nn.GRUCell(input_size, H, dtype=dtype)  # the reference is PyTorch's own cell
    with torch.no_grad():
        for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), args[2:], strict=True):
            getattr(cell, name).copy_(value)
        assert torch.allclose(cell(args[0], args[1]), expected, atol=1e-12)
    mistakes = [(_gru_reference(*args, mistake=m), message, hint) for m, message, hint in _GRU_MISTAKES]
    feedback = _diagnose(result, expected, mistakes, "your h_t")
    if feedback.correct:
        return correct(
            "Your GRU step matches nn.GRUCell on a batch it had not seen: packing order r, z, n and b_hn inside r."
        )
    return feedback

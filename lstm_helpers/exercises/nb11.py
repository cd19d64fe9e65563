"""Graders for notebook 11's exercises."""

import math

import torch

from ._framework import Feedback, _grade_count, _unfinished, as_number, correct, exercise, wrong

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


@exercise("11.lstm_param_count", "Parameter count of a stacked LSTM")
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
        message = f"{call} = {got:g}, but nn.LSTM({input_size}, {H}, num_layers={L}) has {expected} parameters."
        first = _lstm_layer_count(input_size, H)
        if math.isclose(got * 4, expected):
            hint = "Off by a factor of 4? An LSTM has four blocks, one per gate (i, f, g, o), each with its weights."
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


@exercise("11.seed_model_params", "Parameters of the tutorial's SimpleLSTM")
def _grade_seed_model_params(answer):
    lstm_only, readout = _lstm_layer_count(1, 50), 50 + 1
    mistakes = {
        lstm_only: f"{lstm_only} is the LSTM alone; add the Linear(50, 1) read-out: 50 weights and 1 bias.",
        lstm_only - 4 * 50 + readout: "That misses one bias vector: PyTorch's LSTM has bias_ih and bias_hh.",
        lstm_only // 4 + readout: "That is what an RNN would have: an LSTM has four blocks (i, f, g, o), not one.",
    }
    hint = "Per gate: 50 × 1 input weights, 50 × 50 recurrent weights, two biases of 50; four gates; then the read-out."
    return _grade_count(answer, lstm_only + readout, mistakes, hint, "the parameter count")


@exercise("11.peephole_params", "Parameters added by peephole connections")
def _grade_peephole_params(answer):
    full = "That counts full hidden_size × hidden_size matrices; peephole weights are element-wise (p ⊙ c), diagonal."
    mistakes = {
        4 * 50: "That gives the candidate g a peephole too; only f, i and o look at the cell state.",
        50 * 50: full,
        3 * 50 * 50: full,
        4 * 50 * 50: full,
        50: "That is one gate's peephole vector; each of f, i and o has its own.",
    }
    hint = "One weight per unit for each gate that looks at the cell."
    return _grade_count(answer, 3 * 50, mistakes, hint, "the number of peephole parameters")

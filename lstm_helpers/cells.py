"""From-scratch RNN and LSTM cells written in plain tensor operations.

The RNN cell is taught in notebook 01 (``01_rnn_recap``) and the LSTM cell in notebook 03
(``03_lstm_cell_from_scratch``). Both follow the course's notation: the previous hidden state and the
current input are concatenated, ``[h_{t-1}, x_t]``, and multiplied by one weight matrix per gate.

Shapes follow PyTorch's ``batch_first=True`` convention: a batched input is ``(batch, seq_len, input_size)``,
an unbatched one ``(seq_len, input_size)``.
"""

from dataclasses import dataclass, fields
from typing import NamedTuple

import torch

from ._validate import as_float_tensor, check_positive_int, check_rank

__all__ = [
    "RNNWeights",
    "LSTMWeights",
    "RNNTrace",
    "LSTMStep",
    "LSTMTrace",
    "init_rnn_weights",
    "init_lstm_weights",
    "rnn_step",
    "lstm_step",
    "run_rnn",
    "run_lstm",
]


def _check_matrix_and_bias(W, b, W_name, b_name, hidden_size=None, width=None):
    """Check that W is (hidden_size, width) and b is (hidden_size,), both finite floating tensors."""
    for value, name in ((W, W_name), (b, b_name)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, but got {type(value).__name__}. Use torch.tensor(...).")
        if not value.is_floating_point():
            raise TypeError(f"{name} must be floating point, but has dtype {value.dtype}. Use {name}.float().")
    if W.dim() != 2:
        raise ValueError(
            f"{W_name} must be 2-D (hidden_size, hidden_size + input_size), but has shape {tuple(W.shape)}."
        )
    rows, cols = W.shape
    if hidden_size is not None and (rows, cols) != (hidden_size, width):
        raise ValueError(
            f"{W_name} has shape {tuple(W.shape)}, but expected ({hidden_size}, {width}) "
            f"= (hidden_size, hidden_size + input_size) like the other gates."
        )
    if cols <= rows:
        raise ValueError(
            f"{W_name} has shape {tuple(W.shape)}: it needs more columns than rows, because it multiplies "
            f"[h_prev, x_t] of length hidden_size + input_size (hidden_size = {rows} rows)."
        )
    if b.shape != (rows,):
        raise ValueError(f"{b_name} has shape {tuple(b.shape)}, but expected ({rows},): one bias per hidden unit.")
    if b.dtype != W.dtype:
        raise TypeError(f"{b_name} is {b.dtype} but {W_name} is {W.dtype}; give both the same dtype.")


@dataclass
class RNNWeights:
    """Weights of a vanilla RNN cell, ``h_t = tanh(W [h_{t-1}, x_t] + b)``. Introduced in notebook 01."""

    W: torch.Tensor  # (hidden_size, hidden_size + input_size)
    b: torch.Tensor  # (hidden_size,)

    def __post_init__(self):
        _check_matrix_and_bias(self.W, self.b, "W", "b")

    @property
    def hidden_size(self):
        return self.W.shape[0]

    @property
    def input_size(self):
        return self.W.shape[1] - self.W.shape[0]

    @property
    def dtype(self):
        return self.W.dtype

    @property
    def W_hh(self):
        """The recurrent part of ``W``: the columns that multiply ``h_{t-1}``."""
        return self.W[:, : self.hidden_size]

    @property
    def W_xh(self):
        """The input part of ``W``: the columns that multiply ``x_t``."""
        return self.W[:, self.hidden_size :]


@dataclass
class LSTMWeights:
    """Weights of an LSTM cell, one matrix and bias per gate, each acting on ``[h_{t-1}, x_t]``.

    ``W_f, b_f``: forget gate; ``W_i, b_i``: input gate; ``W_C, b_C``: candidate cell state C̃
    (PyTorch calls it ``g``); ``W_o, b_o``: output gate. Introduced in notebook 03.
    """

    W_f: torch.Tensor  # (hidden_size, hidden_size + input_size)
    b_f: torch.Tensor  # (hidden_size,)
    W_i: torch.Tensor
    b_i: torch.Tensor
    W_C: torch.Tensor
    b_C: torch.Tensor
    W_o: torch.Tensor
    b_o: torch.Tensor

    def __post_init__(self):
        _check_matrix_and_bias(self.W_f, self.b_f, "W_f", "b_f")
        hidden_size, width = self.W_f.shape
        for gate in "iCo":
            _check_matrix_and_bias(
                getattr(self, f"W_{gate}"), getattr(self, f"b_{gate}"), f"W_{gate}", f"b_{gate}", hidden_size, width
            )
        dtypes = {getattr(self, f.name).dtype for f in fields(self)}
        if len(dtypes) > 1:
            raise TypeError(f"All LSTM weights must share one dtype, but got {sorted(map(str, dtypes))}.")

    @property
    def hidden_size(self):
        return self.W_f.shape[0]

    @property
    def input_size(self):
        return self.W_f.shape[1] - self.W_f.shape[0]

    @property
    def dtype(self):
        return self.W_f.dtype


class RNNTrace(NamedTuple):
    """Every hidden state of an RNN run: ``h`` is ``(batch, seq_len, hidden_size)`` or ``(seq_len, hidden_size)``."""

    h: torch.Tensor

    @property
    def h_n(self):
        """The final hidden state."""
        return self.h[..., -1, :]


class LSTMStep(NamedTuple):
    """Everything one LSTM step computes: the gates f, i, o, the candidate g (= C̃), and the new c and h."""

    f: torch.Tensor
    i: torch.Tensor
    g: torch.Tensor
    o: torch.Tensor
    c: torch.Tensor
    h: torch.Tensor


class LSTMTrace(NamedTuple):
    """Every intermediate of an LSTM run, each ``(batch, seq_len, hidden_size)`` or ``(seq_len, hidden_size)``."""

    f: torch.Tensor
    i: torch.Tensor
    g: torch.Tensor
    o: torch.Tensor
    c: torch.Tensor
    h: torch.Tensor

    @property
    def h_n(self):
        """The final hidden state."""
        return self.h[..., -1, :]

    @property
    def c_n(self):
        """The final cell state."""
        return self.c[..., -1, :]


def _uniform(shape, bound, generator, dtype):
    return (torch.rand(shape, generator=generator, dtype=dtype) * 2 - 1) * bound


def init_rnn_weights(input_size, hidden_size, generator=None, dtype=torch.float32):
    """Random RNN weights, uniform in ±1/sqrt(hidden_size) like ``torch.nn.RNN``. Introduced in notebook 01."""
    input_size = check_positive_int(input_size, "input_size")
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    bound = hidden_size**-0.5
    width = hidden_size + input_size
    return RNNWeights(
        W=_uniform((hidden_size, width), bound, generator, dtype), b=_uniform((hidden_size,), bound, generator, dtype)
    )


def init_lstm_weights(input_size, hidden_size, generator=None, dtype=torch.float32):
    """Random LSTM weights, uniform in ±1/sqrt(hidden_size) like ``torch.nn.LSTM``. Introduced in notebook 03."""
    input_size = check_positive_int(input_size, "input_size")
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    bound = hidden_size**-0.5
    width = hidden_size + input_size
    parts = {}
    for gate in "fiCo":
        parts[f"W_{gate}"] = _uniform((hidden_size, width), bound, generator, dtype)
        parts[f"b_{gate}"] = _uniform((hidden_size,), bound, generator, dtype)
    return LSTMWeights(**parts)


def _check_weights(weights, cls):
    if not isinstance(weights, cls):
        raise TypeError(f"weights must be {cls.__name__} (see lstm_helpers.cells), but got {type(weights).__name__}.")


def _check_state(state, name, batch_shape, hidden_size, dtype):
    """Check an initial/previous state; ``None`` means zeros."""
    expected = (*batch_shape, hidden_size)
    if state is None:
        return torch.zeros(expected, dtype=dtype)
    state = as_float_tensor(state, name, dtype=dtype)
    if tuple(state.shape) != expected:
        raise ValueError(
            f"{name} has shape {tuple(state.shape)}, but expected {expected} "
            "(batch, hidden_size) for a batch or (hidden_size,) for one sequence."
        )
    return state


def _check_step_input(x_t, weights):
    x_t = as_float_tensor(x_t, "x_t", dtype=weights.dtype)
    check_rank(x_t, "x_t", (1, 2), "(input_size,) for one sequence or (batch, input_size) for a batch")
    if x_t.shape[-1] != weights.input_size:
        raise ValueError(
            f"x_t has {x_t.shape[-1]} features in its last dimension, but the weights expect "
            f"input_size = {weights.input_size}."
        )
    return x_t


def _check_sequence_input(x, weights, dtype):
    x = as_float_tensor(x, "x", dtype=dtype)
    check_rank(x, "x", (2, 3), "(seq_len, input_size) for one sequence or (batch, seq_len, input_size) for a batch")
    if x.shape[-1] != weights.input_size:
        raise ValueError(
            f"x has {x.shape[-1]} features in its last dimension, but the weights expect input_size = "
            f"{weights.input_size}. A sequence of plain numbers needs a feature axis: x.unsqueeze(-1)."
        )
    return x


def _rnn_step(x_t, h_prev, weights):
    z = torch.cat([h_prev, x_t], dim=-1)  # (batch, hidden_size + input_size)
    return torch.tanh(z @ weights.W.T + weights.b)  # (batch, hidden_size)


def _lstm_step(x_t, h_prev, c_prev, w):
    z = torch.cat([h_prev, x_t], dim=-1)  # (batch, hidden_size + input_size)
    f = torch.sigmoid(z @ w.W_f.T + w.b_f)  # forget gate: how much of c_{t-1} to keep
    i = torch.sigmoid(z @ w.W_i.T + w.b_i)  # input gate: how much of the candidate to write
    g = torch.tanh(z @ w.W_C.T + w.b_C)  # candidate values C̃_t
    o = torch.sigmoid(z @ w.W_o.T + w.b_o)  # output gate: how much of the cell to show
    c = f * c_prev + i * g  # new cell state (the conveyor belt)
    h = o * torch.tanh(c)  # new hidden state
    return LSTMStep(f, i, g, o, c, h)


def rnn_step(x_t, h_prev, weights):
    """One RNN step, ``h_t = tanh(W [h_{t-1}, x_t] + b)``. Introduced in notebook 01."""
    _check_weights(weights, RNNWeights)
    x_t = _check_step_input(x_t, weights)
    h_prev = _check_state(h_prev, "h_prev", x_t.shape[:-1], weights.hidden_size, weights.dtype)
    return _rnn_step(x_t, h_prev, weights)


def lstm_step(x_t, h_prev, c_prev, weights):
    """One LSTM step; returns an ``LSTMStep`` with f, i, g, o, c, h. Introduced in notebook 03."""
    _check_weights(weights, LSTMWeights)
    x_t = _check_step_input(x_t, weights)
    h_prev = _check_state(h_prev, "h_prev", x_t.shape[:-1], weights.hidden_size, weights.dtype)
    c_prev = _check_state(c_prev, "c_prev", x_t.shape[:-1], weights.hidden_size, weights.dtype)
    return _lstm_step(x_t, h_prev, c_prev, weights)


def run_rnn(x, weights, h0=None):
    """Run the scratch RNN over a whole sequence; returns an ``RNNTrace``. Introduced in notebook 01.

    ``x`` is ``(batch, seq_len, input_size)`` or ``(seq_len, input_size)``; ``h0`` defaults to zeros.
    """
    _check_weights(weights, RNNWeights)
    x = _check_sequence_input(x, weights, weights.dtype)
    h = _check_state(h0, "h0", x.shape[:-2], weights.hidden_size, weights.dtype)
    hs = []
    for t in range(x.shape[-2]):
        h = _rnn_step(x[..., t, :], h, weights)
        hs.append(h)
    return RNNTrace(torch.stack(hs, dim=-2))  # (batch, seq_len, hidden_size)


def run_lstm(x, weights, h0=None, c0=None):
    """Run the scratch LSTM over a whole sequence; returns an ``LSTMTrace``. Introduced in notebook 03.

    ``x`` is ``(batch, seq_len, input_size)`` or ``(seq_len, input_size)``; ``h0`` and ``c0`` default to zeros.
    """
    _check_weights(weights, LSTMWeights)
    x = _check_sequence_input(x, weights, weights.dtype)
    h = _check_state(h0, "h0", x.shape[:-2], weights.hidden_size, weights.dtype)
    c = _check_state(c0, "c0", x.shape[:-2], weights.hidden_size, weights.dtype)
    steps = []
    for t in range(x.shape[-2]):
        step = _lstm_step(x[..., t, :], h, c, weights)
        h, c = step.h, step.c
        steps.append(step)
    # stack each intermediate over time: every field becomes (batch, seq_len, hidden_size)
    return LSTMTrace(*(torch.stack(values, dim=-2) for values in zip(*steps, strict=True)))

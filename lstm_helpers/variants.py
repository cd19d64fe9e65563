"""Recurrent variants from scratch: the GRU, and stacked and bidirectional LSTMs, checked against ``torch.nn``.

Introduced in notebook 12 (``12_costs_and_variants``). The GRU follows PyTorch's convention (gates r, z, n;
packed in that order in ``weight_ih_l0`` and ``weight_hh_l0``): the reset gate multiplies the hidden projection
*including its bias*, ``n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))``, unlike Cho et al. (2014), and
``h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}``. The stacked/bidirectional LSTM runs the scratch cell of notebook 03
(``lstm_helpers.cells.run_lstm``) once per layer and direction.

Shapes follow the course's ``batch_first=True`` convention: a batched input is ``(batch, seq_len, input_size)``, an
unbatched one ``(seq_len, input_size)``.
"""

from dataclasses import dataclass, fields
from typing import NamedTuple

import torch
from torch import nn

from ._validate import check_positive_int
from .cells import (
    LSTMWeights,
    _check_sequence_input,
    _check_state,
    _check_step_input,
    _check_weights,
    _uniform,
    run_lstm,
)
from .torch_bridge import _check_module, _check_scratch, copy_lstm_weights_to_torch, lstm_weights_from_torch

__all__ = [
    "GRU_GATE_ORDER",
    "GRUWeights",
    "GRUStep",
    "GRUTrace",
    "StackOutput",
    "init_gru_weights",
    "gru_step",
    "run_gru",
    "gru_weights_from_torch",
    "copy_gru_weights_to_torch",
    "lstm_stack_from_torch",
    "copy_lstm_stack_to_torch",
    "run_lstm_stack",
]

GRU_GATE_ORDER = ("r", "z", "n")  # PyTorch's packing order: rows 0:H, H:2H, 2H:3H


@dataclass
class GRUWeights:
    """Weights of a GRU cell in PyTorch's layout: per gate, an input matrix, a hidden matrix and two biases.

    ``W_ir, W_iz, W_in`` are ``(hidden_size, input_size)`` and multiply ``x_t``; ``W_hr, W_hz, W_hn`` are
    ``(hidden_size, hidden_size)`` and multiply ``h_{t-1}``; each bias is ``(hidden_size,)``. The hidden biases
    stay separate from the input biases because ``b_hn`` sits inside the reset gate's product.
    Introduced in notebook 12.
    """

    W_ir: torch.Tensor
    W_iz: torch.Tensor
    W_in: torch.Tensor
    W_hr: torch.Tensor
    W_hz: torch.Tensor
    W_hn: torch.Tensor
    b_ir: torch.Tensor
    b_iz: torch.Tensor
    b_in: torch.Tensor
    b_hr: torch.Tensor
    b_hz: torch.Tensor
    b_hn: torch.Tensor

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, torch.Tensor) or not value.is_floating_point():
                raise TypeError(f"{f.name} must be a floating-point torch.Tensor, but got {type(value).__name__}.")
        if self.W_hr.dim() != 2 or self.W_hr.shape[0] != self.W_hr.shape[1]:
            raise ValueError(f"W_hr must be square (hidden_size, hidden_size), but has shape {tuple(self.W_hr.shape)}.")
        if self.W_ir.dim() != 2:
            raise ValueError(f"W_ir must be 2-D (hidden_size, input_size), but has shape {tuple(self.W_ir.shape)}.")
        H, I = self.W_hr.shape[0], self.W_ir.shape[1]
        for f in fields(self):
            expected = {"W_i": (H, I), "W_h": (H, H), "b_i": (H,), "b_h": (H,)}[f.name[:3]]
            if tuple(getattr(self, f.name).shape) != expected:
                raise ValueError(
                    f"{f.name} has shape {tuple(getattr(self, f.name).shape)}, but expected {expected} "
                    f"(hidden_size = {H}, input_size = {I})."
                )
        dtypes = {getattr(self, f.name).dtype for f in fields(self)}
        if len(dtypes) > 1:
            raise TypeError(f"All GRU weights must share one dtype, but got {sorted(map(str, dtypes))}.")

    @property
    def hidden_size(self):
        return self.W_hr.shape[0]

    @property
    def input_size(self):
        return self.W_ir.shape[1]

    @property
    def dtype(self):
        return self.W_hr.dtype


class GRUStep(NamedTuple):
    """Everything one GRU step computes: reset gate r, update gate z, candidate n and the new h."""

    r: torch.Tensor
    z: torch.Tensor
    n: torch.Tensor
    h: torch.Tensor


class GRUTrace(NamedTuple):
    """Every intermediate of a GRU run, each ``(batch, seq_len, hidden_size)`` or ``(seq_len, hidden_size)``."""

    r: torch.Tensor
    z: torch.Tensor
    n: torch.Tensor
    h: torch.Tensor

    @property
    def h_n(self):
        """The final hidden state."""
        return self.h[..., -1, :]


class StackOutput(NamedTuple):
    """What ``run_lstm_stack`` returns, shaped like ``nn.LSTM(batch_first=True)``'s ``output, (h_n, c_n)``.

    ``output`` is ``(batch, seq_len, num_directions * hidden_size)`` (the last layer's h at every step, forward
    half first); ``h_n`` and ``c_n`` are ``(num_layers * num_directions, batch, hidden_size)``, ordered layer 1
    forward, layer 1 reverse, layer 2 forward, ... (the batch axis is absent for an unbatched input).
    """

    output: torch.Tensor
    h_n: torch.Tensor
    c_n: torch.Tensor


def init_gru_weights(input_size, hidden_size, generator=None, dtype=torch.float32):
    """Random GRU weights, uniform in ±1/sqrt(hidden_size) like ``torch.nn.GRU``. Introduced in notebook 12."""
    input_size = check_positive_int(input_size, "input_size")
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    bound = hidden_size**-0.5
    shapes = {"W_i": (hidden_size, input_size), "W_h": (hidden_size, hidden_size), "b_i": (hidden_size,)}
    shapes["b_h"] = (hidden_size,)
    return GRUWeights(**{f.name: _uniform(shapes[f.name[:3]], bound, generator, dtype) for f in fields(GRUWeights)})


def _gru_step(x_t, h_prev, w):
    r = torch.sigmoid(x_t @ w.W_ir.T + w.b_ir + h_prev @ w.W_hr.T + w.b_hr)  # reset gate
    z = torch.sigmoid(x_t @ w.W_iz.T + w.b_iz + h_prev @ w.W_hz.T + w.b_hz)  # update gate: 1 keeps the old h
    n = torch.tanh(x_t @ w.W_in.T + w.b_in + r * (h_prev @ w.W_hn.T + w.b_hn))  # candidate; r scales b_hn too
    h = (1 - z) * n + z * h_prev  # new hidden state
    return GRUStep(r, z, n, h)


def gru_step(x_t, h_prev, weights):
    """One GRU step; returns a ``GRUStep`` with r, z, n, h. ``h_prev=None`` means zeros. Introduced in notebook 12."""
    _check_weights(weights, GRUWeights)
    x_t = _check_step_input(x_t, weights)
    h_prev = _check_state(h_prev, "h_prev", x_t.shape[:-1], weights.hidden_size, weights.dtype)
    return _gru_step(x_t, h_prev, weights)


def run_gru(x, weights, h0=None):
    """Run the scratch GRU over a whole sequence; returns a ``GRUTrace``. Introduced in notebook 12.

    ``x`` is ``(batch, seq_len, input_size)`` or ``(seq_len, input_size)``; ``h0`` defaults to zeros.
    """
    _check_weights(weights, GRUWeights)
    x = _check_sequence_input(x, weights, weights.dtype)
    h = _check_state(h0, "h0", x.shape[:-2], weights.hidden_size, weights.dtype)
    steps = []
    for t in range(x.shape[-2]):
        step = _gru_step(x[..., t, :], h, weights)
        h = step.h
        steps.append(step)
    return GRUTrace(*(torch.stack(values, dim=-2) for values in zip(*steps, strict=True)))


def gru_weights_from_torch(gru, track_grad=False):
    """Read a single-layer ``nn.GRU``'s packed weights (rows r, z, n) into ``GRUWeights``. Introduced in notebook 12.

    With ``track_grad=True`` the result stays connected to the module's parameters (gradients reach
    ``gru.weight_ih_l0`` and friends); otherwise it is a detached copy.
    """
    _check_module(gru, nn.GRU, "GRU")
    H = gru.hidden_size
    parts = {}
    for k, gate in enumerate(GRU_GATE_ORDER):
        rows = slice(k * H, (k + 1) * H)
        parts[f"W_i{gate}"] = gru.weight_ih_l0[rows]  # (H, input_size)
        parts[f"W_h{gate}"] = gru.weight_hh_l0[rows]  # (H, H)
        parts[f"b_i{gate}"] = gru.bias_ih_l0[rows]
        parts[f"b_h{gate}"] = gru.bias_hh_l0[rows]
    if not track_grad:
        parts = {key: value.detach().clone() for key, value in parts.items()}
    return GRUWeights(**parts)


def copy_gru_weights_to_torch(weights, gru):
    """Write ``GRUWeights`` into a single-layer ``nn.GRU`` (rows r, z, n). Introduced in notebook 12."""
    _check_module(gru, nn.GRU, "GRU")
    _check_scratch(weights, GRUWeights, gru)
    H = weights.hidden_size
    with torch.no_grad():
        for k, gate in enumerate(GRU_GATE_ORDER):
            rows = slice(k * H, (k + 1) * H)
            gru.weight_ih_l0[rows] = getattr(weights, f"W_i{gate}")
            gru.weight_hh_l0[rows] = getattr(weights, f"W_h{gate}")
            gru.bias_ih_l0[rows] = getattr(weights, f"b_i{gate}")
            gru.bias_hh_l0[rows] = getattr(weights, f"b_h{gate}")


_PARAM_KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _check_stack_module(lstm):
    if not isinstance(lstm, nn.LSTM):
        raise TypeError(f"Expected a torch.nn.LSTM, but got {type(lstm).__name__}.")
    if lstm.proj_size:
        raise ValueError(f"The scratch stack has no projection; this LSTM has proj_size={lstm.proj_size} (use 0).")
    if not lstm.bias:
        raise ValueError("The scratch stack needs biases; this LSTM has bias=False (use True).")


def _layer_view(lstm, layer, suffix):
    """A one-layer ``nn.LSTM`` (on the meta device) whose parameters ARE layer ``layer`` of ``lstm``.

    Lets ``torch_bridge``'s one-layer readers and writers serve every layer and direction: ``weight_ih_l1_reverse``
    of the stack becomes ``weight_ih_l0`` of the view (the same Parameter object, not a copy).
    """
    directions = 2 if lstm.bidirectional else 1
    input_size = lstm.input_size if layer == 0 else directions * lstm.hidden_size
    view = nn.LSTM(input_size, lstm.hidden_size, batch_first=True, device="meta")
    for kind in _PARAM_KINDS:
        setattr(view, f"{kind}_l0", getattr(lstm, f"{kind}_l{layer}{suffix}"))
    return view


def _suffixes(lstm):
    return ("", "_reverse") if lstm.bidirectional else ("",)


def lstm_stack_from_torch(lstm, track_grad=False):
    """Read every layer and direction of an ``nn.LSTM`` into a list of tuples of ``LSTMWeights``.

    ``stack[k]`` is ``(forward,)`` or, for ``bidirectional=True``, ``(forward, reverse)``: layer ``k + 1``'s weights
    from ``weight_ih_l{k}`` ... and ``weight_ih_l{k}_reverse`` .... Layers above the first read
    ``num_directions * hidden_size`` features. Introduced in notebook 12.
    """
    _check_stack_module(lstm)
    return [
        tuple(lstm_weights_from_torch(_layer_view(lstm, k, suffix), track_grad) for suffix in _suffixes(lstm))
        for k in range(lstm.num_layers)
    ]


def copy_lstm_stack_to_torch(stack, lstm):
    """Write a list of tuples of ``LSTMWeights`` (as from ``lstm_stack_from_torch``) into an ``nn.LSTM``.

    Each layer's bias goes to ``bias_ih``; ``bias_hh`` becomes 0. Introduced in notebook 12.
    """
    _check_stack_module(lstm)
    directions = _suffixes(lstm)
    shape_ok = isinstance(stack, (list, tuple)) and len(stack) == lstm.num_layers
    if not shape_ok or any(not isinstance(layer, tuple) or len(layer) != len(directions) for layer in stack):
        raise ValueError(
            f"stack must be a list of {lstm.num_layers} tuples of {len(directions)} LSTMWeights "
            "(forward, reverse), one tuple per layer: what lstm_stack_from_torch returns."
        )
    for k, layer in enumerate(stack):
        for weights, suffix in zip(layer, directions, strict=True):
            copy_lstm_weights_to_torch(weights, _layer_view(lstm, k, suffix))


def run_lstm_stack(x, stack, h0=None, c0=None):
    """Run a stacked (optionally bidirectional) scratch LSTM like ``nn.LSTM(batch_first=True)``.

    ``stack`` is a list with one tuple per layer: ``(forward,)`` or ``(forward, reverse)`` ``LSTMWeights``. Each
    layer reads the sequence the layer below produced; a reverse direction reads it back to front, and its outputs
    are flipped back so that ``output[..., t, H:]`` belongs to step ``t``. ``h0`` and ``c0`` are
    ``(num_layers * num_directions, batch, hidden_size)`` (no batch axis for an unbatched ``x``), zeros by default.
    Returns a ``StackOutput``. No dropout between layers: compare with ``dropout=0`` or in ``eval()`` mode.
    Introduced in notebook 12.
    """
    if not isinstance(stack, (list, tuple)) or not stack or not all(isinstance(layer, tuple) for layer in stack):
        raise TypeError("stack must be a non-empty list of tuples of LSTMWeights, one tuple per layer.")
    directions = len(stack[0])
    if directions not in (1, 2) or any(len(layer) != directions for layer in stack):
        raise ValueError("Every layer of stack needs the same number of directions: 1 (forward) or 2 (and reverse).")
    for layer in stack:
        for weights in layer:
            _check_weights(weights, LSTMWeights)
    first = stack[0][0]
    x = _check_sequence_input(x, first, first.dtype)
    batch_shape = x.shape[:-2]
    num_states = len(stack) * directions
    states = []
    for state, name in ((h0, "h0"), (c0, "c0")):
        expected = (num_states, *batch_shape, first.hidden_size)
        if state is not None and (not isinstance(state, torch.Tensor) or tuple(state.shape) != expected):
            shape = tuple(state.shape) if isinstance(state, torch.Tensor) else type(state).__name__
            raise ValueError(
                f"{name} has shape {shape}, but expected {expected}: (num_layers * num_directions, "
                "batch, hidden_size), like nn.LSTM's."
            )
        states.append([None] * num_states if state is None else list(state))
    layer_input, h_n, c_n = x, [], []
    for k, layer in enumerate(stack):
        outputs = []
        for d, weights in enumerate(layer):
            index = k * directions + d
            seq = layer_input if d == 0 else layer_input.flip(-2)  # the reverse direction reads back to front
            trace = run_lstm(seq, weights, states[0][index], states[1][index])
            outputs.append(trace.h if d == 0 else trace.h.flip(-2))  # (batch, seq_len, hidden_size), step order
            h_n.append(trace.h_n)
            c_n.append(trace.c_n)
        layer_input = torch.cat(outputs, dim=-1)  # (batch, seq_len, num_directions * hidden_size)
    return StackOutput(layer_input, torch.stack(h_n), torch.stack(c_n))

"""Copy weights between the scratch cells and ``torch.nn.LSTM`` / ``torch.nn.RNN``.

Taught in notebook 03 (``03_lstm_cell_from_scratch``) for the LSTM and notebook 01 (``01_rnn_recap``) for the RNN.
PyTorch packs the four LSTM gates into one matrix per source, in the order i, f, g, o:
``weight_ih_l0`` is ``(4 * hidden_size, input_size)`` and multiplies ``x_t``; ``weight_hh_l0`` is
``(4 * hidden_size, hidden_size)`` and multiplies ``h_{t-1}``; the two biases ``bias_ih_l0`` and ``bias_hh_l0``
are simply added. The scratch cell keeps one matrix per gate over ``[h_{t-1}, x_t]`` and one bias.
"""

import torch
from torch import nn

from .cells import LSTMWeights, RNNWeights

__all__ = [
    "TORCH_GATE_ORDER",
    "lstm_weights_from_torch",
    "copy_lstm_weights_to_torch",
    "rnn_weights_from_torch",
    "copy_rnn_weights_to_torch",
]

TORCH_GATE_ORDER = ("i", "f", "g", "o")
_SCRATCH_NAME = {"i": "i", "f": "f", "g": "C", "o": "o"}  # PyTorch's g is the course's candidate C̃


def _check_module(module, cls, what):
    if not isinstance(module, cls):
        raise TypeError(f"Expected a torch.nn.{cls.__name__}, but got {type(module).__name__}.")
    problems = []
    if module.num_layers != 1:
        problems.append(f"num_layers={module.num_layers} (use 1)")
    if module.bidirectional:
        problems.append("bidirectional=True (use False)")
    if not module.bias:
        problems.append("bias=False (use True)")
    if getattr(module, "proj_size", 0):
        problems.append(f"proj_size={module.proj_size} (use 0)")
    if getattr(module, "nonlinearity", "tanh") != "tanh":
        problems.append(f"nonlinearity={module.nonlinearity!r} (use 'tanh')")
    if problems:
        raise ValueError(
            f"The scratch {what} matches a single-layer {cls.__name__} only; this one has " + ", ".join(problems) + "."
        )


def _check_scratch(weights, cls, module):
    if not isinstance(weights, cls):
        raise TypeError(f"weights must be {cls.__name__}, but got {type(weights).__name__}.")
    if (weights.input_size, weights.hidden_size) != (module.input_size, module.hidden_size):
        raise ValueError(
            f"The scratch weights have input_size={weights.input_size}, hidden_size={weights.hidden_size}, but the "
            f"{type(module).__name__} has input_size={module.input_size}, hidden_size={module.hidden_size}."
        )


def lstm_weights_from_torch(lstm, track_grad=False):
    """Read a single-layer ``nn.LSTM``'s packed weights into ``LSTMWeights``. Introduced in notebook 03.

    With ``track_grad=True`` the result stays connected to the module's parameters, so gradients computed through
    the scratch cell land in ``lstm.weight_ih_l0`` and friends; otherwise it is a detached copy.
    """
    _check_module(lstm, nn.LSTM, "LSTM")
    H = lstm.hidden_size
    W_ih, W_hh = lstm.weight_ih_l0, lstm.weight_hh_l0  # (4H, input_size), (4H, H)
    bias = lstm.bias_ih_l0 + lstm.bias_hh_l0  # (4H,): the two biases always appear as a sum
    parts = {}
    for k, gate in enumerate(TORCH_GATE_ORDER):
        rows = slice(k * H, (k + 1) * H)
        name = _SCRATCH_NAME[gate]
        parts[f"W_{name}"] = torch.cat([W_hh[rows], W_ih[rows]], dim=1)  # (H, H + input_size): [h_{t-1}, x_t]
        parts[f"b_{name}"] = bias[rows]
    if not track_grad:
        parts = {key: value.detach().clone() for key, value in parts.items()}
    return LSTMWeights(**parts)


def copy_lstm_weights_to_torch(weights, lstm):
    """Write ``LSTMWeights`` into a single-layer ``nn.LSTM`` (the bias goes to ``bias_ih_l0``; ``bias_hh_l0`` = 0).

    Introduced in notebook 03.
    """
    _check_module(lstm, nn.LSTM, "LSTM")
    _check_scratch(weights, LSTMWeights, lstm)
    H = weights.hidden_size
    with torch.no_grad():
        for k, gate in enumerate(TORCH_GATE_ORDER):
            rows = slice(k * H, (k + 1) * H)
            name = _SCRATCH_NAME[gate]
            W = getattr(weights, f"W_{name}")
            lstm.weight_hh_l0[rows] = W[:, :H]
            lstm.weight_ih_l0[rows] = W[:, H:]
            lstm.bias_ih_l0[rows] = getattr(weights, f"b_{name}")
        lstm.bias_hh_l0.zero_()


def rnn_weights_from_torch(rnn, track_grad=False):
    """Read a single-layer tanh ``nn.RNN`` into ``RNNWeights``. Introduced in notebook 01."""
    _check_module(rnn, nn.RNN, "RNN")
    W = torch.cat([rnn.weight_hh_l0, rnn.weight_ih_l0], dim=1)  # (H, H + input_size): [h_{t-1}, x_t]
    b = rnn.bias_ih_l0 + rnn.bias_hh_l0  # (H,)
    if not track_grad:
        W, b = W.detach().clone(), b.detach().clone()
    return RNNWeights(W=W, b=b)


def copy_rnn_weights_to_torch(weights, rnn):
    """Write ``RNNWeights`` into a single-layer tanh ``nn.RNN``. Introduced in notebook 01."""
    _check_module(rnn, nn.RNN, "RNN")
    _check_scratch(weights, RNNWeights, rnn)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(weights.W_hh)
        rnn.weight_ih_l0.copy_(weights.W_xh)
        rnn.bias_ih_l0.copy_(weights.b)
        rnn.bias_hh_l0.zero_()

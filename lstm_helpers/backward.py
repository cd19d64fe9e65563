"""The LSTM backward pass written by hand: one step, then backpropagation through time (BPTT) over a sequence.

Introduced in notebook 06 (``06_lstm_backward_by_hand``). Plain tensor operations, no autograd: every gradient
comes from the local derivatives of one step, σ'(a) = σ(a)(1 − σ(a)) and tanh'(a) = 1 − tanh²(a), chained
backwards in time. The forward pass is ``lstm_helpers.cells`` (notebook 03): the gates read ``z = [h_{t-1}, x_t]``,
``c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t`` and ``h_t = o_t ⊙ tanh(c_t)``, with ``g`` the candidate C̃_t.

In names, ``dh`` means ∂L/∂h and so on; the weight gradients travel in an ``LSTMWeights`` whose ``W_f`` holds
∂L/∂W_f. ``packed_lstm_gradients`` lays them out like ``nn.LSTM``'s parameters (gate order i, f, g, o).
"""

from typing import NamedTuple

import torch

from .cells import LSTMStep, LSTMTrace, LSTMWeights, _check_sequence_input, _check_state, _check_weights, run_lstm
from .torch_bridge import _SCRATCH_NAME, TORCH_GATE_ORDER

__all__ = [
    "StepGradients",
    "LSTMGradients",
    "lstm_step_backward",
    "lstm_backward",
    "packed_lstm_gradients",
    "cell_state_jacobians",
]

_NAMES = ("W_f", "b_f", "W_i", "b_i", "W_C", "b_C", "W_o", "b_o")


class StepGradients(NamedTuple):
    """What ``lstm_step_backward`` returns: ∂L/∂x_t, ∂L/∂h_{t-1}, ∂L/∂c_{t-1} and the weight gradients."""

    dx: torch.Tensor  # (batch, input_size) or (input_size,)
    dh_prev: torch.Tensor  # (batch, hidden_size) or (hidden_size,)
    dc_prev: torch.Tensor  # (batch, hidden_size) or (hidden_size,)
    dweights: LSTMWeights  # ∂L/∂W_f, ∂L/∂b_f, ... summed over the batch


class LSTMGradients(NamedTuple):
    """What ``lstm_backward`` returns: gradients of the inputs, the initial states and the weights.

    ``dh`` and ``dc`` are the total ∂L/∂h_t and ∂L/∂c_t at every step (what autograd's ``retain_grad`` shows),
    each ``(batch, seq_len, hidden_size)`` or ``(seq_len, hidden_size)``.
    """

    dx: torch.Tensor  # (batch, seq_len, input_size)
    dh0: torch.Tensor  # (batch, hidden_size)
    dc0: torch.Tensor  # (batch, hidden_size)
    dweights: LSTMWeights
    dh: torch.Tensor  # (batch, seq_len, hidden_size)
    dc: torch.Tensor  # (batch, seq_len, hidden_size)


def _outer_sum(da, z):
    """Σ over the batch of the outer product da zᵀ: ``(hidden_size, hidden_size + input_size)``."""
    return da.reshape(-1, da.shape[-1]).T @ z.reshape(-1, z.shape[-1])


def _batch_sum(da):
    """``da`` summed over the batch (if any): ``(hidden_size,)``."""
    return da.reshape(-1, da.shape[-1]).sum(0)


def _through_h(dh, step):
    """The part of ∂L/∂c_t that arrives through h_t = o_t ⊙ tanh(c_t)."""
    return dh * step.o * (1 - torch.tanh(step.c) ** 2)


def lstm_step_backward(dh, dc, x_t, h_prev, c_prev, step, weights):
    """Backward through one LSTM step, by hand. Introduced in notebook 06.

    ``dh`` is all of ∂L/∂h_t; ``dc`` is the part of ∂L/∂c_t that comes from later steps (through c_{t+1});
    ``x_t``, ``h_prev``, ``c_prev`` are the step's inputs and ``step`` the ``LSTMStep`` (f, i, g, o, c, h) the
    forward pass computed. Returns ``StepGradients(dx, dh_prev, dc_prev, dweights)``.
    """
    f, i, g, o = step.f, step.i, step.g, step.o
    z = torch.cat([h_prev, x_t], dim=-1)  # (batch, hidden_size + input_size) = [h_{t-1}, x_t]
    do = dh * torch.tanh(step.c)  # h_t = o_t ⊙ tanh(c_t)
    dc = dc + _through_h(dh, step)  # all of ∂L/∂c_t: from c_{t+1} and through h_t
    df, di, dg = dc * c_prev, dc * g, dc * i  # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    dc_prev = dc * f
    da_f = df * f * (1 - f)  # through the sigmoids: σ' = σ(1 − σ)
    da_i = di * i * (1 - i)
    da_g = dg * (1 - g**2)  # through the tanh: tanh' = 1 − tanh²
    da_o = do * o * (1 - o)
    w = weights
    dz = da_f @ w.W_f + da_i @ w.W_i + da_g @ w.W_C + da_o @ w.W_o  # (batch, hidden_size + input_size)
    dweights = LSTMWeights(
        W_f=_outer_sum(da_f, z), b_f=_batch_sum(da_f),
        W_i=_outer_sum(da_i, z), b_i=_batch_sum(da_i),
        W_C=_outer_sum(da_g, z), b_C=_batch_sum(da_g),
        W_o=_outer_sum(da_o, z), b_o=_batch_sum(da_o),
    )  # fmt: skip
    H = w.hidden_size
    return StepGradients(dz[..., H:], dz[..., :H], dc_prev, dweights)


def _add(a, b):
    return LSTMWeights(**{name: getattr(a, name) + getattr(b, name) for name in _NAMES})


def lstm_backward(dh, x, weights, trace, h0=None, c0=None, dc_n=None):
    """Backpropagation through time over a whole sequence, by hand. Introduced in notebook 06.

    ``dh`` is ∂L/∂h_t as the loss sees it at every step, shaped like ``trace.h`` (zeros where the loss does not
    read h_t; add ∂L/∂h_n to its last step); ``x``, ``weights``, ``h0``, ``c0`` are what ``run_lstm`` got and
    ``trace`` what it returned; ``dc_n`` is ∂L/∂c_n (default zeros). Walks from the last step to the first,
    carrying ∂L/∂h and ∂L/∂c back one step at a time. Returns ``LSTMGradients``.
    """
    _check_weights(weights, LSTMWeights)
    if not isinstance(trace, LSTMTrace):
        raise TypeError(f"trace must be the LSTMTrace that run_lstm returned, but got {type(trace).__name__}.")
    x = _check_sequence_input(x, weights, weights.dtype)
    if not isinstance(dh, torch.Tensor) or dh.shape != trace.h.shape:
        shape = tuple(dh.shape) if isinstance(dh, torch.Tensor) else type(dh).__name__
        raise ValueError(
            f"dh must be a tensor shaped like trace.h, {tuple(trace.h.shape)}, but got {shape}. "
            "Use torch.zeros_like(trace.h) for the steps the loss does not read."
        )
    if x.shape[:-1] != trace.h.shape[:-1]:
        raise ValueError(f"x has shape {tuple(x.shape)}, but the trace is {tuple(trace.h.shape)}: use the same x.")
    batch_shape, H = x.shape[:-2], weights.hidden_size
    h0 = _check_state(h0, "h0", batch_shape, H, weights.dtype)
    c0 = _check_state(c0, "c0", batch_shape, H, weights.dtype)
    dc_next = _check_state(dc_n, "dc_n", batch_shape, H, weights.dtype)
    dh_next = torch.zeros_like(dc_next)  # nothing comes back from beyond the last step
    dweights = LSTMWeights(**{name: torch.zeros_like(getattr(weights, name)) for name in _NAMES})
    dxs, dhs, dcs = [], [], []
    for t in reversed(range(x.shape[-2])):
        step = LSTMStep(*(values[..., t, :] for values in trace))
        h_prev = trace.h[..., t - 1, :] if t > 0 else h0
        c_prev = trace.c[..., t - 1, :] if t > 0 else c0
        dh_t = dh[..., t, :] + dh_next  # h_t reaches the loss directly and through step t + 1
        dhs.append(dh_t)
        dcs.append(dc_next + _through_h(dh_t, step))  # the total ∂L/∂c_t, kept for the record
        grads = lstm_step_backward(dh_t, dc_next, x[..., t, :], h_prev, c_prev, step, weights)
        dh_next, dc_next = grads.dh_prev, grads.dc_prev
        dweights = _add(dweights, grads.dweights)  # the same weights act at every step: gradients add up
        dxs.append(grads.dx)

    def stack(values):
        return torch.stack(values[::-1], dim=-2)  # back in time order: (batch, seq_len, size)

    return LSTMGradients(stack(dxs), dh_next, dc_next, dweights, stack(dhs), stack(dcs))


def packed_lstm_gradients(dweights):
    """Lay out weight gradients like ``nn.LSTM``'s parameters (gate order i, f, g, o). Introduced in notebook 06.

    Returns a dict with ``weight_ih_l0`` ``(4H, input_size)``, ``weight_hh_l0`` ``(4H, H)`` and ``bias_ih_l0``,
    ``bias_hh_l0`` ``(4H,)``. The two biases are added in the forward pass, so both get the same gradient.
    """
    _check_weights(dweights, LSTMWeights)
    H = dweights.hidden_size
    W = [getattr(dweights, f"W_{_SCRATCH_NAME[gate]}") for gate in TORCH_GATE_ORDER]  # each (H, H + input_size)
    b = torch.cat([getattr(dweights, f"b_{_SCRATCH_NAME[gate]}") for gate in TORCH_GATE_ORDER])  # (4H,)
    return {
        "weight_ih_l0": torch.cat([Wk[:, H:] for Wk in W]),  # the x_t columns
        "weight_hh_l0": torch.cat([Wk[:, :H] for Wk in W]),  # the h_{t-1} columns
        "bias_ih_l0": b,
        "bias_hh_l0": b.clone(),
    }


def cell_state_jacobians(x, weights):
    """Exact ∂c_T/∂c_{T-k} for every k by BPTT, and the "f_t only" prediction diag(∏ f_s). Introduced in notebook 06.

    ``x`` is ``(batch, seq_len, input_size)``, run from zero states. BPTT seeded with ∂L/∂c_T = e_j (and no loss on
    any h_t) records row j of ∂c_T/∂c_{T-k} as its ∂L/∂c_{T-k}; one batched run with ``hidden_size`` copies of each
    sequence gives every row. Returns ``(exact, f_only)``, each ``(batch, seq_len, hidden_size, hidden_size)``, where
    ``exact[b, k, j, m]`` is ∂c_T[j]/∂c_{T-k}[m] (k = 0 is c_T itself) and ``f_only[b, k]`` is
    diag(f_T ⊙ f_{T-1} ⊙ ... ⊙ f_{T-k+1}), notebook 05's cell-state path alone.
    """
    _check_weights(weights, LSTMWeights)
    x = _check_sequence_input(x, weights, weights.dtype)
    if x.dim() != 3:
        raise ValueError(f"x must be a batch (batch, seq_len, input_size), but has shape {tuple(x.shape)}.")
    batch_size, seq_len, _ = x.shape
    H = weights.hidden_size
    x_rep = x.repeat_interleave(H, dim=0)  # (batch * H, seq_len, input_size): one copy per seed unit j
    trace = run_lstm(x_rep, weights)
    seeds = torch.eye(H, dtype=x.dtype).repeat(batch_size, 1)  # (batch * H, H): ∂L/∂c_T = e_j
    dc = lstm_backward(torch.zeros_like(trace.h), x_rep, weights, trace, dc_n=seeds).dc
    exact = dc.reshape(batch_size, H, seq_len, H).permute(0, 2, 1, 3).flip(1)  # [b, k, j, m]
    f_late_first = trace.f[::H].flip(1)  # (batch, seq_len, H): f_T, f_{T-1}, ...
    ones = torch.ones(batch_size, 1, H, dtype=x.dtype)
    f_products = torch.cat([ones, f_late_first[:, :-1].cumprod(1)], dim=1)  # k = 0, 1, ..., seq_len - 1
    return exact, torch.diag_embed(f_products)

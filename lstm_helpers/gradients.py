"""Measure how the gradient shrinks (or grows) as it travels back in time: ‖∂L/∂h_t‖ against distance from the loss.

Introduced in notebook 02 (``02_vanishing_gradients``) for the vanilla RNN; notebook 05 (``05_lstm_gradient_flow``)
adds the LSTM and its cell state. The loss is read from the last hidden state only (by default ``L = sum(h_T)``),
so a step ``k`` steps before the end is at *distance* ``k`` from the loss.
"""

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from ._render import BlitImage
from ._validate import check_finite_number, check_positive_int
from .cells import LSTMWeights, RNNWeights, init_rnn_weights, lstm_step, rnn_step
from .torch_bridge import lstm_weights_from_torch, rnn_weights_from_torch

__all__ = [
    "GradientProfile",
    "gradient_norms",
    "spectral_radius",
    "largest_singular_value",
    "scale_recurrent_weights",
    "random_rnn",
    "rnn_gradient_profile",
    "per_step_factor",
    "gradient_readout_html",
    "GradientExplorer",
]


@dataclass(frozen=True)
class GradientProfile:
    """Gradient norms ordered by distance from the loss: index 0 is the last step, index k is k steps earlier.

    ``h_norm[k]`` is ‖∂L/∂h_{T-k}‖ (averaged over the batch); for an LSTM ``c_norm[k]`` is ‖∂L/∂c_{T-k}‖, else None.
    Norms are computed in float64, so a gradient of 1e-26 is reported as 1e-26, not as 0 (squaring its float32
    entries would underflow). For an RNN, ``tanh_slope`` is the mean of tanh′ = 1 - h_t² over every step and unit
    (the factor that multiplies ρ(W_hh) in notebook 02's rule of thumb); None for an LSTM.
    """

    distance: np.ndarray  # (seq_len,)
    h_norm: np.ndarray  # (seq_len,)
    c_norm: np.ndarray | None = None
    tanh_slope: float | None = None

    def relative(self, state="h"):
        """Norms divided by the norm at distance 0, so the curve starts at 1."""
        if state not in ("h", "c"):
            raise ValueError(f"state must be 'h' or 'c', but got {state!r}.")
        norms = self.h_norm if state == "h" else self.c_norm
        if norms is None:
            raise ValueError("This profile has no cell-state norms: only an LSTM has a cell state c. Use state='h'.")
        return norms / norms[0]

    def at(self, distance, state="h"):
        """The relative norm (see ``relative``) ``distance`` steps before the loss."""
        distance = int(distance)
        if not 0 <= distance < len(self.distance):
            raise ValueError(f"distance must be between 0 and {len(self.distance) - 1}, but got {distance}.")
        return float(self.relative(state)[distance])


def _as_weights(model):
    """Scratch weights from scratch weights or a single-layer ``nn.RNN``/``nn.LSTM``."""
    if isinstance(model, (RNNWeights, LSTMWeights)):
        return model
    if isinstance(model, nn.LSTM):
        return lstm_weights_from_torch(model)
    if isinstance(model, nn.RNN):
        return rnn_weights_from_torch(model)
    raise TypeError(
        f"Expected RNNWeights, LSTMWeights, nn.RNN or nn.LSTM, but got {type(model).__name__}. "
        "Build weights with lstm_helpers.cells.init_rnn_weights(...) or pass the nn module."
    )


def _default_loss(h_last):
    return h_last.sum()


def gradient_norms(x, model, loss_fn=None):
    """Run ``model`` over ``x``, backpropagate ``loss_fn(h_T)`` and return a ``GradientProfile``.

    ``model`` is ``RNNWeights``/``LSTMWeights`` or a single-layer ``nn.RNN``/``nn.LSTM`` (its weights are copied);
    ``x`` is ``(seq_len, input_size)`` or ``(batch, seq_len, input_size)``; ``loss_fn`` maps the last hidden
    state to a scalar (default: its sum). Introduced in notebook 02 (RNN) and notebook 05 (LSTM).
    """
    weights = _as_weights(model)
    loss_fn = _default_loss if loss_fn is None else loss_fn
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function of the last hidden state, but got {type(loss_fn).__name__}.")
    x = torch.as_tensor(x, dtype=weights.dtype) if not isinstance(x, torch.Tensor) else x.to(weights.dtype)
    if x.dim() not in (2, 3) or x.shape[-1] != weights.input_size:
        raise ValueError(
            f"x has shape {tuple(x.shape)}, but expected (seq_len, {weights.input_size}) or "
            f"(batch, seq_len, {weights.input_size}) for these weights."
        )
    is_lstm = isinstance(weights, LSTMWeights)
    h = torch.zeros(*x.shape[:-2], weights.hidden_size, dtype=weights.dtype, requires_grad=True)  # h_0 = 0, tracked
    c = torch.zeros_like(h) if is_lstm else None  # (batch, hidden_size)
    hs, cs = [], []
    for t in range(x.shape[-2]):
        if is_lstm:
            step = lstm_step(x[..., t, :], h, c, weights)
            h, c = step.h, step.c
            c.retain_grad()  # keep ∂L/∂c_t, which autograd would otherwise free
            cs.append(c)
        else:
            h = rnn_step(x[..., t, :], h, weights)
        h.retain_grad()  # keep ∂L/∂h_t
        hs.append(h)
    loss = loss_fn(hs[-1])
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise ValueError("loss_fn must return a single number (a scalar tensor), e.g. h_last.sum().")
    loss.backward()

    def norms(states):
        # float64: the float32 entries can be as small as 1e-38, but their squares underflow below about 1e-19
        values = [s.grad.double().norm(dim=-1).mean().item() for s in states]  # one norm per step, batch mean
        return np.array(values[::-1])  # (seq_len,) ordered by distance from the loss

    slope = None if is_lstm else (1 - torch.stack(hs).detach().double() ** 2).mean().item()  # mean tanh′
    return GradientProfile(np.arange(len(hs)), norms(hs), norms(cs) if is_lstm else None, slope)


def _rnn_profile_fast(x, weights):
    """``gradient_norms(x, weights)`` for a vanilla RNN and one sequence, without autograd (the explorer's path).

    The same float32 arithmetic written out by hand: forward ``h_t = tanh(W_hh h_{t-1} + W_hx x_t + b)``, then
    ``∂L/∂h_{t-1} = W_hhᵀ ((1 - h_t²) ⊙ ∂L/∂h_t)`` from ``∂L/∂h_T = 1`` (the default loss, the sum of ``h_T``).
    About ten times faster than building and walking the autograd graph, which keeps a slider move quick;
    ``tests/test_gradients.py`` checks it against ``gradient_norms``.
    """
    W = weights.W.detach().numpy()
    hidden = weights.hidden_size
    W_hh, W_hx = W[:, :hidden], W[:, hidden:]  # (hidden, hidden), (hidden, input)
    drive = x.detach().numpy() @ W_hx.T + weights.b.detach().numpy()  # (seq_len, hidden): input part of every step
    hs = np.empty_like(drive)
    h = np.zeros(hidden, dtype=drive.dtype)
    for t in range(len(drive)):
        h = np.tanh(W_hh @ h + drive[t])
        hs[t] = h
    slopes = 1 - hs**2  # tanh′ at every step
    grad = np.ones(hidden, dtype=drive.dtype)  # ∂L/∂h_T
    norms = np.empty(len(hs))
    for k in range(len(hs)):  # k steps before the loss
        norms[k] = np.linalg.norm(grad.astype(np.float64))
        grad = W_hh.T @ (slopes[len(hs) - 1 - k] * grad)
    slope = float((1 - hs.astype(np.float64) ** 2).mean())
    return GradientProfile(np.arange(len(hs)), norms, None, slope)


def spectral_radius(W):
    """The largest absolute eigenvalue of a square matrix (e.g. ``weights.W_hh``). Introduced in notebook 02."""
    if not isinstance(W, torch.Tensor) or W.dim() != 2 or W.shape[0] != W.shape[1]:
        shape = tuple(W.shape) if isinstance(W, torch.Tensor) else type(W).__name__
        raise ValueError(f"spectral_radius needs a square matrix tensor such as weights.W_hh, but got {shape}.")
    return torch.linalg.eigvals(W.detach().double()).abs().max().item()


def largest_singular_value(W):
    """The spectral norm ‖W‖₂ (largest singular value) of a matrix such as ``weights.W_hh``. Introduced in notebook 02.

    Unlike the spectral radius it bounds every product: ‖A B‖₂ ≤ ‖A‖₂ ‖B‖₂ (Pascanu, Mikolov & Bengio 2013).
    """
    if not isinstance(W, torch.Tensor) or W.dim() != 2:
        shape = tuple(W.shape) if isinstance(W, torch.Tensor) else type(W).__name__
        raise ValueError(f"largest_singular_value needs a matrix tensor such as weights.W_hh, but got {shape}.")
    return torch.linalg.matrix_norm(W.detach().double(), ord=2).item()


def scale_recurrent_weights(weights, scale):
    """A copy of ``RNNWeights`` whose recurrent part ``W_hh`` is multiplied by ``scale``. Introduced in notebook 02."""
    if not isinstance(weights, RNNWeights):
        raise TypeError(f"weights must be RNNWeights, but got {type(weights).__name__}.")
    scale = check_finite_number(scale, "scale")
    W = weights.W.detach().clone()
    W[:, : weights.hidden_size] *= scale
    return RNNWeights(W=W, b=weights.b.detach().clone())


def random_rnn(weight_scale=1.0, seq_len=60, hidden_size=32, input_size=4, seed=0):
    """``(weights, x)``: a seeded random vanilla RNN with ``W_hh`` scaled by ``weight_scale``, and its input.

    The weights are drawn like ``torch.nn.RNN``'s, the input is one seeded standard-normal sequence
    ``(seq_len, input_size)``. Introduced in notebook 02.
    """
    seq_len = check_positive_int(seq_len, "seq_len")
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    input_size = check_positive_int(input_size, "input_size")
    generator = torch.Generator().manual_seed(seed)
    weights = scale_recurrent_weights(init_rnn_weights(input_size, hidden_size, generator), weight_scale)
    x = torch.randn(seq_len, input_size, generator=generator)  # (seq_len, input_size)
    return weights, x


def rnn_gradient_profile(weight_scale=1.0, seq_len=60, hidden_size=32, input_size=4, seed=0):
    """The gradient profile of ``random_rnn(...)``: what notebook 02's sliders call. Introduced in notebook 02."""
    return gradient_norms(*reversed(random_rnn(weight_scale, seq_len, hidden_size, input_size, seed)))


def per_step_factor(profile, distance=50):
    """The measured factor per step: the geometric mean ``(ratio at k) ** (1 / k)``, ``k = min(distance, T - 1)``.

    Below 1 the gradient shrinks on average over those steps, above 1 it grows. Introduced in notebook 02.
    """
    k = min(int(distance), len(profile.distance) - 1)
    if k < 1:
        raise ValueError("The profile has a single step: a factor per step needs at least 2 steps.")
    return float(profile.relative()[k]) ** (1 / k)


def gradient_readout_html(profile, W_hh):
    """The numbers behind notebook 02's rule of thumb for this RNN, and a warning where the rule does not apply.

    The rule of thumb says ρ(W_hh) × mean tanh′ < 1 means a vanishing gradient (> 1: exploding). It compares
    averages, so it fails when saturation lowers the mean tanh′ while ρ grows: then the readout says so, next to
    the measured factor per step. Introduced in notebook 02.
    """
    rho, norm = spectral_radius(W_hh), largest_singular_value(W_hh)
    k = len(profile.distance) - 1  # the whole sequence: from the last step back to the first
    rule, factor = rho * profile.tanh_slope, per_step_factor(profile, k)
    numbers = (
        f"ρ(W_hh) = {rho:.2f} &nbsp; ‖W_hh‖₂ = {norm:.2f} &nbsp; mean tanh′ = {profile.tanh_slope:.2f} &nbsp; "
        f"<b>ρ × mean tanh′ = {rule:.2f}</b> &nbsp;|&nbsp; measured factor per step (over {k} steps) = "
        f"<b>{factor:.3f}</b> &nbsp;|&nbsp; first step / last step = {profile.relative()[-1]:.1e}"
    )
    if norm < 1:
        verdict = "‖W_hh‖₂ < 1 and tanh′ ≤ 1: the gradient must vanish (the bound holds for every input)."
    elif (rule < 1) == (factor < 1):
        verdict = ("The rule of thumb agrees with the measurement: "
                   + ("vanishing." if factor < 1 else "exploding."))
    else:
        grows = factor > 1
        verdict = (
            f"⚠ <b>The rule of thumb does not apply here.</b> ρ × mean tanh′ = {rule:.2f} is "
            f"{'below' if grows else 'above'} 1, yet the gradient {'grows' if grows else 'shrinks'}: {k} steps "
            f"back it is {profile.relative()[-1]:.1e} times the one at the last step (×{factor:.3f} per step). "
            "Large weights saturate many units: the <i>mean</i> tanh′ falls while "
            "ρ grows, but the product of Jacobians depends on which units are unsaturated at which step, not on "
            "the averages (the network is chaotic). Only ‖W_hh‖₂ < 1 guarantees vanishing."
        )
    return f"<div style='line-height: 1.5'>{numbers}<br>{verdict}</div>"


class GradientExplorer:
    """A log-scale plot of ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ against distance, made once and updated in place.

    ``update(weight_scale, seq_len)`` is what the sliders call; ``image`` is the ``ipywidgets.Image`` showing the
    figure and ``profile`` the last ``GradientProfile``; ``png()`` and ``width_css`` give the still picture for
    ``lstm_helpers._render.with_picture``. The object itself displays as a static PNG. The axes are fixed
    (``max_len`` steps, 1e-30 to 1e20) so curves can be compared as the sliders move. Introduced in notebook 02.
    """

    def __init__(self, max_len=100, hidden_size=32, seed=0, dpi=72):
        self.max_len = check_positive_int(max_len, "max_len")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.seed = seed
        fig = Figure(figsize=(7, 3.6), dpi=dpi, layout="constrained")
        ax = fig.subplots()
        ax.set(yscale="log", xlim=(0, self.max_len), ylim=(1e-30, 1e20))
        ax.axhline(1, color="0.6", lw=0.8)
        ax.axhspan(1e-30, 1e-7, color="tab:blue", alpha=0.08)
        ax.axhspan(1e7, 1e20, color="tab:red", alpha=0.08)
        ax.text(self.max_len * 0.98, 1e-28, "vanished: lost next to the recent steps", ha="right", color="tab:blue")
        ax.text(self.max_len * 0.98, 1e16, "exploded", ha="right", color="tab:red")
        ax.set_xlabel("distance from the loss, k = T − t (steps)")
        ax.set_ylabel("‖∂L/∂h(T−k)‖ ÷ ‖∂L/∂h(T)‖ (ratio)")
        ax.set_title("Vanilla RNN: gradient norm against distance from the loss")
        (self._line,) = ax.plot([], [], color="tab:purple", lw=2)
        self._render = BlitImage(fig, [self._line])
        self.fig = fig
        self.image = self._render.image
        self.picture = self._render.picture  # the image with its alt text: what a layout shows
        self.width_css = self._render.width_css
        self.readout = widgets.HTML().add_class("gradient-readout")  # the numbers, shown above the figure
        self.profile = None
        self.update(seq_len=min(60, self.max_len + 1))

    def update(self, weight_scale=1.0, seq_len=60):
        """Recompute the profile for these slider values, move the curve, refresh ``image`` and ``readout``.

        Returns the profile.
        """
        seq_len = check_positive_int(seq_len, "seq_len")
        if seq_len > self.max_len + 1:
            raise ValueError(f"seq_len must be at most {self.max_len + 1} for this explorer, but got {seq_len}.")
        weights, x = random_rnn(weight_scale, seq_len, self.hidden_size, seed=self.seed)
        profile = _rnn_profile_fast(x, weights)  # gradient_norms without autograd: same numbers, faster
        ratio = np.clip(profile.relative(), 1e-30, 1e30)  # keep 0 and inf drawable on a log axis
        self._line.set_data(profile.distance, ratio)
        self._render.alt = (
            f"Vanilla RNN with W_hh scaled by {weight_scale:g}, seq_len {seq_len}: the gradient norm ratio against "
            f"the distance from the loss, on a log scale; {seq_len - 1} steps back it is {ratio[-1]:.0e}."
        )
        self._render.refresh()
        self.readout.value = gradient_readout_html(profile, weights.W_hh)
        self.profile = profile
        return profile

    def png(self):
        """The current picture as PNG bytes (the still picture a saved notebook shows)."""
        return self._render.png()

    @property
    def alt(self):
        """The picture's alt text: what it shows, in words."""
        return self._render.alt

    def _repr_png_(self):
        return self.png()

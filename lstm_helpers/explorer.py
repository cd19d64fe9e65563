"""The single-cell gate explorer: one LSTM step of a 1-unit cell, every number on a slider.

Introduced in notebook 04 (``04_gate_explorer``). ``one_unit_step`` is the pure computation (it calls the
scratch cell from ``lstm_helpers.cells``); ``CellExplorer`` draws each gate as a point on its sigmoid/tanh curve
and updates the picture in place; ``cell_sliders`` and ``cell_layout`` build the widgets around it. Each gate's
pre-activation is written ``a`` (the course's notation: ``a_f = w_{x,f} x_t + w_{h,f} h_{t-1} + b_f``).
"""

import contextlib
from typing import NamedTuple

import ipywidgets as widgets
import numpy as np
import torch
from IPython.display import HTML, display
from matplotlib.figure import Figure

from ._render import BlitImage
from ._validate import check_finite_number
from .cells import LSTMWeights, lstm_step

__all__ = [
    "GATES",
    "GATE_LABELS",
    "CELL_PARAMS",
    "DEFAULT_CELL",
    "PRESETS",
    "START_PRESET",
    "CellState",
    "one_unit_weights",
    "one_unit_step",
    "behaviour",
    "cell_readout_html",
    "cell_alt_text",
    "start_values",
    "CellExplorer",
    "cell_sliders",
    "preset_buttons",
    "cell_layout",
]

GATES = ("f", "i", "C", "o")  # forget, input, candidate C̃ (PyTorch's g), output
GATE_LABELS = {"f": "f (forget)", "i": "i (input)", "C": "C̃ (candidate)", "o": "o (output)"}
_SYMBOL = {"f": "f", "i": "i", "C": "C̃", "o": "o"}
CELL_PARAMS = tuple(f"{kind}_{gate}" for gate in GATES for kind in ("wx", "wh", "b"))
DEFAULT_CELL = {"x_t": 1.0, "h_prev": 0.0, "c_prev": 1.0} | {
    name: (0.0 if name.startswith("b") else 1.0) for name in CELL_PARAMS
}
_QUIET = {name: 0.0 for name in CELL_PARAMS} | {"wx_C": 1.0}  # only the candidate listens to x_t
PRESETS = {
    "forget": _QUIET | {"b_f": -6.0, "b_i": -6.0, "b_o": 6.0},  # f ≈ 0, i ≈ 0: the memory is wiped
    "hold": _QUIET | {"b_f": 6.0, "b_i": -6.0, "b_o": 6.0},  # f ≈ 1, i ≈ 0: the memory is kept as it is
    "overwrite": _QUIET | {"b_f": -6.0, "b_i": 6.0, "b_o": 6.0},  # f ≈ 0, i ≈ 1: the memory becomes C̃
}
START_PRESET = "hold"  # the explorer opens here: notebook 04's first exercise starts from hold


class CellState(NamedTuple):
    """One step of a 1-unit LSTM: inputs, each gate's pre-activation ``a`` (a dict) and value, new c and h."""

    x_t: float
    h_prev: float
    c_prev: float
    a: dict
    f: float
    i: float
    g: float
    o: float
    c: float
    h: float


def _check_params(params):
    unknown = sorted(set(params) - set(CELL_PARAMS))
    if unknown:
        raise TypeError(f"Unknown cell parameter(s) {unknown}. Known: {', '.join(CELL_PARAMS)}.")
    return {name: check_finite_number(params.get(name, DEFAULT_CELL[name]), name) for name in CELL_PARAMS}


def one_unit_weights(**params):
    """``LSTMWeights`` of a 1-unit cell with input_size 1 from ``wx_f, wh_f, b_f, ...`` (missing ones: defaults).

    Each gate's row acts on ``[h_{t-1}, x_t]``, so ``W_f = [[wh_f, wx_f]]``. Introduced in notebook 04.
    """
    params = _check_params(params)
    parts = {}
    for gate in GATES:
        parts[f"W_{gate}"] = torch.tensor([[params[f"wh_{gate}"], params[f"wx_{gate}"]]])  # (1, 2)
        parts[f"b_{gate}"] = torch.tensor([params[f"b_{gate}"]])  # (1,)
    return LSTMWeights(**parts)


def one_unit_step(x_t, h_prev, c_prev, **params):
    """One step of a 1-unit LSTM cell with scalar weights; returns a ``CellState``. Introduced in notebook 04.

    ``params`` are ``wx_f, wh_f, b_f`` (and the same for ``i``, ``C``, ``o``): the weight on ``x_t``, the weight on
    ``h_{t-1}`` and the bias of each gate, so that ``a_f = wx_f * x_t + wh_f * h_prev + b_f`` and ``f = σ(a_f)``.
    """
    x_t = check_finite_number(x_t, "x_t")
    h_prev = check_finite_number(h_prev, "h_prev")
    c_prev = check_finite_number(c_prev, "c_prev")
    params = _check_params(params)
    weights = one_unit_weights(**params)
    step = lstm_step(torch.tensor([x_t]), torch.tensor([h_prev]), torch.tensor([c_prev]), weights)
    a = {gate: params[f"wx_{gate}"] * x_t + params[f"wh_{gate}"] * h_prev + params[f"b_{gate}"] for gate in GATES}
    values = {name: getattr(step, name).item() for name in ("f", "i", "g", "o", "c", "h")}
    return CellState(x_t, h_prev, c_prev, a, **values)


def behaviour(state):
    """A few words on what the cell is doing with its memory in ``state``. Introduced in notebook 04."""
    if not isinstance(state, CellState):
        raise TypeError(f"state must be a CellState from one_unit_step, but got {type(state).__name__}.")
    low, high = 0.1, 0.9
    f, i = state.f, state.i
    if f < low and i < low:
        return "forgetting: f ≈ 0 and i ≈ 0, so c(t) ≈ 0 (the memory is wiped)"
    if f < low and i > high:
        return "overwriting: f ≈ 0 and i ≈ 1, so c(t) ≈ C̃ (the old memory is replaced)"
    if f > high and i < low:
        return "holding: f ≈ 1 and i ≈ 0, so c(t) ≈ c(t−1) (the memory is kept)"
    if f > high and i > high:
        return "adding: f ≈ 1 and i ≈ 1, so c(t) ≈ c(t−1) + C̃ (the memory accumulates)"
    if i < low:
        return (f"fading: i ≈ 0, so nothing new is written, and f = {f:.2f} keeps that share of the old memory: "
                f"c(t) ≈ {f:.2f} × c(t−1)")
    if f < low:
        return (f"writing part of the candidate: f ≈ 0 wipes the old memory, and i = {i:.2f} writes that share of "
                f"C̃: c(t) ≈ {i:.2f} × C̃")
    if f > high:
        return (f"keeping the memory (f ≈ 1) and adding a share i = {i:.2f} of the candidate: "
                f"c(t) ≈ c(t−1) + {i:.2f} × C̃")
    return (f"mixing: f = {f:.2f} keeps part of the old memory and i = {i:.2f} writes part of the candidate: "
            f"c(t) = {f:.2f} × c(t−1) + {i:.2f} × C̃")


def cell_readout_html(state):
    """The equations of one step with the numbers filled in, as HTML. Introduced in notebook 04."""
    if not isinstance(state, CellState):
        raise TypeError(f"state must be a CellState from one_unit_step, but got {type(state).__name__}.")
    lines = []
    for gate, value in zip(GATES, (state.f, state.i, state.g, state.o), strict=True):
        squash = "tanh" if gate == "C" else "σ"
        lines.append(f"{_SYMBOL[gate]} = {squash}(a<sub>{gate}</sub>) = {squash}(w<sub>x,{gate}</sub> x<sub>t</sub> + "
                     f"w<sub>h,{gate}</sub> h<sub>t−1</sub> + b<sub>{gate}</sub>) = {squash}({state.a[gate]:.2f}) = "
                     f"<b>{value:.3f}</b>")
    lines.append(f"c<sub>t</sub> = f ⊙ c<sub>t−1</sub> + i ⊙ C̃ = {state.f:.3f} × {state.c_prev:.2f} + "
                 f"{state.i:.3f} × {state.g:.3f} = <b>{state.c:.3f}</b>")
    lines.append(f"h<sub>t</sub> = o ⊙ tanh(c<sub>t</sub>) = {state.o:.3f} × tanh({state.c:.3f}) "
                 f"= <b>{state.h:.3f}</b>")
    lines.append(f"<i>The cell is {behaviour(state)}.</i>")
    return "<div style='font-family: monospace; line-height: 1.6; font-size: 14px'>" + "<br>".join(lines) + "</div>"


def cell_alt_text(state):
    """What the explorer's picture shows, in words (its alt text). Introduced in notebook 04."""
    gates = ", ".join(f"{_SYMBOL[gate]} = {value:.2f} at a = {state.a[gate]:.1f}"
                      for gate, value in zip(GATES, (state.f, state.i, state.g, state.o), strict=True))
    return (f"One LSTM step: each gate as a point on its curve ({gates}); bars: c(t−1) = {state.c_prev:.2f}, "
            f"c(t) = {state.c:.2f}, h(t) = {state.h:.2f}.")


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


class CellExplorer:
    """A figure of one LSTM step, made once and updated in place: ``update(**values)`` is what a slider calls.

    Introduced in notebook 04. ``image`` is the ``ipywidgets.Image`` showing the figure; ``state`` the last
    ``CellState``. In a notebook, the object itself displays as a static PNG.
    """

    def __init__(self, values=None, dpi=None):
        # ``dpi`` is accepted for compatibility and ignored: BlitImage renders at 2 pixels per CSS pixel, and the
        # figure is shown at its own size in inches (9.6 inches = 922 CSS pixels). Text is at least 9.5 pt: 12.7 CSS
        # pixels at 96 CSS pixels per inch.
        fig = Figure(figsize=(9.6, 2.9), layout="constrained")
        axes = fig.subplots(1, 5, gridspec_kw={"width_ratios": [1, 1, 1, 1, 1.1]})
        a = np.linspace(-8, 8, 161)
        self._points, self._guides = {}, {}
        for ax, gate in zip(axes[:4], GATES, strict=True):
            curve = np.tanh(a) if gate == "C" else _sigmoid(a)
            ax.plot(a, curve, color="0.35", lw=1.5)
            ax.axhline(0, color="0.8", lw=0.8)
            ax.set(xlim=(-8, 8), ylim=(-1.1, 1.1))
            ax.tick_params(labelsize=9.5)
            ax.set_xlabel("pre-activation a (no unit)", fontsize=9.5)
            self._guides[gate] = ax.axvline(0, color="tab:orange", ls="--", lw=1)
            (self._points[gate],) = ax.plot([0], [0], "o", color="tab:orange", ms=9)
            ax.set_title(GATE_LABELS[gate], fontsize=10.5)
        axes[0].set_ylabel("gate value (no unit)", fontsize=9.5)
        bar_ax = axes[4]
        self._bars = bar_ax.bar(["c(t−1)", "c(t)", "h(t)"], [0, 0, 0], color=["0.6", "tab:blue", "tab:green"])
        bar_ax.axhline(0, color="0.5", lw=0.8)
        bar_ax.set(ylim=(-3.4, 3.4))
        bar_ax.set_ylabel("state value (no unit)", fontsize=9.5)
        bar_ax.tick_params(labelsize=9.5)
        bar_ax.set_title("cell and hidden state", fontsize=10.5, loc="right")
        fig.suptitle("One LSTM step: each gate is a point on its curve", fontsize=11)
        moving = [*self._points.values(), *self._guides.values(), *self._bars]  # text is slow: numbers go to HTML
        self._render = BlitImage(fig, moving)
        self.fig = fig
        self.image = self._render.image
        self.picture = self._render.picture  # the image with its alt text: what a layout shows
        self.state = None
        self._paused = False
        self.update(show=False, **start_values(values))

    @contextlib.contextmanager
    def paused(self):
        """Within this block ``update`` does nothing: set several sliders, then let the last one redraw once."""
        self._paused = True
        try:
            yield
        finally:
            self._paused = False

    def update(self, x_t, h_prev, c_prev, show=True, **params):
        """Compute one step, move the artists, refresh ``image`` and (with ``show``) display the equations."""
        if self._paused:
            return self.state
        state = one_unit_step(x_t, h_prev, c_prev, **params)
        for gate, value in zip(GATES, (state.f, state.i, state.g, state.o), strict=True):
            a = float(np.clip(state.a[gate], -7.8, 7.8))  # keep the point on the plotted part of the curve
            self._points[gate].set_data([a], [value])
            self._guides[gate].set_xdata([a, a])
        for bar, value in zip(self._bars, (state.c_prev, state.c, state.h), strict=True):
            bar.set_height(value)
        self._render.alt = cell_alt_text(state)
        self._render.refresh()
        self.state = state
        if show:
            display(HTML(cell_readout_html(state)))
        return state

    def png(self):
        """The current picture as PNG bytes."""
        return self._render.png()

    @property
    def width_css(self):
        """The picture's width in CSS pixels (for ``with_picture``)."""
        return self._render.width_css

    @property
    def alt(self):
        """The picture's alt text: what it shows, in words."""
        return self._render.alt

    def _repr_png_(self):
        return self.png()


def start_values(values=None):
    """Where the explorer opens: the default cell with the ``START_PRESET`` applied, then ``values``."""
    return DEFAULT_CELL | PRESETS[START_PRESET] | (values or {})


def _slider(value, low, high, description):
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=0.1, description=description, readout_format=".1f",
        continuous_update=True, style={"description_width": "60px"}, layout=widgets.Layout(width="260px"),
    )


def cell_sliders(values=None):
    """One slider per input and gate weight/bias, named like ``one_unit_step``'s arguments (notebook 04).

    They open on the ``START_PRESET`` (hold), where notebook 04's exercise starts; ``values`` overrides any of them.
    """
    values = start_values(values)
    sliders = {
        "x_t": _slider(values["x_t"], -2, 2, "x(t)"),
        "h_prev": _slider(values["h_prev"], -1, 1, "h(t−1)"),
        "c_prev": _slider(values["c_prev"], -2, 2, "c(t−1)"),
    }
    for gate in GATES:
        symbol = _SYMBOL[gate]
        for kind, label in (("wx", f"wₓ ({symbol})"), ("wh", f"wₕ ({symbol})"), ("b", f"b ({symbol})")):
            sliders[f"{kind}_{gate}"] = _slider(values[f"{kind}_{gate}"], -8, 8, label)
    return sliders


_PRESET_TIPS = {
    "default": "Every weight 1, every bias 0, and the inputs' starting values",
    "forget": "Set the sliders so that f ≈ 0 and i ≈ 0: the memory is wiped",
    "hold": "Set the sliders so that f ≈ 1 and i ≈ 0: the memory is kept",
    "overwrite": "Set the sliders so that f ≈ 0 and i ≈ 1: the memory is replaced by C̃",
}


def _preset_values(name):
    return DEFAULT_CELL if name == "default" else PRESETS[name]


def preset_buttons(sliders, explorer=None):
    """Toggle buttons for the presets (and "default"), the active one shown selected and named in words.

    Choosing a preset sets the sliders; moving a slider away from it deselects it (the line next to the buttons
    then says so), so clicking the same preset again restores it. The box has the CSS class ``cell-presets``.
    With the ``CellExplorer`` the sliders drive, a preset redraws the figure once instead of once per slider.
    Introduced in notebook 04.
    """
    names = ("default", *PRESETS)
    current = next((name for name in (START_PRESET, *names) if _matches(sliders, name)), None)
    buttons = widgets.ToggleButtons(
        options=names, value=current, description="preset", tooltips=[_PRESET_TIPS[name] for name in names],
        style={"button_width": "90px", "description_width": "50px"},
    )
    status = widgets.HTML()
    applying = []

    def show_status():
        name = buttons.value
        status.value = (f"active preset: <b>{name}</b>" if name is not None
                        else "no preset active: you moved a slider (click a preset to go back to it)")

    def apply(change):
        show_status()
        if change["new"] is None:
            return
        changes = [(key, value) for key, value in _preset_values(change["new"]).items()
                   if key in sliders and sliders[key].value != value]
        if not changes:
            return
        applying.append(True)
        try:
            with explorer.paused() if explorer is not None else contextlib.nullcontext():
                for key, value in changes[:-1]:
                    sliders[key].value = value
            key, value = changes[-1]
            sliders[key].value = value  # the last change redraws the figure and the readout once
        finally:
            applying.pop()

    def moved(_change):
        if not applying and buttons.value is not None and not _matches(sliders, buttons.value):
            buttons.value = None

    buttons.observe(apply, names="value")
    for slider in sliders.values():
        slider.observe(moved, names="value")
    show_status()
    box = widgets.HBox([buttons, status])
    box.add_class("cell-presets")
    return box


def _matches(sliders, name):
    return all(sliders[key].value == value for key, value in _preset_values(name).items() if key in sliders)


def cell_layout(sliders, explorer, out):
    """Arrange the sliders, preset buttons, figure and readout in one box. Introduced in notebook 04.

    ``out`` (the ``interactive_output``) gets the CSS class ``cell-explorer-out``.
    """
    presets = preset_buttons(sliders, explorer)
    out.add_class("cell-explorer-out")
    state_box = widgets.VBox([widgets.HTML("<b>inputs</b>"), sliders["x_t"], sliders["h_prev"], sliders["c_prev"]])
    gate_rows = [
        widgets.HBox([sliders[f"{kind}_{gate}"] for kind in ("wx", "wh", "b")]) for gate in GATES
    ]
    gate_box = widgets.VBox([widgets.HTML("<b>gate weights and biases</b>"), *gate_rows])
    return widgets.VBox([presets, widgets.HBox([state_box, gate_box]), explorer.picture, out])

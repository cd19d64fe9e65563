"""The through-time explorer: heatmaps of f, i, g, o, c, h over time × unit with the current step highlighted.

Time steps are counted from 1, as in the course's notation: ``t = 1, ..., seq_len`` (the code's index is ``t - 1``).

Introduced in notebook 04 (``04_gate_explorer``) on a small hand-wired LSTM (``spike_weights``) and reused in
notebook 08 (``08_inside_the_trained_lstm``) on the trained model. The trace itself comes from the scratch
``run_lstm`` (``lstm_helpers.cells``); this module only draws it and steps through it.
"""

import asyncio

import ipywidgets as widgets
import numpy as np
import torch
from IPython.display import HTML, display
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.patheffects import withStroke

from ._render import SIGNED_CMAP, BlitImage
from ._validate import as_float_tensor, check_positive_int
from .cells import LSTMTrace, LSTMWeights

__all__ = [
    "QUANTITIES",
    "SPIKE_UNITS",
    "spike_weights",
    "spike_sequence",
    "step_readout_html",
    "TimeExplorer",
    "time_controls",
    "time_layout",
]

QUANTITIES = ("f", "i", "g", "o", "c", "h")
_TITLES = {
    "f": "f: forget gate", "i": "i: input gate", "g": "g = C̃: candidate",
    "o": "o: output gate", "c": "c: cell state", "h": "h: hidden state",
}
_INSET = 0.06  # how far the highlight box sits inside its column, in time steps
SPIKE_UNITS = ("unit 0 remembers the first spike", "unit 1 follows the input", "unit 2 counts time steps")


def spike_weights():
    """A hand-wired 3-unit LSTM (input_size 1) whose units each do one legible job. Introduced in notebook 04.

    Unit 0 stores the *first* spike and ignores later ones (its own h closes its input gate); unit 1 copies the
    current input and forgets it at the next step; unit 2 adds a little to its cell every step, like a clock.
    """
    H, width = 3, 4  # hidden_size 3; each row acts on [h0, h1, h2, x_t]
    W = {gate: torch.zeros(H, width) for gate in "fiCo"}
    b = {gate: torch.zeros(H) for gate in "fiCo"}
    # unit 0: keep (f ≈ 1); write only on a spike while h0 is still 0; candidate ≈ +1 on a spike
    b["f"][0] = 6.0
    W["i"][0, 3], W["i"][0, 0], b["i"][0] = 12.0, -20.0, -6.0
    W["C"][0, 3] = 3.0
    b["o"][0] = 4.0
    # unit 1: forget at once (f ≈ 0), always write (i ≈ 1), candidate follows x_t
    b["f"][1], b["i"][1] = -6.0, 6.0
    W["C"][1, 3] = 2.0
    b["o"][1] = 4.0
    # unit 2: keep and always write a small constant: c grows by about 0.2 per step
    b["f"][2], b["i"][2], b["C"][2], b["o"][2] = 6.0, 6.0, 0.2, 4.0
    return LSTMWeights(W["f"], b["f"], W["i"], b["i"], W["C"], b["C"], W["o"], b["o"])


def spike_sequence(seq_len=12, spikes=(2, 7)):
    """Zeros with a 1 at each time step in ``spikes``, shaped ``(seq_len, 1)``. Introduced in notebook 04.

    Time steps are counted from 1: ``spikes=(2, 7)`` puts a 1 in ``x[1]`` and ``x[6]``, the 2nd and 7th inputs.
    """
    seq_len = check_positive_int(seq_len, "seq_len")
    x = torch.zeros(seq_len, 1)  # (seq_len, input_size)
    for t in spikes:
        if not 1 <= t <= seq_len:
            raise ValueError(f"spike time {t} is outside 1..{seq_len} (time steps are counted from 1). "
                             "Choose times inside the sequence.")
        x[t - 1, 0] = 1.0
    return x


def _ticks(n, start=1, most=13):
    """At most ``most`` whole-number ticks from ``start`` to ``start + n - 1``, evenly spaced."""
    every = max(1, -(-n // most))
    return list(range(start, start + n, every))


def _check_trace(x, trace):
    if not isinstance(trace, LSTMTrace):
        raise TypeError(f"trace must be an LSTMTrace from run_lstm, but got {type(trace).__name__}.")
    if trace.h.dim() != 2:
        raise ValueError(
            f"trace holds shape {tuple(trace.h.shape)}; the explorer shows one sequence: run run_lstm on "
            "x of shape (seq_len, input_size), or pick one sequence of a batch with trace[k]."
        )
    x = as_float_tensor(x, "x").detach().reshape(-1).double().numpy()  # (seq_len,)
    if len(x) != trace.h.shape[0]:
        raise ValueError(f"x has {len(x)} values but the trace has {trace.h.shape[0]} time steps; they must match.")
    return x, {name: getattr(trace, name).detach().double().numpy() for name in QUANTITIES}


def _check_step(t, seq_len):
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 1 <= t <= seq_len:
        raise ValueError(f"t must be a whole number from 1 to {seq_len} (time steps are counted from 1), "
                         f"but got {t!r}.")
    return int(t)


def step_readout_html(x, trace, t, max_units=8):
    """The input and every gate/state value at time step ``t`` (counted from 1) as an HTML table (notebook 04).

    With more than ``max_units`` units, the table shows the mean over units and the range instead.
    """
    values, parts = _check_trace(x, trace)
    seq_len, hidden_size = parts["h"].shape
    t = _check_step(t, seq_len)
    k = t - 1  # the row of step t in the arrays
    head = f"<b>t = {t}</b> &nbsp; x<sub>t</sub> = {values[k]:.3g}"
    cells = "".join(f"<th style='padding: 0 8px'>{name}</th>" for name in QUANTITIES)
    rows = []
    if hidden_size <= max_units:
        for unit in range(hidden_size):
            row = "".join(f"<td style='padding: 0 8px'>{name} = {parts[name][k, unit]:.3f}</td>" for name in QUANTITIES)
            rows.append(f"<tr><td>unit {unit}</td>{row}</tr>")
    else:
        for label, reduce in (("mean over units", np.mean), ("smallest", np.min), ("largest", np.max)):
            row = "".join(f"<td style='padding: 0 8px'>{n} = {reduce(parts[n][k]):.3f}</td>" for n in QUANTITIES)
            rows.append(f"<tr><td>{label}</td>{row}</tr>")
    table = f"<table style='font-family: monospace'><tr><th>unit</th>{cells}</tr>{''.join(rows)}</table>"
    return f"<div>{head}{table}</div>"


def _nice_limit(value):
    """The smallest of 1, 2, 3, 5, 10, 20, ... that is at least ``value`` (a colour scale's end)."""
    if not np.isfinite(value):
        return 1.0
    power = 1.0
    while True:
        for step in (1, 2, 3, 5):
            if step * power >= value:
                return step * power
        power *= 10


class TimeExplorer:
    """Heatmaps of one LSTM run, made once; ``update(t)`` moves the highlight to step ``t`` (what a slider calls).

    ``x`` holds the input values to plot (``seq_len`` numbers, in the units the reader knows); ``trace`` is the
    ``LSTMTrace`` of one sequence, each field ``(seq_len, hidden_size)``. The colour scales are fixed, so runs
    compare by colour: f, i, o on 0 to 1, g and h on ±1 (their whole range), c on ±``c_limit`` (default: the first
    run's largest |c| rounded up to 1, 2, 3, 5, 10, ...); values of c beyond it take the end colours, the colour bar's
    arrows say so, and ``clipped`` is True. Introduced in notebook 04.
    """

    def __init__(self, x, trace, title="An LSTM stepping through a sequence", input_label="input x(t)", dpi=None,
                 c_limit=None):
        # ``dpi`` is accepted for compatibility and ignored: BlitImage renders at 2 pixels per CSS pixel and the
        # figure is shown at its own size in inches (9.6 inches = 922 CSS pixels).
        values, parts = _check_trace(x, trace)
        if c_limit is None:
            c_limit = _nice_limit(float(np.abs(parts["c"]).max()))
        self.limits = {"g": 1.0, "h": 1.0, "c": float(c_limit)}
        hidden_size = parts["h"].shape[1]
        height = 4.8 if hidden_size <= 8 else 6.0
        fig = Figure(figsize=(9.6, height), layout="constrained")
        grid = fig.add_gridspec(3, 3, height_ratios=[0.8, 1, 1])
        self._input_ax = fig.add_subplot(grid[0, :])
        (self._input_line,) = self._input_ax.plot(values, "o-", color="0.3", ms=4)
        self._input_ax.set(ylabel=input_label, title=title)
        self._marker = self._input_ax.axvline(0, color="tab:red", lw=2, alpha=0.6)
        self._images, self._boxes, self._colorbars = {}, [], {}
        for k, name in enumerate(QUANTITIES):
            ax = fig.add_subplot(grid[1 + k // 3, k % 3])
            limit = self.limits.get(name)
            image = ax.imshow(parts[name].T, aspect="auto", cmap="viridis" if limit is None else SIGNED_CMAP,
                              vmin=0 if limit is None else -limit, vmax=limit or 1, interpolation="nearest")
            self._images[name] = image
            self._colorbars[name] = fig.colorbar(image, ax=ax, pad=0.04, extend="both" if name == "c" else "neither")
            ax.set(title=_TITLES[name], xlabel="time step t", ylabel="unit")
            # the box sits just inside its column and is clipped to the axes, so at the last step it never
            # reaches the colour bar
            box = Rectangle((0.5 + _INSET, -0.5), 1 - 2 * _INSET, hidden_size, fill=False, ec="black", lw=2,
                            clip_on=True, path_effects=[withStroke(linewidth=4.5, foreground="white")])
            ax.add_patch(box)
            self._boxes.append(box)
        self._title = title
        # A new sequence redraws only its layers: the input axes and the heatmaps (with their frames on top).
        layers = [self._input_ax, *self._images.values()]
        layers += [spine for image in self._images.values() for spine in image.axes.spines.values()]
        self._render = BlitImage(fig, [self._marker, *self._boxes], layers=layers)
        self.fig = fig
        self.image = self._render.image
        self.picture = self._render.picture  # the image with its alt text: what a layout shows
        # Lay the figure out once, with room for wide input tick labels (such as "−1000"), then keep that layout:
        # a typed sequence then costs a redraw of the layers, not a new layout.
        self._input_ax.set_ylim(-1000, 1000)
        self._input_ax.set_xticks(_ticks(len(values)))
        fig.get_layout_engine().execute(fig)
        fig.set_layout_engine("none")
        self._drawn_ticks = None
        self.set_sequence(x, trace)

    @property
    def seq_len(self):
        return len(self._values)

    @property
    def width_css(self):
        """The picture's width in CSS pixels (for ``with_picture``)."""
        return self._render.width_css

    def set_sequence(self, x, trace, title=None):
        """Show a new run (any seq_len, same hidden_size): redraws the still parts once, keeps the current step.

        ``title`` replaces the figure's title (say what the new run is); without it the title stays. The colour
        scales stay as they are (see the class docstring).
        """
        values, parts = _check_trace(x, trace)
        seq_len, hidden_size = parts["h"].shape
        if hidden_size != self._images["h"].get_array().shape[0]:
            raise ValueError(f"The explorer was built for {self._images['h'].get_array().shape[0]} units, but the "
                             f"trace has {hidden_size}. Make a new TimeExplorer for a different model.")
        self._values, self._x, self._trace = values, x, trace
        if title is not None:
            self._input_ax.set_title(title)
            self._title = title
        self.clipped = bool(np.abs(parts["c"]).max() > self.limits["c"])
        steps = np.arange(1, seq_len + 1)  # time steps counted from 1
        self._input_line.set_data(steps, values)
        self._input_ax.set_xlim(0.5, seq_len + 0.5)
        span = values.max() - values.min()
        pad = 0.1 * span if span > 0 else max(1.0, abs(values[0]) * 0.1)
        self._input_ax.set_ylim(values.min() - pad, values.max() + pad)
        ticks = _ticks(seq_len)
        self._input_ax.set_xticks(ticks)
        for name, image in self._images.items():
            image.set_data(parts[name].T)  # (hidden_size, seq_len)
            image.set_extent((0.5, seq_len + 0.5, hidden_size - 0.5, -0.5))
            image.axes.set_xticks(_ticks(seq_len, most=7))
            image.axes.set_yticks(_ticks(hidden_size, start=0))
        if self._drawn_ticks == seq_len:
            self._render.redraw_layers()  # same steps on the heatmaps' axes: only the layers change
        else:
            self._render.redraw_background()
            self._drawn_ticks = seq_len
        self.update(min(getattr(self, "_step", 1), seq_len), show=False)  # keep the current step where it exists

    def update(self, t, show=True):
        """Highlight time step ``t`` (counted from 1), refresh ``image`` and (with ``show``) display its values."""
        t = _check_step(t, self.seq_len)
        self._step = t
        self._marker.set_xdata([t, t])
        for box in self._boxes:
            box.set_x(t - 0.5 + _INSET)
        self._render.alt = self.alt_text(t)
        self._render.refresh()
        if show:
            display(HTML(self.readout(t)))

    def readout(self, t):
        """The values at time step ``t`` (counted from 1) as HTML (what ``update`` displays)."""
        return step_readout_html(self._x, self._trace, t)

    @property
    def alt(self):
        """The picture's alt text as it is now (see ``alt_text``)."""
        return self._render.alt

    def alt_text(self, t=None):
        """What the picture shows, in words (its alt text); with ``t``, which step is highlighted."""
        hidden_size = self._images["h"].get_array().shape[0]
        where = f" Time step t = {t} is boxed." if t is not None else ""
        return (f"{self._title}. Top: the input at t = 1 to {self.seq_len}. Below: heatmaps of f, i, o (0 to 1), "
                f"g and h (−1 to 1) and c (±{self.limits['c']:g}) for {hidden_size} units (rows) over the time "
                f"steps (columns).{where} The numbers are in the table under the picture.")

    def png(self, highlight=True):
        """The current picture as PNG bytes; ``highlight=False`` leaves out the current-step marks."""
        moving = [self._marker, *self._boxes]
        for artist in moving:
            artist.set_visible(highlight)
        self._render.alt = self.alt_text(self._step if highlight else None)
        data = self._render.png()
        for artist in moving:
            artist.set_visible(True)
        return data

    def _repr_png_(self):
        return self.png()


async def _play(button, slider, interval):
    """Step ``slider`` forward every ``interval`` seconds until its end (or until ``button`` is switched off)."""
    try:
        if slider.value >= slider.max:
            slider.value = slider.min  # at the end, playing starts again from t = 1
            await asyncio.sleep(interval)
        while button.value and slider.value < slider.max:
            slider.value += 1
            await asyncio.sleep(interval)
    finally:
        button.value = False


def time_controls(seq_len, interval=600):
    """A play button and a time-step slider running from 1 to ``seq_len``. Introduced in notebook 04.

    The play button is a labelled ``ToggleButton`` ("▶ play" / "■ stop", with a tooltip), so screen readers and
    keyboard users can find it; while it is on, the kernel moves the slider one step every ``interval``
    milliseconds. The slider has the CSS class ``time-step-slider``, the button the class ``time-play``.
    """
    seq_len = check_positive_int(seq_len, "seq_len")
    if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval <= 0:
        raise ValueError(f"interval is the pause between steps in milliseconds, a positive number, not {interval!r}.")
    slider = widgets.IntSlider(value=1, min=1, max=seq_len, description="time step t", continuous_update=True)
    slider.add_class("time-step-slider")
    play = widgets.ToggleButton(value=False, description="▶ play", tooltip="Play: step through the time steps",
                                layout=widgets.Layout(width="90px"))
    play.add_class("time-play")
    tasks = []

    def toggled(change):
        play.description = "■ stop" if change["new"] else "▶ play"
        play.tooltip = "Stop playing" if change["new"] else "Play: step through the time steps"
        if change["new"]:
            tasks.append(asyncio.ensure_future(_play(play, slider, interval / 1000)))
        elif tasks:
            tasks.pop().cancel()

    play.observe(toggled, names="value")
    return play, slider


def time_layout(explorer, play, slider, out):
    """The play button and slider above the explorer's picture and ``out`` (its table). Introduced in notebook 04.

    ``out`` (the ``interactive_output``) gets the CSS class ``time-explorer-out``.
    """
    out.add_class("time-explorer-out")
    return widgets.VBox([widgets.HBox([play, slider]), explorer.picture, out])

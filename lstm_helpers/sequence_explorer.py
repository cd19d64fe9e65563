"""Look inside the trained arithmetic-sequence LSTM: its gates on any sequence, and a typed-sequence explorer.

Introduced in notebook 08 (``08_inside_the_trained_lstm``). ``trace_model`` runs the scratch LSTM with the trained
``nn.LSTM``'s own weights, so every gate value is the model's; ``describe_sequence`` turns a learner's text into
a prediction plus notes (or a friendly message); ``SequenceExplorer`` shows that in a widget. ``coverage_note``
checks a window *jointly* (its start and step together) against the training windows, and ``gate_deviation_figure``
draws the gates' departures from one half on a diverging scale, trained next to untrained.
"""

from typing import NamedTuple

import ipywidgets as widgets
import numpy as np
import torch
from IPython.display import HTML, display
from matplotlib.figure import Figure

from ._render import SIGNED_CMAP, Picture
from ._validate import as_float_tensor
from .arithmetic import SEED_SEQ_LENGTH, TrainedArithmeticLSTM
from .cells import LSTMTrace, run_lstm
from .data import make_sequences, make_windows
from .parsing import parse_sequence
from .time_explorer import TimeExplorer
from .torch_bridge import lstm_weights_from_torch

__all__ = [
    "trace_model",
    "training_ranges",
    "range_notes",
    "training_start_steps",
    "nearest_training_window",
    "coverage_note",
    "figure_png",
    "SequenceReport",
    "describe_sequence",
    "SequenceExplorer",
    "gate_deviation_figure",
]


def _check_result(result):
    if not isinstance(result, TrainedArithmeticLSTM):
        raise TypeError(
            f"result must be what train_arithmetic_lstm() returns, but got {type(result).__name__}."
        )
    return result


def trace_model(model, x, scaler=None):
    """Every gate and state of ``model.lstm`` on ``x``, computed by the scratch cell with the model's own weights.

    ``x`` is one sequence of numbers ``(seq_len,)`` or a batch ``(batch, seq_len)``, in the data's own units (scaled
    with ``scaler`` on the way in). Returns an ``LSTMTrace``. Introduced in notebook 08.
    """
    if not isinstance(getattr(model, "lstm", None), torch.nn.LSTM):
        raise TypeError(f"model must have an nn.LSTM called .lstm (like SimpleLSTM), but got {type(model).__name__}.")
    weights = lstm_weights_from_torch(model.lstm)
    x = as_float_tensor(x, "x", dtype=weights.dtype)
    if x.dim() not in (1, 2):
        raise ValueError(f"x has shape {tuple(x.shape)}; expected (seq_len,) or (batch, seq_len) numbers.")
    if scaler is not None:
        x = scaler.transform(x)
    with torch.no_grad():
        return run_lstm(x.unsqueeze(-1), weights)  # each (batch, seq_len, hidden_size) or (seq_len, hidden_size)


def training_ranges(result, seq_length=SEED_SEQ_LENGTH):
    """The smallest and largest input value and step the model was trained on. Introduced in notebook 08."""
    result = _check_result(result)
    X, _ = make_windows(make_sequences(result.train_pairs, seq_length), result.window)  # (num_windows, window)
    steps = [step for _, step in result.train_pairs]
    return {"min_value": float(X.min()), "max_value": float(X.max()), "min_step": min(steps), "max_step": max(steps)}


def range_notes(values, ranges):
    """Plain-language notes on where ``values`` lie compared with the training ``ranges``. Introduced in notebook 08."""
    values = as_float_tensor(values, "values").double().numpy().reshape(-1)
    notes = []
    low, high = values.min(), values.max()
    if low < ranges["min_value"] or high > ranges["max_value"]:
        notes.append(
            f"Outside the training range: the model only saw inputs from {ranges['min_value']:g} to "
            f"{ranges['max_value']:g}, so do not trust this prediction."
        )
    steps = np.diff(values)
    tolerance = 1e-9 * np.abs(values).max()  # relative to the numbers' size: 1e-300, 2e-300, 3e-300, 9e-300 is not
    if len(steps) and np.abs(steps - steps[0]).max() > tolerance:
        notes.append("Not an arithmetic sequence (the steps differ): the model was trained only on constant steps.")
    elif len(steps) and not ranges["min_step"] <= steps[0] <= ranges["max_step"]:
        notes.append(
            f"The step {steps[0]:g} is outside the steps seen in training ({ranges['min_step']:g} to "
            f"{ranges['max_step']:g})."
        )
    return notes


def training_start_steps(result, seq_length=SEED_SEQ_LENGTH):
    """The distinct ``(start, step)`` of the model's training windows, as an array ``(num_distinct, 2)``.

    A window is fixed by its first number and its step, so this is the ground the training data covers.
    Introduced in notebook 08.
    """
    result = _check_result(result)
    X, _ = make_windows(make_sequences(result.train_pairs, seq_length), result.window)  # (num_windows, window)
    return np.unique(np.column_stack([X[:, 0], X[:, 1] - X[:, 0]]), axis=0)


def nearest_training_window(window, result, seq_length=SEED_SEQ_LENGTH):
    """How far the arithmetic ``window`` is from the nearest training window: ``(distance, (start, step))``.

    The distance is the larger of the differences in start and in step (so ``distance <= 1`` means some training
    window starts within 1 of this one and climbs within 1 of its step). Introduced in notebook 08.
    """
    values = as_float_tensor(window, "window").double().numpy().reshape(-1)
    if len(values) < 2:
        raise ValueError(f"window needs at least 2 numbers to have a step, but has {len(values)}.")
    points = training_start_steps(result, seq_length)  # (num_distinct, 2)
    gaps = np.abs(points - np.array([values[0], values[1] - values[0]])).max(axis=1)  # (num_distinct,)
    nearest = int(gaps.argmin())
    return float(gaps[nearest]), (float(points[nearest, 0]), float(points[nearest, 1]))


def coverage_note(window, result, radius=1.0, seq_length=SEED_SEQ_LENGTH):
    """A note when no training window is within ``radius`` of ``window``'s start and step together, else None.

    Checking each number against the training range is not enough: 25, 26, 27, 28 has every number and its step
    inside the training ranges, yet the training windows with step 1 start at 1 to 10. Introduced in notebook 08.
    """
    values = as_float_tensor(window, "window").double().numpy().reshape(-1)
    distance, _ = nearest_training_window(values, result, seq_length)
    if distance <= radius:
        return None
    start, step = values[0], values[1] - values[0]
    points = training_start_steps(result, seq_length)  # (num_distinct, 2)
    similar = points[np.abs(points[:, 1] - step) <= radius]  # training windows with a step near this one's
    if len(similar) == 0:
        where = f"no training window has a step within {radius:g} of {step:g}"
    else:
        where = (f"training windows with a step near {step:g} start at {similar[:, 0].min():g} to "
                 f"{similar[:, 0].max():g}, and this one starts at {start:g}")
    return (
        f"No training window is like this one: {where}. Each number may be inside the training range, but this "
        "combination of start and step is not, so do not trust this prediction."
    )


def figure_png(fig, dpi=100):
    """A Matplotlib ``Figure`` as PNG bytes: ``Image(figure_png(fig))`` shows it. Introduced in notebook 08."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class SequenceReport(NamedTuple):
    """What ``describe_sequence`` found: ``message`` is non-empty when the text could not be used."""

    values: tuple
    window: tuple
    prediction: float
    notes: list
    trace: LSTMTrace | None
    message: str

    @property
    def ok(self):
        return not self.message


def describe_sequence(text, result, ranges=None):
    """Parse ``text``, predict the next number from its last ``result.window`` values, and note any range problem.

    Never raises for bad text: the returned ``SequenceReport`` then carries a friendly ``message``.
    Introduced in notebook 08.
    """
    result = _check_result(result)
    ranges = training_ranges(result) if ranges is None else ranges
    parsed = parse_sequence(text, min_len=result.window)
    if not parsed.ok:
        return SequenceReport((), (), float("nan"), [], None, parsed.message)
    window = parsed.values[-result.window :]
    prediction = float(result.predict([window])[0])
    notes = range_notes(window, ranges)
    if not notes:  # each number and the step are in range: check the start and step together
        joint = coverage_note(window, result)
        notes += [joint] if joint else []
    if len(parsed.values) > result.window:
        notes.insert(0, f"The model reads windows of {result.window} numbers, so it used the last {result.window}.")
    trace = trace_model(result.model, window, result.scaler)
    return SequenceReport(parsed.values, window, prediction, notes, trace, "")


class SequenceExplorer:
    """A text box's partner: ``update(text)`` shows the prediction, notes and gates, or a friendly message.

    Introduced in notebook 08. The gate heatmaps reuse ``TimeExplorer`` from notebook 04; their colour scales are
    the same for every sequence typed (c on ±``c_limit``), so two sequences compare by colour.
    """

    def __init__(self, result, dpi=72, c_limit=1.0):
        self.result = _check_result(result)
        self.ranges = training_ranges(result)
        start = tuple(float(v) for v in range(2, 2 + 2 * result.window, 2))  # 2, 4, 6, 8
        self.view = TimeExplorer(start, trace_model(result.model, start, result.scaler),
                                 title="Your sequence: input and gates of the trained LSTM",
                                 input_label="input (your numbers)", dpi=dpi, c_limit=c_limit)
        self.report = None

    def update(self, text):
        """Describe ``text`` and display the outcome (HTML and, for a valid sequence, the gate heatmaps)."""
        report = describe_sequence(text, self.result, self.ranges)
        self.report = report
        if not report.ok:
            display(HTML(f"<div style='color: #a33'><b>Could not read that.</b> {report.message}</div>"))
            return report
        window = ", ".join(f"{v:g}" for v in report.window)
        self.view.set_sequence(report.window, report.trace)
        notes = list(report.notes)
        if self.view.clipped:
            limit = self.view.limits["c"]
            notes.append(f"Some cell states c lie beyond ±{limit:g}: they show in the colour bar's end colours (its "
                         "arrows), because the colour scales stay the same for every sequence you type.")
        items = "".join(f"<li>{note}</li>" for note in notes)
        display(HTML(f"<div><b>{window} → prediction = {report.prediction:.2f}</b>"
                     + (f"<ul style='margin: 2px 0'>{items}</ul>" if items else "") + "</div>"))
        display(Picture(self.view.png(highlight=False), self.view.alt_text(), self.view.width_css))
        return report

    def layout(self, box, out):
        """The text ``box`` above ``out`` (the ``interactive_output`` of ``update``), with CSS classes
        ``sequence-input`` and ``sequence-explorer-out``."""
        box.add_class("sequence-input")
        out.add_class("sequence-explorer-out")
        return widgets.VBox([box, out])


def gate_deviation_figure(traces, x, gates="fiog"):
    """Heatmaps of each gate's departure from one half (``g`` as it is), one row per model in ``traces``.

    ``traces`` maps a row label (e.g. "trained", "untrained") to an ``LSTMTrace`` of one sequence, each field
    ``(seq_len, hidden_size)``; ``x`` holds the sequence's numbers (for the title). Every panel uses a map whose
    lightness rises from negative to positive (``SIGNED_CMAP``, readable in grayscale) on a scale symmetric about 0,
    one scale per gate shared by all rows, so the rows compare directly and
    small departures still show. Returns the ``Figure``. Introduced in notebook 08.
    """
    if not traces:
        raise ValueError("traces is empty: give e.g. {'trained': trace, 'untrained': control_trace}.")
    centre = {"f": 0.5, "i": 0.5, "o": 0.5, "g": 0.0, "c": 0.0, "h": 0.0}
    names = {"f": "f − ½ (forget)", "i": "i − ½ (input)", "o": "o − ½ (output)", "g": "g = C̃ (candidate)",
             "c": "c (cell state)", "h": "h (hidden state)"}
    data = {
        (label, gate): getattr(trace, gate).detach().double().numpy().T - centre[gate]  # (hidden_size, seq_len)
        for label, trace in traces.items()
        for gate in gates
    }
    fig = Figure(figsize=(2.4 * len(gates) + 0.8, 2.4 * len(traces) + 1.2), layout="constrained")
    axes = fig.subplots(len(traces), len(gates), squeeze=False, sharex=True, sharey=True)
    for column, gate in enumerate(gates):
        limit = max(1e-3, max(float(np.abs(data[label, gate]).max()) for label in traces))
        for row, label in enumerate(traces):
            ax = axes[row, column]
            values = data[label, gate]
            image = ax.imshow(values, aspect="auto", cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, interpolation="nearest",
                              extent=(0.5, values.shape[1] + 0.5, values.shape[0] - 0.5, -0.5))
            ax.set_xticks(range(1, values.shape[1] + 1))
            if row == 0:
                ax.set_title(names[gate])
            if column == 0:
                ax.set_ylabel(f"{label}\nunit")
            if row == len(traces) - 1:
                ax.set_xlabel("time step t")
        unit = "departure from ½" if gate in "fio" else "value"
        fig.colorbar(image, ax=axes[:, column], location="bottom", shrink=0.9, label=f"{unit} (no unit)")
    shown = ", ".join(f"{v:g}" for v in as_float_tensor(x, "x").reshape(-1).tolist())
    fig.suptitle(f"Gates on {shown}: departures from one half, each gate on one scale for all rows")
    return fig

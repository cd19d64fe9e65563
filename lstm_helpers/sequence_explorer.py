"""Look inside the trained arithmetic-sequence LSTM: its gates on any sequence, and a typed-sequence explorer.

Introduced in notebook 08 (``08_inside_the_trained_lstm``). ``trace_model`` runs the scratch LSTM with the trained
``nn.LSTM``'s own weights, so every gate value is the model's; ``describe_sequence`` turns a learner's text into
a prediction plus notes (or a friendly message); ``SequenceExplorer`` shows that in a widget.
"""

from typing import NamedTuple

import numpy as np
import torch
from IPython.display import HTML, Image, display

from ._validate import as_float_tensor
from .arithmetic import SEED_SEQ_LENGTH, TrainedArithmeticLSTM
from .cells import LSTMTrace, run_lstm
from .data import make_sequences, make_windows
from .parsing import parse_sequence
from .time_explorer import TimeExplorer
from .torch_bridge import lstm_weights_from_torch

__all__ = ["trace_model", "training_ranges", "range_notes", "SequenceReport", "describe_sequence", "SequenceExplorer"]


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
    if len(steps) and not np.allclose(steps, steps[0], rtol=1e-6, atol=1e-9):
        notes.append("Not an arithmetic sequence (the steps differ): the model was trained only on constant steps.")
    elif len(steps) and not ranges["min_step"] <= steps[0] <= ranges["max_step"]:
        notes.append(
            f"The step {steps[0]:g} is outside the steps seen in training ({ranges['min_step']:g} to "
            f"{ranges['max_step']:g})."
        )
    return notes


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
    if len(parsed.values) > result.window:
        notes.insert(0, f"The model reads windows of {result.window} numbers, so it used the last {result.window}.")
    trace = trace_model(result.model, window, result.scaler)
    return SequenceReport(parsed.values, window, prediction, notes, trace, "")


class SequenceExplorer:
    """A text box's partner: ``update(text)`` shows the prediction, notes and gates, or a friendly message.

    Introduced in notebook 08. The gate heatmaps reuse ``TimeExplorer`` from notebook 04.
    """

    def __init__(self, result, dpi=72):
        self.result = _check_result(result)
        self.ranges = training_ranges(result)
        start = tuple(float(v) for v in range(2, 2 + 2 * result.window, 2))  # 2, 4, 6, 8
        self.view = TimeExplorer(start, trace_model(result.model, start, result.scaler),
                                 title="Your sequence: input and gates of the trained LSTM",
                                 input_label="input (your numbers)", dpi=dpi)
        self.report = None

    def update(self, text):
        """Describe ``text`` and display the outcome (HTML and, for a valid sequence, the gate heatmaps)."""
        report = describe_sequence(text, self.result, self.ranges)
        self.report = report
        if not report.ok:
            display(HTML(f"<div style='color: #a33'><b>Could not read that.</b> {report.message}</div>"))
            return report
        window = ", ".join(f"{v:g}" for v in report.window)
        notes = "".join(f"<li>{note}</li>" for note in report.notes)
        display(HTML(f"<div><b>{window} → prediction = {report.prediction:.2f}</b>"
                     + (f"<ul style='margin: 2px 0'>{notes}</ul>" if notes else "") + "</div>"))
        self.view.set_sequence(report.window, report.trace)
        display(Image(self.view.png(highlight=False)))
        return report

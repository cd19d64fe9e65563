"""The character-model explorer: one cell's activation as coloured text and a trace, and LSTMVis-style pattern search.

Introduced in notebook 10 (``10_inside_the_character_model``). Choose a cell (c or h, and a unit) and a passage; the
passage is coloured by that cell, character by character, and its activation is drawn as a line. Select a span of
the passage: the explorer finds the hidden units that are on (above a threshold) throughout the span and off just
before and after it, then lists where in the validation text the same units switch on and off together
(Strobelt et al.'s LSTMVis). A text box lets the learner read their own text; ``read_text`` answers bad input with
a short message (``check_text``) and the explorer keeps working.

Function first: ``check_text``, ``find_pattern``, ``pattern_units`` and ``quoted_span`` are plain functions;
``CharExplorer.update`` is what the notebook's visible ``interactive_output`` line calls. The span is set with a
range slider or, precisely, with its start and length boxes; it opens on the passage's first whole quoted string
and moves to the learner's text when they read it. The coloured text also carries each value as a hover title and
underlines positive values, so sign and size do not rest on colour alone.
"""

import html
from typing import NamedTuple

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure

from ._render import BlitImage
from .cells import run_lstm
from .char_cells import coloured_text_html, model_parts
from .torch_bridge import lstm_weights_from_torch

__all__ = [
    "MAX_CHARS",
    "YOUR_TEXT",
    "TextCheck",
    "check_text",
    "trace_passage",
    "pattern_units",
    "find_pattern",
    "quoted_span",
    "CharExplorer",
    "explorer_controls",
    "span_boxes",
    "explorer_layout",
]

MAX_CHARS = 2000  # longer typed text is cut to this length (a huge paste stays fast)
YOUR_TEXT = "your text"


class TextCheck(NamedTuple):
    """What ``check_text`` made of a learner's text: ``text`` to read ('' if unusable) and a ``message``."""

    text: str
    message: str

    @property
    def ok(self):
        return bool(self.text)


def check_text(text, vocab, max_chars=MAX_CHARS):
    """Check a learner's text before the model reads it; never raises.

    Empty text and characters outside the vocabulary give a message and no text; text longer than ``max_chars``
    is cut to its first ``max_chars`` characters, with a message saying so.
    """
    if not isinstance(text, str):
        return TextCheck("", f"Expected text, but got {type(text).__name__}.")
    if not text:
        return TextCheck("", "The box is empty: type or paste some text (a sentence, a line of Python) first.")
    note = ""
    if len(text) > max_chars:
        note = f"Your text has {len(text):,} characters; the explorer reads the first {max_chars:,}."
        text = text[:max_chars]
    unknown = vocab.describe_unknown(text)
    if unknown:
        return TextCheck(
            "", unknown + " The model was trained on Python's documentation, which has none of them: "
            "replace or remove them and try again."
        )
    return TextCheck(text, note)


@torch.no_grad()
def trace_passage(model, vocab, text):
    """c and h of ``model`` over ``text`` read from a zero state: two NumPy arrays ``(len(text), hidden_size)``."""
    embedding, lstm, _ = model_parts(model)
    trace = run_lstm(embedding(vocab.encode(text)), lstm_weights_from_torch(lstm))  # each (seq_len, hidden_size)
    return trace.c.numpy(), trace.h.numpy()


def pattern_units(h, start, stop, threshold=0.5):
    """The hidden units on (h > ``threshold``) at every step of ``start:stop`` and off just before and after it.

    ``h`` is ``(seq_len, hidden_size)``; ``start:stop`` is a Python slice of steps (0-based, ``stop`` excluded).
    Returns a sorted array of unit indices (empty when no unit follows that on/off pattern).
    """
    h = np.asarray(h)
    if not 0 <= start < stop <= len(h):
        raise ValueError(f"The span {start}:{stop} must lie inside the {len(h)} steps and hold at least one step.")
    on = h > threshold  # (seq_len, hidden_size)
    keep = on[start:stop].all(axis=0)
    if start > 0:
        keep &= ~on[start - 1]
    if stop < len(h):
        keep &= ~on[stop]
    return np.flatnonzero(keep)


def find_pattern(h, units, length, threshold=0.5, stream=None, min_score=0.75, limit=5):
    """Where in ``h`` ``(num_chars, hidden_size)`` the ``units`` are on for ``length`` steps and off around them.

    A window's score is the fraction of ``units`` that are on throughout it and off just before and after.
    Returns up to ``limit`` non-overlapping ``(start, score)`` pairs with score ≥ ``min_score``, best first.
    ``stream`` (one id per row, as in ``TextTrace.stream``) keeps windows from straddling two streams.
    """
    units = np.asarray(units, dtype=int)
    n = len(h)
    if len(units) == 0 or length > n - 2:
        return []
    on = np.asarray(h)[:, units] > threshold  # (num_chars, num_units)
    runs = np.concatenate([np.zeros((1, len(units)), dtype=int), np.cumsum(on, axis=0)])  # (num_chars + 1, units)
    starts = np.arange(1, n - length)  # windows with a step before and after them
    all_on = (runs[starts + length] - runs[starts]) == length  # (num_windows, num_units)
    fits = all_on & ~on[starts - 1] & ~on[starts + length]
    score = fits.mean(axis=1)  # (num_windows,)
    if stream is not None:
        stream = np.asarray(stream)
        score = np.where(stream[starts - 1] == stream[starts + length], score, 0.0)
    found, taken = [], np.zeros(n, dtype=bool)
    for k in np.argsort(-score, kind="stable"):
        if score[k] < min_score or len(found) >= limit:
            break
        s = starts[k]
        if not taken[s : s + length].any():
            found.append((int(s), float(score[k])))
            taken[s : s + length] = True
    return found


def quoted_span(text, default_length=10):
    """``(first, last)``, counted from 1 and both included, of the first whole quoted string in ``text``.

    The span runs from the opening quote to the closing one (``"with"``, both quotes included); without a closed
    quotation it is the first ``default_length`` characters. Introduced in notebook 10.
    """
    for quote in ('"', "'"):
        start = text.find(quote)
        stop = text.find(quote, start + 1) if start >= 0 else -1
        if stop > start + 1 and "\n" not in text[start:stop]:
            return start + 1, stop + 1
    return 1, max(1, min(len(text), default_length))


def _snippet_html(text, start, length, context=40, bounds=None):
    """The matched window of ``text`` in yellow with up to ``context`` characters either side, inside ``bounds``
    (the ``(first, stop)`` of its stream, so the context never runs into another stream); newlines show as ↵."""

    def show(piece):
        return html.escape(piece.replace("\n", "↵"))

    first, stop = bounds if bounds is not None else (0, len(text))
    left = text[max(first, start - context) : start]
    middle = text[start : start + length]
    right = text[start + length : min(stop, start + length + context)]
    return (
        f"<div style='font-family:monospace;white-space:pre'>{show(left)}"
        f"<span style='background-color:#ffe066'>{show(middle)}</span>{show(right)}</div>"
    )


class CharExplorer:
    """Coloured text, an activation trace and pattern search for one cell of a ``CharLSTM``.

    ``passages`` maps a name to a passage of text; ``reference`` is a ``TextTrace`` of the validation text (where
    span patterns are searched). The widgets: ``text_html`` (the coloured passage), ``image`` (the trace),
    ``pattern_html`` (the span's units and matches), ``message_html`` (notes and input problems).
    """

    def __init__(self, model, vocab, passages, reference, figsize=(8.0, 1.9)):
        if not passages:
            raise ValueError("Give at least one passage, e.g. {'quotes': 'He said \"hi\".'}.")
        self.model, self.vocab, self.reference = model, vocab, reference
        self.hidden_size = model_parts(model)[1].hidden_size
        self.passages, self._traces = {}, {}
        for name, text in passages.items():
            checked = check_text(text, vocab)
            if not checked.ok:
                raise ValueError(f"Passage {name!r}: {checked.message}")
            self.passages[name] = checked.text
        self.text_html = widgets.HTML().add_class("char-explorer-text")
        self.pattern_html = widgets.HTML().add_class("char-explorer-pattern")
        self.message_html = widgets.HTML().add_class("char-explorer-message")
        self._build_figure(figsize)
        self.state = None

    def _build_figure(self, figsize):
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
        self.ax = ax
        ax.set(xlabel="character (counted from 1)", ylabel="value ÷ largest |value|", ylim=(-1.08, 1.08))
        ax.axhline(0, color="0.6", lw=0.8)
        (self.line,) = ax.plot([], [], color="tab:blue", lw=1.2)
        self.span_patch = ax.axvspan(0, 1, color="#ffe066", alpha=0.6)  # the selected span
        self.title = ax.set_title(" ", fontsize=10.5)
        self.blit = BlitImage(fig, [self.line, self.span_patch, self.title])
        self.image = self.blit.image.add_class("char-explorer-trace")
        self.picture = self.blit.picture  # the trace with its alt text
        self._xlim = None

    def trace(self, name):
        """``(text, c, h)`` for passage ``name``, computed once and cached."""
        if name not in self._traces:
            text = self.passages[name]
            self._traces[name] = (text, *trace_passage(self.model, self.vocab, text))
        return self._traces[name]

    def read_text(self, text):
        """Check the learner's ``text``; if usable, make it the passage ``YOUR_TEXT``. Returns the ``TextCheck``."""
        checked = check_text(text, self.vocab)
        if checked.ok:
            self.passages[YOUR_TEXT] = checked.text
            self._traces.pop(YOUR_TEXT, None)
        self.message_html.value = f"<span style='color:#a33'>{html.escape(checked.message)}</span>" if (
            checked.message
        ) else ""
        return checked

    def update(self, state="h", unit=0, passage=None, span=(1, 1), threshold=0.5):
        """Show cell ``state`` (``"c"`` or ``"h"``) ``unit`` on ``passage``; search the pattern of ``span``.

        ``span`` is ``(first, last)``, characters counted from 1, both included. Returns the passage's scaled
        activation (for tests and benchmarks).
        """
        if passage not in self.passages:
            passage = next(iter(self.passages))
        text, c, h = self.trace(passage)
        values = (c if state == "c" else h)[:, int(unit)]  # (seq_len,)
        scale = float(np.abs(values).max()) or 1.0
        scaled = values / scale
        first, last = sorted((max(1, int(span[0])), min(len(text), int(span[1]))))
        self.text_html.value = coloured_text_html(
            text, scaled, vmax=1.0, tips=[f"{state} {unit} = {value:+.2f}" for value in values], underline=scaled > 0,
            title=f"{state} {unit} on '{passage}' (largest |value| {scale:.2f}): red and underlined above 0, blue "
                  "below 0, paler nearer 0; hover over a character for its value",
        )
        x = np.arange(1, len(text) + 1)
        if self._xlim != len(text):
            self.ax.set_xlim(0.5, len(text) + 0.5)
            self.blit.redraw_background()
            self._xlim = len(text)
        self.line.set_data(x, scaled)
        self.span_patch.set_x(first - 0.5)  # the span's shaded band (an axvspan Rectangle)
        self.span_patch.set_width(last - first + 1)
        self.title.set_text(f"{state} {unit} over '{passage}' (÷ {scale:.2f}); span {first}–{last}")
        self.blit.alt = (f"Line plot of {state} {unit} over the {len(text)} characters of '{passage}', divided by its "
                         f"largest |value| {scale:.2f}; the span {first}–{last} is shaded.")
        self.blit.refresh()
        if (passage, first, last, threshold) != self.state:
            self.state = (passage, first, last, threshold)
            self.pattern_html.value = self._pattern_report(text, h, first, last, threshold)
        return scaled

    def _pattern_report(self, text, h, first, last, threshold):
        units = pattern_units(h, first - 1, last, threshold)
        span_text = html.escape(text[first - 1 : last].replace("\n", "↵"))
        if len(units) == 0:
            return (
                f"<p>Span {first}–{last} (<code>{span_text}</code>): no hidden unit is above {threshold:g} "
                "throughout it and below just before and after. Try a lower threshold or a shorter span.</p>"
            )
        ref = self.reference
        matches = find_pattern(ref.h, units, last - first + 1, threshold, stream=ref.stream)
        names = ", ".join(f"h {u}" for u in units[:12]) + (" ..." if len(units) > 12 else "")
        head = (
            f"<p>Span {first}–{last} (<code>{span_text}</code>): {len(units)} hidden unit(s) switch on for it "
            f"and off around it ({names}). "
        )
        if not matches:
            return head + "The validation text has no other place where at least 75% of them do the same.</p>"
        stream = np.asarray(ref.stream)

        def bounds(start):
            where = np.flatnonzero(stream == stream[start])
            return where[0], where[-1] + 1

        length = last - first + 1
        rows = "".join(
            f"<li>{score:.0%} of the units: {_snippet_html(ref.text, start, length, bounds=bounds(start))}</li>"
            for start, score in matches
        )
        return head + "Where they do the same in the validation text:</p><ul>" + rows + "</ul>"

    def png(self):
        """The trace picture as PNG bytes (for the still picture of a saved notebook)."""
        return self.blit.png()

    @property
    def alt(self):
        """The trace picture's alt text: what it shows, in words."""
        return self.blit.alt


def explorer_controls(explorer, unit=0, state="h", passage=None, span=None, threshold=0.5):
    """The explorer's sliders and menus, as a dict for ``interactive_output(explorer.update, controls)``.

    ``span`` is ``(first, last)``, counted from 1; by default the passage's first whole quoted string
    (``quoted_span``). ``explorer_layout`` adds start and length boxes to set it precisely.
    """
    names = list(explorer.passages)
    passage = passage if passage in explorer.passages else names[0]
    length = len(explorer.passages[passage])
    span = quoted_span(explorer.passages[passage]) if span is None else span
    controls = {
        "state": widgets.ToggleButtons(
            options=[("h (hidden)", "h"), ("c (cell)", "c")], value=state, description="state",
            tooltips=["the hidden state h", "the cell state c"],
        ),
        "unit": widgets.IntSlider(value=unit, min=0, max=explorer.hidden_size - 1, description="unit"),
        "passage": widgets.Dropdown(options=names, value=passage, description="passage"),
        "span": widgets.IntRangeSlider(
            value=span, min=1, max=length, description="span", continuous_update=False,
            layout=widgets.Layout(width="70%"),
        ),
        "threshold": widgets.FloatSlider(
            value=threshold, min=0.1, max=0.9, step=0.05, description="on above", continuous_update=False
        ),
    }

    def passage_changed(change):
        text = explorer.passages[change["new"]]
        span_slider = controls["span"]
        with span_slider.hold_trait_notifications():
            span_slider.max = len(text)
            span_slider.value = quoted_span(text)  # a new passage: its first quotation, like the first one

    controls["passage"].observe(passage_changed, "value")
    return controls


def span_boxes(span_slider):
    """Start and length boxes linked both ways to the range slider ``span_slider``: a span set to the character.

    The slider's two handles sit a couple of pixels per character apart on a long passage; the boxes take typed
    numbers and arrow keys. Introduced in notebook 10.
    """
    first, last = span_slider.value
    start = widgets.BoundedIntText(value=first, min=1, max=span_slider.max, description="span start",
                                   style={"description_width": "initial"}, layout=widgets.Layout(width="160px"))
    length = widgets.BoundedIntText(value=last - first + 1, min=1, max=span_slider.max, description="length",
                                    style={"description_width": "initial"}, layout=widgets.Layout(width="130px"))
    busy = []

    def from_boxes(_change):
        if busy:
            return
        first = min(start.value, span_slider.max)
        busy.append(True)
        try:
            span_slider.value = (first, min(span_slider.max, first + length.value - 1))
        finally:
            busy.pop()

    def from_slider(_change):
        if busy:
            return
        busy.append(True)
        try:
            start.max = length.max = span_slider.max
            first, last = span_slider.value
            start.value, length.value = first, last - first + 1
        finally:
            busy.pop()

    start.observe(from_boxes, "value")
    length.observe(from_boxes, "value")
    span_slider.observe(from_slider, ["value", "max"])
    return widgets.HBox([start, length]).add_class("char-explorer-span-boxes")


def explorer_layout(explorer, controls, out=None):
    """The explorer's widgets in one box, with the text box and button that read the learner's own text."""
    box = widgets.Textarea(
        description="your text", style={"description_width": "initial"},
        placeholder="Type or paste text here (a sentence, a line of Python), then press the button.",
        layout=widgets.Layout(width="95%", height="60px"),
    ).add_class("char-explorer-input")
    button = widgets.Button(
        description="Read my text", tooltip="Run the model over the text in the box", icon="play"
    ).add_class("char-explorer-read")

    def read(_):
        checked = explorer.read_text(box.value)
        if not checked.ok:
            return
        passage = controls["passage"]
        if YOUR_TEXT not in passage.options:
            passage.options = [*passage.options, YOUR_TEXT]
        span = controls["span"]
        if passage.value == YOUR_TEXT:  # the same menu entry: refresh by hand
            with span.hold_trait_notifications():
                span.max = len(checked.text)
                span.value = quoted_span(checked.text)  # the span follows the new text
            explorer.state = None
            explorer.update(**{name: widget.value for name, widget in controls.items()})
        else:
            passage.value = YOUR_TEXT  # passage_changed moves the span onto the new text

    button.on_click(read)
    rows = [
        widgets.HBox([controls["state"], controls["passage"]]),
        widgets.HBox([controls["unit"], controls["threshold"]]),
        widgets.HBox([controls["span"], span_boxes(controls["span"])]),
        explorer.picture,
        explorer.text_html,
        explorer.pattern_html,
        widgets.HBox([box, button]),
        explorer.message_html,
    ]
    if out is not None:
        rows.append(out.add_class("char-explorer-out"))
    return widgets.VBox(rows)

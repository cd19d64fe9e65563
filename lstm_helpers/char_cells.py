"""Inside the character model: features of the text, every cell's trace, and the tests of what a cell tracks.

Introduced in notebook 10 (``10_inside_the_character_model``). The order follows the notebook:

1. ``compute_features``: for every character, what a reader knows *after reading it* (column, characters left on
   the line, inside a double-quoted span, bracket depth with and without the brackets inside quotes, inside an
   indented line); ``CAUSAL`` says which depend only on the characters read so far.
2. ``trace_text``: every gate, cell state and hidden state of a ``CharLSTM`` over a text, read in parallel streams
   by the course's own scratch ``run_lstm`` (notebook 03) with the model's weights (``torch_bridge``).
3. ``search_cells``: the cell (c or h) whose activation follows a feature most closely, chosen on one text
   (validation topics) and scored on another (test topics), next to its controls: untrained twins of several seeds
   (``twin_controls``) and many shifted copies of the feature; ``ridge_probes`` for features no single cell carries.
4. ``intervention``: the model reading text while chosen cells are held at chosen values, next to many random
   similar cells held the same way; ``cut_intervals`` with bootstrap intervals over the positions.
5. ``saturation``, ``connectivity`` and ``reach_profile``: how often gates sit near 0 or 1; how strongly one
   prediction depends on each earlier character.
6. ``coloured_text_html`` and ``advantage_html``: Karpathy-style coloured text (inline styles and hover titles, so
   it reads on GitHub too); ``advantage_by_distance``: where the LSTM beats the n-gram, by distance to the opener.
7. ``build_controls``: the controls that take minutes, stored in ``data/char_cells_controls.json``
   (rebuild: ``python -m lstm_helpers.char_cells``).
"""

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from ._validate import check_positive_int
from .cells import LSTMTrace, run_lstm
from .torch_bridge import lstm_weights_from_torch

__all__ = [
    "FEATURES",
    "FEATURE_DESCRIPTIONS",
    "CAUSAL",
    "column",
    "chars_left",
    "in_quotes",
    "bracket_depth",
    "all_brackets",
    "indented",
    "word_position",
    "compute_features",
    "model_parts",
    "TextTrace",
    "trace_text",
    "cell_name",
    "correlations",
    "MARGIN",
    "NUM_SHIFTS",
    "NULL_PERCENTILE",
    "NUM_TWINS",
    "TRACE",
    "features_at",
    "CellSearch",
    "CellTable",
    "search_cells",
    "ProbeResult",
    "ridge_probes",
    "twin_seeds",
    "untrained_twin",
    "twin_controls",
    "run_clamped",
    "ClampRun",
    "clamp_experiment",
    "best_cells",
    "similar_cells",
    "intervention_clamps",
    "INTERVENTIONS",
    "CLAMPS",
    "hold_rows",
    "measured_at",
    "Intervention",
    "intervention",
    "cut_intervals",
    "saturation",
    "connectivity",
    "reach_profile",
    "matching_pairs",
    "coloured_text_html",
    "cell_passage_html",
    "advantage_html",
    "DistanceTable",
    "advantage_by_distance",
    "CONTROLS_FILE",
    "build_controls",
    "kneser_ney_choice",
    "load_controls",
]

OPENING, CLOSING = "([{", ")]}"
INDENT = 3  # a line counts as indented once it has begun with this many spaces (the docs indent code by 3)


def _check_text(text):
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, but got {type(text).__name__}. Pass the characters themselves.")
    return text


def column(text):
    """How many characters of the current line have been read, this one included; a newline gives 0.

    ``column("ab\\ncd")`` is ``[1, 2, 0, 1, 2]``: after reading the newline, nothing of the next line is read yet.
    """
    out, count = np.zeros(len(_check_text(text)), dtype=np.float32), 0
    for t, ch in enumerate(text):
        count = 0 if ch == "\n" else count + 1
        out[t] = count
    return out


def chars_left(text):
    """How many characters follow this one before the next newline (or the end of the text).

    ``chars_left("ab\\ncd")`` is ``[1, 0, 2, 1, 0]``: after the newline, the whole next line ("cd") is still to come.
    A model cannot know this for sure, but it must estimate it to predict where the line wraps.
    """
    out, count = np.zeros(len(_check_text(text)), dtype=np.float32), 0
    for t in range(len(text) - 1, -1, -1):
        out[t] = count
        count = 0 if text[t] == "\n" else count + 1
    return out


def in_quotes(text):
    """1 from an opening double quote ``"`` up to, not including, its closing one; 0 elsewhere.

    Each ``"`` switches between outside and inside, and an empty line (two newlines in a row) ends any open span,
    as a quotation never crosses a paragraph. ``in_quotes('a "b" c')`` is ``[0, 0, 1, 1, 0, 0, 0]``: after reading
    the opening quote we are inside; after reading the closing one, outside again.
    """
    out, inside, previous = np.zeros(len(_check_text(text)), dtype=np.float32), False, ""
    for t, ch in enumerate(text):
        if ch == '"':
            inside = not inside
        elif ch == "\n" and previous == "\n":
            inside = False
        out[t] = inside
        previous = ch
    return out


def bracket_depth(text, skip_quoted=True):
    """How many brackets ``( [ {`` are open after reading this character, brackets inside quotes not counted.

    A closing bracket closes one (never going below 0), and an empty line closes them all. With ``skip_quoted``
    (the default) a bracket inside a quoted string is text, not code, and is ignored: inside a double-quoted span
    (as ``in_quotes``: the docs quote code such as ``"("`` or ``"f(x)"``) or a single-quoted literal (a ``'`` that
    does not follow a letter or digit opens one, so the apostrophe of "don't" does not; the next ``'`` or the end of
    the line closes it). ``bracket_depth('f(a["("])')`` is ``[0, 1, 1, 2, 2, 2, 2, 1, 0]``; with
    ``skip_quoted=False`` every bracket counts (``[0, 1, 1, 2, 2, 3, 3, 2, 1]``). Causal: it depends only on the
    characters read so far.
    """
    out, depth, previous = np.zeros(len(_check_text(text)), dtype=np.float32), 0, ""
    double, single = False, False  # inside a double-quoted span / a single-quoted literal
    for t, ch in enumerate(text):
        if ch == "\n" and previous == "\n":
            depth, double, single = 0, False, False
        elif skip_quoted and ch == '"' and not single:
            double = not double
        elif skip_quoted and ch == "'" and not double:
            single = False if single else not previous.isalnum()
        elif ch == "\n":
            single = False
        elif double or single:
            pass
        elif ch in OPENING:
            depth += 1
        elif ch in CLOSING:
            depth = max(depth - 1, 0)
        out[t] = depth
        previous = ch
    return out


def all_brackets(text):
    """``bracket_depth`` counting every bracket, also those inside quotes (the naive label, for comparison)."""
    return bracket_depth(text, skip_quoted=False)


def indented(text):
    """1 on a line that began with at least 3 spaces, from its third space to its last character; 0 elsewhere.

    The docs indent code examples and grammar by 3 spaces or more (prose lines start with none, almost never with
    1 or 2). A newline gives 0 (the next line has not shown its indentation yet). ``indented("   x\\ny")`` is
    ``[0, 0, 1, 1, 0, 0]``. Causal: the value at a character depends only on the characters read so far, and a
    line is known to be indented at its third leading space, before its first non-space character. A label that is
    1 on the whole line (its first two spaces too) would need a reader to see the future.
    """
    out = np.zeros(len(_check_text(text)), dtype=np.float32)
    spaces, is_indented = 0, False  # leading spaces read on this line so far; -1 once a non-space was read
    for t, ch in enumerate(text):
        if ch == "\n":
            spaces, is_indented = 0, False
        elif spaces >= 0 and ch == " ":
            spaces += 1
            is_indented = is_indented or spaces >= INDENT
        else:
            spaces = -1
        out[t] = is_indented
    return out


def word_position(text):
    """How many letters or digits in a row end at this character (0 on a space, punctuation or newline).

    ``word_position("ab c1.")`` is ``[1, 2, 0, 1, 2, 0]``. The input alone nearly gives it away, so even an untrained
    model has cells that follow it: a feature that shows why the controls matter.
    """
    out, count = np.zeros(len(_check_text(text)), dtype=np.float32), 0
    for t, ch in enumerate(text):
        count = count + 1 if ch.isalnum() else 0
        out[t] = count
    return out


FEATURES = {
    "column": column,
    "chars left": chars_left,
    "in quotes": in_quotes,
    "bracket depth": bracket_depth,
    "all brackets": all_brackets,
    "indented": indented,
    "word position": word_position,
}
FEATURE_DESCRIPTIONS = {
    "column": "characters of the line read so far (newline: 0)",
    "chars left": "characters still to come before the line ends",
    "in quotes": "1 inside a double-quoted span (opening quote included)",
    "bracket depth": "brackets ( [ { open, those inside quotes not counted",
    "all brackets": "brackets ( [ { open, every one counted",
    "indented": "1 on a line indented by 3+ spaces (from its 3rd space)",
    "word position": "letters or digits in a row so far",
}
CAUSAL = {name: name != "chars left" for name in FEATURES}  # known from the characters read so far?


def compute_features(text):
    """Every feature of ``FEATURES`` for every character: a dict name -> float32 array of ``len(text)``."""
    _check_text(text)
    return {name: fn(text) for name, fn in FEATURES.items()}


# --- every cell of the model over a text ------------------------------------------------------------------------


def model_parts(model):
    """The ``(embedding, lstm, readout)`` modules of a ``CharLSTM`` (notebook 09), checked."""
    parts = tuple(getattr(model, name, None) for name in ("embedding", "rnn", "readout"))
    embedding, lstm, readout = parts
    if not (
        isinstance(embedding, torch.nn.Embedding)
        and isinstance(lstm, torch.nn.LSTM)
        and isinstance(readout, torch.nn.Linear)
    ):
        raise TypeError(
            f"model must be a CharLSTM (embedding -> nn.LSTM -> readout) from lstm_helpers.char_model, "
            f"but got {type(model).__name__}."
        )
    return embedding, lstm, readout


@dataclass
class TextTrace:
    """A model's gates and states over a text: ``f, i, g, o, c, h`` are NumPy arrays ``(num_chars, hidden_size)``.

    Row ``t`` is the state after reading ``text[t]``. ``stream`` says which parallel stream each character came
    from (``search_cells`` uses it to keep the search text and the report text apart) and ``positions`` where it
    sits in the text that was read: compute features on that whole text, then index them with ``positions`` (a
    stream starts in the middle of a line or a quotation, so features computed on ``text`` alone would be wrong
    there). ``cells`` holds c and h side by side, ``(num_chars, 2 * hidden_size)``: the candidates of the cell
    search; ``c`` and ``h`` are views into it (no copy).
    """

    text: str
    f: np.ndarray
    i: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray
    stream: np.ndarray
    positions: np.ndarray = None
    cells: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        self.cells = np.concatenate([self.c, self.h], axis=1)  # (num_chars, 2 * hidden_size)
        hidden_size = self.c.shape[1]
        self.c, self.h = self.cells[:, :hidden_size], self.cells[:, hidden_size:]
        self.stream = np.asarray(self.stream)
        if self.positions is None:
            self.positions = np.arange(len(self.stream))


def cell_name(index, hidden_size=256):
    """The name of column ``index`` of ``TextTrace.cells``: ``"c 17"`` or ``"h 17"`` (units counted from 0)."""
    index = int(index)
    if not 0 <= index < 2 * hidden_size:
        raise ValueError(f"cell index {index} is outside 0..{2 * hidden_size - 1} (c units, then h units).")
    return f"c {index}" if index < hidden_size else f"h {index - hidden_size}"


def _stream_starts(length, num_streams, stream_len, warmup):
    """Start positions of ``num_streams`` streams spread evenly over a text of ``length`` characters."""
    last = length - stream_len
    if last < warmup:
        raise ValueError(
            f"The text has {length} characters: too few for streams of {stream_len} after a warm-up of {warmup}. "
            "Use fewer or shorter streams."
        )
    return np.linspace(warmup, last, num_streams).round().astype(int)


@torch.no_grad()
def trace_text(model, vocab, text, num_streams=40, stream_len=500, warmup=100, group=10):
    """Read ``text`` with ``model`` in ``num_streams`` parallel streams and return every gate and state.

    Each stream is ``stream_len`` characters, spread evenly over the text, and first reads the ``warmup``
    characters before it (from a zero state) so that it starts with a realistic memory; the warm-up is not
    returned. The scratch ``run_lstm`` of notebook 03, run with the model's own weights, gives f, i, g, o, c, h
    at every step (``group`` streams at a time, to keep memory low). Returns a ``TextTrace`` over the
    ``num_streams * stream_len`` characters, stream after stream; compute features on ``text`` and index them with
    its ``positions``.
    """
    num_streams = check_positive_int(num_streams, "num_streams")
    stream_len = check_positive_int(stream_len, "stream_len")
    embedding, lstm, _ = model_parts(model)
    weights = lstm_weights_from_torch(lstm)
    ids = vocab.encode(_check_text(text))
    starts = _stream_starts(len(ids), num_streams, stream_len, warmup)
    num_chars = num_streams * stream_len
    arrays = {name: np.empty((num_chars, weights.hidden_size), dtype=np.float32) for name in LSTMTrace._fields}
    for first in range(0, num_streams, group):
        chosen = starts[first : first + group]
        rows = torch.stack([ids[s - warmup : s + stream_len] for s in chosen])  # (group, warmup + stream_len)
        trace = run_lstm(embedding(rows), weights)  # each (group, warmup + stream_len, hidden_size)
        where = slice(first * stream_len, (first + len(chosen)) * stream_len)
        for name in LSTMTrace._fields:  # filled in place: no second copy of the whole trace
            arrays[name][where] = getattr(trace, name)[:, warmup:].reshape(len(chosen) * stream_len, -1).numpy()
        del trace
    picked = "".join(text[s : s + stream_len] for s in starts)
    stream = np.repeat(np.arange(num_streams), stream_len)
    positions = (starts[:, None] + np.arange(stream_len)[None, :]).reshape(-1)  # where each character sits in text
    return TextTrace(picked, *arrays.values(), stream, positions)


# --- which cell tracks a feature, against its controls ----------------------------------------------------------


def correlations(acts, feature):
    """Pearson correlation of every column of ``acts`` ``(num_chars, num_cells)`` with ``feature`` ``(num_chars,)``.

    Returns a float64 array ``(num_cells,)``; a column (or a feature) that never changes gets 0.
    """
    acts, feature = np.asarray(acts), np.asarray(feature, dtype=np.float64).reshape(-1)
    if acts.ndim != 2 or acts.shape[0] != feature.shape[0]:
        raise ValueError(
            f"acts must be (num_chars, num_cells) and feature (num_chars,), but got shapes {acts.shape} and "
            f"{feature.shape}."
        )
    if acts.dtype not in (np.float32, np.float64):
        acts = acts.astype(np.float64)
    a = acts - acts.mean(axis=0, dtype=np.float64).astype(acts.dtype)  # one centred copy, in the acts' own dtype
    f = feature - feature.mean()
    norms = np.sqrt(np.einsum("ij,ij->j", a, a, dtype=np.float64) * (f**2).sum())  # sums in float64
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a.T @ f.astype(a.dtype)).astype(np.float64) / norms
    return np.where(norms > 0, r, 0.0)


MARGIN = 0.15  # a cell counts as found when its held-out |r| beats the stronger control by more than this
NUM_SHIFTS = 200  # shifted copies of each feature: how high |r| gets by chance
NULL_PERCENTILE = 95  # the shift null is this percentile of the shifted copies' scores
NUM_TWINS = 10  # untrained twins (seeds): the untrained control is the largest of their scores
TRACE = {"num_streams": 40, "stream_len": 500, "warmup": 100}  # how notebook 10 reads each text


def features_at(text, trace):
    """Every feature of ``FEATURES`` computed on the whole ``text``, taken at the characters ``trace`` read."""
    return {name: values[trace.positions] for name, values in compute_features(text).items()}


def _cells_of(trace_or_cells):
    return trace_or_cells.cells if isinstance(trace_or_cells, TextTrace) else np.asarray(trace_or_cells)


class CellSearch(NamedTuple):
    """The outcome of ``search_cells`` for one feature.

    ``cell`` (a column of ``TextTrace.cells``) has the largest |r| on the search text; ``r_search`` and
    ``r_report`` are its correlations there and on the separate report text. ``twins`` holds the report-text |r| of
    the same procedure on each untrained twin, ``shifts`` on each shifted copy of the feature. ``found`` needs
    ``|r_report|`` to beat the largest twin and the ``percentile``-th percentile of the shifts by more than
    ``margin``.
    """

    feature: str
    cell: int
    name: str
    r_search: float
    r_report: float
    twins: np.ndarray
    shifts: np.ndarray
    margin: float
    percentile: float

    @property
    def twin_max(self):
        return float(np.max(self.twins)) if len(self.twins) else 0.0

    @property
    def shift_null(self):
        return float(np.percentile(self.shifts, self.percentile)) if len(self.shifts) else 0.0

    @property
    def best_control(self):
        return max(self.twin_max, self.shift_null)

    @property
    def gap(self):
        """How far the held-out |r| is above the stronger control (negative: below it)."""
        return abs(self.r_report) - self.best_control

    @property
    def found(self):
        return self.gap > self.margin


def _unit_columns(acts):
    """Each column centred and scaled to length 1 (float32), so a dot product with a unit feature is Pearson r."""
    acts = np.asarray(acts, dtype=np.float32)
    acts = acts - acts.mean(axis=0, dtype=np.float64).astype(np.float32)
    norms = np.sqrt((acts**2).sum(axis=0))
    return acts / np.where(norms > 0, norms, 1.0)


def _unit_vector(feature):
    feature = np.asarray(feature, dtype=np.float64).reshape(-1)
    feature = feature - feature.mean()
    norm = np.sqrt((feature**2).sum())
    return (feature / norm if norm > 0 else feature).astype(np.float32)


class CellTable:
    """The cells of a search text and of a report text, each standardised once for many correlations."""

    def __init__(self, search, report):
        self.search, self.report = _unit_columns(_cells_of(search)), _unit_columns(_cells_of(report))
        if self.search.shape[1] != self.report.shape[1]:
            raise ValueError(f"search and report have {self.search.shape[1]} and {self.report.shape[1]} cells.")

    def pick_and_score(self, search_feature, report_feature):
        """The cell with the largest |r| on the search text, its r there, and its r on the report text."""
        r_search = self.search.T @ _unit_vector(search_feature)  # (num_cells,)
        best = int(np.abs(r_search).argmax())
        r_report = float(self.report[:, best] @ _unit_vector(report_feature))
        return best, float(r_search[best]), r_report  # float32 sums: r to about 1e-5

    def shifted_scores(self, search_feature, report_feature, num_shifts=NUM_SHIFTS, seed=0):
        """``pick_and_score``'s report |r| for ``num_shifts`` copies of the feature rolled by random offsets.

        Each copy is rolled along both texts (by 10% to 90% of their length), so it keeps its values and runs but
        no longer lines up with the characters. All copies at once: ``(num_shifts,)``.
        """
        gen = np.random.default_rng(seed)
        copies = []
        for feature, table in ((search_feature, self.search), (report_feature, self.report)):
            n = len(table)
            offsets = gen.integers(n // 10, n - n // 10, size=num_shifts)
            unit = _unit_vector(feature)
            copies.append(np.stack([np.roll(unit, int(k)) for k in offsets], axis=1))  # (n, num_shifts)
        best = np.abs(self.search.T @ copies[0]).argmax(axis=0)  # (num_shifts,): the cell each copy picks
        return np.abs(np.einsum("nk,nk->k", self.report[:, best], copies[1]))


def search_cells(search, report, search_features, report_features, twins=None, margin=MARGIN,
                 num_shifts=NUM_SHIFTS, percentile=NULL_PERCENTILE, seed=0):
    """For each feature, the cell (c or h) that tracks it best, chosen on one text and scored on another.

    ``search`` and ``report`` are ``TextTrace`` s (or cell arrays) of two different texts (notebook 10: validation
    and test topics) and ``*_features`` dicts name -> values at their characters (``features_at``). Choosing the
    best of hundreds of cells inflates its score, so the score comes from the report text only. Controls: ``twins``
    (a dict name -> the report |r| of the same procedure on each untrained twin, from ``twin_controls``) and
    ``num_shifts`` shifted copies of the feature (their ``percentile``-th percentile counts). Returns a dict
    name -> ``CellSearch``.
    """
    table = CellTable(search, report)
    hidden_size = table.search.shape[1] // 2
    results = {}
    for name, feature in search_features.items():
        feature, other = np.asarray(feature, dtype=np.float64), np.asarray(report_features[name], dtype=np.float64)
        if len(feature) != len(table.search) or len(other) != len(table.report):
            raise ValueError(
                f"{name} has {len(feature)} and {len(other)} values but the traces have {len(table.search)} and "
                f"{len(table.report)} characters: compute features with features_at(text, trace)."
            )
        best, r_search, r_report = table.pick_and_score(feature, other)
        shifts = table.shifted_scores(feature, other, num_shifts, seed)
        twin_scores = np.asarray((twins or {}).get(name, []), dtype=np.float64)
        results[name] = CellSearch(
            name, best, cell_name(best, hidden_size), r_search, r_report, twin_scores, shifts, margin, percentile
        )
    return results


class ProbeResult(NamedTuple):
    """A ridge probe's score: ``r2`` on the report text, with the ``alpha`` chosen on the fitting text."""

    r2: float
    alpha: float
    prediction: np.ndarray


def _r2(y, prediction):
    total = ((y - y.mean()) ** 2).sum()
    return float(1.0 - ((y - prediction) ** 2).sum() / total) if total > 0 else 0.0


def _range(cells):
    cells = _cells_of(cells)
    return cells.min(axis=0), cells.max(axis=0)


class _Ridge:
    """Ridge regression on fixed inputs ``X`` for many targets and penalties (one eigendecomposition)."""

    def __init__(self, X):
        self.X, self.n = X, len(X)
        self.eigenvalues, self.V = np.linalg.eigh((X.T @ X).astype(np.float64))

    def weights(self, y, alpha):
        """Minimise ``|X w - y|² + alpha * n * |w|²``."""
        Xy = (self.X.T @ np.asarray(y, dtype=self.X.dtype)).astype(np.float64)
        return self.V @ ((self.V.T @ Xy) / (self.eigenvalues + alpha * self.n))


def ridge_probes(fit, fit_features, report, report_features, alphas=(1e-4, 1e-3, 1e-2, 1e-1, 1.0)):
    """How well a linear read-out of all cells recovers each feature on a text it was not fitted on.

    Fits ridge regression on the cells of ``fit`` (a ``TextTrace`` or ``(num_chars, num_cells)`` array, standardised
    with its own mean and spread) for each feature of ``fit_features`` and returns its R² on ``report``: 1 is
    perfect, 0 no better than always guessing the report text's own mean (which the probe never saw), below 0 worse.
    The report's cells are first clipped to the range each cell took on the fitting text: a cell that is nearly
    constant there and moves on other topics would otherwise be extrapolated far beyond anything the probe was fitted
    on. The penalty ``alpha`` (per fitted character) is chosen among ``alphas`` by fitting on the first half of the
    fitting text and scoring on the second. Returns a dict name -> ``ProbeResult``.
    """
    X_fit = _cells_of(fit).astype(np.float32)  # (num_fit, num_cells): float32 halves the memory
    mean, std = X_fit.mean(axis=0, dtype=np.float64), X_fit.std(axis=0, dtype=np.float64) + 1e-8
    X_fit -= mean.astype(np.float32)
    X_fit /= std.astype(np.float32)
    X_report = ((np.clip(_cells_of(report), *_range(fit)) - mean) / std).astype(np.float32)
    half = len(X_fit) // 2
    first, full = _Ridge(X_fit[:half]), _Ridge(X_fit)
    results = {}
    for name, feature in fit_features.items():
        y_fit = np.asarray(feature, dtype=np.float64).reshape(-1)
        y_report = np.asarray(report_features[name], dtype=np.float64).reshape(-1)
        y_first = y_fit[:half].mean()
        scores = [_r2(y_fit[half:], X_fit[half:] @ first.weights(y_fit[:half] - y_first, a) + y_first) for a in alphas]
        alpha = alphas[int(np.argmax(scores))]
        prediction = X_report @ full.weights(y_fit - y_fit.mean(), alpha) + y_fit.mean()
        results[name] = ProbeResult(_r2(y_report, prediction), float(alpha), prediction)
    return results


# --- the untrained twins ----------------------------------------------------------------------------------------


def twin_seeds(metadata, count=NUM_TWINS):
    """The seeds of the untrained twins: the shipped model's own seed first, then the ``count - 1`` after it."""
    return [int(metadata["seed"]) + k for k in range(count)]


def untrained_twin(metadata, seed=None):
    """The shipped model's architecture built with ``seed`` (default: its own seed, i.e. the weights it started
    from) and never trained, in eval mode.

    ``metadata`` is the dict ``load_shipped`` returns. The global random state is left as it was.
    """
    from .char_model import build_model

    with torch.random.fork_rng():
        torch.manual_seed(metadata["seed"] if seed is None else seed)
        model = build_model(metadata["architecture"])
    return model.eval()


def twin_controls(metadata, vocab, search_text, report_text, seeds, trace=None):
    """The cell search and the ridge probes run on untrained twins: the untrained control of ``search_cells``.

    For each seed of ``seeds`` the twin reads both texts as the trained model does (``trace``: keyword arguments of
    ``trace_text``, default ``TRACE``); each feature's cell is chosen on ``search_text`` and scored on
    ``report_text``. Returns ``{"seeds", "r", "cells", "probe_r2"}``: the last three are dicts feature -> a list with
    one value per seed (held-out |r|, chosen cell, probe R²). The traces are dropped seed by seed.
    """
    trace = TRACE if trace is None else trace
    out = {"seeds": [int(s) for s in seeds], "r": {}, "cells": {}, "probe_r2": {}}
    for seed in seeds:
        twin = untrained_twin(metadata, seed)
        search, report = trace_text(twin, vocab, search_text, **trace), trace_text(twin, vocab, report_text, **trace)
        search_features, report_features = features_at(search_text, search), features_at(report_text, report)
        table = CellTable(search, report)
        probes = ridge_probes(search, search_features, report, report_features)
        for name in search_features:
            best, _, r_report = table.pick_and_score(search_features[name], report_features[name])
            out["r"].setdefault(name, []).append(abs(r_report))
            out["cells"].setdefault(name, []).append(best)
            out["probe_r2"].setdefault(name, []).append(probes[name].r2)
        del search, report, table
    return out


# --- interventions, saturation, connectivity --------------------------------------------------------------------


@torch.no_grad()
def run_clamped(model, ids, clamp_mask=None, clamp_values=None):
    """Log-probabilities of the next character while chosen cells are held fixed at every step.

    ``ids`` is ``(batch, seq_len)``. ``clamp_mask`` ``(batch, 2 * hidden_size)`` (bool) says which cells of which
    row are clamped, indexed like ``TextTrace.cells`` (c units first, then h units), and ``clamp_values`` (same
    shape) the values they are held at. A clamped c unit changes h through h = o ⊙ tanh(c); a clamped h unit is
    what the read-out and the next step see. Each row can clamp different cells, so an intervention and its
    controls run side by side in one batch. The step is the scratch ``lstm_step`` of notebook 03 with the model's
    weights. Returns ``(batch, seq_len, vocab_size)``.
    """
    from .cells import lstm_step

    embedding, lstm, readout = model_parts(model)
    ids = torch.as_tensor(ids)
    if ids.dim() != 2:
        raise ValueError(f"ids must be (batch, seq_len), but got shape {tuple(ids.shape)}.")
    weights = lstm_weights_from_torch(lstm)
    batch, H = ids.shape[0], weights.hidden_size
    if clamp_mask is None:
        clamp_mask, clamp_values = torch.zeros(batch, 2 * H, dtype=torch.bool), torch.zeros(batch, 2 * H)
    clamp_mask = torch.as_tensor(clamp_mask, dtype=torch.bool)
    clamp_values = torch.as_tensor(clamp_values, dtype=torch.float32)
    if clamp_mask.shape != (batch, 2 * H) or clamp_values.shape != (batch, 2 * H):
        raise ValueError(f"clamp_mask and clamp_values must both be (batch, 2 * hidden_size) = {(batch, 2 * H)}.")
    x = embedding(ids)  # (batch, seq_len, embedding_dim)
    h = c = torch.zeros(batch, H)
    log_p = torch.empty(batch, ids.shape[1], readout.out_features)
    for t in range(ids.shape[1]):
        step = lstm_step(x[:, t], h, c, weights)
        c = torch.where(clamp_mask[:, :H], clamp_values[:, :H], step.c)  # (batch, hidden_size)
        h = torch.where(clamp_mask[:, H:], clamp_values[:, H:], step.o * torch.tanh(c))
        log_p[:, t] = torch.log_softmax(readout(h), dim=-1)  # read out step by step: no stack of every h
    return log_p  # (batch, seq_len, vocab_size)


class ClampRun(NamedTuple):
    """``probs[k, j]``: the probability the model gives ``target`` right after text position ``positions[j]``
    when clamp ``k`` is applied (``labels[k]``; clamp 0 is the unclamped model)."""

    probs: np.ndarray
    positions: np.ndarray
    labels: list


def clamp_experiment(model, vocab, text, clamps, target, num_passages=12, passage_len=500, skip=100, group=8):
    """Read ``num_passages`` passages of ``text`` once unclamped and once per clamp; return a ``ClampRun``.

    ``clamps`` is a list of ``(label, {cell: value})``, cells indexed like ``TextTrace.cells``. Each passage is
    read from a zero state; its first ``skip`` characters only build up the model's memory and are not measured.
    ``group`` clamps are read side by side in one batch (fewer: less memory).
    """
    starts = _stream_starts(len(text) - 1, num_passages, passage_len, 0)
    ids = torch.stack([vocab.encode(text[s : s + passage_len]) for s in starts])  # (num_passages, passage_len)
    H = model_parts(model)[1].hidden_size
    configs = [("no clamp", {})] + list(clamps)
    mask = torch.zeros(len(configs), num_passages, 2 * H, dtype=torch.bool)
    values = torch.zeros(len(configs), num_passages, 2 * H)
    for k, (_, cells) in enumerate(configs):
        for cell, value in cells.items():
            mask[k, :, cell], values[k, :, cell] = True, float(value)
    probs = []
    for first in range(0, len(configs), group):
        chosen = slice(first, first + group)
        count = len(configs[chosen])
        rows = ids.repeat(count, 1)  # (count * num_passages, passage_len)
        log_p = run_clamped(model, rows, mask[chosen].reshape(len(rows), -1), values[chosen].reshape(len(rows), -1))
        probs.append(log_p[:, skip:, vocab.index[target]].exp().reshape(count, -1).numpy())
        del log_p
    positions = (starts[:, None] + np.arange(skip, passage_len)[None, :]).reshape(-1)
    return ClampRun(np.concatenate(probs), positions, [label for label, _ in configs])


def best_cells(cells, feature, k=3):
    """The ``k`` columns of ``cells`` ``(num_chars, num_cells)`` with the largest |r| with ``feature``, best first."""
    return np.argsort(-np.abs(correlations(cells, feature)), kind="stable")[:k]


def similar_cells(best, spread, gen, pool_size=20):
    """For each cell of ``best``, a random other cell of the same kind (c or h) among the ``pool_size`` whose
    spread (``spread``: each cell's standard deviation) is closest to its own: a control that moves the model
    about as much."""
    H = len(spread) // 2
    picks = []
    for b in best:
        same_kind = np.arange(H) + (0 if b < H else H)
        pool = [k for k in same_kind if k not in best and k not in picks]
        picks.append(int(gen.choice(sorted(pool, key=lambda k: abs(spread[k] - spread[b]))[:pool_size])))
    return picks


def intervention_clamps(cells, feature, hold_rows, k=3, draws=30, pool_size=20, seed=0):
    """The clamps of an intervention: the best cell, the best ``k``, and ``draws`` sets of ``k`` similar random cells.

    Cells are chosen on ``cells`` ``(num_chars, num_cells)`` (the search text) by their |r| with ``feature``, and each
    is held at its mean over the rows ``hold_rows`` (where the feature is "off"). Returns a list of
    ``(label, {cell: value})`` for ``clamp_experiment``.
    """
    cells = _cells_of(cells)
    best = best_cells(cells, feature, k)
    spread = cells.std(axis=0)  # (num_cells,)
    gen = np.random.default_rng(seed)

    def hold(chosen):
        return {int(c): float(cells[hold_rows, c].mean()) for c in chosen}

    H = cells.shape[1] // 2
    clamps = [(f"best cell ({cell_name(best[0], H)})", hold(best[:1])), (f"best {k} cells", hold(best))]
    clamps += [(f"{k} similar random cells, draw {d + 1}", hold(similar_cells(best, spread, gen, pool_size)))
               for d in range(draws)]
    return clamps


INTERVENTIONS = {
    "quotes": {"feature": "in quotes", "target": '"'},
    "line ends": {"feature": "chars left", "target": "\n"},
}
CLAMPS = {"num_passages": 32, "passage_len": 500, "skip": 100, "k": 3, "draws": 30, "pool_size": 20}


def hold_rows(kind, features):
    """Where an intervention's cells take the values they are held at: outside quotes; a line's first 10 columns."""
    if kind == "quotes":
        return features["in quotes"] == 0
    return (features["column"] >= 1) & (features["column"] <= 10)


def measured_at(kind, text, positions):
    """Which ``positions`` of ``text`` an intervention is measured at (the next character is its ``target``).

    Quotes: inside a quotation, right before its closing ``"``. Line ends: right before the newline that ends an
    ordinary (not indented) line of 50 characters or more.
    """
    positions = np.asarray(positions)
    following = np.array([text[p + 1] if p + 1 < len(text) else "" for p in positions])
    if kind == "quotes":
        return (in_quotes(text)[positions] == 1) & (following == '"')
    prose, columns = indented(text)[positions] == 0, column(text)[positions]
    return (following == "\n") & prose & (columns >= 50)


class Intervention(NamedTuple):
    """An intervention measured on a report text: ``run.probs[:, measured]`` are the target's probabilities at the
    measured positions under each of ``clamps`` (row 0: no clamp)."""

    kind: str
    clamps: list
    run: ClampRun
    measured: np.ndarray

    @property
    def at_targets(self):
        return self.run.probs[:, self.measured]  # (num_clamps + 1, num_measured)


def intervention(model, vocab, search, search_features, report_text, kind, only=None, settings=None, seed=0):
    """Choose an intervention's cells on the search text, clamp them while the model reads the report text.

    ``kind`` is a key of ``INTERVENTIONS``; ``settings`` overrides ``CLAMPS``; ``only`` (indices into the clamps:
    0 the best cell, 1 the best k, 2... the random draws) runs just those, to save time. Returns an
    ``Intervention``.
    """
    settings = {**CLAMPS, **(settings or {})}
    spec = INTERVENTIONS[kind]
    feature = search_features[spec["feature"]]
    clamps = intervention_clamps(search, feature, hold_rows(kind, search_features), settings["k"],
                                 settings["draws"], settings["pool_size"], seed)
    clamps = clamps if only is None else [clamps[k] for k in only]
    run = clamp_experiment(model, vocab, report_text, clamps, spec["target"], settings["num_passages"],
                           settings["passage_len"], settings["skip"])
    return Intervention(kind, clamps, run, measured_at(kind, report_text, run.positions))


def cut_intervals(probs, num_resamples=2000, level=95, seed=0):
    """How much each clamp cuts the target's mean probability, with bootstrap intervals over the positions.

    ``probs`` is ``(num_rows, num_positions)``, row 0 unclamped. The cut of row k is
    ``1 - mean(probs[k]) / mean(probs[0])``; the positions are resampled with replacement (the same resample for
    every row). Returns ``(cut, low, high)``, each ``(num_rows,)``, with a ``level``% percentile interval.
    """
    probs = np.asarray(probs, dtype=np.float64)
    gen = np.random.default_rng(seed)
    cut = 1 - probs.mean(axis=1) / probs[0].mean()
    resampled = np.stack([probs[:, gen.integers(0, probs.shape[1], probs.shape[1])].mean(axis=1)
                          for _ in range(num_resamples)])  # (num_resamples, num_rows)
    cuts = 1 - resampled / resampled[:, :1]
    tail = (100 - level) / 2
    return cut, np.percentile(cuts, tail, axis=0), np.percentile(cuts, 100 - tail, axis=0)


def saturation(trace, low=0.1, high=0.9):
    """For each gate f, i, o: the fraction of characters on which each unit is below ``low`` and above ``high``.

    Returns ``{gate: (fraction_low, fraction_high)}``, each ``(hidden_size,)``. A unit that is nearly always above
    0.9 in its forget gate keeps its cell for a long time; one that is often below 0.1 resets it.
    """
    gates = {name: getattr(trace, name) for name in "fio"}  # each (num_chars, hidden_size)
    return {name: ((g < low).mean(axis=0), (g > high).mean(axis=0)) for name, g in gates.items()}


def connectivity(model, ids, targets):
    """How strongly each prediction depends on every earlier character: gradient norms, ``(batch, seq_len)``.

    ``ids`` ``(batch, seq_len)`` are passages; ``targets`` ``(batch,)`` the character that follows each one. Entry
    ``[b, t]`` is the norm of the gradient of log p(target | passage b) with respect to the embedding of character
    t (Distill's "memorization in RNNs" view). The model reads each passage from a zero state.
    """
    embedding, lstm, readout = model_parts(model)
    ids, targets = torch.as_tensor(ids), torch.as_tensor(targets)
    x = embedding(ids).detach().requires_grad_(True)  # (batch, seq_len, embedding_dim)
    out, _ = lstm(x)  # (batch, seq_len, hidden_size)
    log_p = torch.log_softmax(readout(out[:, -1]), dim=-1)  # (batch, vocab_size)
    log_p.gather(1, targets.reshape(-1, 1)).sum().backward()  # the passages are independent: one backward for all
    return x.grad.norm(dim=-1).numpy()  # (batch, seq_len)


def reach_profile(grads):
    """Median gradient norm 1, 2, ... characters back, divided by the median 1 character back: ``(seq_len,)``.

    ``grads`` is ``connectivity``'s ``(batch, seq_len)``. Dividing by the model's own 1-step gradient compares how
    fast two models forget, whatever the overall size of their gradients.
    """
    median = np.median(np.asarray(grads)[:, ::-1], axis=0)  # (seq_len,): 1 character back first
    return median / median[0]


def matching_pairs(text, opener="(", closer=")"):
    """``(open, close)`` positions of each matched pair: brackets by nesting, quotes (opener == closer) in turns.

    Like the features, pairs never cross an empty line. Used to ask whether a closing character's prediction
    reaches back to its opening one.
    """
    pairs, stack, previous = [], [], ""
    for t, ch in enumerate(_check_text(text)):
        if ch == "\n" and previous == "\n":
            stack = []
        elif opener == closer and ch == opener:
            if stack:
                pairs.append((stack.pop(), t))
            else:
                stack.append(t)
        elif ch == opener:
            stack.append(t)
        elif ch == closer and stack:
            pairs.append((stack.pop(), t))
        previous = ch
    return sorted(pairs)


# --- coloured text ----------------------------------------------------------------------------------------------


def _colour(value, signed):
    """A background colour for ``value`` in [-1, 1] (signed: blue negative, red positive) or [0, 1] (white to red)."""
    value = float(np.clip(value, -1.0, 1.0))
    if not signed:
        value = max(value, 0.0)
    strength = abs(value)
    fade = round(255 * (1 - 0.85 * strength))  # the other two channels fade as |value| grows
    if value >= 0:
        return f"#{255:02x}{fade:02x}{fade:02x}"
    return f"#{fade:02x}{fade:02x}{255:02x}"


def coloured_text_html(text, values, vmax=None, signed=True, title="", marks=(), tips=None, underline=None):
    """``text`` as HTML with each character's background set by ``values`` (Karpathy-style), inline styles only.

    ``values`` has one number per character; colours saturate at ``vmax`` (default: the largest |value|). Signed
    values go blue (negative) to white (0) to red (positive); unsigned ones white to red. Newlines show as ↵ and
    break the line; ``marks`` are character positions to outline (e.g. the predicted character). ``tips`` (one
    string per character) become hover titles and ``underline`` (one bool per character; default for signed values:
    the positive ones) underlines, so the meaning does not rest on colour alone. Inline styles (no ``<style>``
    block) keep the colours when GitHub renders the saved notebook.
    """
    _check_text(text)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(values) != len(text):
        raise ValueError(f"values has {len(values)} numbers but the text has {len(text)} characters.")
    scale = vmax if vmax is not None else (np.abs(values).max() if len(values) else 1.0)
    scale = scale if scale > 0 else 1.0
    marks = set(int(m) for m in marks)
    tips = [""] * len(text) if tips is None else list(tips)
    if underline is None:  # signed values: positive ones underlined, so the sign does not rest on colour alone
        underline = values > 0 if signed else np.zeros(len(text), dtype=bool)
    underline = np.asarray(underline, dtype=bool)
    pieces = []
    for t, (ch, value) in enumerate(zip(text, values, strict=True)):
        shown = "↵" if ch == "\n" else html.escape(ch)
        style = f"background-color:{_colour(value / scale, signed)};"
        style += "outline:2px solid #000;" if t in marks else ""
        style += "text-decoration:underline;" if underline[t] else ""
        tip = f' title="{html.escape(tips[t])}"' if tips[t] else ""
        pieces.append(f'<span style="{style}"{tip}>{shown}</span>')
        if ch == "\n":
            pieces.append("<br>")
    heading = f"<div style='font-family:sans-serif'><b>{html.escape(title)}</b></div>" if title else ""
    body = "".join(pieces)
    return (
        f"<div>{heading}<div style='font-family:monospace;white-space:pre-wrap;line-height:1.45;"
        f"font-size:12px'>{body}</div></div>"
    )


def cell_passage_html(trace, cell, feature, length=400, title=""):
    """Coloured text of one cell over the window of ``length`` characters of ``trace`` where ``feature`` varies most.

    ``cell`` indexes ``trace.cells``; the colours are the cell's values divided by its largest |value| in the
    window, and each character's hover title gives its value. Pass the report text's trace: text the cell was not
    chosen on.
    """
    feature = np.asarray(feature, dtype=np.float64)
    best, best_spread = None, -1.0
    for k in np.unique(trace.stream):
        where = np.flatnonzero(trace.stream == k)
        for start in range(where[0], where[-1] + 2 - length, length // 2):
            spread = feature[start : start + length].std()
            if spread > best_spread:
                best, best_spread = start, spread
    values = trace.cells[best : best + length, cell]
    heading = title or f"{cell_name(cell, trace.h.shape[1])}: red and underlined positive, blue negative"
    return coloured_text_html(trace.text[best : best + length], values, title=heading,
                              tips=[f"{v:+.2f}" for v in values])


# --- where the LSTM beats the n-gram ---------------------------------------------------------------------------


def advantage_html(text, lstm_bits, ngram_bits, vmax=3.0, title="", marks=()):
    """``text`` coloured by the n-gram's bits minus the LSTM's for each character: red where the LSTM needs fewer.

    Characters the LSTM predicts better are also underlined, each one's hover title gives both numbers, and
    ``marks`` (positions in ``text``) are outlined.
    """
    advantage = np.asarray(ngram_bits, dtype=np.float64) - np.asarray(lstm_bits, dtype=np.float64)
    tips = [
        f"{'newline' if ch == chr(10) else repr(ch)}: LSTM {a:.1f} bits, n-gram {b:.1f} bits"
        for ch, a, b in zip(text, lstm_bits, ngram_bits, strict=True)
    ]
    return coloured_text_html(text, advantage, vmax, title=title, marks=marks, tips=tips, underline=advantage > 0)


class DistanceTable(NamedTuple):
    """``advantage_by_distance``: per distance bin ``[edges[k], edges[k + 1])``, the count of closers, the mean
    advantage (bits) and its bootstrap interval."""

    edges: np.ndarray
    count: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def advantage_by_distance(advantage, pairs, edges, num_resamples=2000, level=95, seed=0):
    """The mean of ``advantage`` (one value per character) at each closing character, by its distance to the opener.

    ``pairs`` are ``(open, close)`` positions (``matching_pairs``); the distance is ``close - open`` characters.
    Intervals resample the closers of each bin with replacement. Returns a ``DistanceTable``; an empty bin gets
    count 0 and NaN.
    """
    advantage = np.asarray(advantage, dtype=np.float64)
    pairs = np.array(pairs, dtype=int).reshape(-1, 2)
    distance, value = pairs[:, 1] - pairs[:, 0], advantage[pairs[:, 1]]
    edges = np.asarray(edges)
    gen = np.random.default_rng(seed)
    tail = (100 - level) / 2
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        chosen = value[(distance >= lo) & (distance < hi)]
        if len(chosen) == 0:
            rows.append((0, np.nan, np.nan, np.nan))
            continue
        means = chosen[gen.integers(0, len(chosen), (num_resamples, len(chosen)))].mean(axis=1)
        rows.append((len(chosen), chosen.mean(), np.percentile(means, tail), np.percentile(means, 100 - tail)))
    count, mean, low, high = (np.array(part) for part in zip(*rows, strict=True))
    return DistanceTable(edges, count.astype(int), mean, low, high)


# --- the controls that take minutes: stored, with the command that rebuilds them ---------------------------------

CONTROLS_FILE = Path(__file__).parent / "data" / "char_cells_controls.json"
REBUILD = "python -m lstm_helpers.char_cells"


def build_controls(model, metadata, vocab, split, num_twins=NUM_TWINS):
    """Everything ``CONTROLS_FILE`` stores: the twins' cell searches and probes, every clamp of the interventions,
    and the n-gram order notebook 10 compares with (``kneser_ney_choice``).

    ``split`` is ``char_data.topic_split()``: cells are chosen on its validation text, measured on its test text.
    """
    search = trace_text(model, vocab, split.validation, **TRACE)
    search_features = features_at(split.validation, search)
    interventions = {}
    for kind in INTERVENTIONS:
        run = intervention(model, vocab, search, search_features, split.test, kind)
        interventions[kind] = {
            "labels": run.run.labels,
            "clamps": [{str(c): round(v, 6) for c, v in cells.items()} for _, cells in run.clamps],
            "positions": run.run.positions[run.measured].tolist(),
            "probs": np.round(run.at_targets, 7).tolist(),
        }
    del search
    kneser_ney = kneser_ney_choice(vocab, split)
    twins = twin_controls(metadata, vocab, split.validation, split.test, twin_seeds(metadata, num_twins))
    return {
        "description": "Notebook 10's controls: untrained twins (cell search and probes) and interventions with "
        "random cells; cells chosen on the validation topics, measured on the test topics.",
        "command": REBUILD,
        "weights_sha256": metadata.get("weights_sha256"),
        "text_sha256": metadata.get("text_sha256"),
        "trace": TRACE,
        "clamps": CLAMPS,
        "twins": {key: value if key == "seeds" else {n: np.round(v, 6).tolist() for n, v in value.items()}
                  for key, value in twins.items()},
        "interventions": interventions,
        "kneser_ney": kneser_ney,
    }


def kneser_ney_choice(vocab, split, orders=range(0, 17)):
    """The Kneser–Ney n-gram's order (characters of context) with the fewest bits per validation character.

    Returns ``{"order", "validation_bits_per_char"}`` (the second: order -> bits/char on the validation topics).
    """
    from .char_baselines import best_order

    train, validation = (vocab.encode(text).numpy() for text in (split.train, split.validation))
    order, scores = best_order(train, validation, len(vocab), orders)
    return {"order": int(order), "validation_bits_per_char": {str(k): round(v, 4) for k, v in scores.items()}}


def load_controls(metadata, path=CONTROLS_FILE):
    """The stored controls (``build_controls``), checked against the shipped weights' ``metadata``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path.name} is missing. Rebuild it with `{REBUILD}` (a few minutes).")
    controls = json.loads(path.read_text())
    for key in ("weights_sha256", "text_sha256"):
        if controls.get(key) != metadata.get(key):
            raise ValueError(
                f"{path.name} was computed for other shipped weights or text ({key} {str(controls.get(key))[:12]}... "
                f"vs {str(metadata.get(key))[:12]}...). Rebuild it with `{REBUILD}`."
            )
    return controls


def main():
    """Rebuild ``CONTROLS_FILE`` from the shipped model (``python -m lstm_helpers.char_cells``)."""
    from .char_data import load_vocabulary, topic_split
    from .char_model import load_shipped

    torch.set_num_threads(1)
    model, metadata = load_shipped()
    controls = build_controls(model, metadata, load_vocabulary(), topic_split())
    CONTROLS_FILE.write_text(json.dumps(controls, indent=1) + "\n")
    print(f"wrote {CONTROLS_FILE}")


if __name__ == "__main__":
    main()

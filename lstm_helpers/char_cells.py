"""Inside the character model: features of the text, every cell's trace, and the tests of what a cell tracks.

Introduced in notebook 10 (``10_inside_the_character_model``). The order follows the notebook:

1. ``compute_features``: for every character, what a reader knows *after reading it* (column, characters left on
   the line, inside a double-quoted span, bracket depth, inside an indented line).
2. ``trace_text``: every gate, cell state and hidden state of a ``CharLSTM`` over a text, read in parallel streams
   by the course's own scratch ``run_lstm`` (notebook 03) with the model's weights (``torch_bridge``).
3. ``search_cells``: the cell (c or h) whose activation follows a feature most closely, chosen on one part of the
   text and scored on another, next to its controls (the untrained model, a shifted feature); ``ridge_probe`` for
   features no single cell carries.
4. ``run_clamped``: the model reading text while chosen cells are held at chosen values (interventions).
5. ``saturation`` and ``connectivity``: how often gates sit near 0 or 1; how strongly one prediction depends on
   each earlier character.
6. ``coloured_text_html``: Karpathy-style coloured text (inline styles, so it reads on GitHub too).
"""

import html
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from ._validate import check_positive_int
from .cells import LSTMTrace, run_lstm
from .torch_bridge import lstm_weights_from_torch

__all__ = [
    "FEATURES",
    "FEATURE_DESCRIPTIONS",
    "column",
    "chars_left",
    "in_quotes",
    "bracket_depth",
    "indented",
    "word_position",
    "compute_features",
    "model_parts",
    "TextTrace",
    "trace_text",
    "cell_name",
    "correlations",
    "CellSearch",
    "search_rows",
    "search_cells",
    "ProbeResult",
    "ridge_probes",
    "untrained_twin",
    "run_clamped",
    "ClampRun",
    "clamp_experiment",
    "saturation",
    "matching_pairs",
    "connectivity",
    "coloured_text_html",
    "cell_passage_html",
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


def bracket_depth(text):
    """How many brackets ``( [ {`` are open after reading this character.

    A closing bracket closes one (never going below 0), and an empty line closes them all.
    ``bracket_depth("f(a[1])")`` is ``[0, 1, 1, 2, 2, 1, 0]``.
    """
    out, depth, previous = np.zeros(len(_check_text(text)), dtype=np.float32), 0, ""
    for t, ch in enumerate(text):
        if ch in OPENING:
            depth += 1
        elif ch in CLOSING:
            depth = max(depth - 1, 0)
        elif ch == "\n" and previous == "\n":
            depth = 0
        out[t] = depth
        previous = ch
    return out


def indented(text):
    """1 on a line that began with at least 3 spaces, from its third space to its last character; 0 elsewhere.

    The docs indent code examples and grammar by 3 spaces or more. A newline gives 0 (the next line has not shown
    its indentation yet). ``indented("   x\\ny")`` is ``[0, 0, 1, 1, 0, 0]``.
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
    "indented": indented,
    "word position": word_position,
}
FEATURE_DESCRIPTIONS = {
    "column": "characters of the line read so far (newline: 0)",
    "chars left": "characters still to come before the line ends",
    "in quotes": "1 inside a double-quoted span (opening quote included)",
    "bracket depth": "brackets ( [ { open",
    "indented": "1 on a line indented by 3+ spaces (from its 3rd space)",
    "word position": "letters or digits in a row so far",
}


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


class CellSearch(NamedTuple):
    """The outcome of ``search_cells`` for one feature.

    ``cell`` (a column of ``TextTrace.cells``) has the largest |r| on the search text; ``r_search`` and
    ``r_report`` are its correlations on the search text and on the separate report text. ``untrained`` and
    ``shifted`` are the report-text |r| of the same procedure run on the controls. ``found`` needs ``|r_report|``
    to beat both controls by more than ``margin``.
    """

    feature: str
    cell: int
    name: str
    r_search: float
    r_report: float
    untrained: float
    shifted: float
    margin: float

    @property
    def best_control(self):
        return max(self.untrained, self.shifted)

    @property
    def found(self):
        return abs(self.r_report) - self.best_control > self.margin


def search_rows(trace):
    """The rows of ``trace`` used to choose a cell (even-numbered streams); the odd streams report its score."""
    return np.asarray(trace.stream) % 2 == 0


def _unit_columns(acts):
    """Each column centred and scaled to length 1 (float32), so a dot product with a unit feature is Pearson r."""
    acts = np.asarray(acts, dtype=np.float32)
    acts = acts - acts.mean(axis=0, dtype=np.float64).astype(np.float32)
    norms = np.sqrt((acts**2).sum(axis=0))
    return acts / np.where(norms > 0, norms, 1.0)


def _unit_vector(feature):
    feature = feature - feature.mean()
    norm = np.sqrt((feature**2).sum())
    return feature / norm if norm > 0 else feature


class _SearchTable:
    """A trace's cells split into search and report rows, standardised once for many correlations."""

    def __init__(self, cells, rows):
        self.rows = rows
        self.search, self.report = _unit_columns(cells[rows]), _unit_columns(cells[~rows])

    def pick_and_score(self, feature):
        """The cell with the largest |r| on the search rows, its r there, and its r on the report rows."""
        r_search = self.search.T @ _unit_vector(feature[self.rows]).astype(np.float32)  # (num_cells,)
        best = int(np.abs(r_search).argmax())
        r_report = float(self.report[:, best] @ _unit_vector(feature[~self.rows]).astype(np.float32))
        return best, float(r_search[best]), r_report  # float32 sums: r to about 1e-5


def search_cells(trace, features, control=None, margin=0.15, num_shifts=5, seed=0):
    """For each feature, the cell (c or h) of ``trace`` that tracks it best, next to the same search on controls.

    ``features`` is a dict name -> values (one per character of ``trace.text``). The cell is chosen on the even
    streams (``search_rows``) and scored on the odd ones, so its score is not inflated by having been picked out of
    hundreds. Controls: the same procedure on ``control`` (the untrained model's ``TextTrace`` of the same text)
    and on the feature rolled by ``num_shifts`` random offsets (its values keep their statistics but no longer
    line up with the text; the largest of those scores counts). Returns a dict name -> ``CellSearch``.
    """
    cells = trace.cells
    rows = search_rows(trace)
    table = _SearchTable(cells, rows)
    control_table = _SearchTable(control.cells, rows) if control is not None else None
    hidden_size = cells.shape[1] // 2
    shifts = np.random.default_rng(seed).integers(len(cells) // 4, 3 * len(cells) // 4, size=num_shifts)
    results = {}
    for name, feature in features.items():
        feature = np.asarray(feature, dtype=np.float64).reshape(-1)
        if feature.shape[0] != cells.shape[0]:
            raise ValueError(f"{name} has {feature.shape[0]} values but the trace has {cells.shape[0]} characters.")
        best, r_search, r_report = table.pick_and_score(feature)
        untrained = abs(control_table.pick_and_score(feature)[2]) if control_table is not None else 0.0
        shifted = max((abs(table.pick_and_score(np.roll(feature, int(k)))[2]) for k in shifts), default=0.0)
        results[name] = CellSearch(
            name, best, cell_name(best, hidden_size), r_search, r_report, untrained, shifted, margin
        )
    return results


class ProbeResult(NamedTuple):
    """A ridge probe's score: ``r2`` on the held-out rows, with the ``alpha`` chosen on the fitting rows."""

    r2: float
    alpha: float
    prediction: np.ndarray


def _r2(y, prediction):
    total = ((y - y.mean()) ** 2).sum()
    return float(1.0 - ((y - prediction) ** 2).sum() / total) if total > 0 else 0.0


class _Ridge:
    """Ridge regression on fixed inputs ``X`` for many targets and penalties (one eigendecomposition)."""

    def __init__(self, X):
        self.X, self.n = X, len(X)
        self.eigenvalues, self.V = np.linalg.eigh(X.T @ X)

    def weights(self, y, alpha):
        """Minimise ``|X w - y|² + alpha * n * |w|²``."""
        return self.V @ ((self.V.T @ (self.X.T @ y)) / (self.eigenvalues + alpha * self.n))


def ridge_probes(cells, features, fit_rows, alphas=(1e-4, 1e-3, 1e-2, 1e-1, 1.0)):
    """How well a linear read-out of all cells recovers each feature on text it was not fitted on.

    For each feature of the dict ``features``, fits ridge regression on ``fit_rows`` (cells standardised with those
    rows' mean and spread) and returns its R² on the other rows: 1 is perfect, 0 no better than always guessing the
    mean, below 0 worse. The penalty ``alpha`` (per fitted character) is chosen among ``alphas`` by fitting on the
    first half of the fitting rows and scoring on the second. Returns a dict name -> ``ProbeResult``.
    """
    fit_rows = np.asarray(fit_rows, dtype=bool)
    X_fit = np.asarray(cells)[fit_rows].astype(np.float64)  # (num_fit, num_cells)
    mean, std = X_fit.mean(axis=0), X_fit.std(axis=0) + 1e-8
    X_fit -= mean
    X_fit /= std
    X_test = np.asarray(cells)[~fit_rows].astype(np.float64)
    X_test -= mean
    X_test /= std
    half = len(X_fit) // 2
    first, full = _Ridge(X_fit[:half]), _Ridge(X_fit)
    results = {}
    for name, feature in features.items():
        feature = np.asarray(feature, dtype=np.float64).reshape(-1)
        y_fit, y_test = feature[fit_rows], feature[~fit_rows]
        y_first = y_fit[:half].mean()
        scores = [_r2(y_fit[half:], X_fit[half:] @ first.weights(y_fit[:half] - y_first, a) + y_first) for a in alphas]
        alpha = alphas[int(np.argmax(scores))]
        prediction = X_test @ full.weights(y_fit - y_fit.mean(), alpha) + y_fit.mean()
        results[name] = ProbeResult(_r2(y_test, prediction), float(alpha), prediction)
    return results


# --- interventions, saturation, connectivity --------------------------------------------------------------------


def untrained_twin(metadata):
    """The shipped model's architecture with the weights it started from (same seed, no training), in eval mode.

    ``metadata`` is the dict ``load_shipped`` returns. The global random state is left as it was.
    """
    from .char_model import build_model

    with torch.random.fork_rng():
        torch.manual_seed(metadata["seed"])
        model = build_model(metadata["architecture"])
    return model.eval()


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


def clamp_experiment(model, vocab, text, clamps, target, num_passages=12, passage_len=500, skip=100):
    """Read ``num_passages`` passages of ``text`` once unclamped and once per clamp; return a ``ClampRun``.

    ``clamps`` is a list of ``(label, {cell: value})``, cells indexed like ``TextTrace.cells``. Each passage is
    read from a zero state; its first ``skip`` characters only build up the model's memory and are not measured.
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
    rows = ids.repeat(len(configs), 1)  # (num_configs * num_passages, passage_len)
    log_p = run_clamped(model, rows, mask.reshape(len(rows), -1), values.reshape(len(rows), -1))
    probs = log_p[:, skip:, vocab.index[target]].exp().reshape(len(configs), -1).numpy()
    positions = (starts[:, None] + np.arange(skip, passage_len)[None, :]).reshape(-1)
    return ClampRun(probs, positions, [label for label, _ in configs])


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


def coloured_text_html(text, values, vmax=None, signed=True, title="", marks=()):
    """``text`` as HTML with each character's background set by ``values`` (Karpathy-style), inline styles only.

    ``values`` has one number per character; colours saturate at ``vmax`` (default: the largest |value|). Signed
    values go blue (negative) to white (0) to red (positive); unsigned ones white to red. Newlines show as ↵ and
    break the line; ``marks`` are character positions to outline (e.g. the predicted character). Inline styles
    (no ``<style>`` block) keep the colours when GitHub renders the saved notebook.
    """
    _check_text(text)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(values) != len(text):
        raise ValueError(f"values has {len(values)} numbers but the text has {len(text)} characters.")
    scale = vmax if vmax is not None else (np.abs(values).max() if len(values) else 1.0)
    scale = scale if scale > 0 else 1.0
    marks = set(int(m) for m in marks)
    pieces = []
    for t, (ch, value) in enumerate(zip(text, values, strict=True)):
        shown = "↵" if ch == "\n" else html.escape(ch)
        outline = "outline:2px solid #000;" if t in marks else ""
        pieces.append(f'<span style="background-color:{_colour(value / scale, signed)};{outline}">{shown}</span>')
        if ch == "\n":
            pieces.append("<br>")
    heading = f"<div style='font-family:sans-serif'><b>{html.escape(title)}</b></div>" if title else ""
    body = "".join(pieces)
    return (
        f"<div>{heading}<div style='font-family:monospace;white-space:pre-wrap;line-height:1.45;"
        f"font-size:12px'>{body}</div></div>"
    )


def cell_passage_html(trace, cell, feature, length=400, title=""):
    """Coloured text of one cell over the report-text window of ``length`` characters where ``feature`` varies most.

    ``cell`` indexes ``trace.cells``; the colours are the cell's values divided by its largest |value| in the
    window. The window comes from the report streams (``~search_rows``), text the cell was not chosen on.
    """
    feature = np.asarray(feature, dtype=np.float64)
    rows = ~search_rows(trace)
    best, best_spread = None, -1.0
    for k in np.unique(trace.stream[rows]):
        where = np.flatnonzero(trace.stream == k)
        for start in range(where[0], where[-1] + 2 - length, length // 2):
            spread = feature[start : start + length].std()
            if spread > best_spread:
                best, best_spread = start, spread
    values = trace.cells[best : best + length, cell]
    heading = title or f"{cell_name(cell, trace.h.shape[1])}: red positive, blue negative"
    return coloured_text_html(trace.text[best : best + length], values, title=heading)

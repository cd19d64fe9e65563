"""The arithmetic-sequence LSTM: the original tutorial's recipe (reconstructed) and the course's fixed recipe.

Introduced in notebook 07 (``07_training_arithmetic_lstm``). The original tutorial (a popular first attempt, not
available to us, reconstructed from its published description) draws 500 sequences of 6 numbers with a random
start 1-9 and step 1-5, joins them end to end, cuts windows of 4 inputs + 1 target over the joined list, and fits
``SimpleLSTM(hidden_size=50)`` on unscaled numbers with Adam (lr 1e-3, mini-batches of 32, 100 epochs). The
course recipe cuts windows inside each sequence, scales by 40, keeps five ``(start, step)`` pairs out of training,
and trains ``SimpleLSTM(hidden_size=32)`` full-batch with Adam (lr 1e-2, 1000 epochs). ``train_arithmetic_lstm``
gives the trained model that notebook 08 explores; ``train_variant`` changes one ingredient at a time (the
ablation); ``evaluation_sets`` builds the windows no model has seen.
"""

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ._validate import as_float_tensor, check_finite_number, check_positive_int
from .data import Scaler, all_pairs, make_sequences, make_windows, split_pairs
from .models import SimpleLSTM
from .training import predict, train

__all__ = [
    "SEED_TEST_CASES",
    "HELD_OUT_PAIRS",
    "SEED_NUM_SEQUENCES",
    "SEED_SEQ_LENGTH",
    "WINDOW",
    "SCALE",
    "TrainedArithmeticLSTM",
    "one_thread",
    "seed_generate_data",
    "seed_create_sequences",
    "train_seed_lstm",
    "course_training_data",
    "train_arithmetic_lstm",
    "normalise_windows",
    "predict_normalised",
    "normalised_training_data",
    "train_normalised_lstm",
    "first_windows",
    "evaluate_pairs",
    "evaluate_cases",
    "crossing_windows",
    "TUTORIAL_SETTINGS",
    "COURSE_SETTINGS",
    "OPTIMIZERS",
    "variant_training_data",
    "train_variant",
    "between_windows",
    "unseen_integer_windows",
    "shared_windows",
    "evaluation_sets",
    "untrained_readout",
    "stored_ablation",
]

#: The original tutorial's five test cases: (four inputs, the next number).
SEED_TEST_CASES = (
    ((2.0, 4.0, 6.0, 8.0), 10.0),
    ((1.0, 2.0, 3.0, 4.0), 5.0),
    ((5.0, 10.0, 15.0, 20.0), 25.0),
    ((3.0, 6.0, 9.0, 12.0), 15.0),
    ((1.0, 3.0, 5.0, 7.0), 9.0),
)

#: ``(start, step)`` pairs the course recipe never trains on; none of them is one of the tutorial's test cases.
HELD_OUT_PAIRS = ((7, 2), (4, 3), (8, 1), (6, 4), (3, 5))

SEED_NUM_SEQUENCES = 500  # the tutorial's "500 sequences" (only 45 distinct ones: starts 1-9 x steps 1-5)
SEED_SEQ_LENGTH = 6  # numbers per generated sequence
WINDOW = 4  # inputs per example (seq_len); the target is the number after them
SCALE = 40.0  # the course divides every number by this before the model


@dataclass(frozen=True)
class TrainedArithmeticLSTM:
    """A trained model with everything needed to use it: ``predict(result.model, windows, result.scaler)``.

    ``scaler`` is ``None`` for the original tutorial's model (it saw unscaled numbers). ``window`` is the number of
    inputs per example. Introduced in notebook 07.
    """

    model: nn.Module
    scaler: Scaler | None
    window: int
    losses: list
    train_pairs: tuple
    held_out_pairs: tuple
    seconds: float
    settings: dict = field(default_factory=dict)

    def predict(self, windows):
        """The model's next number for each window (rows of ``window`` numbers), in the data's own units."""
        if self.settings.get("representation") == "per-window":
            return predict_normalised(self.model, windows)
        return predict(self.model, windows, self.scaler)


@contextmanager
def one_thread():
    """Run PyTorch on one CPU thread inside the ``with`` block, then restore the previous setting.

    These models are tiny: a second thread saves little, and on a busy machine threads waiting for each other can
    make training many times slower. Introduced in notebook 07.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


# --- the original tutorial (reconstructed) -------------------------------------------------------------------------


def seed_generate_data(num_sequences=SEED_NUM_SEQUENCES, seq_length=SEED_SEQ_LENGTH, seed=0):
    """The tutorial's data: ``num_sequences`` arithmetic sequences with start 1-9 and step 1-5, one per row.

    Returns an array ``(num_sequences, seq_length)``. Introduced in notebook 07.
    """
    num_sequences = check_positive_int(num_sequences, "num_sequences")
    seq_length = check_positive_int(seq_length, "seq_length")
    rng = np.random.default_rng(seed)
    data = []
    for _ in range(num_sequences):
        start = rng.integers(1, 10)  # 1..9
        step = rng.integers(1, 6)  # 1..5
        data.append([start + i * step for i in range(seq_length)])
    return np.array(data, dtype=np.float64)  # (num_sequences, seq_length)


def seed_create_sequences(data, seq_length):
    """The tutorial's window function: windows over ALL numbers joined end to end (so many cross two sequences).

    Returns ``X`` ``(num_windows, seq_length)`` and ``y`` ``(num_windows,)``. Introduced in notebook 07.
    """
    seq_length = check_positive_int(seq_length, "seq_length")
    flat = as_float_tensor(data, "data").double().numpy().reshape(-1)  # the whole data set as one long list
    if len(flat) <= seq_length:
        raise ValueError(f"data has {len(flat)} numbers; windows of {seq_length} + 1 target need more.")
    X = np.array([flat[i : i + seq_length] for i in range(len(flat) - seq_length)])
    y = flat[seq_length:]
    return X, y  # (num_windows, seq_length), (num_windows,)


def crossing_windows(num_sequences, seq_length, window):
    """How many of the tutorial's windows (``window`` inputs + 1 target over joined sequences) span two sequences.

    Returns ``(crossing, total)``. Introduced in notebook 07.
    """
    num_sequences = check_positive_int(num_sequences, "num_sequences")
    seq_length = check_positive_int(seq_length, "seq_length")
    window = check_positive_int(window, "window")
    total = num_sequences * seq_length - window
    if total <= 0:
        raise ValueError("There are too few numbers for even one window. Use more or longer sequences.")
    inside = num_sequences * max(seq_length - window, 0)
    return total - inside, total


def train_seed_lstm(seed=0, num_epochs=100, batch_size=32, progress=True, data=None):
    """The tutorial's recipe as published: joined windows, unscaled, hidden 50, Adam lr 1e-3, batches of 32.

    ``data`` defaults to ``seed_generate_data(seed=seed)``. Introduced in notebook 07.
    """
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    data = seed_generate_data(seed=seed) if data is None else data
    X, y = seed_create_sequences(data, WINDOW)
    torch.manual_seed(seed)
    model = SimpleLSTM(input_size=1, hidden_size=50)
    with one_thread():
        started = time.perf_counter()
        losses = train(model, X, y, num_epochs, lr=1e-3, batch_size=batch_size, seed=seed, progress=progress)
        seconds = time.perf_counter() - started
    settings = dict(hidden_size=50, lr=1e-3, num_epochs=num_epochs, batch_size=batch_size)
    return TrainedArithmeticLSTM(model, None, WINDOW, losses, tuple(all_pairs()), (), seconds, settings)


# --- the course recipe ---------------------------------------------------------------------------------------------


def course_training_data(held_out=HELD_OUT_PAIRS, seq_length=SEED_SEQ_LENGTH, window=WINDOW):
    """Windows cut inside each training sequence (held-out pairs removed): ``X, y, train_pairs``.

    ``X`` is ``(num_windows, window)`` and ``y`` is ``(num_windows,)``, both unscaled. Introduced in notebook 07.
    """
    train_pairs, _ = split_pairs(all_pairs(), held_out)
    X, y = make_windows(make_sequences(train_pairs, seq_length), window)
    return X, y, train_pairs  # (num_windows, window), (num_windows,), list


def train_arithmetic_lstm(
    seed=0,
    progress=True,
    hidden_size=32,
    num_epochs=1000,
    lr=1e-2,
    optimizer="adam",
    scale=SCALE,
    held_out=HELD_OUT_PAIRS,
    seq_length=SEED_SEQ_LENGTH,
):
    """Train the course's arithmetic-sequence LSTM and return a ``TrainedArithmeticLSTM`` (model in eval mode).

    Windows of 4 inputs are cut inside each sequence of the 40 training ``(start, step)`` pairs (80 windows),
    numbers are divided by ``scale``, and ``SimpleLSTM(hidden_size)`` is trained full-batch with Adam (lr 1e-2,
    1000 epochs, about a second). ``optimizer="lbfgs"`` with ``lr=1`` and ``num_epochs=100`` is the quasi-Newton
    aside of notebook 07 (one L-BFGS step per epoch, see ``training.make_lbfgs``). Introduced in notebook 07.
    """
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    scale = check_finite_number(scale, "scale")
    X, y, train_pairs = course_training_data(held_out, seq_length, WINDOW)
    scaler = Scaler(scale)
    torch.manual_seed(seed)
    model = SimpleLSTM(input_size=1, hidden_size=hidden_size)
    X, y = scaler.transform(X), scaler.transform(y)
    with one_thread():
        started = time.perf_counter()
        losses = train(model, X, y, num_epochs, lr=lr, progress=progress, optimizer=optimizer)
        seconds = time.perf_counter() - started
    held = tuple((int(a), int(d)) for a, d in split_pairs(all_pairs(), held_out)[1])
    settings = dict(hidden_size=hidden_size, lr=lr, num_epochs=num_epochs, optimizer=optimizer, scale=scale)
    pairs = tuple((int(a), int(d)) for a, d in train_pairs)
    return TrainedArithmeticLSTM(model, scaler, WINDOW, losses, pairs, held, seconds, settings)


# --- one change at a time (the ablation) ---------------------------------------------------------------------------

#: The tutorial's choices, and the course's. ``train_variant(**{**TUTORIAL_SETTINGS, "windows": "inside"})`` changes
#: exactly one of them.
TUTORIAL_SETTINGS = dict(windows="crossing", scale=None, duplicates=True, hidden_size=50, optimizer="tutorial")
COURSE_SETTINGS = dict(windows="inside", scale=SCALE, duplicates=False, hidden_size=32, optimizer="full-batch")

#: How each optimiser setting trains: ``train`` keyword arguments.
OPTIMIZERS = {
    "tutorial": dict(optimizer="adam", lr=1e-3, batch_size=32, num_epochs=100),  # the tutorial's mini-batches
    "full-batch": dict(optimizer="adam", lr=1e-2, batch_size=None, num_epochs=1000),  # the course's main recipe
    "lbfgs": dict(optimizer="lbfgs", lr=1.0, batch_size=None, num_epochs=100),  # the quasi-Newton aside
}


def stored_ablation():
    """The ablation measured by ``benchmarks/arithmetic.py`` (3 seeds per row), as saved with its command.

    Returns ``{"meta": {...,"command": ...}, "rows": [{"ablation", "row", "settings", "runs"}, ...]}``; each run holds
    ``seconds`` and ``[mean, max]`` absolute errors for ``cases``, ``between`` and ``unseen integer``. Introduced in
    notebook 07.
    """
    return json.loads((Path(__file__).parent / "data" / "arithmetic_ablation.json").read_text())


def variant_training_data(windows="inside", duplicates=False, seed=0, held_out=HELD_OUT_PAIRS):
    """Unscaled training windows ``X, y`` for one ablation setting; the ``held_out`` pairs never appear.

    ``duplicates=True`` uses the tutorial's 500 random sequences (the rows of held-out pairs removed), ``False``
    each training pair once; ``windows="crossing"`` slides over the sequences joined end to end (the tutorial's
    bug), ``"inside"`` stays inside each sequence. Introduced in notebook 07.
    """
    if windows not in ("inside", "crossing"):
        raise ValueError(f'windows must be "inside" or "crossing", but got {windows!r}.')
    train_pairs, held = split_pairs(all_pairs(), held_out)
    if duplicates:
        data = seed_generate_data(seed=seed)  # (500, 6)
        held = {(float(a), float(d)) for a, d in held}
        data = data[[(row[0], row[1] - row[0]) not in held for row in data]]
    else:
        data = make_sequences(train_pairs, SEED_SEQ_LENGTH)  # (40, 6)
    if windows == "crossing":
        return seed_create_sequences(data, WINDOW)
    return make_windows(data, WINDOW)


def train_variant(seed=0, progress=False, windows="inside", scale=SCALE, duplicates=False, hidden_size=32,
                  optimizer="full-batch"):
    """Train one setting of the ablation (defaults: ``COURSE_SETTINGS``) and return a ``TrainedArithmeticLSTM``.

    ``scale=None`` trains on unscaled numbers; ``optimizer`` is a key of ``OPTIMIZERS``. Data, initial weights and
    shuffling all follow ``seed``. Introduced in notebook 07.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, but got {optimizer!r}.")
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    X, y = variant_training_data(windows, duplicates, seed)
    scaler = None if scale is None else Scaler(scale)
    if scaler is not None:
        X, y = scaler.transform(X), scaler.transform(y)
    torch.manual_seed(seed)
    model = SimpleLSTM(input_size=1, hidden_size=hidden_size)
    with one_thread():
        started = time.perf_counter()
        losses = train(model, X, y, seed=seed, progress=progress, **OPTIMIZERS[optimizer])
        seconds = time.perf_counter() - started
    train_pairs, held = split_pairs(all_pairs(), HELD_OUT_PAIRS)
    settings = dict(windows=windows, scale=scale, duplicates=duplicates, hidden_size=hidden_size, optimizer=optimizer)
    pairs = tuple((int(a), int(d)) for a, d in train_pairs)
    return TrainedArithmeticLSTM(model, scaler, WINDOW, losses, pairs, tuple(held), seconds, settings)


# --- a representation that extrapolates ----------------------------------------------------------------------------


def normalise_windows(X):
    """Describe each window relative to itself: subtract its last value and divide by its standard deviation.

    Returns ``(X_norm, offset, spread)``: ``X_norm`` ``(num_windows, window)``, ``offset`` and ``spread``
    ``(num_windows,)``. A flat window (spread 0) gets spread 1. Introduced in notebook 07.
    """
    X = as_float_tensor(X, "X").double().numpy()
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"X must be windows of shape (num_windows, window) with window >= 2, but got {X.shape}.")
    offset = X[:, -1]  # (num_windows,)
    spread = X.std(axis=1)  # (num_windows,)
    spread = np.where(spread > 0, spread, 1.0)
    return (X - offset[:, None]) / spread[:, None], offset, spread


def predict_normalised(model, X):
    """Predict with a model trained on ``normalise_windows`` data; answers in the data's own units.

    Introduced in notebook 07.
    """
    X_norm, offset, spread = normalise_windows(X)
    return offset + spread * predict(model, X_norm)


def normalised_training_data(held_out=HELD_OUT_PAIRS, seq_length=SEED_SEQ_LENGTH, window=WINDOW):
    """Training windows for the per-window representation: the training pairs, rising and falling.

    Returns ``X_norm, y_norm`` with ``y_norm = (y - offset) / spread``. Falling copies ``(start, -step)`` are added
    because normalising cannot turn a falling window into a rising one. Introduced in notebook 07.
    """
    train_pairs, _ = split_pairs(all_pairs(), held_out)
    pairs = train_pairs + [(a, -d) for a, d in train_pairs]
    X, y = make_windows(make_sequences(pairs, seq_length), window)
    X_norm, offset, spread = normalise_windows(X)
    return X_norm, (y - offset) / spread  # (num_windows, window), (num_windows,)


def train_normalised_lstm(seed=0, progress=True, hidden_size=32, num_epochs=30, held_out=HELD_OUT_PAIRS):
    """The course recipe on per-window normalised data (see ``normalise_windows``): it extrapolates.

    ``result.predict(windows)`` normalises, predicts and maps back. Introduced in notebook 07.
    """
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    X_norm, y_norm = normalised_training_data(held_out)
    train_pairs, held = split_pairs(all_pairs(), held_out)
    torch.manual_seed(seed)
    model = SimpleLSTM(input_size=1, hidden_size=hidden_size)
    with one_thread():
        started = time.perf_counter()
        losses = train(model, X_norm, y_norm, num_epochs, lr=1.0, progress=progress, optimizer="lbfgs")
        seconds = time.perf_counter() - started
    settings = dict(hidden_size=hidden_size, lr=1.0, num_epochs=num_epochs, optimizer="lbfgs")
    settings["representation"] = "per-window"
    pairs = tuple((int(a), int(d)) for a, d in train_pairs)
    held = tuple((int(a), int(d)) for a, d in held)
    return TrainedArithmeticLSTM(model, None, WINDOW, losses, pairs, held, seconds, settings)


# --- evaluation ----------------------------------------------------------------------------------------------------


def first_windows(pairs, window=WINDOW):
    """The first ``window`` numbers of each ``(start, step)`` sequence and the number after them: ``X, y``.

    Introduced in notebook 07.
    """
    X, y = make_windows(make_sequences(pairs, window + 1), window)
    return X, y  # (len(pairs), window), (len(pairs),)


def evaluate_cases(model, X, y, scaler=None):
    """Absolute errors of ``model`` on windows ``X`` with targets ``y`` (NumPy array). Introduced in notebook 07."""
    predictions = predict(model, X, scaler)  # (num_windows,)
    y = as_float_tensor(y, "y").double().numpy().reshape(-1)
    if len(y) != len(predictions):
        raise ValueError(f"X holds {len(predictions)} windows but y holds {len(y)} targets; give one per window.")
    return np.abs(predictions - y)


def between_windows(num_windows=200, seed=0, starts=(1.0, 9.0), steps=(1.0, 5.0), window=WINDOW):
    """Real-valued arithmetic windows *between* the training integers: ``X, y``.

    Each start is drawn uniformly from ``starts`` and each step from ``steps`` (the tutorial's ranges), so the
    windows cover the same ground as the training pairs but (with probability one) equal none of them.
    Introduced in notebook 07.
    """
    num_windows = check_positive_int(num_windows, "num_windows")
    rng = np.random.default_rng(seed)
    start = rng.uniform(*starts, size=num_windows)  # (num_windows,)
    step = rng.uniform(*steps, size=num_windows)  # (num_windows,)
    full = start[:, None] + step[:, None] * np.arange(window + 1)  # (num_windows, window + 1)
    return full[:, :window], full[:, window]


def unseen_integer_windows(X_train, y_train, low=1, high=None, steps=range(1, 6)):
    """Every integer arithmetic window (inputs and target) in ``[low, high]`` that is not a training window.

    ``high`` defaults to the largest training number (34 for the course data). Windows have ``X_train``'s width
    and a step from ``steps``. Returns ``X, y``. Introduced in notebook 07.
    """
    X_train = as_float_tensor(X_train, "X_train").double().numpy()
    y_train = as_float_tensor(y_train, "y_train").double().numpy().reshape(-1)
    window = X_train.shape[1]
    high = int(max(X_train.max(), y_train.max())) if high is None else high
    seen = {tuple(row) + (target,) for row, target in zip(X_train, y_train, strict=True)}
    rows = []
    for step in steps:
        for start in range(low, high + 1):
            full = tuple(float(start + k * step) for k in range(window + 1))
            if full[-1] <= high and full not in seen:
                rows.append(full)
    rows = np.array(rows)  # (num_windows, window + 1)
    return rows[:, :window], rows[:, window]


def shared_windows(X_a, y_a, X_b, y_b):
    """How many windows of ``(X_b, y_b)`` (inputs and target together) also occur in ``(X_a, y_a)``.

    Zero means the second set is unseen by a model trained on the first. Introduced in notebook 07.
    """
    X_a, X_b = (as_float_tensor(v, "X").double().numpy() for v in (X_a, X_b))
    y_a, y_b = (as_float_tensor(v, "y").double().numpy().reshape(-1) for v in (y_a, y_b))
    seen = {tuple(row) + (target,) for row, target in zip(X_a, y_a, strict=True)}
    return sum(tuple(row) + (target,) in seen for row, target in zip(X_b, y_b, strict=True))


def evaluation_sets(X_train, y_train):
    """The two honest test sets for a model trained on ``(X_train, y_train)``, as ``{name: (X, y)}``.

    ``"between"``: 200 real-valued windows with start 1-9 and step 1-5 (``between_windows``); ``"unseen integer"``:
    every integer window inside the training numbers' range that is not a training window
    (``unseen_integer_windows``). Neither shares a window with the training data (checked here).
    Introduced in notebook 07.
    """
    sets = {"between": between_windows(), "unseen integer": unseen_integer_windows(X_train, y_train)}
    for name, (X, y) in sets.items():
        if shared_windows(X_train, y_train, X, y):
            raise ValueError(f"the {name!r} evaluation set shares windows with the training data.")
    return sets


def untrained_readout(X_train, y_train, hidden_size=32, seed=0, scale=SCALE):
    """The control: an UNTRAINED ``SimpleLSTM`` (same seed) whose linear read-out alone is fitted by least squares.

    Returns ``(model, scaler)``; ``predict(model, X, scaler)`` uses it. Only ``model.linear`` is changed: the LSTM
    keeps its random initial weights. Introduced in notebook 07 and used as the control in notebook 08.
    """
    scaler = Scaler(scale)
    torch.manual_seed(seed)
    model = SimpleLSTM(input_size=1, hidden_size=hidden_size).eval()
    with torch.no_grad():
        x = torch.as_tensor(scaler.transform(np.asarray(X_train, dtype=np.float64)), dtype=torch.float64)
        out, _ = model.lstm.double()(x.unsqueeze(-1))  # (num_windows, seq_len, hidden_size)
        features = torch.cat([out[:, -1], torch.ones(len(x), 1, dtype=torch.float64)], dim=1)  # (num_windows, H + 1)
        target = torch.as_tensor(scaler.transform(np.asarray(y_train, dtype=np.float64))).reshape(-1, 1)
        solution = torch.linalg.lstsq(features, target, driver="gelsd").solution  # (H + 1, 1)
        model.float()
        model.linear.weight.copy_(solution[:-1].T)
        model.linear.bias.copy_(solution[-1])
    return model, scaler


def evaluate_pairs(result, pairs):
    """Absolute errors of a ``TrainedArithmeticLSTM`` on the first window of each ``(start, step)`` pair.

    Introduced in notebook 07.
    """
    if not isinstance(result, TrainedArithmeticLSTM):
        raise TypeError(f"result must come from train_arithmetic_lstm(), but got {type(result).__name__}.")
    X, y = first_windows(pairs, result.window)
    return np.abs(result.predict(X) - y)

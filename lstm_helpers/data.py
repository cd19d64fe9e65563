"""Arithmetic-sequence data: generate sequences, cut them into windows, hold pairs out, scale.

Introduced in notebook 07 (``07_training_arithmetic_lstm``). A sequence is fixed by its ``(start, step)`` pair,
e.g. ``(2, 2)`` gives 2, 4, 6, 8, 10, ... Windows are cut *inside* each sequence, never across two of them.
"""

import numbers

import numpy as np

from ._validate import as_float_tensor, check_finite_number, check_positive_int

__all__ = [
    "DEFAULT_STARTS",
    "DEFAULT_STEPS",
    "arithmetic_sequence",
    "all_pairs",
    "make_sequences",
    "make_windows",
    "split_pairs",
    "Scaler",
]

DEFAULT_STARTS = tuple(range(1, 10))  # 1..9, as in the original tutorial
DEFAULT_STEPS = tuple(range(1, 6))  # 1..5


def arithmetic_sequence(start, step, length):
    """The ``length`` numbers start, start + step, start + 2*step, ... as a float array. Introduced in notebook 07."""
    start = check_finite_number(start, "start")
    step = check_finite_number(step, "step")
    length = check_positive_int(length, "length")
    return start + step * np.arange(length, dtype=np.float64)  # (length,)


def _check_number_list(values, name):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a list or range of numbers, e.g. range(1, 10), but got {values!r}.")
    values = list(values)
    if not values:
        raise ValueError(f"{name} is empty. Give at least one number, e.g. range(1, 10).")
    return [check_finite_number(v, f"each value in {name}") for v in values]


def all_pairs(starts=DEFAULT_STARTS, steps=DEFAULT_STEPS):
    """Every ``(start, step)`` combination, in order. Introduced in notebook 07."""
    starts = _check_number_list(starts, "starts")
    steps = _check_number_list(steps, "steps")
    return [(a, d) for a in starts for d in steps]


def _check_pairs(pairs, name):
    if isinstance(pairs, (str, bytes)) or not hasattr(pairs, "__iter__"):
        raise TypeError(f"{name} must be a list of (start, step) pairs, e.g. [(2, 2), (1, 3)], but got {pairs!r}.")
    checked = []
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"Each entry of {name} must be a (start, step) pair such as (2, 2), but got {pair!r}.")
        checked.append((check_finite_number(pair[0], "start"), check_finite_number(pair[1], "step")))
    return checked


def make_sequences(pairs, length):
    """One arithmetic sequence per ``(start, step)`` pair, as an array ``(len(pairs), length)``.

    Introduced in notebook 07.
    """
    pairs = _check_pairs(pairs, "pairs")
    if not pairs:
        raise ValueError("pairs is empty. Give at least one (start, step) pair, e.g. all_pairs().")
    length = check_positive_int(length, "length")
    return np.stack([arithmetic_sequence(a, d, length) for a, d in pairs])  # (num_sequences, length)


def make_windows(sequences, window):
    """Cut every sequence into (inputs, next value) examples that never cross from one sequence into the next.

    ``sequences`` is a 2-D array ``(num_sequences, length)`` or a list of 1-D sequences (lengths may differ);
    each must be longer than ``window``. Returns ``X`` of shape ``(num_windows, window)`` and ``y`` of shape
    ``(num_windows,)``. Introduced in notebook 07.
    """
    window = check_positive_int(window, "window")
    if isinstance(sequences, np.ndarray) and sequences.ndim == 2:
        rows = list(sequences)
    elif isinstance(sequences, np.ndarray) or isinstance(sequences, numbers.Number):
        raise ValueError(
            f"sequences must be 2-D (num_sequences, length) or a list of sequences, but got shape "
            f"{np.shape(sequences)}. For one sequence, wrap it in a list: [sequence]."
        )
    else:
        if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__iter__"):
            raise TypeError(f"sequences must be a list of sequences of numbers, but got {sequences!r}.")
        rows = list(sequences)
    if not rows:
        raise ValueError("sequences is empty. Give at least one sequence.")
    X, y = [], []
    for k, row in enumerate(rows):
        if isinstance(row, numbers.Number):
            raise ValueError(
                "sequences must be a list of sequences, but its first level holds plain numbers. "
                "For one sequence, wrap it in a list: [sequence]."
            )
        row = as_float_tensor(row, f"sequence {k}").double().numpy()
        if row.ndim != 1:
            raise ValueError(f"sequence {k} must be 1-D, but has shape {row.shape}.")
        if len(row) <= window:
            raise ValueError(
                f"sequence {k} has {len(row)} values, but a window of {window} inputs plus 1 target needs at least "
                f"{window + 1}. Use longer sequences or a smaller window."
            )
        for s in range(len(row) - window):
            X.append(row[s : s + window])
            y.append(row[s + window])
    return np.array(X), np.array(y)  # (num_windows, window), (num_windows,)


def split_pairs(pairs, held_out):
    """Split ``pairs`` into ``(train_pairs, held_out_pairs)``; held-out pairs never reach training.

    Every held-out pair must be one of ``pairs``. Introduced in notebook 07.
    """
    pairs = _check_pairs(pairs, "pairs")
    held_out = _check_pairs(held_out, "held_out")
    missing = [p for p in held_out if p not in pairs]
    if missing:
        raise ValueError(f"held_out pairs {missing} are not among pairs, so they cannot be held out. Check for typos.")
    train = [p for p in pairs if p not in held_out]
    if not train:
        raise ValueError("Holding out every pair leaves nothing to train on. Hold out fewer pairs.")
    return train, [p for p in pairs if p in held_out]


class Scaler:
    """Divide by a fixed ``scale`` before the model, multiply after: ``inverse(transform(x)) == x``.

    Introduced in notebook 07, where ``scale=40`` maps the training values (1 to 34) into about 0 to 1.
    """

    def __init__(self, scale):
        self.scale = check_finite_number(scale, "scale")
        if self.scale <= 0:
            raise ValueError(f"scale must be positive, but got {self.scale}. Use e.g. the largest training value.")

    @classmethod
    def fit(cls, values):
        """A scaler whose scale is the largest absolute value in ``values``."""
        largest = float(as_float_tensor(values, "values").abs().max())
        if largest == 0:
            raise ValueError("values are all zero, so there is nothing to scale by. Pass real data.")
        return cls(largest)

    def transform(self, values):
        """Scale values down (works on NumPy arrays, tensors and numbers)."""
        return values / self.scale

    def inverse(self, values):
        """Undo ``transform``."""
        return values * self.scale

    def __repr__(self):
        return f"Scaler(scale={self.scale:g})"

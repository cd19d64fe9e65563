"""Bootstrap intervals for bits per character, and printing only the digits an interval supports.

Introduced in notebook 09 (``09_character_language_model``); notebooks 10 and 11 use it. Per-character bits are not
independent: a hard identifier costs bits on several characters in a row, and a topic's style lasts thousands of
characters. So the bootstrap resamples contiguous blocks (default 1,000 characters, about 15 lines of text: most of
the short-range dependence stays inside a block, and a 45,000-character held-out set still has 45 blocks), or whole
topics (pass their ``starts``; the most cautious choice, but with about 20 topics the interval itself is rough).
"""

import math

import numpy as np

__all__ = [
    "BLOCK",
    "RESAMPLES",
    "block_bootstrap",
    "bootstrap_interval",
    "difference_interval",
    "format_with_interval",
    "supported_decimals",
    "topic_starts",
]

BLOCK = 1000
"""Default block length in characters."""

RESAMPLES = 2000
"""Default number of bootstrap resamples."""

_CELLS_PER_BATCH = 1 << 21  # resamples x blocks drawn at once (bounds memory for many small blocks)


def topic_starts(topic_texts, joiner="\n"):
    """Start offsets of each topic in ``joiner.join(topic_texts)``; the joiner belongs to the topic before it."""
    lengths = [len(text) + len(joiner) for text in topic_texts]
    return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)


def _blocks(values, block, starts):
    """Sum and length of each block: fixed ``block`` lengths, or the pieces that begin at ``starts``."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"Expected a non-empty 1-D array of per-character values, but got shape {values.shape}.")
    if starts is None:
        if block < 1:
            raise ValueError(f"block must be a length of at least 1 character, but got {block}.")
        starts = np.arange(0, len(values), block)
    starts = np.asarray(starts, dtype=np.int64)
    if starts[0] != 0 or np.any(np.diff(starts) <= 0) or starts[-1] >= len(values):
        raise ValueError(
            f"starts must rise strictly from 0 and stay below len(values) = {len(values)}, but got "
            f"{starts[:3].tolist()} ... {starts[-3:].tolist()}. Use topic_starts(texts) for topics."
        )
    sums = np.add.reduceat(values, starts)
    lengths = np.diff(np.append(starts, len(values))).astype(np.float64)
    return sums, lengths


def block_bootstrap(values, block=BLOCK, starts=None, resamples=RESAMPLES, seed=0):
    """(resamples,) bootstrap means of ``values`` per character, each from blocks drawn with replacement.

    A resample draws as many blocks as there are, with replacement, and divides their total by their total length
    (so a short last block or a short topic weighs by its characters). ``starts`` (e.g. ``topic_starts``) replaces
    the fixed ``block`` length. The same ``seed`` draws the same blocks for any values of the same length and
    blocks, which is what makes ``difference_interval`` paired."""
    sums, lengths = _blocks(values, block, starts)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(sums), size=(resamples, len(sums)))
    means = np.empty(resamples)
    step = max(1, _CELLS_PER_BATCH // len(sums))
    for i in range(0, resamples, step):
        chosen = draws[i : i + step]
        means[i : i + step] = sums[chosen].sum(axis=1) / lengths[chosen].sum(axis=1)
    return means


def bootstrap_interval(values, level=0.95, block=BLOCK, starts=None, resamples=RESAMPLES, seed=0):
    """``(mean, low, high)``: the per-character mean and its percentile bootstrap interval over blocks or topics."""
    if not 0 < level < 1:
        raise ValueError(f"level is a probability such as 0.95, but got {level}.")
    means = block_bootstrap(values, block=block, starts=starts, resamples=resamples, seed=seed)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(np.mean(values)), float(low), float(high)


def difference_interval(bits_a, bits_b, level=0.95, block=BLOCK, starts=None, resamples=RESAMPLES, seed=0):
    """``(mean, low, high)`` of ``bits_a - bits_b`` per character, both models scored on the same resamples.

    Pairing matters: the two models find the same passages hard, so most of the passage-to-passage variation
    cancels in the difference; intervals of each model alone overlap far more than the difference's interval."""
    bits_a, bits_b = np.asarray(bits_a, dtype=np.float64), np.asarray(bits_b, dtype=np.float64)
    if bits_a.shape != bits_b.shape:
        raise ValueError(
            f"The two models must be scored on the same characters, but got {bits_a.shape} and {bits_b.shape} "
            "values. Score both on the same held-out ids."
        )
    return bootstrap_interval(bits_a - bits_b, level=level, block=block, starts=starts, resamples=resamples, seed=seed)


def supported_decimals(low, high, most=4):
    """Decimals an interval supports: the coarsest decimal place whose unit is at most half the half-width.

    Rounding then moves a printed number by at most a quarter of the half-width. Half-width ``h = (high - low) / 2``:

    ================  ========
    h                 decimals
    ================  ========
    2 or more         0
    0.2 to 2          1
    0.02 to 0.2       2
    0.002 to 0.02     3
    below 0.002       4 (``most``)
    ================  ========
    """
    half = (high - low) / 2
    if not half > 0:
        return most
    return int(min(max(math.ceil(-math.log10(half / 2) - 1e-9), 0), most))


def format_with_interval(mean, low, high, level=0.95):
    """``"1.52 (95% CI 1.45 to 1.60)"``, with only the decimals ``supported_decimals`` allows (a bound that rounds
    to zero gets the one more decimal that shows its sign: ``"0.04 (95% CI -0.001 to 0.07)"``)."""
    d = supported_decimals(low, high)

    def show(value):
        # A bound that rounds to zero keeps its sign with the first decimal that shows it ("-0.004", not "-0.00"
        # or "0.00"): whether an interval includes zero is what a reader looks for.
        for decimals in range(d, max(d, 4) + 1):
            text = f"{value:.{decimals}f}"
            if float(text) != 0:
                return text
        return f"{0:.{d}f}"

    return f"{show(mean)} ({level:.0%} CI {show(low)} to {show(high)})"

"""Baselines for the character model: n-gram models with interpolated absolute discounting, and compressors.

Introduced in notebook 09 (``09_character_language_model``). Every score is bits per validation character; every
model here is fitted on the training text only.
"""

import bz2
import lzma
import math
import zlib

import numpy as np

__all__ = ["ngram_bits_per_char", "compressor_bits_per_char", "COMPRESSORS"]


def _context_keys(ids, order, base):
    """For every position t, a whole number naming the ``order`` characters before it (padded at the start)."""
    padded = np.concatenate([np.full(order, base - 1, dtype=np.int64), ids.astype(np.int64)])
    key = np.zeros(len(ids), dtype=np.int64)
    for j in range(order):
        key = key * base + padded[j : j + len(ids)]
    return key


def _lookup(sorted_keys, counts, queries):
    """``counts`` of each query key in ``sorted_keys`` (0 where absent)."""
    pos = np.searchsorted(sorted_keys, queries).clip(max=len(sorted_keys) - 1)
    return np.where(sorted_keys[pos] == queries, counts[pos], 0)


def ngram_bits_per_char(train_ids, val_ids, vocab_size, order, discount=0.75):
    """Bits per validation character of an n-gram model that looks at the ``order`` characters before each one.

    Interpolated absolute discounting: ``P_k(w | ctx) = (max(c(ctx, w) - D, 0) + D * N(ctx) * P_{k-1}(w | ctx'))
    / c(ctx)``, where ``c`` are training counts, ``N(ctx)`` the number of distinct characters seen after ``ctx`` and
    ``ctx'`` the context one character shorter; an unseen context falls back to ``P_{k-1}``. Order 0 interpolates
    the character frequencies with the uniform distribution. The text's start is padded with a marker character.
    """
    if order < 0 or order > 8:
        raise ValueError(f"order must be between 0 and 8 characters of context, but got {order}.")
    train_ids, val_ids = np.asarray(train_ids), np.asarray(val_ids)
    base = vocab_size + 1  # one extra symbol: the padding before the text starts
    p = np.full(len(val_ids), 1.0 / vocab_size)
    for k in range(order + 1):
        train_ctx, val_ctx = _context_keys(train_ids, k, base), _context_keys(val_ids, k, base)
        train_full, val_full = train_ctx * base + train_ids, val_ctx * base + val_ids
        full_keys, full_counts = np.unique(train_full, return_counts=True)
        ctx_keys, ctx_counts = np.unique(train_ctx, return_counts=True)
        distinct_keys, distinct_counts = np.unique(full_keys // base, return_counts=True)  # N(ctx)
        c_full = _lookup(full_keys, full_counts, val_full)
        c_ctx = _lookup(ctx_keys, ctx_counts, val_ctx)
        n_ctx = _lookup(distinct_keys, distinct_counts, val_ctx)
        seen = c_ctx > 0
        mixed = (np.maximum(c_full - discount, 0) + discount * n_ctx * p) / np.maximum(c_ctx, 1)
        p = np.where(seen, mixed, p)
    return float(-np.log2(p).mean())


COMPRESSORS = {
    "zlib -9": lambda data: zlib.compress(data, 9),
    "bz2 -9": lambda data: bz2.compress(data, 9),
    "lzma -9e": lambda data: lzma.compress(data, preset=9 | lzma.PRESET_EXTREME),
}


def compressor_bits_per_char(train_text, val_text, name):
    """Bits per validation character a compressor needs given the training text: ``8 * (size(train + val) -
    size(train)) / len(val)`` (compressed sizes in bytes; text encoded as UTF-8)."""
    compress = COMPRESSORS[name]
    train_bytes = train_text.encode("utf-8")
    both = compress(train_bytes + b"\n" + val_text.encode("utf-8"))
    return 8 * (len(both) - len(compress(train_bytes))) / len(val_text)


def uniform_bits_per_char(vocab_size):
    """A model that gives every character the same probability: ``log2(vocab_size)`` bits per character."""
    return math.log2(vocab_size)

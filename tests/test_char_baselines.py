"""Tests for lstm_helpers.char_baselines: modified Kneser-Ney against a hand example and a plain dict version."""

import math

import numpy as np
import pytest

from lstm_helpers.char_baselines import (
    COMPRESSORS,
    KneserNey,
    KneserNeyReader,
    best_order,
    compressor_bits_per_char,
    kneser_ney_discounts,
    ngram_bits_per_char,
)

PAD = "pad"


def _grams(sequences, k):
    """Every (context of k characters, next character) occurrence; each sequence starts after endless padding."""
    out = []
    for seq in sequences:
        padded = [PAD] * k + list(seq)
        out += [(tuple(padded[t : t + k]), padded[t + k]) for t in range(len(seq))]
    return out


def _level_counts(sequences, k, order):
    """Raw counts for the longest order, continuation counts (distinct characters before ``ctx w``) below it."""
    counts = {}
    if k == order:
        for gram in _grams(sequences, k):
            counts[gram] = counts.get(gram, 0) + 1
        return counts
    left = {}
    for ctx, w in _grams(sequences, k + 1):
        left.setdefault((ctx[1:], w), set()).add(ctx[0])
    return {gram: len(before) for gram, before in left.items()}


def _plain_discounts(counts):
    n = {r: sum(1 for c in counts.values() if c == r) for r in range(1, 5)}
    y = n[1] / (n[1] + 2 * n[2]) if n[1] + 2 * n[2] else 0.0
    out = []
    for r in (1, 2, 3):
        d = r - (r + 1) * y * (n[r + 1] / n[r] if n[r] else 0.0)
        out.append(min(max(d, 0.0), r))
    return out


def _plain_probability(sequences, vocab_size, order, history, w, discounts):
    """P(w | history) written out with dicts: the textbook recursion, lowest order first."""
    padded = [PAD] * order + list(history)
    p = 1.0 / vocab_size
    for k in range(order + 1):
        counts = _level_counts(sequences, k, order)
        ctx = tuple(padded[len(padded) - k :]) if k else ()
        row = {v: c for (cx, v), c in counts.items() if cx == ctx}
        total = sum(row.values())
        if total == 0:
            continue
        d1, d2, d3 = discounts[k]
        gamma = sum({1: d1, 2: d2}.get(c, d3) for c in row.values())
        c = row.get(w, 0)
        d = 0.0 if c == 0 else {1: d1, 2: d2}.get(c, d3)
        p = (max(c - d, 0.0) + gamma * p) / total
    return p


def _plain_bits(train, held, vocab_size, order, adaptive=False):
    discounts = [_plain_discounts(_level_counts([train], k, order)) for k in range(order + 1)]
    bits = []
    for t, w in enumerate(held):
        sequences = [train, held[:t]] if adaptive else [train]
        bits.append(-math.log2(_plain_probability(sequences, vocab_size, order, held[:t], w, discounts)))
    return np.array(bits)


def test_hand_computed_example():
    """Training text "abab" (a=0, b=1, c=2; V = 3), order 1; P(b | a) on held-out "ab".

    Order 1 (raw counts of (ctx, w)): (pad,a)=1, (a,b)=2, (b,a)=1. n1 = 2, n2 = 1, n3 = n4 = 0, so
    Y = 2 / (2 + 2) = 0.5, D1 = 1 - 2 * 0.5 * 1/2 = 0.5, D2 = 2 - 3 * 0.5 * 0/1 = 2, D3+ = 3 (n3 = 0).
    Order 0 (continuation counts: distinct characters before w): a is preceded by {pad, b} -> 2, b by {a} -> 1.
    n1 = 1, n2 = 1, Y = 1/3, D1 = 1 - 2/3 * 1 = 1/3, D2 = 2 - 0 = 2.
    P0(b) = (max(1 - 1/3, 0) + gamma0 * 1/3) / 3 with gamma0 = D1 * 1 + D2 * 1 = 7/3, so P0(b) = (2/3 + 7/9) / 3
    = 13/27. Context "a": T = 2, only b seen, twice: gamma1 = D2 * 1 = 2, P1(b | a) = (max(2 - 2, 0) + 2 * 13/27) / 2
    = 13/27. The first character, a after padding: context (pad) seen once with a: T = 1, gamma = D1 = 0.5,
    P0(a) = (max(2 - 2, 0) + 7/3 * 1/3) / 3 = 7/27, P1(a | pad) = (0.5 + 0.5 * 7/27) / 1 = 17/27.
    """
    model = KneserNey([0, 1, 0, 1], vocab_size=3, order=1)
    assert model.discounts[1] == pytest.approx((0.5, 2.0, 3.0))
    assert model.discounts[0] == pytest.approx((1 / 3, 2.0, 3.0))
    np.testing.assert_allclose(model.bits([0, 1]), -np.log2([17 / 27, 13 / 27]), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("order", range(5))
def test_matches_plain_dict_version(seed, order):
    rng = np.random.default_rng(seed)
    vocab_size = int(rng.integers(3, 6))
    weights = rng.dirichlet(np.ones(vocab_size) * 0.5)  # skewed, so that counts of 3 and 4 occur
    train = rng.choice(vocab_size, size=160, p=weights).tolist()
    held = rng.choice(vocab_size, size=40, p=weights).tolist()
    model = KneserNey(train, vocab_size, order)
    for adaptive in (False, True):
        expected = _plain_bits(train, held, vocab_size, order, adaptive=adaptive)
        np.testing.assert_allclose(model.bits(held, adaptive=adaptive), expected, rtol=1e-12, atol=1e-12)
        probs = model.probabilities(held, adaptive=adaptive)
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
        np.testing.assert_allclose(-np.log2(probs[np.arange(len(held)), held]), expected, rtol=1e-12, atol=1e-12)


def test_discounts_formula():
    counts = np.array([1] * 10 + [2] * 4 + [3] * 2 + [4] * 1 + [7] * 3)
    y = 10 / (10 + 8)
    assert kneser_ney_discounts(counts) == pytest.approx((1 - 2 * y * 4 / 10, 2 - 3 * y * 2 / 4, 3 - 4 * y * 1 / 2))


def test_long_orders_on_text_probabilities_sum_to_one():
    rng = np.random.default_rng(0)
    text = np.tile(rng.integers(0, 7, size=50), 8)
    model = KneserNey(text, 7, order=16)
    probs = model.probabilities(text[:60])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(-np.log2(probs[np.arange(60), text[:60]]), model.bits(text[:60]), rtol=1e-12)


def test_adaptive_scores_repeated_text_lower():
    """Held-out text read twice: adaptive counting has seen the first copy when it codes the second.

    (Text identical to the *training* text is no test: the static model already counts it, and counting it again
    only re-weights it; on random text both score about the same.)"""
    rng = np.random.default_rng(1)
    train = rng.integers(0, 5, size=300)
    held = rng.integers(0, 5, size=200)
    model = KneserNey(train, 5, order=4)
    assert model.bits(held, adaptive=True).mean() <= model.bits(held).mean() + 0.05  # unrelated text: about equal
    repeated = np.concatenate([held, held])
    assert model.bits(repeated, adaptive=True)[200:].mean() < 0.9 * model.bits(repeated)[200:].mean()


def test_best_order_and_the_teaching_smoother():
    rng = np.random.default_rng(2)
    motif = rng.integers(0, 6, size=40)
    train = np.concatenate([motif, rng.integers(0, 6, size=20)] * 10)
    held = np.concatenate([motif, rng.integers(0, 6, size=20)] * 2)
    order, scores = best_order(train, held, 6, orders=range(0, 9))
    assert order > 2 and scores[order] == min(scores.values())
    assert scores[3] == pytest.approx(KneserNey(train, 6, 3).bits(held).mean(), rel=1e-12)
    assert ngram_bits_per_char(train, held, 6, 3) > scores[order]


def test_errors_are_explained():
    with pytest.raises(ValueError, match="0..2"):
        KneserNey([0, 1, 3], vocab_size=3, order=1)
    with pytest.raises(ValueError, match="Choose one of"):
        compressor_bits_per_char("a", "b", "gzip")


@pytest.mark.parametrize("name", list(COMPRESSORS))
def test_compressors_use_the_training_text(name):
    train = "def function(argument):\n    return argument\n" * 40
    alone = compressor_bits_per_char("", train[:200], name)
    given = compressor_bits_per_char(train, train[:200], name)
    assert given < alone


@pytest.mark.parametrize("adaptive", [False, True])
@pytest.mark.parametrize("vocab_size, order", [(4, 3), (6, 5), (3, 0), (5, 1)])
def test_reader_one_character_at_a_time_equals_the_whole_text_rows(vocab_size, order, adaptive):
    """What a decoder runs (only the characters read so far) gives exactly the rows of ``probabilities``."""
    rng = np.random.default_rng(order)
    train = rng.integers(0, vocab_size, 400)
    held = np.concatenate([train[:30], rng.integers(0, vocab_size, 150)])  # seen and unseen contexts
    kn = KneserNey(train, vocab_size, order)
    reader, rows = KneserNeyReader(kn, adaptive), []
    for w in held:
        rows.append(reader.next_probs())
        reader.observe(w)
    np.testing.assert_array_equal(np.array(rows), kn.probabilities(held, adaptive=adaptive))
    with pytest.raises(RuntimeError, match="next_probs"):
        reader.observe(0)

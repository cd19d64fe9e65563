"""Baselines for the character model: n-gram models (a simple smoother, then modified Kneser-Ney) and compressors.

Introduced in notebook 09 (``09_character_language_model``); notebook 11 (``11_prediction_is_compression``) uses the
Kneser-Ney probabilities and the compressors. Every score is bits per held-out character, and every model here is
fitted on the training text only (the adaptive versions also count the held-out text as they read it).
"""

import bz2
import lzma
import math
import zlib

import numpy as np
import pyppmd

__all__ = [
    "COMPRESSORS",
    "JOIN",
    "KneserNey",
    "KneserNeyReader",
    "best_order",
    "best_kneser_ney_order",
    "compressor_bits_per_char",
    "kneser_ney_discounts",
    "ngram_bits_per_char",
    "uniform_bits_per_char",
]


def _context_keys(ids, order, base):
    """For every position t, a whole number naming the ``order`` characters before it (padded at the start)."""
    padded = np.concatenate([np.full(order, base - 1, dtype=np.int64), ids.astype(np.int64)])
    key = np.zeros(len(ids), dtype=np.int64)
    for j in range(order):
        key = key * base + padded[j : j + len(ids)]
    return key


def _lookup(sorted_keys, counts, queries):
    """``counts`` of each query key in ``sorted_keys`` (0 where absent)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(queries), dtype=np.asarray(counts).dtype)
    pos = np.searchsorted(sorted_keys, queries).clip(max=len(sorted_keys) - 1)
    return np.where(sorted_keys[pos] == queries, counts[pos], 0)


def ngram_bits_per_char(train_ids, val_ids, vocab_size, order, discount=0.75):
    """Bits per held-out character of an n-gram model with one fixed discount: the teaching step, not the bar.

    Why smoothing matters: raw counts give probability 0 to every character never seen after a context, and one such
    character costs infinitely many bits. Interpolated absolute discounting takes ``D`` from every count and gives
    the freed mass to the shorter context: ``P_k(w | ctx) = (max(c(ctx, w) - D, 0) + D * N(ctx) * P_{k-1}(w | ctx'))
    / c(ctx)``, where ``c`` are training counts, ``N(ctx)`` the number of distinct characters seen after ``ctx`` and
    ``ctx'`` the context one character shorter; an unseen context falls back to ``P_{k-1}``. Order 0 interpolates
    the character frequencies with the uniform distribution. The text's start is padded with a marker character.
    With one fixed ``D`` and raw counts at every order, this smoother gets worse beyond about 4 characters of
    context; ``KneserNey`` (discounts estimated from the counts, continuation counts for the shorter contexts) keeps
    improving to 12 or more and is the baseline a model has to beat.
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


# ----------------------------------------------------------------------------------------------------------------
# Interpolated modified Kneser-Ney
# ----------------------------------------------------------------------------------------------------------------


def kneser_ney_discounts(counts):
    """Chen & Goodman's three discounts ``(D1, D2, D3+)`` from the counts of one order (raw or continuation).

    With ``n_r`` the number of distinct n-grams whose count is exactly ``r`` and ``Y = n1 / (n1 + 2 n2)``:
    ``D1 = 1 - 2 Y n2 / n1``, ``D2 = 2 - 3 Y n3 / n2``, ``D3+ = 3 - 4 Y n4 / n3``. A ratio whose denominator is 0
    counts as 0, and each ``D_r`` is clipped to ``[0, r]`` (tiny texts only; real text never needs it).
    """
    counts = np.asarray(counts)
    n = [int(np.count_nonzero(counts == r)) for r in range(5)]  # n[0] unused

    def ratio(a, b):
        return a / b if b else 0.0

    y = ratio(n[1], n[1] + 2 * n[2])
    return tuple(float(np.clip(r - (r + 1) * y * ratio(n[r + 1], n[r]), 0, r)) for r in (1, 2, 3))


def _chars_back(x, distance, pad):
    """For every position t, the character ``distance`` places before it (``pad`` before the text starts)."""
    return np.concatenate([np.full(distance, pad, dtype=np.int64), x[: max(len(x) - distance, 0)]])[: len(x)]


class _Counts:
    """Training counts of every order 0..``max_order`` of context, with exact integer ids for contexts.

    The context of length k+1 at position t is (the character k+1 back, the context of length k); its id is the rank
    of the pair ``id_k * (V + 1) + char`` among the training pairs (``np.unique``), so ids are exact at any length.
    Before the text starts every character is the padding symbol ``V``. Per order k: ``pairs[k]`` (sorted pair keys
    that define the ids of contexts of length k; none for k = 0), ``keys[k]`` (sorted n-gram keys ``ctx_id * V + w``),
    ``raw[k]`` (how often each n-gram occurs) and ``cont[k]`` (continuation count: how many distinct characters,
    padding included, precede it; only for k < max_order).
    """

    def __init__(self, train_ids, vocab_size, max_order):
        x = np.asarray(train_ids, dtype=np.int64)
        V = vocab_size
        if x.ndim != 1 or len(x) == 0:
            raise ValueError(f"train_ids must be a non-empty 1-D sequence of character ids, but got shape {x.shape}.")
        if x.min() < 0 or x.max() >= V:
            raise ValueError(
                f"train_ids must lie in 0..{V - 1} (vocab_size={V}), but range from {x.min()} to {x.max()}. "
                "Encode the text with the same vocabulary you pass as vocab_size."
            )
        self.vocab_size, self.max_order = V, max_order
        self.pairs, self.keys, self.raw, self.cont = [None], [], [], []
        ctx = np.zeros(len(x), dtype=np.int64)
        gram = ctx * V + x
        for k in range(max_order + 1):
            keys, raw = np.unique(gram, return_counts=True)
            self.keys.append(keys)
            self.raw.append(raw.astype(np.int32))
            if k > 0:  # continuation counts of order k - 1: the distinct n-grams of order k that extend each one
                shorter = self.pairs[k][keys // V] // (V + 1) * V + keys % V  # drop the oldest character
                below = self.keys[k - 1]
                self.cont.append(np.bincount(np.searchsorted(below, shorter), minlength=len(below)).astype(np.int32))
            if k == max_order:
                break
            left = _chars_back(x, k + 1, V)
            pairs, ctx = np.unique(ctx * (V + 1) + left, return_inverse=True)
            self.pairs.append(pairs)
            gram = ctx * V + x

    def context_ids(self, ids, order, extend=False):
        """(order + 1, len(ids)) context ids of held-out ``ids`` (padded like the training text).

        Contexts not in training get -1, or with ``extend=True`` fresh ids from ``len(pairs[k])`` on, equal for equal
        contexts (the adaptive model counts them)."""
        V = self.vocab_size
        x = np.asarray(ids, dtype=np.int64)
        out = np.zeros((order + 1, len(x)), dtype=np.int64)
        for k in range(order):
            left = _chars_back(x, k + 1, V)
            query = out[k] * (V + 1) + left
            pairs = self.pairs[k + 1]
            pos = np.searchsorted(pairs, query).clip(max=len(pairs) - 1)
            found = pairs[pos] == query  # a fresh or missing (-1) parent id never matches a training pair
            new = np.where(found, pos, -1)
            if extend and not found.all():
                _, inverse = np.unique(query[~found], return_inverse=True)
                new[~found] = len(pairs) + inverse
            out[k + 1] = new
        return out

    def _n_contexts(self, k):
        return 1 if k == 0 else len(self.pairs[k])


_ROWS_AT_ONCE = 4096  # positions per batch in KneserNey.probabilities (bounds the memory of the sparse entries)


def _context_stats(keys, counts, vocab_size, n_contexts):
    """Per context id: total count ``T`` and the numbers of characters seen once, twice, three or more times."""
    ctx = keys // vocab_size
    stats = [np.bincount(ctx, weights=counts, minlength=n_contexts)]
    stats += [np.bincount(ctx[m], minlength=n_contexts) for m in (counts == 1, counts == 2, counts >= 3)]
    return np.stack(stats).astype(np.int32)  # (4, n_contexts)


class KneserNey:
    """Interpolated modified Kneser-Ney character n-gram model that looks at ``order`` characters of context.

    Introduced in notebook 09; notebook 11 uses its probabilities. Chen & Goodman (1999), "An empirical study of
    smoothing techniques for language modeling", section 3 (interpolated, three discounts):

    ``P_k(w | ctx) = (max(c_k(ctx w) - D_k(c), 0) + gamma_k(ctx) P_{k-1}(w | ctx')) / T_k(ctx)`` with
    ``gamma_k(ctx) = D_k1 N1(ctx .) + D_k2 N2(ctx .) + D_k3+ N3+(ctx .)`` and ``T_k(ctx) = sum_w c_k(ctx w)``.

    ``ctx`` has k characters, ``ctx'`` drops its oldest one. ``c_K`` (the longest order) are raw counts; for k < K,
    ``c_k(ctx w)`` is the continuation count, the number of distinct characters seen before ``ctx w``. ``N_r(ctx .)``
    counts the characters with ``c_k(ctx w) = r`` (3 or more for ``N3+``); ``D_k(c)`` is ``D_k1, D_k2, D_k3+`` for
    ``c = 1, 2, >= 3`` (and 0 for 0), from ``kneser_ney_discounts`` on order k's counts. An unseen context
    (``T_k = 0``) backs off fully: ``P_k = P_{k-1}``. ``P_{-1}`` is uniform over ``vocab_size`` characters. Both the
    training text and each held-out text start with ``order`` padding symbols (a symbol that is never predicted), so
    the first characters are coded with "start of text" contexts learnt from the training text's own start.

    ``adaptive=True`` (on ``bits`` and ``probabilities``) scores each held-out character first and then adds it to
    every count, as PPM-style compressors do. The discounts stay those estimated from the training text: they are the
    model's smoothing parameters (like a compressor's fixed escape rules), and keeping them fixed makes the adaptive
    model "the static model plus the text read so far", nothing else changed.

    Counting is vectorised with NumPy (exact integer ids for contexts of any length, ``np.unique`` and
    ``np.searchsorted``); the adaptive version is an exact loop over characters with Python dicts for what it added.
    """

    def __init__(self, train_ids, vocab_size, order):
        if not isinstance(order, (int, np.integer)) or order < 0:
            raise ValueError(f"order is the number of context characters, a whole number >= 0, but got {order!r}.")
        self._setup(_Counts(train_ids, vocab_size, int(order)), int(order))

    @classmethod
    def _from_counts(cls, counts, order):
        model = cls.__new__(cls)
        model._setup(counts, order)
        return model

    def _setup(self, counts, order):
        self.vocab_size, self.order, self._counts = counts.vocab_size, order, counts
        self.discounts, self._stats = [], []
        for k in range(order + 1):
            c = counts.raw[k] if k == order else counts.cont[k]
            self.discounts.append(kneser_ney_discounts(c))
            self._stats.append(_context_stats(counts.keys[k], c, self.vocab_size, counts._n_contexts(k)))

    def _level_counts(self, k):
        return self._counts.raw[k] if k == self.order else self._counts.cont[k]

    def _check(self, ids):
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 1:
            raise ValueError(f"ids must be a 1-D sequence of character ids, but got shape {ids.shape}.")
        if len(ids) and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"ids must lie in 0..{self.vocab_size - 1}, but range from {ids.min()} to {ids.max()}.")
        return ids

    def _train_values(self, ctx, w, k):
        """Training count of ``ctx w``, and ``T, N1, N2, N3+`` of ``ctx`` (zeros where ``ctx`` is not in training)."""
        known = (ctx >= 0) & (ctx < self._counts._n_contexts(k))
        safe = np.where(known, ctx, 0)
        c = np.where(known, _lookup(self._counts.keys[k], self._level_counts(k), safe * self.vocab_size + w), 0)
        return c, np.where(known, self._stats[k][:, safe], 0.0)

    def bits(self, ids, adaptive=False):
        """Bits for each character of ``ids`` (float64 array, one per character), each coded from the ones before."""
        ids = self._check(ids)
        if adaptive:
            return self._adaptive(ids, full=False)
        contexts = self._counts.context_ids(ids, self.order)
        p = np.full(len(ids), 1.0 / self.vocab_size)
        for k in range(self.order + 1):
            c, (T, N1, N2, N3) = self._train_values(contexts[k], ids, k)
            D = np.array((0.0,) + self.discounts[k])
            gamma = D[1] * N1 + D[2] * N2 + D[3] * N3
            p = np.where(T > 0, (np.maximum(c - D[np.minimum(c, 3)], 0) + gamma * p) / np.maximum(T, 1), p)
        return -np.log2(p)

    def probabilities(self, ids, adaptive=False):
        """(len(ids), vocab_size) float64: row t is the next-character distribution used to code ``ids[t]``."""
        ids = self._check(ids)
        if adaptive:
            return self._adaptive(ids, full=True)
        contexts = self._counts.context_ids(ids, self.order)
        rows = [
            self._rows(contexts[:, i : i + _ROWS_AT_ONCE], ids[i : i + _ROWS_AT_ONCE])
            for i in range(0, len(ids), _ROWS_AT_ONCE)
        ]
        return np.concatenate(rows) if rows else np.empty((0, self.vocab_size))

    def _rows(self, contexts, ids):
        """Static next-character distributions for positions with context ids ``contexts`` (K + 1, n)."""
        V = self.vocab_size
        p = np.full((len(ids), V), 1.0 / V)
        for k in range(self.order + 1):
            ctx = contexts[k]
            _, (T, N1, N2, N3) = self._train_values(ctx, ids, k)
            D = np.array((0.0,) + self.discounts[k])
            gamma = D[1] * N1 + D[2] * N2 + D[3] * N3
            p *= np.where(T > 0, gamma / np.maximum(T, 1), 1.0)[:, None]  # the share passed down, in place
            keys, level = self._counts.keys[k], self._level_counts(k)
            known = np.flatnonzero((ctx >= 0) & (ctx < self._counts._n_contexts(k)))
            start = np.searchsorted(keys, ctx[known] * V)
            stop = np.searchsorted(keys, ctx[known] * V + V)
            rows = np.repeat(known, stop - start)  # one entry per (position, character seen after its context)
            entries = np.arange(len(rows)) - np.repeat(np.cumsum(stop - start) - (stop - start), stop - start)
            entries += np.repeat(start, stop - start)
            c = level[entries]
            p[rows, keys[entries] % V] += np.maximum(c - D[np.minimum(c, 3)], 0) / T[rows]
        return p

    def _adaptive(self, ids, full):
        """Exact adaptive scoring: score position t with training counts plus held-out counts of ``ids[:t]``."""
        V, K = self.vocab_size, self.order
        n = len(ids)
        contexts = self._counts.context_ids(ids, K, extend=True)
        grams = contexts * V + ids  # (K + 1, n) n-gram ids
        # training values at every position: level counts, context stats, and whether the n-gram was ever seen
        c0, st0, seen0 = [], [], []
        for k in range(K + 1):
            c, stats = self._train_values(contexts[k], ids, k)
            c0.append(c.tolist())
            st0.append(stats.T.tolist())
            raw = self._counts.raw[k]
            known = (contexts[k] >= 0) & (contexts[k] < self._counts._n_contexts(k))
            seen0.append((known & (_lookup(self._counts.keys[k], raw, np.where(known, grams[k], 0)) > 0)).tolist())
        grams_l, ids_l, ctx_l = grams.tolist(), ids.tolist(), contexts.tolist()
        read = _ReadCounts(K, followers=full)  # what the held-out text added so far
        discounts = [(0.0,) + d for d in self.discounts]
        out = np.empty((n, V)) if full else np.empty(n)
        for t in range(n):
            w = ids_l[t]
            olds = []
            p = np.full(V, 1.0 / V) if full else 1.0 / V
            for k in range(K + 1):
                g, ctx = grams_l[k][t], ctx_l[k][t]
                old = c0[k][t] + read.added[k].get(g, 0)
                olds.append(old)
                T, N1, N2, N3 = read.stats(k, ctx, st0[k][t])
                if T > 0:
                    if full:
                        p = self._interpolate_row(p, k, ctx, (T, N1, N2, N3), read.followers[k].get(ctx))
                    else:
                        D = discounts[k]
                        gamma = D[1] * N1 + D[2] * N2 + D[3] * N3
                        p = (max(old - D[min(old, 3)], 0) + gamma * p) / T
            out[t] = p
            read.add([ctx_l[k][t] for k in range(K + 1)], [grams_l[k][t] for k in range(K + 1)], olds,
                     [seen0[k][t] for k in range(K + 1)], w)
        return out if full else -np.log2(out)

    def _row(self, k, ctx, extra):
        """Level counts of every next character after context ``ctx`` of order k (training plus added)."""
        V = self.vocab_size
        row = np.zeros(V)
        if 0 <= ctx < self._counts._n_contexts(k):
            keys = self._counts.keys[k]
            start, stop = np.searchsorted(keys, [ctx * V, ctx * V + V])
            row[keys[start:stop] % V] = self._level_counts(k)[start:stop]
        if extra:
            row[list(extra)] += list(extra.values())
        return row

    def _interpolate_row(self, p, k, ctx, stats, extra):
        """One order's step of the full adaptive row: order k's discounted counts after ``ctx`` (training plus
        ``extra`` read), interpolated with the lower orders' row ``p``. ``stats`` is ``(T, N1, N2, N3+)``."""
        T, N1, N2, N3 = stats
        D = (0.0,) + self.discounts[k]
        gamma = D[1] * N1 + D[2] * N2 + D[3] * N3
        row = self._row(k, ctx, extra)
        return (np.maximum(row - np.array(D)[np.minimum(row, 3).astype(np.int64)], 0) + gamma * p) / T


class _ReadCounts:
    """What an adaptive ``KneserNey`` adds to its training counts while it reads, per order ``0..K``.

    ``added``: n-gram id -> count added (level counts); ``ctx_added``: context id -> ``[T, N1, N2, N3+]`` added;
    ``followers`` (if kept): context id -> {character: count added}, for full rows; ``new_seen``: n-grams first seen
    in the text read. Shared by ``KneserNey.probabilities/bits(adaptive=True)`` and ``KneserNeyReader``.
    """

    def __init__(self, K, followers=True):
        self.K = K
        self.added = [{} for _ in range(K + 1)]
        self.ctx_added = [{} for _ in range(K + 1)]
        self.followers = [{} for _ in range(K + 1)] if followers else None
        self.new_seen = [set() for _ in range(K + 1)]

    def stats(self, k, ctx, trained):
        """``(T, N1, N2, N3+)`` of context ``ctx`` of order k: the ``trained`` ones plus what was read."""
        T, N1, N2, N3 = trained
        extra = self.ctx_added[k].get(ctx)
        if extra is not None:
            T, N1, N2, N3 = T + extra[0], N1 + extra[1], N2 + extra[2], N3 + extra[3]
        return T, N1, N2, N3

    def add(self, contexts, grams, olds, seen, w):
        """Count character ``w`` read after ``contexts`` (its n-grams ``grams``, their level counts ``olds`` before
        it, and whether training had them, ``seen``): the longest order counts every occurrence; order k < K counts
        a new distinct left extension."""
        K = self.K
        new = [not seen[k] and grams[k] not in self.new_seen[k] for k in range(K + 1)]
        for k in range(K + 1):
            if k == K or new[k + 1]:
                g, ctx, old = grams[k], contexts[k], olds[k]
                self.added[k][g] = self.added[k].get(g, 0) + 1
                extra = self.ctx_added[k].setdefault(ctx, [0, 0, 0, 0])
                extra[0] += 1
                if old < 3:
                    extra[old + 1] += 1
                    if old:
                        extra[old] -= 1
                if self.followers is not None:
                    row = self.followers[k].setdefault(ctx, {})
                    row[w] = row.get(w, 0) + 1
            if new[k]:
                self.new_seen[k].add(grams[k])


class KneserNeyReader:
    """A ``KneserNey`` model run one character at a time: ``next_probs()``, then ``observe(id)``, and so on.

    Introduced for notebook 11's compressor: a decoder knows only the characters it has decoded, so it cannot call
    ``probabilities`` on the whole text. This reader computes each row from the characters read so far, with the
    same arithmetic as ``probabilities(ids, adaptive=...)`` (``tests/test_char_baselines.py`` checks they are
    equal). Contexts not in the training text get fresh ids in the order they first occur (``probabilities``
    numbers them differently within one call; only equality matters). ``adaptive=True`` adds each character to the
    counts after it is read.
    """

    def __init__(self, model, adaptive=False):
        self.model, self.adaptive = model, bool(adaptive)
        K = model.order
        self.history = []  # the last K character ids read
        self.fresh = [{} for _ in range(K + 1)]  # per order: query -> fresh context id (adaptive only)
        self.read = _ReadCounts(K)  # what the text read so far added to the counts (adaptive only)
        self._contexts = None

    def _current_contexts(self):
        m, V = self.model, self.model.vocab_size
        counts = m._counts
        out = [0]
        for k in range(m.order):
            parent = out[k]
            left = self.history[-(k + 1)] if len(self.history) > k else V  # padding before the text starts
            if parent < 0:
                out.append(-1)
                continue
            query = parent * (V + 1) + left
            pairs = counts.pairs[k + 1]
            pos = int(np.searchsorted(pairs, query))
            if pos < len(pairs) and pairs[pos] == query:
                out.append(pos)
            elif self.adaptive:
                fresh = self.fresh[k + 1]
                out.append(fresh.setdefault(query, len(pairs) + len(fresh)))
            else:
                out.append(-1)
        return out

    def next_probs(self):
        """The distribution of the next character, ``(vocab_size,)`` float64."""
        m, V = self.model, self.model.vocab_size
        contexts = self._contexts = self._current_contexts()
        if not self.adaptive:
            return m._rows(np.array(contexts, dtype=np.int64)[:, None], np.zeros(1, dtype=np.int64))[0]
        p = np.full(V, 1.0 / V)
        for k, ctx in enumerate(contexts):
            known = 0 <= ctx < m._counts._n_contexts(k)
            trained = (int(v) for v in m._stats[k][:, ctx]) if known else (0, 0, 0, 0)
            stats = self.read.stats(k, ctx, trained)
            if stats[0] > 0:
                p = m._interpolate_row(p, k, ctx, stats, self.read.followers[k].get(ctx))
        return p

    def observe(self, w):
        """Read character id ``w`` (after ``next_probs``): update the adaptive counts and the context."""
        if self._contexts is None:
            raise RuntimeError("call next_probs() before observe(): the prediction comes before the character")
        m, V, K, w = self.model, self.model.vocab_size, self.model.order, int(w)
        if self.adaptive:
            contexts = self._contexts
            grams = [ctx * V + w for ctx in contexts]
            olds, seen = [], []
            for k, (ctx, g) in enumerate(zip(contexts, grams, strict=True)):
                c, _ = m._train_values(np.array([ctx]), np.array([w]), k)
                olds.append(int(c[0]) + self.read.added[k].get(g, 0))
                known = 0 <= ctx < m._counts._n_contexts(k)
                raw = int(_lookup(m._counts.keys[k], m._counts.raw[k], np.array([g]))[0]) if known else 0
                seen.append(known and raw > 0)
            self.read.add(contexts, grams, olds, seen, w)
        self.history = (self.history + [w])[-K:] if K else []
        self._contexts = None


def best_order(train_ids, val_ids, vocab_size, orders=range(0, 17), adaptive=False):
    """The ``KneserNey`` order with the fewest bits per validation character: ``(order, {order: bits_per_char})``.

    Introduced in notebook 09. Counts are made once, for the longest order, and shared by every order."""
    orders = list(orders)
    counts = _Counts(train_ids, vocab_size, max(orders))
    scores = {k: float(KneserNey._from_counts(counts, k).bits(val_ids, adaptive=adaptive).mean()) for k in orders}
    return min(scores, key=scores.get), scores


best_kneser_ney_order = best_order


# ----------------------------------------------------------------------------------------------------------------
# Compressors
# ----------------------------------------------------------------------------------------------------------------

JOIN = "\n"
"""What joins the training text and the held-out text for a compressor: one newline, as topics are joined."""

_PPMD_MEMORY = 64 << 20  # bytes; order 32 on the course text needs less than 32 MB (16 MB is too few)


def _ppmd(order, variant="I"):
    return lambda data: pyppmd.compress(data, max_order=order, mem_size=_PPMD_MEMORY, variant=variant)


COMPRESSORS = {
    "zlib -9": lambda data: zlib.compress(data, 9),
    "bz2 -9": lambda data: bz2.compress(data, 9),
    "lzma -9e": lambda data: lzma.compress(data, preset=9 | lzma.PRESET_EXTREME),
    "PPMd order 6": _ppmd(6),
    "PPMd order 8": _ppmd(8),
    "PPMd order 16": _ppmd(16),
    "PPMd order 32 (variant H)": _ppmd(32, "H"),
}


def compressor_bits_per_char(train_text, held_text, name):
    """Bits per held-out character a compressor needs given the training text.

    ``8 * (size(train + JOIN + held) - size(train)) / len(held)``, sizes in bytes of the compressed UTF-8 text. The
    held-out text follows the training text after one newline (``JOIN``), exactly as topics are joined in the text
    the models read."""
    if name not in COMPRESSORS:
        raise ValueError(f"Unknown compressor {name!r}. Choose one of: {', '.join(COMPRESSORS)}.")
    compress = COMPRESSORS[name]
    train_bytes = train_text.encode("utf-8")
    both = compress(train_bytes + JOIN.encode("utf-8") + held_text.encode("utf-8"))
    return 8 * (len(both) - len(compress(train_bytes))) / len(held_text)


def uniform_bits_per_char(vocab_size):
    """A model that gives every character the same probability: ``log2(vocab_size)`` bits per character."""
    return math.log2(vocab_size)

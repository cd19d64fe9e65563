"""Arithmetic-sequence data: windows never cross sequences, held-out pairs never reach training, scaling inverts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_helpers.data import (
    Scaler,
    all_pairs,
    arithmetic_sequence,
    make_sequences,
    make_windows,
    split_pairs,
)

small_ints = st.integers(min_value=-20, max_value=20)


def test_defaults_match_the_original_tutorial():
    pairs = all_pairs()
    assert len(pairs) == 45  # start 1..9, step 1..5
    assert (2, 2) in pairs and (9, 5) in pairs and (10, 1) not in pairs
    np.testing.assert_array_equal(arithmetic_sequence(2, 2, 5), [2, 4, 6, 8, 10])


def test_windows_of_one_sequence():
    X, y = make_windows([[2, 4, 6, 8, 10, 12]], window=4)
    np.testing.assert_array_equal(X, [[2, 4, 6, 8], [4, 6, 8, 10]])
    np.testing.assert_array_equal(y, [10, 12])


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(st.tuples(small_ints, small_ints.filter(lambda d: d != 0)), min_size=1, max_size=12, unique=True),
    length=st.integers(min_value=2, max_value=15),
    window=st.integers(min_value=1, max_value=14),
)
def test_no_window_spans_two_sequences(pairs, length, window):
    if window >= length:
        with pytest.raises(ValueError, match="needs at least"):
            make_windows(make_sequences(pairs, length), window)
        return
    X, y = make_windows(make_sequences(pairs, length), window)
    assert X.shape == (len(pairs) * (length - window), window) and y.shape == (len(X),)
    for inputs, target in zip(X, y, strict=True):
        steps = np.diff(np.append(inputs, target))
        # every window (inputs + target) is one arithmetic progression: one constant step, from one pair
        assert np.allclose(steps, steps[0])
        assert any(
            np.isclose(inputs[0], a + k * d) and np.isclose(steps[0], d) for a, d in pairs for k in range(length)
        )


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_held_out_pairs_never_reach_training(data):
    pairs = all_pairs()
    held_out = data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=10, unique=True))
    train, test = split_pairs(pairs, held_out)
    assert set(train).isdisjoint(test) and set(test) == set(held_out) and len(train) + len(test) == len(pairs)
    X, y = make_windows(make_sequences(train, 8), 4)
    # the training windows are exactly those of the training pairs, one pair after another
    per_pair = [make_windows(make_sequences([pair], 8), 4) for pair in train]
    np.testing.assert_array_equal(X, np.concatenate([w for w, _ in per_pair]))
    np.testing.assert_array_equal(y, np.concatenate([t for _, t in per_pair]))
    train_set = set(train)
    for a, d in held_out:
        # A held-out sequence's first window is unseen unless a training pair (a - k*d, d) runs into it:
        # 5, 7, 9, 11 also lies inside (3, 2) and (1, 2). Honest tests use windows no training pair produces.
        first = arithmetic_sequence(a, d, 4)
        seen = any(np.array_equal(first, row) for row in X)
        runs_into = any((a - k * d, d) in train_set for k in range(1, 8 - 4))  # window start k <= 3
        assert seen == runs_into


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=20), st.floats(0.1, 1e3))
def test_scaler_inverts(values, scale):
    scaler = Scaler(scale)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(np.array(values))), values, rtol=1e-12, atol=1e-9)


def test_scaler_fit():
    assert Scaler.fit([1, -45, 3]).scale == 45
    assert "40" in repr(Scaler(40))

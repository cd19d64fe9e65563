"""lstm_helpers.arithmetic: the tutorial's reconstructed pieces, the course recipe and the normalised model."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_helpers import arithmetic
from lstm_helpers.arithmetic import (
    HELD_OUT_PAIRS,
    SEED_TEST_CASES,
    crossing_windows,
    evaluate_cases,
    evaluate_pairs,
    first_windows,
    normalise_windows,
    one_thread,
    seed_create_sequences,
    seed_generate_data,
    train_arithmetic_lstm,
    train_normalised_lstm,
    train_seed_lstm,
)
from lstm_helpers.data import Scaler, all_pairs
from lstm_helpers.models import SimpleLSTM


def test_constants_are_consistent():
    assert len(SEED_TEST_CASES) == 5
    for inputs, target in SEED_TEST_CASES:
        steps = np.diff(list(inputs) + [target])
        assert np.allclose(steps, steps[0])
        assert (inputs[0], steps[0]) in all_pairs()
    case_pairs = {(inputs[0], inputs[1] - inputs[0]) for inputs, _ in SEED_TEST_CASES}
    assert not case_pairs & set(HELD_OUT_PAIRS)
    assert set(HELD_OUT_PAIRS) <= set(all_pairs())


def test_seed_data_has_45_distinct_sequences_and_is_repeatable():
    data = seed_generate_data(seed=3)
    assert data.shape == (500, 6)
    assert len({tuple(row) for row in data}) <= 45
    assert np.array_equal(data, seed_generate_data(seed=3))
    assert data[:, 0].min() >= 1 and data[:, 0].max() <= 9
    steps = data[:, 1] - data[:, 0]
    assert steps.min() >= 1 and steps.max() <= 5


def test_seed_windows_run_over_the_joined_data():
    data = np.array([[1.0, 2, 3], [10, 20, 30]])
    X, y = seed_create_sequences(data, 2)
    assert X.tolist() == [[1, 2], [2, 3], [3, 10], [10, 20]]
    assert y.tolist() == [3, 10, 20, 30]


@given(st.integers(1, 60), st.integers(1, 12), st.integers(1, 8))
@settings(max_examples=60, deadline=None)
def test_crossing_count_matches_brute_force(num_sequences, seq_length, window):
    if num_sequences * seq_length <= window:
        with pytest.raises(ValueError):
            crossing_windows(num_sequences, seq_length, window)
        return
    crossing, total = crossing_windows(num_sequences, seq_length, window)
    starts = np.arange(num_sequences * seq_length - window)
    brute = int(np.sum(starts // seq_length != (starts + window) // seq_length))
    assert (crossing, total) == (brute, len(starts))
    if seq_length > window:
        assert crossing == window * (num_sequences - 1)


def test_the_tutorials_windows_cross_two_of_three():
    crossing, total = crossing_windows(500, 6, 4)
    assert (crossing, total) == (1996, 2996)


def test_first_windows():
    X, y = first_windows([(2, 2), (7, 2)])
    assert X.tolist() == [[2, 4, 6, 8], [7, 9, 11, 13]]
    assert y.tolist() == [10, 15]


def test_course_recipe_is_accurate_and_documented():
    result = train_arithmetic_lstm(seed=0, progress=False)
    assert isinstance(result.model, SimpleLSTM) and not result.model.training
    assert isinstance(result.scaler, Scaler) and result.window == 4
    assert len(result.losses) == 100 and result.losses[-1] < result.losses[0]
    assert len(result.train_pairs) == 40 and result.held_out_pairs == tuple(sorted(HELD_OUT_PAIRS))
    assert not set(result.train_pairs) & set(HELD_OUT_PAIRS)
    X = np.array([inputs for inputs, _ in SEED_TEST_CASES])
    y = np.array([target for _, target in SEED_TEST_CASES])
    assert evaluate_cases(result.model, X, y, result.scaler).max() < 0.1
    assert evaluate_pairs(result, HELD_OUT_PAIRS).max() < 0.1
    assert abs(result.predict([[100, 200, 300, 400]])[0] - 500) > 100  # saturation: it does not extrapolate
    assert "Introduced in notebook 07." in train_arithmetic_lstm.__doc__


def test_course_recipe_is_repeatable():
    a = train_arithmetic_lstm(seed=1, progress=False, num_epochs=5)
    b = train_arithmetic_lstm(seed=1, progress=False, num_epochs=5)
    assert a.losses == b.losses


def test_seed_recipe_runs_and_keeps_its_settings():
    result = train_seed_lstm(seed=0, num_epochs=1, progress=False)
    assert result.scaler is None and result.model.hidden_size == 50
    assert result.settings["lr"] == 1e-3 and result.settings["batch_size"] == 32
    assert result.predict([[2, 4, 6, 8]]).shape == (1,)


def test_normalised_model_extrapolates_both_ways():
    result = train_normalised_lstm(seed=0, progress=False)
    windows = np.array([[100, 200, 300, 400], [50, 40, 30, 20], [-3, -6, -9, -12]])
    targets = np.array([500, 10, -15])
    assert np.all(np.abs(result.predict(windows) - targets) <= 0.01 * np.abs(targets))
    assert evaluate_pairs(result, HELD_OUT_PAIRS).max() < 0.1


def test_normalise_windows():
    X_norm, offset, spread = normalise_windows([[2, 4, 6, 8], [5, 5, 5, 5]])
    assert offset.tolist() == [8, 5]
    assert spread[1] == 1.0 and np.allclose(X_norm[1], 0)
    assert np.allclose(X_norm[0], (np.array([2, 4, 6, 8]) - 8) / np.std([2, 4, 6, 8]))


def test_one_thread_restores_the_setting():
    before = torch.get_num_threads()
    with one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: seed_generate_data(num_sequences=0), ValueError),
        (lambda: seed_generate_data(seq_length=2.5), TypeError),
        (lambda: seed_create_sequences([[1, 2]], 4), ValueError),
        (lambda: seed_create_sequences("abc", 2), TypeError),
        (lambda: crossing_windows(1, 2, 5), ValueError),
        (lambda: train_arithmetic_lstm(hidden_size=0, progress=False), ValueError),
        (lambda: train_arithmetic_lstm(held_out=[(10, 10)], progress=False), ValueError),
        (lambda: train_arithmetic_lstm(optimizer="sgd", num_epochs=1, progress=False), ValueError),
        (lambda: normalise_windows([1, 2, 3]), ValueError),
        (lambda: evaluate_pairs("model", HELD_OUT_PAIRS), TypeError),
        (lambda: evaluate_cases(SimpleLSTM(), [[1, 2, 3, 4]], [1, 2]), ValueError),
    ],
)
def test_bad_input_raises_a_clear_error(call, error):
    with pytest.raises(error):
        call()


def test_every_public_name_is_documented():
    for name in arithmetic.__all__:
        obj = getattr(arithmetic, name)
        if callable(obj):
            assert obj.__doc__ and "notebook 07" in (obj.__doc__ + arithmetic.__doc__)

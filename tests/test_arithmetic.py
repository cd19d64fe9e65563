"""lstm_helpers.arithmetic: the tutorial's reconstructed pieces, the course recipe and the normalised model."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_helpers import arithmetic
from lstm_helpers.arithmetic import (
    COURSE_SETTINGS,
    HELD_OUT_PAIRS,
    SEED_TEST_CASES,
    TUTORIAL_SETTINGS,
    between_windows,
    course_training_data,
    crossing_windows,
    evaluate_cases,
    evaluate_pairs,
    evaluation_sets,
    first_windows,
    normalise_windows,
    one_thread,
    seed_create_sequences,
    seed_generate_data,
    shared_windows,
    train_arithmetic_lstm,
    train_normalised_lstm,
    train_seed_lstm,
    train_variant,
    unseen_integer_windows,
    untrained_readout,
    variant_training_data,
)
from lstm_helpers.data import Scaler, all_pairs, make_sequences, make_windows, split_pairs
from lstm_helpers.models import SimpleLSTM
from lstm_helpers.training import predict


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
    assert len(result.losses) == 1000 and result.losses[-1] < result.losses[0]
    assert result.settings["optimizer"] == "adam" and result.settings["lr"] == 1e-2
    assert len(result.train_pairs) == 40 and result.held_out_pairs == tuple(sorted(HELD_OUT_PAIRS))
    assert not set(result.train_pairs) & set(HELD_OUT_PAIRS)
    X = np.array([inputs for inputs, _ in SEED_TEST_CASES])
    y = np.array([target for _, target in SEED_TEST_CASES])
    assert evaluate_cases(result.model, X, y, result.scaler).max() < 0.3
    assert abs(result.predict([[100, 200, 300, 400]])[0] - 500) > 100  # saturation: it does not extrapolate
    assert "Introduced in notebook 07." in train_arithmetic_lstm.__doc__


# --- what "unseen" means (notebook 07) ----------------------------------------------------------------------------


def _training_windows():
    X, y, _ = course_training_data()
    return X, y


def test_the_held_out_pairs_leak_and_the_evaluation_sets_do_not():
    X, y = _training_windows()
    assert len(X) == 80 and len({tuple(r) + (t,) for r, t in zip(X, y, strict=True)}) == 58
    _, held = split_pairs(all_pairs(), HELD_OUT_PAIRS)
    X_held, y_held = make_windows(make_sequences(held, 6), 4)
    assert shared_windows(X, y, X_held, y_held) == 8  # 8 of the 10 windows of "held-out" pairs were trained on
    sets = evaluation_sets(X, y)
    assert {name: len(v[0]) for name, v in sets.items()} == {"between": 200, "unseen integer": 52}
    every_X, every_y = make_windows(make_sequences(all_pairs(), 6), 4)  # all windows of all 45 pairs
    for X_eval, y_eval in sets.values():
        assert shared_windows(X, y, X_eval, y_eval) == 0
    assert shared_windows(every_X, every_y, *sets["between"]) == 0  # unseen by the tutorial's model too


@given(st.sets(st.sampled_from(all_pairs()), min_size=1, max_size=10), st.integers(5, 8))
@settings(max_examples=40, deadline=None)
def test_no_unseen_window_equals_a_training_window(held_out, seq_length):
    """Property: whatever pairs are held out and however long the sequences, no evaluation window is a training one."""
    train_pairs, _ = split_pairs(all_pairs(), sorted(held_out))
    X, y = make_windows(make_sequences(train_pairs, seq_length), 4)
    X_eval, y_eval = unseen_integer_windows(X, y)
    assert shared_windows(X, y, X_eval, y_eval) == 0
    seen = {tuple(r) + (t,) for r, t in zip(X, y, strict=True)}
    assert all(tuple(r) + (t,) not in seen for r, t in zip(X_eval, y_eval, strict=True))
    assert np.allclose(np.diff(np.column_stack([X_eval, y_eval]), axis=1).std(axis=1), 0)  # all arithmetic
    assert X_eval.min() >= 1 and y_eval.max() <= max(X.max(), y.max())


def test_between_windows_are_real_valued_and_in_the_tutorial_ranges():
    X, y = between_windows(num_windows=50, seed=3)
    full = np.column_stack([X, y])
    steps = np.diff(full, axis=1)
    assert np.allclose(steps, steps[:, :1]) and (steps[:, 0] >= 1).all() and (steps[:, 0] <= 5).all()
    assert (X[:, 0] >= 1).all() and (X[:, 0] <= 9).all()
    assert not np.any(np.isclose(X[:, 0], np.round(X[:, 0])) & np.isclose(steps[:, 0], np.round(steps[:, 0])))
    assert np.array_equal(between_windows(num_windows=50, seed=3)[0], X)


def test_shared_windows_compares_inputs_and_target_together():
    X = np.array([[1.0, 2, 3], [2, 4, 6]])
    y = np.array([4.0, 8])
    assert shared_windows(X, y, X, y) == 2
    assert shared_windows(X, y, X, y + 1) == 0  # same inputs, another target: unseen


# --- claims over seeds (notebook 07) -------------------------------------------------------------------------------


def _between_max(result):
    X, y = between_windows()
    return float(np.abs(result.predict(X) - y).max())


def test_course_recipe_over_seeds():
    """Notebook 07: for 5 of 5 seeds the course recipe's max error on the 'between' windows is below 0.3."""
    maxes = [_between_max(train_arithmetic_lstm(seed=seed, progress=False)) for seed in range(5)]
    assert sum(m < 0.3 for m in maxes) == 5, maxes


def test_lbfgs_aside_over_seeds():
    """Notebook 07: L-BFGS (100 steps) is below 0.1 on the 'between' windows for 3 of 3 seeds."""
    maxes = [_between_max(train_variant(seed=seed, optimizer="lbfgs")) for seed in range(3)]
    assert sum(m < 0.1 for m in maxes) == 3, maxes


def _unseen_integer_max(result):
    X, y = evaluation_sets(*course_training_data()[:2])["unseen integer"]
    return float(np.abs(result.predict(X) - y).max())


# Notebook 07 on the 'unseen integer' column: without scaling the worst error is above 4, with 50 hidden units below
# 0.5 (3 of 3 seeds each). (low, high) bounds every seed's worst error. The course recipe's own claim is a count over
# 5 seeds (test_course_recipe_unseen_integer_over_five_seeds); its bound here covers the table's seeds 0-2 only.
UNSEEN_INTEGER_BOUNDS = {None: (1.0, 4.0), "scale": (4.0, 10.0), "hidden_size": (0.0, 0.5)}


def test_course_recipe_unseen_integer_over_five_seeds():
    """Notebook 07: the course recipe's worst 'unseen integer' error is above 1 for 3 of 5 seeds (1.4 to 2.7) and
    below 1 for the other 2 (0.8 and 0.2)."""
    unseen = [_unseen_integer_max(train_variant(seed=seed, **COURSE_SETTINGS)) for seed in range(5)]
    assert sum(m > 1 for m in unseen) == 3, unseen
    assert all(m < 3 for m in unseen) and min(unseen) > 0.1, unseen


@pytest.mark.parametrize(
    ("change", "value", "good"),
    [
        (None, None, 3),  # the course recipe
        ("windows", "crossing", 0),
        ("scale", None, 3),
        ("duplicates", True, 3),
        ("hidden_size", 50, 3),
        ("optimizer", "tutorial", 0),
    ],
)
def test_backward_ablation_counts(change, value, good):
    """Notebook 07's ablation table, backward rows: seeds (of 3) whose 'between' max error is below 0.5, and the
    'unseen integer' worst errors the notebook quotes."""
    settings = dict(COURSE_SETTINGS) if change is None else {**COURSE_SETTINGS, change: value}
    results = [train_variant(seed=seed, **settings) for seed in range(3)]
    maxes = [_between_max(result) for result in results]
    assert sum(m < 0.5 for m in maxes) == good, maxes
    if change in UNSEEN_INTEGER_BOUNDS:
        low, high = UNSEEN_INTEGER_BOUNDS[change]
        unseen = [_unseen_integer_max(result) for result in results]
        assert all(low < m < high for m in unseen), unseen


def test_forward_ablation_windows_inside_fixes_the_tutorial():
    """Notebook 07's ablation table: the tutorial with only its windows cut inside sequences, 3 of 3 seeds < 0.5;
    with only the duplicates dropped, 0 of 3 (the other forward rows run only in benchmarks/arithmetic.py)."""
    inside = [_between_max(train_variant(seed=s, **{**TUTORIAL_SETTINGS, "windows": "inside"})) for s in range(3)]
    assert sum(m < 0.5 for m in inside) == 3, inside
    once = [_between_max(train_variant(seed=s, **{**TUTORIAL_SETTINGS, "duplicates": False})) for s in range(3)]
    assert sum(m < 0.5 for m in once) == 0, once


def test_stored_benchmark_results_match_the_notebook():
    """The table notebook 07 prints comes from lstm_helpers/data/arithmetic_ablation.json: complete, as described."""
    stored = arithmetic.stored_ablation()
    rows = {row["row"]: row for row in stored["rows"]}
    assert "benchmarks/arithmetic.py" in stored["meta"]["command"] and stored["meta"]["seeds"] == 3
    assert len(rows) == 13 and all(len(row["runs"]) == 3 for row in rows.values())
    good = {name: sum(run["between"][1] < 0.5 for run in row["runs"]) for name, row in rows.items()}
    assert good["+ windows inside sequences"] == 3
    assert all(good[name] == 0 for name in rows if name.startswith("+") and "inside" not in name)
    assert good["the tutorial"] == 0
    tutorial = rows["the tutorial"]["runs"]
    assert all(run["between"][0] > 1 and run["between"][1] > 4 and run["cases"][0] < 0.5 for run in tutorial)
    for change, name in ((None, "the course recipe"), ("scale", "- numbers scaled by 1/40"),
                         ("hidden_size", "- hidden size 32 (not 50)")):
        low, high = UNSEEN_INTEGER_BOUNDS[change]
        assert all(low < run["unseen integer"][1] < high for run in rows[name]["runs"]), name
    lbfgs = [run["unseen integer"][1] for run in rows["course recipe with L-BFGS (100 steps)"]["runs"]]
    assert all(0.3 < m < 2 for m in lbfgs), lbfgs  # notebook 07: "0.5 to 1.6 over its 3 seeds"


def test_variant_training_data_never_holds_a_held_out_sequence():
    X_allowed, y_allowed = _training_windows()  # the windows of the 40 training sequences
    for duplicates in (True, False):
        X, y = variant_training_data("inside", duplicates, seed=0)
        assert shared_windows(X_allowed, y_allowed, X, y) == len(X)  # every window comes from a training sequence
        X_cross, _ = variant_training_data("crossing", duplicates, seed=0)
        assert len(X_cross) > len(X)  # the joined list has more (crossing) windows
    assert len(variant_training_data("inside", False)[0]) == 80


def test_untrained_control_is_exact_on_unseen_windows():
    """Notebook 08's control: an untrained SimpleLSTM(32) with a least-squares read-out, seeds 0-2."""
    X, y = _training_windows()
    for seed in range(3):
        model, scaler = untrained_readout(X, y, seed=seed)
        for X_eval, y_eval in evaluation_sets(X, y).values():
            assert np.abs(predict(model, X_eval, scaler) - y_eval).max() < 0.01
        fresh = SimpleLSTM(hidden_size=32)
        torch.manual_seed(seed)
        fresh = SimpleLSTM(hidden_size=32)
        assert torch.equal(fresh.lstm.weight_hh_l0, model.lstm.weight_hh_l0)  # the LSTM itself is untouched


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
        (lambda: train_variant(optimizer="sgd"), ValueError),
        (lambda: variant_training_data(windows="across"), ValueError),
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

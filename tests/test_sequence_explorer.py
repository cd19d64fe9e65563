"""Notebook 08's typed-sequence checks: relative tolerance, joint coverage of start and step, the gate figure."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_helpers.arithmetic import TrainedArithmeticLSTM, train_arithmetic_lstm
from lstm_helpers.cells import run_lstm
from lstm_helpers.data import Scaler, all_pairs, split_pairs
from lstm_helpers.models import SimpleLSTM
from lstm_helpers.sequence_explorer import (
    coverage_note,
    describe_sequence,
    figure_png,
    gate_deviation_figure,
    nearest_training_window,
    range_notes,
    trace_model,
    training_ranges,
    training_start_steps,
)
from lstm_helpers.torch_bridge import lstm_weights_from_torch


@pytest.fixture(scope="module")
def result():
    """An untrained model dressed as the course's result: 40 training pairs (five held out), as in notebook 08."""
    torch.manual_seed(0)
    model = SimpleLSTM(input_size=1, hidden_size=8).eval()
    train_pairs, held = split_pairs(all_pairs(), [(7, 2), (4, 3), (8, 1), (6, 4), (3, 5)])
    return TrainedArithmeticLSTM(model, Scaler(40), 4, [], tuple(train_pairs), tuple(held), 0.0)


def test_training_start_steps_are_the_58_distinct_windows(result):
    points = training_start_steps(result)
    assert points.shape == (58, 2)
    assert points[:, 0].min() == 1 and points[:, 0].max() == 14 and set(points[:, 1]) == {1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    ("window", "warned"),
    [
        ([25, 26, 27, 28], True),  # every number and the step in range, the combination is not
        ([19, 20, 21, 22], True),
        ([1, 11, 21, 31], True),  # a step of 10: no training window has a step near it
        ([2.5, 5, 7.5, 10], False),  # between training pairs: interpolation
        ([4, 8, 12, 16], False),  # a training window
        ([15, 20, 25, 30], False),  # within 1 of (14, 5)
    ],
)
def test_coverage_is_checked_jointly(result, window, warned):
    note = coverage_note(window, result)
    assert (note is not None) == warned
    if warned:
        assert "start and step" in note


def test_joint_note_reaches_the_explorer(result):
    ranges = training_ranges(result)
    assert range_notes([25, 26, 27, 28], ranges) == []  # each number in range: the old check saw nothing
    report = describe_sequence("25, 26, 27, 28", result)
    assert report.ok and any("start at 1 to 11" in note for note in report.notes)
    assert describe_sequence("3, 6, 9, 12", result).notes == []
    distance, nearest = nearest_training_window([25, 26, 27, 28], result)
    assert distance > 1 and len(nearest) == 2


def test_arithmetic_check_is_relative_to_the_numbers(result):
    ranges = training_ranges(result)
    tiny = range_notes([1e-300, 2e-300, 3e-300, 9e-300], ranges)
    assert any("Not an arithmetic sequence" in note for note in tiny)
    assert not any("Not an arithmetic" in n for n in range_notes([1e-300, 2e-300, 3e-300, 4e-300], ranges))
    assert not any("Not an arithmetic" in n for n in range_notes([0.1, 0.2, 0.3, 0.4], ranges))
    assert not any("Not an arithmetic" in n for n in range_notes([5, 5, 5, 5], ranges))
    assert any("Not an arithmetic" in n for n in range_notes([1e6, 2e6, 3e6, 3e6 + 1], ranges))


@given(st.floats(-1e5, 1e5), st.floats(1e-3, 1e3), st.sampled_from([1e-200, 1e-5, 1.0, 1e5]))
@settings(max_examples=50, deadline=None)
def test_any_arithmetic_sequence_is_recognised_at_any_scale(start, step, scale):
    values = (start + step * np.arange(4)) * scale
    notes = range_notes(values, {"min_value": -np.inf, "max_value": np.inf, "min_step": -np.inf, "max_step": np.inf})
    assert not any("Not an arithmetic" in note for note in notes)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1,000, 2,000, 3,000, 4,000", "thousands separator"),
        ("1e-400, 1, 2, 3", "underflows"),
    ],
)
def test_explorer_explains_unreadable_numbers(result, text, words):
    report = describe_sequence(text, result)
    assert not report.ok and words in report.message


@pytest.mark.parametrize("text", ["[3, 6, 9, 12]", "３，６，９，１２", "(3, 6, 9, 12)", "3、6、9、12"])
def test_explorer_accepts_lists_and_full_width_commas(result, text):
    report = describe_sequence(text, result)
    assert report.ok and report.window == (3.0, 6.0, 9.0, 12.0)


def test_gate_deviation_figure_shares_one_scale_per_gate(result):
    x = [2.0, 4.0, 6.0, 8.0]
    trained = trace_model(result.model, x, result.scaler)
    torch.manual_seed(1)
    other = SimpleLSTM(hidden_size=8)
    untrained = run_lstm(result.scaler.transform(torch.tensor(x)).reshape(4, 1), lstm_weights_from_torch(other.lstm))
    fig = gate_deviation_figure({"trained": trained, "untrained": untrained}, x)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 8
    for column in range(4):  # rows share the colour limits of their gate, centred on 0
        top, bottom = images[column].get_clim(), images[4 + column].get_clim()
        assert top == bottom and top[0] == -top[1]
    f_dev = images[0].get_array()
    assert np.allclose(f_dev, trained.f.numpy().T - 0.5)
    assert figure_png(fig).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="empty"):
        gate_deviation_figure({}, x)


def test_what_training_changed_over_seeds():
    """Notebook 08: for 3 of 3 seeds, training spreads the final h more than 3x across windows, the control's
    read-out needs weights more than 20x larger, and the trained gates change more than 2x as much over 2, 4, 6, 8."""
    from lstm_helpers.arithmetic import course_training_data, evaluation_sets, untrained_readout

    X, y, _ = course_training_data()
    between_X, _ = evaluation_sets(X, y)["between"]
    for seed in range(3):
        trained = train_arithmetic_lstm(seed=seed, progress=False)
        control, control_scaler = untrained_readout(X, y, seed=seed)
        h_t = trace_model(trained.model, between_X, trained.scaler).h[:, -1].numpy()
        h_u = trace_model(control, between_X, control_scaler).h[:, -1].numpy()
        assert h_t.std(axis=0).mean() > 3 * h_u.std(axis=0).mean(), seed
        assert control.linear.weight.norm() > 20 * trained.model.linear.weight.norm(), seed
        gates = []
        for model, scaler in ((trained.model, trained.scaler), (control, control_scaler)):
            tr = trace_model(model, [2, 4, 6, 8], scaler)
            g = torch.stack([tr.f, tr.i, tr.o])  # (3, seq_len, hidden_size)
            assert 0.3 < g.mean() < 0.7 and ((g < 0.05) | (g > 0.95)).float().mean() < 0.05
            gates.append((g[:, -1] - g[:, 0]).abs().mean().item())
        assert gates[0] > 2 * gates[1], (seed, gates)


def test_clamping_the_step_unit_barely_matters_to_the_trained_model():
    """Notebook 08's intervention: for 3 of 3 seeds, clamping the trained model's most step-like unit to its mean
    raises the mean error on the 'between' windows by less than 0.15."""
    from lstm_helpers.arithmetic import course_training_data, evaluation_sets

    X, y, _ = course_training_data()
    between_X, between_y = evaluation_sets(X, y)["between"]
    steps = between_X[:, 1] - between_X[:, 0]
    for seed in range(3):
        result = train_arithmetic_lstm(seed=seed, progress=False)
        H = trace_model(result.model, between_X, result.scaler).h[:, -1]  # (200, hidden_size)
        Hc, sc = H.double() - H.double().mean(0), torch.tensor(steps - steps.mean())
        r = (Hc * sc[:, None]).sum(0) / torch.sqrt((Hc**2).sum(0) * (sc**2).sum())
        unit = int(r.abs().argmax())
        with torch.no_grad():
            before = np.abs(result.scaler.inverse(result.model.linear(H).squeeze(-1)).numpy() - between_y).mean()
            H[:, unit] = H[:, unit].mean()
            after = np.abs(result.scaler.inverse(result.model.linear(H).squeeze(-1)).numpy() - between_y).mean()
        assert after - before < 0.15, (seed, unit, before, after)


def test_clamping_the_controls_step_unit_depends_on_the_seed():
    """Notebook 08: in the untrained control (least-squares read-out), clamping the most step-like unit raises the
    mean 'between' error by more than 0.5 for 2 of seeds 0-4 and by less than 0.15 for the other 3."""
    from lstm_helpers.arithmetic import course_training_data, evaluation_sets, untrained_readout

    X, y, _ = course_training_data()
    between_X, between_y = evaluation_sets(X, y)["between"]
    steps = torch.tensor(between_X[:, 1] - between_X[:, 0])
    increases = []
    for seed in range(5):
        model, scaler = untrained_readout(X, y, seed=seed)
        H = trace_model(model, between_X, scaler).h[:, -1]  # (200, hidden_size)
        Hc, sc = H.double() - H.double().mean(0), steps - steps.mean()
        unit = int(((Hc * sc[:, None]).sum(0) / torch.sqrt((Hc**2).sum(0) * (sc**2).sum())).abs().argmax())
        with torch.no_grad():
            before = np.abs(scaler.inverse(model.linear(H).squeeze(-1)).numpy() - between_y).mean()
            H[:, unit] = H[:, unit].mean()
            after = np.abs(scaler.inverse(model.linear(H).squeeze(-1)).numpy() - between_y).mean()
        increases.append(after - before)
    assert sum(d > 0.5 for d in increases) == 2 and sum(d < 0.15 for d in increases) == 3, increases

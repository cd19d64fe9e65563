"""Seed claims of notebook 12: every "N of 5 seeds" sentence is rerun here (5 seeds each) and checked against the
committed sweep, lstm_helpers/data/tradeoffs_sweep.json (rebuild: OMP_NUM_THREADS=1 python -m lstm_helpers.sweeps)."""

from dataclasses import asdict

import pytest
import torch

from lstm_helpers.memory_task import memory_batch
from lstm_helpers.sweeps import SEEDS, SOLVED, SWEEP, Config, find, load_sweep, run_config, solved_count

STORED = load_sweep()

# (config, the count the notebook states). Runs whose accuracies all stay far from the 90% line.
HEADLINE = [
    (Config("rnn", 30), 0),
    (Config("gru", 30, 2.0), 5),
    (Config("lstm", 30, 2.0), 5),
    (Config("gru", 50, 2.0), 5),
    (Config("lstm", 50, 2.0), 1),
]
GATE_BIAS = [
    (Config("gru", 30, None), 0),  # PyTorch's default initialisation
    (Config("lstm", 30, None), 0),
    (Config("gru", 30, 0.0), 0),  # bias set to 0
    (Config("lstm", 30, 0.0), 0),
    (Config("gru", 50, 4.0), 5),  # forget (update) bias 4 at delay 50
]
LEARNING_RATE_AND_BUDGET = [
    (Config("rnn", 30, lr=3e-3), 0),  # learning-rate sweep at delay 30
    (Config("rnn", 30, lr=3e-2), 2),
    (Config("gru", 30, 2.0, 3e-3), 2),
    (Config("lstm", 30, 2.0, 3e-2), 2),
    (Config("rnn", 30, num_steps=600), 2),  # a four times larger training budget
]


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_committed_sweep_is_the_defined_sweep():
    assert STORED["seeds"] == list(SEEDS) and STORED["solved_threshold"] == SOLVED
    assert [{k: r[k] for k in asdict(SWEEP[0])} for r in STORED["results"]] == [asdict(c) for c in SWEEP]
    for result in STORED["results"]:
        assert len(result["accuracies"]) == len(SEEDS)
        assert result["solved"] == solved_count(result["accuracies"])


def _check(cases):
    for config, count in cases:
        stored = find(STORED, **asdict(config))
        assert stored["solved"] == count, f"{config.label()}: the notebook says {count}, the file {stored['solved']}"
        accuracies = run_config(config)
        assert solved_count(accuracies) == count, f"{config.label()}: {accuracies}"
        assert all(abs(a - b) < 0.1 for a, b in zip(accuracies, stored["accuracies"], strict=True)), config.label()


def test_headline_counts_over_five_seeds():
    _check(HEADLINE)


def test_default_init_and_gate_bias_counts_over_five_seeds():
    _check(GATE_BIAS)


def test_learning_rate_and_budget_counts_over_five_seeds():
    _check(LEARNING_RATE_AND_BUDGET)


def test_lstm_forget_bias_4_at_delay_50_partly_solves():
    """Near the 90% line: which seeds cross it varies with the CPU's rounding, so the notebook says '2 to 3 of 5'."""
    accuracies = run_config(Config("lstm", 50, 4.0))
    assert 2 <= solved_count(accuracies) <= 3, accuracies
    assert 2 <= find(STORED, "lstm", 50, 4.0)["solved"] <= 3


def test_no_test_sequence_was_a_training_sequence():
    """train_memory_task draws its training batches (64 a step) from Generator(seed) and its 512 test sequences
    from Generator(10_000 + seed): at the sweep's delays (2^31 or more patterns) none of them was trained on."""
    for delay in sorted({config.delay for config in SWEEP}):
        steps = max(config.num_steps for config in SWEEP if config.delay == delay)
        for seed in SEEDS:
            train_gen = torch.Generator().manual_seed(seed)
            trained = {row.numpy().tobytes() for _ in range(steps) for row in memory_batch(64, delay, train_gen).x}
            test = memory_batch(512, delay, torch.Generator().manual_seed(10_000 + seed)).x
            assert not any(row.numpy().tobytes() in trained for row in test), (delay, seed)

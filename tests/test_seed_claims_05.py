"""Notebook 05's claims about seeds, rerun: the memory-task sweep over seeds 0-4 (40-80 s on one thread).

Every "N of 5 seeds" sentence in notebook 05 is asserted here on a fresh run of ``run_memory_sweep`` (the same
setups, delays, step budgets and seeds as the stored ``lstm_helpers/data/memory_sweep.json``). Training is chaotic:
on another CPU code path a run near the edge can flip between solved and unsolved (the stored file records three
other code paths, where 2 to 12 of the 105 verdicts flip). So the exact counts are asserted only where every
code path agreed and the runs were far from the threshold; elsewhere the notebook's sentences say "some but not
all", and that is what is asserted.
"""

import pytest
import torch

from lstm_helpers.memory_task import (
    SOLVED,
    SWEEP_PLAN,
    SWEEP_SEEDS,
    load_memory_sweep,
    run_memory_sweep,
    solved_counts,
)

pytestmark = pytest.mark.slow  # one module-wide rerun of the 105 training runs; CI runs it, -m "not slow" skips it


@pytest.fixture(scope="module")
def counts():
    torch.set_num_threads(1)
    return solved_counts(run_memory_sweep())


def test_the_stored_sweep_is_this_plan():
    stored = load_memory_sweep()
    assert stored["seeds"] == list(SWEEP_SEEDS) == [0, 1, 2, 3, 4] and stored["solved"] == SOLVED
    keys = {(name, delay, steps) for names, delays, steps in SWEEP_PLAN for name in names for delay in delays}
    assert set(solved_counts(stored["runs"])) == keys
    for runs in stored["other_code_paths"]["runs"].values():
        assert set(solved_counts(runs)) == keys


def test_forget_bias_4_solves_delays_15_and_30_for_every_seed(counts):
    for delay in (15, 30):
        assert counts[("LSTM, forget bias 4", delay, 150)] == (5, 5)


def test_forget_bias_4_solves_delay_45_for_most_seeds(counts):
    solved, _ = counts[("LSTM, forget bias 4", 45, 150)]
    assert solved >= 3


def test_forget_bias_0_solves_no_delay_within_150_steps(counts):
    for delay in (15, 30, 45):
        assert counts[("LSTM, forget bias 0", delay, 150)] == (0, 5)


def test_no_rnn_learning_rate_solves_delay_30_or_45_for_every_seed(counts):
    for lr in ("3e-3", "1e-2", "3e-2", "1e-1"):
        for delay in (30, 45):
            assert counts[(f"RNN, lr {lr}", delay, 150)][0] < 5


def test_the_best_rnn_learning_rate_solves_some_long_delays(counts):
    assert counts[("RNN, lr 3e-2", 15, 150)][0] >= 3
    for delay in (30, 45):
        assert 1 <= counts[("RNN, lr 3e-2", delay, 150)][0] <= 4


def test_the_smallest_learning_rate_is_too_slow(counts):
    for delay in (15, 30, 45):
        assert counts[("RNN, lr 3e-3", delay, 150)][0] <= 1


def test_a_bigger_budget_solves_what_150_steps_did_not(counts):
    assert counts[("RNN, lr 1e-2", 30, 150)] == (0, 5)
    assert 1 <= counts[("RNN, lr 1e-2", 30, 600)][0] <= 4
    assert counts[("RNN, lr 3e-2", 30, 600)][0] >= 1  # 5 of 5 on the sse4 code path
    assert 1 <= counts[("LSTM, forget bias 0", 15, 600)][0] <= 4

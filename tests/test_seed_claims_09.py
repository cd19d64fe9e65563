"""Notebook 09's stored dropout ablation, rerun: one run quickly, all nine (3 rates x 3 seeds) as a slow test.

``lstm_helpers/data/char_dropout_ablation.json`` is made by ``python -m lstm_helpers.char_training dropout``. The
first test reruns one seed of one setting for its first evaluation (the learning rate is constant and scoring draws no
random numbers, so a shortened run reproduces the first records of a full one); the slow tests rerun the whole
ablation and check every count notebook 09 states. Values are compared with a tolerance: another CPU's code path
changes the last bits of a training run.
"""

import os

import pytest
import torch

from lstm_helpers.char_training import (
    DROPOUT_PLAN,
    dropout_counts,
    dropout_run,
    load_dropout_ablation,
    run_dropout_ablation,
)

TOLERANCE = 0.02  # bits/char: far below the differences between settings, above cross-CPU noise of a short run


def _by_setting(runs):
    return {(r["dropout"], r["seed"]): r for r in runs}


def test_the_stored_ablation_is_this_plan_and_supports_every_claim():
    stored = load_dropout_ablation()
    assert stored["plan"] == DROPOUT_PLAN
    assert set(_by_setting(stored["runs"])) == {(p, s) for p in DROPOUT_PLAN["dropouts"] for s in DROPOUT_PLAN["seeds"]}
    for run in stored["runs"]:
        steps = [r["step"] for r in run["curve"]]
        every = DROPOUT_PLAN["eval_every"]
        assert steps == list(range(every, DROPOUT_PLAN["num_steps"] + 1, every))
    counts = dropout_counts(stored["runs"])
    assert all(count == counts["seeds"] for count in counts.values())


def test_one_run_reproduces_its_stored_first_evaluation():
    torch.set_num_threads(1)
    stored = _by_setting(load_dropout_ablation()["runs"])[(0.5, 1)]
    rerun = dropout_run(0.5, 1, num_steps=DROPOUT_PLAN["eval_every"])
    assert len(rerun["curve"]) == 1
    for key in ("train_bpc", "val_bpc"):
        assert rerun["curve"][0][key] == pytest.approx(stored["curve"][0][key], abs=TOLERANCE)


@pytest.fixture(scope="module")
def rerun():
    torch.set_num_threads(1)
    return run_dropout_ablation(progress=False, jobs=min(2, os.cpu_count() or 1))  # same runs, side by side


@pytest.mark.slow
def test_the_rerun_matches_the_stored_runs(rerun):
    stored = _by_setting(load_dropout_ablation()["runs"])
    for key, run in _by_setting(rerun["runs"]).items():
        for got, expected in zip(run["curve"], stored[key]["curve"], strict=True):
            assert got["val_bpc"] == pytest.approx(expected["val_bpc"], abs=TOLERANCE), key


@pytest.mark.slow
def test_the_rerun_gives_the_counts_the_notebook_states(rerun):
    stored = dropout_counts(load_dropout_ablation()["runs"])
    assert dropout_counts(rerun["runs"]) == stored
    assert all(count == stored["seeds"] for count in stored.values())  # notebook 09 says "3 of 3" for each

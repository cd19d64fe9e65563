"""Notebook 13's Transformer-vs-LSTM comparison: matched sizes, honest scoring, and reruns of committed slices."""

import numpy as np
import pytest
import torch

from lstm_helpers import memory_task
from lstm_helpers import transformer_vs_lstm as tvl
from lstm_helpers.attention import CharTransformer


def test_sizes_match_within_one_percent():
    counts = [tvl.count_parameters(tvl.build(kind, 103, seed=0)) for kind in ("lstm", "transformer")]
    assert abs(counts[0] / counts[1] - 1) < 0.01


def test_window_scoring_equals_a_full_pass_inside_one_context():
    torch.manual_seed(0)
    model = CharTransformer(103, d_model=16, num_heads=2, num_layers=1, ffn_size=16, context=64).eval()
    ids = torch.randint(0, 103, (50,))
    bits = tvl.transformer_char_bits(model, ids)
    inputs = torch.cat([torch.tensor([tvl._newline_id()]), ids[:-1]])
    with torch.no_grad():
        full = torch.nn.functional.cross_entropy(model(inputs.unsqueeze(0))[0].double(), ids, reduction="none")
    assert np.allclose(bits, full.numpy() / np.log(2))


def test_window_scoring_scores_every_character_once_with_half_a_context():
    torch.manual_seed(0)
    model = CharTransformer(103, d_model=16, num_heads=2, num_layers=1, ffn_size=16, context=64).eval()
    ids = torch.randint(0, 103, (300,))
    bits = tvl.transformer_char_bits(model, ids)
    assert bits.shape == (300,) and np.isfinite(bits).all()
    with torch.no_grad():  # character 200 predicted from the window starting at 160 (a multiple of 32 below 200-32)
        window = model(ids[159:223].unsqueeze(0))[0].double()
        expected = torch.nn.functional.cross_entropy(window[40:41], ids[200:201]).item() / np.log(2)
    assert np.isclose(bits[200], expected)


def test_committed_results_are_complete():
    results = tvl.load_results()
    assert sorted((r["kind"], r["seed"]) for r in results["runs"]) == [
        (k, s) for k in ("lstm", "transformer") for s in tvl.SEEDS
    ]
    assert {r["kind"]: r["steps"] for r in results["runs"]} == tvl.STEPS
    assert {(r["delay"], r["seed"]) for r in results["memory_task"]} == {
        (d, s) for d in tvl.MEMORY_DELAYS for s in tvl.SEEDS
    }


@pytest.mark.slow
def test_memory_task_slice_reruns_as_stored():
    """Delay 120, seed 0: both models retrained with the stored recipe give the stored accuracy (within 0.05)."""
    stored = next(r for r in tvl.load_results()["memory_task"] if r["delay"] == 120 and r["seed"] == 0)
    (row,) = tvl.run_memory(delays=(120,), seeds=(0,))
    assert abs(row["lstm"] - stored["lstm"]) < 0.05
    assert abs(row["transformer"] - stored["transformer"]) < 0.05
    assert (row["lstm"] >= memory_task.SOLVED) == (stored["lstm"] >= memory_task.SOLVED)


@pytest.mark.slow
def test_capstone_slice_reruns_as_stored():
    """The Transformer, seed 0: retrained, its test bits/char is the stored one (within 0.05 bits/char)."""
    stored = next(r for r in tvl.load_results()["runs"] if r["kind"] == "transformer" and r["seed"] == 0)
    runs, _, _ = tvl.run_capstone(seeds=(0,), kinds=("transformer",))
    assert abs(runs[0]["test_bpc"] - stored["test_bpc"]) < 0.05
    assert runs[0]["best_step"] == stored["best_step"]

"""Benchmark: the original tutorial's arithmetic-sequence recipe (reconstructed) against the course recipe.

Run from the repository root:  python benchmarks/arithmetic.py [--seeds 5]

(a) the tutorial as published: 500 sequences of 6 numbers joined end to end, windows of 4 inputs + 1 target over
    the joined list, unscaled, SimpleLSTM(hidden_size=50), Adam lr 1e-3, mini-batches of 32, 100 epochs.
(b) the course recipe (``train_arithmetic_lstm``): windows inside each sequence, 5 (start, step) pairs held out,
    numbers divided by 40, SimpleLSTM(hidden_size=32), full-batch L-BFGS, 100 steps.
(c) for reference, the simpler course variant with full-batch Adam (lr 1e-2, 300 epochs).

Both are trained on one thread (see ``lstm_helpers.arithmetic.one_thread``). Errors are absolute errors on the
tutorial's five test cases and on the first window of each held-out pair (in-range sequences the course never
trains on; the tutorial's data contains them, which only makes its errors there more telling).
"""

import argparse
import platform
import time

import numpy as np
import torch

from lstm_helpers.arithmetic import (
    HELD_OUT_PAIRS,
    SEED_TEST_CASES,
    evaluate_pairs,
    train_arithmetic_lstm,
    train_seed_lstm,
)

GOAL_MAX_ERROR = 0.05
GOAL_SECONDS = 1.5

RECIPES = {
    "(a) tutorial": lambda seed: train_seed_lstm(seed=seed, progress=False),
    "(b) course": lambda seed: train_arithmetic_lstm(seed=seed, progress=False),
    "(c) course, Adam": lambda seed: train_arithmetic_lstm(
        seed=seed, progress=False, optimizer="adam", lr=1e-2, num_epochs=300
    ),
}


def case_errors(result):
    """Absolute errors on the tutorial's five test cases."""
    X = np.array([inputs for inputs, _ in SEED_TEST_CASES])  # (5, 4)
    y = np.array([target for _, target in SEED_TEST_CASES])  # (5,)
    return np.abs(result.predict(X) - y)


def measure(name, seeds):
    rows = []
    for seed in seeds:
        result = RECIPES[name](seed)
        cases, held = case_errors(result), evaluate_pairs(result, HELD_OUT_PAIRS)
        rows.append((result.seconds, cases.mean(), cases.max(), held.mean(), held.max()))
        print(f"  {name:17s} seed {seed}: {result.seconds:6.2f} s, max error {cases.max():.3f} / {held.max():.3f}")
    return np.array(rows)  # (num_seeds, 5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds per recipe (default 5)")
    seeds = range(parser.parse_args().seeds)
    print(f"torch {torch.__version__}, Python {platform.python_version()}, trained on 1 thread")
    train_arithmetic_lstm(seed=99, progress=False, num_epochs=2)  # warm-up: the first LSTM call is slow
    started = time.perf_counter()
    results = {name: measure(name, seeds) for name in RECIPES}
    print(f"total {time.perf_counter() - started:.1f} s\n")

    header = (
        f"{'recipe':17s} | {'train s (mean)':>14s} | {'cases MAE':>9s} | {'cases max':>9s} | "
        f"{'held-out MAE':>12s} | {'held-out max':>12s} | goal met"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        met = int(np.sum((r[:, 0] <= GOAL_SECONDS) & (r[:, 2] <= GOAL_MAX_ERROR) & (r[:, 4] <= GOAL_MAX_ERROR)))
        print(
            f"{name:17s} | {r[:, 0].mean():14.2f} | {r[:, 1].mean():9.3f} | {r[:, 2].max():9.3f} | "
            f"{r[:, 3].mean():12.3f} | {r[:, 4].max():12.3f} | {met}/{len(r)}"
        )
    a, b = results["(a) tutorial"], results["(b) course"]
    print(
        f"\nratios (b)/(a): time {b[:, 0].mean() / a[:, 0].mean():.3f}, "
        f"cases MAE {b[:, 1].mean() / a[:, 1].mean():.3f}, cases max {b[:, 2].max() / a[:, 2].max():.3f}, "
        f"held-out MAE {b[:, 3].mean() / a[:, 3].mean():.3f}, held-out max {b[:, 4].max() / a[:, 4].max():.3f}"
    )
    print(
        f"(b): {a[:, 0].mean() / b[:, 0].mean():.0f}x faster, "
        f"{max(a[:, 2].max(), a[:, 4].max()) / max(b[:, 2].max(), b[:, 4].max()):.0f}x smaller worst error; "
        f"goal: max error <= {GOAL_MAX_ERROR} on all, training <= {GOAL_SECONDS} s, for every seed"
    )


if __name__ == "__main__":
    main()

"""Benchmark: the arithmetic-sequence LSTM of notebook 07, one change at a time, over seeds, on unseen windows.

Run from the repository root (about 3 minutes on 2 cores):

    OMP_NUM_THREADS=1 python benchmarks/arithmetic.py --seeds 3 --save lstm_helpers/data/arithmetic_ablation.json

Every run trains on the 40 training ``(start, step)`` pairs (the five ``HELD_OUT_PAIRS`` never appear) and is
scored on two sets of windows no run has seen (``lstm_helpers.arithmetic.evaluation_sets``): 200 real-valued
windows *between* the training integers (start 1-9, step 1-5), and the 52 *unseen integer* windows inside the
training numbers' range. Also on the tutorial's own five test cases.

Two ablations, each row ONE change:
- forward, from the tutorial (crossing windows, unscaled, 500 sequences with duplicates, hidden 50, Adam lr 1e-3 in
  mini-batches of 32 for 100 epochs): each row changes one of those to the course's choice;
- backward, from the course recipe (windows inside sequences, scaled by 1/40, each pair once, hidden 32, full-batch
  Adam lr 1e-2 for 1000 epochs): each row puts back one of the tutorial's choices.
Plus the L-BFGS aside (the course recipe with 100 full-batch L-BFGS steps). Notebook 07 shows the saved table
(``lstm_helpers.arithmetic.stored_ablation()`` reads it).
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from lstm_helpers.arithmetic import (
    COURSE_SETTINGS,
    SEED_TEST_CASES,
    TUTORIAL_SETTINGS,
    course_training_data,
    evaluation_sets,
    train_variant,
)

CHANGES = {  # the name of each single change, and the setting it changes
    "windows inside sequences": ("windows", "inside", "crossing"),
    "numbers scaled by 1/40": ("scale", 40.0, None),
    "each pair once (no duplicates)": ("duplicates", False, True),
    "hidden size 32 (not 50)": ("hidden_size", 32, 50),
    "full-batch Adam, lr 1e-2, 1000 epochs": ("optimizer", "full-batch", "tutorial"),
}


def rows():
    """``(ablation, row name, settings)`` for every row of both ablations and the L-BFGS aside."""
    out = [("forward", "the tutorial", dict(TUTORIAL_SETTINGS))]
    for name, (key, course, _) in CHANGES.items():
        out.append(("forward", f"+ {name}", {**TUTORIAL_SETTINGS, key: course}))
    out.append(("backward", "the course recipe", dict(COURSE_SETTINGS)))
    for name, (key, _, tutorial) in CHANGES.items():
        out.append(("backward", f"- {name}", {**COURSE_SETTINGS, key: tutorial}))
    out.append(("aside", "course recipe with L-BFGS (100 steps)", {**COURSE_SETTINGS, "optimizer": "lbfgs"}))
    return out


def score(result, sets):
    """Mean and max absolute error on the tutorial's cases and on each evaluation set."""
    cases_X = np.array([inputs for inputs, _ in SEED_TEST_CASES])  # (5, 4)
    cases_y = np.array([target for _, target in SEED_TEST_CASES])  # (5,)
    out = {"seconds": result.seconds}
    for name, (X, y) in {"cases": (cases_X, cases_y), **sets}.items():
        errors = np.abs(result.predict(X) - y)
        out[name] = [float(errors.mean()), float(errors.max())]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per row (default 3)")
    parser.add_argument("--only", choices=["forward", "backward", "aside"], help="run one ablation only")
    parser.add_argument("--save", type=Path, help="write the results as JSON (notebook 07 reads it)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, y, _ = course_training_data()
    sets = evaluation_sets(X, y)
    train_variant(seed=99, progress=False, optimizer="lbfgs")  # warm-up: the first LSTM call is slow
    print(f"torch {torch.__version__}, Python {platform.python_version()}, 1 thread, seeds 0-{args.seeds - 1}")
    results, started = [], time.perf_counter()
    for ablation, name, settings in rows():
        if args.only and ablation != args.only:
            continue
        runs = [score(train_variant(seed=seed, **settings), sets) for seed in range(args.seeds)]
        results.append({"ablation": ablation, "row": name, "settings": settings, "runs": runs})
        between = [run["between"][1] for run in runs]
        print(f"{ablation:8s} {name:42s} between max {np.round(between, 2)}  ({sum(r['seconds'] for r in runs):.0f} s)",
              flush=True)
    print(f"total {time.perf_counter() - started:.0f} s\n")
    header = (f"{'ablation':8s} | {'row':42s} | {'s':>5s} | {'cases mean':>10s} | {'between mean / max':>18s} | "
              "unseen int max")
    print(header + "\n" + "-" * len(header))
    for r in results:
        runs = r["runs"]

        def avg(key, k, runs=runs):
            return np.mean([run[key][k] for run in runs])

        print(f"{r['ablation']:8s} | {r['row']:42s} | {np.mean([run['seconds'] for run in runs]):5.1f} | "
              f"{avg('cases', 0):10.3f} | {avg('between', 0):8.3f} / {avg('between', 1):7.3f} | "
              f"{avg('unseen integer', 1):8.3f}")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        meta = {"command": f"OMP_NUM_THREADS=1 python benchmarks/arithmetic.py --seeds {args.seeds}"
                + (f" --only {args.only}" if args.only else "") + f" --save {args.save}",
                "torch": torch.__version__, "python": platform.python_version(), "seeds": args.seeds}
        args.save.write_text(json.dumps({"meta": meta, "rows": results}, indent=1) + "\n")
        print(f"saved {args.save}")


if __name__ == "__main__":
    main()

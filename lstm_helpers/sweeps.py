"""Seed sweeps on the long-memory task: how many of several seeds solve it, per model and setting.

Introduced in notebook 12 (``12_costs_and_variants``). One training run is a point; a claim about a model is a
count over seeds ("5 of 5 seeds"). The full sweep takes about a minute, longer than a notebook may run, so its
result is committed as ``lstm_helpers/data/tradeoffs_sweep.json`` and rebuilt with::

    OMP_NUM_THREADS=1 python -m lstm_helpers.sweeps

``tests/test_sweeps.py`` reruns the configurations the notebook quotes and checks they give the stored counts.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from .memory_task import train_memory_task

__all__ = [
    "SWEEP_FILE",
    "SEEDS",
    "SOLVED",
    "NUM_STEPS",
    "Config",
    "SWEEP",
    "run_config",
    "solved_count",
    "run_sweep",
    "load_sweep",
    "find",
]

SWEEP_FILE = Path(__file__).resolve().parent / "data" / "tradeoffs_sweep.json"
SEEDS = (0, 1, 2, 3, 4)
SOLVED = 0.9  # test accuracy that counts as "recalls the sign" (chance is 0.5)
NUM_STEPS = 150  # the training budget of notebook 12's comparison


@dataclass(frozen=True)
class Config:
    """One setting of ``train_memory_task``: the model kind, the delay and the knobs a sweep varies."""

    kind: str
    delay: int
    forget_bias: float | None = None  # None: PyTorch's random initialisation; for a GRU, the update-gate bias
    lr: float = 1e-2
    num_steps: int = NUM_STEPS

    def label(self):
        bias = "default init" if self.forget_bias is None else f"bias {self.forget_bias:g}"
        bias = "" if self.kind == "rnn" else f", {bias}"
        return f"{self.kind.upper()}{bias}, delay {self.delay}, lr {self.lr:g}, {self.num_steps} steps"


def _sweep():
    configs = []
    for delay in (30, 40, 50):  # the comparison: similar parameter budgets, gates biased to "keep"
        configs += [Config("rnn", delay), Config("gru", delay, 2.0), Config("lstm", delay, 2.0)]
    configs += [Config(kind, 30, bias) for kind in ("gru", "lstm") for bias in (None, 0.0)]  # default initialisation
    for kind in ("gru", "lstm"):  # forget-bias sensitivity at the longest delay
        configs += [Config(kind, 50, bias) for bias in (0.0, 1.0, 4.0)]
    for kind, bias in (("rnn", None), ("gru", 2.0), ("lstm", 2.0)):  # learning-rate sensitivity at delay 30
        configs += [Config(kind, 30, bias, lr) for lr in (3e-3, 3e-2)]
    configs += [Config("rnn", 30, num_steps=steps) for steps in (300, 600)]  # the RNN with a larger budget
    return tuple(configs)


SWEEP = _sweep()


def run_config(config, seeds=SEEDS):
    """Train ``config`` once per seed and return the test accuracies (fresh test sequences for every seed)."""
    if not isinstance(config, Config):
        raise TypeError(f"config must be a Config, but got {type(config).__name__}.")
    return [
        train_memory_task(
            config.kind,
            delay=config.delay,
            forget_bias=config.forget_bias,
            lr=config.lr,
            num_steps=config.num_steps,
            seed=seed,
        ).accuracy
        for seed in seeds
    ]


def solved_count(accuracies, threshold=SOLVED):
    """How many runs reached ``threshold`` test accuracy."""
    return sum(accuracy >= threshold for accuracy in accuracies)


def run_sweep(configs=SWEEP, seeds=SEEDS, progress=None):
    """Run every configuration over ``seeds``; returns the dictionary stored in ``tradeoffs_sweep.json``."""
    start = time.perf_counter()
    results = []
    for k, config in enumerate(configs):
        accuracies = run_config(config, seeds)
        results.append({**asdict(config), "accuracies": accuracies, "solved": solved_count(accuracies)})
        if progress:
            print(f"[{k + 1}/{len(configs)}] {config.label()}: {results[-1]['solved']} of {len(seeds)}", file=progress)
    return {
        "command": "OMP_NUM_THREADS=1 python -m lstm_helpers.sweeps",
        "torch": torch.__version__.split("+")[0],
        "seeds": list(seeds),
        "solved_threshold": SOLVED,
        "seconds": round(time.perf_counter() - start),
        "results": results,
    }


def load_sweep(path=SWEEP_FILE):
    """The committed sweep (``tradeoffs_sweep.json``) as a dictionary; see ``run_sweep`` for its fields."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing. Rebuild it with: OMP_NUM_THREADS=1 python -m lstm_helpers.sweeps")
    return json.loads(path.read_text(encoding="utf-8"))


def find(sweep, kind, delay, forget_bias=None, lr=1e-2, num_steps=NUM_STEPS):
    """The stored result (a dictionary with ``accuracies`` and ``solved``) for one configuration of ``sweep``."""
    wanted = asdict(Config(kind, delay, forget_bias, lr, num_steps))
    for result in sweep["results"]:
        if all(result[key] == value for key, value in wanted.items()):
            return result
    raise KeyError(f"The sweep has no result for {Config(**wanted).label()}.")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Rebuild notebook 12's seed sweep on the long-memory task.")
    parser.add_argument("--out", type=Path, default=SWEEP_FILE, help=f"where to write the JSON (default {SWEEP_FILE})")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    sweep = run_sweep(progress=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(sweep, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(sweep['results'])} configurations x {len(SEEDS)} seeds, {sweep['seconds']} s)")


if __name__ == "__main__":
    main()

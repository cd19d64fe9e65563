"""Which architecture should the capstone's shipped model have? One change at a time, over seeds, on validation.

Introduced for notebook 09 (``09_character_language_model``). Every variant starts from the shipped recipe
(embedding 64 -> one LSTM layer of 256 -> read-out, dropout 0.4 on the embeddings and on the LSTM's outputs, no
weight tying) and changes exactly one thing: a wider LSTM, a second layer, a wider embedding, dropout on the outputs
only, or a read-out tied to the embedding. Each is trained on the whole training part of
``char_data.topic_split()`` with the same schedule and scored on the validation part (never on test). Rebuild the
stored results with

    OMP_NUM_THREADS=1 python -m lstm_helpers.char_ablation --jobs 2

(18 runs, about 40 minutes of one CPU core; the stored file records the time of every run).
"""

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from .char_data import DATA_DIR, load_vocabulary, topic_split
from .char_model import train_char_model
from .char_training import load_stored, run_one_thread_each

__all__ = [
    "ARCHITECTURE_ABLATION_FILE",
    "ARCHITECTURE_PLAN",
    "VARIANTS",
    "VariantCharModel",
    "variant_run",
    "run_architecture_ablation",
    "load_architecture_ablation",
    "architecture_summary",
]

ARCHITECTURE_ABLATION_FILE = DATA_DIR / "char_architecture_ablation.json"
ARCHITECTURE_COMMAND = "OMP_NUM_THREADS=1 python -m lstm_helpers.char_ablation --jobs 2"
BASE = {"embedding_dim": 64, "hidden_size": 256, "num_layers": 1, "dropout": 0.4, "dropout_on": "both", "tie": False}
# Each variant is the base with ONE entry changed.
VARIANTS = {
    "base (shipped recipe)": {},
    "hidden 384": {"hidden_size": 384},
    "two LSTM layers": {"num_layers": 2},
    "embedding 128": {"embedding_dim": 128},
    "dropout on outputs only": {"dropout_on": "output"},
    "tied read-out": {"tie": True},
}
ARCHITECTURE_PLAN = {
    "base": BASE,
    "variants": VARIANTS,
    "seeds": [0, 1, 2],
    # A tenth of the shipped run's steps on a tenth of its text: the same ~100 passes over the training text, so the
    # model over-fits as the shipped one does (its best checkpoint came at step 9,250 of 12,000) and the score is the
    # best validation checkpoint, as for the shipped model.
    "train_chars": 37_414,  # the first tenth of the training text
    "num_steps": 1200,
    "batch_size": 32,
    "seq_len": 100,
    "lr": 2e-3,
    "schedule": "cosine",
    "min_lr": 1e-4,
    "clip_grad_norm": 1.0,
    "eval_every": 100,
}
# The first attempt: the same runs on ALL the training text (about 10 passes). The model is still under-fitting at the
# end of every run, so it measures how fast each variant learns, not which recipe wins where over-fitting matters.
FULL_TEXT_PLAN = {**ARCHITECTURE_PLAN, "train_chars": None, "eval_every": 300}
FULL_TEXT_FILE = DATA_DIR / "char_architecture_ablation_full_text.json"


class VariantCharModel(nn.Module):
    """The capstone's model with the knobs the ablation turns (same ``forward(x, state)`` as ``CharModel``).

    ``num_layers`` stacked LSTM layers (dropout between them too); ``dropout_on`` is ``"both"`` (embeddings and
    outputs, the shipped placement) or ``"output"``; ``tie=True`` projects the LSTM's output down to the embedding
    size and scores characters with the embedding matrix itself (Press & Wolf 2017, Inan et al. 2017).
    """

    def __init__(self, vocab_size, embedding_dim=64, hidden_size=256, num_layers=1, dropout=0.4, dropout_on="both",
                 tie=False):
        super().__init__()
        if dropout_on not in ("both", "output"):
            raise ValueError(f"dropout_on must be 'both' or 'output', but got {dropout_on!r}.")
        self.dropout_on, self.tie = dropout_on, bool(tie)
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True,
                           dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        if self.tie:
            self.project = nn.Linear(hidden_size, embedding_dim)
            self.readout = nn.Linear(embedding_dim, vocab_size)
            self.readout.weight = self.embedding.weight  # one (vocab_size, embedding_dim) matrix, used twice
        else:
            self.project = nn.Identity()
            self.readout = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        emb = self.embedding(x)  # (batch, seq_len, embedding_dim)
        if self.dropout_on == "both":
            emb = self.dropout(emb)
        out, state = self.rnn(emb, state)  # (batch, seq_len, hidden_size)
        return self.readout(self.project(self.dropout(out))), state  # (batch, seq_len, vocab_size)


def _data(train_chars):
    vocab = load_vocabulary()
    split = topic_split()
    train = vocab.encode(split.train)
    return (train[:train_chars] if train_chars else train), vocab.encode(split.validation), len(vocab)


def variant_run(name, seed, stop_at=None, plan=None):
    """One (variant, seed) run: ``{"variant", "seed", "parameters", "seconds", "curve": [{"step", "val_bpc"}]}``.

    ``stop_at=k`` runs only the first ``k`` steps of the run (same schedule): its records equal the stored run's
    first records, which is how ``tests/test_char_ablation.py`` checks the stored file without 40 minutes of training.
    """
    plan = plan or ARCHITECTURE_PLAN
    train_ids, val_ids, vocab_size = _data(plan["train_chars"])
    torch.manual_seed(seed)
    model = VariantCharModel(vocab_size, **{**BASE, **VARIANTS[name]})
    result = train_char_model(
        model,
        train_ids,
        val_ids,
        num_steps=plan["num_steps"],
        batch_size=plan["batch_size"],
        seq_len=plan["seq_len"],
        lr=plan["lr"],
        schedule=plan["schedule"],
        min_lr=plan["min_lr"],
        clip_grad_norm=plan["clip_grad_norm"],
        eval_every=plan["eval_every"],
        seed=seed,
        progress=False,
        stop_at=stop_at,
    )
    return {
        "variant": name,
        "seed": seed,
        "parameters": sum(p.numel() for p in model.parameters()),
        "seconds": round(result["seconds"], 1),
        "curve": [{"step": r["step"], "val_bpc": r["val_bpc"]} for r in result["log"]],
    }


def run_architecture_ablation(progress=True, jobs=1, plan=None):
    """Every (variant, seed) run of ``plan`` (default ``ARCHITECTURE_PLAN``): the stored JSON's content."""
    plan = plan or ARCHITECTURE_PLAN
    runs = [(name, seed, None, plan) for seed in plan["seeds"] for name in VARIANTS]
    start = time.perf_counter()
    records = run_one_thread_each(variant_run, runs, jobs=jobs, desc="runs", progress=progress)
    return {
        "description": "Architecture ablation for the capstone's model: one change at a time from the shipped recipe",
        "command": ARCHITECTURE_COMMAND + ("" if plan is ARCHITECTURE_PLAN else " --full-text"),
        "plan": plan,
        "validation": "the whole validation part of lstm_helpers.char_data.topic_split(), 32 streams",
        "runs": records,
        "wall_seconds": round(time.perf_counter() - start),
        "jobs": jobs,
        "torch_version": torch.__version__,
        "machine": platform.machine(),
    }


def load_architecture_ablation(path=ARCHITECTURE_ABLATION_FILE):
    """The stored architecture ablation (see ``run_architecture_ablation``)."""
    return load_stored(path, ARCHITECTURE_COMMAND)


def architecture_summary(runs, margin=0.01, score="best"):
    """Per variant: parameters, seconds per run, validation bits/char per seed, and the paired change.

    ``score`` is ``"best"`` (the best validation checkpoint, as the shipped model keeps) or ``"final"`` (the last).
    ``change`` is the variant's score minus the base's with the same seed (negative = better);
    ``better``/``worse`` count the seeds where the change is below ``-margin`` / above ``+margin``.
    """
    by = {(r["variant"], r["seed"]): r for r in runs}
    base_name = next(iter(VARIANTS))
    seeds = sorted({r["seed"] for r in runs})
    rows = []
    def value(name, seed):
        curve = [r["val_bpc"] for r in by[name, seed]["curve"]]
        return min(curve) if score == "best" else curve[-1]

    for name in VARIANTS:
        finals = [value(name, s) for s in seeds]
        changes = [f - value(base_name, s) for f, s in zip(finals, seeds, strict=True)]
        rows.append({
            "variant": name,
            "parameters": by[name, seeds[0]]["parameters"],
            "seconds": statistics.mean(by[name, s]["seconds"] for s in seeds),
            "val_bpc": finals,
            "change": changes,
            "better": sum(c < -margin for c in changes),
            "worse": sum(c > margin for c in changes),
            "seeds": len(seeds),
        })
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel, one thread each")
    parser.add_argument("--full-text", action="store_true", help="the first attempt: all the text, ~10 passes")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    plan = FULL_TEXT_PLAN if args.full_text else ARCHITECTURE_PLAN
    args.out = args.out or str(FULL_TEXT_FILE if args.full_text else ARCHITECTURE_ABLATION_FILE)
    result = run_architecture_ablation(jobs=args.jobs, plan=plan)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for row in architecture_summary(result["runs"], score="final" if args.full_text else "best"):
        vals = " ".join(f"{v:.3f}" for v in row["val_bpc"])
        changes = " ".join(f"{c:+.3f}" for c in row["change"])
        print(f"{row['variant']:26s} {row['parameters']:>9,d} {row['seconds']:6.0f} s  {vals}  change {changes}"
              f"  better {row['better']}/{row['seeds']} worse {row['worse']}/{row['seeds']}")


if __name__ == "__main__":
    main()

"""Notebook 09's training experiments: the dropout ablation (stored) and training a small model on your own text.

Introduced in notebook 09 (``09_character_language_model``). Rebuild the stored ablation with

    OMP_NUM_THREADS=1 python -m lstm_helpers.char_training dropout

(9 training runs, about 5 minutes of one CPU core); ``tests/test_seed_claims_09.py`` reruns it.
"""

import argparse
import json
import math
import multiprocessing
import platform
import time
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from .char_data import DATA_DIR, load_vocabulary, topic_split
from .char_model import CharLSTM, bits_per_char, detach_state, sample, stream_batches, train_char_model

__all__ = [
    "DROPOUT_ABLATION_FILE",
    "DROPOUT_PLAN",
    "dropout_run",
    "run_dropout_ablation",
    "load_dropout_ablation",
    "dropout_counts",
    "run_one_thread_each",
    "load_stored",
    "MIN_OWN_TEXT_CHARS",
    "prepare_own_text",
    "train_on_text",
]

DROPOUT_ABLATION_FILE = DATA_DIR / "char_dropout_ablation.json"
DROPOUT_COMMAND = "OMP_NUM_THREADS=1 python -m lstm_helpers.char_training dropout"
# One change at a time: only the dropout probability differs between runs; everything else is this plan.
DROPOUT_PLAN = {
    "slice_chars": 25_000,  # the first characters of the training text: small enough to over-fit within minutes
    "dropouts": [0.0, 0.2, 0.5],
    "seeds": [0, 1, 2],
    "embedding_dim": 64,
    "hidden_size": 256,
    "num_steps": 500,
    "batch_size": 16,
    "seq_len": 100,
    "lr": 2e-3,
    "clip_grad_norm": 1.0,
    "eval_every": 100,
}


def _ablation_data():
    vocab = load_vocabulary()
    split = topic_split()
    return vocab.encode(split.train)[: DROPOUT_PLAN["slice_chars"]], vocab.encode(split.validation), len(vocab)


def dropout_run(dropout, seed, num_steps=None):
    """One run of the dropout ablation: ``{"dropout", "seed", "curve": [{"step", "train_bpc", "val_bpc"}, ...]}``.

    ``train_bpc`` is scored on the training slice and ``val_bpc`` on the whole validation text, both with dropout off,
    at every ``eval_every`` steps. ``num_steps`` (default: the plan's) shortens the run; its records equal the first
    records of a full run (the learning rate is constant and scoring draws no random numbers).
    """
    plan = DROPOUT_PLAN
    train_ids, val_ids, vocab_size = _ablation_data()
    torch.manual_seed(seed)
    model = CharLSTM(vocab_size, plan["embedding_dim"], plan["hidden_size"], dropout=dropout)
    curve = []

    def record(r):
        curve.append({"step": r["step"], "train_bpc": bits_per_char(model, train_ids), "val_bpc": r["val_bpc"]})

    result = train_char_model(
        model,
        train_ids,
        val_ids,
        num_steps=num_steps or plan["num_steps"],
        batch_size=plan["batch_size"],
        seq_len=plan["seq_len"],
        lr=plan["lr"],
        clip_grad_norm=plan["clip_grad_norm"],
        eval_every=plan["eval_every"],
        seed=seed,
        progress=False,
        on_record=record,
    )
    return {"dropout": dropout, "seed": seed, "seconds": round(result["seconds"], 1), "curve": curve}


def _one_thread_call(call):
    fn, args = call
    torch.set_num_threads(1)
    return fn(*args)


def run_one_thread_each(fn, runs, jobs=1, desc="runs", progress=True):
    """``[fn(*args) for args in runs]``, each call on one thread, with a progress bar.

    ``jobs > 1`` makes the calls in that many spawned processes (``fn`` must be a module-level function); every
    run seeds itself, so the results are the same as one after the other. Used by the dropout ablation here and the
    architecture ablation (``char_ablation``).
    """
    calls = [(fn, tuple(args)) for args in runs]
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            return list(tqdm(pool.imap(_one_thread_call, calls), total=len(calls), desc=desc, disable=not progress))
    return [_one_thread_call(call) for call in tqdm(calls, desc=desc, disable=not progress)]


def load_stored(path, command):
    """A stored experiment's JSON, or a ``FileNotFoundError`` that says how to rebuild it with ``command``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing. Restore it from git or rebuild it with `{command}`.")
    return json.loads(path.read_text(encoding="utf-8"))


def _timed_dropout_run(dropout, seed):
    start = time.process_time()
    return dropout_run(dropout, seed), time.process_time() - start


def run_dropout_ablation(progress=True, jobs=1):
    """Every (dropout, seed) run of ``DROPOUT_PLAN``, with the plan and how it was made: the stored JSON's content.

    ``jobs`` runs that many in parallel processes (one thread each); every run seeds itself, so the results are the
    same as one after the other.
    """
    runs = [(p, s) for s in DROPOUT_PLAN["seeds"] for p in DROPOUT_PLAN["dropouts"]]
    done = run_one_thread_each(_timed_dropout_run, runs, jobs=jobs, desc="dropout runs", progress=progress)
    records = [record for record, _ in done]
    return {
        "description": "Notebook 09: dropout 0 / 0.2 / 0.5 on a slice of the training text, one change at a time",
        "command": DROPOUT_COMMAND,
        "plan": DROPOUT_PLAN,
        "training_chars": DROPOUT_PLAN["slice_chars"],
        "validation": "the whole validation part of lstm_helpers.char_data.topic_split()",
        "runs": records,
        "cpu_seconds": round(sum(seconds for _, seconds in done)),
        "torch_version": torch.__version__,
        "machine": platform.machine(),
    }


def load_dropout_ablation(path=DROPOUT_ABLATION_FILE):
    """The stored dropout ablation (see ``run_dropout_ablation``)."""
    return load_stored(path, DROPOUT_COMMAND)


def dropout_counts(runs):
    """The seed counts notebook 09 states about the dropout ablation, from its runs (stored or rerun).

    Each count is over the plan's seeds; "best" is a run's lowest validation score, "final" its last one, "gap" its
    final validation minus final training-slice score. Margins keep each count away from cross-CPU noise.
    """
    by = {(r["dropout"], r["seed"]): r["curve"] for r in runs}
    seeds = DROPOUT_PLAN["seeds"]

    def best(p, s):
        return min(r["val_bpc"] for r in by[p, s])

    def final(p, s, key="val_bpc"):
        return by[p, s][-1][key]

    def gap(p, s):
        return final(p, s) - final(p, s, "train_bpc")

    return {
        "dropout 0: validation ends more than 0.02 above its best": sum(
            final(0.0, s) > best(0.0, s) + 0.02 for s in seeds
        ),
        "dropout 0.2: best validation more than 0.03 below dropout 0's": sum(
            best(0.2, s) < best(0.0, s) - 0.03 for s in seeds
        ),
        "dropout 0.5: best validation within 0.03 of dropout 0's": sum(
            abs(best(0.5, s) - best(0.0, s)) < 0.03 for s in seeds
        ),
        "gap: dropout 0 > 0.2 > 0.5, each by more than 0.1": sum(
            gap(0.0, s) > gap(0.2, s) + 0.1 > gap(0.5, s) + 0.2 for s in seeds
        ),
        "dropout 0.5: training slice worse by more than validation improves": sum(
            final(0.5, s, "train_bpc") - final(0.0, s, "train_bpc") > final(0.0, s) - final(0.5, s) + 0.2 for s in seeds
        ),
        "seeds": len(seeds),
    }


MIN_OWN_TEXT_CHARS = 2_000  # fewer characters than this cannot fill even a few batches of streams


def prepare_own_text(text_or_path, vocab=None, min_chars=MIN_OWN_TEXT_CHARS):
    """Your text (a string, or the path of a UTF-8 text file) as ids in the course's vocabulary, and a note.

    Characters outside the vocabulary (accents, emoji, other scripts) are dropped, and the note says which and how
    many; a text shorter than ``min_chars`` after that raises a ``ValueError`` saying how much more is needed.
    Returns ``(ids, note)``.
    """
    vocab = vocab or load_vocabulary()
    if not isinstance(text_or_path, (str, Path)):
        raise TypeError(f"Pass a string of text or a file path, not {type(text_or_path).__name__}.")
    text = str(text_or_path)
    if isinstance(text_or_path, Path) or (len(text) < 260 and "\n" not in text and Path(text).is_file()):
        path = Path(text)
        if not path.is_file():
            raise FileNotFoundError(f"There is no file {path}. Check the path, or paste the text itself as a string.")
        text = path.read_text(encoding="utf-8", errors="replace")
    unknown = vocab.unknown_chars(text)
    ids = vocab.encode(text, unknown="drop")  # (num_chars,)
    note = f"{len(ids):,} characters"
    if unknown:
        dropped = len(text) - len(ids)
        note += (
            f"; {dropped:,} character(s) left out because the model's {len(vocab)}-character vocabulary does not "
            f"have them: " + ", ".join(repr(ch) for ch in unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        )
    if len(ids) < min_chars:
        raise ValueError(
            f"Your text has {len(ids):,} usable characters; at least {min_chars:,} are needed to train on (the more "
            "the better: a few pages give recognisable samples). Paste a longer text or point to a longer file."
        )
    return ids, note


def train_on_text(
    ids,
    seconds=10.0,
    hidden_size=128,
    batch_size=16,
    seq_len=64,
    lr=3e-3,
    prompt=None,
    num_sample_chars=200,
    temperature=0.7,
    seed=0,
):
    """Train a fresh small ``CharLSTM`` on ``ids`` for about ``seconds`` (the loop of notebook 09), then sample.

    Returns ``(model, report)``: ``report`` holds the steps done, the characters seen, the training bits/char of the
    last steps and a sample continuing ``prompt`` (default: the text's first 20 characters).
    """
    vocab = load_vocabulary()
    batch_size = max(1, min(batch_size, (len(ids) - 1) // (2 * seq_len)))
    torch.manual_seed(seed)
    model = CharLSTM(len(vocab), embedding_dim=32, hidden_size=hidden_size, dropout=0.1)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses, step, t0 = [], 0, time.perf_counter()
    model.train()
    with tqdm(total=round(seconds), desc="training on your text", unit="s") as bar:
        while time.perf_counter() - t0 < seconds:
            state = None  # each pass over the text starts the streams from a zero state
            for x, y in stream_batches(ids, batch_size, seq_len, offset=step % seq_len):
                state = detach_state(state)
                logits, state = model(x, state)  # (batch_size, seq_len, vocab_size)
                loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                losses.append(loss.item())
                step += 1
                bar.update(min(round(time.perf_counter() - t0), bar.total) - bar.n)
                if time.perf_counter() - t0 >= seconds:
                    break
    model.eval()
    prompt = prompt or vocab.decode(ids[:20])
    recent = losses[-20:]
    report = {
        "steps": step,
        "chars_seen": step * batch_size * seq_len,
        "train_bpc": sum(recent) / len(recent) / math.log(2),
        "prompt": prompt,
        "sample": sample(model, vocab, prompt, num_sample_chars, temperature=temperature, seed=seed),
    }
    return model, report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_dropout = sub.add_parser("dropout", help="rebuild lstm_helpers/data/char_dropout_ablation.json")
    p_dropout.add_argument("--out", default=str(DROPOUT_ABLATION_FILE))
    p_dropout.add_argument("--jobs", type=int, default=1, help="runs in parallel (same results, one thread each)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    result = run_dropout_ablation(jobs=args.jobs)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({result['cpu_seconds']} CPU seconds)")


if __name__ == "__main__":
    main()

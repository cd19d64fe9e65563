"""A tiny causal Transformer against the course's LSTM: same text, same parameter count, same training time.

Introduced in notebook 13 (``13_from_lstm_to_attention``). Two comparisons, each over ``SEEDS``:

* the capstone's text (``char_data.topic_split()``): train on ``.train``, keep the checkpoint with the best
  ``.validation`` bits/char, report ``.test`` bits/char with a block-bootstrap 95% interval (``lstm_helpers.stats``),
  training characters/s, memory per generated character (a growing key/value cache against a fixed ``(h, c)``) and
  generation speed;
* the long-memory task of notebook 05 (``lstm_helpers.memory_task``) at delays where the LSTM fails.

Both models train on identical batches with the same optimiser and schedule; each gets a fixed number of steps,
calibrated once so that both take about the same wall-clock time on 2 threads (``STEPS``, ``CALIBRATION``); the
measured wall-clock and CPU seconds of every run are recorded. The results are committed as
``lstm_helpers/data/transformer_vs_lstm.json``, rebuilt with::

    OMP_NUM_THREADS=2 python -m lstm_helpers.transformer_vs_lstm

(a few minutes on an idle 2-core machine). ``tests/test_transformer_vs_lstm.py`` reruns a slice and compares it
with the file.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from . import memory_task
from .attention import CharTransformer, TransformerBlock, kv_cache_bytes, lstm_state_bytes
from .char_data import load_text, load_vocabulary, topic_split
from .char_model import CharModel, char_bits, matched_hidden_size, stream_batches
from .stats import bootstrap_interval, difference_interval

__all__ = [
    "SEEDS",
    "RESULTS_FILE",
    "TRANSFORMER",
    "STEPS",
    "build",
    "count_parameters",
    "train_lm",
    "transformer_char_bits",
    "generation_cost",
    "MemoryTransformer",
    "train_memory_transformer",
    "run_capstone",
    "run_memory",
    "load_results",
]

SEEDS = (0, 1, 2)
RESULTS_FILE = Path(__file__).resolve().parent / "data" / "transformer_vs_lstm.json"
TRANSFORMER = dict(d_model=48, num_heads=4, num_layers=2, ffn_size=192, context=64)
EMBEDDING_DIM = 32
BATCH_SIZE, SEQ_LEN, LR = 32, 64, 3e-3
# Steps for an equal wall-clock budget on 2 threads, calibrated with ``--calibrate`` on the course machine when
# idle (CALIBRATION: median wall-clock seconds per training step). The measured seconds of every run are recorded.
CALIBRATION = {"lstm": 0.00931, "transformer": 0.01563, "date": "2026-12-07", "load_average_1min": 0.45}
STEPS = {"lstm": 1700, "transformer": 1020}  # about 16 s of training each
NUM_THREADS = 2
EVAL_POINTS = 4  # validation checkpoints per run (choose the best on validation)
MEMORY_DELAYS = (30, 60, 120)
MEMORY_STEPS = 300  # notebook 05's training budget
LN2 = math.log(2)


def count_parameters(model):
    """Trainable numbers in ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def build(kind, vocab_size, seed):
    """A fresh model: ``"transformer"`` (``TRANSFORMER`` sizes) or ``"lstm"`` (``CharModel`` with the hidden size
    that matches the Transformer's parameter count, embedding 64, no dropout)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if kind == "transformer":
            return CharTransformer(vocab_size, **TRANSFORMER)
        target = count_parameters(CharTransformer(vocab_size, **TRANSFORMER))
        hidden = matched_hidden_size("lstm", target, vocab_size, EMBEDDING_DIM)
        return CharModel(vocab_size, EMBEDDING_DIM, hidden, cell="lstm", dropout=0.0)


def _loss(model, x, y, state):
    if isinstance(model, CharTransformer):
        logits, state = model(x), None  # each chunk on its own: the Transformer keeps no state
    else:
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)  # truncated backpropagation through time
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)), state


def _batches(ids, seed):
    """Endless ``(x, y)`` chunks: parallel streams, a new random offset every epoch (identical for both models)."""
    rng = np.random.default_rng(seed)
    while True:
        yield from stream_batches(ids, BATCH_SIZE, SEQ_LEN, offset=int(rng.integers(0, SEQ_LEN)))
        yield None  # epoch boundary: the LSTM starts its streams again from a zero state


def _lr(step, num_steps):
    warmup = max(1, num_steps // 20)
    if step < warmup:
        return LR * (step + 1) / warmup
    return LR * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, num_steps - warmup))))


def model_bits(model, ids):
    """Per-character bits (numpy float64) of either model on ``ids``: the LSTM in one pass, the Transformer in
    windows (``transformer_char_bits``)."""
    if isinstance(model, CharTransformer):
        return transformer_char_bits(model, ids)
    return char_bits(model, ids)


def train_lm(kind, train_ids, val_ids, seed, num_steps=None, vocab_size=None):
    """Train one model; keep the checkpoint with the best validation bits/char. Returns ``(model, record)``."""
    vocab_size = vocab_size or int(max(train_ids.max(), val_ids.max())) + 1
    model = build(kind, vocab_size, seed)
    num_steps = num_steps or STEPS[kind]
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    checkpoints = {round(num_steps * k / EVAL_POINTS) for k in range(1, EVAL_POINTS + 1)}
    batches, state, seconds, cpu_seconds, best = _batches(train_ids, seed), None, 0.0, 0.0, None
    model.train()
    for step in range(num_steps):
        batch = next(batches)
        if batch is None:
            state, batch = None, next(batches)
        start, cpu = time.perf_counter(), time.process_time()
        for group in optimizer.param_groups:
            group["lr"] = _lr(step, num_steps)
        loss, state = _loss(model, *batch, state)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        seconds += time.perf_counter() - start
        cpu_seconds += time.process_time() - cpu
        if step + 1 in checkpoints:
            val = float(model_bits(model, val_ids).mean())
            model.train()
            if best is None or val < best["val_bpc"]:
                weights = {k: v.clone() for k, v in model.state_dict().items()}
                best = {"val_bpc": val, "step": step + 1, "state": weights}
    model.load_state_dict(best.pop("state"))
    model.eval()
    chars = num_steps * BATCH_SIZE * SEQ_LEN
    return model, {"steps": num_steps, "train_seconds": seconds, "train_cpu_seconds": cpu_seconds,
                   "chars_per_cpu_s": chars / cpu_seconds, "chars_per_s": chars / seconds,
                   "best_val_bpc": best["val_bpc"], "best_step": best["step"]}


@torch.no_grad()
def transformer_char_bits(model, ids, batch=64):
    """Per-character bits of a ``CharTransformer``: windows of ``context`` characters every ``context // 2``.

    The first window scores all its positions; each later window scores only the characters the previous one did
    not, so every character after the first ``context // 2`` is predicted from at least ``context // 2`` characters
    before it. The first character is predicted after a newline (how held-out topics follow the text before them).
    """
    n, half = len(ids), model.context // 2
    width = min(model.context, n)
    inputs = torch.cat([torch.tensor([_newline_id()]), ids[:-1]])  # inputs[t] is the character before ids[t]
    starts = list(range(0, n - width + 1, half))
    if starts[-1] + width < n:
        starts.append(n - width)
    out, done = np.empty(n), 0
    model.eval()
    for k in range(0, len(starts), batch):
        group = starts[k : k + batch]
        x = torch.stack([inputs[s : s + width] for s in group])  # (group, width)
        y = torch.stack([ids[s : s + width] for s in group])
        nll = nn.functional.cross_entropy(model(x).transpose(1, 2).double(), y, reduction="none") / LN2
        for s, row in zip(group, nll.numpy(), strict=True):
            out[done : s + width] = row[done - s :]
            done = s + width
    return out


def _newline_id():
    return load_vocabulary().index["\n"]


@torch.no_grad()
def generation_cost(model, prompt_id, num_chars=TRANSFORMER["context"] - 1):
    """Generate ``num_chars`` greedy characters one at a time; returns chars/s and the bytes of what the model keeps
    between steps at the end (the Transformer's key/value cache, the LSTM's ``(h, c)``)."""
    model.eval()
    token = torch.tensor([[prompt_id]])
    start, cpu = time.perf_counter(), time.process_time()
    if isinstance(model, CharTransformer):
        caches = [{} for _ in range(model.num_layers)]
        for pos in range(num_chars):
            token = model(token, caches, start=pos)[:, -1:].argmax(-1)
        kept = kv_cache_bytes(caches)
    else:
        state = None
        for _ in range(num_chars):
            logits, state = model(token, state)
            token = logits[:, -1:].argmax(-1)
        kept = lstm_state_bytes(state)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"chars_per_s": num_chars / seconds, "chars_per_cpu_s": num_chars / cpu, "bytes_kept": kept,
            "num_chars": num_chars}


class MemoryTransformer(nn.Module):
    """One causal Transformer block for the recall task of notebook 05: inputs ``(batch, seq_len, 2)`` -> logit.

    Linear input projection plus fixed sinusoidal positions (no length limit, no parameters), one block, LayerNorm,
    a read-out of the last position.
    """

    def __init__(self, d_model=8, num_heads=2, ffn_size=8):
        super().__init__()
        self.d_model = d_model
        self.project = nn.Linear(memory_task.MEMORY_INPUT_SIZE, d_model)
        self.block = TransformerBlock(d_model, num_heads, ffn_size)
        self.norm = nn.LayerNorm(d_model)
        self.readout = nn.Linear(d_model, 1)

    def forward(self, x):  # x: (batch, seq_len, 2)
        seq_len = x.shape[1]
        pos = torch.arange(seq_len).unsqueeze(1)  # (seq_len, 1)
        freq = torch.exp(-math.log(10_000.0) * torch.arange(0, self.d_model, 2) / self.d_model)
        angles = pos * freq  # (seq_len, d_model / 2)
        positions = torch.stack([angles.sin(), angles.cos()], dim=-1).flatten(1)  # (seq_len, d_model)
        h = self.block(self.project(x) + positions)  # (batch, seq_len, d_model)
        return self.readout(self.norm(h[:, -1])).squeeze(-1)  # (batch,)


def train_memory_transformer(delay, seed, num_steps=MEMORY_STEPS, lr=1e-2, batch_size=64, test_size=512):
    """Notebook 05's recipe (fresh batches, Adam, clip 1, unseen test sequences) with a ``MemoryTransformer``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MemoryTransformer()
    train_gen = torch.Generator().manual_seed(seed)
    test_batch = memory_task.memory_batch(test_size, delay, torch.Generator().manual_seed(10_000 + seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    seen = set()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(num_steps):
        batch = memory_task.memory_batch(batch_size, delay, train_gen)
        seen.update(memory_task.sequence_keys(batch))
        loss = nn.functional.binary_cross_entropy_with_logits(model(batch.x), batch.y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    accuracy = memory_task.memory_accuracy(model, memory_task.unseen_subset(test_batch, seen))
    return {"accuracy": accuracy, "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu,
            "num_params": count_parameters(model)}


def run_memory(delays=MEMORY_DELAYS, seeds=SEEDS, progress=None):
    """LSTM (notebook 05: 8 units, forget bias 2, lr 1e-2) and ``MemoryTransformer`` accuracy per delay and seed."""
    rows = []
    for delay in delays:
        for seed in seeds:
            cpu = time.process_time()
            lstm = memory_task.train_memory_task("lstm", delay, forget_bias=2.0, num_steps=MEMORY_STEPS, seed=seed,
                                                 unseen_test=True)
            lstm_cpu = time.process_time() - cpu
            tr = train_memory_transformer(delay, seed)
            rows.append({"delay": delay, "seed": seed, "lstm": round(lstm.accuracy, 4),
                         "transformer": round(tr["accuracy"], 4), "lstm_params": lstm.num_params,
                         "transformer_params": tr["num_params"], "lstm_cpu_seconds": round(lstm_cpu, 2),
                         "transformer_cpu_seconds": round(tr["cpu_seconds"], 2)})
            if progress:
                print(rows[-1], file=progress, flush=True)
    return rows


def calibrate(repeats=30):
    """Median wall-clock and CPU seconds per training step of each model on ``NUM_THREADS`` threads (a
    micro-benchmark on an idle machine, used once to set ``STEPS``)."""
    vocab = load_vocabulary()
    ids = vocab.encode(load_text()[:100_000])  # any text: only the speed matters here
    out = {}
    for kind in ("lstm", "transformer"):
        model, batches = build(kind, len(vocab), 0), _batches(ids, 0)
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        walls, cpus = [], []
        for k in range(repeats + 5):  # the first 5 steps warm up and are not counted
            batch = next(batches)
            if batch is None:
                batch = next(batches)
            start, cpu = time.perf_counter(), time.process_time()
            loss, _ = _loss(model, *batch, None)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if k >= 5:
                walls.append(time.perf_counter() - start)
                cpus.append(time.process_time() - cpu)
        out[kind] = {"wall": round(float(np.median(walls)), 5), "cpu": round(float(np.median(cpus)), 5)}
        print(kind, out[kind], file=sys.stderr, flush=True)
    return out


def run_capstone(seeds=SEEDS, kinds=("lstm", "transformer"), steps=None, progress=None):
    """Train both models per seed; per-run test bits/char (with interval), speeds and memory; per-char test bits."""
    vocab = load_vocabulary()
    split = topic_split()
    train_ids, val_ids, test_ids = (vocab.encode(t) for t in (split.train, split.validation, split.test))
    runs, per_char = [], {}
    for kind in kinds:
        for seed in seeds:
            model, record = train_lm(kind, train_ids, val_ids, seed, (steps or STEPS)[kind], len(vocab))
            bits = model_bits(model, test_ids)
            per_char[(kind, seed)] = bits
            _, low, high = bootstrap_interval(bits)
            record.update(kind=kind, seed=seed, num_params=count_parameters(model), test_bpc=float(bits.mean()),
                          test_low=low, test_high=high, generation=generation_cost(model, vocab.index["\n"]))
            runs.append(record)
            if progress:
                print({k: v for k, v in record.items() if k != "generation"}, file=progress, flush=True)
    return runs, per_char, len(test_ids)


def _summary(per_char, seeds):
    """Seed-averaged per-character bits of each model, and the LSTM minus Transformer difference, with intervals."""
    mean = {kind: np.mean([per_char[(kind, s)] for s in seeds], axis=0) for kind in ("lstm", "transformer")}
    out = {kind: dict(zip(("test_bpc", "low", "high"), bootstrap_interval(v), strict=True)) for kind, v in mean.items()}
    diff = difference_interval(mean["lstm"], mean["transformer"])
    out["lstm_minus_transformer"] = dict(zip(("mean", "low", "high"), diff, strict=True))
    return out


def load_results(path=RESULTS_FILE):
    """The committed comparison (see the module docstring for the command that rebuilds it)."""
    if not Path(path).exists():
        raise FileNotFoundError(
            f"{path} is missing. Rebuild it with: {COMMAND}"
        )
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _finish(runs, per_char, test_chars, memory, seconds):
    return {
        "command": COMMAND,
        "threads": NUM_THREADS,
        "seeds": list(SEEDS),
        "steps": STEPS,
        "calibration_seconds_per_step": CALIBRATION,
        "batch_size": BATCH_SIZE,
        "seq_len": SEQ_LEN,
        "transformer": TRANSFORMER,
        "test_chars": test_chars,
        "runs": sorted(runs, key=lambda r: (r["kind"], r["seed"])),
        "summary": _summary(per_char, SEEDS),
        "memory_task": sorted(memory, key=lambda r: (r["delay"], r["seed"])),
        "wall_seconds": seconds["wall"],
        "cpu_seconds": seconds["cpu"],
    }


COMMAND = "OMP_NUM_THREADS=2 python -m lstm_helpers.transformer_vs_lstm"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Rebuild notebook 13's Transformer-vs-LSTM comparison.")
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    parser.add_argument("--calibrate", action="store_true", help="only print seconds per step of each model")
    parser.add_argument("--seed", type=int, help="run only this seed (both models) into --parts; merge later")
    parser.add_argument("--memory", action="store_true", help="run only the memory task into --parts")
    parser.add_argument("--parts", type=Path, default=Path("transformer_vs_lstm_parts"))
    parser.add_argument("--merge", action="store_true", help="write --out from the results in --parts")
    args = parser.parse_args(argv)
    torch.set_num_threads(NUM_THREADS)
    if args.calibrate:
        print(calibrate())
        return
    start, cpu = time.perf_counter(), time.process_time()
    if args.seed is not None or args.memory:
        args.parts.mkdir(parents=True, exist_ok=True)
        if args.memory:
            part = {"memory_task": run_memory(progress=sys.stderr)}
            name = "memory"
        else:
            runs, per_char, test_chars = run_capstone(seeds=(args.seed,), progress=sys.stderr)
            for (kind, seed), bits in per_char.items():
                np.save(args.parts / f"{kind}_seed{seed}.npy", bits)
            part, name = {"runs": runs, "test_chars": test_chars}, f"seed{args.seed}"
        part["seconds"] = {"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu}
        (args.parts / f"{name}.json").write_text(json.dumps(part, indent=1) + "\n", encoding="utf-8")
        return
    if args.merge:
        parts = [json.loads((args.parts / f"{n}.json").read_text()) for n in [f"seed{s}" for s in SEEDS] + ["memory"]]
        runs = [r for p in parts[:-1] for r in p["runs"]]
        per_char = {(k, s): np.load(args.parts / f"{k}_seed{s}.npy") for k in ("lstm", "transformer") for s in SEEDS}
        for r in runs:  # intervals from lstm_helpers.stats (the parts may predate it)
            _, r["test_low"], r["test_high"] = bootstrap_interval(per_char[r["kind"], r["seed"]])
        seconds = {key: round(sum(p["seconds"][key] for p in parts), 1) for key in ("wall", "cpu")}
        results = _finish(runs, per_char, parts[0]["test_chars"], parts[-1]["memory_task"], seconds)
        results["command"] += " (or in parallel: --seed 0, --seed 1, --seed 2, --memory, then --merge)"
    else:
        runs, per_char, test_chars = run_capstone(progress=sys.stderr)
        memory = run_memory(progress=sys.stderr)
        seconds = {"wall": round(time.perf_counter() - start, 1), "cpu": round(time.process_time() - cpu, 1)}
        results = _finish(runs, per_char, test_chars, memory, seconds)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

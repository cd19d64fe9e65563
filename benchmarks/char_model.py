"""Benchmark: the capstone's character model (notebook 09) against the strongest baselines, on the TEST topics.

Run from the repository root (about 15 minutes on 1 free core):

    python benchmarks/char_model.py                                          # print the tables
    python benchmarks/char_model.py --save lstm_helpers/data/char_results.json   # and store them (notebooks 09, 11)

Choices are made on VALIDATION only (``lstm_helpers.char_data.topic_split``): the Kneser-Ney order (static and
adaptive), the PPMd order, the fixed-discount smoother's order, and the learning rate and chunk length of dynamic
evaluation. Then every model and baseline is scored once on TEST: uniform, unigram, the smoother, modified
Kneser-Ney static and adaptive, zlib / bz2 / lzma / PPMd given the training text, an untrained CharLSTM, the shipped
CharLSTM static and with dynamic evaluation. Intervals are bootstrap 95% intervals over whole test TOPICS (21 of
them; topic-level resampling is the cautious choice, and the only one that also fits the compressors, whose sizes
are measured per topic: each topic's cost is the growth in compressed size when it is appended after the training
text and the test topics before it). Differences between two models use the same resamples (paired).
Training time and characters/s come from the shipped run's own record; the throughput printed at the end is a
20-step micro-benchmark and is labelled as one. A benchmark, not a test: nothing here fails, it reports.
"""

import argparse
import json
import math
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch

from lstm_helpers.char_baselines import (
    COMPRESSORS,
    JOIN,
    KneserNey,
    best_order,
    compressor_bits_per_char,
    ngram_bits_per_char,
)
from lstm_helpers.char_data import containment, load_topics, load_vocabulary, topic_split
from lstm_helpers.char_model import CharLSTM, char_bits, dynamic_bits, load_shipped, stream_batches
from lstm_helpers.stats import bootstrap_interval, difference_interval, format_with_interval, topic_starts

DYNAMIC_GRID = [(lr, 50) for lr in (0.1, 0.3, 1.0)]  # then chunk lengths 25 and 100 at the best rate


def throughput(threads, steps, hidden_size=256, batch_size=32, seq_len=100, dropout=0.4):
    """MICRO-BENCHMARK: training characters per second of the median of ``steps`` steps (no evaluation, no I/O)."""
    vocab = load_vocabulary()
    ids = vocab.encode(topic_split().train)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = CharLSTM(len(vocab), 64, hidden_size, dropout=dropout)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    chunks, state, times = stream_batches(ids, batch_size, seq_len), None, []
    for _ in range(steps + 2):  # two warm-up steps
        x, y = next(chunks)
        t0 = time.perf_counter()
        state = None if state is None else tuple(s.detach() for s in state)
        logits, state = model(x, state)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
    return batch_size * seq_len / sorted(times[2:])[steps // 2]


def compressor_topic_bits(train_text, topics, name):
    """Bits each held-out topic costs a compressor that has read the training text and the topics before it."""
    compress = COMPRESSORS[name]
    text, sizes = train_text, [len(compress(train_text.encode("utf-8")))]
    for k, topic in enumerate(topics):
        text += JOIN + topic if k == 0 else "\n" + topic
        sizes.append(len(compress(text.encode("utf-8"))))
    return 8 * np.diff(sizes).astype(np.float64)


def spread(topic_bits, topics):
    """Per-character values from per-topic totals (each topic's bits spread evenly over its characters and joiner)."""
    return np.concatenate(
        [
            np.full(len(t) + (k < len(topics) - 1), b / (len(t) + (k < len(topics) - 1)))
            for k, (t, b) in enumerate(zip(topics, topic_bits, strict=True))
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save", help="write the results as JSON to this path")
    parser.add_argument("--steps", type=int, default=20, help="timed steps of the throughput micro-benchmark")
    args = parser.parse_args()
    torch.set_num_threads(1)
    started = time.perf_counter()
    vocab, split = load_vocabulary(), topic_split()
    by_name = dict(load_topics())
    test_topics = [by_name[n] for n in split.test_names]
    train_ids, val_ids, test_ids = (vocab.encode(t).numpy() for t in (split.train, split.validation, split.test))
    starts = topic_starts(test_topics)
    print(
        f"train {len(train_ids):,} / validation {len(val_ids):,} / test {len(test_ids):,} characters "
        f"({len(split.train_names)} / {len(split.validation_names)} / {len(split.test_names)} topics)"
    )
    leak = {
        f"{w}-char windows": {
            part: round(containment(getattr(split, part), split.train, w), 4) for part in ("validation", "test")
        }
        for w in (20, 50, 100)
    }
    print("share of held-out windows found in the training text:", leak)

    # ---- choices on validation ------------------------------------------------------------------------------
    choices = {}
    smoother = {n: ngram_bits_per_char(train_ids, val_ids, len(vocab), n) for n in range(0, 9)}
    choices["smoother_order"] = min(smoother, key=smoother.get)
    kn_order, kn_val = best_order(train_ids, val_ids, len(vocab), orders=range(0, 17))
    choices["kneser_ney_order"] = kn_order
    adaptive_orders = (6, 10, 16)  # the adaptive loop is slow (about a minute per order): a coarse grid
    kn_adaptive_order, kn_adaptive_val = best_order(train_ids, val_ids, len(vocab), adaptive_orders, adaptive=True)
    choices["kneser_ney_adaptive_order"] = kn_adaptive_order
    ppmd_names = [n for n in COMPRESSORS if n.startswith("PPMd")]
    ppmd_val = {n: compressor_bits_per_char(split.train, split.validation, n) for n in ppmd_names}
    choices["ppmd"] = min(ppmd_val, key=ppmd_val.get)
    model, meta = load_shipped()
    dynamic_val = {}
    for lr, chunk in DYNAMIC_GRID:
        dynamic_val[f"lr {lr} chunk {chunk}"] = float(dynamic_bits(model, val_ids, lr=lr, chunk_len=chunk).mean())
    best_lr = min(DYNAMIC_GRID, key=lambda g: dynamic_val[f"lr {g[0]} chunk {g[1]}"])[0]
    for chunk in (25, 100):
        dynamic_val[f"lr {best_lr} chunk {chunk}"] = float(
            dynamic_bits(model, val_ids, lr=best_lr, chunk_len=chunk).mean()
        )
    best_key = min(dynamic_val, key=dynamic_val.get)
    choices["dynamic_lr"], choices["dynamic_chunk"] = float(best_key.split()[1]), int(best_key.split()[3])
    validation = {
        "smoother": smoother,
        "kneser_ney": kn_val,
        "kneser_ney_adaptive": kn_adaptive_val,
        "ppmd": ppmd_val,
        "lstm_static": float(char_bits(model, val_ids).mean()),
        "lstm_dynamic": dynamic_val,
    }
    print("choices on validation:", choices)

    # ---- test, once -----------------------------------------------------------------------------------------
    per_char = {}
    per_char["uniform"] = np.full(len(test_ids), math.log2(len(vocab)))
    counts = np.bincount(train_ids, minlength=len(vocab)) + 1.0
    per_char["unigram (training frequencies, add-one)"] = -np.log2(counts / counts.sum())[test_ids]
    smoother_order = choices["smoother_order"]
    per_char[f"fixed-discount n-gram, order {smoother_order} (teaching step)"] = None  # mean only
    smoother_test = ngram_bits_per_char(train_ids, test_ids, len(vocab), smoother_order)
    per_char[f"Kneser-Ney, order {kn_order}"] = KneserNey(train_ids, len(vocab), kn_order).bits(test_ids)
    per_char[f"Kneser-Ney adaptive, order {kn_adaptive_order}"] = KneserNey(
        train_ids, len(vocab), kn_adaptive_order
    ).bits(test_ids, adaptive=True)
    for name in ["zlib -9", "bz2 -9", "lzma -9e", choices["ppmd"]]:
        per_char[f"{name} given the training text"] = spread(
            compressor_topic_bits(split.train, test_topics, name), test_topics
        )
    torch.manual_seed(0)
    per_char["CharLSTM untrained (seed 0)"] = char_bits(CharLSTM(len(vocab)).eval(), test_ids)
    t0 = time.perf_counter()
    per_char["CharLSTM shipped, static"] = char_bits(model, test_ids)
    static_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    per_char["CharLSTM shipped, dynamic evaluation"] = dynamic_bits(
        model, test_ids, lr=choices["dynamic_lr"], chunk_len=choices["dynamic_chunk"]
    )
    dynamic_seconds = time.perf_counter() - t0

    table = {}
    for name, bits in per_char.items():
        if bits is None:
            table[name] = {"bits_per_char": smoother_test}
            continue
        _, low, high = bootstrap_interval(bits, starts=starts)
        table[name] = {
            "bits_per_char": float(bits.mean()),
            "low": low,
            "high": high,
            "per_topic": {
                n: float(bits[s:e].mean())
                for n, s, e in zip(split.test_names, starts, list(starts[1:]) + [len(bits)], strict=True)
            },
        }
    lstm = per_char["CharLSTM shipped, dynamic evaluation"]
    baselines = [n for n in per_char if per_char[n] is not None and not n.startswith("CharLSTM")]
    best_baseline = min(baselines, key=lambda n: table[n]["bits_per_char"])
    differences = {}
    for name in baselines + ["CharLSTM shipped, static"]:
        mean, low, high = difference_interval(lstm, per_char[name], starts=starts)
        differences[name] = {"mean": mean, "low": low, "high": high}
    static_best = {}
    for name in baselines:
        mean, low, high = difference_interval(per_char["CharLSTM shipped, static"], per_char[name], starts=starts)
        static_best[name] = {"mean": mean, "low": low, "high": high}

    print(f"\nTEST, {len(test_ids):,} characters in {len(test_topics)} topics; 95% intervals over topics:")
    print(f"| {'model':58} | bits/char (95% CI) |\n|{'-' * 60}|--------------------|")
    for name, row in table.items():
        if "low" not in row or row["high"] - row["low"] < 1e-9:  # no interval, or none needed (a constant)
            text = f"{row['bits_per_char']:.2f}" + (" (the same on every character)" if "low" in row else "")
        else:
            text = format_with_interval(row["bits_per_char"], row["low"], row["high"])
        print(f"| {name:58} | {text} |")
    print(
        f"\nLSTM with dynamic evaluation minus each baseline (negative: the LSTM needs fewer bits); best baseline "
        f"on test: {best_baseline}"
    )
    for name, d in differences.items():
        verdict = "LSTM better" if d["high"] < 0 else "baseline better" if d["low"] > 0 else "no clear difference"
        print(f"  vs {name:58} {format_with_interval(d['mean'], d['low'], d['high'])}  {verdict}")

    record = {
        k: meta.get(k)
        for k in (
            "command",
            "training_seconds_total",
            "chars_per_second",
            "steps_done",
            "best_step",
            "parameters",
            "validation_bits_per_char",
            "load_average_1min",
        )
    }
    record["threads"] = meta["training"]["threads"]
    print(
        f"\nShipped training (its own record): {record['steps_done']} steps, {record['training_seconds_total']} s "
        f"end to end on {record['threads']} thread(s), {record['chars_per_second']:,} characters/s; best "
        f"validation checkpoint at step {record['best_step']}. Scoring the test text: static {static_seconds:.1f} s, "
        f"dynamic {dynamic_seconds:.1f} s (1 thread)."
    )
    micro = {threads: throughput(threads, args.steps) for threads in (1, 2)}
    torch.set_num_threads(1)
    print(
        f"Training-step MICRO-BENCHMARK (median of {args.steps} steps, no evaluation): "
        + ", ".join(f"{t} thread(s) {v:,.0f} characters/s" for t, v in micro.items())
    )
    if args.save:
        result = {
            "description": "Capstone results: choices on validation, every model and baseline once on test "
            "(benchmarks/char_model.py)",
            "command": "python benchmarks/char_model.py " + shlex.join(sys.argv[1:]),
            "interval": "bootstrap 95% over the 21 test topics (2000 resamples, seed 0), paired for differences",
            "sizes": {"train": len(train_ids), "validation": len(val_ids), "test": len(test_ids)},
            "test_topics": split.test_names,
            "containment": leak,
            "choices": choices,
            "validation": validation,
            "test": table,
            "best_baseline_on_test": best_baseline,
            "lstm_dynamic_minus": differences,
            "lstm_static_minus": static_best,
            "training_record": record,
            "scoring_seconds": {"static": round(static_seconds, 1), "dynamic": round(dynamic_seconds, 1)},
            "micro_benchmark_chars_per_second": {str(t): round(v) for t, v in micro.items()},
            "torch_version": torch.__version__,
            "python_version": platform.python_version(),
            "seconds": round(time.perf_counter() - started),
        }
        Path(args.save).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.save}")


if __name__ == "__main__":
    main()

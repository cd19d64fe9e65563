"""Benchmark: the capstone's character model (notebook 09) against every baseline, and its training throughput.

Run from the repository root (about a minute on 2 free cores):

    python benchmarks/char_model.py

Prints validation bits/char (validation = the last 8 of the 79 topics of the frozen text, see
``lstm_helpers.char_data.topic_split``) of: uniform, unigram, n-grams of 0-7 characters of context (interpolated
absolute discounting, D = 0.75), zlib/bz2/lzma given the training text, an untrained CharLSTM, the shipped model
(with its recorded training time), and the targets (shipped <= 1.6 and at least 0.3 below the best n-gram).
Then training throughput of the shipped architecture (32 streams x 100 characters, Adam, clipping, dropout) in
characters per second on 1 and 2 threads, and per-step cost of the RNN/GRU/LSTM of notebook 09's comparison.
A benchmark, not a test: nothing here fails, it reports.
"""

import argparse
import math
import time

import torch

from lstm_helpers.char_baselines import COMPRESSORS, compressor_bits_per_char, ngram_bits_per_char
from lstm_helpers.char_data import load_vocabulary, topic_split
from lstm_helpers.char_model import (
    CharLSTM,
    CharModel,
    bits_per_char,
    load_shipped,
    matched_hidden_size,
    stream_batches,
)


def throughput(threads, steps, hidden_size=256, batch_size=32, seq_len=100, cell="lstm", dropout=0.3):
    """Training characters per second (wall clock) of ``steps`` full training steps on ``threads`` threads."""
    vocab = load_vocabulary()
    train_text = topic_split().train
    ids = vocab.encode(train_text)
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = CharModel(len(vocab), 64, hidden_size, cell=cell, dropout=dropout)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    chunks, state = stream_batches(ids, batch_size, seq_len), None
    times = []
    for _ in range(steps + 2):  # two warm-up steps
        x, y = next(chunks)
        t0 = time.perf_counter()
        state = (
            None if state is None else tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        )
        logits, state = model(x, state)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
    times = sorted(times[2:])
    return batch_size * seq_len / times[len(times) // 2]  # median step


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per throughput measurement")
    args = parser.parse_args()
    torch.set_num_threads(1)
    vocab = load_vocabulary()
    train_text, val_text = topic_split()
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    rows = [("uniform", math.log2(len(vocab)))]
    counts = torch.bincount(train_ids, minlength=len(vocab)).double()
    rows.append(("unigram (training frequencies)", -torch.log2((counts / counts.sum())[val_ids]).mean().item()))
    ngrams = {n: ngram_bits_per_char(train_ids.numpy(), val_ids.numpy(), len(vocab), n) for n in range(8)}
    rows += [(f"n-gram, {n} characters of context", v) for n, v in ngrams.items()]
    rows += [
        (f"{name} given the training text", compressor_bits_per_char(train_text, val_text, name))
        for name in COMPRESSORS
    ]
    torch.manual_seed(0)
    rows.append(("CharLSTM, untrained (seed 0)", bits_per_char(CharLSTM(len(vocab)), val_ids)))
    shipped, meta = load_shipped()
    t0 = time.perf_counter()
    shipped_bpc = bits_per_char(shipped, val_ids)
    scoring_seconds = time.perf_counter() - t0
    rows.append(("CharLSTM, shipped", shipped_bpc))
    print(f"Validation: {len(val_ids):,} characters (8 held-out topics); training: {len(train_ids):,} characters\n")
    print(f"| {'model':40} | bits/char |")
    print(f"|{'-' * 42}|-----------|")
    for name, value in rows:
        print(f"| {name:40} | {value:9.3f} |")
    best = min(ngrams.values())
    print(
        f"\nShipped: {shipped_bpc:.3f} bits/char (recorded {meta['validation_bits_per_char']:.3f}); best n-gram "
        f"{best:.3f}; margin {best - shipped_bpc:.3f} (target >= 0.3); target <= 1.6: "
        f"{'met' if shipped_bpc <= 1.6 else 'NOT met'}; "
        f"margin target: {'met' if best - shipped_bpc >= 0.3 else 'NOT met'}"
    )
    print(
        f"Shipped training: {meta.get('steps_done')} steps, {meta.get('training_seconds_total')} s on "
        f"{meta['training']['threads']} thread(s) (recorded, shared machine), best at step {meta['best_step']}; "
        f"scoring the validation text took {scoring_seconds:.2f} s"
    )
    print("\nTraining throughput of the shipped architecture (median step, 32 x 100 characters):")
    for threads in (1, 2):
        print(f"  {threads} thread(s): {throughput(threads, args.steps):,.0f} characters/s")
    print("\nNotebook 09's comparison models (16 x 50 characters per step, 1 thread):")
    target = sum(p.numel() for p in CharModel(len(vocab), 64, 128).parameters())
    for cell in ("rnn", "gru", "lstm"):
        hidden = matched_hidden_size(cell, target, len(vocab))
        cps = throughput(1, args.steps, hidden, 16, 50, cell, 0.0)
        print(f"  {cell:4} hidden {hidden:3}: {cps:,.0f} characters/s ({16 * 50 / cps * 1000:.1f} ms per step)")


if __name__ == "__main__":
    main()

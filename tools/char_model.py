"""Maintainers' tool for the capstone (notebooks 09 and 10): freeze the text, train the shipped model.

    python tools/char_model.py freeze                      # pydoc_data.topics -> lstm_helpers/data/pydoc_topics.*
    python tools/char_model.py train                       # the shipped model (the exact command is in its metadata)
    python tools/char_model.py train --steps 3 --slice 20000 --out /tmp/x   # a tiny run, for tests
    python tools/char_model.py compare                     # RNN vs GRU vs LSTM over seeds -> char_compare.json
    python tools/char_model.py compress IN OUT             # notebook 11: a text file -> a file coded by the LSTM
    python tools/char_model.py decompress IN OUT           # ... and back, byte for byte (or a clear error)

``freeze`` writes the text (topics in sorted name order joined with newlines, xz-compressed) and its metadata
(sha256, Python version, licence, topic names and lengths). ``train`` trains a ``CharLSTM`` on the training topics
with fixed seeds, measures validation bits/char every ``--eval-every`` steps, keeps the best checkpoint, and
writes ``NAME.pt`` (a float32 ``state_dict``), ``NAME.json`` (metadata) and ``NAME_log.csv`` (the learning curve)
each time validation improves (the log after every evaluation), so an interrupted run still leaves its best model.
"""

import argparse
import hashlib
import json
import lzma
import os
import platform
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from lstm_helpers import char_data  # noqa: E402
from lstm_helpers.char_model import CharLSTM, bits_per_char, compare_cells, train_char_model  # noqa: E402

LICENCE = (
    "Text of Python's documentation topics (pydoc_data.topics), Copyright (c) 2001 Python Software Foundation; "
    "All Rights Reserved. Distributed under the PSF License Agreement for Python "
    "(https://docs.python.org/3/license.html)."
)
LOG_COLUMNS = (
    "step",
    "epoch",
    "chars",
    "seconds",
    "lr",
    "train_bpc",
    "grad_norm_mean",
    "grad_norm_max",
    "clipped_fraction",
    "val_bpc",
)
SLICE_CHECK = 10_000  # the fixed validation slice whose score the metadata records (fast check in the tests)


def freeze(out_dir):
    from pydoc_data.topics import topics

    text = char_data.join_topics(topics)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME)
    (out_dir / char_data.TEXT_FILE.name).write_bytes(data)
    meta = {
        "description": "pydoc_data.topics.topics joined in sorted key order with one newline between topics",
        "licence": LICENCE,
        "source": f"pydoc_data.topics from Python {platform.python_version()}",
        "python_version": platform.python_version(),
        "sha256": char_data.sha256(text),
        "num_chars": len(text),
        "num_distinct_chars": len(set(text)),
        "rebuild": "python tools/char_model.py freeze",
        "topics": [[name, len(topics[name])] for name in sorted(topics)],
    }
    (out_dir / char_data.TEXT_META_FILE.name).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"froze {len(text):,} characters ({len(data):,} bytes xz) sha256 {meta['sha256'][:16]}... into {out_dir}")


def _write_atomic(path, write):
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def train(args):
    torch.set_num_threads(args.threads)
    split = char_data.topic_split()
    train_text, val_text = split.train, split.validation
    vocab = char_data.load_vocabulary()
    if args.slice:
        train_text, val_text = train_text[: args.slice], val_text[: max(args.slice // 10, 2000)]
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text)
    torch.manual_seed(args.seed)
    model = CharLSTM(len(vocab), args.embedding_dim, args.hidden_size, dropout=args.dropout)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    weights, metadata, log_file = out / f"{args.name}.pt", out / f"{args.name}.json", out / f"{args.name}_log.csv"
    command = "python tools/char_model.py " + shlex.join(sys.argv[1:])
    log_rows = []

    def meta_for(record):
        return {
            "description": "CharLSTM trained on the training topics of the frozen pydoc text (notebook 09)",
            "command": command,
            "text_sha256": char_data.text_metadata()["sha256"],
            "vocabulary": "".join(vocab.chars),
            "architecture": model.architecture(),
            "parameters": sum(p.numel() for p in model.parameters()),
            "dtype": "float32",
            "seed": args.seed,
            "training": {
                "steps": args.steps,
                "batch_size": args.batch_size,
                "seq_len": args.seq_len,
                "lr": args.lr,
                "schedule": args.schedule,
                "min_lr": args.min_lr,
                "clip_grad_norm": args.clip,
                "eval_every": args.eval_every,
                "threads": args.threads,
                "train_chars": len(train_ids),
                "validation_chars": len(val_ids),
                "slice": args.slice,
            },
            "best_step": record["step"],
            "best_chars_seen": record["chars"],
            "validation_bits_per_char": record["val_bpc"],
            "scoring": {"function": "lstm_helpers.char_model.bits_per_char", "num_streams": 32, "chunk_len": 512},
            "slice_check": {
                "validation_chars": SLICE_CHECK,
                "num_streams": 8,
                "bits_per_char": bits_per_char(model, val_ids[:SLICE_CHECK], num_streams=8),
            },
            "training_seconds_to_best": record["seconds"],
            "torch_version": torch.__version__,
            "python_version": platform.python_version(),
            "machine": platform.machine(),
        }

    def save_log():
        lines = [",".join(LOG_COLUMNS)] + [",".join(f"{row[c]:.6g}" for c in LOG_COLUMNS) for row in log_rows]
        _write_atomic(log_file, lambda p: p.write_text("\n".join(lines) + "\n", encoding="utf-8"))

    def on_improvement(model, record):
        sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
        _write_atomic(weights, lambda p: torch.save(sd, p))
        meta = meta_for(record)
        meta["weights_sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
        _write_atomic(metadata, lambda p: p.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8"))

    def on_record(record):
        log_rows.append(record)
        save_log()
        print(
            f"step {record['step']:6d}  {record['seconds']:7.1f} s  lr {record['lr']:.2e}"
            f"  train {record['train_bpc']:.3f}  val {record['val_bpc']:.3f}  |g| max {record['grad_norm_max']:.2f}",
            flush=True,
        )

    start, load_before = time.perf_counter(), os.getloadavg()
    result = train_char_model(
        model,
        train_ids,
        val_ids,
        num_steps=args.steps,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        lr=args.lr,
        clip_grad_norm=args.clip,
        schedule=args.schedule,
        min_lr=args.min_lr,
        eval_every=args.eval_every,
        seed=args.seed,
        progress=not args.no_progress,
        on_improvement=on_improvement,
        on_record=on_record,
    )
    total = time.perf_counter() - start
    meta = json.loads(metadata.read_text(encoding="utf-8"))
    meta["training_seconds_total"] = round(total, 1)
    meta["steps_done"] = result["steps"]
    meta["chars_per_second"] = round(result["chars"] / result["seconds"])
    meta["chars_per_second_note"] = (
        "end to end: every training step and every validation evaluation of the whole run, wall clock"
    )
    meta["load_average_1min"] = {"start": round(load_before[0], 2), "end": round(os.getloadavg()[0], 2)}
    _write_atomic(metadata, lambda p: p.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8"))
    print(
        f"best validation {result['best_val_bpc']:.4f} bits/char at step {result['best_step']}; "
        f"{total:.0f} s; wrote {weights}, {metadata}, {log_file}"
    )


COMPARE_VALIDATION_CHARS = 10_000


def compare(args):
    """RNN vs GRU vs LSTM at a matched parameter count, same steps, over seeds -> char_compare.json."""
    torch.set_num_threads(args.threads)
    split = char_data.topic_split()
    train_text, val_text = split.train, split.validation
    vocab = char_data.load_vocabulary()
    train_ids, val_ids = vocab.encode(train_text), vocab.encode(val_text[:COMPARE_VALIDATION_CHARS])
    settings = {"seeds": args.seeds, "num_steps": args.steps, "validation_chars": len(val_ids)}
    runs = compare_cells(train_ids, val_ids, len(vocab), seeds=tuple(args.seeds), num_steps=args.steps)
    result = {
        "description": "RNN vs GRU vs LSTM, matched parameter count, same training steps and data order "
        "(lstm_helpers.char_model.compare_cells defaults otherwise)",
        "command": "python tools/char_model.py " + shlex.join(sys.argv[1:]),
        "settings": settings,
        "torch_version": torch.__version__,
        "runs": runs,
    }
    out = Path(args.out) / "char_compare.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    for run in runs:
        print(run)
    print(f"wrote {out}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_freeze = sub.add_parser("freeze", help="freeze pydoc_data.topics into lstm_helpers/data")
    p_freeze.add_argument("--out", default=str(char_data.DATA_DIR))
    p_train = sub.add_parser("train", help="train the shipped model")
    p_train.add_argument("--steps", type=int, default=6000)
    p_train.add_argument("--batch-size", type=int, default=32)
    p_train.add_argument("--seq-len", type=int, default=100)
    p_train.add_argument("--lr", type=float, default=2e-3)
    p_train.add_argument("--schedule", choices=("constant", "cosine"), default="cosine")
    p_train.add_argument("--min-lr", type=float, default=1e-4)
    p_train.add_argument("--clip", type=float, default=1.0)
    p_train.add_argument("--dropout", type=float, default=0.4)
    p_train.add_argument("--embedding-dim", type=int, default=64)
    p_train.add_argument("--hidden-size", type=int, default=256)
    p_train.add_argument("--eval-every", type=int, default=100)
    p_train.add_argument("--seed", type=int, default=0)
    p_train.add_argument("--threads", type=int, default=2)
    p_train.add_argument("--slice", type=int, default=0, help="train on only the first N training characters")
    p_train.add_argument("--name", default="char_lstm")
    p_train.add_argument("--out", default=str(char_data.DATA_DIR))
    p_train.add_argument("--no-progress", action="store_true")
    p_compare = sub.add_parser("compare", help="RNN vs GRU vs LSTM over seeds (short runs)")
    p_compare.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p_compare.add_argument("--steps", type=int, default=150)
    p_compare.add_argument("--threads", type=int, default=1)
    p_compare.add_argument("--out", default=str(char_data.DATA_DIR))
    p_compress = sub.add_parser("compress", help="compress a UTF-8 text file with the shipped model (notebook 11)")
    p_compress.add_argument("input")
    p_compress.add_argument("output")
    p_compress.add_argument("--method", default="lstm-dynamic",
                            help="lstm-dynamic (default), lstm, kn-adaptive, kn, unigram, uniform")
    p_decompress = sub.add_parser("decompress", help="restore a file made by compress, byte for byte")
    p_decompress.add_argument("input")
    p_decompress.add_argument("output")
    p_decompress.add_argument("--force", action="store_true", help="decode even if torch or the CPU differ")
    args = parser.parse_args(argv)
    if args.command in ("compress", "decompress"):
        from lstm_helpers.compression import run_tool

        return run_tool(args)
    if args.command == "freeze":
        freeze(Path(args.out))
    elif args.command == "compare":
        compare(args)
    else:
        train(args)


if __name__ == "__main__":
    sys.exit(main())

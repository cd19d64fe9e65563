"""Benchmark: every model of notebook 11 as a real compressor of the TEST topics, next to zlib, bz2, xz and PPMd.

Run from the repository root (about 10 minutes on 1 free core):

    OMP_NUM_THREADS=1 python benchmarks/compression.py --save lstm_helpers/data/compression_results.json
    OMP_NUM_THREADS=1 python benchmarks/compression.py --chars 3000      # a quick slice, printed only

Every model codes the test text (``topic_split().test``, its 21 topics joined with newlines) with the course's
arithmetic coder, the coded bits are decoded again and compared character for character, and the coded size is
put next to the model's cross-entropy measured independently (``char_bits``, ``dynamic_bits``, ``KneserNey.bits``):
the gap is what the coder costs (frequencies quantised to 16 bits, two closing bits, padding). Uniform, unigram and
the LSTM (static and with dynamic evaluation) and Kneser-Ney (static and adaptive) go through the file format of
``lstm_helpers.compression`` (header, checksums), one character at a time on both sides: the decoder recomputes
every probability from the characters it has decoded (``KneserNeyReader`` for the n-gram).

Choices come from validation: the Kneser-Ney orders, the PPMd order and dynamic evaluation's learning rate and
chunk are read from ``lstm_helpers/data/char_results.json`` (``benchmarks/char_model.py``) when it exists, and
chosen here on validation otherwise. The compressors are given the training text (``size(train + test) -
size(train)``), per topic as in ``benchmarks/char_model.py``. Intervals: bootstrap 95% over the 21 test topics,
paired (``lstm_helpers.stats.difference_interval``). Speeds: characters/s of compress and decompress, 1 thread,
wall clock and CPU time, with the load average (the machine is shared). Also: the course's coder against
``constriction`` on the same probabilities (a micro-benchmark of the coder alone, labelled so), and, per test topic,
how much dynamic evaluation gains in the topic's first and second half (exercise 11.dynamic_half).
"""

import argparse
import json
import math
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from char_model import compressor_topic_bits, spread  # noqa: E402  (benchmarks/char_model.py: per-topic sizes)

from lstm_helpers import compression  # noqa: E402
from lstm_helpers.arithmetic_coding import encode, ideal_bits, quantize  # noqa: E402
from lstm_helpers.char_baselines import COMPRESSORS, KneserNey, best_order, compressor_bits_per_char  # noqa: E402
from lstm_helpers.char_data import DATA_DIR, load_topics, load_vocabulary, topic_split  # noqa: E402
from lstm_helpers.char_model import DYNAMIC_CHUNK, DYNAMIC_LR, char_bits, dynamic_bits, load_shipped  # noqa: E402
from lstm_helpers.stats import bootstrap_interval, difference_interval, format_with_interval, topic_starts  # noqa: E402

CAPSTONE_RESULTS = DATA_DIR / "char_results.json"
SLICE_CHARS = 2000  # the slice tests/test_compression.py reruns against the stored JSON


def choices_from_validation(train_ids, val_ids, split, vocab_size):
    """The capstone benchmark's choices (made on validation), or the same choices made here if it has not run."""
    if CAPSTONE_RESULTS.exists():
        stored = json.loads(CAPSTONE_RESULTS.read_text(encoding="utf-8"))
        return dict(stored["choices"], source=str(CAPSTONE_RESULTS.relative_to(ROOT)))
    kn, _ = best_order(train_ids, val_ids, vocab_size, orders=range(0, 17))
    kn_adaptive, _ = best_order(train_ids, val_ids, vocab_size, (6, 10, 16), adaptive=True)
    ppmd = {n: compressor_bits_per_char(split.train, split.validation, n) for n in COMPRESSORS if "PPMd" in n}
    return {
        "kneser_ney_order": kn,
        "kneser_ney_adaptive_order": kn_adaptive,
        "ppmd": min(ppmd, key=ppmd.get),
        "dynamic_lr": DYNAMIC_LR,
        "dynamic_chunk": DYNAMIC_CHUNK,
        "source": "chosen in benchmarks/compression.py on validation (char_results.json absent)",
    }


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def file_round_trip(text, method, model, **settings):
    """Compress ``text`` with ``method`` into a file's bytes, decompress, check; sizes, bits and speeds."""
    (data, costs), wall_c, cpu_c = timed(
        compression.compress, text, method, model=model, return_bits="costs", progress=False, **settings
    )
    bits = costs["model"]
    back, wall_d, cpu_d = timed(compression.decompress, data, model=model, progress=False)
    _, payload = compression.read_header(data)
    n = len(text)
    return {
        "round_trip_equal": back == text,
        "file_bytes": len(data),
        "payload_bytes": len(payload),
        "header_bytes": len(data) - len(payload),
        "coded_bits_per_char": 8 * len(payload) / n,
        "file_bits_per_char": 8 * len(data) / n,
        "coder_input_bits_per_char": float(bits.mean()),
        "quantized_bits_per_char": float(costs["rounded"].mean()),
        "speed": {
            "compress_chars_per_second_wall": round(n / wall_c),
            "compress_chars_per_second_cpu": round(n / cpu_c),
            "decompress_chars_per_second_wall": round(n / wall_d),
            "decompress_chars_per_second_cpu": round(n / cpu_d),
        },
    }, bits


def constriction_check(rows, ids):
    """MICRO-BENCHMARK of the coder alone: the course's coder vs constriction's range coder, same probabilities."""
    import constriction

    model = constriction.stream.model.Categorical(perfect=False)
    (ours, wall_ours, _) = timed(encode, ids, quantize(rows))
    t0 = time.perf_counter()
    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(ids.astype(np.int32), model, rows)
    words = encoder.get_compressed()
    wall_theirs = time.perf_counter() - t0
    back = constriction.stream.queue.RangeDecoder(words).decode(model, rows)
    return {
        "symbols": len(ids),
        "ideal_bits": ideal_bits(rows, ids),
        "course_coder_bits": 8 * len(ours),
        "constriction_bits": 32 * len(words),
        "constriction_round_trip_equal": bool((back == ids).all()),
        "course_coder_encode_seconds_wall": round(wall_ours, 3),
        "constriction_encode_seconds_wall": round(wall_theirs, 3),
    }


def halves(model, topics, vocab, lr, chunk):
    """Per test topic, from the shipped weights: bits/char saved by dynamic evaluation in each half of the topic."""
    per_topic, first, second = {}, [], []
    for name, text in topics:
        ids = vocab.encode(text)
        gain = char_bits(model, ids) - dynamic_bits(model, ids, lr=lr, chunk_len=chunk)
        half = len(ids) // 2
        per_topic[name] = {"chars": len(ids), "first": float(gain[:half].mean()), "second": float(gain[half:].mean())}
        first.append(gain[:half])
        second.append(gain[half:])
    first, second = np.concatenate(first), np.concatenate(second)
    change = np.array([v["second"] - v["first"] for v in per_topic.values()])  # one value per topic
    mean, low, high = bootstrap_interval(change, block=1)  # topics resampled with replacement, each weighing 1
    verdict = "second" if low > 0 else "first" if high < 0 else "neither"
    return {
        "description": "bits/char saved by dynamic evaluation (static minus dynamic), each test topic read alone "
        "from the shipped weights, in its first and second half; pooled over all topics by characters, and the "
        "per-topic difference (second half's saving minus first half's) averaged over topics with a bootstrap 95% "
        "interval over topics",
        "first_half_gain": float(first.mean()),
        "second_half_gain": float(second.mean()),
        "topics_where_second_gains_more": int((change > 0).sum()),
        "topics": len(per_topic),
        "second_minus_first": {"mean": mean, "low": low, "high": high},
        "verdict": verdict,
        "per_topic": per_topic,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--save", help="write the results as JSON to this path")
    parser.add_argument("--chars", type=int, default=0, help="only the first N test characters (a quick check)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    started, load_start = time.perf_counter(), os.getloadavg()[0]
    vocab, split = load_vocabulary(), topic_split()
    by_name = dict(load_topics())
    test_topics = [by_name[n] for n in split.test_names]
    test = split.test[: args.chars] if args.chars else split.test
    train_ids, val_ids = vocab.encode(split.train).numpy(), vocab.encode(split.validation).numpy()
    test_ids = vocab.encode(test).numpy()
    starts = topic_starts(test_topics)
    starts = starts[starts < len(test_ids)]
    model, meta = load_shipped()
    choices = choices_from_validation(train_ids, val_ids, split, len(vocab))
    lr, chunk = choices["dynamic_lr"], choices["dynamic_chunk"]
    print(f"test: {len(test_ids):,} characters, {len(starts)} topics; choices: {choices}")

    rows, per_char = {}, {}
    # ---- the file format: uniform, unigram, LSTM static and dynamic ------------------------------------------
    measured = {
        "uniform": np.full(len(test_ids), math.log2(len(vocab))),
        "unigram": None,
        "lstm": char_bits(model, test_ids),
        "lstm-dynamic": dynamic_bits(model, test_ids, lr=lr, chunk_len=chunk),
    }
    names = {
        "uniform": "uniform",
        "unigram": "unigram (training frequencies, add-one)",
        "lstm": "CharLSTM shipped, static",
        "lstm-dynamic": "CharLSTM shipped, dynamic evaluation",
    }
    for method in ("uniform", "unigram", "lstm", "lstm-dynamic"):
        settings = {"lr": lr, "chunk_len": chunk} if method == "lstm-dynamic" else {}
        if method == "unigram":
            settings = {"train_ids": train_ids}
        row, bits = file_round_trip(test, method, model if method.startswith("lstm") else None, **settings)
        entropy = bits if measured[method] is None else measured[method]
        row["cross_entropy_bits_per_char"] = float(entropy.mean())
        row["gap_bits_per_char"] = row["coded_bits_per_char"] - row["cross_entropy_bits_per_char"]
        row["rounding_bits_per_char"] = row["quantized_bits_per_char"] - row["cross_entropy_bits_per_char"]
        row["coder_overhead_bits_per_char"] = row["coded_bits_per_char"] - row["quantized_bits_per_char"]
        rows[names[method]], per_char[names[method]] = row, entropy
        print(
            f"{names[method]:45} coded {row['coded_bits_per_char']:.4f}  cross-entropy "
            f"{row['cross_entropy_bits_per_char']:.4f}  round trip {row['round_trip_equal']}  {row['speed']}"
        )

    # ---- Kneser-Ney, static and adaptive: files, decoded by recomputing every row from the decoded text ----------
    for adaptive in (False, True):
        order = choices["kneser_ney_adaptive_order" if adaptive else "kneser_ney_order"]
        method = "kn-adaptive" if adaptive else "kn"
        row, bits = file_round_trip(test, method, None, train_ids=train_ids, chunk_len=order)
        kn = KneserNey(train_ids, len(vocab), order)
        entropy = kn.bits(test_ids, adaptive=adaptive)
        row["cross_entropy_bits_per_char"] = float(entropy.mean())
        row["gap_bits_per_char"] = row["coded_bits_per_char"] - row["cross_entropy_bits_per_char"]
        row["rounding_bits_per_char"] = row["quantized_bits_per_char"] - row["cross_entropy_bits_per_char"]
        row["coder_overhead_bits_per_char"] = row["coded_bits_per_char"] - row["quantized_bits_per_char"]
        name = f"Kneser-Ney{' adaptive' if adaptive else ''}, order {order}"
        rows[name], per_char[name] = row, entropy
        print(
            f"{name:45} coded {row['coded_bits_per_char']:.4f}  cross-entropy "
            f"{row['cross_entropy_bits_per_char']:.4f}  round trip {row['round_trip_equal']}  {row['speed']}"
        )
        if not adaptive:
            probs = kn.probabilities(test_ids)
            coder_check = constriction_check(probs, test_ids)
            print("coder MICRO-BENCHMARK:", coder_check)
            del probs

    # ---- compressors given the training text, per topic --------------------------------------------------------
    topics_here = test_topics[: len(starts)]
    if args.chars:
        topics_here = topics_here[:-1] + [test[starts[-1] :]]
    for name in [n for n in COMPRESSORS if not n.startswith("PPMd")] + [choices["ppmd"]]:
        topic_bits = compressor_topic_bits(split.train, topics_here, name)
        bits = spread(topic_bits, topics_here)
        label = f"{name} given the training text"
        rows[label] = {"coded_bits_per_char": float(bits.mean()), "round_trip_equal": None}
        per_char[label] = bits
        print(f"{label:45} {bits.mean():.4f}")

    # ---- differences with intervals over topics ---------------------------------------------------------------
    lstm = per_char[names["lstm-dynamic"]]
    differences = {}
    for name, bits in per_char.items():
        mean, low, high = (
            difference_interval(lstm, bits, starts=starts) if name != names["lstm-dynamic"] else (0.0, 0.0, 0.0)
        )
        _, ci_low, ci_high = bootstrap_interval(bits, starts=starts)
        rows[name]["interval"] = [ci_low, ci_high]
        if name != names["lstm-dynamic"]:
            differences[name] = {"mean": mean, "low": low, "high": high}
            verdict = "LSTM smaller" if high < 0 else "baseline smaller" if low > 0 else "no clear difference"
            differences[name]["verdict"] = verdict
            print(f"  LSTM dynamic minus {name:45} {format_with_interval(mean, low, high)}  {verdict}")

    # ---- a slice the tests rerun; the halves of each topic ------------------------------------------------------
    slice_text = test[:SLICE_CHARS]
    slice_rows = {}
    for method in ("uniform", "lstm", "lstm-dynamic"):
        settings = {"lr": lr, "chunk_len": chunk} if method == "lstm-dynamic" else {}
        data, bits = compression.compress(
            slice_text,
            method,
            model=model if method.startswith("lstm") else None,
            return_bits=True,
            progress=False,
            **settings,
        )
        slice_rows[method] = {"file_bytes": len(data), "coder_input_bits_per_char": float(bits.mean())}
    dyn_halves = halves(model, list(zip(split.test_names, test_topics, strict=True)), vocab, lr, chunk)
    print("dynamic evaluation per half:", {k: v for k, v in dyn_halves.items() if k != "per_topic"})

    result = {
        "description": "Notebook 11: models as compressors of the test topics (benchmarks/compression.py)",
        "command": "OMP_NUM_THREADS=1 python benchmarks/compression.py " + shlex.join(sys.argv[1:]),
        "test_chars": len(test_ids),
        "test_topics": split.test_names[: len(starts)],
        "choices": choices,
        "interval": "bootstrap 95% over the test topics (2000 resamples, seed 0), paired for differences",
        "coder": {"state_bits": 32, "frequency_bits": 16},
        "rows": rows,
        "lstm_dynamic_minus": differences,
        "slice": {"chars": SLICE_CHARS, "rows": slice_rows},
        "coder_check": coder_check,
        "dynamic_halves": dyn_halves,
        "model": {
            "weights_sha256": meta.get("weights_sha256"),
            "training_command": meta.get("command"),
            "model_sha256": compression.model_sha256(model),
        },
        "environment": {
            "torch_version": torch.__version__,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(),
            "python_version": platform.python_version(),
            "load_average_1min": {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)},
            "cpus": os.cpu_count(),
        },
        "seconds": round(time.perf_counter() - started),
    }
    if args.save:
        Path(args.save).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.save}")


if __name__ == "__main__":
    main()

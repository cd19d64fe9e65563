"""Graders for notebook 11's exercises (``11_prediction_is_compression``)."""

import json
import math

import numpy as np
import torch

from ..arithmetic_coding import decode, encode
from ..char_data import DATA_DIR, topic_split
from ._framework import (
    _run_learner_function,
    as_number,
    compare_number,
    correct,
    exercise,
    known_number_mistake,
    wrong,
)

TOY = {"A": 0.6, "B": 0.2, "C": 0.15, "D": 0.05}  # the four-letter toy model of the notebook
RESULTS = DATA_DIR / "compression_results.json"


@exercise(
    "11.code_length",
    "The code length of a short string",
    hints=(
        "Each letter costs -log2 of the probability the model gave it; the letters' costs add up.",
        "Look up p('D'), p('A') and p('B') in toy_model, take -math.log2 of each, and add the three.",
        "answer = -math.log2(0.05) - math.log2(0.6) - math.log2(0.2)",
    ),
    solution="""
import math

toy_model = {"A": 0.6, "B": 0.2, "C": 0.15, "D": 0.05}
answer = sum(-math.log2(toy_model[ch]) for ch in "DAB")  # bits: 4.32 + 0.74 + 2.32
""",
)
def _grade_code_length(answer):
    expected = sum(-math.log2(TOY[ch]) for ch in "DAB")
    number = as_number(answer)
    if number is not None:
        mistakes = [
            (expected * math.log(2), "That is the code length in nats (natural logarithm).", "Use math.log2."),
            (expected / 3, "That is the average per letter; the question asks for the whole string.", "Add them."),
            (-expected, "The sign is flipped: log2 of a probability is negative.", "A cost is -log2 p."),
            (
                TOY["D"] * TOY["A"] * TOY["B"],
                "That is the probability of the string, not its code length.",
                "Take -log2 of it (or of each letter's probability, then add).",
            ),
            (
                6,
                "Six whole bits is what a prefix code spends here (the fixed-length code, and also Huffman's).",
                "The ideal code length, which arithmetic coding reaches, is -log2 p per letter: not a whole number.",
            ),
        ]
        mistake = known_number_mistake(number, mistakes, rel_tol=1e-3)
        if mistake:
            return mistake
        if math.isclose(number, expected, rel_tol=1e-3):
            return correct(
                "The rare D costs more than half of the string's bits; a good model makes the likely letters cheap."
            )
    return compare_number(answer, expected, "your code length", rel_tol=1e-3, hint="Add -log2 p for each letter.")


@exercise(
    "11.uniform_size",
    "The file a uniform model writes",
    hints=(
        "A uniform model gives each of the 103 characters the same probability. What does one character cost?",
        "One character costs -log2(1/103) = log2(103) bits; multiply by the number of test characters, then "
        "convert bits to bytes.",
        "answer = len(test_text) * math.log2(103) / 8",
    ),
    solution="""
import math

from lstm_helpers.char_data import topic_split

answer = len(topic_split().test) * math.log2(103) / 8  # bytes: log2(103) bits per character
""",
)
def _grade_uniform_size(answer):
    n = len(topic_split().test)
    expected = n * math.log2(103) / 8
    number = as_number(answer)
    if number is not None:
        mistakes = [
            (expected * 8, "That is the size in bits.", "A byte holds 8 bits."),
            (
                n,
                "That is the size of the text stored as one byte per character, not the uniform model's code.",
                "The model needs log2(103) bits per character, not 8.",
            ),
            (
                n * 7 / 8,
                "That is 7 bits per character (7-bit ASCII), not the uniform model's code.",
                "The model has 103 equally likely characters.",
            ),
            (n * math.log(103) / 8, "That uses the natural logarithm.", "Bits need log2."),
            (
                n * math.ceil(math.log2(103)) / 8,
                "That is a fixed-length code of whole bits (7 per character).",
                "An arithmetic coder spends log2(103), not rounded up.",
            ),
        ]
        mistake = known_number_mistake(number, mistakes, rel_tol=2e-4)
        if mistake:
            return mistake
        if abs(number - expected) <= 8:
            return correct("About 6.69 bits per character: the bar every real model has to clear.")
    return compare_number(answer, expected, "your size in bytes", rel_tol=2e-4, hint="bits per character x count / 8")


_PROBS = np.array([0.5, 0.3, 0.19, 0.009, 0.0009, 0.0001])
_TOTAL = 1024


@exercise(
    "11.safe_frequencies",
    "Quantise probabilities without a zero",
    hints=(
        "Rounding p * total makes the rare symbols 0. What must every symbol get before the rest is shared out?",
        "Give each symbol 1 first, share the remaining total - len(probs) in proportion to probs (rounded down), "
        "then hand the few units still missing to some symbols so the sum is exactly total.",
        "f = np.floor(probs * (total - n)).astype(int) + 1; f[np.argmax(probs)] += total - f.sum()",
    ),
    solution="""
import numpy as np

def safe_frequencies(probs, total):
    probs = np.asarray(probs, dtype=float)
    n = len(probs)
    freqs = np.floor(probs / probs.sum() * (total - n)).astype(np.int64) + 1  # at least 1 each
    freqs[np.argmax(probs)] += total - freqs.sum()  # the units lost to rounding down
    return freqs
""",
    answer="safe_frequencies",
)
def _grade_safe_frequencies(fn):
    got, problem = _run_learner_function(
        fn, "11.safe_frequencies", "safe_frequencies", (_PROBS.copy(), _TOTAL), "Return one frequency per symbol."
    )
    if problem:
        return problem
    if isinstance(got, torch.Tensor):
        got = got.detach().numpy()
    freqs = np.asarray(got)
    if freqs.shape != _PROBS.shape:
        return wrong(f"Expected one frequency per symbol ({len(_PROBS)}), got shape {freqs.shape}.", "One per symbol.")
    if not np.issubdtype(freqs.dtype, np.integer):
        if not np.all(freqs == np.round(freqs)):
            return wrong("The frequencies must be whole numbers: the coder works in integers.", "Use np.floor.")
        freqs = freqs.astype(np.int64)
    zero = np.flatnonzero(freqs <= 0)
    if len(zero):
        k = int(zero[0])
        return wrong(
            f"Symbol {k} (probability {_PROBS[k]:g}) gets frequency {int(freqs[k])}: its share of the interval is "
            "empty, so when it occurs the encoder has nothing to narrow to and the decoder reads another symbol.",
            "Give every symbol at least 1 before sharing out the rest.",
        )
    if freqs.sum() != _TOTAL:
        return wrong(
            f"Your frequencies sum to {int(freqs.sum())}, not to total. Encoder and decoder divide by the same "
            "total; the course's coder needs it to be the given power of two.",
            "After flooring, give the missing units (or take the extra ones) to one symbol.",
        )
    q = freqs / _TOTAL
    cost = float((_PROBS * np.log2(_PROBS / q)).sum())  # extra bits per symbol, on average
    if cost > 0.02:
        return wrong(
            f"The frequencies are far from proportional: they cost {cost:.2f} extra bits per symbol on average.",
            "Share out total - len(probs) in proportion to probs.",
        )
    message = [0, 1, 2, 3, 4, 5, 5, 0, 4, 3]
    rows = np.tile(freqs, (len(message), 1))
    if decode(encode(message, rows), rows) != message:
        return wrong("A message through the course's coder with these frequencies did not come back.", "")
    return correct(
        f"Every symbol can be coded, and the rounding costs only {cost:.4f} extra bits per symbol on average."
    )


def _halves():
    return json.loads(RESULTS.read_text(encoding="utf-8"))["dynamic_halves"]


@exercise(
    "11.dynamic_half",
    "Predict, then measure: where does learning while reading help more?",
    hints=(
        "Dynamic evaluation starts each topic from the trained weights and takes one small step after every 50 "
        "characters. By the second half it has taken more steps on this topic; but is the first half where the "
        "model has the most to learn?",
        "Two effects pull in opposite directions: adaptation accumulates (the second half gains from everything "
        "learned so far), and the first chunks of a new topic are where the trained model fits worst (big, easy "
        "gains at once). Only a measurement over many topics, with an interval, settles it.",
        "Answer 'second' or 'first' only if the interval of (second half's saving - first half's saving) over the "
        "test topics excludes zero; otherwise 'neither'. The benchmark's dynamic_halves holds that interval.",
    ),
    solution="""
import json

from lstm_helpers.char_data import DATA_DIR

halves = json.loads((DATA_DIR / "compression_results.json").read_text())["dynamic_halves"]
d = halves["second_minus_first"]  # per topic: second half's saving minus the first half's, 95% interval over topics
answer = "second" if d["low"] > 0 else "first" if d["high"] < 0 else "neither"
""",
)
def _grade_dynamic_half(answer):
    choice = answer.strip().lower().strip("'\"") if isinstance(answer, str) else None
    if choice not in ("first", "second", "neither"):
        return wrong(f"Answer 'first', 'second' or 'neither', but got {answer!r}.", "Write e.g. answer = 'first'.")
    halves = _halves()
    d = halves["second_minus_first"]
    interval = f"{d['low']:+.2f} to {d['high']:+.2f} bits per character"
    if choice == halves["verdict"]:
        return correct(
            f"The measurement agrees: over the {halves['topics']} test topics, the second half's saving minus the "
            f"first half's lies between {interval} (95% interval over topics). Run the next cells to see it."
        )
    if halves["verdict"] == "neither":
        return wrong(
            "A reasonable prediction, but the measurement cannot tell the halves apart: the interval over the test "
            "topics includes zero.",
            "When an interval includes zero, neither half is shown to gain more: the answer the course accepts then "
            "is 'neither'.",
        )
    return wrong(
        "The measurement on the test topics says otherwise: its interval excludes your answer.",
        "Think of what the model has learned by the time it reaches each half, and of where it fits worst.",
    )

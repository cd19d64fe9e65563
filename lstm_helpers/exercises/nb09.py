"""Graders for notebook 09's exercises (the character-level language model)."""

import math

import torch

from ..char_data import Vocabulary
from ..char_model import CharLSTM, sample
from ._framework import (
    _NOT_ATTEMPTED,
    _close,
    _diagnose,
    _run_learner_function,
    as_number,
    correct,
    exercise,
    is_stub,
    pass_the_function,
    returned_none,
    wrong,
)


@exercise(
    "09.bits_per_char",
    "Bits per character by hand",
    hints=(
        "Each prediction costs -log(p) of the probability given to the character that really came next; "
        "average those costs over the characters.",
        "Bits mean logarithms to base 2: torch.log2, or the natural log divided by math.log(2).",
        "The formula: bits/char = mean over t of -log2(p_t).",
    ),
    solution="""
import torch

def bits_per_char_by_hand(p_correct):
    return -torch.log2(p_correct).mean().item()
""",
    answer="bits_per_char_by_hand",
)
def _grade_bits_per_char(fn):
    gen = torch.Generator().manual_seed(9)
    p = torch.rand(11, generator=gen, dtype=torch.float64) * 0.9 + 0.05  # (num_chars,)
    got, problem = _run_learner_function(
        fn, "09.bits_per_char", "bits_per_char_by_hand", (p,), "p_correct is 1-D: one probability per character."
    )
    if problem:
        return problem
    number = as_number(got)
    if number is None:
        return wrong(
            f"bits_per_char_by_hand(...) returned {type(got).__name__}, not one number.",
            "Average over the characters so that one number comes out (.mean(), then .item()).",
        )
    bits = -torch.log2(p)
    expected = bits.mean().item()
    mistakes = [
        (
            (-torch.log(p)).mean().item(),
            "That is the cross-entropy in nats (natural logarithm).",
            "Convert nats to bits: divide by math.log(2), or use torch.log2.",
        ),
        (
            bits.sum().item(),
            "That is the total over all characters, not the average per character.",
            "Divide by the number of characters (or use .mean()).",
        ),
        (-expected, "The sign is flipped: log2 of a probability is negative.", "Bits are -log2(p), a positive cost."),
        (2**expected, "That is the perplexity (2 to the power of the bits).", "Stop one step earlier."),
        (
            -math.log2(p.mean().item()),
            "You took the log of the average probability.",
            "Take -log2 of each probability first, then average.",
        ),
    ]
    for value, message, hint in mistakes:
        if math.isclose(number, value, rel_tol=1e-6):
            return wrong(message, hint)
    if math.isclose(number, expected, rel_tol=1e-6):
        return correct("Average surprise in bits: the score every language model in this notebook is given.")
    return wrong("Not the average bits per character yet.", "Compute -log2 of each probability, then average.")


@exercise(
    "09.temperature",
    "Probabilities at a temperature",
    hints=(
        "The temperature rescales the logits before they are turned into probabilities.",
        "Divide (not multiply) the logits by the temperature, then apply softmax over the characters.",
        "The formula: p = softmax(logits / temperature), e.g. torch.softmax(logits / temperature, dim=-1).",
    ),
    solution="""
import torch

def temperature_probs(logits, temperature):
    return torch.softmax(logits / temperature, dim=-1)
""",
    answer="temperature_probs",
)
def _grade_temperature(fn):
    if not callable(fn):
        return pass_the_function(fn, "09.temperature")
    if is_stub(fn):
        return _NOT_ATTEMPTED
    gen = torch.Generator().manual_seed(90)
    logits = torch.randn(7, generator=gen) * 2  # (vocab_size,)
    for temperature in (0.5, 2.5):
        got, problem = _run_learner_function(
            lambda z, fn=fn, t=temperature: fn(z, t),
            "09.temperature",
            "temperature_probs",
            (logits,),
            "logits is 1-D (one score per character); return one probability per character.",
        )
        if problem:
            return problem
        expected = torch.softmax(logits / temperature, dim=-1)
        if _close(got, expected):
            continue
        mistakes = [
            (
                torch.softmax(logits * temperature, dim=-1),
                "You multiplied the logits by the temperature.",
                "Divide by it: a high temperature should flatten the distribution.",
            ),
            (
                torch.softmax(logits, dim=-1),
                f"At temperature {temperature} your probabilities ignore the temperature.",
                "Use the temperature argument on the logits.",
            ),
            (
                torch.log_softmax(logits / temperature, dim=-1),
                "Those are log-probabilities (negative numbers).",
                "Use softmax, not log_softmax.",
            ),
            (torch.exp(logits / temperature), "Those do not add up to 1.", "Normalise: softmax divides by the sum."),
        ]
        feedback = _diagnose(got, expected, mistakes, f"temperature_probs(logits, {temperature})")
        if not feedback.correct:
            return feedback
    return correct("Dividing by T < 1 stretches the gaps between logits (sharper); T > 1 shrinks them (flatter).")


def _tiny_model():
    vocab = Vocabulary("abcdefgh \n")
    torch.manual_seed(909)
    model = CharLSTM(len(vocab), embedding_dim=8, hidden_size=16, dropout=0.0)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(4)  # larger weights: clear winners, no near-ties
    return model.eval(), vocab


@exercise(
    "09.greedy",
    "Temperature 0: greedy continuation",
    hints=(
        "As T goes to 0, softmax(logits / T) puts all its probability on one character. Which one?",
        "Feed the prompt, take the argmax of the last position's logits, append it, and feed that character back "
        "with the state, num_chars times.",
        "Loop: logits, state = model(ids, state); nxt = int(logits[0, -1].argmax()); ids = torch.tensor([[nxt]]). "
        "Return vocab.decode(list_of_new_ids).",
    ),
    solution="""
import torch

def greedy_continuation(model, vocab, prompt, num_chars):
    ids = vocab.encode(prompt).unsqueeze(0)  # (1, prompt_len)
    state, new = None, []
    with torch.no_grad():
        for _ in range(num_chars):
            logits, state = model(ids, state)  # (1, seq_len, vocab_size)
            nxt = int(logits[0, -1].argmax())
            new.append(nxt)
            ids = torch.tensor([[nxt]])
    return vocab.decode(new)
""",
    answer="greedy_continuation",
)
def _grade_greedy(fn):
    if not callable(fn):
        return pass_the_function(fn, "09.greedy")
    model, vocab = _tiny_model()
    prompt, num_chars = "bad cab", 30
    got = fn(model, vocab, prompt, num_chars)
    if got is ... or (got is None and is_stub(fn)):
        return _NOT_ATTEMPTED
    if got is None:
        return returned_none("greedy_continuation(...)")
    if not isinstance(got, str):
        return wrong(
            f"greedy_continuation(...) returned {type(got).__name__}, not text.",
            "Turn the ids into a string with vocab.decode(ids).",
        )
    expected = sample(model, vocab, prompt, num_chars, temperature=0)
    if got == expected:
        return correct("Temperature 0 always takes the most likely character: deterministic, and often a loop.")
    if got == prompt + expected:
        return wrong("You returned the prompt as well.", "Return only the new characters.")
    if len(got) != num_chars:
        return wrong(
            f"Expected {num_chars} new characters, got {len(got)}.", "Loop num_chars times, one character each."
        )
    again = fn(model, vocab, prompt, num_chars)
    if again != got:
        return wrong(
            "Two calls gave different text: your continuation is random.",
            "At temperature 0 nothing is drawn: take the argmax.",
        )
    first = next(i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b)
    return wrong(
        f"The first {first} characters are right, then yours differs.",
        "Feed the chosen character back together with the state from the previous step (or the whole text so far).",
    )

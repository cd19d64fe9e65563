"""Graders for notebook 09's exercises (the character-level language model)."""

import math

import torch

from ..char_data import Vocabulary
from ..char_model import CharLSTM, sample
from ._framework import (
    _NOT_ATTEMPTED,
    _run_learner_function,
    as_number,
    compare_number,
    correct,
    exercise,
    is_stub,
    pass_the_function,
    returned_none,
    wrong,
)


@exercise(
    "09.bits_from_logits",
    "Bits per character from a model's logits",
    hints=(
        "Turn each row of logits into log-probabilities, pick the one of the character that really came next, "
        "and average the costs.",
        "torch.log_softmax(logits, dim=-1) gives natural-log probabilities; index them with "
        "[torch.arange(len(targets)), targets]; nats become bits when divided by math.log(2).",
        "The formula: bits/char = -mean_t log_softmax(logits)[t, targets[t]] / ln 2.",
    ),
    solution="""
import math

import torch

def bits_per_char_from_logits(logits, targets):
    log_probs = torch.log_softmax(logits, dim=-1)  # (num_chars, vocab_size)
    nats = -log_probs[torch.arange(len(targets)), targets].mean()
    return (nats / math.log(2)).item()
""",
    answer="bits_per_char_from_logits",
)
def _grade_bits_from_logits(fn):
    gen = torch.Generator().manual_seed(9)
    logits = torch.randn(13, 6, generator=gen, dtype=torch.float64) * 2  # (num_chars, vocab_size)
    targets = torch.randint(0, 6, (13,), generator=gen)  # (num_chars,)
    got, problem = _run_learner_function(
        fn,
        "09.bits_from_logits",
        "bits_per_char_from_logits",
        (logits, targets),
        "logits is (num_chars, vocab_size) and targets is (num_chars,): one row of scores per character.",
    )
    if problem:
        return problem
    number = as_number(got)
    if number is None:
        return wrong(
            f"bits_per_char_from_logits(...) returned {type(got).__name__}, not one number.",
            "Average over the characters so that one number comes out (.mean(), then .item()).",
        )
    rows = torch.arange(len(targets))
    log_probs = torch.log_softmax(logits, dim=-1)
    nats = -log_probs[rows, targets]  # (num_chars,)
    expected = (nats.mean() / math.log(2)).item()
    mistakes = [
        (
            nats.mean().item(),
            "That is the cross-entropy in nats (natural logarithm).",
            "Convert nats to bits: divide by math.log(2).",
        ),
        (
            (nats.sum() / math.log(2)).item(),
            "That is the total over all characters, not the average per character.",
            "Divide by the number of characters (or use .mean()).",
        ),
        (-expected, "The sign is flipped: the log of a probability is negative.", "The cost is -log p, positive."),
        (2**expected, "That is the perplexity (2 to the power of the bits).", "Stop one step earlier."),
        (
            (-logits[rows, targets]).mean().item() / math.log(2),
            "You used the raw logits as log-probabilities.",
            "Logits are unnormalised: apply log_softmax over the characters first.",
        ),
    ]
    for value, message, hint in mistakes:
        if math.isclose(number, value, rel_tol=1e-6):
            return wrong(message, hint)
    if math.isclose(number, expected, rel_tol=1e-6):
        return correct("Average surprise in bits: the score of every model in this notebook.")
    return wrong(
        "Not the average bits per character yet.",
        "For each row, take the log-probability of that row's target (not of the most likely character), then average.",
    )


@exercise(
    "09.hot_limit",
    "Predict: a very high temperature",
    hints=(
        "As T grows, logits / T shrinks towards 0 for every character. What does softmax do with equal scores?",
        "Equal scores give equal probabilities. Perplexity counts how many equally likely choices that is.",
        "Softmax of equal scores is uniform over the whole vocabulary, so the perplexity is the vocabulary size.",
    ),
    solution="""
from lstm_helpers.char_data import load_vocabulary

answer = len(load_vocabulary())  # T -> infinity: every character equally likely, perplexity = vocabulary size
""",
)
def _grade_hot_limit(answer):
    number = as_number(answer)
    if number is None:
        return compare_number(answer, 103, "your perplexity")
    if math.isclose(number, math.log2(103), rel_tol=1e-3):
        return wrong("That is the uniform model in bits per character.", "Perplexity is 2 to the power of the bits.")
    if math.isclose(number, 1):
        return wrong(
            "A perplexity of 1 is the other limit, T -> 0: one certain character.",
            "A very high temperature flattens the distribution instead.",
        )
    if number == 0:
        return wrong(
            "Perplexity is never below 1: at least one character is possible.", "Think of a flat distribution."
        )
    if math.isclose(number, 103):
        return correct("Dividing by a huge T makes every logit about 0: all 103 characters equally likely, noise.")
    return wrong(f"{number:g} is not the limit.", "Take T to infinity in softmax(logits / T) and count the choices.")


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

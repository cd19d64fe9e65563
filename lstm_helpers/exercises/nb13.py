"""Graders, hints and worked solutions for notebook 13's exercises."""

import math

import torch

from ._framework import (
    Feedback,
    _run_learner_function,
    _unfinished,
    as_number,
    correct,
    exercise,
    undiagnosed,
    wrong,
)

# Exercise 1: one query against three keys (d = 4), weights by hand
QUERY = (1.0, 0.0, 1.0, 0.0)
KEYS = ((2.0, 0.0, 2.0, 0.0), (0.0, 1.0, 0.0, 1.0), (1.0, 1.0, 0.0, 0.0))


def _weights(scale=True, softmax=True):
    q, k = torch.tensor(QUERY, dtype=torch.float64), torch.tensor(KEYS, dtype=torch.float64)
    scores = k @ q / (math.sqrt(len(QUERY)) if scale else 1.0)  # (3,)
    return torch.softmax(scores, 0) if softmax else scores


def _as_vector(answer, size, what):
    """``answer`` as a float64 tensor of ``size`` numbers, or a ``Feedback`` saying why it is not one."""
    if _unfinished(answer) or (isinstance(answer, (list, tuple)) and any(v is ... for v in answer)):
        raise NotImplementedError
    try:
        got = torch.as_tensor(answer, dtype=torch.float64).flatten()
    except (TypeError, ValueError, RuntimeError):
        return wrong(f"{what} should be {size} numbers, but got {answer!r}.", "Write a list such as [0.1, 0.2, 0.7].")
    if got.numel() != size:
        return wrong(f"{what} has {got.numel()} numbers, but there is one per key: {size}.", "One weight per key.")
    return got


@exercise(
    "13.attention_weights",
    "Attention weights by hand",
    hints=(
        "Three steps: a score per key, scale the scores, then turn them into weights that sum to 1.",
        "Each score is the dot product q · k_j, divided by sqrt(d) with d = 4 numbers per vector; then softmax.",
        "alpha_j = exp(s_j) / sum_i exp(s_i) with s_j = (q · k_j) / sqrt(4); the dot products are 4, 0 and 1.",
    ),
    solution="""
import math

q = [1.0, 0.0, 1.0, 0.0]
keys = [[2.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 0.0, 0.0]]
scores = [sum(a * b for a, b in zip(q, k)) / math.sqrt(len(q)) for k in keys]  # q · k_j / sqrt(d)
total = sum(math.exp(s) for s in scores)
answer = [math.exp(s) / total for s in scores]  # softmax: positive, sums to 1
""",
)
def _grade_attention_weights(answer):
    got = _as_vector(answer, len(KEYS), "Your weights")
    if isinstance(got, Feedback):
        return got
    if torch.allclose(got, _weights(), atol=2e-3):
        return correct("These are the weights: the first key points the same way as the query and takes most of it.")
    if torch.allclose(got, _weights(scale=False), atol=2e-3):
        return wrong(
            "These are the softmax of the unscaled scores: the weights are too peaked.",
            "Divide each dot product by sqrt(d), d = 4, before the softmax.",
        )
    if torch.allclose(got, _weights(softmax=False), atol=2e-3) or torch.allclose(
        got, _weights(False, False), atol=2e-3
    ):
        return wrong("These are scores, not weights: they do not sum to 1.", "Apply the softmax to the scores.")
    if not math.isclose(float(got.sum()), 1.0, abs_tol=2e-3):
        return wrong(
            f"Your weights sum to {float(got.sum()):.3f}; attention weights always sum to 1.",
            "Use the softmax: exp of each score divided by the sum of the exps.",
        )
    return undiagnosed(
        "Your weights sum to 1 but are not the softmax of the scaled scores.",
        "Recompute each dot product q · k_j, then divide by sqrt(4) = 2.",
    )


SHAPE_CASE = dict(batch_size=32, src_len=12, hidden_size=64, embedding_dim=16, vocab_size=13)
SHAPE_NAMES = ("embedded", "h", "weights", "context", "logits")


def _expected_shapes(batch_size, src_len, hidden_size, embedding_dim, vocab_size):
    return {
        "embedded": (batch_size, 1, embedding_dim),  # the previous token, embedded
        "h": (batch_size, 1, hidden_size),  # the decoder's new hidden state: the query
        "weights": (batch_size, 1, src_len),  # one weight per input position
        "context": (batch_size, 1, hidden_size),  # weighted average of the encoder outputs
        "logits": (batch_size, 1, vocab_size),  # scores for the next token, from [h, context]
    }


@exercise(
    "13.decoder_shapes",
    "The shape of every tensor in one decoder step",
    hints=(
        "Follow one step of Seq2Seq.decode with batch_first=True: every tensor starts (batch_size, 1, ...).",
        "The attention weights have one number per input position; the context is an average of encoder outputs, "
        "so it has the encoder's width.",
        "embedded (B, 1, E), h (B, 1, H), weights (B, 1, S), context (B, 1, H), logits (B, 1, V), with S = src_len.",
    ),
    solution="""
B, S, H, E, V = 32, 12, 64, 16, 13  # batch_size, src_len, hidden_size, embedding_dim, vocab_size
answer = {
    "embedded": (B, 1, E),  # the previous token, embedded: one step
    "h": (B, 1, H),  # the decoder LSTM's output for that step: the query
    "weights": (B, 1, S),  # softmax over the S encoder positions
    "context": (B, 1, H),  # weights @ encoder outputs (B, S, H)
    "logits": (B, 1, V),  # readout of [h, context]: (B, 1, 2H) -> (B, 1, V)
}
""",
)
def _grade_decoder_shapes(answer):
    if _unfinished(answer):
        raise NotImplementedError
    if not isinstance(answer, dict):
        return wrong(
            f"Your answer should be a dict of shapes, but it is {type(answer).__name__}.",
            "Fill in the dict: answer = {'embedded': (...), 'h': (...), ...}.",
        )
    missing = [name for name in SHAPE_NAMES if name not in answer]
    if missing:
        return wrong(f"Your dict has no entry for {', '.join(missing)}.", f"Give all five: {', '.join(SHAPE_NAMES)}.")
    expected = _expected_shapes(**SHAPE_CASE)
    c = SHAPE_CASE
    for name in SHAPE_NAMES:
        value = answer[name]
        if _unfinished(value) or (isinstance(value, tuple) and any(v is ... for v in value)):
            raise NotImplementedError
        try:
            got = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            return wrong(
                f"{name}: {value!r} is not a shape.", "Write a shape as a tuple of whole numbers, e.g. (32, 1, 64)."
            )
        if got == expected[name]:
            continue
        if len(got) == 2:
            return wrong(
                f"{name} has no step dimension.",
                "With batch_first=True the decoder's tensors are "
                "(batch_size, steps, ...), and one step means steps = 1.",
            )
        if name == "weights" and c["hidden_size"] in got:
            return wrong(
                "The weights have one number per input position, not per hidden unit.",
                "How many encoder outputs does the query compare itself with?",
            )
        if name == "context" and c["src_len"] in got:
            return wrong(
                "The context is ONE weighted average of the encoder outputs per step, not one per position.",
                "Averaging over the input positions removes that dimension.",
            )
        if name == "logits" and 2 * c["hidden_size"] in got:
            return wrong(
                "That is the read-out's input [h, context], not its output.",
                "The read-out maps it to one score per token of the vocabulary.",
            )
        return undiagnosed(f"{name} has the wrong shape.", "Write down what each dimension of it counts.")
    return correct(
        "Every shape is right: the query is one step wide, the weights span the input, the context does not."
    )


_POSITION_CASES = ((10, 3), (4, 1), (16, 16), (7, 4), (12, 9))


@exercise(
    "13.reverse_position",
    "Which input position does the decoder attend to when reversing?",
    hints=(
        "Write out a short case: input 1 2 3 4, output 4 3 2 1. Output step 1 copies which input position?",
        "Output step t copies the t-th digit from the END of the input. Count positions from 1.",
        "position = length + 1 - step.",
    ),
    solution="""
def attended_position(length, step):
    return length + 1 - step  # output step t copies the t-th input digit from the end (both counted from 1)
""",
    answer="attended_position",
)
def _grade_reverse_position(answer):
    for length, step in _POSITION_CASES:
        call = f"attended_position({length}, {step})"
        result, feedback = _run_learner_function(
            answer, "13.reverse_position", "attended_position", (length, step), "Take two whole numbers and return one."
        )
        if feedback is not None:
            return feedback
        got = as_number(result)
        if got is None:
            return wrong(f"{call} returned {type(result).__name__}, not a number.", "Return a whole number.")
        want = length + 1 - step
        if got == want:
            continue
        if got == want - 1:
            return wrong(f"{call} is one too small: counted from 0?", "The course counts positions from 1.")
        if got == step:
            return wrong(
                f"{call} points at the same position as the output step: that is copying, not reversing.",
                "The first output digit is the LAST input digit.",
            )
        if got == want + 1:
            return wrong(f"{call} is one too large.", "Check the first output step: it must point at the last digit.")
        return undiagnosed(f"{call} is not right yet.", "Try length 4, steps 1 to 4, on paper.")
    return correct("Output step t looks at input position length + 1 - t: the diagonal of the heatmap, flipped.")

"""The graders of notebook 13's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest

from lstm_helpers.exercises import grade, list_exercises
from lstm_helpers.exercises.nb13 import KEYS, QUERY, SHAPE_CASE, _expected_shapes


def test_notebook_13_has_three_exercises():
    assert list_exercises("13") == ["13.attention_weights", "13.decoder_shapes", "13.reverse_position"]


def _weights(scale=2.0):
    scores = [sum(a * b for a, b in zip(QUERY, k, strict=True)) / scale for k in KEYS]
    total = sum(math.exp(s) for s in scores)
    return [math.exp(s) / total for s in scores]


def test_attention_weights():
    assert grade("13.attention_weights", _weights()).status == "correct"
    assert grade("13.attention_weights", [round(w, 3) for w in _weights()]).status == "correct"
    assert grade("13.attention_weights", ...).status == "not attempted"
    assert grade("13.attention_weights", [..., ..., ...]).status == "not attempted"
    unscaled = grade("13.attention_weights", _weights(scale=1.0))
    assert unscaled.status == "wrong" and "unscaled" in unscaled.message
    scores = grade("13.attention_weights", [2.0, 0.0, 0.5])
    assert scores.status == "wrong" and "scores, not weights" in scores.message
    assert "one per key" in grade("13.attention_weights", [0.5, 0.5]).message
    assert "sum to 1" in grade("13.attention_weights", [0.6, 0.3, 0.3]).message
    for feedback in (unscaled, scores):  # feedback never gives the weights away
        assert not any(f"{w:.2f}" in feedback.message + feedback.hint for w in _weights())


def test_decoder_shapes():
    right = _expected_shapes(**SHAPE_CASE)
    assert grade("13.decoder_shapes", right).status == "correct"
    assert grade("13.decoder_shapes", {k: list(v) for k, v in right.items()}).status == "correct"
    assert grade("13.decoder_shapes", ...).status == "not attempted"
    assert grade("13.decoder_shapes", {"embedded": ..., "h": ..., "weights": ..., "context": ..., "logits": ...}
                 ).status == "not attempted"
    B, S, H = SHAPE_CASE["batch_size"], SHAPE_CASE["src_len"], SHAPE_CASE["hidden_size"]
    cases = {
        "weights": ((B, 1, H), "input position"),
        "context": ((B, S, H), "ONE weighted average"),
        "logits": ((B, 1, 2 * H), "read-out's input"),
        "h": ((B, H), "no step dimension"),
    }
    for name, (shape, fragment) in cases.items():
        feedback = grade("13.decoder_shapes", {**right, name: shape})
        assert feedback.status == "wrong" and fragment in feedback.message, (name, feedback)
    assert "no entry" in grade("13.decoder_shapes", {"h": (B, 1, H)}).message


def test_reverse_position():
    assert grade("13.reverse_position", lambda length, step: length + 1 - step).status == "correct"
    assert "counted from 0" in grade("13.reverse_position", lambda length, step: length - step).message
    assert "copying" in grade("13.reverse_position", lambda length, step: step).message
    assert "too large" in grade("13.reverse_position", lambda length, step: length + 2 - step).message

    def forgot_return(length, step):
        length + 1 - step  # noqa: B018

    assert "return" in grade("13.reverse_position", forgot_return).message


@pytest.mark.parametrize("key", ["13.attention_weights", "13.decoder_shapes", "13.reverse_position"])
def test_feedback_never_says_correct_for_placeholders(key):
    assert grade(key, ...).status == "not attempted"

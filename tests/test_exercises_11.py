"""The graders of notebook 11's exercises: worked solutions pass, typical mistakes get specific feedback."""

import json
import math

import numpy as np
from exercise_cases import feedback_test, worked_solution

from lstm_helpers.arithmetic_coding import quantize
from lstm_helpers.char_data import topic_split
from lstm_helpers.exercises import grade, list_exercises
from lstm_helpers.exercises.nb11 import RESULTS

DAB = -math.log2(0.05) - math.log2(0.6) - math.log2(0.2)
N = len(topic_split().test)
UNIFORM = N * math.log2(103) / 8


def test_notebook_11_has_four_exercises():
    assert list_exercises("11") == ["11.code_length", "11.uniform_size", "11.safe_frequencies", "11.dynamic_half"]


def test_worked_solutions_pass():
    for key in list_exercises("11"):
        assert grade(key, worked_solution(key)).correct, key


test_feedback_status_and_message = feedback_test(
    [
        ("11.code_length", DAB, "correct", "rare D"),
        ("11.code_length", ..., "not attempted", ""),
        ("11.code_length", DAB * math.log(2), "wrong", "nats"),
        ("11.code_length", DAB / 3, "wrong", "average per letter"),
        ("11.code_length", -DAB, "wrong", "sign"),
        ("11.code_length", 0.05 * 0.6 * 0.2, "wrong", "probability of the string"),
        ("11.code_length", 6, "wrong", "prefix code"),
        ("11.code_length", 5.0, "wrong", "not right yet"),
        ("11.code_length", "7.4", "wrong", "number"),
        ("11.uniform_size", UNIFORM, "correct", "6.69 bits"),
        ("11.uniform_size", math.ceil(UNIFORM), "correct", ""),
        ("11.uniform_size", UNIFORM * 8, "wrong", "in bits"),
        ("11.uniform_size", N, "wrong", "one byte per character"),
        ("11.uniform_size", N * 7 / 8, "wrong", "7 bits"),
        ("11.uniform_size", N * math.log(103) / 8, "wrong", "natural logarithm"),
        ("11.uniform_size", 1000, "wrong", "not right yet"),
        ("11.dynamic_half", "maybe", "wrong", "'first', 'second' or 'neither'"),
        ("11.dynamic_half", ..., "not attempted", ""),
    ]
)


def _floor_then_largest(probs, total):
    probs = np.asarray(probs, dtype=float)
    freqs = np.floor(probs * (total - len(probs))).astype(int) + 1
    freqs[np.argmax(probs)] += total - freqs.sum()
    return freqs


def test_safe_frequencies_correct_and_typical_mistakes():
    assert grade("11.safe_frequencies", _floor_then_largest).correct
    assert grade("11.safe_frequencies", lambda p, t: quantize(p, t)).correct
    assert grade("11.safe_frequencies", lambda p, t: list(_floor_then_largest(p, t))).correct
    rounded = grade("11.safe_frequencies", lambda p, t: np.round(p * t).astype(int))
    assert rounded.status == "wrong" and "frequency 0" in rounded.message and "empty" in rounded.message
    plus_one = grade("11.safe_frequencies", lambda p, t: np.floor(p * t).astype(int) + 1)
    assert plus_one.status == "wrong" and "sum to" in plus_one.message
    floats = grade("11.safe_frequencies", lambda p, t: p * t)
    assert floats.status == "wrong" and "whole numbers" in floats.message
    flat = grade("11.safe_frequencies", lambda p, t: np.full(len(p), t // len(p)) + np.eye(len(p), dtype=int)[0] * 4)
    assert flat.status == "wrong" and "proportional" in flat.message
    assert "one frequency per symbol" in grade("11.safe_frequencies", lambda p, t: np.array([t])).message.lower()

    def safe_frequencies(probs, total):
        raise NotImplementedError  # your code here

    assert grade("11.safe_frequencies", safe_frequencies).status == "not attempted"

    def forgot_return(probs, total):
        _floor_then_largest(probs, total)

    assert "return" in grade("11.safe_frequencies", forgot_return).message


def test_dynamic_half_follows_the_stored_measurement():
    halves = json.loads(RESULTS.read_text())["dynamic_halves"]
    d = halves["second_minus_first"]
    verdict = "second" if d["low"] > 0 else "first" if d["high"] < 0 else "neither"
    assert halves["verdict"] == verdict
    assert grade("11.dynamic_half", verdict).correct
    assert grade("11.dynamic_half", verdict.upper()).correct
    for other in {"first", "second", "neither"} - {verdict}:
        assert grade("11.dynamic_half", other).status == "wrong"

"""The graders of notebook 04's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest
import torch
from exercise_cases import feedback_test

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_04_has_five_exercises():
    assert list_exercises("04") == ["04.hold", "04.predict_forget", "04.half_life", "04.first_spike", "04.switch"]


# --- 04.hold ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        {"b_f": 6.0, "wx_f": 0.0, "wh_f": 0.0, "b_i": -6.0, "wx_i": 0.0, "wh_i": 0.0},
        {"b_f": 8, "b_i": -8},  # strong biases beat the default weights of 1
        {"b_f": 6.0, "b_i": -6.0},
    ],
)
def test_hold_accepts_settings_that_keep_c(answer):
    feedback = grade("04.hold", answer)
    assert feedback.status == "correct", feedback
    assert "holds its memory" in feedback.message


@pytest.mark.parametrize(
    ("answer", "words", "hint"),
    [
        ({"b_f": -6.0, "b_i": 6.0}, "f = 0.0", "forget gate"),  # overwrite instead of hold
        ({"b_f": 6.0}, "lets the candidate in", "input gate"),  # forgot to close the input gate
        ({"b_f": 1.0, "b_i": -6.0}, "f = ", "b_f"),  # forget gate not open enough
    ],
)
def test_hold_explains_which_gate_is_wrong(answer, words, hint):
    feedback = grade("04.hold", answer)
    assert feedback.status == "wrong"
    assert words in feedback.message and hint in feedback.hint


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ([6.0, -6.0], "dict"),
        ({"forget_bias": 6.0}, "not slider names"),
        ({"b_f": 20.0, "b_i": -20.0}, "outside the sliders' range"),
        ({"b_f": "6"}, "finite number"),
        ({"b_f": float("nan")}, "finite number"),
    ],
)
def test_hold_rejects_malformed_answers_kindly(answer, words):
    feedback = grade("04.hold", answer)
    assert feedback.status == "wrong" and words in feedback.message


def test_hold_not_attempted():
    assert grade("04.hold", ...).status == "not attempted"
    assert grade("04.hold", {"b_f": ...}).status == "not attempted"


# --- 04.half_life -----------------------------------------------------------------------------------------------


def test_half_life_correct():
    feedback = grade("04.half_life", lambda f: math.log(0.5) / math.log(f))
    assert feedback.status == "correct" and "280" in feedback.message
    assert grade("04.half_life", lambda f: math.log(2) / -math.log(f)).correct


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda f: math.log(2) / math.log(f), "wrong sign"),
        (lambda f: f**0.5, "not a number of steps"),
        (lambda f: math.log(0.5) / math.log(f) / 2, "has not fallen to half"),
        (lambda f: math.log10(0.5) / f, "has not fallen to half"),
        (lambda f: "69", "not a number"),
        (4.0, "function itself"),
    ],
)
def test_half_life_wrong(answer, words):
    feedback = grade("04.half_life", answer)
    assert feedback.status == "wrong" and words in feedback.message
    assert "69.3" not in str(feedback) and "277" not in str(feedback)  # never prints a right half-life


def test_half_life_not_attempted_and_errors():
    def unfinished(f):
        raise NotImplementedError

    assert grade("04.half_life", unfinished).status == "not attempted"
    assert grade("04.half_life", lambda f: None).status == "not attempted"
    crashing = grade("04.half_life", lambda f: math.log(-f))
    assert crashing.status == "wrong" and "ValueError" in crashing.message


# --- 04.first_spike: a prediction on a sequence the notebook has not run (spikes at t = 4, 5, 10) -----------------


FIRST_SPIKE_CASES = [
        (4, "correct", "Only at t = 4"),
        (4.0, "correct", ""),
        (3, "wrong", "Did you count from 0"),  # the code's row number: time steps are counted from 1
        (3, "wrong", "counted from 1"),
        (9, "wrong", "Did you count from 0"),
        (5, "wrong", "already stored a spike"),
        (10, "wrong", "gate stays shut"),
        (7, "wrong", "no spike"),
        (13, "wrong", "outside the sequence"),
        ("four", "wrong", "whole time step"),
        (..., "not attempted", ""),
]
test_first_spike = feedback_test([("04.first_spike", *case) for case in FIRST_SPIKE_CASES])


def test_first_spike_answer_is_what_the_lstm_does():
    from lstm_helpers.cells import run_lstm
    from lstm_helpers.exercises.nb04 import FIRST_SPIKE_SEQUENCE
    from lstm_helpers.time_explorer import spike_sequence, spike_weights

    seq_len, spikes = FIRST_SPIKE_SEQUENCE
    opens = (run_lstm(spike_sequence(seq_len, spikes), spike_weights()).i[:, 0] > 0.5).nonzero().flatten()
    assert opens.tolist() == [spikes[0] - 1]  # row 3 = time step 4: only the first spike opens the gate


# --- 04.predict_forget: predict, then slide b(f) in the explorer ----------------------------------------------------


PREDICT_FORGET_CASES = [
        (0.5, "correct", "σ(0) = 0.5"),
        (0.502, "correct", ""),
        (1.0, "wrong", "no longer near 1"),
        (0.999, "wrong", "no longer near 1"),
        (0.0, "wrong", "does not shut the forget gate"),
        (0.76, "wrong", "input gate is still shut"),
        (1.26, "wrong", "input gate is still shut"),
        (0.25, "wrong", "not what the cell computes"),
        ("half", "wrong", "should be a number"),
        (..., "not attempted", ""),
]
test_predict_forget = feedback_test([("04.predict_forget", *case) for case in PREDICT_FORGET_CASES])


# --- 04.switch: a hand-wired one-unit LSTM, run on new random spike sequences -------------------------------------

SWITCH = {
    "wx_f": 12.0, "wh_f": 0.0, "b_f": 6.0,
    "wx_i": 12.0, "wh_i": 0.0, "b_i": -6.0,
    "wx_C": 3.0, "wh_C": 0.0, "b_C": 0.0,
    "wx_o": 0.0, "wh_o": 0.0, "b_o": 4.0,
}


SWITCH_CASES = [
        (SWITCH, "correct", "40 new random sequences"),
        (SWITCH | {"wx_f": 20.0, "b_f": 8.0, "wx_C": 5.0}, "correct", ""),
        ({name: ... for name in SWITCH}, "not attempted", ""),
        (..., "not attempted", ""),
        (SWITCH | {"b_o": ...}, "wrong", "'b_o' is still `...`"),
        ({k: v for k, v in SWITCH.items() if k != "wh_C"}, "wrong", "missing: wh_C"),
        (SWITCH | {"w_f": 1.0}, "wrong", "not parameter names"),
        (SWITCH | {"wx_f": 0.0}, "wrong", "forget gate has to shut when x = −1"),  # −1 does not wipe
        (SWITCH | {"b_f": 0.0}, "wrong", "memory faded"),  # f = 0.5 while quiet
        (SWITCH | {"wx_i": 0.0}, "wrong", "does not switch the memory on"),  # i never opens
        (SWITCH | {"b_o": -4.0}, "wrong", "output gate must let c through"),
        (SWITCH | {"b_C": 1.0, "b_i": 0.0}, "wrong", "nothing may be written"),  # writes while quiet
        (SWITCH | {"wx_i": 0.0, "b_i": 6.0}, "wrong", "input gate must stay shut"),  # writes −1
        ([12.0, 6.0], "wrong", "dict"),
        (SWITCH | {"b_f": "6"}, "wrong", "finite number"),
]
test_switch = feedback_test([("04.switch", *case) for case in SWITCH_CASES])


def test_switch_sequences_cover_every_situation():
    from lstm_helpers.exercises.nb04 import _switch_sequences

    x = torch.cat(_switch_sequences())  # (40 * seq_len, 1)
    assert {-1.0, 0.0, 1.0} == set(x.flatten().tolist())
    assert (x == 1).sum() > 100 and (x == -1).sum() > 100

"""The graders of notebook 08's exercises: correct answers pass, typical mistakes get specific feedback."""

import pytest
import torch
from exercise_cases import worked_solution

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_08_has_three_exercises():
    assert list_exercises("08") == ["08.step_unit", "08.first_forget_gate", "08.joint_coverage"]


@pytest.mark.parametrize("key", ["08.step_unit", "08.first_forget_gate", "08.joint_coverage"])
def test_solution_and_hints(key, capsys):
    """The worked solution passes its grader; hints escalate; nothing is shown unasked."""
    from lstm_helpers.exercises import hint, solution
    from lstm_helpers.exercises._framework import _REGISTRY

    ex = _REGISTRY[key]
    assert len(ex.hints) >= 2
    answer = worked_solution(key)
    capsys.readouterr()
    assert grade(key, answer).correct
    hint(key)
    assert "Hint 1 of" in capsys.readouterr().out
    solution(key)
    assert "worked solution" in capsys.readouterr().out


# --- 08.step_unit -----------------------------------------------------------------------------------------------


def _correlations(H, steps):
    Hc, sc = H - H.mean(0), steps - steps.mean()
    return (Hc * sc[:, None]).sum(0) / torch.sqrt((Hc**2).sum(0) * (sc**2).sum())  # (hidden_size,)


def test_step_unit_correct():
    feedback = grade("08.step_unit", lambda H, steps: int(_correlations(H, steps).abs().argmax()))
    assert feedback.status == "correct" and "largest |correlation|" in feedback.message
    as_tensor = grade("08.step_unit", lambda H, steps: _correlations(H, steps).abs().argmax())  # a 0-d tensor
    assert as_tensor.correct


def test_step_unit_wrong_answers():
    signed = grade("08.step_unit", lambda H, steps: int(_correlations(H, steps).argmax()))
    assert signed.status == "wrong" and "largest positive correlation" in signed.message
    assert "absolute" in signed.hint
    always_4 = grade("08.step_unit", lambda H, steps: 4)  # right on the first data set only: a fixed guess fails
    assert always_4.status == "wrong"
    largest_value = grade("08.step_unit", lambda H, steps: 5)
    assert largest_value.status == "wrong" and "not the one" in largest_value.message
    several = grade("08.step_unit", lambda H, steps: _correlations(H, steps).abs())
    assert several.status == "wrong" and "one unit index" in several.message
    shapes = grade("08.step_unit", lambda H, steps: int((H @ steps).argmax()))
    assert shapes.status == "wrong" and "shapes" in shapes.message


def test_step_unit_rejects_wrong_methods():
    """Methods that are not a correlation pick a different unit on the grader's data, and are named."""
    largest_spread = grade("08.step_unit", lambda H, steps: int(H.std(0).argmax()))
    assert largest_spread.status == "wrong" and "vary the most" in largest_spread.message
    uncentred = grade("08.step_unit", lambda H, steps: (H * steps[:, None]).sum(0).abs().argmax())
    assert uncentred.status == "wrong" and "without centring" in uncentred.message

    def covariance(H, steps):
        return int(((H - H.mean(0)) * (steps - steps.mean())[:, None]).sum(0).abs().argmax())

    cov = grade("08.step_unit", covariance)
    assert cov.status == "wrong" and "covariance" in cov.message


def test_step_unit_data_separates_every_method():
    from lstm_helpers.exercises.nb08 import _step_unit_data

    H, steps, _ = _step_unit_data(4, 7)
    Hc, sc = H - H.mean(0), steps - steps.mean()
    r = _correlations(H, steps)
    picks = [int(r.abs().argmax()), int(H.std(0).argmax()), int((H * steps[:, None]).sum(0).abs().argmax()),
             int((Hc * sc[:, None]).sum(0).abs().argmax()), int(r.argmax())]
    assert picks[0] == 4 and len(set(picks)) == 5, picks


def test_step_unit_not_attempted():
    def unfinished(H, steps):
        raise NotImplementedError

    assert grade("08.step_unit", unfinished).status == "not attempted"
    assert grade("08.step_unit", lambda H, steps: ...).status == "not attempted"
    assert "function itself" in grade("08.step_unit", 4).message


# --- 08.first_forget_gate ---------------------------------------------------------------------------------------


def _gate(lstm, x0, rows, both_biases=True, squash=torch.sigmoid):
    z = lstm.weight_ih_l0[rows] @ x0 + lstm.bias_ih_l0[rows]
    if both_biases:
        z = z + lstm.bias_hh_l0[rows]
    return squash(z)


def test_first_forget_gate_correct():
    def first_forget_gate(lstm, x0):
        H = lstm.hidden_size
        return _gate(lstm, x0, slice(H, 2 * H))

    assert grade("08.first_forget_gate", first_forget_gate).correct


def test_first_forget_gate_typical_mistakes():
    def input_rows(lstm, x0):
        return _gate(lstm, x0, slice(0, lstm.hidden_size))

    def no_sigmoid(lstm, x0):
        H = lstm.hidden_size
        return _gate(lstm, x0, slice(H, 2 * H), squash=lambda z: z)

    def one_bias(lstm, x0):
        H = lstm.hidden_size
        return _gate(lstm, x0, slice(H, 2 * H), both_biases=False)

    def all_rows(lstm, x0):
        return _gate(lstm, x0, slice(None))

    def with_tanh(lstm, x0):
        H = lstm.hidden_size
        return _gate(lstm, x0, slice(H, 2 * H), squash=torch.tanh)

    def candidate_rows(lstm, x0):
        H = lstm.hidden_size
        return _gate(lstm, x0, slice(2 * H, 3 * H))

    for fn, words in ((input_rows, "input gate"), (no_sigmoid, "sigmoid is missing"), (one_bias, "bias_hh_l0"),
                      (with_tanh, "tanh"), (candidate_rows, "2H to 3H")):
        feedback = grade("08.first_forget_gate", fn)
        assert feedback.status == "wrong" and words in feedback.message, (fn.__name__, feedback)
    shape = grade("08.first_forget_gate", all_rows)
    assert shape.status == "wrong" and "shape" in shape.message
    assert grade("08.first_forget_gate", lambda lstm, x0: None).status == "not attempted"


# --- 08.joint_coverage -----------------------------------------------------------------------------------------


def test_joint_coverage_choice():
    assert grade("08.joint_coverage", "b").correct
    assert grade("08.joint_coverage", " (B) ").correct
    assert "interpolation" in grade("08.joint_coverage", "a").message
    assert "(4, 4) itself" in grade("08.joint_coverage", "c").message
    assert "one letter" in grade("08.joint_coverage", 2).message
    assert grade("08.joint_coverage", ...).status == "not attempted"


def test_joint_coverage_answer_agrees_with_the_explorer():
    from lstm_helpers.arithmetic import train_arithmetic_lstm
    from lstm_helpers.sequence_explorer import coverage_note

    result = train_arithmetic_lstm(num_epochs=1, progress=False)
    warned = {letter: coverage_note(w, result) is not None
              for letter, w in {"a": [2.5, 5, 7.5, 10], "b": [19, 20, 21, 22], "c": [4, 8, 12, 16]}.items()}
    assert warned == {"a": False, "b": True, "c": False}

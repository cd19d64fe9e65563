"""The graders of notebook 08's exercises: correct answers pass, typical mistakes get specific feedback."""

import torch

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_08_has_three_exercises():
    assert list_exercises("08") == ["08.step_unit", "08.first_forget_gate", "08.saturation"]


# --- 07.step_unit -----------------------------------------------------------------------------------------------


def _correlations(H, steps):
    Hc, sc = H - H.mean(0), steps - steps.mean()
    return (Hc * sc[:, None]).sum(0) / torch.sqrt((Hc**2).sum(0) * (sc**2).sum())  # (hidden_size,)


def test_step_unit_correct():
    feedback = grade("08.step_unit", lambda H, steps: int(_correlations(H, steps).abs().argmax()))
    assert feedback.status == "correct" and "Unit 4" in feedback.message
    as_tensor = grade("08.step_unit", lambda H, steps: _correlations(H, steps).abs().argmax())  # a 0-d tensor
    assert as_tensor.correct


def test_step_unit_wrong_answers():
    signed = grade("08.step_unit", lambda H, steps: int(_correlations(H, steps).argmax()))
    assert signed.status == "wrong" and "largest positive correlation" in signed.message
    assert "absolute" in signed.hint
    largest_value = grade("08.step_unit", lambda H, steps: 0)
    assert largest_value.status == "wrong" and "not the one" in largest_value.message
    several = grade("08.step_unit", lambda H, steps: _correlations(H, steps).abs())
    assert several.status == "wrong" and "one unit index" in several.message
    shapes = grade("08.step_unit", lambda H, steps: int((H @ steps).argmax()))
    assert shapes.status == "wrong" and "shapes" in shapes.message


def test_step_unit_not_attempted():
    def unfinished(H, steps):
        raise NotImplementedError

    assert grade("08.step_unit", unfinished).status == "not attempted"
    assert grade("08.step_unit", lambda H, steps: ...).status == "not attempted"
    assert "function itself" in grade("08.step_unit", 4).message


# --- 07.first_forget_gate ---------------------------------------------------------------------------------------


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

    for fn, words in ((input_rows, "input gate"), (no_sigmoid, "sigmoid is missing"), (one_bias, "bias_hh_l0")):
        feedback = grade("08.first_forget_gate", fn)
        assert feedback.status == "wrong" and words in feedback.message, (fn.__name__, feedback)
    shape = grade("08.first_forget_gate", all_rows)
    assert shape.status == "wrong" and "shape" in shape.message
    assert grade("08.first_forget_gate", lambda lstm, x0: None).status == "not attempted"


# --- 07.saturation ----------------------------------------------------------------------------------------------


def test_saturation_choice():
    assert grade("08.saturation", "b").correct
    assert grade("08.saturation", " (B) ").correct
    assert "nowhere near" in grade("08.saturation", "a").message
    assert "does not overshoot" in grade("08.saturation", "c").message
    assert "one letter" in grade("08.saturation", 2).message
    assert "one letter" in grade("08.saturation", "maybe").message
    assert grade("08.saturation", ...).status == "not attempted"

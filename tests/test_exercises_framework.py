"""The exercise checker: friendly feedback for right, wrong, unattempted and crashing answers — never a traceback."""

import torch

from lstm_helpers.exercises import check, compare_number, compare_tensors, grade, list_exercises


def test_warm_up_feedback(capsys):
    assert grade("00.warm_up", 5).correct
    assert grade("00.warm_up", ...).status == "not attempted"
    none = grade("00.warm_up", None)
    assert none.status == "wrong" and "None" in none.message and "return" in none.hint
    doubled = grade("00.warm_up", 10)
    assert doubled.status == "wrong" and "too large by a whole factor" in doubled.message
    text = grade("00.warm_up", "five")
    assert text.status == "wrong" and "should be a number" in text.message
    check("00.warm_up", 5)
    assert capsys.readouterr().out.startswith("✓ Correct!")


def test_unknown_exercise_lists_the_known_ones():
    feedback = grade("99.nope", 1)
    assert feedback.status == "wrong" and "00.warm_up" in feedback.hint


def test_learner_code_that_crashes_is_explained():
    def broken():
        return 1 / 0

    from lstm_helpers import exercises

    @exercises.exercise("99.test_crash", "calls the answer")
    def _grader(answer):
        return compare_number(answer(), 1)

    try:
        feedback = grade("99.test_crash", broken)
        assert feedback.status == "wrong" and "ZeroDivisionError" in feedback.message and "1 / 0" in feedback.message

        def not_yet():
            raise NotImplementedError

        still_raises = grade("99.test_crash", not_yet)
        assert still_raises.status == "not attempted" and "raise NotImplementedError" in still_raises.message
    finally:
        exercises._framework._REGISTRY.pop("99.test_crash")


def test_compare_tensors_spots_typical_mistakes():
    expected = torch.tensor([[0.5, -1.0, 2.0]])
    assert compare_tensors(expected.clone(), expected).correct
    assert "shape" in compare_tensors(expected.T, expected).message
    assert "factor of 2" in compare_tensors(expected * 2, expected).message
    assert "torch.Tensor" in compare_tensors([0.5, -1.0, 2.0], expected).message
    assert "NaN" in compare_tensors(torch.full((1, 3), float("nan")), expected).message
    assert "different values" in compare_tensors(expected + torch.tensor([[0.0, 0.0, 1.0]]), expected).message


def test_every_notebook_exercise_key_is_well_formed():
    for key in list_exercises():
        number, name = key.split(".")
        assert len(number) == 2 and number.isdigit() and name.isidentifier()
    assert list_exercises("00") == ["00.warm_up"]

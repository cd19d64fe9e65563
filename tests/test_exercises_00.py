"""The grader of notebook 00's warm-up: the right answer passes, typical slips get specific feedback."""

import pytest

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_00_has_one_exercise():
    assert list_exercises("00") == ["00.warm_up"]


# (answer, expected status, words the printed feedback must contain)
CASES = [
    (5, "correct", "2 + 3 = 5"),
    (5.0, "correct", ""),
    (2 + 3, "correct", ""),
    (..., "not attempted", ""),
    ("5", "wrong", "not a number"),
    (23, "wrong", "side by side"),
    (6, "wrong", "not right yet"),
    (10, "wrong", "factor of 2"),
]


@pytest.mark.parametrize(("answer", "status", "words"), CASES)
def test_feedback_status_and_message(answer, status, words):
    feedback = grade("00.warm_up", answer)
    assert feedback.status == status, feedback
    assert words in " ".join(str(feedback).split())  # line breaks ignored
    assert "5" not in feedback.message or feedback.correct or answer in (5, "5")  # never prints the answer

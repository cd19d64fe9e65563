"""One helper for the exercise tests' case tables: ``(key, answer, expected status, words the feedback shows)``.

Use it in a ``tests/test_exercises_NN.py``::

    from exercise_cases import feedback_test

    CASES = [("03.lstm_params", (384, 416), "correct", "two bias"), ...]
    test_feedback_status_and_message = feedback_test(CASES)

Feedback is wrapped on words for narrow output areas, so the words are compared with whitespace normalised.
"""

import pytest

from lstm_helpers.exercises import _framework, grade


def _flat(text):
    return " ".join(str(text).split())


def assert_feedback(key, answer, status, words=""):
    """``grade(key, answer)`` has ``status`` and its shown text (message and hint) contains ``words``."""
    feedback = grade(key, answer)
    assert feedback.status == status, feedback
    assert _flat(words) in _flat(feedback), f"{_flat(words)!r} not in {_flat(feedback)!r}"
    return feedback


def feedback_test(cases):
    """A parametrised test checking every ``(key, answer, status, words)`` case with ``assert_feedback``."""

    @pytest.mark.parametrize(("key", "answer", "status", "words"), cases)
    def test_feedback_status_and_message(key, answer, status, words):
        assert_feedback(key, answer, status, words)

    return test_feedback_status_and_message


def worked_solution(key):
    """Run exercise ``key``'s registered worked solution (self-contained source) and return what it defines."""
    ex = _framework._REGISTRY[key]
    assert ex.solution and ex.solution.strip(), f"{key}: no worked solution registered"
    namespace = {}
    exec(compile(ex.solution, f"<solution of {key}>", "exec"), namespace)  # noqa: S102  (the course's own code)
    assert ex.answer_name in namespace, f"{key}: the solution does not define {ex.answer_name!r}"
    return namespace[ex.answer_name]

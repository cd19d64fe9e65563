"""The graders of notebook 07's exercises: correct answers pass, typical mistakes get specific feedback."""

import numpy as np
import pytest
from exercise_cases import worked_solution

from lstm_helpers.data import make_windows
from lstm_helpers.exercises import grade, list_exercises


def test_notebook_07_has_four_exercises():
    assert list_exercises("07") == [
        "07.crossing_windows",
        "07.windows_inside",
        "07.unseen_windows",
        "07.linear_prediction",
    ]


@pytest.mark.parametrize(
    "key", ["07.crossing_windows", "07.windows_inside", "07.unseen_windows", "07.linear_prediction"]
)
def test_solution_and_hints(key, capsys):
    """The worked solution passes its grader; the hints escalate and the solution is shown only when asked."""
    from lstm_helpers.exercises import hint, solution
    from lstm_helpers.exercises._framework import _REGISTRY

    ex = _REGISTRY[key]
    assert len(ex.hints) >= 2
    assert grade(key, worked_solution(key)).correct
    hint(key)
    assert "Hint 1 of" in capsys.readouterr().out
    solution(key)
    assert "worked solution" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        (297, "correct", "297"),
        (297.0, "correct", "297"),
        (300, "wrong", "after the last sequence"),
        (500, "wrong", "INSIDE"),
        (797, "wrong", "in all"),
        (0, "wrong", "inside each sequence"),
        (99, "wrong", "boundaries between sequences"),
        (396, "wrong", "one window too many"),  # 4 per boundary: the window starting on a first number counted
        (123, "wrong", "not right"),
        ("297", "wrong", "number"),
        (..., "not attempted", "Replace"),
    ],
)
def test_crossing_windows(answer, status, words):
    feedback = grade("07.crossing_windows", answer)
    assert feedback.status == status
    assert words in feedback.message


def inside(sequences, window):
    X, y = [], []
    for row in sequences:
        for s in range(len(row) - window):
            X.append(row[s : s + window])
            y.append(row[s + window])
    return np.array(X), np.array(y)


def inside_reversed(sequences, window):
    X, y = inside(sequences, window)
    return X[::-1], y[::-1]


def joined(sequences, window):  # the tutorial's bug
    flat = np.asarray(sequences).reshape(-1)
    return np.array([flat[i : i + window] for i in range(len(flat) - window)]), flat[window:]


def with_target(sequences, window):
    X, y = [], []
    for row in sequences:
        for s in range(len(row) - window):
            X.append(row[s : s + window + 1])
            y.append(row[s + window])
    return np.array(X), np.array(y)


def one_short(sequences, window):
    X, y = inside(sequences, window)
    return X[:-1], y[:-1]


def wrong_targets(sequences, window):
    X, y = inside(sequences, window)
    return X, y + 1


def only_x(sequences, window):
    return inside(sequences, window)[0]


def not_done(sequences, window): ...


def crashes(sequences, window):
    return sequences[0] + undefined_name  # noqa: F821


@pytest.mark.parametrize(
    ("fn", "status", "words"),
    [
        (inside, "correct", "inside their own sequence"),
        (make_windows, "correct", "inside their own sequence"),
        (inside_reversed, "correct", "12 windows"),
        (joined, "wrong", "cross"),
        (with_target, "wrong", "target is in it"),
        (one_short, "wrong", "4 per sequence"),
        (wrong_targets, "wrong", "targets"),
        (only_x, "wrong", "two arrays"),
        (not_done, "not attempted", "Replace"),
        (crashes, "wrong", "NameError"),
        (inside(np.ones((2, 5)), 2), "wrong", "function itself"),
    ],
)
def test_windows_inside(fn, status, words):
    feedback = grade("07.windows_inside", fn)
    assert feedback.status == status, feedback
    assert words in feedback.message


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        (8, "correct", "8"),
        (8.0004, "correct", "8"),
        (5, "wrong", "last input"),
        (3, "wrong", "step"),
        (16, "wrong", "factor"),
        (7.5, "wrong", "not right"),
        (7, "wrong", "x4 + x3"),
        (12, "wrong", "check the sign the fit gives"),
        (-1, "wrong", "swapped roles"),
        (..., "not attempted", "Replace"),
    ],
)
def test_linear_prediction(answer, status, words):
    feedback = grade("07.linear_prediction", answer)
    assert feedback.status == status, feedback
    assert words in feedback.message


# --- 07.unseen_windows ---------------------------------------------------------------------------------------------


def unseen_right(X_train, y_train, X_test, y_test):
    seen = {tuple(x) + (t,) for x, t in zip(X_train, y_train, strict=True)}
    return np.array([tuple(x) + (t,) not in seen for x, t in zip(X_test, y_test, strict=True)])


def unseen_as_list(X_train, y_train, X_test, y_test):
    return list(unseen_right(X_train, y_train, X_test, y_test))


def seen_instead(X_train, y_train, X_test, y_test):
    return ~unseen_right(X_train, y_train, X_test, y_test)


def inputs_only(X_train, y_train, X_test, y_test):
    seen = {tuple(x) for x in X_train}
    return np.array([tuple(x) not in seen for x in X_test])


def all_unseen(X_train, y_train, X_test, y_test):
    return np.ones(len(X_test), dtype=bool)


def one_short_list(X_train, y_train, X_test, y_test):
    return unseen_right(X_train, y_train, X_test, y_test)[:-1]


def forgot_return(X_train, y_train, X_test, y_test):
    unseen_right(X_train, y_train, X_test, y_test)


def unseen_stub(X_train, y_train, X_test, y_test): ...


@pytest.mark.parametrize(
    ("fn", "status", "words"),
    [
        (unseen_right, "correct", "inputs and target"),
        (unseen_as_list, "correct", "inputs and target"),
        (seen_instead, "wrong", "swapped"),
        (inputs_only, "wrong", "inputs only"),
        (all_unseen, "wrong", "marked wrongly"),
        (one_short_list, "wrong", "values for 6"),
        (forgot_return, "wrong", "return"),
        (unseen_stub, "not attempted", "Replace"),
        (np.array([True]), "wrong", "function itself"),
    ],
)
def test_unseen_windows(fn, status, words):
    feedback = grade("07.unseen_windows", fn)
    assert feedback.status == status, feedback
    assert words in feedback.message

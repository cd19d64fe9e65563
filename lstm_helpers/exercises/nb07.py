"""Graders for notebook 07's exercises."""

import torch

from ._framework import (
    _NOT_ATTEMPTED,
    _grade_count,
    _unfinished,
    _whole_number,
    compare_number,
    correct,
    exercise,
    is_stub,
    pass_the_function,
    returned_none,
    wrong,
)


@exercise(
    "07.crossing_windows",
    "Count the windows that cross a sequence boundary",
    hints=(
        "Count all the windows on the joined list first, then subtract the ones that fit inside one sequence.",
        "The joined list has 100 * 8 numbers. A sequence of 8 numbers holds 8 - 3 windows of 3 inputs + 1 target.",
        "crossing = (100 * 8 - 3) - 100 * (8 - 3), which is also 3 * (100 - 1).",
    ),
    solution='''
num_sequences, seq_length, window = 100, 8, 3
total = num_sequences * seq_length - window  # windows on the joined list
inside = num_sequences * (seq_length - window)  # windows that stay inside one sequence
answer = total - inside
''',
)
def _grade_crossing_windows(answer):
    # 100 sequences of 8 numbers joined end to end; windows of 3 inputs + 1 target slide over the joined list.
    # 797 windows in all; 5 start inside each sequence (500); the other 297 = 3 * 99 cross a boundary.
    known = {
        300: "300 counts 3 crossing windows after the last sequence too, but the joined list ends there.",
        500: "500 is the number of windows that stay INSIDE a sequence (5 per sequence). Count the others.",
        797: "797 is the number of windows in all. Some of them stay inside one sequence.",
        0: "0 would be true for windows cut inside each sequence; here they slide over the joined list.",
        99: "99 is the number of boundaries between sequences, but more than one window crosses each boundary.",
        396: "396 = 4 × 99 counts one window too many at each of the 99 boundaries: a window that starts exactly on a "
        "sequence's first number lies inside that sequence.",
    }
    hint = "Count all the windows on the joined list, then those that stay inside one sequence."
    return _grade_count(answer, 297, known, hint, "the number of crossing windows")


def _as_window_arrays(result):
    """``(X, y)`` from a learner's window function as float64 tensors, or a Feedback saying what is wrong."""
    import numpy as np

    if not isinstance(result, tuple) or len(result) != 2:
        return None, wrong("Your function should return two arrays, X and y.", "End it with `return X, y`.")
    try:
        X, y = (torch.as_tensor(np.array(part, dtype=float)) for part in result)
    except (TypeError, ValueError):
        return None, wrong("X and y should be arrays of numbers.", "Build lists of windows and use np.array(...).")
    return (X, y), None


@exercise(
    "07.windows_inside",
    "Write a window function that never crosses a sequence boundary",
    hints=(
        "Never join the sequences: loop over them one row at a time.",
        "Inside each row, a window can start at s = 0, 1, ..., len(row) - window - 1; its target is row[s + window].",
        "for row in sequences: for s in range(len(row) - window): "
        "X.append(row[s:s + window]); y.append(row[s + window])",
    ),
    solution='''
import numpy as np


def my_windows(sequences, window):
    X, y = [], []
    for row in sequences:  # one sequence at a time: never across two
        for s in range(len(row) - window):
            X.append(row[s : s + window])
            y.append(row[s + window])
    return np.array(X), np.array(y)
''',
    answer="my_windows",
)
def _grade_windows_inside(my_windows):
    import numpy as np

    from ..data import make_sequences, make_windows

    if not callable(my_windows):
        return pass_the_function(my_windows, "07.windows_inside")
    sequences = make_sequences([(1, 2), (10, 5), (3, 1)], 7)  # (3, 7)
    window = 3
    result = my_windows(sequences.copy(), window)
    if _unfinished(result):
        return _NOT_ATTEMPTED
    arrays, problem = _as_window_arrays(result)
    if problem:
        return problem
    X, y = arrays
    X_ref, y_ref = (torch.as_tensor(a) for a in make_windows(sequences, window))  # (12, 3), (12,)
    flat = sequences.reshape(-1)
    X_joined = torch.as_tensor(np.array([flat[i : i + window] for i in range(len(flat) - window)]))
    if X.shape == X_joined.shape:
        return wrong(
            f"You made {X.shape[0]} windows, as many as sliding over the joined list: some cross from one sequence "
            "into the next.",
            "Loop over the sequences, and inside each one over its own start positions.",
        )
    if X.dim() != 2 or X.shape[1] != window:
        if X.dim() == 2 and X.shape[1] == window + 1:
            return wrong("Each row of X has window + 1 numbers: the target is in it.", "Use row[s : s + window].")
        return wrong(f"X has shape {tuple(X.shape)}, expected (num_windows, {window}).", "One row per window.")
    if y.reshape(-1).shape[0] != X.shape[0]:
        return wrong(f"X has {X.shape[0]} windows but y has {y.numel()} targets.", "Give one target per window.")
    if X.shape[0] != X_ref.shape[0]:
        return wrong(
            f"You made {X.shape[0]} windows; 3 sequences of 7 numbers give {X_ref.shape[0]} (4 per sequence).",
            "A sequence of length L has L - window start positions: range(len(row) - window).",
        )
    got = torch.cat([X, y.reshape(-1, 1)], dim=1)  # (num_windows, window + 1)
    expected = torch.cat([X_ref, y_ref.reshape(-1, 1)], dim=1)

    def in_order(rows):
        return sorted(tuple(row.tolist()) for row in rows)

    if in_order(got) == in_order(expected):
        return correct(f"{X.shape[0]} windows, all inside their own sequence, each with the number after it.")
    if in_order(X) == in_order(X_ref):
        return wrong(
            "Your windows are right, but some targets are not the number right after their window.",
            "The target of row[s : s + window] is row[s + window].",
        )
    return wrong("Some windows are not stretches of one sequence.", "Compare your X with the sequences row by row.")


@exercise(
    "07.unseen_windows",
    "Mark the test windows that equal no training window",
    hints=(
        "A window is its inputs and its target together: glue them into one tuple per window.",
        "Put every training window's tuple(inputs) + (target,) into a set; a test window is unseen when its tuple "
        "is not in that set.",
        "seen = {tuple(x) + (t,) for x, t in zip(X_train, y_train)}; "
        "return np.array([tuple(x) + (t,) not in seen for x, t in zip(X_test, y_test)])",
    ),
    solution='''
import numpy as np


def unseen(X_train, y_train, X_test, y_test):
    seen = {tuple(x) + (t,) for x, t in zip(X_train, y_train)}  # inputs and target together
    return np.array([tuple(x) + (t,) not in seen for x, t in zip(X_test, y_test)])
''',
    answer="unseen",
)
def _grade_unseen_windows(unseen):
    import numpy as np

    from ..data import make_sequences, make_windows

    if not callable(unseen):
        return pass_the_function(unseen, "07.unseen_windows")
    X_train, y_train = make_windows(make_sequences([(2, 3), (1, 1), (5, 3)], 6), 3)  # (9, 3), (9,)
    X_test = np.array([[5.0, 8, 11], [3, 4, 5], [6, 7, 8], [5, 8, 11], [2, 3, 4], [1.5, 2.5, 3.5]])
    y_test = np.array([14.0, 6, 9, 15, 6, 4.5])
    # 5, 8, 11 -> 14 is a training window; 5, 8, 11 -> 15 has the same inputs but another target (unseen);
    # 2, 3, 4 -> 6 has the inputs of a training window (2, 3, 4 -> 5) but another target (unseen)
    expected = np.array([False, False, True, True, True, True])
    got = unseen(X_train.copy(), y_train.copy(), X_test.copy(), y_test.copy())
    if got is None:
        return _NOT_ATTEMPTED if is_stub(unseen) else returned_none("unseen(...)")
    if _unfinished(got):
        return _NOT_ATTEMPTED
    try:
        got = np.asarray(got, dtype=bool).reshape(-1)
    except (TypeError, ValueError):
        return wrong("Your function should return an array of True/False values.", "Build a list of booleans.")
    if got.shape != expected.shape:
        return wrong(
            f"Your function returned {got.size} values for {len(X_test)} test windows.", "Give one per test window."
        )
    if np.array_equal(got, expected):
        return correct("Only windows whose inputs and target both match a training window count as seen.")
    if np.array_equal(got, ~expected):
        return wrong("Your True and False are swapped: True should mean unseen.", "Use `not in` instead of `in`.")
    inputs_only = np.array([tuple(x) not in {tuple(r) for r in X_train} for x in X_test])
    if np.array_equal(got, inputs_only):
        return wrong(
            "You compared the inputs only. A test window with a training window's inputs but another target is "
            "still unseen.",
            "Include the target in what you compare: tuple(x) + (t,).",
        )
    return wrong("Some windows are marked wrongly.", "Compare each test window (inputs and target) with the set.")


@exercise(
    "07.linear_prediction",
    "The linear baseline's prediction",
    hints=(
        "Use linear_predict from the notebook on a 2-D array holding this one window.",
        "linear_predict(np.array([[-4, -1, 2, 5]])) returns an array with one number; take [0].",
        "next = 2 * x4 - x3, with x4 the last input and x3 the one before it.",
    ),
    solution='''
x3, x4 = 2.0, 5.0  # the last two inputs of -4, -1, 2, 5
answer = 2 * x4 - x3  # what linear_predict(np.array([[-4, -1, 2, 5]]))[0] gives (the least-squares fit is exact)
''',
)
def _grade_linear_prediction(answer):
    known = {
        5: "5 is the last input, not the number after it.",
        3: "3 is the step of -4, -1, 2, 5, not the next number.",
        7: "7 is x4 + x3, the sum of the last two inputs: the fitted weights do not add them.",
        12: "12 is 2 × x4 + x3: check the sign the fit gives the input before the last.",
        -1: "-1 is 2 × x3 − x4: the last two inputs have swapped roles.",
    }
    hint = "Read the fitted weights: which inputs does the prediction use, and with which signs?"
    if _whole_number(answer) in known:
        return wrong(known[_whole_number(answer)], hint)
    return compare_number(answer, 8.0, "the prediction", rel_tol=1e-3, abs_tol=1e-3)

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
    pass_the_function,
    wrong,
)


@exercise("07.crossing_windows", "Count the windows that cross a sequence boundary")
def _grade_crossing_windows(answer):
    # 100 sequences of 8 numbers joined end to end; windows of 3 inputs + 1 target slide over the joined list.
    # 797 windows in all; 5 start inside each sequence (500); the other 297 = 3 * 99 cross a boundary.
    known = {
        300: "300 counts 3 crossing windows after the last sequence too, but the joined list ends there.",
        500: "500 is the number of windows that stay INSIDE a sequence (5 per sequence). Count the others.",
        797: "797 is the number of windows in all. Some of them stay inside one sequence.",
        0: "0 would be true for windows cut inside each sequence; here they slide over the joined list.",
    }
    hint = "Windows in all: 100 * 8 - 3. Inside one sequence: 8 - 3 start positions per sequence."
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


@exercise("07.windows_inside", "Write a window function that never crosses a sequence boundary")
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


@exercise("07.linear_prediction", "The linear baseline's prediction")
def _grade_linear_prediction(answer):
    known = {
        5: "5 is the last input. The next number adds the step once more.",
        3: "3 is the step. Add it to the last input.",
    }
    hint = "Next = last + (last - previous), the rule the least-squares fit recovers."
    if _whole_number(answer) in known:
        return wrong(known[_whole_number(answer)], hint)
    return compare_number(answer, 8.0, "the prediction", rel_tol=1e-3, abs_tol=1e-3)

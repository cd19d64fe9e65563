"""Graders for notebook 10's exercises (``10_inside_the_character_model``)."""

import numbers

import numpy as np
import torch

from ..char_cells import word_position
from ._framework import (
    _NOT_ATTEMPTED,
    _learner_error,
    correct,
    exercise,
    is_stub,
    letter_choice,
    pass_the_function,
    returned_none,
    wrong,
)

# --- 10.since_space ---------------------------------------------------------------------------------------------


def _since_space(text, resets=" \n", start=1):
    """The reference (``resets`` and ``start`` let the grader build the typical mistakes)."""
    out, count = [], 0
    for ch in text:
        count = 0 if ch in resets else count + 1
        out.append(count + start - 1 if ch not in resets else 0)
    return out


def _as_int_list(got):
    """``got`` as a list of ints when it is a 1-D sequence of whole numbers, else None."""
    if isinstance(got, torch.Tensor):
        got = got.detach().cpu().numpy()
    if isinstance(got, (str, bytes, dict)) or not hasattr(got, "__len__"):
        return None
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if array.ndim != 1 or not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
        return None
    return [int(v) for v in array]


_SINCE_SPACE_TEXTS = ("hello world\nhi", "  a b\n\nxyz", 'def f(x):\n    return "ok"', "one")


@exercise(
    "10.since_space",
    "Compute a feature: characters since the last space or newline",
    hints=(
        "Walk through the text once, keeping a counter; decide for each character what happens to the counter, "
        "then write it down.",
        "A space or a newline sets the counter to 0; any other character adds 1 to it (so the first letter of a "
        "word gives 1). Append the counter after updating it.",
        "count = 0 if ch in ' \\n' else count + 1, then out.append(count), for each character ch of text.",
    ),
    solution='''
def since_space(text):
    out, count = [], 0
    for ch in text:
        count = 0 if ch in " \\n" else count + 1  # a space or newline resets; anything else is one more
        out.append(count)
    return out
''',
    answer="since_space",
)
def _grade_since_space(since_space):
    if not callable(since_space):
        return pass_the_function(since_space, "10.since_space")
    for text in _SINCE_SPACE_TEXTS:
        try:
            got = since_space(text)
        except NotImplementedError:
            raise
        except Exception as exc:
            return _learner_error(exc)
        if got is None:
            return _NOT_ATTEMPTED if is_stub(since_space) else returned_none("since_space(...)")
        if got is ...:
            return _NOT_ATTEMPTED
        values = _as_int_list(got)
        if values is None:
            return wrong(
                f"since_space({text!r}) returned {type(got).__name__}; it should return whole numbers, one per "
                "character (a list or a 1-D array).",
                "Build a list with one count per character and return it.",
            )
        if len(values) != len(text):
            return wrong(
                f"since_space({text!r}) returned {len(values)} numbers for {len(text)} characters.",
                "Append exactly one number for every character, spaces and newlines included.",
            )
        expected = _since_space(text)
        if values == expected:
            continue
        if values == _since_space(text, resets=" "):
            return wrong(f"On {text!r} your counter does not restart at a newline.", "A newline resets it too.")
        if values == _since_space(text, start=0):
            return wrong(
                f"On {text!r} your counts are one too small: the first letter after a space should give 1.",
                "Count the character itself: add 1 before writing the count down.",
            )
        if values == word_position(text).astype(int).tolist():
            return wrong(
                f"On {text!r} your counter restarts at every character that is not a letter or digit.",
                "Only a space or a newline resets it; punctuation such as '(' or '\"' counts like a letter.",
            )
        first = next(t for t, (a, b) in enumerate(zip(values, expected, strict=True)) if a != b)
        return wrong(
            f"since_space({text!r}) is wrong from character {first + 1} ({text[first]!r}) on.",
            "Follow your loop by hand on that string, character by character.",
        )
    return correct("Your feature is right on four new strings, newlines and punctuation included.")


# --- 10.pick_and_score ------------------------------------------------------------------------------------------


def _pearson(a, b):
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a**2).sum() * (b**2).sum()))


def _pick_data():
    """Synthetic cells with planted traps: the answer is cell 3 (negative, strong on the choosing rows)."""
    gen = np.random.default_rng(11)
    n = 400
    feature = gen.normal(size=n)
    rows = np.arange(n) % 2 == 0
    acts = gen.normal(size=(n, 8))
    acts[:, 3] -= 0.8 * feature  # strongly negative everywhere: the right pick
    acts[:, 5] += 0.5 * feature  # the largest positive r: the pick of someone who forgets the absolute value
    acts[~rows, 1] += 6.0 * feature[~rows]  # strong only on the other rows: the pick of someone who uses all rows
    return acts, feature, rows


def _as_float(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


@exercise(
    "10.pick_and_score",
    "Choose a cell on one part of the text, score it on the other",
    hints=(
        "Two steps: correlate every cell with the feature using only acts[rows] and feature[rows]; then take the "
        "winner's correlation on acts[~rows] and feature[~rows].",
        "Pearson r of a column a with f: centre both, then sum(a * f) / sqrt(sum(a²) · sum(f²)). The winner has "
        "the largest absolute r (np.abs(r).argmax()), but you report its r with its sign.",
        "r = correlations of acts[rows] with feature[rows] (one per column); cell = int(np.abs(r).argmax()); "
        "return cell, pearson(acts[~rows, cell], feature[~rows]).",
    ),
    solution='''
import numpy as np


def pick_and_score(acts, feature, rows):
    def pearson(a, f):  # a: (n, num_cells) or (n,), f: (n,)
        a, f = a - a.mean(axis=0), f - f.mean()
        return (a.T @ f) / np.sqrt((a**2).sum(axis=0) * (f**2).sum())

    r = pearson(acts[rows], feature[rows])  # (num_cells,): chosen on these rows only
    cell = int(np.abs(r).argmax())  # the strongest, positive or negative
    return cell, float(pearson(acts[~rows, cell], feature[~rows]))  # scored on the other rows
''',
    answer="pick_and_score",
)
def _grade_pick_and_score(pick_and_score):
    if not callable(pick_and_score):
        return pass_the_function(pick_and_score, "10.pick_and_score")
    acts, feature, rows = _pick_data()
    got = pick_and_score(acts.copy(), feature.copy(), rows.copy())
    if got is None:
        return _NOT_ATTEMPTED if is_stub(pick_and_score) else returned_none("pick_and_score(...)")
    if got is ...:
        return _NOT_ATTEMPTED
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return wrong(
            f"pick_and_score returned {type(got).__name__}; it should return two things: (cell, r).",
            "End with `return cell, r`.",
        )
    cell, r = got
    if isinstance(cell, np.ndarray) and cell.size == 1:
        cell = cell.item()
    if isinstance(cell, torch.Tensor) and cell.numel() == 1:
        cell = cell.item()
    if isinstance(cell, bool) or not isinstance(cell, numbers.Integral):
        return wrong(f"The cell should be a whole number (a column index), but it is {cell!r}.", "Use int(...).")
    r = _as_float(r)
    if r is None:
        return wrong("The correlation should be one number.", "Return float(...) of the held-out correlation.")
    cell = int(cell)
    if cell == 5:
        return wrong(
            "You picked the cell with the largest positive r; another cell is more strongly (negatively) related.",
            "Compare absolute values: np.abs(r).argmax().",
        )
    if cell == 1:
        return wrong(
            "You picked a cell that follows the feature only on the rows you should have kept for scoring.",
            "Choose using acts[rows] and feature[rows] only.",
        )
    if cell != 3:
        return wrong(f"Cell {cell} is not the strongest on the choosing rows.", "Correlate each column; take |r|.")
    held_out = _pearson(acts[~rows, 3], feature[~rows])
    if abs(r - held_out) < 1e-6:
        return correct("Right cell, and its correlation on text it was not chosen on, sign included.")
    if abs(r - abs(held_out)) < 1e-6:
        return wrong("Right cell, but you dropped the sign of its correlation.", "Report r itself, not |r|.")
    if abs(abs(r) - abs(_pearson(acts[rows, 3], feature[rows]))) < 1e-6:
        return wrong(
            "Right cell, but that is its correlation on the rows you chose it with (inflated by the choice).",
            "Score it on the other rows: acts[~rows, cell] and feature[~rows].",
        )
    if abs(abs(r) - abs(_pearson(acts[:, 3], feature))) < 1e-6:
        return wrong("Right cell, but you scored it on all rows.", "Use only the other rows: ~rows.")
    return wrong("Right cell, but the correlation is not right.", "Centre both, then divide by both norms.")


# --- 10.judge_cell ----------------------------------------------------------------------------------------------


@exercise(
    "10.judge_cell",
    "Judge a cell against its controls",
    hints=(
        "The rule: the held-out |r| must beat BOTH controls by more than 0.15.",
        "Subtract the larger of the two controls from 0.52.",
    ),
    solution='''
answer = "b"  # 0.52 - 0.41 = 0.11 < 0.15: a feature shifted off the text scores almost as well, so it proves little
''',
)
def _grade_judge_cell(answer):
    choice, problem = letter_choice(answer, ("a", "b", "c"))
    if problem:
        return problem
    if choice == "b":
        return correct(
            "0.52 beats the shifted feature by only 0.11: a few long, rare spans make chance correlations high, "
            "so this |r| is within what a feature that no longer lines up with the text reaches."
        )
    if choice == "a":
        return wrong("It beats one control by far, but a cell must beat both.", "Look at the shifted control.")
    return wrong("A correlation above 0.5 alone is not the test.", "Compare it with both controls.")

"""The graders of notebook 10's exercises: correct answers pass, typical mistakes get specific feedback."""

import numpy as np
import torch
from exercise_cases import feedback_test

from lstm_helpers import char_cells
from lstm_helpers.exercises import grade, list_exercises


def test_notebook_10_has_three_exercises():
    assert list_exercises("10") == ["10.since_space", "10.pick_and_score", "10.judge_cell"]


# --- 10.since_space ---------------------------------------------------------------------------------------------


def since_space(text, resets=" \n", first=1):
    out, count = [], 0
    for ch in text:
        count = 0 if ch in resets else count + 1
        out.append(0 if ch in resets else count + first - 1)
    return out


def no_newline_reset(text):
    return since_space(text, resets=" ")


def zero_based(text):
    return since_space(text, first=0)


def word_position(text):  # the wrong feature: restarts at punctuation too
    return char_cells.word_position(text).astype(int).tolist()


def as_tensor(text):
    return torch.tensor(since_space(text))


def as_floats(text):
    return np.array(since_space(text), dtype=float)


def one_short(text):
    return since_space(text)[:-1]


def as_text(text):
    return "".join(map(str, since_space(text)))


def off_somewhere(text):
    values = since_space(text)
    values[-1] += 5
    return values


def stub(text):
    raise NotImplementedError  # your code here


def forgot_return(text):
    since_space(text)


def crashes(text):
    return text + 1


CASES = [
    ("10.since_space", since_space, "correct", "four new strings"),
    ("10.since_space", as_tensor, "correct", ""),
    ("10.since_space", as_floats, "correct", ""),
    ("10.since_space", no_newline_reset, "wrong", "does not restart at a newline"),
    ("10.since_space", zero_based, "wrong", "one too small"),
    ("10.since_space", word_position, "wrong", "not a letter or digit"),
    ("10.since_space", one_short, "wrong", "numbers for"),
    ("10.since_space", as_text, "wrong", "whole numbers, one per character"),
    ("10.since_space", off_somewhere, "wrong", "wrong from character"),
    ("10.since_space", stub, "not attempted", "NotImplementedError"),
    ("10.since_space", forgot_return, "wrong", "forget the `return`"),
    ("10.since_space", crashes, "wrong", "TypeError"),
    ("10.since_space", [1, 2, 0], "wrong", "function itself"),
    ("10.since_space", ..., "not attempted", ""),
    ("10.judge_cell", "b", "correct", "shifted feature by only 0.11"),
    ("10.judge_cell", "(B)", "correct", ""),
    ("10.judge_cell", "a", "wrong", "must beat both"),
    ("10.judge_cell", "c", "wrong", "alone is not the test"),
    ("10.judge_cell", "yes", "wrong", "one letter"),
    ("10.judge_cell", 2, "wrong", "one letter"),
]
test_feedback_status_and_message = feedback_test(CASES)


# --- 10.pick_and_score ------------------------------------------------------------------------------------------


def _r(a, f):
    a, f = a - a.mean(axis=0), f - f.mean()
    return (a.T @ f) / np.sqrt((a**2).sum(axis=0) * (f**2).sum())


def _pick(acts, feature, rows, choose_rows=None, score_rows=None, signed_pick=False, absolute=False):
    choose_rows = rows if choose_rows is None else choose_rows
    score_rows = ~rows if score_rows is None else score_rows
    r = _r(acts[choose_rows], feature[choose_rows])
    cell = int(r.argmax() if signed_pick else np.abs(r).argmax())
    score = float(_r(acts[score_rows, cell], feature[score_rows]))
    return cell, abs(score) if absolute else score


def test_pick_and_score_correct_and_typical_mistakes():
    assert grade("10.pick_and_score", lambda a, f, rows: _pick(a, f, rows)).correct
    as_tensors = grade("10.pick_and_score", lambda a, f, rows: tuple(map(torch.tensor, _pick(a, f, rows))))
    assert as_tensors.correct, as_tensors
    signed = grade("10.pick_and_score", lambda a, f, rows: _pick(a, f, rows, signed_pick=True))
    assert signed.status == "wrong" and "largest positive r" in signed.message
    everywhere = grade("10.pick_and_score", lambda a, f, rows: _pick(a, f, rows, choose_rows=np.ones_like(rows)))
    assert everywhere.status == "wrong" and "rows you should have kept" in everywhere.message
    inflated = grade("10.pick_and_score", lambda a, f, rows: _pick(a, f, rows, score_rows=rows))
    assert inflated.status == "wrong" and "inflated" in inflated.message
    all_rows = grade("10.pick_and_score", lambda a, f, rows: _pick(a, f, rows, score_rows=np.ones_like(rows)))
    assert all_rows.status == "wrong" and "all rows" in all_rows.message
    unsigned = grade("10.pick_and_score", lambda a, f, rows: _pick(a, f, rows, absolute=True))
    assert unsigned.status == "wrong" and "sign" in unsigned.message
    other_cell = grade("10.pick_and_score", lambda a, f, rows: (0, 0.5))
    assert other_cell.status == "wrong" and "not the strongest" in other_cell.message
    one_value = grade("10.pick_and_score", lambda a, f, rows: 3)
    assert one_value.status == "wrong" and "(cell, r)" in one_value.message
    float_cell = grade("10.pick_and_score", lambda a, f, rows: (3.5, 0.1))
    assert float_cell.status == "wrong" and "whole number" in float_cell.message


def test_pick_and_score_not_attempted():
    def stub(acts, feature, rows):
        raise NotImplementedError

    def empty(acts, feature, rows): ...

    assert grade("10.pick_and_score", stub).status == "not attempted"
    assert grade("10.pick_and_score", empty).status == "not attempted"
    assert "function itself" in grade("10.pick_and_score", (3, 0.5)).message

"""Every exercise teaches without giving its answer away: escalating hints, and a worked solution shown only when
asked for, which its own grader accepts."""

import pytest
from exercise_cases import worked_solution

from lstm_helpers.exercises import _framework, grade, hint, list_exercises, solution

KEYS = list_exercises()


def test_every_notebook_with_exercises_registers_some():
    assert KEYS, "no exercises registered"


@pytest.mark.parametrize("key", KEYS)
def test_hints_escalate(key):
    hints = _framework._REGISTRY[key].hints
    assert len(hints) >= 2, f"{key}: give at least two escalating hints (a nudge, then a more specific one)"
    assert len(set(hints)) == len(hints), f"{key}: repeated hint"


@pytest.mark.parametrize("key", KEYS)
def test_worked_solution_is_accepted_by_its_grader(key):
    feedback = grade(key, worked_solution(key))
    assert feedback.correct, f"{key}: its own worked solution is graded {feedback.status}: {feedback}"


def test_hint_escalates_then_points_to_the_solution(capsys):
    key = KEYS[0]
    ex = _framework._REGISTRY[key]
    shown_before = ex.hints_shown
    try:
        ex.hints_shown = 0
        for k in range(len(ex.hints) + 1):
            hint(key)
            out = capsys.readouterr().out
            assert f"Hint {min(k + 1, len(ex.hints))} of {len(ex.hints)}" in out
        assert "solution(" in out
    finally:
        ex.hints_shown = shown_before


def test_solution_prints_the_code_only_when_asked(capsys):
    key = KEYS[0]
    solution(key)
    out = capsys.readouterr().out
    assert _framework._REGISTRY[key].solution.strip().splitlines()[0] in out


def test_unknown_key_in_hint_and_solution_is_explained(capsys):
    hint("99.nope")
    solution("99.nope")
    out = capsys.readouterr().out
    assert out.count("There is no exercise called '99.nope'") == 2


def test_feedback_wraps_on_words():
    long = "word " * 60
    text = str(_framework.correct(long.strip()))
    assert all(len(line) <= _framework.WRAP for line in text.splitlines())
    assert all(not line.endswith("wor") for line in text.splitlines())


def test_forgotten_return_and_stub_messages():
    @_framework.exercise("99.test_function", "a function exercise")
    def _grader(fn):
        got = _framework.call_for_number(fn, (2,), "Return a number.")
        return got if isinstance(got, _framework.Feedback) else _framework.compare_number(got, 4)

    def forgot_return(x):
        x * 2  # noqa: B018  (the mistake under test)

    def stub(x): ...

    def raises(x):
        raise NotImplementedError

    try:
        forgot = grade("99.test_function", forgot_return)
        assert forgot.status == "wrong" and "forget the `return`" in forgot.message
        assert grade("99.test_function", stub).status == "not attempted"
        still = grade("99.test_function", raises)
        assert still.status == "not attempted" and "raise NotImplementedError" in still.message
        assert "the ..." not in still.message
    finally:
        _framework._REGISTRY.pop("99.test_function")

"""The exercise checker: friendly feedback for right, wrong, unattempted and crashing answers — never a traceback."""

import linecache

import torch

from lstm_helpers.exercises import _framework, check, compare_number, compare_tensors, grade, hint, list_exercises


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


def _as_learner_code(source, name):
    """Define ``name`` from ``source`` the way a notebook cell does: in a module called ``__main__``."""
    filename = f"/tmp/ipykernel_4242/{abs(hash(source))}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # as IPython registers cells
    namespace = {"__name__": "__main__", "torch": torch}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102
    return namespace[name]


def test_error_location_is_the_learners_line_not_a_library_frame():
    """An error deep inside PyTorch is shown at the learner's own line (never `return forward_call(...)`)."""
    source = "def apply(x):\n    layer = torch.nn.Linear(3, 2)\n    return layer(x)  # x has the wrong width\n"
    apply = _as_learner_code(source, "apply")
    try:
        apply(torch.ones(4))
    except RuntimeError as exc:
        feedback = _framework._learner_error(exc)
    assert "in your code: `return layer(x)" in feedback.message
    assert "forward_call" not in feedback.message


def test_no_location_when_no_frame_is_the_learners():
    def library_style(x):  # defined in a test module, not a notebook: not the learner's
        return 1 / x

    try:
        library_style(0)
    except ZeroDivisionError as exc:
        feedback = _framework._learner_error(exc)
    assert "in your code" not in feedback.message and "ZeroDivisionError" in feedback.message


def test_hint_after_a_diagnosis_is_not_vaguer_than_the_diagnosis(capsys):
    """01.rnn_step without the tanh: the check names it; hint() then gives the formula, not the opening nudge."""
    ex = _framework._REGISTRY["01.rnn_step"]
    shown, last = ex.hints_shown, ex.last
    try:
        ex.hints_shown = 0
        feedback = grade("01.rnn_step", lambda x_t, h_prev, W_xh, W_hh, b: W_xh @ x_t + W_hh @ h_prev + b)
        assert feedback.status == "wrong" and "without the tanh" in feedback.message
        hint("01.rnn_step")
        out = capsys.readouterr().out
        assert f"Hint {len(ex.hints)} of {len(ex.hints)}" in out and "torch.tanh" in out
        assert "named the mistake" in out
        ex.hints_shown, ex.last = 0, None
        hint("01.rnn_step")
        assert "Hint 1 of" in capsys.readouterr().out  # without a diagnosis the hints start from the nudge
    finally:
        ex.hints_shown, ex.last = shown, last


def test_learner_code_that_crashes_is_explained():
    broken = _as_learner_code("def broken():\n    return 1 / 0\n", "broken")

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
    doubled = compare_tensors(expected * 2, expected).message
    assert "too large by the same constant factor" in doubled and "2" not in doubled
    assert "torch.Tensor" in compare_tensors([0.5, -1.0, 2.0], expected).message
    assert "NaN" in compare_tensors(torch.full((1, 3), float("nan")), expected).message
    assert "different values" in compare_tensors(expected + torch.tensor([[0.0, 0.0, 1.0]]), expected).message


def test_every_notebook_exercise_key_is_well_formed():
    for key in list_exercises():
        number, name = key.split(".")
        assert len(number) == 2 and number.isdigit() and name.isidentifier()
    assert list_exercises("00") == ["00.warm_up"]

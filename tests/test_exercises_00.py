"""The grader of notebook 00's warm-up: the right answer passes, typical slips get specific feedback."""

import pytest
from exercise_cases import feedback_test, worked_solution

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_00_has_one_exercise():
    assert list_exercises("00") == ["00.warm_up"]


# (answer, expected status, words the printed feedback must contain)
CASES = [
    (5, "correct", "2 + 3 = 5"),
    (5.0, "correct", ""),
    (2 + 3, "correct", ""),
    (..., "not attempted", ""),
    ("5", "wrong", "should be a number"),
    (23, "wrong", "side by side"),
    (6, "wrong", "not right yet"),
    (10, "wrong", "too large by a whole factor"),
]


test_feedback_status_and_message = feedback_test([("00.warm_up", *case) for case in CASES])


def test_wrong_answers_never_print_the_right_one():
    for answer, _status, _words in CASES:
        feedback = grade("00.warm_up", answer)
        assert feedback.correct or "= 5" not in str(feedback)


# --- every exercise of notebooks 00, 01, 03 and 04: worked solutions pass, hints escalate -------------------------

MINE = [key for key in list_exercises() if key.split(".")[0] in ("00", "01", "03", "04")]


@pytest.mark.parametrize("key", MINE)
def test_worked_solution_passes_its_grader(key):
    from lstm_helpers.exercises._framework import _REGISTRY

    exercise = _REGISTRY[key]
    assert exercise.solution and len(exercise.hints) >= 2, f"{key} needs a worked solution and at least two hints"
    feedback = grade(key, worked_solution(key))
    assert feedback.correct, feedback


def test_notebooks_show_no_answers():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "notebooks"
    for name in ("00_start_here", "01_rnn_recap", "03_lstm_cell_from_scratch", "04_gate_explorer"):
        notebook = json.loads((root / f"{name}.ipynb").read_text())
        for cell in notebook["cells"]:
            assert "solution" not in cell.get("metadata", {}).get("tags", []), f"{name} keeps a solution cell"
            assert "*Solution*" not in "".join(cell["source"]), f"{name} keeps a solution heading"
            for output in cell.get("outputs", []):
                text = "".join(output.get("text", "")) + "".join(output.get("data", {}).get("text/plain", ""))
                assert "Correct!" not in text, f"{name} stores a correct-answer message"
                assert "VBox(children" not in text and "IntSlider(" not in text, f"{name} stores a widget repr"


def test_contents_table_shows_each_notebooks_working_time(tmp_path):
    """Notebook 00's contents table (tools/course.py) reads "*About N minutes ...*" from each notebook's first cell,
    and shows "–" for a notebook without that line."""
    import importlib.util
    from pathlib import Path

    import nbformat

    spec = importlib.util.spec_from_file_location("course", Path(__file__).parent.parent / "tools" / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    timed, untimed = tmp_path / "01_a.ipynb", tmp_path / "02_b.ipynb"
    first = "# A\n\n*Subtitle.*\n\n*About 35 minutes: 20 of reading, 15 for the exercises.*\n\n**You will learn**"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(first)]), timed)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# B\n\n*Subtitle.*")]), untimed)
    assert course.working_minutes(timed) == 35 and course.working_minutes(untimed) is None
    rows = course.contents_rows([(timed, "A", "Subtitle."), (untimed, "B", "Subtitle.")], "")
    assert "| Time |" in rows and rows.endswith("| Subtitle. | – |") and "| Subtitle. | 35 min |" in rows
    for path in course.notebook_paths():
        if path.name[:2] in ("00", "03", "05", "06", "07"):
            assert course.working_minutes(path), f"{path.name}: no '*About N minutes*' line in its first cell"

"""The checks on notebooks' stored outputs stay strict: a changed output fails nbval, the portability profiles exist
and name the failing cell, and renumbering moves notebooks with their exercise keys."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402  (tools/course.py)


def test_nbval_fails_when_a_stored_output_is_changed_by_hand(tmp_path):
    """The foundation's experiment: edit one compared output of a copy of notebook 00 and pytest must fail."""
    source = ROOT / "notebooks" / "00_start_here.ipynb"
    nb = json.loads(source.read_text())
    compared = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code"
        and "nbval-ignore-output" not in c.get("metadata", {}).get("tags", [])
        and any(o.get("output_type") == "stream" for o in c["outputs"])
    ]
    assert compared, "notebook 00 should have a compared cell that prints"
    stream = next(o for o in compared[0]["outputs"] if o.get("output_type") == "stream")
    stream["text"] = ["".join(stream["text"]) + "a line the code does not print\n"]
    copy = tmp_path / "00_tampered.ipynb"
    copy.write_text(json.dumps(nb))
    shutil.copy(ROOT / "tests" / "nbval_sanitize.cfg", tmp_path / "sanitize.cfg")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--rootdir",
        str(tmp_path),
    ]
    command += ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(tmp_path / "sanitize.cfg"), str(copy)]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "Cell outputs differ" in result.stdout or "outputs differ" in result.stdout.lower(), result.stdout[-3000:]


def test_profiles_change_numeric_code_paths():
    assert set(course.DEFAULT_PROFILES) <= set(course.PROFILES)
    assert len(course.DEFAULT_PROFILES) >= 2
    for settings in course.PROFILES.values():
        assert settings and all(key.isupper() for key in settings)


def test_failures_are_reported_with_their_cell():
    output = (
        "FAILED notebooks/02_vanishing_gradients.ipynb::Cell 11 - Notebook cell execution failed\n"
        "FAILED tests/test_x.py::test_y - assert 1 == 2\n"
        "FAILED notebooks/07_training_arithmetic_lstm.ipynb::Cell 8 - Notebook cell execution failed\n"
    )
    assert course._failed_cells(output) == [
        ("notebooks/02_vanishing_gradients.ipynb", "11"),
        ("notebooks/07_training_arithmetic_lstm.ipynb", "8"),
    ]
    assert "nbval-ignore-output" in course.HOW_TO_FIX and "bound" in course.HOW_TO_FIX


def test_portable_command_rejects_an_unknown_notebook():
    with pytest.raises(SystemExit, match="No notebook matches"):
        course.main(["portable", "99"])


def _make_course(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "lstm_helpers" / "exercises").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    for number, stem in (("00", "start_here"), ("06", "training"), ("07", "inside")):
        cells = [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": f"# {stem}\n\n*sub*"},
            {
                "cell_type": "code",
                "id": "b",
                "metadata": {},
                "execution_count": 1,
                "outputs": [],
                "source": f'check("{number}.thing", answer)  # see notebook {number}, {number}_{stem}.ipynb',
            },
        ]
        nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        (tmp_path / "notebooks" / f"{number}_{stem}.ipynb").write_text(json.dumps(nb))
        (tmp_path / "lstm_helpers" / "exercises" / f"nb{number}.py").write_text(
            f'@exercise("{number}.thing", "t")\ndef f(a): ...\n'
        )
        (tmp_path / "tests" / f"test_exercises_{number}.py").write_text(f'list_exercises("{number}")\n')
    (tmp_path / "README.md").write_text("See notebooks/06_training.ipynb and notebook 07.\n")


def test_renumber_moves_notebooks_keys_and_references(tmp_path, monkeypatch):
    _make_course(tmp_path)
    monkeypatch.setattr(course, "ROOT", tmp_path)
    monkeypatch.setattr(course, "NOTEBOOKS", tmp_path / "notebooks")
    course.renumber({"07": "08", "06": "07"})
    names = sorted(p.name for p in (tmp_path / "notebooks").iterdir())
    assert names == ["00_start_here.ipynb", "07_training.ipynb", "08_inside.ipynb"]
    moved = (tmp_path / "notebooks" / "08_inside.ipynb").read_text()
    assert 'check(\\"08.thing\\"' in moved and "notebook 08" in moved and "08_inside.ipynb" in moved
    assert '"07.thing"' in (tmp_path / "lstm_helpers" / "exercises" / "nb07.py").read_text()
    assert 'list_exercises("08")' in (tmp_path / "tests" / "test_exercises_08.py").read_text()
    assert (tmp_path / "README.md").read_text() == "See notebooks/07_training.ipynb and notebook 08.\n"
    untouched = (tmp_path / "notebooks" / "00_start_here.ipynb").read_text()
    assert '\\"00.thing\\"' in untouched


def test_renumber_refuses_a_taken_number(tmp_path, monkeypatch):
    _make_course(tmp_path)
    monkeypatch.setattr(course, "ROOT", tmp_path)
    monkeypatch.setattr(course, "NOTEBOOKS", tmp_path / "notebooks")
    with pytest.raises(SystemExit, match="taken"):
        course.renumber({"06": "00"})

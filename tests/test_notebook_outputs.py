"""What a learner sees before running anything: no answers in stored outputs, no solution cells, no widget text
forms, and a way to ask for help under every exercise."""

import json
import re
import sys
from pathlib import Path

import pytest

from lstm_helpers.exercises import list_exercises

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from course import notebook_paths  # noqa: E402  (tools/course.py)

PATHS = notebook_paths()
WIDGET_REPR = re.compile(r"\b(?:VBox|HBox|IntSlider|FloatSlider|interactive|Output|Text|ToggleButtons|Play)\(")
PROGRESS_BAR = re.compile(r"\d+%\|")  # a tqdm bar's text form, e.g. "training: 100%|██████| 1000/1000": fine as text


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _text_outputs(cell):
    for out in cell.get("outputs", []):
        if "text" in out:
            yield "".join(out["text"])
        for mime, value in out.get("data", {}).items():
            if mime.startswith("text/"):
                yield "".join(value) if isinstance(value, list) else str(value)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_no_stored_output_gives_an_answer_away(path):
    for k, cell in enumerate(_cells(path)):
        assert "solution" not in cell.get("metadata", {}).get("tags", []), f"{path.name} cell {k}: a solution cell"
        assert not cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"), f"{path.name} cell {k}: hidden"
        for text in _text_outputs(cell):
            assert "Correct!" not in text, f"{path.name} cell {k}: a stored output says Correct!: {text[:200]!r}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_no_widget_shows_its_text_form_before_running(path):
    for k, cell in enumerate(_cells(path)):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                plain = "".join(data.get("text/plain", ""))
                assert not WIDGET_REPR.search(plain), f"{path.name} cell {k}: widget repr {plain[:80]!r}"
                if PROGRESS_BAR.search(plain):
                    continue
                assert "text/html" in data or "image/png" in data, f"{path.name} cell {k}: no still picture"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_exercise_is_checked_in_its_notebook_with_help_on_request(path):
    number = path.name[:2]
    source = "\n".join("".join(c["source"]) for c in _cells(path))
    for key in list_exercises(number):
        assert f'check("{key}"' in source, f"{path.name}: exercise {key} is registered but never checked"
        assert f'hint("{key}")' in source, f"{path.name}: say how to get a hint for {key}"
        assert f'solution("{key}")' in source, f"{path.name}: say how to get the worked solution of {key}"
    for key in re.findall(r'check\("(\d\d\.\w+)"', source):
        assert key.startswith(number + "."), f"{path.name}: checks another notebook's exercise {key}"
        assert key in list_exercises(number), f"{path.name}: check({key!r}) has no registered grader"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_stores_the_kernels_language_info(path):
    """JupyterLab writes the kernel's full language_info into a notebook when it connects; a notebook that stores
    less opens with the unsaved-changes dot. `tools/course.py refresh` keeps what the kernel reported."""
    info = json.loads(path.read_text())["metadata"].get("language_info", {})
    missing = {"name", "version", "mimetype", "codemirror_mode", "pygments_lexer", "file_extension"} - set(info)
    assert not missing, f"{path.name}: language_info lacks {sorted(missing)}; run tools/course.py refresh"


SCAFFOLDING = re.compile(r"nbval|browser test|automated test|playwright", re.IGNORECASE)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_no_test_scaffolding_in_notebook_code(path):
    """nbval markers are cell tags and browser-test hooks live in lstm_helpers: the learner reads neither."""
    for k, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code":
            match = SCAFFOLDING.search("".join(cell["source"]))
            assert not match, f"{path.name} cell {k} mentions {match.group(0)!r}: use the nbval-ignore-output tag"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_figures_are_stored_for_high_density_screens(path):
    """Every notebook that draws a matplotlib figure asks the inline backend for retina (2x) pictures."""
    cells = _cells(path)
    draws = any("image/png" in o.get("data", {}) for c in cells for o in c.get("outputs", []))
    if draws:
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert 'InlineBackend.figure_formats = ["retina"]' in source, f"{path.name}: figures are not drawn at 2x"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_no_progress_bar_is_stored_unfinished(path):
    """A stored bar at 0% reads as a stalled run before the learner has run anything."""
    for k, cell in enumerate(_cells(path)):
        for text in _text_outputs(cell):
            for match in re.finditer(r"(\d+)%\|", text):
                assert match.group(1) == "100", f"{path.name} cell {k} stores an unfinished bar: {text[:120]!r}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_stored_figure_has_alt_text(path):
    """A static figure is shown with lstm_helpers._render.show_figure: its PNG is followed by a hidden alt paragraph
    (JupyterLab gives image/png outputs no alt attribute of their own); explorer pictures carry alt in their HTML."""
    for k, cell in enumerate(_cells(path)):
        outputs = cell.get("outputs", [])
        for j, out in enumerate(outputs):
            data = out.get("data", {})
            if "image/png" not in data or "application/vnd.jupyter.widget-view+json" in data:
                continue
            own = "".join(data.get("text/html", ""))
            following = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs[j + 1 : j + 2])
            has_alt = re.search(r'<img [^>]*alt="[^"]+"', own) or 'class="figure-alt"' in following
            assert has_alt, f"{path.name} cell {k}: a figure without alt text"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_stored_figure_has_readable_text_and_fits_the_page(path):
    """show_figure records the smallest text (CSS px at 100% zoom, sub- and superscripts included) and the width
    of every static figure; none is smaller than MIN_TEXT_PX or wider than JupyterLab shows unshrunk."""
    from lstm_helpers._render import MAX_WIDTH_CSS, MIN_TEXT_PX

    for k, cell in enumerate(_cells(path)):
        outputs = cell.get("outputs", [])
        for j, out in enumerate(outputs):
            data = out.get("data", {})
            following = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs[j + 1 : j + 2])
            if "image/png" not in data or 'class="figure-alt"' not in following:
                continue
            report = out.get("metadata", {}).get("lstm_course")
            assert report, f"{path.name} cell {k}: a figure shown without lstm_helpers._render.show_figure's report"
            assert report["min_text_px"] >= MIN_TEXT_PX - 0.05, f"{path.name} cell {k}: text {report} is too small"
            assert report["width_css"] <= MAX_WIDTH_CSS, f"{path.name} cell {k}: {report['width_css']} px too wide"

"""Real-browser tests: JupyterLab in headless Chromium runs each notebook and we move its widgets like a learner.

One JupyterLab server (on a temporary copy of notebooks/) and one browser serve every test of this module; each test
opens one notebook, runs all its cells in a fresh kernel, then uses the keyboard on a slider or a text box like a
learner and checks that what the notebook displays changes. On failure a screenshot and the server log go to
results/browser/.

Needs Chromium and playwright; without them the tests are skipped, except on CI (CI=true) where that is a failure.
Run: `python -m pytest tests/test_browser.py -v`.
"""

import json
import os
import platform
import re
from pathlib import Path

import pytest
from browser_support import (
    NOTEBOOKS_DIR,
    axe_check,
    browser_session,
    close_notebook,
    displayed,
    missing_browser_reason,
    notebook_page,
    nudge_slider,
    save_failure_artifacts,
    serious_in_outputs,
    unnamed_controls,
    wait_for_display_change,
)

try:
    from playwright.sync_api import expect
except ImportError:  # the `lab` fixture skips (or fails on CI) with instructions
    expect = None


@pytest.fixture(scope="module")
def lab(request):
    """One JupyterLab server and one headless Chromium for the whole module, always shut down afterwards."""
    reason = missing_browser_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)
    # Start a kernel for every notebook this run will open, so they boot while the browser starts.
    selected = [getattr(getattr(item, "function", None), "notebook", None) for item in request.session.items]
    notebooks = [name for name in dict.fromkeys(selected) if name and (NOTEBOOKS_DIR / name).exists()]
    with browser_session(notebooks) as session:
        yield session


def for_notebook(name):
    """Mark a test as the browser test of ``notebooks/<name>``; skip it if that notebook does not exist."""

    def decorate(test):
        test.notebook = name
        reason = f"notebook not present: notebooks/{name}"
        return pytest.mark.skipif(not (NOTEBOOKS_DIR / name).exists(), reason=reason)(test)

    return decorate


def assert_no_error_shown(output):
    """An explorer's output must never show a traceback or an error (stderr) block."""
    shown = displayed(output)
    assert "Traceback" not in shown["text"], f"the output shows a traceback: {shown['text'][:2000]}"
    expect(output.locator("[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    return shown


def figure_source(figure):
    """The ``src`` of a figure shown by an ipywidgets Image: every redraw gives it a new one."""
    return figure.first.get_attribute("src")


def wait_for_new_figure(page, figure, old_src):
    """Wait until the figure has been redrawn (its ``src`` is no longer ``old_src``)."""
    page.wait_for_function("([img, old]) => img.src !== old", arg=[figure.first.element_handle(), old_src])


def type_into(box, text):
    """Replace a Text widget's text by typing ``text`` key by key, then Enter (needed if continuous_update=False)."""
    box.fill("")
    box.press_sequentially(text, delay=20)
    box.press("Enter")


def check_time_explorer(page):
    """The through-time explorer (notebooks 04 and 07): its time-step slider moves the highlighted step."""
    time_out = page.locator(".time-explorer-out")
    time_out.scroll_into_view_if_needed()
    cell = page.locator(".jp-Cell", has=time_out)
    slider, figure = page.locator(".time-step-slider"), cell.locator("img.widget-image")
    expect(slider).to_be_visible()
    expect(figure).to_be_visible()
    before = wait_for_display_change(page, time_out, {"text": "", "images": []})
    figure_before, readout_before = figure_source(figure), slider.locator(".widget-readout").inner_text()

    nudge_slider(slider)

    expect(slider.locator(".widget-readout")).not_to_have_text(readout_before)
    wait_for_display_change(page, time_out, before)  # the values at the new step
    assert_no_error_shown(time_out)
    wait_for_new_figure(page, figure, figure_before)


OUTPUT = ".widget-output:not(.control-labeller)"  # an explorer's output, not the script that names its sliders


def slider_labelled(page, label):
    """The ipywidgets slider whose description is ``label``."""
    return page.locator(".widget-slider", has=page.locator(".widget-label", has_text=label))


def check_accessible(page, name, scope=".jp-OutputArea"):
    """Every slider handle and picture in the outputs (``scope``) has a name (issue 19); axe finds nothing serious
    there."""
    page.wait_for_timeout(500)  # the labeller names new handles on the next animation frame
    unnamed = unnamed_controls(page, scope)
    assert unnamed["handles"] > 0 and not unnamed["unnamedHandles"], f"{name}: unnamed slider handles {unnamed}"
    assert unnamed["images"] > 0 and not unnamed["imagesWithoutAlt"], f"{name}: pictures without alt text {unnamed}"
    found = axe_check(page, name, scope)
    assert not serious_in_outputs(found), f"{name}: serious axe violations in the outputs: {found['outputs']}"


def press(locator, key, times):
    """Press ``key`` on ``locator`` ``times`` times (a learner using the keyboard)."""
    for _ in range(times):
        locator.press(key)


@for_notebook("00_start_here.ipynb")
def test_00_smoke_slider_moves_with_keyboard(lab):
    with notebook_page(lab, "00_start_here.ipynb") as page:
        slider = slider_labelled(page, "Move me")
        echo = page.locator(".jp-Cell", has=slider).locator(OUTPUT)  # no CSS class in the notebook
        echo.scroll_into_view_if_needed()
        expect(echo).to_contain_text("You chose 3; its square is 9.")
        expect(slider.locator(".noUi-handle")).to_have_attribute("aria-label", "Move me")  # an accessible name
        expect(slider.locator(".widget-readout")).to_have_text("3")

        nudge_slider(slider)

        expect(slider.locator(".widget-readout")).to_have_text("4")
        expect(echo).to_contain_text("You chose 4; its square is 16.")


@for_notebook("04_gate_explorer.ipynb")
def test_04_gate_explorers_follow_their_sliders_and_presets(lab):
    with notebook_page(lab, "04_gate_explorer.ipynb") as page:
        # Single-cell explorer: a slider of its cell changes the gate values shown and the figure.
        cell_out = page.locator(".cell-explorer-out")
        cell_out.scroll_into_view_if_needed()
        cell = page.locator(".jp-Cell", has=cell_out)
        first_slider, figure = cell.locator(".widget-slider").first, cell.locator("img.widget-image")
        expect(first_slider).to_be_visible()
        expect(figure).to_be_visible()
        before = wait_for_display_change(page, cell_out, {"text": "", "images": []})
        figure_before = figure_source(figure)

        nudge_slider(first_slider)

        wait_for_display_change(page, cell_out, before)
        assert_no_error_shown(cell_out)
        wait_for_new_figure(page, figure, figure_before)

        check_preset_reclick_restores(page)
        check_exercise_start_and_verdict(page)
        check_time_explorer(page)
        check_run_all_keeps_the_exercise(page)
        check_accessible(page, "04_gate_explorer")


def check_preset_reclick_restores(page):
    """The active preset is shown; after sliding away from "hold", clicking "hold" again re-applies it."""
    hold = page.locator(".cell-presets .widget-toggle-button", has_text="hold")
    status = page.locator(".cell-presets .widget-html")
    b_f = slider_labelled(page, "b (f)")
    hold.click()
    expect(b_f.locator(".widget-readout")).to_have_text("6.0")
    expect(hold).to_have_class(re.compile(r"\bmod-active\b"))
    expect(status).to_contain_text("active preset: hold")
    nudge_slider(b_f)
    expect(b_f.locator(".widget-readout")).not_to_have_text("6.0")
    expect(hold).not_to_have_class(re.compile(r"\bmod-active\b"))  # no preset is shown active any more
    expect(status).to_contain_text("no preset active")
    hold.click()
    expect(b_f.locator(".widget-readout")).to_have_text("6.0")
    expect(hold).to_have_class(re.compile(r"\bmod-active\b"))


def check_exercise_start_and_verdict(page):
    """Exercise 04.predict_forget: from hold, slide b(f) from 6 down to 0; the verdict matches f = 0.5, i ≈ 0."""
    b_f, cell_out = slider_labelled(page, "b (f)"), page.locator(".cell-explorer-out")
    expect(b_f.locator(".widget-readout")).to_have_text("6.0")  # hold (where the explorer opened, re-applied)
    handle = b_f.locator(".noUi-handle")
    handle.focus()
    press(handle, "PageDown", 12)  # 12 big steps of 0.5: from 6 down to 0, by keyboard
    expect(b_f.locator(".widget-readout")).to_have_text("0.0")
    expect(cell_out).to_contain_text("fading")
    expect(cell_out).not_to_contain_text("mixing")
    expect(cell_out).to_contain_text("c(t) ≈ 0.50 × c(t−1)")


def check_run_all_keeps_the_exercise(page):
    """Run All must not spoil 04.first_spike: the first time explorer still shows t = 2 and 7; the new sequence
    appears only when the learner presses the button, in its own explorer."""
    spikes_2_and_7 = re.compile(r"two spikes \(t = 2 and t = 7\)")
    first = page.locator(".jp-Cell", has=page.locator(".time-explorer-out")).nth(0).locator("img.widget-image")
    expect(first).to_have_attribute("alt", spikes_2_and_7)
    expect(page.locator(".time-step-slider")).to_have_count(1)  # nothing else was drawn by Run All
    reveal = page.locator(".shown-on-click")
    reveal.scroll_into_view_if_needed()
    reveal.click()
    expect(page.locator(".time-step-slider")).to_have_count(2)
    expect(page.locator("img.widget-image[alt*='spikes at t = 4, 5 and 10']")).to_have_count(1)
    expect(first).to_have_attribute("alt", spikes_2_and_7)  # the first explorer kept its sequence


@for_notebook("02_vanishing_gradients.ipynb")
def test_02_gradient_explorer_follows_its_slider(lab):
    with notebook_page(lab, "02_vanishing_gradients.ipynb") as page:
        readout = page.locator(".gradient-readout")
        readout.scroll_into_view_if_needed()
        expect(readout).to_contain_text("ρ(W_hh) = 0.60")
        slider = slider_labelled(page, "W_hh scale")
        cell = page.locator(".jp-Cell", has=readout)
        figure = cell.locator("img.widget-image")
        expect(figure).to_be_visible()
        before, figure_before = readout.inner_text(), figure_source(figure)

        nudge_slider(slider)

        expect(readout).not_to_have_text(before)
        wait_for_new_figure(page, figure, figure_before)
        assert_no_error_shown(cell.locator(OUTPUT))

        handle = slider.locator(".noUi-handle")  # now 1.25: up to 4, where the rule of thumb fails
        handle.focus()
        press(handle, "ArrowRight", 11)
        expect(slider.locator(".widget-readout")).to_have_text("4.00")
        expect(readout).to_contain_text("does not apply")
        expect(readout).to_contain_text("yet the gradient grows")
        check_accessible(page, "02_vanishing_gradients")


@for_notebook("08_inside_the_trained_lstm.ipynb")
def test_08_typed_sequence_gets_a_prediction_or_a_friendly_message(lab):
    with notebook_page(lab, "08_inside_the_trained_lstm.ipynb") as page:
        box = page.locator(".sequence-input input[type='text']")
        out = page.locator(".sequence-explorer-out")
        out.scroll_into_view_if_needed()
        expect(box).to_be_visible()
        expect(page.get_by_role("textbox", name="sequence")).to_be_visible()  # named by its visible label
        expect(out).to_contain_text("prediction")

        type_into(box, "abc")  # not numbers: a friendly message naming what was wrong; no traceback, no prediction
        expect(out).to_contain_text("abc")
        expect(out).not_to_contain_text("prediction")
        shown = assert_no_error_shown(out)
        assert shown["text"], "typing 'abc' should show a friendly message, but the output is empty"

        type_into(box, "3, 6, 9, 12")  # the model continues the sequence: about 15
        expect(out).to_contain_text("prediction")
        shown = assert_no_error_shown(out)
        numbers = re.search(r"prediction\D*?(-?\d+(?:\.\d+)?)", shown["text"])
        assert numbers, f"no predicted number in the output: {shown['text']!r}"
        assert abs(float(numbers.group(1)) - 15) < 0.5, f"3, 6, 9, 12 should give about 15: {shown['text']!r}"
        picture = out.locator("img")
        expect(picture).to_have_attribute("alt", re.compile(r"c \(±1\)"))  # the same colour scales ...
        type_into(box, "100, 200, 300, 400")
        expect(out).to_contain_text("colour scales stay the same")  # ... and c beyond them is flagged
        expect(out.locator("img")).to_have_attribute("alt", re.compile(r"c \(±1\)"))

        check_time_explorer(page)
        check_accessible(page, "08_inside_the_trained_lstm")


@for_notebook("10_inside_the_character_model.ipynb")
def test_10_char_explorer_follows_its_slider_and_reads_typed_text(lab):
    with notebook_page(lab, "10_inside_the_character_model.ipynb") as page:
        text = page.locator(".char-explorer-text")
        text.scroll_into_view_if_needed()
        expect(text).to_be_visible()
        trace = page.locator("img.char-explorer-trace")
        heading_before, trace_before = text.inner_text(), figure_source(trace)

        nudge_slider(slider_labelled(page, "unit"))  # another cell: new colours, new trace

        expect(text).not_to_have_text(heading_before)
        wait_for_new_figure(page, trace, trace_before)

        box = page.get_by_role("textbox", name="your text")  # an accessible name, not only a placeholder
        read = page.locator(".char-explorer-read")
        message = page.locator(".char-explorer-message")
        box.fill("naïve")  # ï is not in the model's vocabulary: a short message, never a traceback
        read.click()
        expect(message).to_contain_text("not in the model")
        box.fill('x = "a" (b)')  # the explorer keeps working afterwards
        read.click()
        expect(text).to_contain_text("your text")
        expect(message).to_have_text("")
        assert_no_error_shown(page.locator(".char-explorer-out"))  # the class is set by explorer_layout
        start = page.get_by_role("spinbutton", name="span start")
        length = page.get_by_role("spinbutton", name="length")
        expect(start).to_have_value("5")  # the span follows the typed text: its quotation "a", quotes included
        expect(length).to_have_value("3")
        expect(page.locator(".char-explorer-pattern")).to_contain_text("Span 5–7")
        length.fill("1")  # set precisely by typing
        length.press("Enter")
        expect(page.locator(".char-explorer-pattern")).to_contain_text("Span 5–5")
        expect(text.locator("span[title]").first).to_have_attribute("title", re.compile(r"[+-]\d\.\d\d$"))
        check_accessible(page, "10_inside_the_character_model")  # the explorer and every static figure


@for_notebook("13_from_lstm_to_attention.ipynb")
def test_13_attention_explorer_follows_its_slider_and_reads_typed_digits(lab):
    with notebook_page(lab, "13_from_lstm_to_attention.ipynb") as page:
        readout = page.locator(".attention-explorer-readout")
        readout.scroll_into_view_if_needed()
        expect(readout).to_contain_text("Output step 1 wrote")
        heatmap = page.locator("img.attention-explorer-heatmap")
        before = figure_source(heatmap)

        nudge_slider(slider_labelled(page, "output step"))  # the next output step: another row highlighted

        expect(readout).to_contain_text("Output step 2 wrote")
        wait_for_new_figure(page, heatmap, before)

        box = page.get_by_role("textbox", name="your digits")
        message = page.locator(".attention-explorer-message")
        type_into(box, "12a45")  # not digits: a short message, the last string kept, never a traceback
        expect(message).not_to_have_text("")
        assert_no_error_shown(page.locator(".attention-explorer-out"))
        type_into(box, "90210")
        expect(message).to_have_text("")
        expect(heatmap).to_have_attribute("alt", re.compile(r"reversing 90210"))
        check_accessible(page, "13_from_lstm_to_attention", ".jp-Cell:has(.attention-explorer-readout) .jp-OutputArea")


# Notebooks whose stored outputs include widgets: opened WITHOUT running, they must show pictures and notes.
WIDGET_NOTEBOOKS = (
    "00_start_here.ipynb",
    "02_vanishing_gradients.ipynb",
    "04_gate_explorer.ipynb",
    "08_inside_the_trained_lstm.ipynb",
    "10_inside_the_character_model.ipynb",
    "13_from_lstm_to_attention.ipynb",
)
WIDGET_REPR = re.compile(r"\b(?:VBox|HBox|IntSlider|FloatSlider|interactive|ToggleButtons|Play)\(children=|IntSlider\(")

_OPENED_STATE_JS = """
(path) => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.context || w.context.path !== path || !w.content || !w.content.model) { return {ready: false}; }
  const outputs = Array.from(w.content.node.querySelectorAll('.jp-OutputArea-output'));
  return {
    ready: w.context.isReady && outputs.length > 0,
    dirty: w.context.model.dirty,
    text: outputs.map(o => o.textContent).join('\\n'),
    images: w.content.node.querySelectorAll('.jp-OutputArea-output img').length,
  };
}
"""


@pytest.mark.parametrize("name", [n for n in WIDGET_NOTEBOOKS if (NOTEBOOKS_DIR / n).exists()])
def test_saved_notebook_shows_pictures_not_widget_text_nor_answers(lab, name):
    """What a learner sees on opening a notebook, before running anything (issue: widget text forms, answers)."""
    page = lab.lab_page()
    path = f"notebooks/{name}"
    try:
        page.evaluate(
            "async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); return true; }",
            path,
        )
        page.wait_for_function("(path) => (" + _OPENED_STATE_JS + ")(path).ready", arg=path, timeout=60_000)
        page.wait_for_timeout(3000)  # let the kernel connect: JupyterLab then writes its language_info
        state = page.evaluate(_OPENED_STATE_JS, path)
        assert not WIDGET_REPR.search(state["text"]), f"{name}: a widget shows its text form before running"
        assert "Correct!" not in state["text"], f"{name}: a stored output gives an answer away"
        assert "Run this cell" in state["text"], f"{name}: no note saying to run the widget cell"
        if name != "00_start_here.ipynb":  # 00's smoke-check slider has a note only; explorers show a picture
            assert state["images"] > 0, f"{name}: no still picture of the widgets' default state"
        stored = json.loads((NOTEBOOKS_DIR / name).read_text())["metadata"].get("language_info", {})
        if stored.get("version") == platform.python_version():
            assert not state["dirty"], f"{name}: opens with the unsaved-changes dot (metadata changed on open)"
        close_notebook(page, name)
    except BaseException:
        save_failure_artifacts(page, lab.server, f"opened-{Path(name).stem}")
        lab.discard_page()
        raise
    finally:
        lab.server.shutdown_kernel_of(name)

"""The explorers of notebooks 04 and 07: the pure compute functions, in-place updates, and friendly messages."""

import asyncio
import math

import ipywidgets as widgets
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_helpers.arithmetic import TrainedArithmeticLSTM
from lstm_helpers.cells import run_lstm
from lstm_helpers.data import Scaler
from lstm_helpers.diagrams import HIGHLIGHTS, draw_lstm_cell
from lstm_helpers.explorer import (
    CELL_PARAMS,
    DEFAULT_CELL,
    PRESETS,
    CellExplorer,
    behaviour,
    cell_layout,
    cell_readout_html,
    cell_sliders,
    one_unit_step,
    one_unit_weights,
    start_values,
)
from lstm_helpers.models import SimpleLSTM
from lstm_helpers.sequence_explorer import (
    SequenceExplorer,
    describe_sequence,
    range_notes,
    trace_model,
    training_ranges,
)
from lstm_helpers.time_explorer import (
    TimeExplorer,
    spike_sequence,
    spike_weights,
    step_readout_html,
    time_controls,
)

PNG_MAGIC = b"\x89PNG"
finite = st.floats(min_value=-8, max_value=8, allow_nan=False)


def _sigmoid(a):
    return 1 / (1 + math.exp(-a))


# --- one cell, one step (notebook 04) ---------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(x_t=finite, h_prev=finite, c_prev=finite, params=st.fixed_dictionaries({name: finite for name in CELL_PARAMS}))
def test_one_unit_step_follows_the_equations(x_t, h_prev, c_prev, params):
    s = one_unit_step(x_t, h_prev, c_prev, **params)
    for gate in "fiCo":
        a = params[f"wx_{gate}"] * x_t + params[f"wh_{gate}"] * h_prev + params[f"b_{gate}"]
        assert s.a[gate] == pytest.approx(a)  # the pre-activation is "a" in the course's notation
    assert s.f == pytest.approx(_sigmoid(s.a["f"]), abs=1e-6)
    assert s.i == pytest.approx(_sigmoid(s.a["i"]), abs=1e-6)
    assert s.g == pytest.approx(math.tanh(s.a["C"]), abs=1e-6)
    assert s.o == pytest.approx(_sigmoid(s.a["o"]), abs=1e-6)
    assert s.c == pytest.approx(s.f * c_prev + s.i * s.g, abs=1e-5)
    assert s.h == pytest.approx(s.o * math.tanh(s.c), abs=1e-5)


def test_presets_forget_hold_overwrite():
    for x_t in (-1.0, 0.0, 1.5):
        for c_prev in (-1.5, 0.3, 2.0):
            forget = one_unit_step(x_t, 0.2, c_prev, **PRESETS["forget"])
            hold = one_unit_step(x_t, 0.2, c_prev, **PRESETS["hold"])
            overwrite = one_unit_step(x_t, 0.2, c_prev, **PRESETS["overwrite"])
            assert forget.f < 0.01 and abs(forget.c) < 0.02
            assert abs(hold.c - c_prev) < 0.01
            assert abs(overwrite.c - overwrite.g) < 0.01 and overwrite.g == pytest.approx(math.tanh(x_t), abs=1e-6)
            assert behaviour(forget).startswith("forgetting")
            assert behaviour(hold).startswith("holding")
            assert behaviour(overwrite).startswith("overwriting")


def test_verdict_matches_the_gate_values():
    """From hold, b_f slid to 0: f = 0.5 and i ≈ 0.002 fade the memory; nothing is "mixed" in (issue 19)."""
    faded = one_unit_step(**(start_values() | {"b_f": 0.0}))
    assert faded.i < 0.01 and abs(faded.f - 0.5) < 0.01
    words = behaviour(faded)
    assert words.startswith("fading") and "0.50" in words and "mixing" not in words
    writing = one_unit_step(**(start_values() | {"b_f": -6.0, "b_i": 0.0}))
    assert behaviour(writing).startswith("writing part of the candidate")
    keeping = one_unit_step(**(start_values() | {"b_i": 0.0}))
    assert behaviour(keeping).startswith("keeping the memory")
    mixing = one_unit_step(**(start_values() | {"b_f": 0.0, "b_i": 0.0}))
    assert behaviour(mixing).startswith("mixing") and "0.50" in behaviour(mixing)
    for state in (faded, writing, keeping, mixing):  # every verdict's numbers are the state's own
        for gate in ("f", "i"):
            value = getattr(state, gate)
            if 0.1 <= value <= 0.9:
                assert f"{value:.2f}" in behaviour(state)


def test_explorer_opens_where_the_exercise_starts():
    """Notebook 04's exercise starts from hold with x(t) = 1, h(t−1) = 0, c(t−1) = 1: the explorer opens there."""
    sliders = cell_sliders()
    assert {name: slider.value for name, slider in sliders.items()} == DEFAULT_CELL | PRESETS["hold"]
    assert (sliders["x_t"].value, sliders["h_prev"].value, sliders["c_prev"].value) == (1.0, 0.0, 1.0)
    explorer = CellExplorer()
    assert explorer.state == one_unit_step(**(DEFAULT_CELL | PRESETS["hold"]))
    assert explorer.alt.startswith("One LSTM step") and "c(t) = 1.00" in explorer.alt


def test_missing_parameters_take_their_defaults():
    assert one_unit_step(1.0, 0.0, 1.0) == one_unit_step(**DEFAULT_CELL)
    weights = one_unit_weights(b_f=2.0)
    assert weights.hidden_size == 1 and weights.input_size == 1
    assert weights.b_f.item() == 2.0 and weights.W_f.tolist() == [[1.0, 1.0]]  # [w_h, w_x]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"x_t": float("nan"), "h_prev": 0.0, "c_prev": 0.0}, ValueError, "finite"),
        ({"x_t": "1", "h_prev": 0.0, "c_prev": 0.0}, TypeError, "x_t must be a number"),
        ({"x_t": 1.0, "h_prev": 0.0, "c_prev": 0.0, "w_f": 1.0}, TypeError, "Unknown cell parameter"),
        ({"x_t": 1.0, "h_prev": 0.0, "c_prev": 0.0, "b_f": float("inf")}, ValueError, "b_f"),
    ],
)
def test_one_unit_step_rejects_bad_input_clearly(kwargs, error, words):
    with pytest.raises(error, match=words):
        one_unit_step(**kwargs)


def test_readout_shows_the_numbers():
    state = one_unit_step(**DEFAULT_CELL)
    html = cell_readout_html(state)
    assert f"{state.f:.3f}" in html and f"<b>{state.c:.3f}</b>" in html and f"<b>{state.h:.3f}</b>" in html
    assert "c_t =" not in html and "h_t =" not in html  # each result is named once, on the left of its equation
    assert "⊙" in html and "{" not in html  # the course's notation, no LaTeX-looking text
    with pytest.raises(TypeError, match="CellState"):
        cell_readout_html({"f": 0.5})


def test_cell_explorer_updates_in_place():
    explorer = CellExplorer()
    first = bytes(explorer.image.value)
    assert first.startswith(PNG_MAGIC)
    figure, axes = explorer.fig, list(explorer.fig.axes)
    state = explorer.update(show=False, **(DEFAULT_CELL | {"x_t": -1.5, "b_f": 5.0}))
    assert state == one_unit_step(**(DEFAULT_CELL | {"x_t": -1.5, "b_f": 5.0}))
    assert bytes(explorer.image.value) != first and bytes(explorer.image.value).startswith(PNG_MAGIC)
    assert explorer.fig is figure and list(explorer.fig.axes) == axes  # same figure, no new axes
    assert explorer.png() == explorer._repr_png_()


def test_cell_widgets_match_the_step_arguments():
    sliders = cell_sliders()
    assert set(sliders) == {"x_t", "h_prev", "c_prev", *CELL_PARAMS}
    explorer = CellExplorer()
    out = widgets.Output()
    layout = cell_layout(sliders, explorer, out)
    assert "cell-explorer-out" in out._dom_classes
    presets = layout.children[0]
    assert "cell-presets" in presets._dom_classes
    buttons, status = presets.children
    assert isinstance(buttons, widgets.ToggleButtons) and buttons.options == ("default", *PRESETS)
    assert all(buttons.tooltips) and buttons.description == "preset"
    assert buttons.value == "hold" and "active preset: <b>hold</b>" in status.value  # the active one is shown
    sliders["b_f"].value = 0.0  # "from hold, slide b(f) down": no preset is active any more, and it says so
    assert buttons.value is None and "no preset active" in status.value
    buttons.value = "hold"  # choosing the same preset again restores it
    assert sliders["b_f"].value == PRESETS["hold"]["b_f"] and "hold" in status.value
    buttons.value = "default"
    assert {name: slider.value for name, slider in sliders.items()} == DEFAULT_CELL
    assert buttons.value == "default"  # setting several sliders did not deselect the preset being applied


def test_a_preset_click_redraws_once():
    sliders = cell_sliders()
    explorer = CellExplorer()
    for slider in sliders.values():  # what interactive_output does: every slider move calls update
        slider.observe(lambda _change: explorer.update(show=False, **{k: w.value for k, w in sliders.items()}),
                       names="value")
    buttons = cell_layout(sliders, explorer, widgets.Output()).children[0].children[0]
    renders, refresh = [], explorer._render.refresh
    explorer._render.refresh = lambda: renders.append(1) or refresh()
    buttons.value = "forget"
    assert explorer.state == one_unit_step(**(DEFAULT_CELL | PRESETS["forget"]))  # the figure shows the preset
    assert len(renders) == 1  # several sliders changed, one redraw


def test_slider_labels_are_plain_unicode():
    labels = [slider.description for slider in cell_sliders().values()]
    assert "h(t−1)" in labels and "c(t−1)" in labels
    assert not any(mark in label for label in labels for mark in ("{", "}", "_", "$"))


# --- through time (notebook 04) ---------------------------------------------------------------------------------


def test_spike_lstm_remembers_the_first_spike():
    x = spike_sequence(12, spikes=(2, 7))  # time steps counted from 1: rows 1 and 6
    assert x[:, 0].nonzero().flatten().tolist() == [1, 6]
    trace = run_lstm(x, spike_weights())
    c0 = trace.c[:, 0]
    assert c0[:1].abs().max() < 0.01 and c0[1] > 0.95 and (c0[6] - c0[5]).abs() < 0.01
    assert trace.i[1, 0] > 0.99 and trace.i[6, 0] < 0.01
    later = run_lstm(spike_sequence(12, spikes=(5, 9)), spike_weights())
    assert later.c[3, 0].abs() < 0.01 and later.c[4, 0] > 0.95  # it stores whichever spike comes first
    with pytest.raises(ValueError, match="outside 1..5"):
        spike_sequence(5, spikes=(7,))
    with pytest.raises(ValueError, match="counted from 1"):
        spike_sequence(5, spikes=(0,))


def test_time_explorer_steps_and_reads_out():
    x = spike_sequence()
    trace = run_lstm(x, spike_weights())
    explorer = TimeExplorer(x, trace)
    assert explorer.seq_len == 12
    images = set()
    for t in (1, 3, 7, 12):  # time steps counted from 1
        explorer.update(t, show=False)
        images.add(bytes(explorer.image.value))
    assert len(images) == 4
    html = step_readout_html(x, trace, 7)
    assert "t = 7" in html and f"c = {trace.c[6, 0].item():.3f}" in html and "unit 2" in html
    assert explorer.readout(7) == html
    with pytest.raises(ValueError, match="from 1 to 12"):
        explorer.update(0)
    with pytest.raises(ValueError, match="from 1 to 12"):
        explorer.update(13)
    assert explorer.png(highlight=False) != explorer.png(highlight=True)
    explorer.update(9, show=False)
    later = spike_sequence(12, spikes=(4, 5, 10))
    explorer.set_sequence(later, run_lstm(later, spike_weights()), title="spikes at t = 4, 5 and 10")
    assert explorer._step == 9  # a new sequence keeps the step the slider shows
    assert explorer._input_ax.get_title() == "spikes at t = 4, 5 and 10"
    assert "spikes at t = 4, 5 and 10" in explorer.alt and "t = 9 is boxed" in explorer.alt


def test_time_explorer_colour_scales_stay_fixed_across_sequences():
    """Two runs compare by colour: the scales do not follow each run (issue 19: ±0.4 for one sequence, ±1 for
    another); c beyond its scale is flagged, and a new sequence of the same length redraws only the layers."""
    small, large = [0.05, 0.1, 0.15, 0.2], [2.0, 4.0, 6.0, 8.0]
    weights = spike_weights()
    explorer = TimeExplorer(small, run_lstm(torch.tensor(small).reshape(-1, 1), weights))
    limits = {name: image.get_clim() for name, image in explorer._images.items()}
    assert limits["g"] == limits["h"] == (-1.0, 1.0) and limits["f"] == (0.0, 1.0) and limits["c"] == (-1.0, 1.0)
    assert not explorer.clipped
    full, layers = explorer._render.redraw_background, explorer._render.redraw_layers
    calls = []
    explorer._render.redraw_background = lambda: calls.append("full") or full()
    explorer._render.redraw_layers = lambda: calls.append("layers") or layers()
    explorer.set_sequence(large, run_lstm(torch.tensor(large).reshape(-1, 1), weights))
    assert {name: image.get_clim() for name, image in explorer._images.items()} == limits
    assert explorer.clipped  # unit 2's clock and the spikes push c above 1
    assert calls == ["layers"]
    largest = run_lstm(torch.tensor(large).reshape(-1, 1), weights).c.abs().max().item()
    own = TimeExplorer(large, run_lstm(torch.tensor(large).reshape(-1, 1), weights)).limits["c"]
    assert largest <= own < 2 * largest  # by default the first run's largest |c|, rounded up to 1, 2, 3, 5, ...


def test_time_explorer_summarises_many_units_and_takes_new_sequences():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(1, 16, batch_first=True)
    model = type("M", (), {"lstm": lstm})()
    trace = trace_model(model, [1.0, 2.0, 3.0])
    explorer = TimeExplorer([1, 2, 3], trace)
    assert "mean over units" in explorer.readout(1)
    longer = trace_model(model, [1.0, 2.0, 3.0, 4.0, 5.0])
    explorer.set_sequence([1, 2, 3, 4, 5], longer)
    assert explorer.seq_len == 5
    explorer.update(5, show=False)
    with pytest.raises(ValueError, match="built for 16 units"):
        explorer.set_sequence(spike_sequence(), run_lstm(spike_sequence(), spike_weights()))
    with pytest.raises(ValueError, match="must match"):
        explorer.set_sequence([1, 2], longer)
    with pytest.raises(TypeError, match="LSTMTrace"):
        TimeExplorer([1, 2, 3], longer.h)


def test_time_controls_are_linked():
    play, slider = time_controls(6)
    assert (slider.min, slider.max, slider.value) == (1, 6, 1)  # time steps counted from 1
    assert "time-step-slider" in slider._dom_classes
    assert isinstance(play, widgets.ToggleButton) and "time-play" in play._dom_classes
    assert play.description == "▶ play" and play.tooltip  # a visible, accessible label


def test_play_button_steps_the_slider_to_the_end():
    async def scenario():
        play, slider = time_controls(4, interval=20)
        play.value = True  # what a click does
        assert play.description == "■ stop"
        for _ in range(400):
            await asyncio.sleep(0.01)
            if not play.value:
                break
        assert slider.value == 4 and not play.value and play.description == "▶ play"
        play.value = True  # at the end, playing starts again from t = 1
        await asyncio.sleep(0.001)
        assert slider.value < 4
        play.value = False  # a second click stops it
        stopped_at = slider.value
        await asyncio.sleep(0.1)
        assert slider.value == stopped_at

    asyncio.run(scenario())
    with pytest.raises(ValueError):
        time_controls(0)
    with pytest.raises(ValueError, match="milliseconds"):
        time_controls(5, interval=0)


def test_highlight_box_stays_clear_of_the_colour_bars():
    x = spike_sequence()
    explorer = TimeExplorer(x, run_lstm(x, spike_weights()))
    explorer.update(explorer.seq_len, show=False)  # the last step: the box is at the right edge
    explorer.fig.canvas.draw()
    renderer = explorer.fig.canvas.get_renderer()
    for box, colorbar in zip(explorer._boxes, explorer._colorbars.values(), strict=True):
        assert box.get_clip_on()
        heatmap = box.axes.get_window_extent(renderer)
        assert colorbar.ax.get_window_extent(renderer).x0 - heatmap.x1 > 4  # pixels of white between them


# --- the LSTM cell diagram (notebook 03) --------------------------------------------------------------------------


@pytest.mark.parametrize("highlight", [None, *HIGHLIGHTS])
def test_lstm_cell_diagram_draws_every_highlight(highlight):
    fig = draw_lstm_cell(highlight)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    texts = [text.get_text() for text in ax.texts]
    assert "$c_{t-1}$" in texts and "$c_t$" in texts and "$h_t$" in texts  # lower-case c: the course notation
    if highlight:
        assert "highlighted" in ax.get_title()


def test_lstm_cell_diagram_rejects_unknown_highlight():
    with pytest.raises(ValueError, match="highlight must be"):
        draw_lstm_cell("x")


# --- the trained model (notebook 08) ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result():
    """A small untrained model dressed as a training result: the explorer's plumbing does not need training."""
    torch.manual_seed(0)
    model = SimpleLSTM(input_size=1, hidden_size=8).eval()
    pairs = tuple((a, d) for a in range(1, 10) for d in range(1, 6))
    return TrainedArithmeticLSTM(model, Scaler(40), 4, [], pairs, (), 0.0)


def test_trace_model_is_the_models_own_computation(result):
    x = torch.tensor([[2.0, 4.0, 6.0, 8.0], [1.0, 3.0, 5.0, 7.0]])  # (batch, seq_len)
    trace = trace_model(result.model, x, result.scaler)
    with torch.no_grad():
        out, _ = result.model.lstm(result.scaler.transform(x).unsqueeze(-1))  # (batch, seq_len, hidden_size)
        prediction = result.scaler.inverse(result.model.linear(trace.h[:, -1]).squeeze(-1))
    assert torch.allclose(trace.h, out, atol=1e-6)
    assert np.allclose(prediction.numpy(), result.predict(x.numpy()), atol=1e-5)
    with pytest.raises(TypeError, match="nn.LSTM"):
        trace_model(torch.nn.Linear(1, 1), [1.0, 2.0])
    with pytest.raises(ValueError, match="seq_len"):
        trace_model(result.model, torch.ones(2, 3, 1))


def test_training_ranges_and_notes(result):
    ranges = training_ranges(result)
    assert ranges == {"min_value": 1.0, "max_value": 29.0, "min_step": 1, "max_step": 5}
    assert range_notes([2, 4, 6, 8], ranges) == []
    assert "Outside the training range" in range_notes([100, 200, 300, 400], ranges)[0]
    assert "Not an arithmetic sequence" in range_notes([1, 5, 2, 8], ranges)[0]
    assert "step 0.5" in range_notes([1, 1.5, 2, 2.5], ranges)[0]


@pytest.mark.parametrize(
    "text", ["", "hello", "1,,2", "7", "1, 2, nan, 4", "1e30, 1, 2, 3", ", ".join(["3"] * 10_000)]
)
def test_describe_sequence_never_raises_on_bad_text(result, text):
    report = describe_sequence(text, result)
    assert not report.ok and report.message and report.trace is None


def test_describe_sequence_uses_the_last_window(result):
    report = describe_sequence("1, 2, 3, 4, 5, 6", result)
    assert report.ok and report.window == (3.0, 4.0, 5.0, 6.0)
    assert "last 4" in report.notes[0]
    assert report.prediction == pytest.approx(float(result.predict([[3, 4, 5, 6]])[0]), abs=1e-5)
    assert report.trace.h.shape == (4, 8)


def test_sequence_explorer_recovers_after_bad_input(result, capsys):
    explorer = SequenceExplorer(result)
    assert explorer.update("3, 6, 9, 12").ok
    assert not explorer.update("1,,2").ok
    again = explorer.update("100, 200, 300, 400")
    assert again.ok and explorer.view.seq_len == 4 and any("Outside" in note for note in again.notes)
    with pytest.raises(TypeError, match="train_arithmetic_lstm"):
        SequenceExplorer(result.model)


# --- notebook 02's gradient explorer: the rule of thumb's readout ------------------------------------------------


@pytest.mark.parametrize(("scale", "flagged"), [(1.0, False), (2.0, False), (4.0, True), (6.0, True)])
def test_gradient_readout_flags_where_the_rule_of_thumb_fails(scale, flagged):
    """Issue 19: at W_hh scale 4 the readout said ρ × mean tanh′ = 0.95 while the curve climbed to 2.4e+03."""
    from lstm_helpers.gradients import GradientExplorer, per_step_factor

    explorer = GradientExplorer(max_len=100)
    profile = explorer.update(scale, 60)
    shown = explorer.readout.value
    assert "gradient-readout" in explorer.readout._dom_classes
    assert ("does not apply" in shown) is flagged
    assert f"{per_step_factor(profile, 59):.3f}" in shown
    if flagged:  # the rule says "vanishing" (below 1) while the measured curve grows: the readout says both
        assert "is below 1, yet the gradient grows" in shown and per_step_factor(profile, 59) > 1
    assert explorer.alt.startswith(f"Vanilla RNN with W_hh scaled by {scale:g}")


# --- pictures: fast PNG, alt text, labeller (lstm_helpers._render) -----------------------------------------------


def test_png_bytes_round_trips_and_pictures_carry_alt_text(capsys):
    import io

    from matplotlib.figure import Figure
    from PIL import Image

    from lstm_helpers._render import LABEL_CONTROLS_JS, Picture, figure_picture, png_bytes, show_figure, with_picture

    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(rgba))))
    assert decoded.shape == (7, 5, 4) and (decoded == rgba).all()  # lossless
    fig = Figure(figsize=(2, 1))
    fig.subplots().plot([0, 1])
    picture = figure_picture(fig, alt='a line "up"')
    data, metadata = picture._repr_mimebundle_()
    assert 'alt="a line &quot;up&quot;"' in data["text/html"] and data["text/plain"] == 'a line "up"'
    assert metadata == {"image/png": {"width": 192}} and 'width="192"' in data["text/html"]  # 2 inches at 96 px
    with pytest.raises(ValueError, match="alt text"):
        Picture(picture.png, " ")
    with pytest.raises(ValueError, match="alt text"):
        show_figure(fig, "")
    wrapped = with_picture(widgets.IntSlider(description="n"), png=picture.png, alt="the slider at 0")
    bundle = wrapped._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert 'alt="the slider at 0"' in data["text/html"]
    labeller = wrapped.widget.children[1]
    assert "control-labeller" in labeller._dom_classes
    assert labeller.outputs[0]["data"]["application/javascript"] == LABEL_CONTROLS_JS
    assert all(word in LABEL_CONTROLS_JS for word in ("aria-label", ".picture-alt", ".figure-alt"))


def test_shown_on_click_builds_nothing_until_asked():
    from lstm_helpers._render import shown_on_click

    built = []
    box = shown_on_click("Show it", lambda: built.append(1) or widgets.Label("the answer"))
    assert not built and box.children[0].description == "Show it"
    box.children[0].click()
    assert built == [1] and box.children[0].value == "the answer"

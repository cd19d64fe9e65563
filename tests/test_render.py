"""lstm_helpers._render: every figure and explorer picture keeps its text at least 12 CSS pixels at 100% zoom."""

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lstm_helpers._render import CSS_DPI, MIN_TEXT_PX, make_readable, text_report  # noqa: E402


def test_small_text_scripts_and_log_ticks_are_raised_to_the_minimum():
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.semilogy(np.arange(40), 10.0 ** -np.arange(40), label=r"forget gate $f_t$")
    ax.legend(fontsize=7)
    ax.set_title("a title", fontsize=6)
    before = text_report(fig)
    assert before["min_text_px"] < MIN_TEXT_PX
    make_readable(fig)
    after = text_report(fig)
    assert after["min_text_px"] >= MIN_TEXT_PX - 1e-6
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and not any("$" in label for label in labels)  # 1e-10 in plain text, no small superscript
    plt.close(fig)


def test_text_already_large_enough_is_left_alone():
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    ax.set_title("a title", fontsize=14)
    make_readable(fig)
    assert ax.title.get_fontsize() == 14
    assert text_report(fig)["width_css"] == 600
    plt.close(fig)


@pytest.fixture(scope="module")
def explorers():
    from lstm_helpers import seq2seq
    from lstm_helpers.cells import run_lstm
    from lstm_helpers.explorer import CellExplorer
    from lstm_helpers.gradients import GradientExplorer
    from lstm_helpers.time_explorer import TimeExplorer, spike_sequence, spike_weights

    gradient = GradientExplorer(max_len=40)
    gradient.update(4.0, 30)
    cell = CellExplorer()
    x = spike_sequence()
    through_time = TimeExplorer(x, run_lstm(x, spike_weights()))
    through_time.update(t=3)
    attention = seq2seq.AttentionExplorer(seq2seq.load_attention_model())
    attention.update(step=3)
    return {"02 gradient": gradient.fig, "04 cell": cell._render.fig, "04 through time": through_time._render.fig,
            "13 attention": attention.blit.fig}


@pytest.mark.parametrize("name", ["02 gradient", "04 cell", "04 through time", "13 attention"])
def test_explorer_pictures_have_readable_text(explorers, name):
    report = text_report(explorers[name], css_dpi=CSS_DPI)
    assert report["min_text_px"] >= MIN_TEXT_PX - 0.05, (name, report)

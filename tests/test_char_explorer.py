"""Notebook 10's explorer: the learner's text never causes a traceback, and the pattern search finds what is there."""

import numpy as np
import pytest
import torch

from lstm_helpers.char_cells import trace_text
from lstm_helpers.char_data import Vocabulary
from lstm_helpers.char_explorer import (
    MAX_CHARS,
    YOUR_TEXT,
    CharExplorer,
    check_text,
    explorer_controls,
    explorer_layout,
    find_pattern,
    pattern_units,
    quoted_span,
    span_boxes,
)
from lstm_helpers.char_model import CharLSTM

VOCAB = Vocabulary('abcdefghij xyz\n"()[]{}=,.:')
TEXT = ('ab "cd" (e[f]) \n   x = "y"\n\nhij (a, b)\n' * 60)[:2000]
PNG_MAGIC = b"\x89PNG"


@pytest.fixture()
def explorer():
    torch.manual_seed(0)
    model = CharLSTM(len(VOCAB), embedding_dim=8, hidden_size=16).eval()
    reference = trace_text(model, VOCAB, TEXT, num_streams=4, stream_len=300, warmup=50)
    return CharExplorer(model, VOCAB, {"one": TEXT[:120], "two": TEXT[300:400]}, reference)


# --- the learner's text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok", "words"),
    [
        ("", False, "empty"),
        ("abc é ☕", False, "'é', '☕'"),
        ("ab\tc", False, "'\\t'"),
        ("a" * (MAX_CHARS + 5), True, "reads the first 2,000"),
        ('ab "c"', True, ""),
        (None, False, "Expected text"),
        (12, False, "Expected text"),
    ],
)
def test_check_text(text, ok, words):
    checked = check_text(text, VOCAB)
    assert checked.ok == ok
    assert words in checked.message
    if ok:
        assert 0 < len(checked.text) <= MAX_CHARS


def test_huge_paste_is_cut_and_checked_quickly():
    checked = check_text("a" * 5_000_000 + "é", VOCAB)  # the unknown character lies beyond the cut
    assert checked.ok and len(checked.text) == MAX_CHARS and "5,000,001" in checked.message


def test_bad_text_gives_a_message_and_the_explorer_keeps_working(explorer):
    before = dict(explorer.passages)
    for bad in ["", "café", "\x00"]:
        checked = explorer.read_text(bad)
        assert not checked.ok and explorer.message_html.value  # a message, not an exception
        assert explorer.passages == before
    scaled = explorer.update("h", 3, "one", (2, 5))
    assert np.abs(scaled).max() == pytest.approx(1.0)
    good = explorer.read_text("def f(x):\n   bad (x)")
    assert good.ok and explorer.message_html.value == ""
    scaled = explorer.update("c", 7, YOUR_TEXT, (1, 400))  # a span beyond the text is cut to it
    assert len(scaled) == len("def f(x):\n   bad (x)")
    assert "span 1–20" in explorer.title.get_text()


def test_update_draws_text_trace_and_pattern(explorer):
    explorer.update("h", 0, "two", (3, 6), 0.0)
    assert explorer.text_html.value.count("<span") >= 100
    assert explorer.image.value[:4] == PNG_MAGIC and explorer.png()[:4] == PNG_MAGIC
    assert "Span 3–6" in explorer.pattern_html.value
    explorer.update("h", 0, "no such passage", (1, 2))  # falls back to the first passage
    assert "on &#x27;one&#x27;" in explorer.text_html.value


def test_controls_and_layout_read_the_box(explorer):
    controls = explorer_controls(explorer, passage="one", span=(1, 10))
    assert controls["span"].max == 120 and controls["unit"].max == 15
    controls["passage"].value = "two"
    assert controls["span"].max == 100
    layout = explorer_layout(explorer, controls)
    box = next(w for w in layout.children if hasattr(w, "children") and any(
        "char-explorer-input" in c._dom_classes for c in w.children)).children
    area, button = box
    area.value = "naïve"
    button.click()  # a bad text: a message, nothing else changes
    assert "not in the model" in explorer.message_html.value and YOUR_TEXT not in controls["passage"].options
    area.value = 'x = "ab" (c)'
    button.click()
    assert controls["passage"].value == YOUR_TEXT and controls["span"].max == len(area.value)
    button.click()  # the same entry again: refreshed by hand, no error
    for widget in (explorer.text_html, explorer.pattern_html, explorer.message_html, explorer.image):
        assert widget._dom_classes, "every output has a CSS class for the browser test"


def test_span_opens_on_a_whole_quotation_and_follows_typed_text(explorer):
    """Issue 19: the span opened on `"with` (no closing quote) and stayed put after "Read my text"."""
    assert quoted_span('see "with" here') == (5, 10)  # both quotes included
    assert quoted_span("no quotes at all") == (1, 10) and quoted_span("ab") == (1, 2)
    controls = explorer_controls(explorer, passage="one")
    first, last = controls["span"].value
    assert explorer.passages["one"][first - 1 : last] == '"cd"'
    layout = explorer_layout(explorer, controls)
    box = next(w for w in layout.children if hasattr(w, "children") and any(
        "char-explorer-input" in c._dom_classes for c in w.children)).children
    area, button = box
    assert area.description == "your text"  # an accessible name, not only a placeholder
    area.value = 'f(x, "bad")'
    button.click()
    first, last = controls["span"].value
    assert area.value[first - 1 : last] == '"bad"'
    area.value = 'y = "a bach"'
    button.click()  # the same menu entry again: the span still follows the text
    first, last = controls["span"].value
    assert area.value[first - 1 : last] == '"a bach"'


def test_span_boxes_set_the_span_precisely(explorer):
    controls = explorer_controls(explorer, passage="one", span=(3, 6))
    boxes = span_boxes(controls["span"])
    start, length = boxes.children
    assert (start.value, length.value) == (3, 4) and start.description == "span start"
    start.value = 10
    assert controls["span"].value == (10, 13)
    length.value = 1
    assert controls["span"].value == (10, 10)
    controls["span"].value = (20, 29)
    assert (start.value, length.value) == (20, 10)
    length.value = 500  # longer than the passage: cut at its end
    assert controls["span"].value[1] == controls["span"].max


def test_coloured_text_shows_sign_and_value_without_colour(explorer):
    explorer.update("h", 0, "one", (1, 3))
    shown = explorer.text_html.value
    assert 'title="h 0 = +' in shown or 'title="h 0 = -' in shown  # every character's value on hover
    values = explorer.trace("one")[2][:, 0]
    assert shown.count("text-decoration:underline") == int((values > 0).sum())  # positive values underlined
    assert "underlined above 0" in shown
    assert explorer.alt.startswith("Line plot of h 0")


def test_constructor_refuses_bad_passages():
    torch.manual_seed(0)
    model = CharLSTM(len(VOCAB), embedding_dim=8, hidden_size=16).eval()
    with pytest.raises(ValueError, match="Passage 'bad'"):
        CharExplorer(model, VOCAB, {"bad": "ümlaut"}, reference=None)
    with pytest.raises(ValueError, match="at least one passage"):
        CharExplorer(model, VOCAB, {}, reference=None)


# --- pattern search ---------------------------------------------------------------------------------------------


def test_pattern_units_on_throughout_and_off_around():
    h = np.zeros((10, 4))
    h[3:6, 1] = 0.9  # on exactly over steps 3-5
    h[3:6, 2] = 0.9
    h[2, 2] = 0.9  # on before the span too: not this pattern
    h[:, 3] = 0.9  # always on: not this pattern
    assert pattern_units(h, 3, 6).tolist() == [1]
    assert pattern_units(h, 3, 6, threshold=0.95).tolist() == []
    with pytest.raises(ValueError, match="inside"):
        pattern_units(h, 5, 3)


def test_find_pattern_finds_planted_repeats_and_respects_streams():
    h = np.zeros((200, 5))
    for start in (20, 90, 150):
        h[start : start + 4, [0, 2]] = 0.8
    found = find_pattern(h, [0, 2], 4)
    assert sorted(s for s, _ in found) == [20, 90, 150] and all(score == 1.0 for _, score in found)
    stream = np.repeat([0, 1], 100)
    h[98:102, [0, 2]] = 0.8  # straddles the two streams
    assert 98 not in [s for s, _ in find_pattern(h, [0, 2], 4, stream=stream)]
    assert find_pattern(h, [], 4) == []
    assert find_pattern(np.random.default_rng(0).normal(size=(200, 5)) * 0.1, [0, 1], 4) == []



def test_match_snippets_stay_inside_their_stream():
    from lstm_helpers.char_explorer import _snippet_html

    page = _snippet_html("QQQQQabcdeZZZZZ", 6, 2, context=10, bounds=(5, 10))  # stream 'abcde' at 5..9
    assert "Q" not in page and "Z" not in page and ">bc<" in page and ">a<" in page and ">de<" in page
    assert "↵" in _snippet_html("a\nb", 0, 1)

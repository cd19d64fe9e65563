"""Notebook 10's analysis code: feature labels, traces, the cell search and its controls, probes, interventions."""

import numpy as np
import pytest
import torch

from lstm_helpers.char_cells import (
    TextTrace,
    bracket_depth,
    cell_name,
    cell_passage_html,
    chars_left,
    clamp_experiment,
    coloured_text_html,
    column,
    compute_features,
    connectivity,
    correlations,
    in_quotes,
    indented,
    matching_pairs,
    ridge_probes,
    run_clamped,
    saturation,
    search_cells,
    search_rows,
    trace_text,
    untrained_twin,
    word_position,
)
from lstm_helpers.char_data import Vocabulary
from lstm_helpers.char_model import CharLSTM

VOCAB = Vocabulary('abcdefghij xyz\n"()[]{}=,.:')
TEXT = ('ab "cd" (e[f]) \n   x = "y"\n\nhij (a, b)\n' * 60)[:2000]


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return CharLSTM(len(VOCAB), embedding_dim=8, hidden_size=16).eval()


# --- feature labels on hand-made strings ------------------------------------------------------------------------


def labels(fn, text):
    return fn(text).astype(int).tolist()


def test_column_and_chars_left():
    assert labels(column, "ab\ncd") == [1, 2, 0, 1, 2]
    assert labels(chars_left, "ab\ncd") == [1, 0, 2, 1, 0]
    assert labels(column, "\n\nx") == [0, 0, 1]
    assert labels(chars_left, "abc") == [2, 1, 0]


def test_in_quotes():
    assert labels(in_quotes, 'a "b" c') == [0, 0, 1, 1, 0, 0, 0]
    assert labels(in_quotes, '"a\nb"') == [1, 1, 1, 1, 0]  # a quotation may wrap onto the next line
    assert labels(in_quotes, '"a\n\nb"c') == [1, 1, 1, 0, 0, 1, 1]  # but an empty line ends it; the stray " opens
    assert labels(in_quotes, "“no”") == [0, 0, 0, 0]  # curly quotes are other characters


def test_bracket_depth():
    assert labels(bracket_depth, "f(a[1])") == [0, 1, 1, 2, 2, 1, 0]
    assert labels(bracket_depth, "){x}") == [0, 1, 1, 0]  # never below 0
    assert labels(bracket_depth, "((\n\nx") == [1, 2, 2, 0, 0]  # an empty line closes everything


def test_indented_and_word_position():
    assert labels(indented, "   x\ny") == [0, 0, 1, 1, 0, 0]
    assert labels(indented, "  x y") == [0, 0, 0, 0, 0]  # two spaces are not an indented block
    assert labels(indented, "a   b") == [0] * 5  # spaces after text do not count
    assert labels(indented, "    if x:\n") == [0, 0, 1, 1, 1, 1, 1, 1, 1, 0]
    assert labels(word_position, "ab c1.") == [1, 2, 0, 1, 2, 0]


def test_compute_features_and_bad_input():
    features = compute_features("x")
    assert set(features) == {"column", "chars left", "in quotes", "bracket depth", "indented", "word position"}
    assert all(len(v) == 1 for v in features.values())
    assert all(len(v) == 0 for v in compute_features("").values())
    with pytest.raises(TypeError, match="must be a str"):
        column(["a"])


def test_matching_pairs():
    assert matching_pairs("f(a(b)c)", "(", ")") == [(1, 7), (3, 5)]
    assert matching_pairs('a "b" "c"', '"', '"') == [(2, 4), (6, 8)]
    assert matching_pairs("(a\n\nb)", "(", ")") == []  # pairs never cross an empty line


# --- statistics: correlation, the search and its controls, probes -----------------------------------------------


def test_correlations_match_numpy():
    gen = np.random.default_rng(0)
    acts, feature = gen.normal(size=(50, 4)), gen.normal(size=50)
    acts[:, 2] = 1.0  # a constant cell: r is defined as 0
    expected = [np.corrcoef(acts[:, k], feature)[0, 1] for k in (0, 1, 3)]
    r = correlations(acts, feature)
    assert np.allclose(r[[0, 1, 3]], expected) and r[2] == 0
    with pytest.raises(ValueError, match="num_chars"):
        correlations(acts, feature[:10])


def synthetic_trace(cells, num_streams=20):
    n, width = cells.shape
    half = width // 2
    stream = np.repeat(np.arange(num_streams), n // num_streams)
    zeros = np.zeros((n, half), dtype=np.float32)
    return TextTrace("x" * n, zeros, zeros, zeros, zeros, cells[:, :half], cells[:, half:], stream)


def blocky_feature(n, gen):
    """A 0/1 feature in runs of random length, like 'inside quotes'."""
    values, state = [], 0
    while len(values) < n:
        values += [state] * int(gen.integers(5, 40))
        state = 1 - state
    return np.array(values[:n], dtype=np.float64)


def test_search_finds_a_planted_cell_and_not_a_shuffled_one():
    gen = np.random.default_rng(1)
    n, width = 4000, 32
    feature = blocky_feature(n, gen)
    noise = gen.normal(size=(n, width))
    planted = noise.copy()
    planted[:, 21] = feature + 0.3 * gen.normal(size=n)  # h unit 5 carries the feature
    control = synthetic_trace(gen.normal(size=(n, width)))
    found = search_cells(synthetic_trace(planted), {"f": feature}, control)["f"]
    assert found.cell == 21 and found.name == "h 5"
    assert found.r_report > 0.8 and found.untrained < 0.2 and found.shifted < 0.3 and found.found
    shuffled = planted.copy()
    shuffled[:, 21] = gen.permutation(shuffled[:, 21])  # the same values, no longer lined up with the text
    lost = search_cells(synthetic_trace(shuffled), {"f": feature}, control)["f"]
    assert abs(lost.r_report) < 0.15 and not lost.found
    same_as_control = search_cells(synthetic_trace(planted), {"f": feature}, synthetic_trace(planted))["f"]
    assert not same_as_control.found  # a cell the untrained twin has too is not a finding


def test_search_rows_alternate_streams():
    trace = synthetic_trace(np.zeros((100, 4)), num_streams=10)
    rows = search_rows(trace)
    assert rows[:10].all() and not rows[10:20].any() and rows.sum() == 50


def test_ridge_probe_recovers_a_spread_signal_and_not_noise():
    gen = np.random.default_rng(2)
    n = 3000
    cells = gen.normal(size=(n, 40))
    spread = cells[:, :10].sum(axis=1)  # no single cell has it, ten together do
    noise = gen.normal(size=n)
    rows = np.arange(n) < n // 2
    probes = ridge_probes(cells, {"spread": spread, "noise": noise}, rows)
    assert probes["spread"].r2 > 0.95 and probes["noise"].r2 < 0.05
    assert np.abs(correlations(cells, spread)).max() < 0.5
    assert probes["spread"].prediction.shape == (n - n // 2,)


def test_cell_name():
    assert cell_name(0) == "c 0" and cell_name(256) == "h 0" and cell_name(17, hidden_size=16) == "h 1"
    with pytest.raises(ValueError, match="outside"):
        cell_name(512)


# --- the model: traces, interventions, connectivity --------------------------------------------------------------


def test_trace_text_is_the_models_own_computation(tiny):
    trace = trace_text(tiny, VOCAB, TEXT, num_streams=4, stream_len=300, warmup=50, group=3)
    assert trace.h.shape == (1200, 16) and trace.cells.shape == (1200, 32) and len(trace.text) == 1200
    start = TEXT.index(trace.text[300:600], 50)  # stream 1
    with torch.no_grad():
        out, _ = tiny.rnn(tiny.embedding(VOCAB.encode(TEXT[start - 50 : start + 300]).unsqueeze(0)))
    assert np.abs(out[0, 50:].numpy() - trace.h[300:600]).max() < 1e-5
    assert trace.stream.tolist() == [0] * 300 + [1] * 300 + [2] * 300 + [3] * 300
    with pytest.raises(ValueError, match="too few"):
        trace_text(tiny, VOCAB, TEXT[:200], num_streams=2, stream_len=300)


def test_run_clamped_without_clamps_matches_the_model(tiny):
    ids = torch.stack([VOCAB.encode(TEXT[:80]), VOCAB.encode(TEXT[100:180])])  # (2, 80)
    with torch.no_grad():
        logits, _ = tiny(ids)
    assert torch.allclose(run_clamped(tiny, ids), torch.log_softmax(logits, -1), atol=1e-5)


def test_run_clamped_holds_only_the_chosen_rows(tiny):
    ids = VOCAB.encode(TEXT[:60]).repeat(3, 1)  # three copies of one passage
    mask = torch.zeros(3, 32, dtype=torch.bool)
    values = torch.zeros(3, 32)
    mask[1, 3], values[1, 3] = True, 5.0  # row 1: c unit 3 held at 5
    mask[2, 16 + 3], values[2, 16 + 3] = True, -1.0  # row 2: h unit 3 held at -1
    log_p = run_clamped(tiny, ids, mask, values)
    free = run_clamped(tiny, ids[:1])
    assert torch.allclose(log_p[0], free[0], atol=1e-6)
    assert (log_p[1] - free[0]).abs().max() > 1e-4 and (log_p[2] - free[0]).abs().max() > 1e-4
    with pytest.raises(ValueError, match="2 \\* hidden_size"):
        run_clamped(tiny, ids, mask[:, :16], values[:, :16])


def test_clamp_experiment_layout(tiny):
    run = clamp_experiment(tiny, VOCAB, TEXT, [("c 3 held", {3: 2.0})], target='"', num_passages=3,
                           passage_len=120, skip=20)
    assert run.labels == ["no clamp", "c 3 held"]
    assert run.probs.shape == (2, 300) and run.positions.shape == (300,)
    assert ((run.probs >= 0) & (run.probs <= 1)).all()
    assert run.positions.max() + 1 < len(TEXT)  # the character predicted is always in the text


def test_connectivity_matches_one_passage_at_a_time(tiny):
    ids = torch.stack([VOCAB.encode(TEXT[:40]), VOCAB.encode(TEXT[200:240])])
    targets = torch.tensor([VOCAB.index[")"], VOCAB.index['"']])
    both = connectivity(tiny, ids, targets)
    alone = connectivity(tiny, ids[1:], targets[1:])
    assert both.shape == (2, 40) and (both >= 0).all()
    assert np.allclose(both[1], alone[0], atol=1e-6)


def test_saturation_fractions():
    gates = np.array([[0.05, 0.5], [0.95, 0.5], [0.95, 0.99], [0.5, 0.99]], dtype=np.float32)
    trace = TextTrace("abcd", gates, gates, gates, gates, gates, gates, np.zeros(4))
    sat = saturation(trace)
    low, high = sat["f"]
    assert low.tolist() == [0.25, 0.0] and high.tolist() == [0.5, 0.5]


def test_untrained_twin_is_the_seeded_start_and_keeps_the_global_rng(tiny):
    meta = {"seed": 0, "architecture": {"cell": "lstm", "vocab_size": len(VOCAB), "embedding_dim": 8,
                                        "hidden_size": 16, "dropout": 0.3}}
    before = torch.get_rng_state()
    twin = untrained_twin(meta)
    assert torch.equal(torch.get_rng_state(), before)
    assert not twin.training
    for (name, p), q in zip(tiny.state_dict().items(), twin.state_dict().values(), strict=True):
        assert torch.equal(p, q), name  # `tiny` was built right after torch.manual_seed(0), untrained


# --- coloured text ----------------------------------------------------------------------------------------------


def test_coloured_text_html():
    page = coloured_text_html('a<b\n"', [-1.0, 0.0, 1.0, 0.5, 0.2], title="cell <1>", marks=[2])
    assert "&lt;" in page and "&quot;" in page and "↵" in page and "<br>" in page and "cell &lt;1&gt;" in page
    assert "<style" not in page and page.count("<span") == 5  # inline styles only: GitHub keeps them
    assert "#0000ff" in page.lower() or "#2626ff" in page.lower()  # -1 is blue
    assert "outline" in page
    with pytest.raises(ValueError, match="values has 2 numbers"):
        coloured_text_html("abc", [1, 2])


def test_cell_passage_html_uses_report_text(tiny):
    trace = trace_text(tiny, VOCAB, TEXT, num_streams=4, stream_len=300, warmup=50)
    page = cell_passage_html(trace, 3, in_quotes(trace.text), length=100)
    assert page.count("<span") == 100 and "c 3" in page


def test_trace_positions_index_features_of_the_whole_text(tiny):
    trace = trace_text(tiny, VOCAB, TEXT, num_streams=4, stream_len=300, warmup=50)
    assert "".join(TEXT[p] for p in trace.positions) == trace.text
    whole = compute_features(TEXT)["column"][trace.positions]
    alone = compute_features(trace.text)["column"]
    assert (whole[:300] != alone[:300]).any()  # a stream starts mid-line: features need the whole text

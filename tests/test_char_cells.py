"""Notebook 10's analysis code: feature labels, traces, the cell search and its controls, probes, interventions."""

import numpy as np
import pytest
import torch

from lstm_helpers.char_cells import (
    CAUSAL,
    FEATURES,
    CellTable,
    TextTrace,
    advantage_by_distance,
    advantage_html,
    all_brackets,
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
    cut_intervals,
    in_quotes,
    indented,
    intervention,
    intervention_clamps,
    kneser_ney_choice,
    load_controls,
    matching_pairs,
    measured_at,
    reach_profile,
    ridge_probes,
    run_clamped,
    saturation,
    search_cells,
    trace_text,
    twin_controls,
    twin_seeds,
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


def test_bracket_depth_ignores_brackets_inside_quotes():
    assert labels(bracket_depth, 'f(a["("])') == [0, 1, 1, 2, 2, 2, 2, 1, 0]  # the quoted "(" is text
    assert labels(all_brackets, 'f(a["("])') == [0, 1, 1, 2, 2, 3, 3, 2, 1]  # the naive count is left at 1
    assert labels(bracket_depth, "g(')') x") == [0, 1, 1, 1, 1, 0, 0, 0]  # a single-quoted literal too
    assert labels(bracket_depth, "f(don't)")[-1] == 0  # an apostrophe opens no literal
    assert labels(bracket_depth, "x = '(\n(")[-1] == 1  # a single-quoted literal ends with its line
    assert labels(bracket_depth, '"eval()" (a)') == [0] * 9 + [1, 1, 0]


def test_indented_and_word_position():
    assert labels(indented, "   x\ny") == [0, 0, 1, 1, 0, 0]
    assert labels(indented, "  x y") == [0, 0, 0, 0, 0]  # two spaces are not an indented block
    assert labels(indented, "a   b") == [0] * 5  # spaces after text do not count
    assert labels(indented, "    if x:\n") == [0, 0, 1, 1, 1, 1, 1, 1, 1, 0]
    assert labels(word_position, "ab c1.") == [1, 2, 0, 1, 2, 0]


@pytest.mark.parametrize("text", [TEXT[:300], 'x = f(a, "(")\n   y[0]\n', "  a\n    (b 'c' \"d)\n\ne"])
def test_causal_features_never_look_ahead(text):
    whole = compute_features(text)
    for name, fn in FEATURES.items():
        agree = all(fn(text[: t + 1])[-1] == whole[name][t] for t in range(len(text)))
        assert agree == CAUSAL[name], name  # "chars left" counts what is still to come: not causal


def test_compute_features_and_bad_input():
    features = compute_features("x")
    assert set(features) == {"column", "chars left", "in quotes", "bracket depth", "all brackets", "indented",
                             "word position"}
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


def planted(gen, feature, width=32, unit=21):
    cells = gen.normal(size=(len(feature), width))
    cells[:, unit] = feature + 0.3 * gen.normal(size=len(feature))  # h unit 5 carries the feature
    return cells


def test_search_finds_a_planted_cell_and_not_a_shuffled_one():
    gen = np.random.default_rng(1)
    f_search, f_report = blocky_feature(4000, gen), blocky_feature(3000, gen)
    search, report = planted(gen, f_search), planted(gen, f_report)
    twins = {"f": [0.05, 0.1, 0.12, 0.08, 0.11]}
    found = search_cells(search, report, {"f": f_search}, {"f": f_report}, twins=twins, num_shifts=100)["f"]
    assert found.cell == 21 and found.name == "h 5" and found.twin_max == 0.12
    assert found.r_report > 0.8 and found.shift_null < 0.3 and found.found
    assert found.gap == pytest.approx(found.r_report - max(0.12, found.shift_null))
    shuffled = report.copy()
    shuffled[:, 21] = gen.permutation(shuffled[:, 21])  # the same values, no longer lined up with the text
    lost = search_cells(search, shuffled, {"f": f_search}, {"f": f_report}, twins=twins, num_shifts=100)["f"]
    assert abs(lost.r_report) < 0.15 and not lost.found
    as_good = {"f": [0.1, 0.1, abs(found.r_report) - 0.05, 0.1, 0.1]}  # one twin of five does as well
    assert not search_cells(search, report, {"f": f_search}, {"f": f_report}, twins=as_good)["f"].found


def test_shifted_scores_equal_the_search_on_each_rolled_copy():
    gen = np.random.default_rng(3)
    search, report = gen.normal(size=(500, 12)), gen.normal(size=(400, 12))
    f_search, f_report = gen.normal(size=500), gen.normal(size=400)
    table = CellTable(search, report)
    fast = table.shifted_scores(f_search, f_report, num_shifts=7, seed=5)
    offsets = np.random.default_rng(5)
    k_search, k_report = offsets.integers(50, 450, size=7), offsets.integers(40, 360, size=7)
    slow = [abs(table.pick_and_score(np.roll(f_search, a), np.roll(f_report, b))[2])
            for a, b in zip(k_search, k_report, strict=True)]
    assert np.allclose(fast, slow, atol=1e-5)


def test_search_cells_says_how_to_fix_mismatched_features():
    with pytest.raises(ValueError, match="features_at"):
        search_cells(np.zeros((10, 4)), np.zeros((8, 4)), {"f": np.zeros(9)}, {"f": np.zeros(8)})


def test_ridge_probe_recovers_a_spread_signal_and_not_noise():
    gen = np.random.default_rng(2)
    fit, report = gen.normal(size=(2000, 40)), gen.normal(size=(1000, 40))
    fit_features = {"spread": fit[:, :10].sum(axis=1), "noise": gen.normal(size=2000)}
    report_features = {"spread": report[:, :10].sum(axis=1), "noise": gen.normal(size=1000)}
    probes = ridge_probes(fit, fit_features, report, report_features)
    assert probes["spread"].r2 > 0.95 and probes["noise"].r2 < 0.05  # no single cell has it, ten together do
    assert np.abs(correlations(report, report_features["spread"])).max() < 0.5
    assert probes["spread"].prediction.shape == (1000,)
    report[:5, 20] = 1e6  # a cell far outside anything seen while fitting is clipped to the fitted range
    assert ridge_probes(fit, fit_features, report, report_features)["spread"].r2 > 0.9


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


def test_intervention_clamps_best_cells_and_similar_random_ones():
    gen = np.random.default_rng(4)
    cells = gen.normal(size=(500, 32)) * np.linspace(0.5, 2, 32)
    feature = cells[:, 20] + 0.1 * gen.normal(size=500)
    off = feature < 0
    clamps = intervention_clamps(cells, feature, off, k=3, draws=4, pool_size=5, seed=0)
    assert [label for label, _ in clamps][:2] == ["best cell (h 4)", "best 3 cells"] and len(clamps) == 6
    best = list(clamps[1][1])
    assert best[0] == 20 and clamps[1][1][20] == pytest.approx(cells[off, 20].mean())
    for _, random_cells in clamps[2:]:
        assert len(random_cells) == 3 and not set(random_cells) & set(best)
        assert all((c >= 16) == (b >= 16) for c, b in zip(random_cells, best, strict=True))  # same kind (c or h)
    assert clamps == intervention_clamps(cells, feature, off, k=3, draws=4, pool_size=5, seed=0)  # seeded


def test_measured_at():
    text = 'say "hi" now\n' + "a" * 55 + "\n   " + "b" * 60 + "\nend"
    quotes = measured_at("quotes", text, np.arange(len(text) - 1))
    assert np.flatnonzero(quotes).tolist() == [6]  # the "i" before the closing quote
    ends = measured_at("line ends", text, np.arange(len(text) - 1))
    assert np.flatnonzero(ends).tolist() == [13 + 54]  # the long prose line, not the short or the indented one


def test_intervention_runs_the_chosen_clamps(tiny):
    search = trace_text(tiny, VOCAB, TEXT, num_streams=4, stream_len=300, warmup=50)
    features = {name: values[search.positions] for name, values in compute_features(TEXT).items()}
    settings = {"num_passages": 2, "passage_len": 120, "skip": 20, "draws": 2}
    run = intervention(tiny, VOCAB, search, features, TEXT, "quotes", settings=settings)
    assert len(run.clamps) == 4 and run.run.probs.shape == (5, 200)
    assert run.at_targets.shape == (5, run.measured.sum()) and run.measured.sum() > 0
    some = intervention(tiny, VOCAB, search, features, TEXT, "quotes", only=[1, 3], settings=settings)
    assert some.clamps == [run.clamps[1], run.clamps[3]]
    assert np.allclose(some.run.probs, run.run.probs[[0, 2, 4]], atol=1e-6)


def test_cut_intervals():
    probs = np.array([[0.4, 0.6, 0.5, 0.5], [0.2, 0.3, 0.25, 0.25], [0.4, 0.6, 0.5, 0.5]])
    cut, low, high = cut_intervals(probs, num_resamples=200)
    assert np.allclose(cut, [0, 0.5, 0]) and np.allclose(low[1], 0.5) and np.allclose(high[1], 0.5)
    noisy = np.vstack([np.ones(50), np.random.default_rng(0).uniform(0, 1, 50)])
    cut, low, high = cut_intervals(noisy)
    assert low[1] < cut[1] < high[1]


def test_reach_profile_divides_by_the_one_step_gradient():
    grads = np.array([[1.0, 2.0, 8.0], [3.0, 4.0, 4.0], [2.0, 3.0, 6.0]])  # (passages, positions): last is 1 back
    assert np.allclose(reach_profile(grads), [1.0, 0.5, 2 / 6])
    assert np.allclose(reach_profile(grads * 100), reach_profile(grads))


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


TINY_META = {"seed": 0, "architecture": {"cell": "lstm", "vocab_size": len(VOCAB), "embedding_dim": 8,
                                         "hidden_size": 16, "dropout": 0.3}}


def test_untrained_twin_is_the_seeded_start_and_keeps_the_global_rng(tiny):
    before = torch.get_rng_state()
    twin = untrained_twin(TINY_META)
    assert torch.equal(torch.get_rng_state(), before)
    assert not twin.training
    for (name, p), q in zip(tiny.state_dict().items(), twin.state_dict().values(), strict=True):
        assert torch.equal(p, q), name  # `tiny` was built right after torch.manual_seed(0), untrained
    other = untrained_twin(TINY_META, seed=1)
    assert not torch.equal(other.readout.weight, twin.readout.weight)
    assert twin_seeds(TINY_META, 5) == [0, 1, 2, 3, 4] and twin_seeds({"seed": 7}, 2) == [7, 8]


def test_twin_controls_run_the_search_and_probe_on_each_twin():
    settings = {"num_streams": 4, "stream_len": 200, "warmup": 20}
    out = twin_controls(TINY_META, VOCAB, TEXT[:1000], TEXT[1000:], [0, 1], trace=settings)
    assert out["seeds"] == [0, 1] and set(out["r"]) == set(FEATURES)
    assert all(len(v) == 2 and all(0 <= r <= 1 for r in v) for v in out["r"].values())
    assert all(len(v) == 2 for v in out["probe_r2"].values()) and all(len(v) == 2 for v in out["cells"].values())


# --- coloured text ----------------------------------------------------------------------------------------------


def test_coloured_text_html():
    page = coloured_text_html('a<b\n"', [-1.0, 0.0, 1.0, 0.5, 0.2], title="cell <1>", marks=[2])
    assert "&lt;" in page and "&quot;" in page and "↵" in page and "<br>" in page and "cell &lt;1&gt;" in page
    assert "<style" not in page and page.count("<span") == 5  # inline styles only: GitHub keeps them
    assert "#0000ff" in page.lower() or "#2626ff" in page.lower()  # -1 is blue
    assert "outline" in page
    assert page.count("underline") == 3  # signed values: the three positive ones, so sign is not colour alone
    with pytest.raises(ValueError, match="values has 2 numbers"):
        coloured_text_html("abc", [1, 2])
    marked = coloured_text_html("ab", [1.0, -1.0], tips=["one", 'two "2"'], underline=[True, False])
    assert 'title="one"' in marked and "two &quot;2&quot;" in marked and marked.count("underline") == 1


def test_advantage_html_marks_the_lstms_wins_without_colour():
    page = advantage_html("ab\n", [1.0, 3.0, 0.5], [2.0, 1.0, 0.5])
    assert page.count("underline") == 1  # only "a": the n-gram needed more bits
    assert "LSTM 1.0 bits, n-gram 2.0 bits" in page and "newline: LSTM 0.5" in page


def test_advantage_by_distance():
    text = '"ab" "abcdefgh"'  # closing quotes 3 and 9 characters after their openers
    advantage = np.zeros(len(text))
    advantage[3], advantage[14] = 1.0, 2.0
    table = advantage_by_distance(advantage, matching_pairs(text, '"', '"'), [1, 5, 20, 100])
    assert table.count.tolist() == [1, 1, 0]
    assert table.mean[:2].tolist() == [1.0, 2.0] and np.isnan(table.mean[2])
    assert table.low[0] == table.high[0] == 1.0  # one closer: no spread


def test_cell_passage_html(tiny):
    trace = trace_text(tiny, VOCAB, TEXT, num_streams=4, stream_len=300, warmup=50)
    page = cell_passage_html(trace, 3, in_quotes(trace.text), length=100)
    assert page.count("<span") == 100 and "c 3" in page and page.count("title=") == 100  # values on hover


def test_trace_positions_index_features_of_the_whole_text(tiny):
    trace = trace_text(tiny, VOCAB, TEXT, num_streams=4, stream_len=300, warmup=50)
    assert "".join(TEXT[p] for p in trace.positions) == trace.text
    whole = compute_features(TEXT)["column"][trace.positions]
    alone = compute_features(trace.text)["column"]
    assert (whole[:300] != alone[:300]).any()  # a stream starts mid-line: features need the whole text


# --- the stored controls: a slice rerun against the file ---------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    from lstm_helpers.char_data import load_vocabulary, topic_split
    from lstm_helpers.char_model import load_shipped

    model, meta = load_shipped()
    return model, meta, load_vocabulary(), topic_split(), load_controls(meta)


def test_stored_twin_search_reruns(shipped):
    """Rebuild: python -m lstm_helpers.char_cells. Reruns the first twin (the shipped model's starting weights)."""
    _, meta, vocab, split, controls = shipped
    seeds = controls["twins"]["seeds"]
    assert len(seeds) >= 5 and seeds == twin_seeds(meta, len(seeds))
    again = twin_controls(meta, vocab, split.validation, split.test, seeds[:1], trace=controls["trace"])
    for name in FEATURES:
        assert again["cells"][name][0] == controls["twins"]["cells"][name][0], name
        assert again["r"][name][0] == pytest.approx(controls["twins"]["r"][name][0], abs=1e-4), name
        assert again["probe_r2"][name][0] == pytest.approx(controls["twins"]["probe_r2"][name][0], abs=1e-3), name


def test_stored_interventions_rerun(shipped):
    """The unclamped model, the best 3 quote cells and the first random draw, rerun."""
    model, _, vocab, split, controls = shipped
    search = trace_text(model, vocab, split.validation, **controls["trace"])
    features = {name: values[search.positions] for name, values in compute_features(split.validation).items()}
    stored = controls["interventions"]["quotes"]
    assert len(stored["clamps"]) == 2 + controls["clamps"]["draws"] >= 32
    run = intervention(model, vocab, search, features, split.test, "quotes", only=[1, 2])
    assert [{str(c): round(v, 6) for c, v in cells.items()} for _, cells in run.clamps] == stored["clamps"][1:3]
    assert run.run.positions[run.measured].tolist() == stored["positions"]
    assert np.allclose(run.at_targets, np.array(stored["probs"])[[0, 2, 3]], rtol=1e-3, atol=1e-6)


def test_stored_kneser_ney_order_reruns(shipped):
    _, _, vocab, split, controls = shipped
    assert kneser_ney_choice(vocab, split) == controls["kneser_ney"]


def test_load_controls_refuses_other_weights(tmp_path):
    path = tmp_path / "controls.json"
    path.write_text('{"weights_sha256": "abc", "text_sha256": "def"}')
    assert load_controls({"weights_sha256": "abc", "text_sha256": "def"}, path)["weights_sha256"] == "abc"
    with pytest.raises(ValueError, match="python -m lstm_helpers.char_cells"):
        load_controls({"weights_sha256": "xyz", "text_sha256": "def"}, path)
    with pytest.raises(FileNotFoundError, match="Rebuild"):
        load_controls({}, tmp_path / "missing.json")

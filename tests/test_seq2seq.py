"""The encoder–decoder of notebook 13: held-out strings are never trained on, shapes, masks, typed input, and a
rerun of the committed sweep's seed-0 runs."""

import numpy as np
import pytest
import torch

from lstm_helpers import seq2seq
from lstm_helpers.attention import dot_product_attention


def test_training_never_draws_a_held_out_string_and_tests_draw_only_those():
    sets = seq2seq.held_out_sets(seq2seq.TEST_LENGTHS, per_length=200)
    held = {s for strings in sets.values() for s in strings}
    assert all(seq2seq.is_held_out(s) for s in held)
    for seed in seq2seq.SEEDS:  # the training draws of every seed of the sweep (their first 200 steps)
        rng = np.random.default_rng(seed)
        trained = {s for _ in range(200) for s in seq2seq.random_strings(64, rng)}
        assert not trained & held
        assert not any(seq2seq.is_held_out(s) for s in trained)
    assert all(len(set(strings)) == len(strings) for strings in sets.values())


def test_about_one_string_in_ten_is_held_out():
    rng = np.random.default_rng(0)
    strings = ["".join(map(str, rng.integers(0, 10, 8))) for _ in range(20_000)]
    share = np.mean([seq2seq.is_held_out(s) for s in strings])
    assert 0.08 < share < 0.12


def test_encode_batch_teacher_forcing_layout():
    src, lengths, dec_in, target = seq2seq.encode_batch(["123", "4567"])
    assert src.tolist() == [[1, 2, 3, seq2seq.PAD], [4, 5, 6, 7]]
    assert lengths.tolist() == [3, 4]
    assert dec_in[0].tolist() == [seq2seq.BOS, 3, 2, 1, seq2seq.PAD]  # the true previous token at every step
    assert target[0].tolist() == [3, 2, 1, seq2seq.EOS, seq2seq.PAD]
    assert target[1].tolist() == [7, 6, 5, 4, seq2seq.EOS]


@pytest.mark.parametrize("attention", [False, True])
def test_padding_changes_nothing(attention):
    torch.manual_seed(0)
    model = seq2seq.Seq2Seq(hidden_size=8, embedding_dim=4, attention=attention).eval()
    alone = seq2seq.encode_batch(["4071"])
    padded = seq2seq.encode_batch(["4071", "123456789012"])
    with torch.no_grad():
        a = model(alone[0], alone[1], alone[2])[0]  # (5, VOCAB_SIZE)
        b = model(padded[0], padded[1], padded[2])[0, :5]
    assert (a - b).abs().max() < 1e-5


def test_decoder_attention_is_dot_product_attention_over_the_encoder():
    torch.manual_seed(1)
    model = seq2seq.Seq2Seq(hidden_size=6, embedding_dim=4, attention=True).double().eval()
    src, lengths, dec_in, _ = seq2seq.encode_batch(["98765", "12"])
    with torch.no_grad():
        memory, mask, state = model.encode(src, lengths)
        _, weights, _ = model.decode(dec_in, memory, mask, state)
        h, _ = model.decoder(model.embedding(dec_in), state)
        reference = torch.nn.functional.scaled_dot_product_attention(h, memory, memory, attn_mask=mask.unsqueeze(1))
        mine, _ = dot_product_attention(h, memory, memory, mask.unsqueeze(1))
    assert (mine - reference).abs().max() < 1e-10
    assert weights[1, :, 2:].abs().max() == 0  # no weight on padding
    assert torch.allclose(weights.sum(-1), torch.ones_like(weights.sum(-1)))


def test_one_change_at_a_time():
    plain, attn = seq2seq.Seq2Seq(attention=False), seq2seq.Seq2Seq(attention=True)
    names = {n for n, _ in plain.named_parameters()}
    assert names == {n for n, _ in attn.named_parameters()}
    differ = {n for n, p in plain.named_parameters() if p.shape != dict(attn.named_parameters())[n].shape}
    assert differ == {"readout.weight"}  # the read-out reads [h, context] instead of h


@pytest.mark.parametrize(
    "text,ok,fragment",
    [("4071", True, ""), (" 12 34 ", True, ""), ("", False, "Type"), ("12a4", False, "'a'"),
     ("123", False, "yours has 3"), ("1" * 17, False, "yours has 17")],
)
def test_typed_input_gets_a_clear_message(text, ok, fragment):
    digits, message = seq2seq.check_digits(text)
    assert bool(digits) == ok
    assert fragment in message


def test_committed_sweep_is_complete():
    sweep = seq2seq.load_sweep()
    runs = sweep["runs"]
    assert sorted((r["config"]["attention"], r["config"]["seed"]) for r in runs) == [
        (a, s) for a in (False, True) for s in seq2seq.SEEDS
    ]
    assert {r["config"]["num_steps"] for r in runs} == {seq2seq.Config().num_steps}  # the same budget for both


@pytest.mark.slow
def test_rerun_matches_the_committed_sweep():
    """Seed 0 with attention, retrained: per-length accuracies as stored (within 0.05: CPUs round differently)."""
    stored = next(r for r in seq2seq.load_sweep()["runs"] if r["config"]["attention"] and r["config"]["seed"] == 0)
    sets = seq2seq.held_out_sets(seq2seq.TEST_LENGTHS, stored_per_length := seq2seq.load_sweep()["per_length"])
    _, record = seq2seq.run_one(True, 0, sets, progress=False)
    assert stored_per_length == 200
    for length, row in stored["by_length"].items():
        assert abs(record["by_length"][length]["exact"] - row["exact"]) < 0.05, length


def test_shipped_weights_match_their_record(tmp_path):
    model = seq2seq.load_attention_model()
    assert model.attention
    broken = tmp_path / "weights.pt"
    broken.write_bytes(seq2seq.WEIGHTS_FILE.read_bytes() + b"x")
    with pytest.raises(ValueError, match="sha256"):
        seq2seq.load_attention_model(broken)


def test_attention_explorer_keeps_one_colour_scale_and_explains_bad_input():
    explorer = seq2seq.AttentionExplorer(seq2seq.load_attention_model(), digits="4071925836")
    assert explorer.im.get_clim() == (0.0, 1.0)
    assert explorer.read("90210")
    assert explorer.im.get_clim() == (0.0, 1.0)  # the same colour means the same weight for every typed string
    row = explorer.update(step=2)
    assert row.sum() == pytest.approx(1.0, abs=1e-5) and "Output step 2" in explorer.readout_html.value
    assert not explorer.read("12a4") and explorer.digits == "90210" and explorer.message_html.value

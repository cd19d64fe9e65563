"""The architecture ablation behind the shipped model (notebook 09): one change at a time, and the stored runs are
real (a slice reruns to the stored numbers)."""

import pytest
import torch

from lstm_helpers import char_ablation as ca
from lstm_helpers.char_data import load_vocabulary


def test_every_variant_changes_exactly_one_thing_from_the_base():
    names = list(ca.VARIANTS)
    assert ca.VARIANTS[names[0]] == {}
    for name in names[1:]:
        change = ca.VARIANTS[name]
        assert len(change) == 1 and change.keys() <= ca.BASE.keys() and ca.BASE[next(iter(change))] != next(
            iter(change.values())
        ), name


def test_variant_models_are_built_as_named():
    vocab_size = len(load_vocabulary())
    base = ca.VariantCharModel(vocab_size, **ca.BASE)
    tied = ca.VariantCharModel(vocab_size, **{**ca.BASE, "tie": True})
    assert tied.readout.weight is tied.embedding.weight
    two = ca.VariantCharModel(vocab_size, **{**ca.BASE, "num_layers": 2})
    assert two.rnn.num_layers == 2 and two.rnn.dropout == ca.BASE["dropout"]
    x = torch.randint(0, vocab_size, (2, 7))
    for model in (base, tied, two, ca.VariantCharModel(vocab_size, **{**ca.BASE, "dropout_on": "output"})):
        logits, (h, c) = model(x)
        assert logits.shape == (2, 7, vocab_size) and h.shape[-1] == ca.BASE["hidden_size"]
    for placement, dropped in (("output", False), ("both", True)):  # what the LSTM reads in training mode
        model = ca.VariantCharModel(vocab_size, **{**ca.BASE, "dropout": 0.5, "dropout_on": placement}).train()
        seen = []
        model.rnn.register_forward_hook(lambda module, inputs, output, seen=seen: seen.append(inputs[0]))
        model(x)
        assert torch.equal(seen[0], model.embedding(x)) != dropped, placement
    with pytest.raises(ValueError, match="dropout_on"):
        ca.VariantCharModel(vocab_size, dropout_on="input")


def test_stored_ablation_is_complete_and_its_summary_follows_from_its_runs():
    stored = ca.load_architecture_ablation()
    assert stored["plan"] == ca.ARCHITECTURE_PLAN
    assert ca.load_architecture_ablation(ca.FULL_TEXT_FILE)["plan"] == ca.FULL_TEXT_PLAN
    assert {(r["variant"], r["seed"]) for r in stored["runs"]} == {
        (v, s) for v in ca.VARIANTS for s in ca.ARCHITECTURE_PLAN["seeds"]
    }
    rows = {row["variant"]: row for row in ca.architecture_summary(stored["runs"])}
    assert rows[next(iter(ca.VARIANTS))]["change"] == [0.0] * len(ca.ARCHITECTURE_PLAN["seeds"])


@pytest.mark.slow
def test_stored_ablation_reruns_its_first_evaluation():
    """The tied read-out, seed 0, retrained to its first evaluation (step 100 of 1,200): the stored score there."""
    runs = ca.load_architecture_ablation()["runs"]
    stored = next(r for r in runs if r["seed"] == 0 and r["variant"] == "tied read-out")
    torch.set_num_threads(1)
    rerun = ca.variant_run("tied read-out", 0, stop_at=stored["curve"][0]["step"])
    assert rerun["curve"][0]["step"] == stored["curve"][0]["step"]
    assert abs(rerun["curve"][0]["val_bpc"] - stored["curve"][0]["val_bpc"]) < 0.02


def test_full_scale_run_of_the_winner_is_recorded_and_no_better_than_the_shipped_model():
    """Notebook 09: embedding 128 trained at the shipped run's full scale scores no better on validation."""
    import json

    from lstm_helpers.char_data import DATA_DIR

    record = json.loads((DATA_DIR / "char_lstm_embedding128.json").read_text())
    shipped = json.loads((DATA_DIR / "char_lstm.json").read_text())
    assert record["architecture"] == {**shipped["architecture"], "embedding_dim": 128}
    assert record["training"] | {"threads": None} == shipped["training"] | {"threads": None}
    assert record["validation_bits_per_char"] > shipped["validation_bits_per_char"] - 0.01

"""lstm_helpers.memory_task: the recall task's data, models, forget bias and training loop."""

import pytest
import torch
from torch import nn

from lstm_helpers.memory_task import (
    DEFAULT_HIDDEN_SIZE,
    MemoryBatch,
    MemoryClassifier,
    count_parameters,
    memory_accuracy,
    memory_batch,
    sequence_keys,
    set_forget_bias,
    train_memory_task,
    unseen_subset,
)


@pytest.mark.parametrize("delay", [0, 1, 7])
def test_batch_layout(delay):
    batch = memory_batch(16, delay, torch.Generator().manual_seed(0))
    assert isinstance(batch, MemoryBatch)
    assert batch.x.shape == (16, delay + 1, 2) and batch.y.shape == (16,)
    values, marker = batch.x[..., 0], batch.x[..., 1]
    assert set(values.unique().tolist()) <= {-1.0, 1.0}  # distractors as strong as the signal
    assert marker[:, 0].eq(1).all() and marker[:, 1:].eq(0).all()
    torch.testing.assert_close(batch.sign, values[:, 0])
    torch.testing.assert_close(batch.y, (values[:, 0] > 0).float())


def test_batches_are_repeatable_with_a_seeded_generator():
    a = memory_batch(8, 5, torch.Generator().manual_seed(3))
    b = memory_batch(8, 5, torch.Generator().manual_seed(3))
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)


def test_parameter_counts_are_similar():
    counts = {kind: count_parameters(MemoryClassifier(kind)) for kind in DEFAULT_HIDDEN_SIZE}
    assert counts == {"rnn": 337, "lstm": 393, "gru": 361}


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_set_forget_bias_touches_only_rows_h_to_2h(kind):
    model = MemoryClassifier(kind, hidden_size=4)
    before = {name: p.detach().clone() for name, p in model.rnn.named_parameters()}
    set_forget_bias(model, 3.0)
    total = model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0
    assert torch.allclose(total[4:8], torch.full((4,), 3.0))
    for name in ("bias_ih_l0", "bias_hh_l0"):
        rest = torch.cat([getattr(model.rnn, name)[:4], getattr(model.rnn, name)[8:]])
        assert torch.equal(rest, torch.cat([before[name][:4], before[name][8:]]))


def test_forget_bias_really_opens_the_forget_gate():
    lstm = nn.LSTM(2, 3, batch_first=True)
    with torch.no_grad():
        for p in lstm.parameters():
            p.zero_()
    set_forget_bias(lstm, 4.0)
    _, (_, c1) = lstm(torch.zeros(1, 1, 2), (torch.zeros(1, 1, 3), torch.ones(1, 1, 3)))
    # c_1 = f * c_0 + i * g with g = tanh(0) = 0, so c_1 = σ(4) = forget gate value
    torch.testing.assert_close(c1, torch.full((1, 1, 3), torch.sigmoid(torch.tensor(4.0)).item()))


def test_forward_gives_one_logit_per_sequence():
    model = MemoryClassifier("rnn")
    assert model(memory_batch(5, 3).x).shape == (5,)


def test_result_is_repeatable_and_does_not_touch_global_rng():
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    a = train_memory_task("gru", delay=3, num_steps=5, seed=1, test_size=32)
    assert torch.equal(torch.rand(1), expected_next)
    b = train_memory_task("gru", delay=3, num_steps=5, seed=1, test_size=32)
    assert a.losses == b.losses and a.accuracy == b.accuracy
    assert a.num_params == 361 and len(a.losses) == 5 and 0 <= a.accuracy <= 1


def test_lstm_learns_a_short_delay():
    result = train_memory_task("lstm", delay=5, forget_bias=2.0, num_steps=120, seed=0)
    assert result.accuracy > 0.95 and result.final_loss < 0.2
    assert memory_accuracy(result.model, memory_batch(256, 5, torch.Generator().manual_seed(9))) > 0.95


def test_sequence_keys_identify_sequences():
    batch = memory_batch(200, 3, torch.Generator().manual_seed(0))  # only 16 patterns: many repeats
    keys = sequence_keys(batch)
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            assert (keys[a] == keys[b]) == torch.equal(batch.x[a], batch.x[b])


def test_unseen_subset_drops_exactly_the_seen_sequences():
    train = memory_batch(64, 4, torch.Generator().manual_seed(1))
    test = memory_batch(64, 4, torch.Generator().manual_seed(2))
    seen = set(sequence_keys(train))
    unseen = unseen_subset(test, seen)
    assert 0 < len(unseen.y) < 64 and not set(sequence_keys(unseen)) & seen
    expected = sum(key not in seen for key in sequence_keys(test))
    assert len(unseen.y) == expected and unseen.x.shape[1:] == test.x.shape[1:]


@pytest.mark.parametrize("delay", [15, 30])
def test_unseen_test_scores_no_training_sequence(delay, monkeypatch):
    # Record every batch train_memory_task draws, then check that the scored test set shares none of them.
    import lstm_helpers.memory_task as memory_task

    drawn = []

    def recording_batch(*args, **kwargs):
        batch = memory_batch(*args, **kwargs)
        drawn.append(batch)
        return batch

    monkeypatch.setattr(memory_task, "memory_batch", recording_batch)
    result = memory_task.train_memory_task("lstm", delay=delay, num_steps=150, seed=0, unseen_test=True)
    test_batch, train_batches = drawn[0], drawn[1:]  # the test set is drawn first, then one batch per step
    assert test_batch.x.shape[0] == 512 and len(train_batches) == 150
    seen = {key for b in train_batches for key in sequence_keys(b)}
    overlap = sum(key in seen for key in sequence_keys(test_batch))
    assert result.test_size == 512 - overlap
    if delay == 15:
        assert overlap > 0  # at delay 15 some test sequences were trained on: they are left out


def test_unseen_test_refuses_a_delay_with_no_unseen_sequence():
    with pytest.raises(ValueError, match="only 8 patterns"):
        train_memory_task("lstm", delay=2, num_steps=5, unseen_test=True)
    # notebook 05: "at delay 5 there are only 64 patterns, and 150 batches of 64 sequences cover them all"
    with pytest.raises(ValueError, match="only 64 patterns"):
        train_memory_task("lstm", delay=5, num_steps=150, seed=0, unseen_test=True)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: memory_batch(0, 3), ValueError, "batch_size"),
        (lambda: memory_batch(4, -1), ValueError, "delay"),
        (lambda: memory_batch(4, 2.5), ValueError, "delay"),
        (lambda: memory_batch(4, 2, generator=1), TypeError, "Generator"),
        (lambda: MemoryClassifier("transformer"), ValueError, "kind"),
        (lambda: MemoryClassifier("lstm")(torch.zeros(2, 3)), ValueError, "(batch_size, seq_len, 2)"),
        (lambda: set_forget_bias(nn.RNN(2, 3), 1.0), TypeError, "no forget gate"),
        (lambda: set_forget_bias(nn.LSTM(2, 3), "1"), TypeError, "number"),
        (lambda: train_memory_task("rnn", forget_bias=1.0), ValueError, "no forget gate"),
        (lambda: train_memory_task("lstm", lr=0), ValueError, "lr"),
        (lambda: train_memory_task("lstm", seed=1.5), TypeError, "seed"),
        (lambda: memory_accuracy(MemoryClassifier(), torch.zeros(2, 3, 2)), TypeError, "MemoryBatch"),
        (lambda: sequence_keys(torch.zeros(2, 3, 2)), TypeError, "MemoryBatch"),
    ],
)
def test_bad_input_is_explained(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)

"""The graders of notebook 09's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest
import torch
from torch import nn

from lstm_helpers.char_model import stream_batches
from lstm_helpers.exercises import grade, list_exercises


def test_notebook_09_exercises():
    assert list_exercises("09") == [
        "09.bits_from_logits",
        "09.hot_limit",
        "09.greedy",
        "09.make_streams",
        "09.find_the_bugs",
        "09.sample_with_temperature",
    ]


def _bits(logits, targets):
    return -torch.log_softmax(logits, -1)[torch.arange(len(targets)), targets].mean() / math.log(2)


def test_bits_from_logits_correct_as_float_or_tensor():
    assert grade("09.bits_from_logits", lambda z, t: _bits(z, t).item()).correct
    assert grade("09.bits_from_logits", _bits).correct
    via_torch = lambda z, t: torch.nn.functional.cross_entropy(z, t) / math.log(2)  # noqa: E731
    assert grade("09.bits_from_logits", via_torch).correct


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda z, t: _bits(z, t) * math.log(2), "nats"),
        (lambda z, t: _bits(z, t) * len(t), "total"),
        (lambda z, t: -_bits(z, t), "sign"),
        (lambda z, t: 2 ** _bits(z, t), "perplexity"),
        (lambda z, t: -z[torch.arange(len(t)), t].mean() / math.log(2), "raw logits"),
        (lambda z, t: -torch.log_softmax(z, -1)[torch.arange(len(t)), t] / math.log(2), "not one number"),
        (lambda z, t: 1.0, "Not the average"),
        (lambda z, t: -torch.log_softmax(z, 0)[torch.arange(len(t)), t].mean() / math.log(2), "(dim=0)"),
        (lambda z, t: -torch.log_softmax(z, -1)[:, t].mean() / math.log(2), "log_probs[:, targets]"),
        (lambda z, t: -torch.log_softmax(z, -1)[:, t] / math.log(2), "num_chars × num_chars"),
        (lambda z, t: -torch.log_softmax(z, -1).mean() / math.log(2), "of every character"),
    ],
)
def test_bits_from_logits_mistakes(fn, words):
    feedback = grade("09.bits_from_logits", fn)
    assert feedback.status == "wrong" and words in feedback.message


def test_bits_from_logits_forgotten_return_and_stub():
    def bits_per_char_from_logits(logits, targets):
        _bits(logits, targets)

    assert "return" in grade("09.bits_from_logits", bits_per_char_from_logits).message

    def stub(logits, targets): ...

    assert grade("09.bits_from_logits", stub).status == "not attempted"


def test_hot_limit():
    assert grade("09.hot_limit", 103).correct
    assert grade("09.hot_limit", ...).status == "not attempted"
    for answer, words in [(math.log2(103), "bits"), (1, "T -> 0"), (0, "never below 1"), (50, "not the limit")]:
        feedback = grade("09.hot_limit", answer)
        assert feedback.status == "wrong" and words in feedback.message, feedback
    assert grade("09.hot_limit", "103").status == "wrong"


def _greedy(model, vocab, prompt, num_chars, with_prompt=False, draw=False):
    ids, state, new = vocab.encode(prompt).unsqueeze(0), None, []
    with torch.no_grad():
        for _ in range(num_chars):
            logits, state = model(ids, state)
            if draw:
                nxt = int(torch.multinomial(torch.softmax(logits[0, -1], -1), 1))
            else:
                nxt = int(logits[0, -1].argmax())
            new.append(nxt)
            ids = torch.tensor([[nxt]])
    return (prompt if with_prompt else "") + vocab.decode(new)


def _low_temperature(model, vocab, prompt, num_chars, seed=None):
    """A sampler at temperature 0.01: nearly greedy, but it draws (from a fixed generator when ``seed`` is given)."""
    ids, state, new = vocab.encode(prompt).unsqueeze(0), None, []
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    with torch.no_grad():
        for _ in range(num_chars):
            logits, state = model(ids, state)
            new.append(int(torch.multinomial(torch.softmax(logits[0, -1] / 0.01, -1), 1, generator=gen)))
            ids = torch.tensor([[new[-1]]])
    return vocab.decode(new)


def test_greedy_rejects_a_sampler_at_a_low_temperature():
    assert "random" in grade("09.greedy", _low_temperature).message
    feedback = grade("09.greedy", lambda m, v, p, n: _low_temperature(m, v, p, n, seed=0))
    assert feedback.status == "wrong" and "runner-up" in feedback.message and "argmax" in feedback.hint


def test_greedy_error_location_is_the_learners_line():
    def greedy_continuation(model, vocab, prompt, num_chars):
        ids = vocab.encode(prompt)  # forgot the batch dimension
        logits, state = model(ids)
        return ""

    feedback = grade("09.greedy", greedy_continuation)
    assert "(batch, seq_len)" in feedback.message
    assert "forward_call" not in feedback.message


def test_greedy_correct_and_mistakes():
    assert grade("09.greedy", _greedy).correct
    assert "prompt as well" in grade("09.greedy", lambda m, v, p, n: _greedy(m, v, p, n, with_prompt=True)).message
    assert "random" in grade("09.greedy", lambda m, v, p, n: _greedy(m, v, p, n, draw=True)).message
    assert "new characters" in grade("09.greedy", lambda m, v, p, n: _greedy(m, v, p, n - 1)).message
    assert "not text" in grade("09.greedy", lambda m, v, p, n: [1, 2]).message

    # forgetting the state: feeding only the last character each step changes the continuation
    def stateless(model, vocab, prompt, num_chars):
        ids, new = vocab.encode(prompt).unsqueeze(0), []
        for _ in range(num_chars):
            logits, _ = model(ids)
            new.append(int(logits[0, -1].argmax()))
            ids = torch.tensor([[new[-1]]])
        return vocab.decode(new)

    feedback = grade("09.greedy", stateless)
    assert feedback.status == "wrong" and "state" in feedback.hint

    def greedy_continuation(model, vocab, prompt, num_chars): ...

    assert grade("09.greedy", greedy_continuation).status == "not attempted"


# --- make_streams ----------------------------------------------------------------------------------------------


def _streams(ids, batch_size, seq_len):
    return list(stream_batches(ids, batch_size, seq_len))


def _windows(ids, batch_size, seq_len):  # consecutive windows stacked as rows: fastbook's classic mistake
    n = (len(ids) - 1) // seq_len
    x, y = ids[: n * seq_len].view(n, seq_len), ids[1 : n * seq_len + 1].view(n, seq_len)
    return [(x[i : i + batch_size], y[i : i + batch_size]) for i in range(0, n - batch_size + 1, batch_size)]


def _column_major(ids, batch_size, seq_len):
    n = (len(ids) - 1) // batch_size
    x, y = ids[: batch_size * n].view(n, batch_size).T, ids[1 : batch_size * n + 1].view(n, batch_size).T
    return [(x[:, s : s + seq_len], y[:, s : s + seq_len]) for s in range(0, n - seq_len + 1, seq_len)]


def _overlapping(ids, batch_size, seq_len):
    n = (len(ids) - 1) // batch_size
    x, y = ids[: batch_size * n].view(batch_size, n), ids[1 : batch_size * n + 1].view(batch_size, n)
    return [(x[:, s : s + seq_len], y[:, s : s + seq_len]) for s in range(0, n - seq_len + 1)]


@pytest.mark.parametrize(
    "fn, status, words",
    [
        (_streams, "correct", "continues row b"),
        (lambda i, b, n: stream_batches(i, b, n), "correct", "continues row b"),  # a generator is fine
        (_windows, "wrong", "consecutive windows"),
        (_column_major, "wrong", "filled column by column"),
        (_overlapping, "wrong", "overlap"),
        (lambda i, b, n: [(x, x) for x, _ in _streams(i, b, n)], "wrong", "equal the inputs"),
        (lambda i, b, n: [(y, x) for x, y in _streams(i, b, n)], "wrong", "wrong way"),
        (lambda i, b, n: [(x.T, y.T) for x, y in _streams(i, b, n)], "wrong", "swapped"),
        (lambda i, b, n: _streams(i, b, n)[:-1], "wrong", "left out"),
        (lambda i, b, n: _streams(i, b, n)[::-1], "wrong", "does not continue row b"),
        (lambda i, b, n: torch.stack([x for x, _ in _streams(i, b, n)]), "wrong", "not a list"),
        (lambda i, b, n: [], "wrong", "no chunks"),
    ],
)
def test_make_streams_is_graded_on_the_continuation_property(fn, status, words):
    feedback = grade("09.make_streams", fn)
    assert feedback.status == status and words in str(feedback), feedback


def test_make_streams_stub_is_not_attempted():
    def make_streams(ids, batch_size, seq_len): ...

    assert grade("09.make_streams", make_streams).status == "not attempted"


# --- find the bugs -----------------------------------------------------------------------------------------------


def _loop(detach=True, reset_each_epoch=True, reset_each_chunk=False, retain_graph=False, step=True):
    def train_epochs(model, ids, num_epochs, batch_size, seq_len, lr=3e-3):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        state = None
        for _ in range(num_epochs):
            if reset_each_epoch:
                state = None
            for x, y in stream_batches(ids, batch_size, seq_len):
                if reset_each_chunk:
                    state = None
                if detach and state is not None:
                    state = tuple(s.detach() for s in state)
                logits, state = model(x, state)
                loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
                optimizer.zero_grad()
                loss.backward(retain_graph=retain_graph)
                if step:
                    optimizer.step()
        return model

    return train_epochs


@pytest.mark.parametrize(
    "settings, status, words",
    [
        ({}, "correct", "Both bugs fixed"),
        ({"detach": False, "reset_each_epoch": False}, "wrong", "not detached"),  # the loop as the notebook gives it
        ({"detach": False}, "wrong", "not detached"),
        ({"reset_each_epoch": False}, "wrong", "carried across epochs"),  # the silent bug, named
        ({"detach": False, "retain_graph": True}, "wrong", "not detached"),
        ({"reset_each_chunk": True}, "wrong", "reset at every chunk"),
        ({"step": False}, "wrong", "did not change"),
    ],
)
def test_find_the_bugs_names_which_bug_is_left(settings, status, words):
    feedback = grade("09.find_the_bugs", _loop(**settings))
    assert feedback.status == status and words in feedback.message, feedback


# --- sampling with a temperature ---------------------------------------------------------------------------------


def _sampler(mistake=None):
    def sample_with_temperature(logits, temperature, generator):
        if mistake == "argmax":
            return int(logits.argmax())
        if temperature == 0 and mistake != "no zero case":
            return int(logits.argmax())
        scaled = {"ignores T": logits, "multiplies": logits * temperature}.get(mistake, logits / temperature)
        if mistake == "probabilities":
            return torch.softmax(scaled, -1)
        if mistake == "own exp":
            probs = torch.exp(scaled) / torch.exp(scaled).sum()
        else:
            probs = torch.softmax(scaled, -1)
        if mistake == "global generator":
            return int(torch.multinomial(probs, 1))
        return torch.multinomial(probs, 1, generator=generator)  # a 1-element tensor is accepted

    return sample_with_temperature


@pytest.mark.parametrize(
    "mistake, words",
    [
        ("ignores T", "temperature is ignored"),
        ("multiplies", "multiplied the logits"),
        ("no zero case", "At temperature 0 your code fails"),
        ("own exp", "overflows"),
        ("global generator", "ignores the generator"),
        ("argmax", "does not sample"),
        ("probabilities", "whole vector"),
    ],
)
def test_sample_with_temperature_mistakes(mistake, words):
    feedback = grade("09.sample_with_temperature", _sampler(mistake))
    assert feedback.status == "wrong" and words in feedback.message, feedback


def test_sample_with_temperature_is_graded_on_distributions():
    assert grade("09.sample_with_temperature", _sampler()).correct

    def raw_logits(logits, temperature, generator):  # weights from the logits themselves, not softmax
        if temperature == 0:
            return int(logits.argmax())
        return int(torch.multinomial((logits / temperature).clamp(min=0) + 1e-3, 1, generator=generator))

    feedback = grade("09.sample_with_temperature", raw_logits)
    assert feedback.status == "wrong" and "do not follow softmax" in feedback.message

    def sample_with_temperature(logits, temperature, generator): ...

    assert grade("09.sample_with_temperature", sample_with_temperature).status == "not attempted"

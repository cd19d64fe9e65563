"""The graders of notebook 09's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest
import torch

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_09_has_three_exercises():
    assert list_exercises("09") == ["09.bits_from_logits", "09.hot_limit", "09.greedy"]


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

"""The graders of notebook 09's exercises: correct answers pass, typical mistakes get specific feedback."""

import math

import pytest
import torch

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_09_has_three_exercises():
    assert list_exercises("09") == ["09.bits_per_char", "09.temperature", "09.greedy"]


def test_bits_per_char_correct_as_float_or_tensor():
    assert grade("09.bits_per_char", lambda p: -torch.log2(p).mean().item()).correct
    assert grade("09.bits_per_char", lambda p: -torch.log2(p).mean()).correct
    assert grade("09.bits_per_char", lambda p: (-torch.log(p)).mean() / math.log(2)).correct


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda p: -torch.log(p).mean(), "nats"),
        (lambda p: -torch.log2(p).sum(), "total"),
        (lambda p: torch.log2(p).mean(), "sign"),
        (lambda p: 2 ** (-torch.log2(p).mean()), "perplexity"),
        (lambda p: -math.log2(p.mean()), "average probability"),
        (lambda p: -torch.log2(p), "not one number"),
        (lambda p: 1.0, "Not the average"),
    ],
)
def test_bits_per_char_mistakes(fn, words):
    feedback = grade("09.bits_per_char", fn)
    assert feedback.status == "wrong" and words in feedback.message


def test_bits_per_char_forgotten_return_and_stub():
    def bits_per_char_by_hand(p_correct):
        -torch.log2(p_correct).mean()

    assert "return" in grade("09.bits_per_char", bits_per_char_by_hand).message

    def stub(p_correct): ...

    assert grade("09.bits_per_char", stub).status == "not attempted"


def test_temperature_correct_and_mistakes():
    assert grade("09.temperature", lambda z, t: torch.softmax(z / t, dim=-1)).correct
    for fn, words in [
        (lambda z, t: torch.softmax(z * t, dim=-1), "multiplied"),
        (lambda z, t: torch.softmax(z, dim=-1), "ignore the temperature"),
        (lambda z, t: torch.log_softmax(z / t, dim=-1), "log-probabilities"),
        (lambda z, t: torch.exp(z / t), "add up to 1"),
        (lambda z, t: z[:3], "shape"),
    ]:
        feedback = grade("09.temperature", fn)
        assert feedback.status == "wrong" and words in feedback.message, feedback

    def temperature_probs(logits, temperature): ...

    assert grade("09.temperature", temperature_probs).status == "not attempted"
    assert grade("09.temperature", torch.ones(3)).status == "wrong"


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

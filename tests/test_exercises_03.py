"""The graders of notebook 03's exercises: correct answers pass, typical mistakes get specific feedback."""

import pytest
import torch

from lstm_helpers.exercises import grade, list_exercises


def test_notebook_03_has_three_exercises():
    assert list_exercises("03") == ["03.output_gate", "03.lstm_params", "03.forget_rows"]


def gate(z, W_o, b_o):
    return torch.sigmoid(z @ W_o.T + b_o)


def output_gate_and_h(z, c, W_o, b_o):
    o = gate(z, W_o, b_o)
    return o, o * torch.tanh(c)


def column_vector_form(z, c, W_o, b_o):
    o = torch.sigmoid(W_o @ z + b_o)
    return o, o * c.tanh()


def placeholder(z, c, W_o, b_o):
    o = ...
    h = ...
    return o, h


def empty(z, c, W_o, b_o): ...


def tanh_gate(z, c, W_o, b_o):
    return torch.tanh(z @ W_o.T + b_o), torch.tanh(c)


def no_sigmoid(z, c, W_o, b_o):
    return z @ W_o.T + b_o, torch.tanh(c)


def no_bias(z, c, W_o, b_o):
    return torch.sigmoid(z @ W_o.T), torch.tanh(c)


def h_without_tanh(z, c, W_o, b_o):
    return gate(z, W_o, b_o), gate(z, W_o, b_o) * c


def tanh_after_gate(z, c, W_o, b_o):
    return gate(z, W_o, b_o), torch.tanh(gate(z, W_o, b_o) * c)


def sigmoid_on_cell(z, c, W_o, b_o):
    return gate(z, W_o, b_o), gate(z, W_o, b_o) * torch.sigmoid(c)


def gate_not_applied(z, c, W_o, b_o):
    return gate(z, W_o, b_o), torch.tanh(c)


def only_h(z, c, W_o, b_o):
    return gate(z, W_o, b_o) * torch.tanh(c)


def o_only(z, c, W_o, b_o):
    return gate(z, W_o, b_o), ...


def batched_o(z, c, W_o, b_o):
    return gate(z, W_o, b_o)[None], torch.tanh(c)


def untransposed(z, c, W_o, b_o):
    return torch.sigmoid(z @ W_o + b_o), None


a_result = output_gate_and_h(torch.zeros(5), torch.zeros(3), torch.zeros(3, 5), torch.zeros(3))

# (exercise, answer, expected status, words the printed feedback must contain)
CASES = [
    ("03.output_gate", output_gate_and_h, "correct", "o_t * tanh(C_t)"),
    ("03.output_gate", column_vector_form, "correct", ""),
    ("03.output_gate", placeholder, "not attempted", ""),
    ("03.output_gate", empty, "not attempted", ""),
    ("03.output_gate", ..., "not attempted", ""),
    ("03.output_gate", tanh_gate, "wrong", "uses tanh"),
    ("03.output_gate", no_sigmoid, "wrong", "missing the sigmoid"),
    ("03.output_gate", no_bias, "wrong", "b_o is missing"),
    ("03.output_gate", h_without_tanh, "wrong", "tanh on the cell state is missing"),
    ("03.output_gate", tanh_after_gate, "wrong", "after multiplying"),
    ("03.output_gate", sigmoid_on_cell, "wrong", "sigmoid"),
    ("03.output_gate", gate_not_applied, "wrong", "not applied"),
    ("03.output_gate", only_h, "wrong", "two tensors"),
    ("03.output_gate", o_only, "wrong", "h is still a placeholder"),
    ("03.output_gate", batched_o, "wrong", "shape (1, 3)"),
    ("03.output_gate", untransposed, "wrong", "shapes do not fit"),
    ("03.output_gate", untransposed, "wrong", "Hint: W_o is (hidden_size, hidden_size + input_size)"),
    ("03.output_gate", a_result, "wrong", "function itself"),
    ("03.lstm_params", (384, 416), "correct", "4 · 8 = 32"),
    ("03.lstm_params", [384.0, 416.0], "correct", ""),
    ("03.lstm_params", ..., "not attempted", ""),
    ("03.lstm_params", (..., ...), "not attempted", ""),
    ("03.lstm_params", (384, ...), "wrong", "Now add PyTorch's count"),
    ("03.lstm_params", (..., 416), "wrong", "first number"),
    ("03.lstm_params", (352, 416), "wrong", "bias vectors are missing"),
    ("03.lstm_params", (416, 416), "wrong", "two biases per gate"),
    ("03.lstm_params", (96, 416), "wrong", "one gate"),
    ("03.lstm_params", (384, 384), "wrong", "two bias vectors"),
    ("03.lstm_params", (384, 448), "wrong", "one bias vector too many"),
    ("03.lstm_params", (768, 832), "wrong", "factor of 2"),
    ("03.lstm_params", 384, "wrong", "second number"),
    ("03.lstm_params", (384, 416, 0), "wrong", "two numbers"),
    ("03.lstm_params", ("384", 416), "wrong", "should be a number"),
    ("03.forget_rows", range(8, 16), "correct", "i, f, g, o"),
    ("03.forget_rows", slice(8, 16), "correct", ""),
    ("03.forget_rows", list(range(8, 16)), "correct", ""),
    ("03.forget_rows", torch.arange(8, 16), "correct", ""),
    ("03.forget_rows", ..., "not attempted", ""),
    ("03.forget_rows", range(0, 8), "wrong", "input gate i"),
    ("03.forget_rows", range(16, 24), "wrong", "candidate g"),
    ("03.forget_rows", range(24, 32), "wrong", "output gate o"),
    ("03.forget_rows", range(8, 15), "wrong", "Off by one"),
    ("03.forget_rows", [1], "wrong", "single row"),
    ("03.forget_rows", range(3, 6), "wrong", "not the forget gate"),
    ("03.forget_rows", "rows 8 to 15", "wrong", "range or slice"),
]


@pytest.mark.parametrize(("key", "answer", "status", "words"), CASES)
def test_feedback_status_and_message(key, answer, status, words):
    feedback = grade(key, answer)
    assert feedback.status == status, feedback
    assert words in str(feedback)  # the message and the hint

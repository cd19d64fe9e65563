"""Graders, hints and worked solutions for notebook 01's exercises."""

import numbers

import torch

from ._framework import _close, _diagnose, _grade_count, _run_learner_function, correct, exercise, wrong


@exercise(
    "01.rnn_step",
    "Write the RNN step with PyTorch's two weight matrices",
    hints=(
        "One matrix multiplies the input, the other the previous hidden state; add the two products and the bias, "
        "then squash the sum.",
        "W_xh has shape (hidden_size, input_size), so `W_xh @ x_t` has hidden_size entries; W_hh has shape "
        "(hidden_size, hidden_size) and multiplies h_prev the same way, without a transpose.",
        "h_t = tanh(W_xh x_t + W_hh h_(t−1) + b): in code, torch.tanh(W_xh @ x_t + W_hh @ h_prev + b).",
    ),
    solution='''
import torch


def rnn_step_split(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(W_xh @ x_t + W_hh @ h_prev + b)  # (hidden_size,)
''',
    answer="rnn_step_split",
)
def _grade_rnn_step(my_rnn_step):
    gen = torch.Generator().manual_seed(1)
    input_size, hidden_size = 2, 4
    x_t = torch.randn(input_size, generator=gen)  # (input_size,)
    h_prev = torch.randn(hidden_size, generator=gen) * 0.5  # (hidden_size,)
    W_xh = torch.randn(hidden_size, input_size, generator=gen) * 0.5  # (hidden_size, input_size)
    W_hh = torch.randn(hidden_size, hidden_size, generator=gen) * 0.5  # (hidden_size, hidden_size)
    b = torch.randn(hidden_size, generator=gen) * 0.5  # (hidden_size,)
    got, problem = _run_learner_function(
        my_rnn_step,
        "01.rnn_step",
        "rnn_step_split",
        (x_t, h_prev, W_xh, W_hh, b),
        "W_xh is (hidden_size, input_size) and multiplies x_t; W_hh is (hidden_size, hidden_size) and multiplies "
        "h_prev. Check which matrix goes with which vector, and any transposes.",
    )
    if problem:
        return problem
    pre = W_xh @ x_t + W_hh @ h_prev + b  # (hidden_size,)
    expected = torch.tanh(pre)
    mistakes = [
        (pre, "Your h_t equals W_xh x_t + W_hh h_(t−1) + b without the tanh.", "Wrap the sum in torch.tanh(...)."),
        (
            torch.sigmoid(pre),
            "You used a sigmoid. A vanilla RNN squashes with tanh, so h_t lies in (-1, 1).",
            "Replace torch.sigmoid with torch.tanh.",
        ),
        (torch.tanh(pre - b), "The bias b is missing.", "Add b inside the tanh."),
        (torch.tanh(pre + b), "The bias b is added twice.", "Add b once."),
        (
            torch.tanh(W_xh @ x_t + b),
            "The recurrent term W_hh h_(t−1) is missing: without it the cell has no memory of earlier steps.",
            "Add W_hh @ h_prev inside the tanh.",
        ),
        (torch.tanh(W_hh @ h_prev + b), "The input term W_xh x_t is missing.", "Add W_xh @ x_t inside the tanh."),
        (
            torch.tanh(W_xh @ x_t + W_hh.T @ h_prev + b),
            "Your recurrent term uses the transposed matrix: W_hh.T @ h_prev (or h_prev @ W_hh). Because W_hh is "
            "square the shapes fit, but row j of W_hh holds the weights INTO unit j, so the product must be "
            "W_hh @ h_prev.",
            "Write W_hh @ h_prev (or h_prev @ W_hh.T), as nn.RNN does with weight_hh_l0.",
        ),
    ]
    if _close(got, expected):
        return correct("h_t = tanh(W_xh x_t + W_hh h_(t−1) + b), exactly what nn.RNN computes.")
    return _diagnose(got, expected, mistakes, "your h_t")


@exercise(
    "01.rnn_params",
    "Count the parameters of nn.RNN(input_size=3, hidden_size=8)",
    hints=(
        "nn.RNN has four parameter tensors; count the numbers in each from its shape and add them up.",
        "weight_ih_l0 is (hidden_size, input_size), weight_hh_l0 is (hidden_size, hidden_size), and there are two "
        "bias vectors of hidden_size numbers each.",
        "hidden_size × input_size + hidden_size × hidden_size + 2 × hidden_size, with input_size = 3 and "
        "hidden_size = 8.",
    ),
    solution='''
answer = 8 * 3 + 8 * 8 + 8 + 8  # weight_ih_l0 + weight_hh_l0 + bias_ih_l0 + bias_hh_l0
''',
)
def _grade_rnn_params(answer):
    known_mistakes = {
        96: "96 counts one bias vector, but nn.RNN keeps two, bias_ih_l0 and bias_hh_l0, of hidden_size = 8 each.",
        88: "88 counts the weights only (8 × 3 + 8 × 8); the biases are missing.",
        112: "112 counts three bias vectors; nn.RNN has two, bias_ih_l0 and bias_hh_l0.",
        40: "40 leaves out the recurrent weights weight_hh_l0 (8 × 8).",
        32: "32 counts only weight_ih_l0 (8 × 3) and one bias: the recurrent weights and the second bias are missing.",
        80: "80 leaves out the input weights weight_ih_l0 (8 × 3).",
    }
    feedback = _grade_count(
        answer,
        104,
        known_mistakes,
        "List the parameters with their shapes: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0.",
        "your count",
    )
    if feedback.correct:
        return correct("104 = 8 × 3 (weight_ih_l0) + 8 × 8 (weight_hh_l0) + 8 + 8 (two biases).")
    return feedback


@exercise(
    "01.output_shape",
    "The shape of nn.RNN's output",
    hints=(
        "output holds one hidden state for every sequence in the batch and every time step.",
        "With batch_first=True the axes are (batch, time, features), and the features of a hidden state are its "
        "hidden_size numbers.",
        "(batch_size, seq_len, hidden_size), with the sizes from the question.",
    ),
    solution='''
answer = (4, 10, 8)  # (batch_size, seq_len, hidden_size): one hidden state per sequence and step
''',
)
def _grade_output_shape(answer):
    if not isinstance(answer, (tuple, list, torch.Size)) or not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in answer
    ):
        return wrong(
            f"Give the shape as a tuple of whole numbers, such as (2, 5, 7); you gave {answer!r}.",
            "Write the three sizes in order, in parentheses.",
        )
    shape = tuple(int(n) for n in answer)
    if shape == (4, 10, 8):
        return correct("output is (batch_size, seq_len, hidden_size) = (4, 10, 8): one hidden state per step.")
    messages = {
        (10, 4, 8): "(10, 4, 8) is the layout without batch_first=True: (seq_len, batch, hidden_size).",
        (4, 8): "(4, 8) holds only the final hidden state of each sequence, but output keeps every step.",
        (1, 4, 8): "(1, 4, 8) is the shape of h_n, the final hidden state; output keeps every step.",
        (4, 10, 3): "The last axis of output is hidden_size, not input_size: output holds hidden states.",
        (4, 10): "A hidden state is a vector, so output needs a third axis for its hidden_size numbers.",
    }
    if shape in messages:
        return wrong(messages[shape], "With batch_first=True the batch axis comes first, then time, then features.")
    return wrong(f"{shape} is not right yet.", "Which axes does output have? Batch, time, and what lives at each step?")

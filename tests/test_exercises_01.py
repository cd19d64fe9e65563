"""The graders of notebook 01's exercises: correct answers pass, typical mistakes get specific feedback."""

import torch
from exercise_cases import feedback_test

from lstm_helpers.exercises import list_exercises


def test_notebook_01_has_three_exercises():
    assert list_exercises("01") == ["01.rnn_step", "01.rnn_params", "01.output_shape"]


def rnn_step_split(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(W_xh @ x_t + W_hh @ h_prev + b)


def row_vector_step(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh.T + b)


def placeholder_step(x_t, h_prev, W_xh, W_hh, b): ...


def unfinished_step(x_t, h_prev, W_xh, W_hh, b):
    raise NotImplementedError


def sigmoid_step(x_t, h_prev, W_xh, W_hh, b):
    return torch.sigmoid(W_xh @ x_t + W_hh @ h_prev + b)


def no_tanh_step(x_t, h_prev, W_xh, W_hh, b):
    return W_xh @ x_t + W_hh @ h_prev + b


def no_bias_step(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(W_xh @ x_t + W_hh @ h_prev)


def no_memory_step(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(W_xh @ x_t + b)


def doubled_step(x_t, h_prev, W_xh, W_hh, b):
    return 2 * rnn_step_split(x_t, h_prev, W_xh, W_hh, b)


def batched_step(x_t, h_prev, W_xh, W_hh, b):
    return rnn_step_split(x_t, h_prev, W_xh, W_hh, b)[None]


def swapped_step(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(W_hh @ x_t + W_xh @ h_prev + b)


def transposed_recurrent_step(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(W_xh @ x_t + W_hh.T @ h_prev + b)


def row_times_matrix_step(x_t, h_prev, W_xh, W_hh, b):
    return torch.tanh(x_t @ W_xh.T + h_prev @ W_hh + b)  # h_prev @ W_hh is W_hh.T @ h_prev


# (exercise, answer, expected status, words the printed feedback must contain)
CASES = [
    ("01.rnn_step", rnn_step_split, "correct", "nn.RNN"),
    ("01.rnn_step", row_vector_step, "correct", "nn.RNN"),
    ("01.rnn_step", placeholder_step, "not attempted", ""),
    ("01.rnn_step", unfinished_step, "not attempted", ""),
    ("01.rnn_step", ..., "not attempted", ""),
    ("01.rnn_step", sigmoid_step, "wrong", "sigmoid"),
    ("01.rnn_step", no_tanh_step, "wrong", "without the tanh"),
    ("01.rnn_step", no_bias_step, "wrong", "bias b is missing"),
    ("01.rnn_step", no_memory_step, "wrong", "recurrent term"),
    ("01.rnn_step", doubled_step, "wrong", "too large by the same constant factor"),
    ("01.rnn_step", batched_step, "wrong", "shape (1, 4)"),
    ("01.rnn_step", swapped_step, "wrong", "shapes do not fit"),
    ("01.rnn_step", swapped_step, "wrong", "Hint: W_xh is (hidden_size, input_size) and multiplies x_t"),
    ("01.rnn_step", torch.zeros(4), "wrong", "function itself"),
    ("01.rnn_step", transposed_recurrent_step, "wrong", "transposed matrix"),
    ("01.rnn_step", transposed_recurrent_step, "wrong", "Hint: Write W_hh @ h_prev"),
    ("01.rnn_step", row_times_matrix_step, "wrong", "transposed matrix"),
    ("01.rnn_params", 104, "correct", "two biases"),
    ("01.rnn_params", 104.0, "correct", "two biases"),
    ("01.rnn_params", torch.tensor(104), "correct", "two biases"),
    ("01.rnn_params", ..., "not attempted", ""),
    ("01.rnn_params", 96, "wrong", "one bias"),
    ("01.rnn_params", 88, "wrong", "biases are missing"),
    ("01.rnn_params", 40, "wrong", "recurrent weights"),
    ("01.rnn_params", 208, "wrong", "too large by a whole factor"),
    ("01.rnn_params", "104", "wrong", "should be a number"),
    ("01.rnn_params", 100, "wrong", "not right"),
    ("01.rnn_params", 80, "wrong", "input weights"),
    ("01.output_shape", (4, 10, 8), "correct", "(batch_size, seq_len, hidden_size)"),
    ("01.output_shape", [4, 10, 8], "correct", ""),
    ("01.output_shape", torch.Size([4, 10, 8]), "correct", ""),
    ("01.output_shape", ..., "not attempted", ""),
    ("01.output_shape", (10, 4, 8), "wrong", "without batch_first"),
    ("01.output_shape", (1, 4, 8), "wrong", "h_n"),
    ("01.output_shape", (4, 10, 3), "wrong", "not input_size"),
    ("01.output_shape", (4, 10, 16), "wrong", "not right"),
    ("01.output_shape", "4, 10, 8", "wrong", "tuple of whole numbers"),
]


test_feedback_status_and_message = feedback_test(CASES)

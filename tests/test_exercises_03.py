"""The graders of notebook 03's exercises: correct answers pass, typical mistakes get specific feedback."""

import torch
from exercise_cases import feedback_test

from lstm_helpers.exercises import list_exercises


def test_notebook_03_has_four_exercises():
    assert list_exercises("03") == ["03.output_gate", "03.lstm_params", "03.forget_rows", "03.packed_step"]


def gate(z, c, W_o, b_o, p_o):
    return torch.sigmoid(z @ W_o.T + p_o * c + b_o)


def output_gate_and_h(z, c, W_o, b_o, p_o):
    o = gate(z, c, W_o, b_o, p_o)
    return o, o * torch.tanh(c)


def column_vector_form(z, c, W_o, b_o, p_o):
    o = torch.sigmoid(W_o @ z + c * p_o + b_o)
    return o, o * c.tanh()


def placeholder(z, c, W_o, b_o, p_o):
    o = ...
    h = ...
    return o, h


def empty(z, c, W_o, b_o, p_o): ...


def tanh_gate(z, c, W_o, b_o, p_o):
    return torch.tanh(z @ W_o.T + p_o * c + b_o), torch.tanh(c)


def no_sigmoid(z, c, W_o, b_o, p_o):
    return z @ W_o.T + p_o * c + b_o, torch.tanh(c)


def no_bias(z, c, W_o, b_o, p_o):
    return torch.sigmoid(z @ W_o.T + p_o * c), torch.tanh(c)


def no_peephole(z, c, W_o, b_o, p_o):
    return torch.sigmoid(z @ W_o.T + b_o), torch.tanh(c)


def dot_peephole(z, c, W_o, b_o, p_o):
    return torch.sigmoid(z @ W_o.T + p_o @ c + b_o), torch.tanh(c)


def h_without_tanh(z, c, W_o, b_o, p_o):
    return gate(z, c, W_o, b_o, p_o), gate(z, c, W_o, b_o, p_o) * c


def tanh_after_gate(z, c, W_o, b_o, p_o):
    return gate(z, c, W_o, b_o, p_o), torch.tanh(gate(z, c, W_o, b_o, p_o) * c)


def sigmoid_on_cell(z, c, W_o, b_o, p_o):
    return gate(z, c, W_o, b_o, p_o), gate(z, c, W_o, b_o, p_o) * torch.sigmoid(c)


def gate_not_applied(z, c, W_o, b_o, p_o):
    return gate(z, c, W_o, b_o, p_o), torch.tanh(c)


def only_h(z, c, W_o, b_o, p_o):
    return gate(z, c, W_o, b_o, p_o) * torch.tanh(c)


def o_only(z, c, W_o, b_o, p_o):
    return gate(z, c, W_o, b_o, p_o), ...


def batched_o(z, c, W_o, b_o, p_o):
    return gate(z, c, W_o, b_o, p_o)[None], torch.tanh(c)


def untransposed(z, c, W_o, b_o, p_o):
    return torch.sigmoid(z @ W_o + b_o), None


def swapped_outputs(z, c, W_o, b_o, p_o):
    o, h = output_gate_and_h(z, c, W_o, b_o, p_o)
    return h, o


a_result = output_gate_and_h(torch.zeros(5), torch.zeros(3), torch.zeros(3, 5), torch.zeros(3), torch.zeros(3))

# (exercise, answer, expected status, words the printed feedback must contain)
CASES = [
    ("03.output_gate", output_gate_and_h, "correct", "p_o ⊙ c_t + b_o) and h_t = o_t ⊙ tanh(c_t)"),
    ("03.output_gate", column_vector_form, "correct", ""),
    ("03.output_gate", placeholder, "not attempted", ""),
    ("03.output_gate", empty, "not attempted", ""),
    ("03.output_gate", ..., "not attempted", ""),
    ("03.output_gate", tanh_gate, "wrong", "uses tanh"),
    ("03.output_gate", no_sigmoid, "wrong", "missing the sigmoid"),
    ("03.output_gate", no_bias, "wrong", "b_o is missing"),
    ("03.output_gate", no_peephole, "wrong", "peephole term p_o ⊙ c_t is missing"),
    ("03.output_gate", dot_peephole, "wrong", "dot product"),
    ("03.output_gate", dot_peephole, "wrong", "Use p_o * c, not p_o @ c"),
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
    ("03.output_gate", swapped_outputs, "wrong", "wrong order"),
    ("03.output_gate", swapped_outputs, "wrong", "return o, h"),
    ("03.lstm_params", (384, 416), "correct", "4 × 8 = 32"),
    ("03.lstm_params", [384.0, 416.0], "correct", ""),
    ("03.lstm_params", ..., "not attempted", ""),
    ("03.lstm_params", (..., ...), "not attempted", ""),
    ("03.lstm_params", (384, ...), "wrong", "Now add PyTorch's count"),
    ("03.lstm_params", (..., 416), "wrong", "first number"),
    ("03.lstm_params", (352, 416), "wrong", "bias vectors are missing"),
    ("03.lstm_params", (416, 416), "wrong", "two bias vectors per gate"),
    ("03.lstm_params", (416, 384), "wrong", "one bias per gate, as in the equations"),
    ("03.lstm_params", (96, 416), "wrong", "one gate"),
    ("03.lstm_params", (384, 384), "wrong", "two bias vectors"),
    ("03.lstm_params", (384, 448), "wrong", "one bias vector too many"),
    ("03.lstm_params", (768, 832), "wrong", "too large by a whole factor"),
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
    ("03.forget_rows", (8, 16), "wrong", "range(8, 16) or slice(8, 16)"),
    ("03.forget_rows", (8, 16), "wrong", "start and a stop"),
    ("03.forget_rows", (0, 8), "wrong", "range(0, 8)"),
    ("03.forget_rows", range(9, 17), "wrong", "counted the rows from 1"),
    ("03.forget_rows", range(9, 17), "wrong", "numbers rows from 0"),
    ("03.forget_rows", range(1, 9), "wrong", "counted the rows from 1"),
    ("03.forget_rows", range(8, 17), "wrong", "Off by one"),
]


test_feedback_status_and_message = feedback_test(CASES)


# --- 03.packed_step: written from nn.LSTM's packed weights, graded on sizes the notebook never uses ---------------


def packed_step(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh, order="ifgo", gates=None, cell=None,
                biases=2, swap=False):
    z = torch.cat([h_prev, x_t], dim=-1)
    W = torch.cat([weight_hh, weight_ih], dim=1)
    pre = z @ W.T + bias_ih + (bias_hh if biases == 2 else 0)
    parts = dict(zip(order, pre.chunk(4, dim=-1), strict=True))
    gates = gates or {"i": torch.sigmoid, "f": torch.sigmoid, "g": torch.tanh, "o": torch.sigmoid}
    i, f, g, o = (gates[name](parts[name]) for name in "ifgo")
    c = f * c_prev + i * g
    h = o * (cell or torch.tanh)(c)
    return (c, h) if swap else (h, c)


def separate_products(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    i, f, g, o = (x_t @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh).chunk(4)
    c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def with_order(order):
    return lambda *args: packed_step(*args, order=order)


def with_gates(gate_fn, candidate_fn):
    gates = {"i": gate_fn, "f": gate_fn, "g": candidate_fn, "o": gate_fn}
    return lambda *args: packed_step(*args, gates=gates)


def untransposed_packed(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    z = torch.cat([h_prev, x_t])
    return z @ torch.cat([weight_hh, weight_ih], dim=1) + bias_ih, c_prev


def stub(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    raise NotImplementedError


def dots_stub(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh): ...


def misaligned(z_first, W_first):
    """[x, h] against [W_hh, W_ih] (or [h, x] against [W_ih, W_hh]): the sizes add up, the values do not."""

    def lstm_step_packed(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
        z = torch.cat([x_t, h_prev] if z_first == "x" else [h_prev, x_t])
        W = torch.cat([weight_hh, weight_ih] if W_first == "hh" else [weight_ih, weight_hh], dim=1)
        i, f, g, o = (z @ W.T + bias_ih + bias_hh).chunk(4, dim=-1)
        c = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    return lstm_step_packed


def h_only(*args):
    return packed_step(*args)[0]


def forgot_return(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    packed_step(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh)


PACKED_CASES = [
    (packed_step, "correct", "chunk(4)"),
    (separate_products, "correct", ""),
    (..., "not attempted", ""),
    (stub, "not attempted", "NotImplementedError"),
    (dots_stub, "not attempted", "Replace each `...`"),
    (misaligned("x", "hh"), "wrong", "z = [x_t, h_(t−1)] but W = [weight_hh, weight_ih]"),
    (misaligned("h", "ih"), "wrong", "z = [h_(t−1), x_t] but W = [weight_ih, weight_hh]"),
    (forgot_return, "wrong", "forget the `return`"),
    (with_order("figo"), "wrong", "f, i, g, o, but PyTorch stacks the gates as i, f, g, o"),
    (with_order("fiog"), "wrong", "f, i, o, g"),
    (with_order("iofg"), "wrong", "PyTorch stacks the gates as i, f, g, o"),
    (lambda *args: packed_step(*args, biases=1), "wrong", "Only one of the two biases"),
    (with_gates(torch.sigmoid, torch.sigmoid), "wrong", "candidate g uses the sigmoid"),
    (with_gates(torch.tanh, torch.tanh), "wrong", "gates use tanh"),
    (lambda *args: packed_step(*args, cell=lambda c: c), "wrong", "tanh on the new cell state is missing"),
    (lambda *args: packed_step(*args, swap=True), "wrong", "wrong order"),
    (h_only, "wrong", "two tensors"),
    (untransposed_packed, "wrong", "shapes do not fit"),
    (untransposed_packed, "wrong", "torch.cat([weight_hh, weight_ih], dim=1)"),
    (torch.zeros(3), "wrong", "function itself"),
]


test_packed_step_feedback = feedback_test([("03.packed_step", *case) for case in PACKED_CASES])

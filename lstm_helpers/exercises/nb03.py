"""Graders for notebook 03's exercises."""

import numbers

import torch

from ._framework import (
    _NOT_ATTEMPTED,
    _close,
    _diagnose,
    _grade_count,
    _is_placeholder,
    _run_learner_function,
    _unfinished,
    correct,
    exercise,
    wrong,
)


@exercise("03.output_gate", "Write the output gate and h_t")
def _grade_output_gate(output_gate_and_h):
    gen = torch.Generator().manual_seed(3)
    input_size, hidden_size = 2, 3
    z = torch.randn(hidden_size + input_size, generator=gen)  # (hidden_size + input_size,) = [h_{t-1}, x_t]
    c = torch.tensor([1.5, -0.8, 2.5])  # (hidden_size,): the new cell state C_t, beyond ±1 on purpose
    W_o = torch.randn(hidden_size, hidden_size + input_size, generator=gen) * 0.5  # (hidden_size, hidden + input)
    b_o = torch.randn(hidden_size, generator=gen) * 0.5  # (hidden_size,)
    result, problem = _run_learner_function(
        output_gate_and_h,
        "03.output_gate",
        "output_gate_and_h",
        (z, c, W_o, b_o),
        "W_o is (hidden_size, hidden_size + input_size) and z is (hidden_size + input_size,): use z @ W_o.T "
        "(or W_o @ z).",
    )
    if problem:
        return problem
    if not isinstance(result, tuple) or len(result) != 2:
        return wrong("Your function should return two tensors, o and h.", "End it with `return o, h`.")
    o, h = result
    pre = z @ W_o.T + b_o  # (hidden_size,)
    o_ref = torch.sigmoid(pre)
    if not _close(o, o_ref):
        o_mistakes = [
            (
                torch.tanh(pre),
                "Your o_t uses tanh. Gates use the sigmoid σ, so they lie between 0 and 1 and act as valves.",
                "Use torch.sigmoid for the output gate.",
            ),
            (pre, "Your o_t is missing the sigmoid σ.", "Wrap W_o·[h_{t-1}, x_t] + b_o in torch.sigmoid(...)."),
            (torch.sigmoid(pre - b_o), "The bias b_o is missing from o_t.", "Add b_o before the sigmoid."),
        ]
        return _diagnose(o, o_ref, o_mistakes, "your o_t")
    if _is_placeholder(h):
        return wrong("Your o_t is right; h is still a placeholder.", "Compute h from o and c, then run the check.")
    h_ref = o_ref * torch.tanh(c)
    if _close(h, h_ref):
        return correct("o_t = σ(W_o·[h_{t-1}, x_t] + b_o) and h_t = o_t * tanh(C_t).")
    h_mistakes = [
        (o_ref * c, "Your h_t is o_t * C_t: the tanh on the cell state is missing.", "Use o * torch.tanh(c)."),
        (
            torch.tanh(o_ref * c),
            "Your h_t applies tanh after multiplying by o_t; the equation squashes C_t first.",
            "Use o * torch.tanh(c).",
        ),
        (
            o_ref * torch.sigmoid(c),
            "Your h_t squashes C_t with a sigmoid; the equation uses tanh, so h_t can be negative.",
            "Use o * torch.tanh(c).",
        ),
        (torch.tanh(c), "Your h_t is tanh(C_t): the output gate o_t is not applied.", "Multiply by o."),
    ]
    return _diagnose(h, h_ref, h_mistakes, "your h_t")


@exercise("03.lstm_params", "Count the parameters of an LSTM with input_size=3, hidden_size=8")
def _grade_lstm_params(answer):
    one_bias, two_biases = 4 * (8 * (8 + 3) + 8), 4 * (8 * (8 + 3) + 8 + 8)  # 384, 416
    if isinstance(answer, (tuple, list)):
        if len(answer) != 2:
            return wrong(
                f"Give two numbers, (count with one bias per gate, count in PyTorch); you gave {len(answer)}.",
                "Write answer = (..., ...) with your two counts.",
            )
        if _unfinished(tuple(answer)):
            return _NOT_ATTEMPTED
        first, second = answer
        if _is_placeholder(first):
            return wrong("Fill in the first number too: the count with one bias per gate.", "Count one gate, times 4.")
        if _is_placeholder(second):
            second = None
    else:
        first, second = answer, None
    first_mistakes = {
        352: "352 counts the weights only (4 · 8 · (8 + 3)); the four bias vectors are missing.",
        416: "416 counts two biases per gate, which is PyTorch's count; with one bias per gate it is 32 fewer.",
        96: "96 is one gate (8 · (8 + 3) + 8); an LSTM has four: f, i, C̃ and o.",
        128: "128 leaves out the recurrent weights (the h_{t-1} columns of each W).",
        288: "288 leaves out the input weights (the x_t columns of each W).",
    }
    hint = "Each gate has W (8 × (8 + 3)) and b (8); count one gate, then times 4."
    feedback = _grade_count(first, one_bias, first_mistakes, hint, "your count with one bias")
    if not feedback.correct:
        return feedback
    if second is None:
        return wrong(
            "384 is right for one bias per gate. Now add PyTorch's count as a second number.",
            "Write answer = (384, ...) with PyTorch's count in place of ...",
        )
    second_mistakes = {
        384: "384 is the one-bias count, but nn.LSTM keeps two bias vectors, bias_ih_l0 and bias_hh_l0.",
        448: "448 counts one bias vector too many: nn.LSTM adds 4 · 8 = 32 numbers (bias_hh_l0) to 384.",
        768: "768 doubles everything; only the biases are doubled: bias_hh_l0 adds 4 · 8 = 32 numbers.",
    }
    hint = "Look at the shapes of lstm.bias_ih_l0 and lstm.bias_hh_l0."
    feedback = _grade_count(second, two_biases, second_mistakes, hint, "your PyTorch count")
    if feedback.correct:
        return correct(
            "384 with one bias per gate; PyTorch's two bias vectors (bias_ih_l0 + bias_hh_l0) add 4 · 8 = 32, "
            "giving 416. They always appear as a sum, so the extra 32 add no expressive power."
        )
    return feedback


def _as_row_list(answer):
    """The row indices named by a slice, range, list/tuple of ints or integer tensor; None if not such a thing."""
    if isinstance(answer, slice):
        return list(range(*answer.indices(32)))
    if isinstance(answer, torch.Tensor) and not answer.is_floating_point():
        answer = answer.flatten().tolist()
    if isinstance(answer, (range, list, tuple)) and all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in answer
    ):
        return [int(n) for n in answer]
    return None


@exercise("03.forget_rows", "Which rows of weight_ih_l0 belong to the forget gate?")
def _grade_forget_rows(answer):
    rows = _as_row_list(answer)
    if rows is None:
        return wrong(
            f"Give the rows as a range or slice such as range(0, 4); you gave {answer!r}.",
            "range(a, b) means rows a, a + 1, ..., b - 1.",
        )
    hidden_size = 8
    blocks = {gate: list(range(k * hidden_size, (k + 1) * hidden_size)) for k, gate in enumerate("ifgo")}
    if rows == blocks["f"]:
        return correct("range(8, 16): PyTorch stacks the gates as i, f, g, o, so f is the second block of 8 rows.")
    names = {"i": "the input gate i", "g": "the candidate g (C̃)", "o": "the output gate o"}
    for gate, name in names.items():
        if rows == blocks[gate]:
            return wrong(
                f"Those rows belong to {name}. PyTorch's gate order is i, f, g, o.",
                "Each gate has hidden_size = 8 rows; find the block of the forget gate in that order.",
            )
    if rows and rows[0] == 8 and len(rows) in (7, 9):
        return wrong(
            f"Off by one: you named {len(rows)} rows, but each gate has hidden_size = 8.",
            "range(a, b) stops before b, so range(a, a + 8) is 8 rows.",
        )
    if len(rows) == 1:
        return wrong(
            "That is a single row; every gate owns hidden_size = 8 rows, one per hidden unit.",
            "Give a range of 8 rows.",
        )
    return wrong(
        "Those are not the forget gate's rows.",
        "weight_ih_l0 is (4 · hidden_size, input_size) = (32, 3), gates stacked in the order i, f, g, o.",
    )

"""Graders, hints and worked solutions for notebook 03's exercises."""

import itertools
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


@exercise(
    "03.output_gate",
    "Write the output gate of a peephole LSTM, and h_t",
    hints=(
        "Build o like the other gates (a sigmoid of W_o times z plus b_o), with one more term inside the sigmoid: "
        "the peephole p_o ⊙ c_t. Then o decides how much of the squashed cell state becomes h.",
        "⊙ is the element-wise product, `*` in code (not `@`). o needs torch.sigmoid (a valve between 0 and 1); h "
        "multiplies o element by element with tanh of the cell state. Return them in the order o, h.",
        "o_t = σ(W_o [h_(t−1), x_t] + p_o ⊙ c_t + b_o) and h_t = o_t ⊙ tanh(c_t): "
        "torch.sigmoid(z @ W_o.T + p_o * c + b_o), then o * torch.tanh(c).",
    ),
    solution='''
import torch


def output_gate_and_h(z, c, W_o, b_o, p_o):
    o = torch.sigmoid(z @ W_o.T + p_o * c + b_o)  # (hidden_size,): the output gate, peeking at c_t
    h = o * torch.tanh(c)  # (hidden_size,): the new hidden state h_t = o_t ⊙ tanh(c_t)
    return o, h
''',
    answer="output_gate_and_h",
)
def _grade_output_gate(output_gate_and_h):
    gen = torch.Generator().manual_seed(3)
    input_size, hidden_size = 2, 3
    z = torch.randn(hidden_size + input_size, generator=gen)  # (hidden_size + input_size,) = [h_{t-1}, x_t]
    c = torch.tensor([1.5, -0.8, 2.5])  # (hidden_size,): the new cell state c_t, beyond ±1 on purpose
    W_o = torch.randn(hidden_size, hidden_size + input_size, generator=gen) * 0.5  # (hidden_size, hidden + input)
    b_o = torch.randn(hidden_size, generator=gen) * 0.5  # (hidden_size,)
    p_o = torch.tensor([0.9, -1.3, 0.6])  # (hidden_size,): one peephole weight per unit
    result, problem = _run_learner_function(
        output_gate_and_h,
        "03.output_gate",
        "output_gate_and_h",
        (z, c, W_o, b_o, p_o),
        "W_o is (hidden_size, hidden_size + input_size) and z is (hidden_size + input_size,): use z @ W_o.T "
        "(or W_o @ z). p_o and c are both (hidden_size,): multiply them element-wise, p_o * c.",
    )
    if problem:
        return problem
    if not isinstance(result, tuple) or len(result) != 2:
        return wrong("Your function should return two tensors, o and h.", "End it with `return o, h`.")
    o, h = result
    pre = z @ W_o.T + p_o * c + b_o  # (hidden_size,)
    o_ref = torch.sigmoid(pre)
    h_ref = o_ref * torch.tanh(c)
    if _close(o, h_ref) and _close(h, o_ref):
        return wrong(
            "Your o and h are both right but returned in the wrong order: the first is h_t and the second o_t.",
            "End the function with `return o, h` (the gate first, then the hidden state).",
        )
    if not _close(o, o_ref):
        o_mistakes = [
            (
                torch.tanh(pre),
                "Your o_t uses tanh. Gates use the sigmoid σ, so they lie between 0 and 1 and act as valves.",
                "Use torch.sigmoid for the output gate.",
            ),
            (pre, "Your o_t is missing the sigmoid σ.", "Wrap the whole sum in torch.sigmoid(...)."),
            (
                torch.sigmoid(pre - p_o * c),
                "Your o_t is the plain LSTM's output gate: the peephole term p_o ⊙ c_t is missing.",
                "Add p_o * c inside the sigmoid.",
            ),
            (
                torch.sigmoid(pre - p_o * c + p_o @ c),
                "Your peephole term is a dot product (p_o @ c, one number for every unit). ⊙ multiplies entry by "
                "entry, so each unit sees only its own cell.",
                "Use p_o * c, not p_o @ c.",
            ),
            (torch.sigmoid(pre - b_o), "The bias b_o is missing from o_t.", "Add b_o inside the sigmoid."),
        ]
        return _diagnose(o, o_ref, o_mistakes, "your o_t")
    if _is_placeholder(h):
        return wrong("Your o_t is right; h is still a placeholder.", "Compute h from o and c, then run the check.")
    if _close(h, h_ref):
        return correct("o_t = σ(W_o [h_(t−1), x_t] + p_o ⊙ c_t + b_o) and h_t = o_t ⊙ tanh(c_t).")
    h_mistakes = [
        (o_ref * c, "Your h_t is o_t ⊙ c_t: the tanh on the cell state is missing.", "Use o * torch.tanh(c)."),
        (
            torch.tanh(o_ref * c),
            "Your h_t applies tanh after multiplying by o_t; the equation squashes c_t first.",
            "Use o * torch.tanh(c).",
        ),
        (
            o_ref * torch.sigmoid(c),
            "Your h_t squashes c_t with a sigmoid; the equation uses tanh, so h_t can be negative.",
            "Use o * torch.tanh(c).",
        ),
        (torch.tanh(c), "Your h_t is tanh(c_t): the output gate o_t is not applied.", "Multiply by o."),
    ]
    return _diagnose(h, h_ref, h_mistakes, "your h_t")


@exercise(
    "03.lstm_params",
    "Count the parameters of an LSTM with input_size=3, hidden_size=8",
    hints=(
        "Count one gate first: its weight matrix and its bias. The cell has four such gates (f, i, C̃, o).",
        "Each gate's W acts on [h_(t−1), x_t], so it is (hidden_size, hidden_size + input_size); its b has "
        "hidden_size numbers. nn.LSTM keeps a second bias vector for every gate.",
        "(a) 4 × (H × (H + input_size) + H); (b) the same plus 4 × H for bias_hh_l0, with H = 8, input_size = 3.",
    ),
    solution='''
one_bias = 4 * (8 * (8 + 3) + 8)  # 4 gates, each W (8, 8 + 3) and b (8,)
two_biases = one_bias + 4 * 8  # nn.LSTM adds bias_hh_l0: 4 * hidden_size more numbers
answer = (one_bias, two_biases)
''',
)
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
        352: "352 counts the weights only (4 × 8 × (8 + 3)); the four bias vectors are missing.",
        416: "416 counts two bias vectors per gate, which is how nn.LSTM stores them; the first number asks for one "
        "bias per gate, as in the equations.",
        96: "96 is one gate (8 × (8 + 3) + 8); an LSTM has four: f, i, C̃ and o.",
        128: "128 leaves out the recurrent weights (the h_(t−1) columns of each W).",
        288: "288 leaves out the input weights (the x_t columns of each W).",
    }
    hint = "Count one gate's numbers from the shapes of its W and b, then all the gates."
    feedback = _grade_count(first, one_bias, first_mistakes, hint, "your count with one bias")
    if not feedback.correct:
        return feedback
    if second is None:
        return wrong(
            "Your count with one bias per gate is right. Now add PyTorch's count as a second number.",
            "Write answer = (your first count, ...) with PyTorch's count in place of ...",
        )
    second_mistakes = {
        384: "Your second number equals the one-bias count, but nn.LSTM keeps two bias vectors, bias_ih_l0 and "
        "bias_hh_l0.",
        448: "448 counts one bias vector too many: nn.LSTM has exactly two per layer, bias_ih_l0 and bias_hh_l0.",
        768: "768 counts the weights twice too; only the bias vectors come in pairs (bias_ih_l0 and bias_hh_l0).",
    }
    hint = "Look at the shapes of lstm.bias_ih_l0 and lstm.bias_hh_l0."
    feedback = _grade_count(second, two_biases, second_mistakes, hint, "your PyTorch count")
    if feedback.correct:
        return correct(
            "384 with one bias per gate; PyTorch's two bias vectors (bias_ih_l0 + bias_hh_l0) add 4 × 8 = 32, "
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


@exercise(
    "03.forget_rows",
    "Which rows of weight_ih_l0 belong to the forget gate?",
    hints=(
        "weight_ih_l0 stacks the four gates on top of each other, hidden_size rows each, in PyTorch's gate order.",
        "PyTorch's order is i, f, g, o, and Python counts rows from 0: the first block is rows 0 to hidden_size − 1.",
        "The forget gate is the second block: rows hidden_size up to (not including) 2 × hidden_size, written "
        "range(H, 2 * H) with H = 8.",
    ),
    solution='''
answer = range(8, 16)  # gate order i, f, g, o: the forget gate is the second block of hidden_size = 8 rows
''',
)
def _grade_forget_rows(answer):
    hidden_size = 8
    if (
        isinstance(answer, tuple)
        and len(answer) == 2
        and all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in answer)
        and answer[1] - answer[0] > 2
    ):
        start, stop = answer
        return wrong(
            f"({start}, {stop}) looks like a start and a stop, but as an index a tuple names only the two rows "
            f"{start} and {stop}.",
            f"Write the rows from {start} up to {stop} as range({start}, {stop}) or slice({start}, {stop}), then "
            "check again.",
        )
    rows = _as_row_list(answer)
    if rows is None:
        return wrong(
            f"Give the rows as a range or slice such as range(0, 4); you gave {answer!r}.",
            "range(a, b) means rows a, a + 1, ..., b − 1.",
        )
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
    if any(rows == [n + 1 for n in block] for block in blocks.values()):
        return wrong(
            "Your rows start one after a gate's first row and run one past its last: you counted the rows from 1.",
            "Python numbers rows from 0: the first row is row 0, so the first gate's block is range(0, 8).",
        )
    if rows and rows[0] % hidden_size == 0 and len(rows) in (hidden_size - 1, hidden_size + 1):
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
        "weight_ih_l0 is (4 × hidden_size, input_size) = (32, 3), gates stacked in the order i, f, g, o.",
    )


def _packed_reference(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh, order="ifgo", gate_fn=None,
                      cell_fn=torch.tanh, biases=2, swapped=False):
    """nn.LSTM's step from packed weights, with knobs that reproduce the typical mistakes.

    ``swapped`` concatenates z and W in different orders: ``"z"`` reads ``[x_t, h_(t-1)]`` with
    ``[weight_hh, weight_ih]``, ``"W"`` reads ``[h_(t-1), x_t]`` with ``[weight_ih, weight_hh]``.
    """
    if swapped:
        z_parts, W_parts = [x_t, h_prev], [weight_hh, weight_ih]
        if swapped == "W":
            z_parts, W_parts = z_parts[::-1], W_parts[::-1]
        pre = torch.cat(z_parts, dim=-1) @ torch.cat(W_parts, dim=1).T  # (4H,): x_t meets h's columns
    else:
        pre = x_t @ weight_ih.T + h_prev @ weight_hh.T  # (4H,)
    z = pre + bias_ih + (bias_hh if biases == 2 else 0)  # (4H,)
    parts = dict(zip(order, z.chunk(4, dim=-1), strict=True))
    gate_fn = gate_fn or {"i": torch.sigmoid, "f": torch.sigmoid, "g": torch.tanh, "o": torch.sigmoid}
    i, f, g, o = (gate_fn[name](parts[name]) for name in "ifgo")
    c = f * c_prev + i * g
    return o * cell_fn(c), c


@exercise(
    "03.packed_step",
    "Write one LSTM step from nn.LSTM's packed weights with one matrix multiply and .chunk(4)",
    hints=(
        "Compute all four gates' pre-activations at once: one product with the stacked weights (plus both biases) "
        "gives 4 × hidden_size numbers. Then split them into the four gates.",
        "z = torch.cat([h_prev, x_t]) and W = torch.cat([weight_hh, weight_ih], dim=1) line up with each other; "
        "`(z @ W.T + bias_ih + bias_hh).chunk(4, dim=-1)` gives the blocks in PyTorch's order i, f, g, o. The "
        "candidate g uses tanh, the three gates the sigmoid.",
        "i, f, g, o = (z @ W.T + bias_ih + bias_hh).chunk(4, dim=-1); i, f, o = σ(i), σ(f), σ(o); g = tanh(g); "
        "c = f ⊙ c_prev + i ⊙ g; h = o ⊙ tanh(c); return h, c.",
    ),
    solution='''
import torch


def lstm_step_packed(x_t, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    z = torch.cat([h_prev, x_t], dim=-1)  # (hidden_size + input_size,) = [h_(t-1), x_t]
    W = torch.cat([weight_hh, weight_ih], dim=1)  # (4 * hidden_size, hidden_size + input_size): all four gates
    i, f, g, o = (z @ W.T + bias_ih + bias_hh).chunk(4, dim=-1)  # one matrix multiply, then split: i, f, g, o
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c_prev + i * g  # (hidden_size,): c_t = f_t ⊙ c_(t-1) + i_t ⊙ g_t
    h = o * torch.tanh(c)  # (hidden_size,): h_t = o_t ⊙ tanh(c_t)
    return h, c
''',
    answer="lstm_step_packed",
)
def _grade_packed_step(lstm_step_packed):
    shape_hint = (
        "weight_ih is (4 × hidden_size, input_size) and multiplies x_t; weight_hh is (4 × hidden_size, hidden_size) "
        "and multiplies h_prev. With z = [h_prev, x_t], stack them as torch.cat([weight_hh, weight_ih], dim=1) and "
        "use z @ W.T."
    )
    for seed, (input_size, hidden_size) in ((30, (2, 3)), (31, (5, 4))):  # sizes the notebook never uses
        cell = torch.nn.LSTMCell(input_size, hidden_size)
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for param in cell.parameters():
                param.copy_(torch.randn(param.shape, generator=gen) * 0.8)
        x_t = torch.randn(input_size, generator=gen)  # (input_size,)
        h_prev = torch.randn(hidden_size, generator=gen) * 0.5  # (hidden_size,)
        c_prev = torch.randn(hidden_size, generator=gen)  # (hidden_size,)
        packed = tuple(p.detach() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh))
        result, problem = _run_learner_function(
            lstm_step_packed, "03.packed_step", "lstm_step_packed", (x_t, h_prev, c_prev, *packed), shape_hint
        )
        if problem:
            return problem
        if not isinstance(result, tuple) or len(result) != 2:
            return wrong("Your function should return two tensors, h and c (as nn.LSTMCell does).",
                         "End it with `return h, c`.")
        h, c = result
        with torch.no_grad():
            h_ref, c_ref = cell(x_t[None], (h_prev[None], c_prev[None]))
        h_ref, c_ref = h_ref[0], c_ref[0]  # (hidden_size,) each
        if _close(h, h_ref) and _close(c, c_ref):
            continue
        if _close(h, c_ref) and _close(c, h_ref):
            return wrong("Your h and c are both right but returned in the wrong order.",
                         "Return `h, c`: the hidden state first, like nn.LSTMCell.")
        args = (x_t, h_prev, c_prev, *packed)
        sig, tanh = torch.sigmoid, torch.tanh
        mistakes = [
            (_packed_reference(*args, order="".join(order)),
             f"You unpacked the four blocks as {', '.join(order)}, but PyTorch stacks the gates as i, f, g, o "
             "(not the order f, i, C̃, o of the equations).",
             "Unpack the chunks as `i, f, g, o = ....chunk(4, dim=-1)`.")
            for order in itertools.permutations("ifgo")
            if order != tuple("ifgo")
        ] + [
            (_packed_reference(*args, swapped=which),
             f"Your z and W are concatenated in different orders: z = {z_text} but W = {W_text}, so the x_t entries "
             "meet the columns meant for h_(t−1). Both have hidden_size + input_size entries in total, so no error "
             "is raised; only the values are wrong.",
             "Concatenate both in the same order: h_prev first in z exactly when weight_hh comes first in W.")
            for which, z_text, W_text in (("z", "[x_t, h_(t−1)]", "[weight_hh, weight_ih]"),
                                          ("W", "[h_(t−1), x_t]", "[weight_ih, weight_hh]"))
        ] + [
            (_packed_reference(*args, biases=1),
             "Only one of the two biases is added. nn.LSTM adds both bias_ih and bias_hh to every gate.",
             "Add bias_ih + bias_hh to the pre-activations before chunking."),
            (_packed_reference(*args, gate_fn={"i": sig, "f": sig, "g": sig, "o": sig}),
             "Your candidate g uses the sigmoid. The candidate proposes values in (−1, 1), so it uses tanh; only "
             "the gates i, f, o use σ.",
             "g = torch.tanh(g)."),
            (_packed_reference(*args, gate_fn={"i": tanh, "f": tanh, "g": tanh, "o": tanh}),
             "Your gates use tanh. Gates are valves between 0 and 1, so i, f and o use the sigmoid σ; only the "
             "candidate g uses tanh.",
             "i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)."),
            (_packed_reference(*args, cell_fn=lambda c: c),
             "Your h is o ⊙ c: the tanh on the new cell state is missing.", "h = o * torch.tanh(c)."),
        ]
        for (h_bad, c_bad), message, hint in mistakes:
            if _close(h, h_bad) and _close(c, c_bad):
                return wrong(message, hint)
        if not _close(c, c_ref):
            return _diagnose(c, c_ref, [], "your c")
        return _diagnose(h, h_ref, [], "your h")
    return correct(
        "Your step matches nn.LSTMCell on weights and sizes you had not seen: one matrix multiply for all four "
        "gates, .chunk(4) in the order i, f, g, o, both biases."
    )

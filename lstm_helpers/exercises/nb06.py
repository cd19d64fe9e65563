"""Graders for notebook 06's exercises: the learner writes the LSTM backward pass, stage by stage, then BPTT.

Introduced in notebook 06 (``06_lstm_backward_by_hand``). Every stage is graded on inputs the notebook never shows,
against the reference in ``lstm_helpers.backward``, with a specific message for each classic mistake: the cell-state
path from step t + 1 forgotten, tanh' or σ' taken at the wrong argument, gradients not summed over the batch or over
time, transposes, and nn.LSTM's packed gate order i, f, g, o.
"""

import itertools

import torch

from ..backward import lstm_step_backward, packed_lstm_gradients
from ..cells import LSTMStep, init_lstm_weights, lstm_step, run_lstm
from ._framework import (
    _close,
    _grade_count,
    _run_learner_function,
    _whole_number,
    compare_tensors,
    correct,
    exercise,
    wrong,
)

_NAMES = ("W_f", "b_f", "W_i", "b_i", "W_C", "b_C", "W_o", "b_o")
_DTYPE = torch.float64


def _same(got, expected, tol=1e-8):
    return (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and torch.allclose(got.detach().to(expected.dtype), expected, atol=tol, rtol=tol)
    )


def _case(seed, batch_size=4, input_size=3, hidden_size=5):
    """One forward step on a batch, in float64, with δh_t and δc_t^next from "the rest of the network"."""
    gen = torch.Generator().manual_seed(seed)
    weights = init_lstm_weights(input_size, hidden_size, gen, dtype=_DTYPE)
    x_t = torch.randn(batch_size, input_size, generator=gen, dtype=_DTYPE)  # (batch, input_size)
    h_prev = torch.randn(batch_size, hidden_size, generator=gen, dtype=_DTYPE) * 0.5  # (batch, hidden_size)
    c_prev = torch.randn(batch_size, hidden_size, generator=gen, dtype=_DTYPE) * 1.5  # beyond ±1 on purpose
    step = lstm_step(x_t, h_prev, c_prev, weights)  # LSTMStep: f, i, g, o, c, h, each (batch, hidden_size)
    dh = torch.randn(batch_size, hidden_size, generator=gen, dtype=_DTYPE)  # δh_t
    dc_next = torch.randn(batch_size, hidden_size, generator=gen, dtype=_DTYPE)  # δc_t^next, from step t + 1
    return dict(x_t=x_t, h_prev=h_prev, c_prev=c_prev, step=step, weights=weights, dh=dh, dc_next=dc_next)


def _check_parts(result, parts):
    """Feedback for a tuple of tensors, part by part; None when every part is right.

    ``parts`` lists ``(name, expected, mistakes)`` in the order the function returns them; ``mistakes`` are
    ``(value, message, hint)`` recognised for that part.
    """
    names = ", ".join(name for name, _, _ in parts)
    if not isinstance(result, tuple) or len(result) != len(parts):
        return wrong(f"Your function should return {len(parts)} tensors: {names}.", f"End it with `return {names}`.")
    for (name, expected, mistakes), got in zip(parts, result, strict=True):
        if _same(got, expected):
            continue
        if not isinstance(got, torch.Tensor):
            return wrong(f"{name} should be a tensor, but it is {type(got).__name__}.", "Return torch tensors.")
        if got.shape != expected.shape and got.shape == expected.T.shape:
            return wrong(
                f"{name} has shape {tuple(got.shape)}: it is transposed. A gradient has the shape of what it is the "
                f"gradient of, {tuple(expected.shape)}.",
                "Swap the two factors of the product (and the transpose): (hidden_size, batch) @ (batch, width).",
            )
        for value, message, hint in mistakes:
            if _close(got, value):
                return wrong(message, hint)
        for other, other_expected, _ in parts:
            if other != name and _same(got, other_expected):
                return wrong(
                    f"Your {name} holds what should be {other}: the results come back in another order.",
                    f"Return them in the order {names}.",
                )
        return compare_tensors(got, expected, name)
    return None


def _shape_hint(shapes):
    return f"The arguments' shapes: {shapes}. ⊙ is `*` (entry by entry), not `@`."


# --- Stage 1: the output gate and the hidden state --------------------------------------------------------------


@exercise(
    "06.output_gate_backward",
    "Stage 1: backward through h_t = o_t ⊙ tanh(c_t): δa_o and all of δc_t",
    hints=(
        "h_t depends on two things, o_t and c_t. The cell state c_t also reaches the loss through step t + 1: that "
        "gradient arrives as dc_next and the two add up.",
        "δo_t = δh_t ⊙ tanh(c_t), then through the output gate's sigmoid: σ'(a_o) is written with the gate's own "
        "value o_t, which the forward pass already computed. Into the cell: ∂h_t/∂c_t = o_t ⊙ tanh'(c_t).",
        "δa_o = δh_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t); δc_t = δc_t^next + δh_t ⊙ o_t ⊙ (1 − tanh²(c_t)).",
    ),
    solution="""
import torch

def output_gate_backward(dh, dc_next, o, c):
    tanh_c = torch.tanh(c)  # (batch, hidden_size)
    da_o = dh * tanh_c * o * (1 - o)  # δo_t = δh_t ⊙ tanh(c_t), then σ'(a_o) = o(1 − o)
    dc = dc_next + dh * o * (1 - tanh_c**2)  # the path from step t + 1 plus the path through h_t
    return da_o, dc
""",
    answer="output_gate_backward",
)
def _grade_output_gate_backward(output_gate_backward):
    case = _case(601)
    dh, dc_next, o, c = case["dh"], case["dc_next"], case["step"].o, case["step"].c
    result, problem = _run_learner_function(
        output_gate_backward, "06.output_gate_backward", "output_gate_backward", (dh, dc_next, o, c),
        _shape_hint("dh, dc_next, o, c are all (batch, hidden_size)"),
    )  # fmt: skip
    if problem:
        return problem
    tanh_c = torch.tanh(c)
    through_h = dh * o * (1 - tanh_c**2)
    parts = [
        ("da_o", dh * tanh_c * o * (1 - o), [
            (dh * tanh_c, "da_o is δo_t, the gradient at the gate's output: the sigmoid's derivative is missing.",
             "a_o goes through σ to give o_t: multiply by σ'(a_o), written with o_t."),
            (dh * tanh_c * (1 - o**2), "da_o uses tanh's derivative 1 − o² for the output gate, but o_t comes from "
             "a sigmoid.", "A sigmoid's derivative, written with its output o: σ' = o(1 − o)."),
            (dh * tanh_c * torch.sigmoid(o) * (1 - torch.sigmoid(o)), "da_o takes σ' at the wrong argument: o is "
             "already σ(a_o), so σ(o)(1 − σ(o)) applies the sigmoid twice.", "σ'(a_o) = o(1 − o) with o as given."),
            (dh * c * o * (1 - o), "da_o multiplies by c_t, but h_t = o_t ⊙ tanh(c_t): the cell state reaches h_t "
             "squashed.", "∂h_t/∂o_t = tanh(c_t)."),
            (dh * o * (1 - o), "da_o is missing the factor that o_t multiplies in h_t = o_t ⊙ tanh(c_t).",
             "∂h_t/∂o_t = tanh(c_t)."),
        ]),
        ("dc", dc_next + through_h, [
            (through_h, "dc is only the path through h_t: the cell-state path from step t + 1 (dc_next) is missing. "
             "c_t reaches the loss both through h_t and through c_{t+1}.", "Add dc_next: the two paths add up."),
            (dc_next + dh * o, "dc is missing tanh' on the way into the cell: h_t sees c_t through a tanh.",
             "Differentiate tanh(c_t): tanh' = 1 − tanh²."),
            (dc_next + dh * o * (1 - tanh_c), "dc uses 1 − tanh(c_t); tanh's derivative is 1 − tanh² (squared).",
             "Square the tanh."),
            (dc_next + dh * o * (1 - c**2), "dc takes tanh' at the wrong argument: 1 − c_t² is the formula "
             "1 − tanh² written with c_t itself, but c_t is the tanh's input, not its output.",
             "tanh'(c_t) = 1 − tanh²(c_t): compute torch.tanh(c) first."),
            (dc_next + dh * (1 - tanh_c**2), "dc is missing the output gate: h_t = o_t ⊙ tanh(c_t).",
             "Multiply by o_t on the way into the cell."),
            (dc_next * through_h, "dc multiplies the two paths; gradients that arrive along two paths add.",
             "δc_t = δc_t^next + (the part through h_t)."),
        ]),
    ]  # fmt: skip
    return _check_parts(result, parts) or correct(
        "δa_o = δh_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t), and δc_t = δc_t^next + δh_t ⊙ o_t ⊙ tanh'(c_t): the cell state "
        "collects gradient from step t + 1 and through h_t."
    )


# --- Stage 2: the cell state ------------------------------------------------------------------------------------


@exercise(
    "06.cell_backward",
    "Stage 2: backward through c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t",
    hints=(
        "A product hands each factor the incoming gradient times the other factor; a sum passes the gradient on "
        "unchanged.",
        "Two products: f_t and c_{t-1} multiply each other, i_t and g_t (the candidate C̃_t) multiply "
        "each other. Each factor's gradient is δc_t times its partner.",
        "δf_t = δc_t ⊙ c_{t-1}, δi_t = δc_t ⊙ g_t, δg_t = δc_t ⊙ i_t, δc_{t-1} = δc_t ⊙ f_t.",
    ),
    solution="""
def cell_backward(dc, f, i, g, c_prev):
    df = dc * c_prev  # c_t = f_t ⊙ c_{t-1} + ...: f's partner is c_{t-1}
    di = dc * g  # ... + i_t ⊙ g_t: i's partner is the candidate
    dg = dc * i
    dc_prev = dc * f  # the carousel: along the cell state the gradient is only scaled by f_t
    return df, di, dg, dc_prev
""",
    answer="cell_backward",
)
def _grade_cell_backward(cell_backward):
    case = _case(602)
    step, c_prev = case["step"], case["c_prev"]
    dc = case["dc_next"] + case["dh"] * step.o * (1 - torch.tanh(step.c) ** 2)  # all of δc_t
    result, problem = _run_learner_function(
        cell_backward, "06.cell_backward", "cell_backward", (dc, step.f, step.i, step.g, c_prev),
        _shape_hint("dc, f, i, g, c_prev are all (batch, hidden_size)"),
    )  # fmt: skip
    if problem:
        return problem
    factors = {"f_t": step.f, "i_t": step.i, "g_t": step.g, "c_{t-1}": c_prev, "c_t": step.c}
    partner = {"df": "c_{t-1}", "di": "g_t", "dg": "i_t", "dc_prev": "f_t"}
    own = {"df": "f_t", "di": "i_t", "dg": "g_t", "dc_prev": "c_{t-1}"}
    parts = []
    for name in ("df", "di", "dg", "dc_prev"):
        mistakes = [
            (dc * value, f"{name} = δc_t ⊙ {symbol}, but in a product each factor gets the gradient times its "
             f"partner: {own[name]}'s partner is not {symbol}.", "Look at which two factors multiply each other.")
            for symbol, value in factors.items() if symbol != partner[name]
        ] + [(dc, f"{name} is δc_t itself: the factor from the product is missing.", "Multiply by the partner.")]
        parts.append((name, dc * factors[partner[name]], mistakes))
    return _check_parts(result, parts) or correct(
        "Each factor gets δc_t times its partner; δc_{t-1} = δc_t ⊙ f_t is the constant error carousel of "
        "notebook 05."
    )


# --- Stage 3: the three other gates -----------------------------------------------------------------------------


@exercise(
    "06.gates_backward",
    "Stage 3: through the nonlinearities of f_t, i_t and the candidate g_t to their pre-activations",
    hints=(
        "f_t and i_t come from sigmoids, the candidate g_t (C̃_t) from a tanh. Multiply each gradient by its "
        "function's derivative.",
        "Write each derivative with the function's output, which the forward pass already computed: σ'(a) = "
        "σ(a)(1 − σ(a)) is f(1 − f) for the forget gate; tanh'(a) = 1 − tanh²(a) is 1 − g² for the candidate.",
        "δa_f = δf_t ⊙ f_t(1 − f_t), δa_i = δi_t ⊙ i_t(1 − i_t), δa_g = δg_t ⊙ (1 − g_t²).",
    ),
    solution="""
def gates_backward(df, di, dg, f, i, g):
    da_f = df * f * (1 - f)  # σ' written with the gate's value
    da_i = di * i * (1 - i)
    da_g = dg * (1 - g**2)  # tanh' written with the candidate's value
    return da_f, da_i, da_g
""",
    answer="gates_backward",
)
def _grade_gates_backward(gates_backward):
    case = _case(603)
    f, i, g = case["step"].f, case["step"].i, case["step"].g
    gen = torch.Generator().manual_seed(6030)
    df, di, dg = torch.randn(3, *f.shape, generator=gen, dtype=_DTYPE)
    result, problem = _run_learner_function(
        gates_backward, "06.gates_backward", "gates_backward", (df, di, dg, f, i, g),
        _shape_hint("every argument is (batch, hidden_size)"),
    )  # fmt: skip
    if problem:
        return problem
    sig = torch.sigmoid

    def sigmoid_mistakes(name, d, v):
        return [
            (d * (1 - v**2), f"{name} uses tanh's derivative, but this gate comes from a sigmoid.",
             "σ' = σ(1 − σ), written with the gate's value."),
            (d * sig(v) * (1 - sig(v)), f"{name} takes σ' at the wrong argument: the gate's value is already σ(a), "
             "so σ(value)(1 − σ(value)) applies the sigmoid twice.", "σ'(a) = value × (1 − value)."),
            (d, f"{name} is missing the sigmoid's derivative.", "Multiply by σ'(a), written with the gate's value."),
            (d * v, f"{name} multiplies by the gate's value only: σ' = σ(1 − σ) has a second factor.",
             "Multiply by value × (1 − value)."),
        ]  # fmt: skip

    parts = [
        ("da_f", df * f * (1 - f), sigmoid_mistakes("da_f", df, f)),
        ("da_i", di * i * (1 - i), sigmoid_mistakes("da_i", di, i)),
        ("da_g", dg * (1 - g**2), [
            (dg * g * (1 - g), "da_g uses the sigmoid's derivative, but the candidate g_t comes from a tanh.",
             "tanh' = 1 − tanh², written with the candidate's value."),
            (dg * (1 - torch.tanh(g) ** 2), "da_g takes tanh' at the wrong argument: g is already tanh(a_g), so "
             "1 − tanh²(g) applies the tanh twice.", "tanh'(a_g) = 1 − g², with g as given."),
            (dg * (1 - g), "da_g uses 1 − g; tanh's derivative is 1 − g² (squared).", "Square the candidate."),
            (dg, "da_g is missing tanh's derivative.", "Multiply by tanh'(a_g), written with g."),
        ]),
    ]  # fmt: skip
    return _check_parts(result, parts) or correct(
        "Each derivative is written with the function's output: f(1 − f), i(1 − i) and 1 − g². A sigmoid gate "
        "passes back at most a quarter of what reaches it."
    )


# --- Stage 4: the matrix product a = z W^T + b ------------------------------------------------------------------


@exercise(
    "06.linear_backward",
    "Stage 4: backward through one gate's a = W z_t + b for a batch: δW, δb and δz_t",
    hints=(
        "A gradient has the shape of what it is the gradient of: δW is shaped like W, δb like b, δz like z. The "
        "same W and b serve every example in the batch, so their gradients add over the batch.",
        "In code a = z @ W.T + b with z (batch, hidden_size + input_size) and W (hidden_size, hidden_size + "
        "input_size). Entry W[j, k] multiplies z[:, k] into a[:, j]: δW[j, k] = Σ over the batch of δa[:, j] "
        "z[:, k]. Going back to z multiplies by W from the right, without a transpose.",
        "δW = Σ over the batch of δa zᵀ, one (hidden_size, batch) by (batch, width) product; δb = Σ over the batch "
        "of δa; δz = Wᵀ δa for each example, which for rows of a batch is a product with W on the right.",
    ),
    solution="""
def linear_backward(da, z, W):
    dW = da.T @ z  # (hidden_size, hidden_size + input_size): outer products δa zᵀ, summed over the batch
    db = da.sum(0)  # (hidden_size,): the bias is added to every example
    dz = da @ W  # (batch, hidden_size + input_size): W^T δa for every example, as rows
    return dW, db, dz
""",
    answer="linear_backward",
)
def _grade_linear_backward(linear_backward):
    case = _case(604)
    W = case["weights"].W_f  # (hidden_size, hidden_size + input_size)
    z = torch.cat([case["h_prev"], case["x_t"]], dim=-1)  # (batch, hidden_size + input_size)
    da = torch.randn(z.shape[0], W.shape[0], generator=torch.Generator().manual_seed(6040), dtype=_DTYPE)
    result, problem = _run_learner_function(
        linear_backward, "06.linear_backward", "linear_backward", (da, z, W),
        f"da is (batch, hidden_size) = {tuple(da.shape)}, z is (batch, hidden_size + input_size) = "
        f"{tuple(z.shape)} and W is (hidden_size, hidden_size + input_size) = {tuple(W.shape)}. Work out which "
        "product gives each gradient the shape of its tensor.",
    )  # fmt: skip
    if problem:
        return problem
    batch = da.shape[0]
    parts = [
        ("dW", da.T @ z, [
            (da.T @ z / batch, "dW is the mean over the batch; the loss adds the examples, so their gradients add.",
             "Sum over the batch instead of averaging."),
            (da[:1].T @ z[:1], "dW holds the first example only: the other examples' outer products are missing.",
             "Let the matrix product sum over the batch for you."),
        ]),
        ("db", da.sum(0), [
            (da.mean(0), "db is the mean over the batch; it should be the sum.", "The bias acts on every example."),
        ]),
        ("dz", da @ W, [
            (da @ W / batch, "dz is divided by the batch size: every example has its own z, nothing is shared.",
             "Each row of dz belongs to one example."),
        ]),
    ]  # fmt: skip
    if isinstance(result, tuple) and len(result) == 3 and isinstance(result[1], torch.Tensor):
        if result[1].shape == da.shape:
            return wrong(
                f"db has shape {tuple(result[1].shape)}: one row per example. b is (hidden_size,).",
                "The same bias acts on every example in the batch: add their gradients.",
            )
    return _check_parts(result, parts) or correct(
        "δW = Σ_batch δa zᵀ, δb = Σ_batch δa, δz = W^T δa (da @ W for rows). Every weight gradient is summed over "
        "the batch, every input gradient stays per example."
    )


# --- The whole step ---------------------------------------------------------------------------------------------


def _weight_grads(value):
    """The learner's weight gradients as a dict ``{"W_f": ..., ...}``, from an LSTMWeights-like object or a dict."""
    if isinstance(value, dict):
        return {n: value.get(n) for n in _NAMES}
    return {n: getattr(value, n, None) for n in _NAMES}


def _step_variant(case, tanh_prime=True, dc_next=True):
    """The reference step backward, or one with a classic mistake switched on."""
    step = case["step"]
    dc = case["dc_next"] if dc_next else torch.zeros_like(case["dc_next"])
    if not tanh_prime:  # δc_t picks up δh_t ⊙ o_t without tanh': undo the reference's factor
        dc = dc + case["dh"] * step.o * torch.tanh(step.c) ** 2
    return lstm_step_backward(case["dh"], dc, case["x_t"], case["h_prev"], case["c_prev"], step, case["weights"])


def _wrong_gradients(result, reference):
    """Names of the gradients in ``result`` that differ from ``reference`` (a StepGradients-like tuple)."""
    labels = ("δx_t", "δh_{t-1}", "δc_{t-1}")
    off = [labels[k] for k in range(3) if not _same(result[k], reference[k])]
    got = _weight_grads(result[3])
    return off + [f"δ{n}" for n in _NAMES if not _same(got[n], getattr(reference.dweights, n))]


@exercise(
    "06.step_backward",
    "Put the four stages together: lstm_step_backward for one step of a batch",
    hints=(
        "Call your four stages in order, output gate first. The four gates' pre-activations all read the same "
        "z_t = [h_{t-1}, x_t], so δz_t collects one term from each gate; then split it like z_t.",
        "z_t = [h_{t-1}, x_t], concatenated along the last dimension. For each gate k in f, i, C (the candidate, "
        "code g), o: "
        "dW_k, db_k, dz_k = linear_backward(da_k, z, weights.W_k); add the four dz_k. The first hidden_size columns of "
        "δz_t are δh_{t-1}, the rest δx_t.",
        "da_o, dc = output_gate_backward(dh, dc, step.o, step.c); df, di, dg, dc_prev = cell_backward(dc, step.f, "
        "step.i, step.g, c_prev); da_f, da_i, da_g = gates_backward(df, di, dg, step.f, step.i, step.g); then "
        "linear_backward for each gate; return dz[..., H:], dz[..., :H], dc_prev, LSTMWeights(W_f=..., b_f=..., ...).",
    ),
    solution="""
import torch

from lstm_helpers.cells import LSTMWeights

def step_backward(dh, dc_next, x_t, h_prev, c_prev, step, weights):
    f, i, g, o, c = step.f, step.i, step.g, step.o, step.c
    tanh_c = torch.tanh(c)
    da_o = dh * tanh_c * o * (1 - o)  # stage 1: the output gate ...
    dc = dc_next + dh * o * (1 - tanh_c**2)  # ... and all of δc_t
    df, di, dg, dc_prev = dc * c_prev, dc * g, dc * i, dc * f  # stage 2: the cell state
    da = {"f": df * f * (1 - f), "i": di * i * (1 - i), "C": dg * (1 - g**2), "o": da_o}  # stage 3
    z = torch.cat([h_prev, x_t], dim=-1)  # (batch, hidden_size + input_size) = [h_{t-1}, x_t]
    grads, dz = {}, 0
    for k, da_k in da.items():  # stage 4, once per gate
        W_k = getattr(weights, f"W_{k}")
        grads[f"W_{k}"], grads[f"b_{k}"] = da_k.T @ z, da_k.sum(0)
        dz = dz + da_k @ W_k  # z feeds all four gates: their gradients add
    H = weights.hidden_size
    return dz[..., H:], dz[..., :H], dc_prev, LSTMWeights(**grads)
""",
    answer="step_backward",
)
def _grade_step_backward(step_backward):
    case = _case(605)
    args = tuple(case[k] for k in ("dh", "dc_next", "x_t", "h_prev", "c_prev", "step", "weights"))
    result, problem = _run_learner_function(
        step_backward, "06.step_backward", "step_backward", args,
        "z_t = torch.cat([h_prev, x_t], dim=-1) is (batch, hidden_size + input_size); each W is (hidden_size, "
        "hidden_size + input_size).",
    )  # fmt: skip
    if problem:
        return problem
    if not isinstance(result, tuple) or len(result) != 4:
        return wrong(
            "Return four things: dx, dh_prev, dc_prev and the weight gradients (an LSTMWeights or a dict).",
            "End with `return dx, dh_prev, dc_prev, LSTMWeights(W_f=..., b_f=..., ...)`.",
        )
    reference = _step_variant(case)
    if not _wrong_gradients(result, reference):
        return correct(
            "Every gradient of the step (δx_t, δh_{t-1}, δc_{t-1} and all eight weight tensors) equals the "
            "reference. The four stages chained are the whole of an LSTM step's backward pass."
        )
    dx, dh_prev = result[0], result[1]
    H, input_size = reference.dh_prev.shape[-1], reference.dx.shape[-1]
    if isinstance(dx, torch.Tensor) and dx.shape[-1] == H and isinstance(dh_prev, torch.Tensor):
        if dh_prev.shape[-1] == input_size:
            return wrong(
                f"dx has {H} columns (hidden_size) and dh_prev {input_size} (input_size): δz_t is split the other "
                "way round. z_t = [h_{t-1}, x_t] puts h_{t-1} first.",
                "dh_prev = dz[..., :H] and dx = dz[..., H:].",
            )
    if not _wrong_gradients(result, _step_variant(case, dc_next=False)):
        return wrong(
            "Every gradient is as if dc_next were zero: the cell-state path from step t + 1 is missing. c_t reaches "
            "the loss through h_t and through c_{t+1}; the two add up.",
            "Start δc_t from dc_next, then add the part through h_t.",
        )
    if not _wrong_gradients(result, _step_variant(case, tanh_prime=False)):
        return wrong(
            "δW_o is right, but everything that depends on δc_t is off in the way a missing tanh' makes it: h_t "
            "sees c_t through a tanh.",
            "On the way into the cell multiply by o_t ⊙ (1 − tanh²(c_t)).",
        )
    got = _weight_grads(result[3])
    if all(v is None for v in got.values()):
        return wrong(
            "The weight gradients should come back as an LSTMWeights (or a dict) with W_f, b_f, W_i, b_i, W_C, b_C, "
            "W_o, b_o.",
            "The candidate's gradients are W_C and b_C, as in LSTMWeights.",
        )
    if sum(isinstance(v, torch.Tensor) and v.shape == reference.dweights.W_f.shape for v in got.values()) == 4:
        swaps = [
            (a, b)
            for a, b in itertools.permutations("fiCo", 2)
            if _same(got[f"W_{a}"], getattr(reference.dweights, f"W_{b}"))
        ]
        if swaps:
            a, b = swaps[0]
            return wrong(
                f"Your δW_{a} holds the gradient of W_{b}: the gates' gradients are filed under the wrong names.",
                "Pair each gate's δa with its own W when you call linear_backward and when you name the results.",
            )
    off = _wrong_gradients(result, reference)
    return wrong(
        f"Different from the reference (your gradient check would say so): {', '.join(off)}.",
        "Compare with autograd gradient by gradient (compare_with_autograd(step_backward)): the first stage whose "
        "gradient is off is where the mistake is.",
    )


# --- nn.LSTM's packed layout ------------------------------------------------------------------------------------


@exercise(
    "06.pack_gradients",
    "Lay the weight gradients out like nn.LSTM's parameters (gate order i, f, g, o; two biases)",
    hints=(
        "nn.LSTM stacks the four gates' rows in one matrix per input: weight_ih_l0 for x_t, weight_hh_l0 for h_{t-1}. "
        "Check its gate order and which columns of a W belong to which input.",
        "Order i, f, g, o (g is the candidate, W_C here). z_t = [h_{t-1}, x_t], so a W's first hidden_size columns "
        "are the recurrent ones. The two biases are added in the forward pass, so both get the same gradient.",
        "weight_ih_l0 = torch.cat([W[:, H:] for W in (dW_i, dW_f, dW_C, dW_o)]), weight_hh_l0 the same with [:, :H], "
        "bias_ih_l0 = bias_hh_l0 = torch.cat([db_i, db_f, db_C, db_o]).",
    ),
    solution="""
import torch

def pack_gradients(dweights):
    H = dweights.W_f.shape[0]
    W = [dweights.W_i, dweights.W_f, dweights.W_C, dweights.W_o]  # PyTorch's gate order: i, f, g, o
    b = torch.cat([dweights.b_i, dweights.b_f, dweights.b_C, dweights.b_o])  # (4H,)
    return {
        "weight_ih_l0": torch.cat([Wk[:, H:] for Wk in W]),  # (4H, input_size): the x_t columns
        "weight_hh_l0": torch.cat([Wk[:, :H] for Wk in W]),  # (4H, H): the h_{t-1} columns
        "bias_ih_l0": b,  # both biases are added in the forward pass: both get δb
        "bias_hh_l0": b.clone(),
    }
""",
    answer="pack_gradients",
)
def _grade_pack_gradients(pack_gradients):
    gen = torch.Generator().manual_seed(606)
    dweights = init_lstm_weights(3, 5, gen, dtype=_DTYPE)  # any numbers serve as "gradients" here
    result, problem = _run_learner_function(
        pack_gradients, "06.pack_gradients", "pack_gradients", (dweights,),
        "Each dW is (hidden_size, hidden_size + input_size) = (5, 8): its first 5 columns are the h_{t-1} ones.",
    )  # fmt: skip
    if problem:
        return problem
    reference = packed_lstm_gradients(dweights)
    if not isinstance(result, dict) or set(result) != set(reference):
        return wrong(
            "Return a dict with nn.LSTM's four names: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0.",
            "Those are the names lstm.named_parameters() shows.",
        )
    H = dweights.hidden_size
    blocks = {"i": "i", "f": "f", "g": "C", "o": "o"}
    for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
        got, expected = result[name], reference[name]
        if _same(got, expected):
            continue
        if not isinstance(got, torch.Tensor):
            return wrong(f"{name} should be a tensor, but it is {type(got).__name__}.", "Use torch.cat.")
        other = {"weight_ih_l0": "weight_hh_l0", "weight_hh_l0": "weight_ih_l0"}.get(name)
        if other and got.shape == reference[other].shape:
            return wrong(
                f"{name} has shape {tuple(got.shape)}, the shape of {other}: the x_t and h_{{t-1}} columns are "
                "swapped. z_t = [h_{t-1}, x_t] puts the recurrent columns first.",
                "weight_hh_l0 takes each W's first hidden_size columns, weight_ih_l0 the rest.",
            )
        if name == "bias_hh_l0" and _same(got, torch.zeros_like(expected)):
            return wrong(
                "bias_hh_l0 is zero, but nn.LSTM adds both bias vectors in the forward pass, so both get the same "
                "gradient.",
                "Give bias_hh_l0 the same values as bias_ih_l0.",
            )
        if got.shape == expected.shape:
            chunks = got.reshape(4, H, *got.shape[1:])
            ref_chunks = dict(zip("ifgo", expected.reshape(4, H, *expected.shape[1:]), strict=True))
            order = []
            for chunk in chunks:
                order += [gate for gate, ref in ref_chunks.items() if _same(chunk, ref)][:1]
            if len(order) == 4 and order != list("ifgo"):
                return wrong(
                    f"{name} stacks the gates as {', '.join(order)}, but nn.LSTM's order is i, f, g, o (not the "
                    "f, i, C̃, o of the equations).",
                    f"Stack the blocks of {', '.join(f'W_{blocks[g]}' for g in 'ifgo')} in that order.",
                )
        return compare_tensors(got, expected, name)
    return correct(
        "Packed as nn.LSTM keeps them: gate order i, f, g, o, x_t columns in weight_ih_l0, h_{t-1} columns in "
        "weight_hh_l0, and the same gradient for both biases."
    )


# --- Backpropagation through time -------------------------------------------------------------------------------


def _bptt_variant(dh, x, weights, trace, h0, c0, carry_h=True, carry_c=True, accumulate=True, prev_shift=0,
                  wrap_first=False):
    """BPTT by the reference step, with one classic mistake switchable: returns (dx, dh0, dc0, dweights dict).

    ``wrap_first`` gives the first step trace.h[..., -1, :] as its previous state (Python's index -1 wraps around).
    """
    dh_next, dc_next = torch.zeros_like(h0), torch.zeros_like(c0)
    total = {n: torch.zeros_like(getattr(weights, n)) for n in _NAMES}
    dxs = []
    for t in reversed(range(x.shape[-2])):
        step = LSTMStep(*(values[..., t, :] for values in trace))
        k = t - 1 + prev_shift
        h_prev = trace.h[..., k, :] if k >= 0 or wrap_first else h0
        c_prev = trace.c[..., k, :] if k >= 0 or wrap_first else c0
        dh_t = dh[..., t, :] + (dh_next if carry_h else 0)
        grads = lstm_step_backward(dh_t, dc_next if carry_c else torch.zeros_like(c0), x[..., t, :], h_prev, c_prev,
                                   step, weights)  # fmt: skip
        dh_next, dc_next = grads.dh_prev, grads.dc_prev
        for n in _NAMES:
            total[n] = total[n] + getattr(grads.dweights, n) if accumulate else getattr(grads.dweights, n)
        dxs.append(grads.dx)
    return torch.stack(dxs[::-1], dim=-2), dh_next, dc_next, total


def _bptt_case(seed=607, batch_size=3, seq_len=6, input_size=2, hidden_size=4):
    gen = torch.Generator().manual_seed(seed)
    weights = init_lstm_weights(input_size, hidden_size, gen, dtype=_DTYPE)
    x = torch.randn(batch_size, seq_len, input_size, generator=gen, dtype=_DTYPE)
    h0, c0 = (torch.randn(batch_size, hidden_size, generator=gen, dtype=_DTYPE) * 0.5 for _ in range(2))
    trace = run_lstm(x, weights, h0, c0)
    dh = torch.randn(batch_size, seq_len, hidden_size, generator=gen, dtype=_DTYPE)  # the loss reads every h_t
    return dh, x, weights, trace, h0, c0


def _bptt_matches(result, variant):
    dx, dh0, dc0, dweights = result
    got = _weight_grads(dweights)
    return (
        _same(dx, variant[0])
        and _same(dh0, variant[1])
        and _same(dc0, variant[2])
        and all(_same(got[n], variant[3][n]) for n in _NAMES)
    )


@exercise(
    "06.bptt",
    "Backpropagation through time: lstm_backward over a whole sequence",
    hints=(
        "Walk the steps from the last to the first, calling your step_backward at each. Two gradients travel "
        "backwards from step to step; the weights' gradients collect over the steps.",
        "At step t: δh_t = the loss's own dh[:, t] + the δh_{t-1} that step t + 1 sent back; δc_t^next = the "
        "δc_{t-1} that step t + 1 sent back (zeros at the last step). h_prev and c_prev of step t are the trace's "
        "values at t − 1 (h0, c0 for the first step). The same weights act at every step, so their gradients add.",
        "dh_next = dc_next = zeros; for t in reversed(range(seq_len)): step = LSTMStep(*(v[:, t] for v in trace)); "
        "call step_backward with δh_t = dh[:, t] + dh_next and dc_next, keep its dh_prev and dc_prev as the new "
        "dh_next and dc_next, add its weight gradients into a running total; finally stack the dx_t in time order "
        "and return dx, dh_next (= δh_0), dc_next (= δc_0), the totals.",
    ),
    solution="""
import torch

from lstm_helpers.backward import lstm_step_backward  # or your own step_backward
from lstm_helpers.cells import LSTMStep, LSTMWeights

NAMES = ("W_f", "b_f", "W_i", "b_i", "W_C", "b_C", "W_o", "b_o")

def lstm_backward(dh, x, weights, trace, h0, c0):
    dh_next, dc_next = torch.zeros_like(h0), torch.zeros_like(c0)  # nothing comes back from beyond the last step
    total = {n: torch.zeros_like(getattr(weights, n)) for n in NAMES}
    dxs = []
    for t in reversed(range(x.shape[-2])):  # code index t is step t + 1
        step = LSTMStep(*(values[..., t, :] for values in trace))
        h_prev = trace.h[..., t - 1, :] if t > 0 else h0
        c_prev = trace.c[..., t - 1, :] if t > 0 else c0
        dx_t, dh_next, dc_next, dw = lstm_step_backward(dh[..., t, :] + dh_next, dc_next, x[..., t, :], h_prev,
                                                        c_prev, step, weights)
        total = {n: total[n] + getattr(dw, n) for n in NAMES}  # shared weights: gradients add over time
        dxs.append(dx_t)
    dx = torch.stack(dxs[::-1], dim=-2)  # (batch, seq_len, input_size), back in time order
    return dx, dh_next, dc_next, LSTMWeights(**total)
""",
    answer="lstm_backward",
)
def _grade_bptt(lstm_backward):
    args = _bptt_case()
    result, problem = _run_learner_function(
        lstm_backward, "06.bptt", "lstm_backward", args,
        "dh is (batch, seq_len, hidden_size); x[:, t] is step t + 1's input (batch, input_size); h0, c0 are "
        "(batch, hidden_size).",
    )  # fmt: skip
    if problem:
        return problem
    if not isinstance(result, tuple) or len(result) < 4:
        return wrong(
            "Return four things: dx, dh0, dc0 and the weight gradients (an LSTMWeights or a dict).",
            "End with `return dx, dh_next, dc_next, LSTMWeights(**total)`.",
        )
    result = result[:4]
    if _bptt_matches(result, _bptt_variant(*args)):
        return correct(
            "BPTT equals the reference for x, h_0, c_0 and all eight weight tensors: δh and δc travel back one step "
            "at a time, and the shared weights' gradients add over time."
        )
    dx = result[0]
    mistakes = [
        (dict(accumulate=False), "Your weight gradients are those of one step only (the first one): the same "
         "weights act at every step, so their gradients must be summed over time.",
         "Keep a running total of every step's weight gradients."),
        (dict(carry_c=False), "δc from step t + 1 never reaches step t: the cell-state path back in time is cut, "
         "which is the very path that lets an LSTM remember.", "Pass each step's dc_prev on as the next dc_next."),
        (dict(carry_h=False), "Only the loss's own δh_t reaches each step: the δh_{t-1} that step t + 1 sends back "
         "is dropped.", "δh_t = dh[:, t] + the dh_prev that step t + 1 returned."),
        (dict(prev_shift=1), "Each step is given h_t and c_t as its previous state: the trace's index t is step "
         "t + 1's output, so step t's previous state is at index t − 1 (h0, c0 at the first step).",
         "h_prev = trace.h[:, t - 1] if t > 0 else h0."),
        (dict(wrap_first=True), "At the first step (t = 0) your previous state is trace.h[:, t − 1] = trace.h[:, -1]: "
         "Python's index -1 wraps around to the last step. The first step's previous state is h0 (and c0).",
         "h_prev = trace.h[:, t - 1] if t > 0 else h0, and the same for c_prev."),
    ]  # fmt: skip
    for kwargs, message, hint in mistakes:
        if _bptt_matches(result, _bptt_variant(*args, **kwargs)):
            return wrong(message, hint)
    reference = _bptt_variant(*args)
    if isinstance(dx, torch.Tensor) and _same(dx.flip(-2), reference[0]):
        return wrong(
            "dx is in reverse time order: the loop runs from the last step to the first.",
            "Reverse the list of dx_t before stacking it (dxs[::-1]).",
        )
    got = _weight_grads(result[3])
    off = [label for label, ok in (("δx", _same(dx, reference[0])), ("δh_0", _same(result[1], reference[1])),
                                   ("δc_0", _same(result[2], reference[2]))) if not ok]  # fmt: skip
    off += [f"δ{n}" for n in _NAMES if not _same(got[n], reference[3][n])]
    return wrong(
        f"Different from the reference: {', '.join(off)}.",
        "Check step_backward first (06.step_backward); then follow δh and δc from one step to the one before.",
    )


# --- A numerical gradient (the gradient-check harness) ---------------------------------------------------------


def _test_functions():
    A = torch.tensor([[1.0, -2.0, 0.5], [0.3, 0.8, -1.1], [2.0, 0.1, 0.4]], dtype=torch.float64)

    def bumpy(x):
        return torch.exp(2 * x).sum() + (x.reshape(-1)[:3] @ A @ x.reshape(-1)[:3])

    def exact(x):  # the gradient of bumpy
        grad = 2 * torch.exp(2 * x)
        v = x.reshape(-1)[:3]
        grad.reshape(-1)[:3] += (A + A.T) @ v
        return grad

    def forward_difference(fn, x, eps):
        grad = torch.zeros_like(x)
        base = fn(x).item()
        for k in range(x.numel()):
            shifted = x.clone()
            shifted.reshape(-1)[k] += eps
            grad.reshape(-1)[k] = (fn(shifted).item() - base) / eps
        return grad

    return bumpy, exact, forward_difference


@exercise(
    "06.numerical_gradient",
    "Write a central-difference numerical gradient",
    hints=(
        "Nudge one entry of x at a time, up and down by eps, and see how much fn changes. Do not forget to put the "
        "entry back before moving on.",
        "For entry k: (fn(x with x[k] + eps) − fn(x with x[k] − eps)) / (2 eps). Loop over x.view(-1) (a view "
        "of x for a contiguous tensor) and fill a tensor shaped like x; float(fn(x)) gives a plain number.",
        "grad = torch.zeros_like(x); flat = x.view(-1); for k: old = flat[k].item(); flat[k] = old + eps; "
        "plus = float(fn(x)); flat[k] = old - eps; minus = float(fn(x)); flat[k] = old; "
        "grad.view(-1)[k] = (plus - minus) / (2 * eps).",
    ),
    solution="""
import torch

def numerical_gradient(fn, x, eps=1e-6):
    grad = torch.zeros_like(x)
    flat_x, flat_grad = x.view(-1), grad.view(-1)  # views: writing into flat_x changes x
    for k in range(flat_x.numel()):
        old = flat_x[k].item()
        flat_x[k] = old + eps
        plus = float(fn(x))  # a plain number, whether fn returns a float or a one-element tensor
        flat_x[k] = old - eps
        minus = float(fn(x))
        flat_x[k] = old  # put it back before the next entry
        flat_grad[k] = (plus - minus) / (2 * eps)
    return grad
""",
    answer="numerical_gradient",
)
def _grade_numerical_gradient(numerical_gradient):
    bumpy, exact, forward_difference = _test_functions()
    gen = torch.Generator().manual_seed(66)
    x = torch.randn(2, 3, generator=gen, dtype=torch.float64) * 0.7  # (2, 3): not a vector on purpose
    eps = 1e-4
    given = x.clone()
    result, problem = _run_learner_function(
        numerical_gradient,
        "06.numerical_gradient",
        "numerical_gradient",
        (bumpy, given, eps),
        "Index x through a flat view, x.view(-1)[k], so the same code works for any shape.",
        clone=False,  # the grader checks afterwards that the function put x back as it found it
    )
    if problem:
        return problem
    if not isinstance(result, torch.Tensor):
        return wrong(
            f"Return a tensor shaped like x, not a {type(result).__name__}.", "Start from torch.zeros_like(x)."
        )
    if result.shape != x.shape:
        return wrong(
            f"Your gradient has shape {tuple(result.shape)}, but x has shape {tuple(x.shape)}.",
            "A gradient has the shape of what it is taken with respect to: fill torch.zeros_like(x).",
        )
    if not torch.allclose(given, x, atol=1e-12, rtol=0):
        return wrong(
            "Your function left x changed: an entry was nudged but not put back.",
            "Restore each entry to its old value before moving on to the next one.",
        )
    reference = exact(x)
    error = ((result.detach().double() - reference).abs().max() / reference.abs().max()).item()
    if error < 1e-6:
        return correct(
            f"Central differences: the largest error is below 1e-6 of the gradient at eps = {eps:g} (a one-sided "
            "difference would be about 1e-4 off here: its error shrinks like eps, the central one like eps²)."
        )
    if _close(result, forward_difference(bumpy, x, eps)) or _close(result, -forward_difference(bumpy, x, -eps)):
        return wrong(
            "That is a one-sided difference, (fn(x + eps) − fn(x)) / eps: its error shrinks only like eps.",
            "Nudge both ways: (fn(x + eps) − fn(x − eps)) / (2 eps).",
        )
    if _close(result, 2 * reference) or _close(result, reference / 2):
        size = "too large" if _close(result, 2 * reference) else "too small"
        return wrong(
            f"Your gradient has the right direction but is {size} by a whole factor in every entry.",
            "Check what you divide by: the distance between the two points you evaluate fn at.",
        )
    if _close(result, -reference):
        return wrong("Your gradient has the wrong sign.", "Compute fn(x + eps) − fn(x − eps), in that order.")
    return wrong(
        f"Your gradient differs from the exact one by up to {error:.2g} of its size.",
        "Nudge one entry at a time and restore it afterwards; divide by 2 * eps.",
    )


# --- What a numerical check costs -----------------------------------------------------------------------------


@exercise(
    "06.check_cost",
    "How many forward runs does a central-difference check of every weight and bias need?",
    hints=(
        "Count the numbers the check nudges, then how many forward runs each nudge needs.",
        "The scratch LSTM with input_size 3 and hidden_size 8 has four gates, each with W of shape (8, 8 + 3) and "
        "b of shape (8,). A central difference runs the forward pass twice per number.",
        "2 × 4 × (8 × (8 + 3) + 8).",
    ),
    solution="""
hidden_size, input_size = 8, 3
num_parameters = 4 * (hidden_size * (hidden_size + input_size) + hidden_size)  # 384 with one bias per gate
answer = 2 * num_parameters  # fn(θ + ε) and fn(θ − ε) for every one of them
""",
)
def _grade_check_cost(answer):
    mistakes = {
        384: "384 is the number of parameters, not the number of forward runs a central difference needs.",
        385: "385 is a one-sided check (one base run plus one per parameter), not a central difference.",
        416: "416 is nn.LSTM's parameter count (two biases), not a number of forward runs; and the scratch cell "
        "has one bias per gate.",
        832: "832 counts nn.LSTM's two bias vectors; the scratch cell has one bias per gate.",
        704: "704 leaves out the biases: each gate also has b (8 numbers) to check.",
        192: "192 is 2 × 96: one gate only. The LSTM has four gates, f, i, C̃ and o.",
        1536: "1536 counts too many runs per parameter: count the forward runs of one central difference.",
    }
    if _whole_number(answer) == 768:
        return correct(
            "768 forward runs: 2 for each of the 384 parameters. lstm_backward gets all 384 gradients from one "
            "forward and one backward pass, which is why numerical checks are for testing, not for training."
        )
    return _grade_count(
        answer,
        768,
        mistakes,
        "Count the parameters first (four gates, each with a W and a b), then the forward runs that one central "
        "difference needs for each of them.",
        "your count",
    )

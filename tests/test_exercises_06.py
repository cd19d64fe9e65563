"""The graders of notebook 06's exercises: the learner's backward pass, stage by stage and through time. Correct
answers pass; each classic mistake gets its own message."""

from pathlib import Path

import nbformat
import pytest
import torch
from exercise_cases import worked_solution

import lstm_helpers.exercises.nb06 as nb06  # registers the exercises (also imported by lstm_helpers.exercises)
from lstm_helpers.backward import lstm_step_backward
from lstm_helpers.cells import LSTMWeights
from lstm_helpers.exercises import _framework, grade, list_exercises

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_lstm_backward_by_hand.ipynb"
KEYS = [
    "06.output_gate_backward",
    "06.cell_backward",
    "06.gates_backward",
    "06.linear_backward",
    "06.step_backward",
    "06.pack_gradients",
    "06.bptt",
    "06.numerical_gradient",
    "06.check_cost",
]
NAMES = ("W_f", "b_f", "W_i", "b_i", "W_C", "b_C", "W_o", "b_o")


def test_notebook_06_registers_its_exercises():
    assert list_exercises("06") == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_worked_solution_is_correct(key):
    assert grade(key, worked_solution(key)).correct


def _expect(key, fn, words):
    feedback = grade(key, fn)
    flat = " ".join(str(feedback).split())
    assert feedback.status == "wrong" and words in flat, feedback


# --- Stage 1 ----------------------------------------------------------------------------------------------------


def _stage1(da=None, dc=None):
    def output_gate_backward(dh, dc_next, o, c):
        t = torch.tanh(c)
        da_o = dh * t * o * (1 - o) if da is None else da(dh, o, c)
        dc_t = dc_next + dh * o * (1 - t**2) if dc is None else dc(dh, dc_next, o, c)
        return da_o, dc_t

    return output_gate_backward


@pytest.mark.parametrize(
    "fn, words",
    [
        (_stage1(dc=lambda dh, dn, o, c: dh * o * (1 - torch.tanh(c) ** 2)), "cell-state path from step t + 1"),
        (_stage1(dc=lambda dh, dn, o, c: dn + dh * o * (1 - c**2)), "tanh' at the wrong argument"),
        (_stage1(dc=lambda dh, dn, o, c: dn + dh * o), "missing tanh'"),
        (_stage1(dc=lambda dh, dn, o, c: dn + dh * o * (1 - torch.tanh(c))), "(squared)"),
        (_stage1(dc=lambda dh, dn, o, c: dn + dh * (1 - torch.tanh(c) ** 2)), "missing the output gate"),
        (_stage1(da=lambda dh, o, c: dh * torch.tanh(c)), "sigmoid's derivative is missing"),
        (_stage1(da=lambda dh, o, c: dh * torch.tanh(c) * (1 - o**2)), "tanh's derivative 1 − o²"),
        (_stage1(da=lambda dh, o, c: dh * torch.tanh(c) * torch.sigmoid(o) * (1 - torch.sigmoid(o))),
         "σ' at the wrong argument"),
        (_stage1(da=lambda dh, o, c: dh * c * o * (1 - o)), "multiplies by c_t"),
        (lambda dh, dn, o, c: (dn + dh * o * (1 - torch.tanh(c) ** 2), dh * torch.tanh(c) * o * (1 - o)),
         "another order"),
    ],
)  # fmt: skip
def test_output_gate_backward_mistakes(fn, words):
    _expect("06.output_gate_backward", fn, words)


def test_stage_stubs_forgotten_return_and_results_passed():
    def output_gate_backward(dh, dc_next, o, c): ...

    def forgot_return(dh, dc_next, o, c):
        torch.tanh(c)

    assert grade("06.output_gate_backward", output_gate_backward).status == "not attempted"
    assert "forget the `return`" in grade("06.output_gate_backward", forgot_return).message
    one = grade("06.output_gate_backward", lambda dh, dn, o, c: dh)
    assert one.status == "wrong" and "return 2 tensors" in one.message
    passed = grade("06.output_gate_backward", torch.zeros(3))
    assert passed.status == "wrong" and "not its result" in passed.message


# --- Stage 2 ----------------------------------------------------------------------------------------------------


def _stage2(**swap):
    def cell_backward(dc, f, i, g, c_prev):
        factors = {"df": c_prev, "di": g, "dg": i, "dc_prev": f}
        named = {"f": f, "i": i, "g": g, "c_prev": c_prev}
        factors.update({k: named[v] for k, v in swap.items()})
        return tuple(dc * factors[k] for k in ("df", "di", "dg", "dc_prev"))

    return cell_backward


@pytest.mark.parametrize(
    "fn, words",
    [
        (_stage2(df="f"), "df = δc_t ⊙ f_t"),
        (_stage2(di="i", dg="g"), "di = δc_t ⊙ i_t"),
        (_stage2(dc_prev="c_prev"), "dc_prev = δc_t ⊙ c_{t-1}"),
        (lambda dc, f, i, g, c_prev: (dc, dc * g, dc * i, dc * f), "δc_t itself"),
    ],
)
def test_cell_backward_mistakes(fn, words):
    _expect("06.cell_backward", fn, words)


# --- Stage 3 ----------------------------------------------------------------------------------------------------


def _stage3(f_of=None, g_of=None):
    def gates_backward(df, di, dg, f, i, g):
        da_f = f_of(df, f) if f_of else df * f * (1 - f)
        da_g = g_of(dg, g) if g_of else dg * (1 - g**2)
        return da_f, di * i * (1 - i), da_g

    return gates_backward


@pytest.mark.parametrize(
    "fn, words",
    [
        (_stage3(g_of=lambda d, g: d * g * (1 - g)), "sigmoid's derivative, but the candidate"),
        (_stage3(g_of=lambda d, g: d * (1 - torch.tanh(g) ** 2)), "tanh' at the wrong argument"),
        (_stage3(g_of=lambda d, g: d * (1 - g)), "(squared)"),
        (_stage3(f_of=lambda d, f: d * (1 - f**2)), "uses tanh's derivative"),
        (_stage3(f_of=lambda d, f: d * torch.sigmoid(f) * (1 - torch.sigmoid(f))), "σ' at the wrong argument"),
        (_stage3(f_of=lambda d, f: d), "missing the sigmoid's derivative"),
    ],
)
def test_gates_backward_mistakes(fn, words):
    _expect("06.gates_backward", fn, words)


# --- Stage 4 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn, words",
    [
        (lambda da, z, W: (z.T @ da, da.sum(0), da @ W), "transposed"),
        (lambda da, z, W: (da.T @ z / da.shape[0], da.sum(0), da @ W), "mean over the batch"),
        (lambda da, z, W: (da.T @ z, da.mean(0), da @ W), "db is the mean"),
        (lambda da, z, W: (da.T @ z, da, da @ W), "one row per example"),
        (lambda da, z, W: (da.T @ z, da.sum(0), da @ W.T), "shapes do not fit"),
        (lambda da, z, W: (da[:1].T @ z[:1], da.sum(0), da @ W), "first example only"),
    ],
)
def test_linear_backward_mistakes(fn, words):
    _expect("06.linear_backward", fn, words)


# --- The whole step ---------------------------------------------------------------------------------------------


def _step_with(dc_scale=1.0, tanh_prime=True, split_swapped=False, rename=None):
    def step_backward(dh, dc_next, x_t, h_prev, c_prev, step, weights):
        dc = dc_next * dc_scale
        if not tanh_prime:
            dc = dc + dh * step.o * torch.tanh(step.c) ** 2
        dx, dh_prev, dc_prev, dw = lstm_step_backward(dh, dc, x_t, h_prev, c_prev, step, weights)
        grads = {n: getattr(dw, n) for n in NAMES}
        if rename:
            a, b = rename
            grads[a], grads[b] = grads[b], grads[a]
        if split_swapped:
            dz = torch.cat([dh_prev, dx], dim=-1)
            H = weights.hidden_size
            return dz[..., -H:], dz[..., :-H], dc_prev, LSTMWeights(**grads)
        return dx, dh_prev, dc_prev, grads  # a dict is accepted too

    return step_backward


@pytest.mark.parametrize(
    "fn, words",
    [
        (_step_with(dc_scale=0.0), "cell-state path from step t + 1 is missing"),
        (_step_with(tanh_prime=False), "missing tanh'"),
        (_step_with(split_swapped=True), "split the other way round"),
        (_step_with(rename=("W_f", "W_i")), "filed under the wrong names"),
        (_step_with(dc_scale=0.5), "Different from the reference"),
    ],
)
def test_step_backward_mistakes(fn, words):
    _expect("06.step_backward", fn, words)


def test_step_backward_accepts_a_dict_and_explains_missing_parts():
    assert grade("06.step_backward", _step_with()).correct
    three = grade("06.step_backward", lambda *args: lstm_step_backward(*args)[:3])
    assert three.status == "wrong" and "four things" in three.message


# --- Packing ----------------------------------------------------------------------------------------------------


def _packer(order="ifgo", swap_columns=False, zero_hh=False):
    name = {"i": "i", "f": "f", "g": "C", "o": "o"}

    def pack_gradients(dw):
        H = dw.W_f.shape[0]
        W = [getattr(dw, f"W_{name[k]}") for k in order]
        b = torch.cat([getattr(dw, f"b_{name[k]}") for k in order])
        ih, hh = torch.cat([Wk[:, H:] for Wk in W]), torch.cat([Wk[:, :H] for Wk in W])
        if swap_columns:
            ih, hh = hh, ih
        return {"weight_ih_l0": ih, "weight_hh_l0": hh, "bias_ih_l0": b,
                "bias_hh_l0": torch.zeros_like(b) if zero_hh else b}  # fmt: skip

    return pack_gradients


@pytest.mark.parametrize(
    "fn, words",
    [
        (_packer(order="figo"), "stacks the gates as f, i, g, o"),
        (_packer(swap_columns=True), "columns are swapped"),
        (_packer(zero_hh=True), "both get the same gradient"),
        (lambda dw: [dw.W_f], "four names"),
    ],
)
def test_pack_gradients_mistakes(fn, words):
    _expect("06.pack_gradients", fn, words)


def test_pack_gradients_equals_nn_lstm_grad():
    """The worked solution packs exactly as nn.LSTM's own .grad comes out."""
    from lstm_helpers.backward import lstm_backward
    from lstm_helpers.cells import run_lstm
    from lstm_helpers.torch_bridge import lstm_weights_from_torch

    torch.manual_seed(1)
    lstm = torch.nn.LSTM(3, 4, batch_first=True, dtype=torch.float64)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    out, _ = lstm(x)
    R = torch.randn_like(out)
    (R * out).sum().backward()
    w = lstm_weights_from_torch(lstm)
    packed = worked_solution("06.pack_gradients")(lstm_backward(R, x, w, run_lstm(x, w)).dweights)
    for name, value in packed.items():
        assert torch.allclose(value, getattr(lstm, name).grad, atol=1e-10), name


# --- BPTT -------------------------------------------------------------------------------------------------------


def _bptt(**mistake):
    def lstm_backward(dh, x, weights, trace, h0, c0):
        dx, dh0, dc0, total = nb06._bptt_variant(dh, x, weights, trace, h0, c0, **mistake)
        return dx, dh0, dc0, LSTMWeights(**total)

    return lstm_backward


@pytest.mark.parametrize(
    "fn, words",
    [
        (_bptt(accumulate=False), "summed over time"),
        (_bptt(carry_c=False), "cell-state path back in time is cut"),
        (_bptt(carry_h=False), "is dropped"),
        (_bptt(prev_shift=1), "index t − 1"),
        (_bptt(wrap_first=True), "wraps around to the last step"),
    ],
)
def test_bptt_mistakes(fn, words):
    _expect("06.bptt", fn, words)


def test_bptt_reverse_time_order_and_other_mistakes():
    right = _bptt()

    def reversed_dx(*args):
        dx, dh0, dc0, dw = right(*args)
        return dx.flip(-2), dh0, dc0, dw

    _expect("06.bptt", reversed_dx, "reverse time order")

    def wrong_dh0(*args):
        dx, dh0, dc0, dw = right(*args)
        return dx, dh0 * 0.5, dc0, dw

    _expect("06.bptt", wrong_dh0, "δh_0")


def test_bptt_grader_agrees_with_the_package():
    from lstm_helpers.backward import lstm_backward

    def package(dh, x, weights, trace, h0, c0):
        grads = lstm_backward(dh, x, weights, trace, h0, c0)
        return grads.dx, grads.dh0, grads.dc0, grads.dweights

    assert grade("06.bptt", package).correct


def test_the_notebook_shows_no_worked_backward_code():
    """The learner writes the backward pass: no notebook cell defines it (the reference is behind solution())."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for fragment in ("dh * o * (1 - torch.tanh", "da.T @ z", "dc * c_prev", "dc * f"):
        assert fragment not in code, fragment


# --- Numerical gradient ---------------------------------------------------------------------------------------------


def _differences(step, denominator, restore=True):
    """A numerical gradient with a chosen difference: step(fn, x, flat, k, eps) gives the numerator."""

    def numerical_gradient(fn, x, eps=1e-6):
        grad = torch.zeros_like(x)
        flat = x.view(-1)
        for k in range(flat.numel()):
            old = flat[k].item()
            numerator = step(fn, x, flat, k, old, eps)
            if restore:
                flat[k] = old
            grad.view(-1)[k] = numerator / denominator(eps)
        return grad

    return numerical_gradient


def _central(fn, x, flat, k, old, eps):
    flat[k] = old + eps
    plus = fn(x).item()
    flat[k] = old - eps
    return plus - fn(x).item()


def _one_sided(fn, x, flat, k, old, eps):
    base = fn(x).item()
    flat[k] = old + eps
    return fn(x).item() - base


def _reversed(fn, x, flat, k, old, eps):
    return -_central(fn, x, flat, k, old, eps)


@pytest.mark.parametrize(
    "fn, words",
    [
        (_differences(_one_sided, lambda eps: eps), "one-sided difference"),
        (_differences(_central, lambda eps: eps), "too large by a whole factor"),
        (_differences(_central, lambda eps: 4 * eps), "too small by a whole factor"),
        (_differences(_reversed, lambda eps: 2 * eps), "wrong sign"),
        (_differences(_central, lambda eps: 2 * eps, restore=False), "left x changed"),
        (lambda fn, x, eps: torch.zeros(x.numel(), dtype=x.dtype), "has shape (6,)"),
        (lambda fn, x, eps: x.tolist(), "not a list"),
        (lambda fn, x, eps: torch.zeros_like(x), "differs from the exact one"),
    ],
)
def test_numerical_gradient_mistakes(fn, words):
    feedback = grade("06.numerical_gradient", fn)
    assert feedback.status == "wrong" and words in feedback.message, feedback


def test_numerical_gradient_correct_variants_and_stub():
    assert grade("06.numerical_gradient", _differences(_central, lambda eps: 2 * eps)).correct

    def numerical_gradient(fn, x, eps=1e-6): ...

    assert grade("06.numerical_gradient", numerical_gradient).status == "not attempted"


def test_numerical_gradient_solution_checks_the_lstm_loss():
    """The worked solution agrees with lstm_backward on an LSTM loss, as the notebook suggests trying."""
    from lstm_helpers.backward import lstm_backward
    from lstm_helpers.cells import init_lstm_weights, run_lstm

    g = torch.Generator().manual_seed(0)
    w = init_lstm_weights(2, 3, g, dtype=torch.float64)
    x = torch.randn(2, 4, 2, generator=g, dtype=torch.float64)
    h0 = torch.randn(2, 3, generator=g, dtype=torch.float64)
    R = torch.randn(2, 4, 3, generator=g, dtype=torch.float64)
    numerical_gradient = worked_solution("06.numerical_gradient")
    numeric = numerical_gradient(lambda h: (R * run_lstm(x, w, h).h).sum().item(), h0.clone(), 1e-6)
    exact = lstm_backward(R, x, w, run_lstm(x, w, h0), h0).dh0
    assert torch.allclose(numeric, exact, atol=1e-8)


# --- Check cost ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, words",
    [
        (384, "number of parameters"),
        (385, "one-sided"),
        (416, "two biases"),
        (832, "two bias vectors"),
        (704, "leaves out the biases"),
        (192, "one gate only"),
        (1536, "too many runs per parameter"),
        (1000, "not right yet"),
        ("768", "should be a number"),
    ],
)
def test_check_cost_mistakes(answer, words):
    feedback = grade("06.check_cost", answer)
    assert feedback.status == "wrong" and words in feedback.message, feedback


def test_check_cost_accepts_equivalent_numbers():
    assert grade("06.check_cost", 768).correct
    assert grade("06.check_cost", 768.0).correct
    assert grade("06.check_cost", torch.tensor(768)).correct
    assert grade("06.check_cost", ...).status == "not attempted"


@pytest.mark.parametrize("key", KEYS[:7])
def test_stage_hints_give_the_formulas_not_the_solution_code(key):
    ex = _framework._REGISTRY[key]
    code = [line.split("#")[0].strip() for line in ex.solution.splitlines()]
    code = [line for line in code if len(line) > 12 and not line.startswith(("def ", "import ", "return "))]
    assert code and not any(line in hint for line in code for hint in ex.hints), "solution() is for the code"

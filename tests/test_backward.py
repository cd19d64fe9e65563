"""The by-hand LSTM backward pass (lstm_helpers.backward, notebook 06) equals autograd and nn.LSTM's own gradients."""

import itertools

import pytest
import torch
from torch import nn

from lstm_helpers.backward import (
    LSTMGradients,
    cell_state_jacobians,
    lstm_backward,
    lstm_step_backward,
    packed_lstm_gradients,
)
from lstm_helpers.cells import LSTMWeights, init_lstm_weights, lstm_step, run_lstm
from lstm_helpers.memory_task import MemoryClassifier, memory_batch, set_forget_bias, train_memory_task
from lstm_helpers.torch_bridge import lstm_weights_from_torch

NAMES = ("W_f", "b_f", "W_i", "b_i", "W_C", "b_C", "W_o", "b_o")
SIZES = [  # (input_size, hidden_size, batch_size, seq_len); batch_size None = unbatched. Not the notebook's sizes.
    (1, 1, None, 1),
    (1, 2, 1, 3),
    (6, 3, 2, 20),
    (4, 16, 3, 30),
    (5, 2, None, 4),
    (2, 7, 4, 15),
    (9, 5, None, 40),
]
DTYPES = [torch.float64, torch.float32]
CASES = list(itertools.product(SIZES, DTYPES, [False, True]))


def _ids(case):
    (inp, hid, batch, seq), dtype, with_state = case
    return f"in{inp}-h{hid}-b{batch}-t{seq}-{str(dtype)[6:]}-{'states' if with_state else 'zeros'}"


def _bound(dtype, scale):
    """float64: 1e-10 absolute. float32: 1e-5 of the largest gradient (rounding differs from autograd's order)."""
    return 1e-10 if dtype == torch.float64 else 1e-5 * max(1.0, scale)


def _case(input_size, hidden_size, batch_size, seq_len, dtype, with_state, seed=0):
    g = torch.Generator().manual_seed(seed)
    weights = init_lstm_weights(input_size, hidden_size, g, dtype=dtype)
    batch = () if batch_size is None else (batch_size,)
    x = torch.randn(*batch, seq_len, input_size, generator=g, dtype=dtype)
    h0 = torch.randn(*batch, hidden_size, generator=g, dtype=dtype) if with_state else None
    c0 = torch.randn(*batch, hidden_size, generator=g, dtype=dtype) if with_state else None
    R = torch.randn(*batch, seq_len, hidden_size, generator=g, dtype=dtype)  # ∂L/∂h_t for every step
    Q = torch.randn(*batch, hidden_size, generator=g, dtype=dtype) if with_state else None  # ∂L/∂c_T
    return weights, x, h0, c0, R, Q


def _autograd(weights, x, h0, c0, R, Q):
    """Autograd's gradients of L = Σ R ⊙ h + Σ Q ⊙ c_T, plus the retained ∂L/∂h_t and ∂L/∂c_t of every step."""
    leaves = {"x": x.clone().requires_grad_(True)}
    for name, state in (("h0", h0), ("c0", c0)):
        leaves[name] = None if state is None else state.clone().requires_grad_(True)
    w = LSTMWeights(**{n: getattr(weights, n).clone().requires_grad_(True) for n in NAMES})
    h = torch.zeros(*x.shape[:-2], w.hidden_size, dtype=x.dtype) if h0 is None else leaves["h0"]
    c = torch.zeros_like(h) if c0 is None else leaves["c0"]
    hs, cs = [], []
    for t in range(x.shape[-2]):
        step = lstm_step(leaves["x"][..., t, :], h, c, w)
        h, c = step.h, step.c
        h.retain_grad()
        c.retain_grad()
        hs.append(h)
        cs.append(c)
    loss = sum((R[..., t, :] * hs[t]).sum() for t in range(len(hs)))
    if Q is not None:
        loss = loss + (Q * cs[-1]).sum()
    loss.backward()
    grads = {key: (None if leaf is None else leaf.grad) for key, leaf in leaves.items()}
    grads.update({n: getattr(w, n).grad for n in NAMES})
    grads["dh"] = torch.stack([h.grad for h in hs], dim=-2)
    grads["dc"] = torch.stack([c.grad for c in cs], dim=-2)
    return grads


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_lstm_backward_equals_autograd(case):
    (input_size, hidden_size, batch_size, seq_len), dtype, with_state = case
    weights, x, h0, c0, R, Q = _case(input_size, hidden_size, batch_size, seq_len, dtype, with_state)
    ref = _autograd(weights, x, h0, c0, R, Q)
    ours = lstm_backward(R, x, weights, run_lstm(x, weights, h0, c0), h0, c0, dc_n=Q)
    assert isinstance(ours, LSTMGradients)
    pairs = {"dx": (ours.dx, ref["x"]), "dh": (ours.dh, ref["dh"]), "dc": (ours.dc, ref["dc"])}
    pairs.update({n: (getattr(ours.dweights, n), ref[n]) for n in NAMES})
    if with_state:
        pairs.update({"dh0": (ours.dh0, ref["h0"]), "dc0": (ours.dc0, ref["c0"])})
    scale = max(ref_value.abs().max().item() for _, ref_value in pairs.values())
    for name, (mine, theirs) in pairs.items():
        assert mine.shape == theirs.shape, name
        assert mine.dtype == dtype, name
        diff = (mine - theirs).abs().max().item()
        assert diff < _bound(dtype, scale), f"{name}: largest difference {diff:.3g}"


@pytest.mark.parametrize("batch_size", [None, 1, 6])
@pytest.mark.parametrize("input_size, hidden_size", [(1, 1), (3, 7), (8, 2)])
def test_step_backward_equals_autograd(batch_size, input_size, hidden_size):
    g = torch.Generator().manual_seed(input_size * 10 + hidden_size)
    weights = init_lstm_weights(input_size, hidden_size, g, dtype=torch.float64)
    batch = () if batch_size is None else (batch_size,)
    x_t = torch.randn(*batch, input_size, generator=g, dtype=torch.float64)
    h_prev, c_prev, dh, dc = (torch.randn(*batch, hidden_size, generator=g, dtype=torch.float64) for _ in range(4))
    ours = lstm_step_backward(dh, dc, x_t, h_prev, c_prev, lstm_step(x_t, h_prev, c_prev, weights), weights)
    leaves = [v.clone().requires_grad_(True) for v in (x_t, h_prev, c_prev)]
    w = LSTMWeights(**{n: getattr(weights, n).clone().requires_grad_(True) for n in NAMES})
    out = lstm_step(*leaves, w)
    ((dh * out.h).sum() + (dc * out.c).sum()).backward()
    for mine, leaf in zip(ours[:3], leaves, strict=True):
        assert (mine - leaf.grad).abs().max() < 1e-10
    for n in NAMES:
        assert (getattr(ours.dweights, n) - getattr(w, n).grad).abs().max() < 1e-10, n


def test_gradcheck_on_the_scratch_forward():
    g = torch.Generator().manual_seed(3)
    weights = init_lstm_weights(3, 2, g, dtype=torch.float64)
    x = torch.randn(3, 5, 3, generator=g, dtype=torch.float64)
    h0, c0 = torch.randn(2, 3, 2, generator=g, dtype=torch.float64)

    def forward(x, h0, c0, *tensors):
        trace = run_lstm(x, LSTMWeights(*tensors), h0, c0)
        return trace.h, trace.c_n

    inputs = [v.clone().requires_grad_(True) for v in (x, h0, c0, *(getattr(weights, n) for n in NAMES))]
    assert torch.autograd.gradcheck(forward, inputs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "input_size, hidden_size, batch_size, seq_len", [(1, 1, None, 2), (5, 6, 3, 11), (2, 9, None, 25)]
)
def test_packed_gradients_equal_nn_lstm_grad(dtype, input_size, hidden_size, batch_size, seq_len):
    torch.manual_seed(hidden_size)
    lstm = nn.LSTM(input_size, hidden_size, batch_first=True, dtype=dtype)
    with torch.no_grad():
        lstm.bias_hh_l0.add_(0.3)  # the two biases differ; only their sum acts
    g = torch.Generator().manual_seed(1)
    batch = () if batch_size is None else (batch_size,)
    x = torch.randn(*batch, seq_len, input_size, generator=g, dtype=dtype)
    h0, c0 = (torch.randn(*batch, hidden_size, generator=g, dtype=dtype) for _ in range(2))
    R = torch.randn(*batch, seq_len, hidden_size, generator=g, dtype=dtype)
    Q, P = (torch.randn(*batch, hidden_size, generator=g, dtype=dtype) for _ in range(2))
    output, (h_n, c_n) = lstm(x, (h0.unsqueeze(0), c0.unsqueeze(0)))
    ((R * output).sum() + (Q * c_n[0]).sum() + (P * h_n[0]).sum()).backward()
    weights = lstm_weights_from_torch(lstm)
    dh = R.clone()
    dh[..., -1, :] += P  # ∂L/∂h_n joins the last step's ∂L/∂h_T
    ours = lstm_backward(dh, x, weights, run_lstm(x, weights, h0, c0), h0, c0, dc_n=Q)
    packed = packed_lstm_gradients(ours.dweights)
    assert set(packed) == {name for name, _ in lstm.named_parameters()}
    scale = max(p.grad.abs().max().item() for p in lstm.parameters())
    for name, grad in packed.items():
        theirs = getattr(lstm, name).grad
        assert grad.shape == theirs.shape, name
        assert (grad - theirs).abs().max() < _bound(dtype, scale), name
    assert torch.equal(packed["bias_ih_l0"], packed["bias_hh_l0"])
    assert torch.allclose(lstm.bias_ih_l0.grad, lstm.bias_hh_l0.grad)  # PyTorch agrees: both biases, one gradient


def test_cell_state_jacobians_equal_autograd():
    g = torch.Generator().manual_seed(4)
    weights = init_lstm_weights(2, 3, g, dtype=torch.float64)
    x = torch.randn(2, 6, 2, generator=g, dtype=torch.float64)
    exact, f_only = cell_state_jacobians(x, weights)
    assert exact.shape == f_only.shape == (2, 6, 3, 3)
    T = x.shape[1]
    for b in range(2):
        for k in (0, 1, 3, 5):
            start = T - 1 - k  # c_{T-k} is code index T - 1 - k
            trace = run_lstm(x[b], weights)

            def c_last(c_start, b=b, start=start, trace=trace):
                c = c_start
                h = trace.o[start] * torch.tanh(c)  # h at index `start` sees the perturbed cell state
                for t in range(start + 1, T):
                    step = lstm_step(x[b, t], h, c, weights)
                    h, c = step.h, step.c
                return c

            expected = torch.autograd.functional.jacobian(c_last, trace.c[start])
            assert torch.allclose(exact[b, k], expected, atol=1e-12), (b, k)
    f = run_lstm(x, weights).f  # (batch, seq_len, hidden)
    assert torch.allclose(f_only[:, 1], torch.diag_embed(f[:, -1]))
    assert torch.allclose(f_only[:, 2], torch.diag_embed(f[:, -1] * f[:, -2]))


def _relative_difference(model, x):
    w = lstm_weights_from_torch(model.rnn)
    w = LSTMWeights(**{n: getattr(w, n).double() for n in NAMES})
    exact, f_only = cell_state_jacobians(x, w)
    rel = (exact - f_only).flatten(2).norm(dim=-1) / exact.flatten(2).norm(dim=-1)  # (batch, seq_len)
    return rel.median(dim=0).values


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_f_only_picture_claims_of_notebook_06(seed):
    """Notebook 06's checks, for 4 of 4 seeds: trained within 10% for 10 steps back; untrained (bias 4) within 10% for
    one step only; training grows the cells and shuts the h path."""
    delay = 30
    trained = train_memory_task("lstm", delay=delay, forget_bias=4.0, lr=1e-2, num_steps=150, seed=seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        untrained = MemoryClassifier("lstm")
        torch.manual_seed(seed)
        default_init = MemoryClassifier("lstm")
    set_forget_bias(untrained, 4.0)
    x = memory_batch(16, delay, torch.Generator().manual_seed(20_000)).x.double()
    trained_rel = _relative_difference(trained.model, x)
    untrained_rel = _relative_difference(untrained, x)
    default_rel = _relative_difference(default_init, x)
    assert trained.accuracy > 0.95
    assert trained_rel[1:11].max() < 0.1 and trained_rel[30] > 0.5
    assert 0.02 < untrained_rel[1] < 0.1 and untrained_rel[5] > 0.2 and untrained_rel[10] > 0.4
    assert default_rel[1] > 0.15 and default_rel[5:].min() > 0.5
    # the explanation: training grows the cells (mean |c_t|), so the h path's door o ⊙ tanh'(c) shuts
    door, size = {}, {}
    for name, model in (("trained", trained.model), ("untrained", untrained)):
        w = lstm_weights_from_torch(model.rnn)
        trace = run_lstm(x, LSTMWeights(**{n: getattr(w, n).double() for n in NAMES}))
        door[name] = (trace.o * (1 - torch.tanh(trace.c) ** 2)).mean(dim=(0, 2))  # (seq_len,)
        size[name] = trace.c.abs().mean(dim=(0, 2))  # (seq_len,)
    assert door["untrained"][15:].mean() > 1.5 * door["trained"][15:].mean()
    assert size["trained"][0] < 0.5 and size["trained"][15] > 3 and size["untrained"][15] < 2.5


def test_memory_test_sequences_are_not_training_sequences():
    """The Jacobians are measured on sequences (seed 20 000) that none of the 150 training batches contains."""
    delay = 30
    test = memory_batch(16, delay, torch.Generator().manual_seed(20_000)).x
    for seed in range(4):
        gen = torch.Generator().manual_seed(seed)
        train = torch.cat([memory_batch(64, delay, gen).x for _ in range(150)])  # train_memory_task's batches
        assert not (test[:, None] == train[None]).flatten(2).all(-1).any()


def test_errors_are_explained():
    weights = init_lstm_weights(2, 3, torch.Generator().manual_seed(0))
    x = torch.randn(4, 5, 2)
    trace = run_lstm(x, weights)
    with pytest.raises(ValueError, match="shaped like trace.h"):
        lstm_backward(torch.zeros(4, 5), x, weights, trace)
    with pytest.raises(TypeError, match="LSTMTrace"):
        lstm_backward(torch.zeros_like(trace.h), x, weights, (trace.h, trace.c))
    with pytest.raises(TypeError, match="LSTMWeights"):
        lstm_backward(torch.zeros_like(trace.h), x, {"W_f": 1}, trace)
    with pytest.raises(ValueError, match="same x"):
        lstm_backward(torch.zeros_like(trace.h), torch.randn(4, 6, 2), weights, trace)
    with pytest.raises(ValueError, match="dc_n"):
        lstm_backward(torch.zeros_like(trace.h), x, weights, trace, dc_n=torch.zeros(3))
    with pytest.raises(ValueError, match="batch"):
        cell_state_jacobians(torch.randn(5, 2), weights)

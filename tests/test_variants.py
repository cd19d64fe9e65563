"""The scratch GRU and the stacked/bidirectional scratch LSTM reproduce torch.nn.GRU / torch.nn.LSTM: outputs,
final states and gradients, for several sizes, batched and unbatched, with and without an initial state."""

import itertools

import pytest
import torch
from parity_cases import SIZES as PARITY_SIZES
from parity_cases import TOLERANCE, case_id, parity_cases, random_sequence
from torch import nn

from lstm_helpers.cells import init_lstm_weights, run_lstm
from lstm_helpers.variants import (
    GRUTrace,
    GRUWeights,
    copy_gru_weights_to_torch,
    copy_lstm_stack_to_torch,
    gru_step,
    gru_weights_from_torch,
    init_gru_weights,
    lstm_stack_from_torch,
    run_gru,
    run_lstm_stack,
)

SIZES = [*PARITY_SIZES, (5, 32, 4, 9)]
CASES = parity_cases(SIZES)


def _x_and_state(input_size, hidden_size, batch_size, seq_len, dtype, num_states, seed):
    """x, and initial states shaped like nn's: (num_states, batch, hidden) or (num_states, hidden) unbatched."""
    return random_sequence(input_size, hidden_size, batch_size, seq_len, dtype, seed, state_shape=(num_states,))


def _gru(input_size, hidden_size, dtype, seed):
    torch.manual_seed(seed)
    module = nn.GRU(input_size, hidden_size, batch_first=True).to(dtype)
    with torch.no_grad():  # different biases, so that where b_hn goes (inside r's product) really matters
        module.bias_hh_l0.add_(0.3)
    return module


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_gru_matches_torch(case):
    (input_size, hidden_size, batch_size, seq_len), dtype, with_state = case
    gru = _gru(input_size, hidden_size, dtype, seed=1)
    x, h0, _ = _x_and_state(input_size, hidden_size, batch_size, seq_len, dtype, 1, seed=2)
    out, h_n = gru(x, h0 if with_state else None)
    trace = run_gru(x, gru_weights_from_torch(gru), h0[0] if with_state else None)
    tol = TOLERANCE[dtype]
    torch.testing.assert_close(trace.h, out, atol=tol, rtol=0)
    torch.testing.assert_close(trace.h_n, h_n[0], atol=tol, rtol=0)
    assert trace.r.shape == trace.z.shape == trace.n.shape == out.shape


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_gru_gradients_match_torch(dtype, batch_size):
    gru = _gru(3, 6, dtype, seed=5)
    x, h0, _ = _x_and_state(3, 6, batch_size, 9, dtype, 1, seed=6)

    def grads(use_scratch):
        gru.zero_grad()
        xs, h = x.clone().requires_grad_(True), h0[0].clone().requires_grad_(True)
        out = run_gru(xs, gru_weights_from_torch(gru, track_grad=True), h).h if use_scratch else gru(xs, h[None])[0]
        ((out**2).sum() + out[..., -1, :].sin().sum()).backward()
        return [xs.grad, h.grad] + [p.grad.clone() for p in gru.parameters()]

    for got, expected in zip(grads(True), grads(False), strict=True):
        torch.testing.assert_close(got, expected, atol=TOLERANCE[dtype] * 10, rtol=0)


def test_gru_copy_to_torch_round_trips():
    weights = init_gru_weights(3, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    gru = nn.GRU(3, 4, batch_first=True).double()
    copy_gru_weights_to_torch(weights, gru)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    torch.testing.assert_close(run_gru(x, weights).h, gru(x)[0], atol=1e-12, rtol=0)
    back = gru_weights_from_torch(gru)
    for name in GRUWeights.__dataclass_fields__:
        torch.testing.assert_close(getattr(back, name), getattr(weights, name))


def test_gru_packing_order_is_r_z_n():
    """Rows H:2H are the update gate z: a large bias there keeps the old state (h_t ≈ h_{t-1})."""
    gru = nn.GRU(2, 3)
    with torch.no_grad():
        gru.bias_ih_l0[3:6] = 30.0
    weights = gru_weights_from_torch(gru)
    assert torch.all(weights.b_iz == 30.0)
    h0 = torch.randn(3)
    torch.testing.assert_close(gru_step(torch.randn(2), h0, weights).h, h0)


def test_gru_reset_gate_multiplies_the_hidden_bias():
    """PyTorch's n_t = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), not Cho et al.'s r ⊙ (W_hn h) + b_hn."""
    weights = init_gru_weights(2, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    x_t, h = torch.randn(2, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    step = gru_step(x_t, h, weights)
    inside = torch.tanh(x_t @ weights.W_in.T + weights.b_in + step.r * (h @ weights.W_hn.T + weights.b_hn))
    outside = torch.tanh(x_t @ weights.W_in.T + weights.b_in + step.r * (h @ weights.W_hn.T) + weights.b_hn)
    torch.testing.assert_close(step.n, inside)
    assert (step.n - outside).abs().max() > 1e-3
    torch.testing.assert_close(step.h, (1 - step.z) * step.n + step.z * h)


def test_gru_single_steps_agree_with_run_and_gates_in_range():
    weights = init_gru_weights(2, 3, generator=torch.Generator().manual_seed(2))
    x = torch.randn(5, 2) * 3  # (seq_len, input_size), unbatched
    trace = run_gru(x, weights)
    h = None
    for t in range(5):
        step = gru_step(x[t], h, weights)
        h = step.h
        for name in GRUTrace._fields:
            torch.testing.assert_close(getattr(step, name), getattr(trace, name)[t])
    assert torch.all((trace.r > 0) & (trace.r < 1) & (trace.z > 0) & (trace.z < 1) & (trace.n.abs() < 1))


def test_gru_rejects_bad_input():
    weights = init_gru_weights(2, 3)
    with pytest.raises(ValueError, match="input_size = 2"):
        run_gru(torch.randn(4, 5), weights)
    with pytest.raises(TypeError, match="weights must be GRUWeights"):
        run_gru(torch.randn(4, 2), init_lstm_weights(2, 3))
    with pytest.raises(ValueError, match="W_hz has shape"):
        GRUWeights(**{**weights.__dict__, "W_hz": torch.randn(3, 4)})
    with pytest.raises(ValueError, match="num_layers=2"):
        gru_weights_from_torch(nn.GRU(2, 3, num_layers=2))
    with pytest.raises(ValueError, match="hidden_size=3"):
        copy_gru_weights_to_torch(weights, nn.GRU(2, 4))


STACK_SIZES = [  # (input_size, hidden_size, batch_size, seq_len, num_layers, bidirectional)
    (1, 1, 1, 1, 2, True),
    (3, 4, 2, 5, 2, True),
    (2, 7, None, 6, 2, True),
    (5, 3, 3, 11, 3, True),
    (4, 6, 2, 8, 2, False),
    (2, 16, 4, 20, 1, True),
    (6, 9, None, 4, 3, False),
]
STACK_CASES = list(itertools.product(STACK_SIZES, [torch.float32, torch.float64], [False, True]))


def _stack_ids(case):
    (inp, hid, batch, seq, layers, bidi), dtype, with_state = case
    return (
        f"in{inp}-h{hid}-b{batch}-t{seq}-L{layers}-{'bi' if bidi else 'uni'}-{str(dtype)[6:]}-"
        f"{'h0' if with_state else 'zeros'}"
    )


def _stacked_lstm(input_size, hidden_size, num_layers, bidirectional, dtype, seed, batch_first=True):
    torch.manual_seed(seed)
    module = nn.LSTM(
        input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first
    ).to(dtype)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.startswith("bias_hh"):
                p.add_(0.3)
    return module


@pytest.mark.parametrize("case", STACK_CASES, ids=_stack_ids)
def test_stacked_bidirectional_lstm_matches_torch(case):
    (input_size, hidden_size, batch_size, seq_len, num_layers, bidirectional), dtype, with_state = case
    lstm = _stacked_lstm(input_size, hidden_size, num_layers, bidirectional, dtype, seed=3)
    num_states = num_layers * (2 if bidirectional else 1)
    x, h0, c0 = _x_and_state(input_size, hidden_size, batch_size, seq_len, dtype, num_states, seed=4)
    out, (h_n, c_n) = lstm(x, (h0, c0) if with_state else None)
    got = run_lstm_stack(x, lstm_stack_from_torch(lstm), *((h0, c0) if with_state else ()))
    tol = TOLERANCE[dtype]
    torch.testing.assert_close(got.output, out, atol=tol, rtol=0)
    torch.testing.assert_close(got.h_n, h_n, atol=tol, rtol=0)
    torch.testing.assert_close(got.c_n, c_n, atol=tol, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_stacked_bidirectional_gradients_match_torch(dtype, batch_size):
    lstm = _stacked_lstm(3, 5, 2, True, dtype, seed=7)
    x, h0, c0 = _x_and_state(3, 5, batch_size, 7, dtype, 4, seed=8)

    def grads(use_scratch):
        lstm.zero_grad()
        xs, h, c = (t.clone().requires_grad_(True) for t in (x, h0, c0))
        if use_scratch:
            out, h_n, c_n = run_lstm_stack(xs, lstm_stack_from_torch(lstm, track_grad=True), h, c)
        else:
            out, (h_n, c_n) = lstm(xs, (h, c))
        ((out**2).sum() + h_n.sin().sum() + c_n.cos().sum()).backward()
        return [xs.grad, h.grad, c.grad] + [p.grad.clone() for p in lstm.parameters()]

    for got, expected in zip(grads(True), grads(False), strict=True):
        torch.testing.assert_close(got, expected, atol=TOLERANCE[dtype] * 10, rtol=0)


def test_output_slices_equal_h_n_slices_with_and_without_batch_first():
    """The slices the notebook draws: the last layer's forward h_n is output's last step, first half;
    its reverse h_n is output's FIRST step, second half. h_n is (layers * directions, batch, H) either way."""
    H = 4
    for batch_first in (True, False):
        lstm = _stacked_lstm(3, H, 2, True, torch.float64, seed=9, batch_first=batch_first)
        x = torch.randn(2, 6, 3, dtype=torch.float64)  # (batch, seq_len, input_size)
        out, (h_n, _) = lstm(x if batch_first else x.transpose(0, 1))
        assert h_n.shape == (4, 2, H)
        if not batch_first:
            out = out.transpose(0, 1)  # (seq_len, batch, 2H) -> (batch, seq_len, 2H)
        assert torch.equal(out[:, -1, :H], h_n[-2]) and torch.equal(out[:, 0, H:], h_n[-1])
        assert torch.equal(h_n.view(2, 2, 2, H)[1, 1], h_n[-1])  # (num_layers, num_directions, batch, H)


def test_reverse_direction_reads_the_sequence_backwards():
    weights = init_lstm_weights(2, 3, generator=torch.Generator().manual_seed(5))
    x = torch.randn(6, 2)
    out = run_lstm_stack(x, [(weights, weights)]).output
    torch.testing.assert_close(out[:, :3], run_lstm(x, weights).h)
    torch.testing.assert_close(out[:, 3:], run_lstm(x.flip(0), weights).h.flip(0))


def test_stack_copy_to_torch_round_trips():
    lstm = _stacked_lstm(3, 4, 2, True, torch.float64, seed=10)
    g = torch.Generator().manual_seed(11)
    stack = [tuple(init_lstm_weights(w, 4, generator=g, dtype=torch.float64) for _ in range(2)) for w in (3, 8)]
    copy_lstm_stack_to_torch(stack, lstm)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    torch.testing.assert_close(run_lstm_stack(x, stack).output, lstm(x)[0], atol=1e-12, rtol=0)
    assert all(torch.all(p == 0) for name, p in lstm.named_parameters() if name.startswith("bias_hh"))
    back = lstm_stack_from_torch(lstm)
    torch.testing.assert_close(back[1][1].W_o, stack[1][1].W_o)


def test_stack_rejects_bad_input():
    lstm = nn.LSTM(2, 3, num_layers=2, bidirectional=True, batch_first=True)
    stack = lstm_stack_from_torch(lstm)
    with pytest.raises(ValueError, match="h0 has shape"):
        run_lstm_stack(torch.randn(1, 4, 2), stack, torch.zeros(2, 1, 3))
    with pytest.raises(TypeError, match="non-empty list of tuples"):
        run_lstm_stack(torch.randn(4, 2), stack[0][0])
    with pytest.raises(ValueError, match="same number of directions"):
        run_lstm_stack(torch.randn(4, 2), [stack[0], stack[1][:1]])
    with pytest.raises(ValueError, match="proj_size=2"):
        lstm_stack_from_torch(nn.LSTM(2, 3, proj_size=2))
    with pytest.raises(ValueError, match="list of 2 tuples of 2"):
        copy_lstm_stack_to_torch(stack[:1], lstm)


@pytest.mark.parametrize("seed", range(12))
def test_random_sizes_match_torch(seed):
    """Sizes nobody chose: random input/hidden sizes, batch (or none), length, depth and directions."""
    g = torch.Generator().manual_seed(100 + seed)

    def pick(low, high):
        return int(torch.randint(low, high + 1, (), generator=g))

    input_size, hidden_size, seq_len, num_layers = pick(1, 9), pick(1, 20), pick(1, 15), pick(1, 3)
    batch_size = None if pick(0, 2) == 0 else pick(1, 5)
    bidirectional = bool(pick(0, 1))
    for dtype in (torch.float32, torch.float64):
        tol = TOLERANCE[dtype]
        gru = _gru(input_size, hidden_size, dtype, seed=seed)
        x, h0, c0 = _x_and_state(input_size, hidden_size, batch_size, seq_len, dtype, 1, seed=seed)
        out, h_n = gru(x, h0)
        trace = run_gru(x, gru_weights_from_torch(gru), h0[0])
        torch.testing.assert_close(trace.h, out, atol=tol, rtol=0)
        torch.testing.assert_close(trace.h_n, h_n[0], atol=tol, rtol=0)

        lstm = _stacked_lstm(input_size, hidden_size, num_layers, bidirectional, dtype, seed=seed)
        num_states = num_layers * (2 if bidirectional else 1)
        x, h0, c0 = _x_and_state(input_size, hidden_size, batch_size, seq_len, dtype, num_states, seed=seed)
        out, (h_n, c_n) = lstm(x, (h0, c0))
        got = run_lstm_stack(x, lstm_stack_from_torch(lstm), h0, c0)
        for mine, theirs in zip(got, (out, h_n, c_n), strict=True):
            torch.testing.assert_close(mine, theirs, atol=tol, rtol=0)

"""The scratch RNN and LSTM cells reproduce torch.nn.RNN / torch.nn.LSTM: outputs, final states and gradients."""


import pytest
import torch
from parity_cases import TOLERANCE, case_id, parity_cases, random_sequence
from torch import nn

from lstm_helpers.cells import LSTMTrace, init_lstm_weights, init_rnn_weights, lstm_step, rnn_step, run_lstm, run_rnn
from lstm_helpers.torch_bridge import (
    copy_lstm_weights_to_torch,
    copy_rnn_weights_to_torch,
    lstm_weights_from_torch,
    rnn_weights_from_torch,
)

CASES = parity_cases()


def _inputs(input_size, hidden_size, batch_size, seq_len, dtype, with_state, seed):
    x, h0, c0 = random_sequence(input_size, hidden_size, batch_size, seq_len, dtype, seed)
    return (x, h0, c0) if with_state else (x, None, None)


def _torch_state(state, batch_size):
    """nn.LSTM wants (num_layers, batch, hidden) for a batch and (num_layers, hidden) unbatched."""
    return state.unsqueeze(0)


def _lstm(input_size, hidden_size, dtype, seed):
    torch.manual_seed(seed)
    module = nn.LSTM(input_size, hidden_size, batch_first=True).to(dtype)
    with torch.no_grad():  # make the two biases differ so that their sum really matters
        module.bias_hh_l0.add_(0.3)
    return module


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_lstm_matches_torch(case):
    (input_size, hidden_size, batch_size, seq_len), dtype, with_state = case
    lstm = _lstm(input_size, hidden_size, dtype, seed=1)
    x, h0, c0 = _inputs(input_size, hidden_size, batch_size, seq_len, dtype, with_state, seed=2)
    state = (_torch_state(h0, batch_size), _torch_state(c0, batch_size)) if with_state else None
    out, (h_n, c_n) = lstm(x, state)
    trace = run_lstm(x, lstm_weights_from_torch(lstm), h0, c0)
    tol = TOLERANCE[dtype]
    torch.testing.assert_close(trace.h, out, atol=tol, rtol=0)
    torch.testing.assert_close(trace.h_n, h_n[0], atol=tol, rtol=0)
    torch.testing.assert_close(trace.c_n, c_n[0], atol=tol, rtol=0)
    assert trace.f.shape == trace.i.shape == trace.g.shape == trace.o.shape == trace.c.shape == out.shape


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rnn_matches_torch(case):
    (input_size, hidden_size, batch_size, seq_len), dtype, with_state = case
    torch.manual_seed(3)
    rnn = nn.RNN(input_size, hidden_size, batch_first=True).to(dtype)
    x, h0, _ = _inputs(input_size, hidden_size, batch_size, seq_len, dtype, with_state, seed=4)
    out, h_n = rnn(x, _torch_state(h0, batch_size) if with_state else None)
    trace = run_rnn(x, rnn_weights_from_torch(rnn), h0)
    tol = TOLERANCE[dtype]
    torch.testing.assert_close(trace.h, out, atol=tol, rtol=0)
    torch.testing.assert_close(trace.h_n, h_n[0], atol=tol, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_lstm_gradients_match_torch(dtype, batch_size):
    lstm = _lstm(3, 6, dtype, seed=5)
    x, h0, c0 = _inputs(3, 6, batch_size, 9, dtype, True, seed=6)

    def grads(use_scratch):
        lstm.zero_grad()
        xs, h, c = (t.clone().requires_grad_(True) for t in (x, h0, c0))
        if use_scratch:
            trace = run_lstm(xs, lstm_weights_from_torch(lstm, track_grad=True), h, c)
            out, c_n = trace.h, trace.c_n
        else:
            out, (_, c_n) = lstm(xs, (h.unsqueeze(0), c.unsqueeze(0)))
            c_n = c_n[0]
        loss = (out**2).sum() + c_n.sin().sum()
        loss.backward()
        return [xs.grad, h.grad, c.grad] + [p.grad.clone() for p in lstm.parameters()]

    tol = TOLERANCE[dtype] * 10
    for got, expected in zip(grads(True), grads(False), strict=True):
        torch.testing.assert_close(got, expected, atol=tol, rtol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rnn_gradients_match_torch(dtype):
    torch.manual_seed(7)
    rnn = nn.RNN(2, 5, batch_first=True).to(dtype)
    x, h0, _ = _inputs(2, 5, 4, 11, dtype, True, seed=8)

    def grads(use_scratch):
        rnn.zero_grad()
        xs, h = x.clone().requires_grad_(True), h0.clone().requires_grad_(True)
        out = run_rnn(xs, rnn_weights_from_torch(rnn, track_grad=True), h).h if use_scratch else rnn(xs, h[None])[0]
        (out.tanh() ** 2).sum().backward()
        return [xs.grad, h.grad] + [p.grad.clone() for p in rnn.parameters()]

    for got, expected in zip(grads(True), grads(False), strict=True):
        torch.testing.assert_close(got, expected, atol=TOLERANCE[dtype] * 10, rtol=0)


def test_copy_to_torch_round_trips():
    weights = init_lstm_weights(3, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    lstm = nn.LSTM(3, 4, batch_first=True).double()
    copy_lstm_weights_to_torch(weights, lstm)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    torch.testing.assert_close(run_lstm(x, weights).h, lstm(x)[0], atol=1e-12, rtol=0)
    assert torch.all(lstm.bias_hh_l0 == 0)
    back = lstm_weights_from_torch(lstm)
    for name in ("W_f", "W_i", "W_C", "W_o", "b_f", "b_i", "b_C", "b_o"):
        torch.testing.assert_close(getattr(back, name), getattr(weights, name))

    rnn_weights = init_rnn_weights(3, 4, generator=torch.Generator().manual_seed(1))
    rnn = nn.RNN(3, 4, batch_first=True)
    copy_rnn_weights_to_torch(rnn_weights, rnn)
    torch.testing.assert_close(run_rnn(x.float(), rnn_weights).h, rnn(x.float())[0], atol=1e-6, rtol=0)


def test_forget_gate_rows_are_the_second_block():
    """PyTorch's gate order is i, f, g, o: the forget gate's bias is rows hidden_size:2*hidden_size."""
    lstm = nn.LSTM(1, 3)
    with torch.no_grad():
        lstm.bias_ih_l0.zero_()
        lstm.bias_hh_l0.zero_()
        lstm.bias_ih_l0[3:6] = 5.0
    weights = lstm_weights_from_torch(lstm)
    assert torch.all(weights.b_f == 5.0) and torch.all(weights.b_i == 0)


def test_single_steps_agree_with_run():
    weights = init_lstm_weights(2, 3, generator=torch.Generator().manual_seed(2))
    x = torch.randn(4, 2)  # (seq_len, input_size), unbatched
    trace = run_lstm(x, weights)
    h = c = None
    for t in range(4):
        step = lstm_step(x[t], h, c, weights)
        h, c = step.h, step.c
        for name in LSTMTrace._fields:
            torch.testing.assert_close(getattr(step, name), getattr(trace, name)[t])
    rnn_weights = init_rnn_weights(2, 3, generator=torch.Generator().manual_seed(3))
    h = None
    for t in range(4):
        h = rnn_step(x[t], h, rnn_weights)
    torch.testing.assert_close(h, run_rnn(x, rnn_weights).h_n)


def test_gates_are_in_range_and_cell_equation_holds():
    weights = init_lstm_weights(2, 5, generator=torch.Generator().manual_seed(4))
    trace = run_lstm(torch.randn(3, 8, 2) * 3, weights)
    for gate in (trace.f, trace.i, trace.o):
        assert torch.all((gate > 0) & (gate < 1))
    assert torch.all(trace.g.abs() < 1)
    c_prev = torch.cat([torch.zeros(3, 1, 5), trace.c[:, :-1]], dim=1)
    torch.testing.assert_close(trace.c, trace.f * c_prev + trace.i * trace.g)
    torch.testing.assert_close(trace.h, trace.o * torch.tanh(trace.c))


def test_plain_lists_are_accepted():
    weights = init_lstm_weights(1, 2, generator=torch.Generator().manual_seed(5))
    trace = run_lstm([[2.0], [4.0], [6.0]], weights)
    assert trace.h.shape == (3, 2)


@pytest.mark.parametrize(("input_size", "hidden_size"), [(1, 1), (3, 5), (4, 2)])
def test_one_fused_multiply_then_chunk_is_the_scratch_cell(input_size, hidden_size):
    """Notebook 03's packing lesson: stacking W_i, W_f, W_C, W_o, one multiply and .chunk(4) give the same gates."""
    gen = torch.Generator().manual_seed(input_size * 10 + hidden_size)
    weights = init_lstm_weights(input_size, hidden_size, generator=gen)
    x_t, h_prev = torch.randn(6, input_size, generator=gen), torch.randn(6, hidden_size, generator=gen)
    c_prev = torch.randn(6, hidden_size, generator=gen)
    W_all = torch.cat([weights.W_i, weights.W_f, weights.W_C, weights.W_o])  # (4H, H + input_size), order i, f, g, o
    b_all = torch.cat([weights.b_i, weights.b_f, weights.b_C, weights.b_o])  # (4H,)
    pre_i, pre_f, pre_g, pre_o = (torch.cat([h_prev, x_t], dim=-1) @ W_all.T + b_all).chunk(4, dim=-1)
    step = lstm_step(x_t, h_prev, c_prev, weights)
    assert torch.allclose(torch.sigmoid(pre_i), step.i, atol=1e-6)
    assert torch.allclose(torch.sigmoid(pre_f), step.f, atol=1e-6)
    assert torch.allclose(torch.tanh(pre_g), step.g, atol=1e-6)
    assert torch.allclose(torch.sigmoid(pre_o), step.o, atol=1e-6)

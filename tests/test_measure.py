"""lstm_helpers.measure: the parameter formula equals numel(), memory and depth measures are exact and shaped right."""

import pytest
import torch
from torch import nn

from lstm_helpers.cells import init_lstm_weights, run_lstm
from lstm_helpers.measure import (
    GATE_BLOCKS,
    dependency_depth,
    min_time,
    recurrent_param_count,
    saved_activation_bytes,
)

MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@pytest.mark.parametrize("kind", sorted(MODULES))
@pytest.mark.parametrize("input_size, hidden_size", [(1, 1), (1, 50), (3, 8), (2, 16), (32, 7)])
def test_formula_matches_numel(kind, input_size, hidden_size):
    module = MODULES[kind](input_size, hidden_size, batch_first=True, device="meta")
    assert recurrent_param_count(kind, input_size, hidden_size) == sum(p.numel() for p in module.parameters())


def test_lstm_has_four_times_the_rnn_and_gru_three():
    for input_size, hidden_size in [(1, 4), (5, 9)]:
        rnn = recurrent_param_count("rnn", input_size, hidden_size)
        assert recurrent_param_count("lstm", input_size, hidden_size) == 4 * rnn
        assert recurrent_param_count("gru", input_size, hidden_size) == 3 * rnn
    assert GATE_BLOCKS == {"rnn": 1, "gru": 3, "lstm": 4}
    assert recurrent_param_count("LSTM", 2, 8) == recurrent_param_count("lstm", 2, 8)


@pytest.mark.parametrize(
    "args, error, words",
    [
        (("transformer", 2, 8), ValueError, "kind must be one of"),
        ((3, 2, 8), ValueError, "kind must be one of"),
        (("lstm", 0, 8), ValueError, "input_size must be positive"),
        (("lstm", 2, 8.5), TypeError, "hidden_size must be a whole number"),
    ],
)
def test_formula_rejects_bad_input(args, error, words):
    with pytest.raises(error, match=words):
        recurrent_param_count(*args)


def test_min_time_calls_warmup_plus_repeats_and_returns_the_fastest():
    calls = []
    seconds = min_time(lambda: calls.append(1), repeats=4, warmup=2)
    assert len(calls) == 6
    assert 0 <= seconds < 1


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"fn": 3}, TypeError, "fn must be a function"),
        ({"fn": print, "repeats": 0}, ValueError, "repeats must be positive"),
        ({"fn": print, "warmup": -1}, ValueError, "warmup must be a whole number"),
    ],
)
def test_min_time_rejects_bad_input(kwargs, error, words):
    with pytest.raises(error, match=words):
        min_time(**kwargs)


def test_saved_bytes_counts_each_saved_tensor_once():
    x = torch.randn(10, 20, requires_grad=True)  # 800 bytes
    num_bytes, y = saved_activation_bytes(lambda: (x * x).sum())  # mul saves x twice: one storage
    assert num_bytes == 10 * 20 * 4
    assert y.requires_grad
    num_bytes, _ = saved_activation_bytes(lambda: (x * x).sum(), exclude=[x])
    assert num_bytes == 0


def test_saved_bytes_are_exact_and_linear_in_seq_len():
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 8, batch_first=True)

    def saved(seq_len):
        x = torch.randn(2, seq_len, 3)  # (batch_size, seq_len, input_size)
        return saved_activation_bytes(lambda: lstm(x), exclude=lstm.parameters())[0]

    assert saved(40) == saved(40)  # repeatable, unlike process memory
    step_40_to_80, step_80_to_160 = saved(80) - saved(40), saved(160) - saved(80)  # a fixed overhead cancels out
    assert step_40_to_80 > 0
    assert abs(step_80_to_160 - 2 * step_40_to_80) <= 0.05 * step_80_to_160  # twice the steps, twice the memory


def test_saved_bytes_rejects_bad_input():
    with pytest.raises(TypeError, match="fn must be a function"):
        saved_activation_bytes(None)
    with pytest.raises(TypeError, match="exclude must hold tensors"):
        saved_activation_bytes(lambda: None, exclude=[1, 2])


def test_depth_of_a_chain_and_of_the_scratch_lstm():
    x = torch.ones(3, requires_grad=True)
    y = x
    for _ in range(5):
        y = y * 2
    assert dependency_depth(y) == 6  # five multiplications and the leaf's AccumulateGrad
    weights = init_lstm_weights(2, 4, generator=torch.Generator().manual_seed(0))
    for w in (weights.W_f, weights.W_i, weights.W_C, weights.W_o):
        w.requires_grad_(True)
    depths = [dependency_depth(run_lstm(torch.randn(n, 2), weights).h) for n in (10, 20, 40)]
    assert depths[2] - depths[1] == 2 * (depths[1] - depths[0]) > 0  # grows by the same amount per step


def test_depth_of_a_long_chain_does_not_hit_the_recursion_limit():
    y = torch.zeros(1, requires_grad=True)
    for _ in range(5000):
        y = y + 1
    assert dependency_depth(y) == 5001


def test_depth_rejects_bad_input():
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        dependency_depth([1, 2])
    with pytest.raises(ValueError, match="no recorded operations"):
        dependency_depth(torch.ones(3))

"""Every public function rejects bad input with a ValueError/TypeError that says what was wrong and how to fix it."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from lstm_helpers.cells import (
    LSTMWeights,
    RNNWeights,
    init_lstm_weights,
    init_rnn_weights,
    lstm_step,
    rnn_step,
    run_lstm,
    run_rnn,
)
from lstm_helpers.data import Scaler, all_pairs, arithmetic_sequence, make_sequences, make_windows, split_pairs
from lstm_helpers.models import SimpleLSTM
from lstm_helpers.torch_bridge import copy_lstm_weights_to_torch, lstm_weights_from_torch, rnn_weights_from_torch
from lstm_helpers.training import predict, train

LSTM_W = init_lstm_weights(2, 3, generator=torch.Generator().manual_seed(0))
RNN_W = init_rnn_weights(2, 3, generator=torch.Generator().manual_seed(0))


def _lstm_parts(**override):
    parts = {name: getattr(LSTM_W, name) for name in ("W_f", "b_f", "W_i", "b_i", "W_C", "b_C", "W_o", "b_o")}
    parts.update(override)
    return parts


BAD_CALLS = [
    # (description, call, exception type, words the message must contain)
    ("empty input", lambda: run_lstm(torch.empty(0, 2), LSTM_W), ValueError, "empty"),
    ("NaN input", lambda: run_lstm([[math.nan, 1.0]], LSTM_W), ValueError, "NaN or inf"),
    ("inf input", lambda: run_rnn(torch.tensor([[math.inf, 1.0]]), RNN_W), ValueError, "NaN or inf"),
    ("text input", lambda: run_lstm("2, 4, 6", LSTM_W), TypeError, "numbers"),
    ("words in a list", lambda: run_lstm([["a", "b"]], LSTM_W), TypeError, "numbers"),
    ("ragged list", lambda: run_lstm([[1.0, 2.0], [3.0]], LSTM_W), ValueError, "same length"),
    ("1-D input", lambda: run_lstm(torch.ones(5), LSTM_W), ValueError, "(seq_len, input_size)"),
    ("4-D input", lambda: run_rnn(torch.ones(1, 2, 3, 2), RNN_W), ValueError, "(batch, seq_len, input_size)"),
    ("wrong input_size", lambda: run_lstm(torch.ones(4, 5), LSTM_W), ValueError, "input_size = 2"),
    ("wrong dtype", lambda: run_lstm(torch.ones(4, 2, dtype=torch.float64), LSTM_W), TypeError, "torch.float64"),
    ("wrong h0 shape", lambda: run_lstm(torch.ones(4, 2), LSTM_W, h0=torch.zeros(5)), ValueError, "(3,)"),
    ("wrong c0 batch", lambda: run_lstm(torch.ones(2, 4, 2), LSTM_W, c0=torch.zeros(3, 3)), ValueError, "(2, 3)"),
    ("weights not weights", lambda: run_lstm(torch.ones(4, 2), {"W_f": 1}), TypeError, "LSTMWeights"),
    ("rnn weights to lstm", lambda: run_lstm(torch.ones(4, 2), RNN_W), TypeError, "LSTMWeights"),
    ("step x_t rank", lambda: lstm_step(torch.ones(1, 2, 2), None, None, LSTM_W), ValueError, "(batch, input_size)"),
    ("step x_t size", lambda: rnn_step(torch.ones(3), None, RNN_W), ValueError, "input_size = 2"),
    ("W_i wrong shape", lambda: LSTMWeights(**_lstm_parts(W_i=torch.ones(3, 4))), ValueError, "(3, 5)"),
    ("b_o wrong shape", lambda: LSTMWeights(**_lstm_parts(b_o=torch.ones(4))), ValueError, "one bias per hidden"),
    ("W not a tensor", lambda: RNNWeights(W=[[1.0, 2.0]], b=torch.ones(1)), TypeError, "torch.Tensor"),
    ("W too narrow", lambda: RNNWeights(W=torch.ones(3, 3), b=torch.ones(3)), ValueError, "more columns than rows"),
    ("W integer", lambda: RNNWeights(W=torch.ones(1, 2, dtype=torch.int64), b=torch.ones(1)), TypeError, "floating"),
    (
        "mixed dtypes",
        lambda: LSTMWeights(**_lstm_parts(W_o=LSTM_W.W_o.double(), b_o=LSTM_W.b_o.double())),
        TypeError,
        "dtype",
    ),
    ("hidden_size 0", lambda: init_lstm_weights(2, 0), ValueError, "positive"),
    ("hidden_size float", lambda: init_rnn_weights(2, 2.5), TypeError, "whole number"),
    ("input_size negative", lambda: SimpleLSTM(input_size=-1), ValueError, "positive"),
    ("hidden_size bool", lambda: SimpleLSTM(hidden_size=True), TypeError, "whole number"),
    ("two-layer LSTM", lambda: lstm_weights_from_torch(nn.LSTM(2, 3, num_layers=2)), ValueError, "num_layers=2"),
    (
        "bidirectional RNN",
        lambda: rnn_weights_from_torch(nn.RNN(2, 3, bidirectional=True)),
        ValueError,
        "bidirectional",
    ),
    ("relu RNN", lambda: rnn_weights_from_torch(nn.RNN(2, 3, nonlinearity="relu")), ValueError, "nonlinearity"),
    ("not a module", lambda: lstm_weights_from_torch(nn.GRU(2, 3)), TypeError, "nn.LSTM"),
    ("sizes differ", lambda: copy_lstm_weights_to_torch(LSTM_W, nn.LSTM(2, 4)), ValueError, "hidden_size=4"),
    ("sequence length 0", lambda: arithmetic_sequence(1, 2, 0), ValueError, "positive"),
    ("start NaN", lambda: arithmetic_sequence(math.nan, 2, 5), ValueError, "finite"),
    ("step text", lambda: arithmetic_sequence(1, "2", 5), TypeError, "number"),
    ("no starts", lambda: all_pairs(starts=[]), ValueError, "empty"),
    ("starts text", lambda: all_pairs(starts="123"), TypeError, "range"),
    ("no pairs", lambda: make_sequences([], 5), ValueError, "empty"),
    ("bad pair", lambda: make_sequences([(1, 2, 3)], 5), ValueError, "(start, step)"),
    ("one-element sequence", lambda: make_windows([[5]], 4), ValueError, "at least 5"),
    ("sequence too short", lambda: make_windows([[1, 2, 3, 4]], 4), ValueError, "at least 5"),
    ("flat list", lambda: make_windows([1, 2, 3, 4, 5, 6], 4), ValueError, "wrap it in a list"),
    ("flat array", lambda: make_windows(np.arange(6.0), 4), ValueError, "wrap it in a list"),
    ("no sequences", lambda: make_windows([], 4), ValueError, "empty"),
    ("empty sequence", lambda: make_windows([[]], 4), ValueError, "empty"),
    ("NaN in a sequence", lambda: make_windows([[1, 2, math.nan, 4, 5, 6]], 4), ValueError, "NaN"),
    ("words in a sequence", lambda: make_windows([["a", "b", "c", "d", "e"]], 4), TypeError, "numbers"),
    ("window 0", lambda: make_windows([[1, 2, 3]], 0), ValueError, "positive"),
    ("unknown held-out", lambda: split_pairs(all_pairs(), [(20, 1)]), ValueError, "not among pairs"),
    ("hold out all", lambda: split_pairs([(1, 1)], [(1, 1)]), ValueError, "nothing to train"),
    ("scale 0", lambda: Scaler(0), ValueError, "positive"),
    ("scale inf", lambda: Scaler(math.inf), ValueError, "finite"),
    ("fit zeros", lambda: Scaler.fit([0, 0]), ValueError, "all zero"),
    ("model wrong features", lambda: SimpleLSTM()(torch.ones(2, 4, 3)), ValueError, "input_size=1"),
    ("model 1-D input", lambda: SimpleLSTM()(torch.ones(4)), ValueError, "(batch, seq_len)"),
    ("train not a model", lambda: train("model", np.ones((2, 4)), np.ones(2)), TypeError, "nn.Module"),
    (
        "train y mismatch",
        lambda: train(SimpleLSTM(), np.ones((3, 4)), np.ones(2), progress=False),
        ValueError,
        "one target per window",
    ),
    ("train lr 0", lambda: train(SimpleLSTM(), np.ones((2, 4)), np.ones(2), lr=0), ValueError, "lr must be positive"),
    ("train epochs 0", lambda: train(SimpleLSTM(), np.ones((2, 4)), np.ones(2), num_epochs=0), ValueError, "positive"),
    ("train NaN target", lambda: train(SimpleLSTM(), np.ones((2, 4)), [1, math.nan]), ValueError, "NaN"),
    ("predict empty", lambda: predict(SimpleLSTM(), np.ones((0, 4))), ValueError, "empty"),
]


@pytest.mark.parametrize("call, error, words", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_input_gives_a_clear_error(call, error, words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert words in message, message
    assert len(message) > 30, f"messages should explain, not just name the problem: {message!r}"

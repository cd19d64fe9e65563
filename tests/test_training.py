"""SimpleLSTM, train and predict: the loss falls, seeds repeat, scaling round-trips, shapes are right."""

import numpy as np
import torch

from lstm_helpers.data import Scaler, all_pairs, make_sequences, make_windows
from lstm_helpers.models import SimpleLSTM
from lstm_helpers.training import default_device, predict, train


def _data():
    X, y = make_windows(make_sequences(all_pairs(), 8), 4)
    return X, y, Scaler(40)


def test_simple_lstm_shapes():
    model = SimpleLSTM(hidden_size=7)
    assert model(torch.ones(5, 4, 1)).shape == (5, 1)
    assert model(np.ones((5, 4))).shape == (5, 1)  # windows of plain numbers get a feature axis
    assert SimpleLSTM(input_size=3, output_size=2)(torch.ones(2, 6, 3)).shape == (2, 2)


def test_training_reduces_the_loss_and_repeats_with_a_seed(capsys):
    X, y, scaler = _data()
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SimpleLSTM(hidden_size=16)
        losses = train(model, scaler.transform(X), scaler.transform(y), num_epochs=60, lr=1e-2, progress=False)
        runs.append((losses, model))
    losses = runs[0][0]
    assert len(losses) == 60 and losses[-1] < losses[0] / 10
    assert runs[0][0] == runs[1][0]
    assert not runs[0][1].training  # left in eval mode
    assert capsys.readouterr().err == ""  # progress=False prints nothing


def test_minibatches_with_a_seed_repeat():
    X, y, scaler = _data()
    histories = []
    for _ in range(2):
        torch.manual_seed(1)
        histories.append(
            train(
                SimpleLSTM(hidden_size=8),
                scaler.transform(X),
                scaler.transform(y),
                num_epochs=3,
                batch_size=32,
                seed=5,
                progress=False,
                clip_grad_norm=1.0,
            )
        )
    assert histories[0] == histories[1]


def test_progress_bar_is_shown(capsys):
    X, y, scaler = _data()
    train(SimpleLSTM(hidden_size=4), scaler.transform(X[:10]), scaler.transform(y[:10]), num_epochs=2)
    assert "training" in capsys.readouterr().err


def test_predict_scales_in_and_out():
    torch.manual_seed(0)
    scaler = Scaler(40)
    model = SimpleLSTM(hidden_size=6)
    windows = np.array([[2.0, 4, 6, 8], [1, 2, 3, 4]])
    prediction = predict(model, windows, scaler)
    with torch.no_grad():
        by_hand = scaler.inverse(model(torch.tensor(windows / 40, dtype=torch.float32).unsqueeze(-1)).squeeze(-1))
    assert isinstance(prediction, np.ndarray) and prediction.shape == (2,)
    np.testing.assert_allclose(prediction, by_hand.numpy(), rtol=1e-6)
    np.testing.assert_allclose(predict(model, windows), model(windows).detach().squeeze(-1).numpy(), rtol=1e-6)


def test_default_device_is_a_device():
    assert default_device().type in ("cpu", "cuda")

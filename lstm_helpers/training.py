"""Training and prediction helpers.

The full training loop is written out in notebook 07 (``07_training_arithmetic_lstm``); ``train`` is that same
loop with a progress bar, for the notebooks after it.
"""

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ._validate import as_float_tensor, check_finite_number, check_positive_int
from .models import as_model_input

__all__ = ["train", "make_lbfgs", "predict", "default_device"]


def default_device():
    """``cuda`` when a GPU is available, else ``cpu``. Nothing in the course needs a GPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _check_model(model):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module (e.g. SimpleLSTM()), but got {type(model).__name__}.")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("model has no trainable parameters, so there is nothing to train.")


def _model_input_size(model):
    return getattr(model, "input_size", 1)


def make_lbfgs(parameters, lr=1.0):
    """L-BFGS set up for one step per epoch on a small full batch (strong-Wolfe line search, up to 25 evaluations
    per step, no early stop). Introduced in notebook 07."""
    return torch.optim.LBFGS(
        parameters,
        lr=lr,
        max_iter=1,
        max_eval=25,
        history_size=50,
        line_search_fn="strong_wolfe",
        tolerance_grad=0.0,
        tolerance_change=0.0,
    )


def train(
    model,
    X,
    y,
    num_epochs=100,
    lr=1e-2,
    batch_size=None,
    seed=None,
    progress=True,
    clip_grad_norm=None,
    optimizer="adam",
):
    """Train ``model`` on mean squared error and return the loss at the start of each epoch's step(s).

    ``X`` holds windows ``(num_windows, seq_len)`` or ``(num_windows, seq_len, input_size)``; ``y`` holds targets
    ``(num_windows,)`` or ``(num_windows, output_size)``. ``batch_size=None`` uses the whole data set as one batch.
    ``seed`` makes the shuffling repeatable. ``optimizer`` is ``"adam"`` (default) or ``"lbfgs"`` (full batch only,
    one L-BFGS step per epoch, see ``make_lbfgs``; use ``lr=1``). Introduced in notebook 07.
    """
    _check_model(model)
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    lr = check_finite_number(lr, "lr")
    if lr <= 0:
        raise ValueError(f"lr must be positive, but got {lr}. Typical values are 1e-3 to 1e-2.")
    param = next(model.parameters())
    X = as_model_input(X, _model_input_size(model), dtype=param.dtype).to(param.device, param.dtype)
    y = as_float_tensor(y, "y").to(param.device, param.dtype)
    if y.dim() == 1:
        y = y.unsqueeze(-1)  # (num_windows, 1)
    if y.dim() != 2 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y has shape {tuple(y.shape)}, but X holds {X.shape[0]} windows: expected one target per window, "
            f"shape ({X.shape[0]},) or ({X.shape[0]}, output_size)."
        )
    n = X.shape[0]
    batch_size = n if batch_size is None else min(check_positive_int(batch_size, "batch_size"), n)
    if clip_grad_norm is not None:
        clip_grad_norm = check_finite_number(clip_grad_norm, "clip_grad_norm")
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    if optimizer not in ("adam", "lbfgs"):
        raise ValueError(f'optimizer must be "adam" or "lbfgs", but got {optimizer!r}.')
    if optimizer == "lbfgs" and batch_size < n:
        raise ValueError("L-BFGS needs the whole data set in one batch: use batch_size=None with optimizer='lbfgs'.")

    use_lbfgs = optimizer == "lbfgs"
    optimizer = make_lbfgs(model.parameters(), lr) if use_lbfgs else torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    model.train()
    bar = tqdm(range(num_epochs), desc="training", unit="epoch", disable=not progress, mininterval=0.25)
    for _ in bar:
        order = torch.randperm(n, generator=generator).to(X.device) if batch_size < n else torch.arange(n)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]

            def closure(idx=idx):
                optimizer.zero_grad()
                loss = loss_fn(model(X[idx]), y[idx])
                loss.backward()
                if clip_grad_norm is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                return loss

            if use_lbfgs:
                loss = optimizer.step(closure)
            else:
                loss = closure()
                optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / n)
        bar.set_postfix(loss=f"{losses[-1]:.2e}", refresh=False)
    model.eval()
    return losses


def predict(model, X, scaler=None):
    """Predict the next value for each window in ``X``, as a NumPy array in the data's own units.

    With a ``scaler`` (see ``lstm_helpers.data.Scaler``) the windows are scaled on the way in and the predictions
    scaled back on the way out. Introduced in notebook 07.
    """
    _check_model(model)
    param = next(model.parameters())
    X = as_model_input(X, _model_input_size(model), dtype=param.dtype).to(param.device, param.dtype)
    if scaler is not None:
        X = scaler.transform(X)
    model.eval()
    with torch.no_grad():
        out = model(X).squeeze(-1).cpu().numpy()  # (num_windows,)
    return np.asarray(scaler.inverse(out) if scaler is not None else out)

"""Models used across the course.

``SimpleLSTM`` is the original tutorial's model (an ``nn.LSTM`` and a ``Linear`` layer on the last time step),
introduced in notebook 07 (``07_training_arithmetic_lstm``).
"""

import torch
from torch import nn

from ._validate import as_float_tensor, check_positive_int, check_rank

__all__ = ["SimpleLSTM", "as_model_input"]


def as_model_input(x, input_size, dtype=torch.float32):
    """Turn windows into a ``(batch, seq_len, input_size)`` tensor; 2-D windows of plain numbers get a feature axis.

    Introduced in notebook 07.
    """
    x = as_float_tensor(x, "x", dtype=dtype if not isinstance(x, torch.Tensor) else None)
    check_rank(x, "x", (2, 3), "(batch, seq_len) windows of numbers or (batch, seq_len, input_size)")
    if x.dim() == 2:
        if input_size != 1:
            raise ValueError(f"2-D windows only work with input_size=1, but the model has input_size={input_size}.")
        x = x.unsqueeze(-1)  # (batch, seq_len, 1)
    if x.shape[-1] != input_size:
        raise ValueError(f"x has {x.shape[-1]} features per step, but the model expects input_size={input_size}.")
    return x


class SimpleLSTM(nn.Module):
    """An LSTM followed by a linear layer that reads the last hidden state. Introduced in notebook 07."""

    def __init__(self, input_size=1, hidden_size=50, output_size=1, num_layers=1):
        super().__init__()
        self.input_size = check_positive_int(input_size, "input_size")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.output_size = check_positive_int(output_size, "output_size")
        num_layers = check_positive_int(num_layers, "num_layers")
        self.lstm = nn.LSTM(self.input_size, self.hidden_size, num_layers=num_layers, batch_first=True)
        self.linear = nn.Linear(self.hidden_size, self.output_size)

    def forward(self, x):
        x = as_model_input(x, self.input_size, dtype=self.linear.weight.dtype)
        x = x.to(self.linear.weight.device)
        out, _ = self.lstm(x)  # (batch, seq_len, hidden_size)
        return self.linear(out[:, -1, :])  # (batch, output_size)

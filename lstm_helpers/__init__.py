"""Shared code for the LSTM course. Each module says which notebook teaches its code.

Import from the modules, e.g. ``from lstm_helpers.cells import run_lstm``. Importing has no side effects:
no seeding, no plotting style, no printing.

Modules: ``cells`` (scratch RNN/LSTM), ``torch_bridge`` (weights to and from ``torch.nn``), ``data``
(arithmetic sequences), ``models`` (``SimpleLSTM``), ``training`` (``train``, ``predict``), ``exercises``
(self-checking exercises).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

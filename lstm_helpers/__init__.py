"""Shared code for the LSTM course. Each module says which notebook teaches its code.

Import from the modules, e.g. ``from lstm_helpers.cells import run_lstm``. Importing has no side effects:
no seeding, no plotting style, no printing.

| module | what it holds | taught in |
|---|---|---|
| ``exercises`` | self-checking exercises: ``check("NN.name", answer)`` | 00 (used by all) |
| ``cells`` | from-scratch RNN and LSTM cells, every intermediate per step | 01, 03 |
| ``torch_bridge`` | weights to and from ``nn.RNN`` / ``nn.LSTM`` (gate order i, f, g, o) | 01, 03 |
| ``gradients`` | gradient norm against distance in time; the gradient slider | 02, 05 |
| ``explorer`` | the single-cell gate explorer | 04 |
| ``time_explorer`` | the through-time gate explorer (heatmaps, Play) | 04, 07 |
| ``memory_task`` | the recall-after-a-delay task, RNN/GRU/LSTM classifiers | 05, 08 |
| ``data`` | arithmetic sequences, boundary-respecting windows, held-out pairs, scaling | 06 |
| ``models`` | ``SimpleLSTM`` | 06 |
| ``training`` | ``train`` (with a progress bar) and ``predict`` | 06 |
| ``arithmetic`` | the original tutorial's recipe, the course recipe, the extrapolation fix | 06, 07 |
| ``sequence_explorer``, ``parsing`` | the trained model's gates on a typed sequence | 07 |
| ``measure`` | parameter counts, timing, saved-activation memory | 08 |
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

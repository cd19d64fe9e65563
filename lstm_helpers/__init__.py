"""Shared code for the LSTM course. Each module says which notebook teaches its code.

Import from the modules, e.g. ``from lstm_helpers.cells import run_lstm``. Importing has no side effects:
no seeding, no plotting style, no printing.

| module | what it holds | taught in |
|---|---|---|
| ``exercises`` | self-checking exercises: ``check(key, answer)``, ``hint(key)``, ``solution(key)`` | 00 (all) |
| ``cells`` | from-scratch RNN and LSTM cells, every intermediate per step | 01, 03 |
| ``torch_bridge`` | weights to and from ``nn.RNN`` / ``nn.LSTM`` (gate order i, f, g, o) | 01, 03 |
| ``diagrams`` | the LSTM cell diagram, one gate's path highlighted | 03 |
| ``gradients`` | gradient norm against distance in time; the gradient slider | 02, 05 |
| ``explorer`` | the single-cell gate explorer | 04 |
| ``time_explorer`` | the through-time gate explorer (heatmaps, Play) | 04, 08 |
| ``memory_task`` | the recall-after-a-delay task, RNN/GRU/LSTM classifiers | 05, 12, 13 |
| ``backward`` | the LSTM backward pass by hand: one step, BPTT, exact cell-state Jacobians | 06 |
| ``data`` | arithmetic sequences, boundary-respecting windows, unseen windows, scaling | 07 |
| ``models`` | ``SimpleLSTM`` | 07 |
| ``training`` | ``train`` (with a progress bar) and ``predict`` | 07 |
| ``arithmetic`` | tutorial and course recipes, ablation, unseen windows, untrained control | 07, 08 |
| ``sequence_explorer``, ``parsing`` | the trained model's gates on a typed sequence | 08 |
| ``char_data`` | the capstone's frozen text, its topic split, the vocabulary | 09, 10 |
| ``char_baselines`` | a simple smoother, modified Kneser-Ney (static, adaptive), zlib/bz2/xz/PPMd | 09, 11 |
| ``stats`` | bootstrap intervals (blocks or topics), paired differences, printing supported digits | 09, 10, 11 |
| ``char_model`` | the character-level LSTM: training, scoring, dynamic evaluation, sampling, weights | 09, 10, 11 |
| ``char_training`` | the dropout ablation; training a small model on your own text | 09 |
| ``char_cells``, ``char_explorer`` | features, cell search with controls, probes, interventions, the explorer | 10 |
| ``variants`` | GRU, stacked and bidirectional LSTMs from scratch, checked against ``torch.nn`` | 12 |
| ``measure``, ``sweeps`` | parameter counts, timing, saved-activation memory; seed sweeps | 12 |
| ``arithmetic_coding``, ``compression`` | an integer arithmetic coder; models as lossless compressors | 11 |
| ``attention``, ``seq2seq`` | dot-product attention, the encoder-decoder with and without it, a tiny Transformer | 13 |
| ``transformer_vs_lstm`` | the Transformer against the LSTM at equal size and training time | 13 |
"""

__version__ = "0.1.0"
__all__ = ["__version__"]

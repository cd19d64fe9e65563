"""Shared cases for the parity tests of the scratch cells against ``torch.nn`` (``test_cells``, ``test_variants``).

Every size is run batched or unbatched (``batch_size`` None), in float32 and float64, with and without an
initial state; the tolerances are the course's: 1e-6 in float32, 1e-10 in float64.
"""

import itertools

import torch

TOLERANCE = {torch.float32: 1e-6, torch.float64: 1e-10}
SIZES = [  # (input_size, hidden_size, batch_size, seq_len); batch_size None = unbatched
    (1, 1, 1, 1),
    (1, 5, 3, 7),
    (3, 8, None, 6),
    (4, 2, 5, 12),
    (7, 16, 2, 30),
    (2, 3, None, 1),
]


def parity_cases(sizes=SIZES):
    """Every (size, dtype, with_state) combination of ``sizes``."""
    return list(itertools.product(sizes, [torch.float32, torch.float64], [False, True]))


def case_id(case):
    """A readable test id such as ``in3-h8-bNone-t6-float64-h0``."""
    (inp, hid, batch, seq), dtype, with_state = case
    return f"in{inp}-h{hid}-b{batch}-t{seq}-{str(dtype)[6:]}-{'h0' if with_state else 'zeros'}"


def random_sequence(input_size, hidden_size, batch_size, seq_len, dtype, seed, state_shape=()):
    """x ``(batch, seq_len, input_size)`` (no batch dimension when unbatched) and random h0, c0 of shape
    ``state_shape + (batch, hidden_size)``."""
    g = torch.Generator().manual_seed(seed)
    batch_shape = () if batch_size is None else (batch_size,)
    x = torch.randn(*batch_shape, seq_len, input_size, generator=g, dtype=dtype)  # (batch, seq_len, input_size)
    h0 = torch.randn(*state_shape, *batch_shape, hidden_size, generator=g, dtype=dtype)
    c0 = torch.randn(*state_shape, *batch_shape, hidden_size, generator=g, dtype=dtype)
    return x, h0, c0

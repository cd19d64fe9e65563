"""Measure what a recurrent layer costs: parameters by formula, time, saved-activation memory, dependency depth.

Introduced in notebook 12 (``12_costs_and_variants``).
"""

import numbers
import time

import torch

from ._validate import check_positive_int

__all__ = ["GATE_BLOCKS", "recurrent_param_count", "min_time", "saved_activation_bytes", "dependency_depth"]

# How many (W_ih, W_hh, b_ih, b_hh) blocks each kind of single-layer PyTorch module holds.
GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}


def recurrent_param_count(kind, input_size, hidden_size):
    """Parameters of a one-layer ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``, by formula. Introduced in notebook 12.

    Each block has ``W_ih`` (hidden_size × input_size), ``W_hh`` (hidden_size × hidden_size) and two biases
    (hidden_size each); an RNN has 1 block, a GRU 3 (r, z, n), an LSTM 4 (i, f, g, o).
    """
    if not isinstance(kind, str) or kind.lower() not in GATE_BLOCKS:
        raise ValueError(f"kind must be one of {sorted(GATE_BLOCKS)}, but got {kind!r}. Example: kind='lstm'.")
    input_size = check_positive_int(input_size, "input_size")
    hidden_size = check_positive_int(hidden_size, "hidden_size")
    per_block = hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size  # W_ih, W_hh, b_ih, b_hh
    return GATE_BLOCKS[kind.lower()] * per_block


def _check_callable(fn):
    if not callable(fn):
        raise TypeError(f"fn must be a function to call with no arguments, but got {type(fn).__name__}. "
                        "Wrap your code: lambda: layer(x).")


def min_time(fn, repeats=5, warmup=1):
    """The fastest of ``repeats`` timed calls of ``fn()``, in seconds, after ``warmup`` untimed calls.

    The minimum is the least noisy summary on a busy machine: other programs can only make a call slower.
    Introduced in notebook 12.
    """
    _check_callable(fn)
    repeats = check_positive_int(repeats, "repeats")
    if isinstance(warmup, bool) or not isinstance(warmup, numbers.Integral) or warmup < 0:
        raise ValueError(f"warmup must be a whole number, 0 or more, but got {warmup!r}. Example: warmup=1.")
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def saved_activation_bytes(fn, exclude=()):
    """Run ``fn()`` and return ``(num_bytes, result)``: the memory autograd keeps for the backward pass.

    Every tensor autograd saves is seen through ``torch.autograd.graph.saved_tensors_hooks``; each distinct
    storage is counted once, and storages of the tensors in ``exclude`` (e.g. ``model.parameters()``, which
    exist anyway) are skipped. Deterministic for given shapes, unlike the process's memory use.
    Introduced in notebook 12.
    """
    _check_callable(fn)
    excluded = list(exclude)
    for tensor in excluded:
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"exclude must hold tensors (e.g. model.parameters()), but holds {type(tensor).__name__}.")
    skip = {tensor.untyped_storage().data_ptr() for tensor in excluded}
    sizes = {}

    def pack(tensor):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in skip:
            sizes[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        result = fn()
    return sum(sizes.values()), result


def dependency_depth(tensor):
    """The longest chain of recorded operations behind ``tensor``: steps that must run one after another.

    Counts nodes on the longest path through ``tensor``'s autograd graph. Introduced in notebook 12.
    """
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, but got {type(tensor).__name__}.")
    if tensor.grad_fn is None:
        raise ValueError(
            "tensor has no recorded operations (no grad_fn). Compute it from parameters or inputs with "
            "requires_grad=True, outside torch.no_grad()."
        )
    depth = {}
    stack = [(tensor.grad_fn, False)]
    while stack:  # iterative depth-first search: a long sequence would overflow Python's recursion limit
        node, children_done = stack.pop()
        if node in depth:
            continue
        children = [child for child, _ in node.next_functions if child is not None]
        if children_done:
            depth[node] = 1 + max((depth[child] for child in children), default=0)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in children if child not in depth)
    return depth[tensor.grad_fn]

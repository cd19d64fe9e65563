"""Input checks shared by every public function: errors say what was wrong, what was expected, how to fix it."""

import math
import numbers

import numpy as np
import torch

__all__ = ["as_float_tensor", "check_positive_int", "check_finite_number", "check_rank"]


def check_positive_int(value, name):
    """Return ``value`` if it is a positive whole number, else raise a helpful error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number such as 4, but got {value!r} ({type(value).__name__}).")
    if value <= 0:
        raise ValueError(f"{name} must be positive (1 or more), but got {value}. Pass a number such as 4.")
    return int(value)


def check_finite_number(value, name):
    """Return ``value`` as a float if it is a finite real number, else raise a helpful error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number such as 2.5, but got {value!r} ({type(value).__name__}).")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, but got {value}. Replace NaN/inf with a real value.")
    return float(value)


def as_float_tensor(data, name, dtype=None):
    """Turn a tensor, NumPy array or (nested) list of numbers into a finite floating-point tensor.

    Raises TypeError for non-numbers and ValueError for empty data, NaN or inf, naming ``name`` in the message.
    """
    if isinstance(data, torch.Tensor):
        tensor = data
    else:
        if isinstance(data, (str, bytes)):
            raise TypeError(f"{name} must hold numbers, but got the text {data!r}. Pass numbers, e.g. [2, 4, 6, 8].")
        try:
            array = np.asarray(data)
        except ValueError as exc:
            raise ValueError(
                f"{name} could not be read as a rectangular array of numbers ({exc}). Make every row the same length."
            ) from None
        if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise TypeError(
                f"{name} must hold only numbers, but it holds {array.dtype} values. Pass numbers, e.g. [2, 4, 6, 8]."
            )
        tensor = torch.as_tensor(array)
    if tensor.is_complex() or tensor.dtype == torch.bool:
        raise TypeError(f"{name} must hold real numbers, but its dtype is {tensor.dtype}.")
    if not tensor.is_floating_point():
        tensor = tensor.to(dtype or torch.get_default_dtype())
    elif dtype is not None and tensor.dtype != dtype:
        if isinstance(data, torch.Tensor):
            raise TypeError(
                f"{name} has dtype {tensor.dtype} but the weights are {dtype}. "
                f"Convert one of them, e.g. {name}.to({dtype})."
            )
        tensor = tensor.to(dtype)
    if tensor.numel() == 0:
        raise ValueError(f"{name} is empty. Pass at least one number.")
    if not torch.isfinite(tensor.detach()).all():
        raise ValueError(f"{name} contains NaN or inf. Replace them with finite numbers.")
    return tensor


def check_rank(tensor, name, ranks, meaning):
    """Raise ValueError unless ``tensor.dim()`` is one of ``ranks``; ``meaning`` describes the expected shapes."""
    if tensor.dim() not in ranks:
        raise ValueError(f"{name} has shape {tuple(tensor.shape)} ({tensor.dim()}-D), but expected {meaning}.")
    return tensor

"""Self-checking exercises: ``check("03.output_gate", my_answer)`` prints friendly feedback, never a traceback.

Every notebook's exercises are graded here (one module for the whole course). A grader receives the learner's
answer and returns a ``Feedback``; ``check`` prints it. Answers left as ``...`` (or functions that still raise
``NotImplementedError``) are reported as "not attempted yet". Introduced in notebook 00 (``00_start_here``).
"""

import math
import numbers
import traceback
from dataclasses import dataclass

import torch

__all__ = ["Feedback", "check", "grade", "list_exercises", "compare_tensors", "compare_number"]


@dataclass(frozen=True)
class Feedback:
    """The result of grading one answer: ``status`` is "correct", "wrong" or "not attempted"."""

    status: str
    message: str
    hint: str = ""

    @property
    def correct(self):
        return self.status == "correct"

    def __str__(self):
        mark = {"correct": "✓ Correct!", "wrong": "✗ Not yet.", "not attempted": "… Not attempted yet."}[self.status]
        text = f"{mark} {self.message}"
        if self.hint:
            text += f"\n  Hint: {self.hint}"
        return text


def correct(message):
    """A passing ``Feedback`` with a short explanation."""
    return Feedback("correct", message)


def wrong(message, hint=""):
    """A failing ``Feedback`` that says what is wrong and hints at a fix."""
    return Feedback("wrong", message, hint)


_NOT_ATTEMPTED = Feedback("not attempted", "Replace the ... with your answer, run the cell, then run this check again.")


class _Exercise:
    def __init__(self, key, title, grader):
        self.key, self.title, self.grader = key, title, grader


_REGISTRY = {}


def exercise(key, title):
    """Register a grader function ``answer -> Feedback`` under ``key`` (e.g. ``"03.output_gate"``)."""

    def register(grader):
        if key in _REGISTRY:
            raise ValueError(f"Exercise {key!r} is registered twice.")
        _REGISTRY[key] = _Exercise(key, title, grader)
        return grader

    return register


def list_exercises(notebook=None):
    """The registered exercise keys, optionally only those of one notebook number such as ``"03"``."""
    return [key for key in _REGISTRY if notebook is None or key.split(".")[0] == str(notebook)]


def _learner_error(exc):
    """Describe an exception raised by the learner's own code in one friendly paragraph."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "lstm_helpers" not in (f.filename or "")]
    where = f" (in your code: `{frames[-1].line}`)" if frames and frames[-1].line else ""
    return wrong(
        f"Your code raised {type(exc).__name__}: {exc}{where}.",
        "Read the message, fix that line, re-run your cell, then this check.",
    )


def grade(key, answer):
    """Grade ``answer`` for exercise ``key`` and return a ``Feedback`` (never raises for an ordinary wrong answer)."""
    if key not in _REGISTRY:
        known = ", ".join(_REGISTRY) or "none yet"
        return wrong(f"There is no exercise called {key!r}.", f"Known exercises: {known}.")
    if answer is ... or answer is None:
        return _NOT_ATTEMPTED
    try:
        return _REGISTRY[key].grader(answer)
    except NotImplementedError:
        return _NOT_ATTEMPTED
    except Exception as exc:  # the learner's code failed: explain instead of showing a traceback
        return _learner_error(exc)


def check(key, answer):
    """Grade ``answer`` for exercise ``key`` and print the feedback."""
    print(grade(key, answer))


def compare_number(got, expected, name="your answer", rel_tol=1e-6, abs_tol=1e-9):
    """Feedback for a numeric answer, spotting a wrong type and answers off by a simple factor."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        return wrong(f"{name} should be a number, but it is {type(got).__name__} ({got!r}).", "Write a plain number.")
    if math.isclose(got, expected, rel_tol=rel_tol, abs_tol=abs_tol):
        return correct(f"{name} = {got:g}.")
    if expected != 0 and got != 0:
        ratio = got / expected
        for factor in (2, 3, 4, 0.5, 0.25, 1 / 3):
            if math.isclose(ratio, factor, rel_tol=1e-3):
                return wrong(f"{name} = {got:g} is off by a factor of {ratio:g}.", "Check what you counted more than once, or left out.")
    return wrong(f"{name} = {got:g} is not right yet.", "Recompute it step by step.")


def compare_tensors(got, expected, name="your result", atol=1e-5, rtol=1e-4):
    """Feedback for a tensor answer: wrong type, wrong shape, off by a factor, or wrong values."""
    if not isinstance(got, torch.Tensor):
        return wrong(f"{name} should be a torch.Tensor, but it is {type(got).__name__}.", "Return a tensor.")
    if got.shape != expected.shape:
        return wrong(
            f"{name} has shape {tuple(got.shape)}, but expected {tuple(expected.shape)}.",
            "Check which dimension you concatenated or multiplied along, and any transposes.",
        )
    got = got.detach().to(expected.dtype)
    if torch.allclose(got, expected, atol=atol, rtol=rtol):
        return correct(f"{name} matches the reference.")
    if not torch.isfinite(got).all():
        return wrong(f"{name} contains NaN or inf.", "Look for a division by zero or an exp that overflows.")
    mask = expected.abs() > 1e-6
    if mask.any():
        ratio = got[mask] / expected[mask]
        if torch.allclose(ratio, ratio.flatten()[0].expand_as(ratio), rtol=1e-3) and not math.isclose(ratio.flatten()[0].item(), 1):
            return wrong(f"{name} is off by a factor of {ratio.flatten()[0].item():.3g}.", "Look for a missing or extra multiplication.")
    worst = (got - expected).abs().max().item()
    return wrong(f"{name} has the right shape but different values (largest difference {worst:.3g}).", "Compare each term with the equation.")


# --- Notebook 00 -------------------------------------------------------------------------------------------------


@exercise("00.warm_up", "Add two numbers")
def _grade_warm_up(answer):
    return compare_number(answer, 5, "2 + 3")


# --- Notebook 01 -------------------------------------------------------------------------------------------------

# --- Notebook 02 -------------------------------------------------------------------------------------------------

# --- Notebook 03 -------------------------------------------------------------------------------------------------

# --- Notebook 04 -------------------------------------------------------------------------------------------------

# --- Notebook 05 -------------------------------------------------------------------------------------------------

# --- Notebook 06 -------------------------------------------------------------------------------------------------

# --- Notebook 07 -------------------------------------------------------------------------------------------------

# --- Notebook 08 -------------------------------------------------------------------------------------------------

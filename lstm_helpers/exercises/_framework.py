"""The exercise framework: registry, grading, feedback and the comparison helpers every notebook's graders use.

Introduced in notebook 00 (``00_start_here``). The graders themselves live in one module per notebook
(``nb01.py``, ``nb02.py``, ...).

One stub convention in every notebook: a value to fill in is ``answer = ...`` and a function to write is
``def name(...):`` with the body ``...  # your code: return ...``. One placeholder everywhere means one instruction
("replace each ``...``"); a ``...`` body returns None, which ``is_stub`` recognises without running anything, so the
check says "not attempted" rather than "you forgot ``return``"; and the learner deletes one token, not a line that
looks like an error. A ``raise NotImplementedError`` body is still recognised (``_STILL_RAISES``), but new notebooks
use ``...``.
"""

import dis
import linecache
import math
import numbers
import re
import textwrap
import traceback
from dataclasses import dataclass

import torch

WRAP = 96  # feedback is wrapped on words at this width, so no line breaks mid-word in a narrow output area


@dataclass(frozen=True)
class Feedback:
    """The result of grading one answer: ``status`` is "correct", "wrong" or "not attempted"."""

    status: str
    message: str
    hint: str = ""
    diagnosed: bool = True  # False for the generic "not right yet": hint() then starts from the first nudge

    @property
    def correct(self):
        return self.status == "correct"

    def __str__(self):
        mark = {"correct": "✓ Correct!", "wrong": "✗ Not yet.", "not attempted": "… Not attempted yet."}[self.status]
        text = _wrap(f"{mark} {self.message}")
        if self.hint:
            text += "\n" + _wrap(f"Hint: {self.hint}", indent="  ")
        return text


def _wrap(text, indent=""):
    """Wrap ``text`` on word boundaries (never inside a word), keeping explicit line breaks."""
    return "\n".join(
        textwrap.fill(
            line,
            WRAP,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        if line.strip()
        else line
        for line in text.split("\n")
    )


def correct(message):
    """A passing ``Feedback`` with a short explanation."""
    return Feedback("correct", message)


def wrong(message, hint=""):
    """A failing ``Feedback`` that says what is wrong (never what the answer is) and hints at a fix."""
    return Feedback("wrong", message, hint)


def undiagnosed(message, hint=""):
    """A failing ``Feedback`` that names no specific mistake (the fallback after every known mistake is ruled out)."""
    return Feedback("wrong", message, hint, diagnosed=False)


_NOT_ATTEMPTED = Feedback(
    "not attempted", "Replace each `...` with your answer, run that cell, then run this check again."
)
_STILL_RAISES = Feedback(
    "not attempted",
    "Your function still raises NotImplementedError. Replace the line `raise NotImplementedError` with your code, "
    "run that cell, then run this check again.",
)


def is_stub(fn):
    """True when ``fn``'s body does nothing but return None (``...``, ``pass`` or only a docstring): not attempted."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    ops = [(ins.opname, ins.argval) for ins in dis.get_instructions(code) if ins.opname not in ("RESUME", "NOP")]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def returned_none(what="Your function"):
    """Feedback for a function that returned ``None``: almost always a forgotten ``return``."""
    return wrong(
        f"{what} returned None. Did you forget the `return` line?",
        "Python returns None from a function that ends without `return ...`; add it as the last line.",
    )


class _Exercise:
    def __init__(self, key, title, grader, hints, solution, answer_name):
        self.key, self.title, self.grader = key, title, grader
        self.hints, self.solution, self.answer_name = tuple(hints), solution, answer_name
        self.hints_shown = 0
        self.last = None  # the Feedback of the latest check, so that hint() starts from what it diagnosed


_REGISTRY = {}


def exercise(key, title, hints=(), solution=None, answer="answer"):
    """Register a grader function ``answer -> Feedback`` under ``key`` (e.g. ``"03.output_gate"``).

    ``hints`` escalate: a nudge first, then a more specific hint, the formula last; ``hint(key)`` shows the next one.
    ``solution`` is the worked solution's source code, self-contained (its own imports); running it defines the
    name ``answer`` (for example ``"answer"`` or the learner's function name), and a test feeds that to the grader.
    """

    def register(grader):
        if key in _REGISTRY:
            raise ValueError(f"Exercise {key!r} is registered twice.")
        _REGISTRY[key] = _Exercise(key, title, grader, hints, solution, answer)
        return grader

    return register


def list_exercises(notebook=None):
    """The registered exercise keys, optionally only those of one notebook number such as ``"03"``."""
    return [key for key in _REGISTRY if notebook is None or key.split(".")[0] == str(notebook)]


def _unknown(key):
    known = ", ".join(_REGISTRY) or "none yet"
    return wrong(f"There is no exercise called {key!r}.", f"Known exercises: {known}.")


# Files that hold code the learner wrote: notebook cells (IPython names them ``<ipython-input-...>`` or
# ``/tmp/ipykernel_<pid>/<hash>.py``) and plain scripts run as ``__main__``.
_CELL_FILE = re.compile(r"<ipython-input-|[/\\]ipykernel_\d+[/\\]")


def _learner_frames(exc):
    """``(filename, line)`` of the frames of ``exc``'s traceback that run the learner's own code, outermost first.

    A frame is the learner's when its file is a notebook cell or its module is ``__main__``; frames of PyTorch,
    the standard library and the course's graders are never shown as "your code".
    """
    frames = []
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename or ""
        if _CELL_FILE.search(filename) or frame.f_globals.get("__name__") == "__main__":
            frames.append((filename, linecache.getline(filename, lineno, frame.f_globals).strip()))
    return frames


def _in_learner_code(exc):
    """True when ``exc`` was raised by the learner's own code rather than by the course's graders."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and "lstm_helpers" not in (frames[-1].filename or "")


def _learner_error(exc):
    """Describe an exception raised by the learner's own code in one friendly paragraph, at the learner's line."""
    frames = [line for _, line in _learner_frames(exc) if line]
    where = f" (in your code: `{frames[-1]}`)" if frames else ""
    return wrong(
        f"Your code raised {type(exc).__name__}: {exc}{where}.",
        "Read the message, fix that line, re-run your cell, then this check.",
    )


def grade(key, answer):
    """Grade ``answer`` for exercise ``key`` and return a ``Feedback`` (never raises for an ordinary wrong answer)."""
    if key not in _REGISTRY:
        return _unknown(key)
    if answer is ...:
        return _NOT_ATTEMPTED
    if answer is None:
        return wrong(
            "Your answer is None.",
            "If it comes from a function, check that the function ends with `return`; otherwise replace the `...` "
            "with your answer.",
        )
    ex = _REGISTRY[key]
    try:
        feedback = ex.grader(answer)
    except NotImplementedError as exc:
        feedback = _STILL_RAISES if _in_learner_code(exc) else _NOT_ATTEMPTED
    except Exception as exc:  # the learner's code failed: explain instead of showing a traceback
        feedback = _learner_error(exc)
    ex.last = feedback
    return feedback


def check(key, answer):
    """Grade ``answer`` for exercise ``key`` and print the feedback."""
    print(grade(key, answer))


def _registered(key):
    """The exercise registered as ``key``, or None after printing what the known ones are."""
    if key not in _REGISTRY:
        print(_unknown(key))
        return None
    return _REGISTRY[key]


def hint(key):
    """Print the next hint for exercise ``key``: a nudge first, then more specific ones, the formula last."""
    ex = _registered(key)
    if ex is None:
        return
    if not ex.hints:
        print(f"No hints for {key}; solution({key!r}) shows a worked answer.")
        return
    why = ""
    if ex.last is not None and ex.last.status == "wrong" and ex.last.diagnosed and ex.hints_shown < len(ex.hints) - 1:
        # the check already named the mistake: a nudge would be vaguer than that, so go straight to the formula
        ex.hints_shown = len(ex.hints) - 1
        why = "Your last check named the mistake, so here is the most specific hint.\n"
    k = min(ex.hints_shown, len(ex.hints) - 1)
    ex.hints_shown += 1
    more = (
        f"(run hint({key!r}) again for a more specific hint)"
        if k + 1 < len(ex.hints)
        else f"(that was the last hint; solution({key!r}) shows a worked answer)"
    )
    print(_wrap(f"{why}Hint {k + 1} of {len(ex.hints)} for {key}: {ex.hints[k]}\n{more}"))


def solution(key):
    """Print the worked solution of exercise ``key`` (only when asked: notebooks never show it unasked)."""
    ex = _registered(key)
    if ex is None:
        return
    if not ex.solution:
        print(f"{key} has no worked solution yet.")
        return
    print(f"# A worked solution for {key} ({ex.title}). Copy it into the answer cell, run it, then the check.\n")
    print(textwrap.dedent(ex.solution).strip())


def as_number(got):
    """``got`` as a plain real number (a one-element tensor counts), or ``None`` if it is not one."""
    if isinstance(got, torch.Tensor) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, numbers.Real):
        return None
    return got


def call_for_number(fn, args, hint):
    """Call the learner's ``fn(*args)`` and return its result as a number, or a ``Feedback`` saying why it is not.

    A placeholder result (``...`` or ``None``) means the exercise is not attempted yet.
    """
    answer = fn(*args)
    if answer is ...:
        raise NotImplementedError
    if answer is None:
        if is_stub(fn):
            raise NotImplementedError
        return returned_none(f"{getattr(fn, '__name__', 'your function')}(...)")
    got = as_number(answer)
    if got is None:
        call = f"{getattr(fn, '__name__', 'your function')}({', '.join(map(repr, args))})"
        return wrong(f"{call} returned {type(answer).__name__}, not a number.", hint)
    return got


def pass_the_function(answer, key):
    """Feedback for a learner who passed a result (e.g. ``f(2)``) where the function itself was wanted."""
    return wrong(
        f"Pass your function itself, not its result (got {type(answer).__name__}).",
        f"Write check({key!r}, name_of_your_function), without parentheses after the function name.",
    )


def letter_choice(answer, letters):
    """``(letter, None)`` for a multiple-choice answer such as ``"b"`` or ``"(B)"`` among ``letters``; otherwise
    ``(None, feedback)`` asking for one of them."""
    choice = answer.strip().lower().strip("()") if isinstance(answer, str) else None
    if choice in letters:
        return choice, None
    listed = ", ".join(repr(k) for k in letters[:-1]) + f" or {letters[-1]!r}"
    return None, wrong(f"Answer with one letter, {listed}, but got {answer!r}.", f"Write e.g. answer = {letters[0]!r}.")


def _start(name):
    """``name`` as the start of a sentence: "your count" -> "Your count" (code names such as f(3) stay as they are)."""
    return name[0].upper() + name[1:] if name.startswith(("your ", "the ")) else name


def compare_number(got, expected, name="your answer", rel_tol=1e-6, abs_tol=1e-9, hint="Recompute it step by step."):
    """Feedback for a numeric answer, spotting a wrong type and answers off by a simple factor.

    A wrong answer is never told the right one: not even the factor it is off by (that would give it away), only
    that it is too large or too small by a whole factor. ``hint`` is the fallback hint for other wrong answers.
    """
    if as_number(got) is None:
        return wrong(
            f"{_start(name)} should be a number, but it is {type(got).__name__} ({got!r}).", "Write a plain number."
        )
    got = as_number(got)
    if math.isclose(got, expected, rel_tol=rel_tol, abs_tol=abs_tol):
        return correct(f"{_start(name)} = {got:g}.")
    if expected != 0 and got != 0:
        ratio = got / expected
        for factor in (2, 3, 4, 0.5, 0.25, 1 / 3):
            if math.isclose(ratio, factor, rel_tol=1e-3):
                size = "too large" if abs(ratio) > 1 else "too small"
                return wrong(
                    f"{_start(name)} = {got:g} is {size} by a whole factor (such as 2, 3 or 4).",
                    "Check what you counted more than once, or left out.",
                )
    return undiagnosed(f"{_start(name)} = {got:g} is not right yet.", hint)


def compare_tensors(got, expected, name="your result", atol=1e-5, rtol=1e-4):
    """Feedback for a tensor answer: wrong type, wrong shape, off by a factor, or wrong values."""
    if not isinstance(got, torch.Tensor):
        return wrong(f"{_start(name)} should be a torch.Tensor, but it is {type(got).__name__}.", "Return a tensor.")
    if got.shape != expected.shape:
        return wrong(
            f"{_start(name)} has shape {tuple(got.shape)}, but expected {tuple(expected.shape)}.",
            "Check which dimension you concatenated or multiplied along, and any transposes.",
        )
    got = got.detach().to(expected.dtype)
    if torch.allclose(got, expected, atol=atol, rtol=rtol):
        return correct(f"{_start(name)} matches the reference.")
    if not torch.isfinite(got).all():
        return wrong(f"{_start(name)} contains NaN or inf.", "Look for a division by zero or an exp that overflows.")
    mask = expected.abs() > 1e-6
    if mask.any():
        ratio = got[mask] / expected[mask]
        first = ratio.flatten()[0].item()
        if torch.allclose(ratio, torch.full_like(ratio, first), rtol=1e-3) and not math.isclose(first, 1):
            if first < 0:
                return wrong(f"{_start(name)} has the wrong sign.", "Look for a subtraction done the wrong way round.")
            size = "too large" if first > 1 else "too small"
            return wrong(
                f"{_start(name)} is {size} by the same constant factor in every entry.",
                "Look for a missing or extra multiplication by a constant (a count, a 2, a mean instead of a sum).",
            )
    worst = (got - expected).abs().max().item()
    return undiagnosed(
        f"{_start(name)} has the right shape but different values (largest difference about {worst:.0e}).",
        "Compare each term with the equation.",
    )


# --- helpers shared by the graders of several notebooks ---------------------------------------------------------


def _is_placeholder(value):
    return value is None or value is ...


def _unfinished(result):
    """True when a learner's answer is still its placeholder: None, ..., or a tuple of only those."""
    if isinstance(result, tuple) and result:
        return all(_is_placeholder(part) for part in result)
    return _is_placeholder(result)


def _run_learner_function(fn, key, fn_name, args, shape_hint, clone=True):
    """Call the learner's function ``fn_name`` on ``args``; return ``(result, feedback)``.

    Tensor arguments are copied first, so the learner's code cannot change the grader's data, unless ``clone`` is
    False (for a grader that checks what the function did to its input). ``feedback`` is None when there is a
    result to grade; otherwise it says what went wrong: not a function, a shape error (explained with
    ``shape_hint``), a forgotten ``return``, or a placeholder result (not attempted).
    """
    if not callable(fn):
        return None, pass_the_function(fn, key)
    if clone:
        args = tuple(arg.clone() if isinstance(arg, torch.Tensor) else arg for arg in args)
    try:
        result = fn(*args)
    except RuntimeError as exc:
        if "size" not in str(exc) and "shape" not in str(exc):
            raise
        return None, wrong(_learner_error(exc).message + " The shapes do not fit together.", shape_hint)
    if result is None:
        return None, (_NOT_ATTEMPTED if is_stub(fn) else returned_none(f"{fn_name}(...)"))
    return result, (_NOT_ATTEMPTED if _unfinished(result) else None)


def _close(got, expected):
    return (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and torch.allclose(got.detach().to(expected.dtype), expected, atol=1e-5, rtol=1e-4)
    )


def _diagnose(got, expected, mistakes, name):
    """Feedback for a wrong tensor: the first ``(value, message, hint)`` in ``mistakes`` that ``got`` matches."""
    for value, message, hint in mistakes:
        if _close(got, value):
            return wrong(message, hint)
    return compare_tensors(got, expected, name)


def known_number_mistake(number, mistakes, rel_tol):
    """Feedback for the first ``(value, message, hint)`` in ``mistakes`` that ``number`` matches, else ``None``: the
    numeric twin of ``_diagnose``, for answers whose common wrong values can be computed."""
    for value, message, hint in mistakes:
        if math.isclose(number, value, rel_tol=rel_tol):
            return wrong(message, hint)
    return None


def _grade_count(answer, expected, known_mistakes, hint, name):
    """Feedback for a counted number: a specific message for a known wrong count, else ``compare_number``."""
    number = _whole_number(answer)
    if number in known_mistakes:
        return wrong(known_mistakes[number], hint)
    return compare_number(answer, expected, name, hint=hint)


def _whole_number(answer):
    """``answer`` as an int when it is a whole number (int, integral float or 1-element tensor), else None."""
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not float(answer).is_integer():
        return None
    return int(answer)

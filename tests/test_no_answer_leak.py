"""Feedback never gives an answer away: every registered grader, fed wrong answers made from its own worked solution,
never shows the expected answer and never states the factor a wrong answer is off by.

The wrong answers are derived generically (so graders added later are covered without editing this file): near
misses, off by one, off by a factor 2, 10, 1/2 or 1/10, the wrong sign, a transposed or wrongly shaped tensor, and for
a function, the worked solution with its result changed in those ways. The grader's inputs are unknown here, so for a
function the expected answers are recorded from the worked solution while the grader calls it.
"""

import math
import numbers
import re

import pytest
import torch
from exercise_cases import worked_solution

from lstm_helpers.exercises import _framework, grade, list_exercises

KEYS = list_exercises()
FACTORS = (2, 10, 0.5, 0.1)

# A statement of the factor: "factor of 2", "twice too large", "half the right size", "10 times too small", ...
FACTOR_WORDS = re.compile(
    r"factor of\s*[-\d.]|\btwice (?:too|as|the)\b|\bhalf (?:the|as|too)\b|\bdoubled?\b|\bhalved\b|\bten times\b|"
    r"\btenth\b|\b\d+(?:\.\d+)?\s*(?:times|×)\s*too\b",
    re.IGNORECASE,
)

# The wrong answers the issue found giving their answer away, fed on top of the generic ones.
KNOWN_CASES = {
    "02.steps_to_vanish": [131.1, 131.5, 131],
    "03.lstm_params": [(416, 384), (384, 384), (352, 416)],
    "06.check_cost": [384, 385, 416, 1536],
}


def _number_tokens(value):
    """Texts an answer could be printed as, for every number in ``value`` worth searching for (>= 2 digits)."""
    tokens = set()
    if isinstance(value, bool):
        return tokens
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            return tokens
        value = value.item()
    if isinstance(value, numbers.Real):
        if not math.isfinite(value):
            return tokens
        forms = {f"{value:g}", f"{value:.4g}", f"{value:.3g}"}
        if float(value).is_integer():
            forms.add(str(int(value)))
        for form in forms:
            digits = form.lstrip("-").replace(".", "").lstrip("0")
            if len(digits.split("e")[0]) >= 2:  # one-digit numbers (1, 8, 0.5) occur in any explanation
                tokens.add(form)
        return tokens
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list, range)):
        for part in value:
            tokens |= _number_tokens(part)
    return tokens


def _shows(text, token):
    return re.search(rf"(?<![\w.\-]){re.escape(token)}(?![\w]|\.\d)", text) is not None


def _scaled(value, factor):
    """``value`` with every number and tensor in it multiplied by ``factor`` (other things unchanged)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value * factor
    if isinstance(value, numbers.Real):
        result = value * factor
        return int(result) if isinstance(value, numbers.Integral) and float(result).is_integer() else result
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_scaled(part, factor) for part in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_scaled(part, factor) for part in value)
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return type(value)(**{k: _scaled(getattr(value, k), factor) for k in value.__dataclass_fields__})
    return value


def _shifted(value, delta):
    """``value`` with every whole number moved by ``delta`` (off by one) and every float nudged by 0.1%."""
    if isinstance(value, bool):
        return value
    if isinstance(value, torch.Tensor):
        return value + delta if not value.is_floating_point() else value * (1 + 1e-3 * delta)
    if isinstance(value, numbers.Integral):
        return value + delta
    if isinstance(value, numbers.Real):
        return value * (1 + 1e-3 * delta)
    if isinstance(value, range):
        return range(value.start + delta, value.stop + delta, value.step)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_shifted(part, delta) for part in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_shifted(part, delta) for part in value)
    if isinstance(value, dict):
        return {k: _shifted(v, delta) for k, v in value.items()}
    return value


def _reshaped(value, how):
    """``value``'s tensors transposed (``"T"``) or given an extra leading dimension (``"unsqueeze"``)."""
    if isinstance(value, torch.Tensor):
        if how == "T":
            return value.T if value.dim() == 2 and value.shape[0] != value.shape[1] else value.flip(-1)
        return value.unsqueeze(0)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_reshaped(part, how) for part in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_reshaped(part, how) for part in value)
    return value


def _changes():
    """``(label, change, factor)``: the ways a wrong answer is made from a right one."""
    changes = [(f"times {f:g}", (lambda v, f=f: _scaled(v, f)), f) for f in FACTORS]
    changes += [("wrong sign", lambda v: _scaled(v, -1), None)]
    changes += [(f"off by {d:+d}", (lambda v, d=d: _shifted(v, d)), None) for d in (1, -1)]
    changes += [("transposed", lambda v: _reshaped(v, "T"), None), ("extra dim", lambda v: _reshaped(v, "U"), None)]
    return changes


def _wrong_answers(answer):
    """``(label, wrong answer, factor, recorded)``; ``recorded`` collects what a function's solution returned."""
    if callable(answer) and not isinstance(answer, type):
        cases = []
        for label, change, factor in _changes():
            recorded = []

            def wrong_function(*args, _change=change, _recorded=recorded, **kwargs):
                result = answer(*args, **kwargs)
                _recorded.append(result)
                return _change(result)

            wrong_function.__name__ = getattr(answer, "__name__", "answer")
            cases.append((label, wrong_function, factor, recorded))
        return cases
    if isinstance(answer, str):
        return [(f"letter {letter}", letter, None, [answer]) for letter in "abcde" if letter != answer.strip("()")]
    cases = []
    for label, change, factor in _changes():
        wrong_answer = change(answer)
        if wrong_answer != answer if not isinstance(answer, torch.Tensor) else not torch.equal(wrong_answer, answer):
            cases.append((label, wrong_answer, factor, [answer]))
    return cases


def _leaks(key, wrong_answer, factor, expected_values):
    feedback = grade(key, wrong_answer)
    if feedback.correct:
        return []  # a change that keeps the answer right (e.g. scaling a zero) is no wrong answer
    text = " ".join(f"{feedback.message} {feedback.hint}".split())
    given = _number_tokens(wrong_answer) if not callable(wrong_answer) else set()
    problems = []
    for expected in expected_values:
        if isinstance(expected, str):
            letter = expected.strip("()").lower()
            quoted = set(re.findall(r"['\"(]([a-e])['\")]", text))
            if quoted == {letter}:  # naming it among all the choices (a format message) gives nothing away
                problems.append(f"names the right choice {letter!r}: {text}")
            continue
        for token in _number_tokens(expected) - given:
            if _shows(text, token):
                problems.append(f"shows the expected answer {token}: {text}")
    if factor is not None and FACTOR_WORDS.search(text):
        problems.append(f"states the factor ({FACTOR_WORDS.search(text).group(0)!r}): {text}")
    return problems


@pytest.mark.parametrize("key", KEYS)
def test_wrong_answers_never_see_the_answer_or_the_factor(key):
    answer = worked_solution(key)
    problems = []
    for label, wrong_answer, factor, recorded in _wrong_answers(answer):
        problems += [f"{label}: {p}" for p in _leaks(key, wrong_answer, factor, recorded)]
    for wrong_answer in KNOWN_CASES.get(key, []):
        problems += [f"{wrong_answer!r}: {p}" for p in _leaks(key, wrong_answer, None, [answer])]
    assert not problems, f"{key}:\n" + "\n".join(problems)


def test_the_known_leaks_are_recognised_by_this_test():
    """The detector itself: a message with the answer or the factor in it is caught."""
    assert _shows("Round up: the gradient is still above 1e-6 after 131 steps, so 132.", "132")
    assert not _shows("0.9**1320 is tiny", "132")
    assert FACTOR_WORDS.search("your result is off by a factor of 2.")
    assert FACTOR_WORDS.search("Your gradient is twice too large.")
    assert not FACTOR_WORDS.search("too large by a whole factor (such as 2, 3 or 4)")


def test_every_grader_is_covered():
    assert {key.split(".")[0] for key in KEYS} >= {"00", "01", "02", "03", "05", "06", "07"}
    assert all(_framework._REGISTRY[key].solution for key in KEYS)

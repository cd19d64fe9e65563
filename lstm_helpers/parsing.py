"""Read a sequence of numbers that a learner typed, e.g. ``"3, 6, 9, 12"``, without ever raising on bad text.

Introduced in notebook 08 (``08_inside_the_trained_lstm``), where a text box feeds the trained model.
``parse_sequence`` returns a ``ParsedSequence``: either the numbers, or a short message saying what was
wrong and what was expected, ready to show in the widget instead of a traceback.
"""

import math
import re
import unicodedata
from typing import NamedTuple

from ._validate import check_finite_number, check_positive_int

__all__ = ["ParsedSequence", "parse_sequence", "MAX_ABS_VALUE"]

MAX_ABS_VALUE = 1e6  # larger magnitudes are refused: far beyond anything the course's models have seen
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NOT_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_EXAMPLE = "e.g. 3, 6, 9, 12"
_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")  # 1,000: a comma followed by exactly three digits
_MIXED_SEPARATORS = re.compile(r",\s|\d\s+\d")  # some numbers separated by ", " or by spaces
_DECIMAL_COMMA = re.compile(r"\d,\d")  # 1,5: a comma between digits, read as a decimal comma when other separators
_OTHER_SEPARATORS = re.compile(r",\s|\d\s+\d|;")  # ... such as ", ", spaces or semicolons also separate numbers
_RAISED = ("<super>", "<sub>", "<fraction>")  # decompositions NFKC would fold into plain digits: 1² -> 12, ½ -> 1⁄2
_BRACKETS = {"[": "]", "(": ")", "{": "}"}


class ParsedSequence(NamedTuple):
    """The outcome of ``parse_sequence``: ``values`` (a tuple of floats) when ``ok``, else a friendly ``message``."""

    values: tuple
    message: str

    @property
    def ok(self):
        return not self.message


def _fail(message):
    return ParsedSequence((), message)


def parse_sequence(text, min_len=4, max_len=20, max_abs=MAX_ABS_VALUE):
    """Parse numbers separated by commas or spaces; never raises for bad text. Introduced in notebook 08.

    Commas separate numbers; thousands separators are not read (``1,000, 2,000`` is refused with that explanation,
    while ``100,200,300,400`` is four numbers). A Python-style list ``[3, 6, 9, 12]``, full-width digits and commas
    (``３，６``) and the typographic minus sign are accepted. Superscripts, subscripts and fractions (``1²``, ``½``)
    are refused with an explanation (Unicode normalisation would silently read ``1²`` as 12), and so are decimal
    commas among other separators (``1,5, 3, 4,5, 6`` or ``1,5; 3``): commas separate numbers here. Returns
    ``ParsedSequence(values, "")`` on success, or
    ``ParsedSequence((), message)`` where ``message`` says what was wrong and what was expected (empty text, a word,
    ``1,,2``, too few or too many numbers, NaN/inf, magnitudes above ``max_abs``, numbers so small they would
    underflow to 0 such as ``1e-400``). Only a non-string ``text`` raises (a ``TypeError``: that is a bug in the
    calling code, not a typing mistake).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string such as '3, 6, 9, 12', but got {type(text).__name__}.")
    min_len = check_positive_int(min_len, "min_len")
    max_len = check_positive_int(max_len, "max_len")
    if max_len < min_len:
        raise ValueError(f"max_len ({max_len}) must be at least min_len ({min_len}).")
    max_abs = check_finite_number(max_abs, "max_abs")
    expected = f"Type {min_len} to {max_len} numbers separated by commas, {_EXAMPLE}."

    if len(text) > 40 * max_len:  # a huge paste: refuse before any other work
        return _fail(f"That is far too long ({len(text):,} characters). {expected}")
    raised = [ch for ch in text if unicodedata.decomposition(ch).startswith(_RAISED)]
    if raised:  # refused before NFKC, which would silently turn 1² into 12 and 2³ into 23
        if unicodedata.decomposition(raised[0]).startswith("<fraction>"):
            return _fail(f"'{raised[0]}' is a fraction character: type it as a decimal, e.g. 0.5. {expected}")
        return _fail(
            f"'{raised[0]}' is a superscript or subscript, which would be read as a digit (1² as 12): type the "
            f"values, e.g. 1, 4, 9, 16. {expected}"
        )
    # full-width digits and commas become ASCII (NFKC); the typographic minus and the ideographic comma are accepted
    cleaned = unicodedata.normalize("NFKC", text).replace("\u2212", "-").replace("\u3001", ",").strip()
    if len(cleaned) >= 2 and _BRACKETS.get(cleaned[0]) == cleaned[-1]:  # a list such as [3, 6, 9, 12]
        cleaned = cleaned[1:-1].strip()
    cleaned = cleaned.rstrip(",").strip()
    if not cleaned:
        return _fail(f"The box is empty. {expected}")
    if len(cleaned) > 40 * max_len:
        return _fail(f"That is far too long ({len(cleaned):,} characters). {expected}")
    thousands = _THOUSANDS.search(cleaned)
    if thousands and _MIXED_SEPARATORS.search(cleaned):
        return _fail(
            f"'{thousands.group()}' looks like a thousands separator, but commas separate numbers here: write "
            f"1000, not 1,000. {expected}"
        )
    decimal = _DECIMAL_COMMA.search(cleaned)
    if decimal and _OTHER_SEPARATORS.search(cleaned):
        return _fail(
            f"'{decimal.group()}' looks like a decimal comma; commas separate numbers here: write "
            f"{decimal.group().replace(',', '.')}. {expected}"
        )
    if "," in cleaned:
        tokens = [token.strip() for token in cleaned.split(",")]
    else:
        tokens = cleaned.split()
    if any(not token for token in tokens):
        return _fail(f"There is an empty entry (two commas in a row?). {expected}")
    if len(tokens) > max_len:
        return _fail(f"You typed {len(tokens):,} numbers, but at most {max_len} fit. {expected}")

    values = []
    for token in tokens:
        if token.lower() in _NOT_FINITE:
            return _fail(f"'{token}' is not a finite number. {expected}")
        if not _NUMBER.fullmatch(token):
            shown = token if len(token) <= 20 else token[:17] + "..."
            hint = " (use commas or spaces between numbers)" if len(token.split()) > 1 else ""
            return _fail(f"'{shown}' is not a number{hint}. {expected}")
        value = float(token)
        if value == 0 and re.search(r"[1-9]", token.lower().split("e")[0]):
            return _fail(f"{token} is too small for the computer's numbers: it underflows to 0. {expected}")
        if not math.isfinite(value) or abs(value) > max_abs:
            return _fail(f"{token} is too large: use numbers between -{max_abs:g} and {max_abs:g}. {expected}")
        values.append(value)
    if len(values) < min_len:
        count = "one number" if len(values) == 1 else f"{len(values)} numbers"
        return _fail(f"You typed {count}, but the model reads {min_len}. {expected}")
    return ParsedSequence(tuple(values), "")

"""The typed-sequence parser of notebook 08: every bad input gets a friendly message, never an exception."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lstm_helpers.parsing import MAX_ABS_VALUE, ParsedSequence, parse_sequence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3, 6, 9, 12", (3.0, 6.0, 9.0, 12.0)),
        ("2,4,6,8", (2.0, 4.0, 6.0, 8.0)),
        ("  1 2 3 4  ", (1.0, 2.0, 3.0, 4.0)),
        ("1.5, -2, +3e2, .5", (1.5, -2.0, 300.0, 0.5)),
        ("\u22121, 0, 1, 2", (-1.0, 0.0, 1.0, 2.0)),  # the typographic minus sign
        ("1, 2, 3, 4,", (1.0, 2.0, 3.0, 4.0)),  # a trailing comma is forgiven
        ("1, 2, 3, 4, 5, 6", (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)),
        ("[3, 6, 9, 12]", (3.0, 6.0, 9.0, 12.0)),  # a Python list
        ("(3, 6, 9, 12)", (3.0, 6.0, 9.0, 12.0)),
        ("\uff13\uff0c\uff16\uff0c\uff19\uff0c\uff11\uff12", (3.0, 6.0, 9.0, 12.0)),  # full-width digits and commas
        ("3\uff0c 6\uff0c 9\uff0c 12", (3.0, 6.0, 9.0, 12.0)),  # full-width commas
        ("3\u3001 6\u3001 9\u3001 12", (3.0, 6.0, 9.0, 12.0)),  # ideographic commas
        ("100,200,300,400", (100.0, 200.0, 300.0, 400.0)),  # no spaces anywhere: four numbers, not thousands
        ("1e-300, 2e-300, 3e-300, 9e-300", (1e-300, 2e-300, 3e-300, 9e-300)),  # parsed; range_notes flags the steps
        ("0, 0.0, 0e5, 1", (0.0, 0.0, 0.0, 1.0)),  # a written zero is not an underflow
    ],
)
def test_valid_inputs_parse(text, expected):
    parsed = parse_sequence(text)
    assert parsed.ok and parsed.message == ""
    assert parsed.values == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", ["empty"]),
        ("   ", ["empty"]),
        ("hello", ["'hello'", "not a number"]),
        ("1, 2, three, 4", ["'three'", "not a number"]),
        ("1,,2", ["empty entry"]),
        ("1, 2,, 3, 4", ["empty entry"]),
        ("7", ["one number", "reads 4"]),
        ("1, 2", ["2 numbers", "reads 4"]),
        ("nan, 1, 2, 3", ["'nan'", "not a finite number"]),
        ("1, 2, inf, 4", ["'inf'", "not a finite number"]),
        ("1, 2, 3, -Infinity", ["not a finite number"]),
        ("1e30, 1, 2, 3", ["1e30", "too large"]),
        ("1e400, 1, 2, 3", ["too large"]),  # float('1e400') is inf
        (", ".join(["1"] * 10_000), ["far too long"]),
        (" ".join(["1"] * 10_000), ["far too long"]),
        (", ".join(["1"] * 25), ["25 numbers", "at most 20"]),
        ("1_000, 2, 3, 4", ["not a number"]),  # Python's float() would accept it; a learner would not mean it
        ("1 2, 3, 4, 5", ["'1 2'", "commas or spaces"]),
        ("0x10, 1, 2, 3", ["not a number"]),
        ("1,000, 2,000, 3,000, 4,000", ["'1,000'", "thousands separator", "commas separate numbers"]),
        ("1,000 2,000 3,000 4,000", ["thousands separator"]),
        ("1e-400, 1, 2, 3", ["1e-400", "underflows to 0"]),
        ("1, 2, 3, 4.5e-999", ["underflows to 0"]),
        ("[1, 2]", ["2 numbers"]),
        ("1², 2², 3², 4²", ["'²'", "superscript", "1² as 12"]),  # NFKC would read 12, 22, 32, 42
        ("2³ 3³ 4³ 5³", ["'³'", "superscript"]),
        ("x₁, 2, 3, 4", ["'₁'", "subscript"]),
        ("½, 1, 1½, 2", ["'½'", "fraction", "0.5"]),
        ("1,5, 3, 4,5, 6", ["'1,5'", "decimal comma", "write 1.5"]),
        ("1,5; 3; 4,5; 6", ["decimal comma"]),
        ("1,5 3 4,5 6", ["decimal comma"]),
    ],
)
def test_bad_inputs_give_a_message_saying_what_was_expected(text, words):
    parsed = parse_sequence(text)
    assert not parsed.ok and parsed.values == ()
    for word in words:
        assert word in parsed.message
    assert "3, 6, 9, 12" in parsed.message  # every message shows an example of what works
    assert len(parsed.message) < 200  # short enough to read in a widget


def test_limits_are_configurable():
    assert parse_sequence("1, 2", min_len=2).ok
    assert not parse_sequence("1, 2, 3", min_len=2, max_len=2).ok
    assert parse_sequence(f"{MAX_ABS_VALUE:g}, 1, 2, 3").ok
    assert "too large" in parse_sequence("50, 1, 2, 3", max_abs=10).message


def test_non_text_is_a_programming_error():
    with pytest.raises(TypeError, match="string"):
        parse_sequence([1, 2, 3, 4])
    with pytest.raises(ValueError, match="max_len"):
        parse_sequence("1, 2, 3, 4", min_len=5, max_len=3)


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=4, max_size=20))
def test_printed_lists_round_trip(values):
    parsed = parse_sequence(", ".join(repr(v) for v in values))
    assert parsed.ok
    assert all(math.isclose(a, b) or a == b for a, b in zip(parsed.values, values, strict=True))


@given(st.text(max_size=300))
def test_any_text_returns_a_result_never_an_exception(text):
    parsed = parse_sequence(text)
    assert isinstance(parsed, ParsedSequence)
    assert parsed.ok == (parsed.message == "")
    if parsed.ok:
        assert 4 <= len(parsed.values) <= 20 and all(math.isfinite(v) for v in parsed.values)

"""Notebook 09's "train on your own text" helpers (lstm_helpers.char_training): clear messages, a short real run."""

import pytest
import torch

from lstm_helpers.char_data import load_vocabulary
from lstm_helpers.char_training import MIN_OWN_TEXT_CHARS, prepare_own_text, train_on_text

TEXT = "def add(a, b):\n    return a + b\n\n" * 80  # 2,720 characters


def test_own_text_from_a_string_or_a_file(tmp_path):
    ids, note = prepare_own_text(TEXT)
    assert load_vocabulary().decode(ids) == TEXT and note == f"{len(TEXT):,} characters"
    path = tmp_path / "notes.txt"
    path.write_text(TEXT, encoding="utf-8")
    for given in (str(path), path):
        assert torch.equal(prepare_own_text(given)[0], ids)


def test_characters_the_course_cannot_encode_are_left_out_and_named():
    ids, note = prepare_own_text("Grüße aus Köln! " * 200)
    assert "'ü'" in note and "'ö'" in note and "left out" in note and "400 character(s)" in note
    assert "ü" not in load_vocabulary().decode(ids) and "ß" in load_vocabulary().decode(ids)


def test_too_short_or_wrong_type_is_explained():
    with pytest.raises(ValueError, match=f"at least {MIN_OWN_TEXT_CHARS:,}"):
        prepare_own_text("print('hello')")
    with pytest.raises(ValueError, match="usable characters"):
        prepare_own_text("é" * 5000)  # long, but nothing the model can read
    with pytest.raises(TypeError, match="string of text or a file path"):
        prepare_own_text(b"bytes")
    with pytest.raises(FileNotFoundError, match="no file"):
        prepare_own_text(__import__("pathlib").Path("/no/such/file.txt"))


def test_train_on_text_trains_for_the_time_given_and_samples():
    torch.set_num_threads(1)
    ids, _ = prepare_own_text(TEXT)
    model, report = train_on_text(ids, seconds=1.0, num_sample_chars=50)
    assert report["steps"] > 0 and len(report["sample"]) == 50 and report["prompt"] == TEXT[:20]
    assert 0 < report["train_bpc"] < 8 and not model.training

"""The capstone's frozen text, its topic split and the vocabulary (lstm_helpers.char_data, notebook 09)."""

import lzma

import pytest
import torch

from lstm_helpers import char_data
from lstm_helpers.char_data import Vocabulary, load_text, load_topics, load_vocabulary, text_metadata, topic_split


def test_frozen_text_matches_its_recorded_hash_and_size():
    text, meta = load_text(), text_metadata()
    assert char_data.sha256(text) == meta["sha256"]
    assert len(text) == meta["num_chars"] == 465_048
    assert len(set(text)) == meta["num_distinct_chars"] == 103
    assert "Python Software Foundation" in meta["licence"]


def test_damaged_text_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    damaged = tmp_path / "pydoc_topics.txt.xz"
    damaged.write_bytes(lzma.compress(load_text().replace("lambda", "LAMBDA", 1).encode("utf-8")))
    monkeypatch.setattr(char_data, "TEXT_FILE", damaged)
    char_data.load_text.cache_clear()
    try:
        with pytest.raises(ValueError, match="does not match its recorded sha256"):
            char_data.load_text()
    finally:
        char_data.load_text.cache_clear()


def test_topics_rebuild_the_text_in_sorted_order():
    topics = load_topics()
    names = [name for name, _ in topics]
    assert names == sorted(names) and len(names) == 79
    assert char_data.join_topics(dict(topics)) == load_text()


def test_split_is_by_topic_and_no_validation_topic_is_in_training():
    train, val, train_names, val_names = topic_split(return_names=True)
    topics = dict(load_topics())
    assert val_names == [name for name, _ in load_topics()][-8:]  # the last 10% of 79 topics, rounded up
    assert not set(train_names) & set(val_names)
    assert train == "\n".join(topics[n] for n in train_names)
    assert val == "\n".join(topics[n] for n in val_names)
    for name in val_names:  # no validation topic (a long one is never a shared phrase) occurs inside the training text
        if len(topics[name]) > 2000:
            assert topics[name] not in train
    assert len(train) + 1 + len(val) == len(load_text())


def test_split_rejects_a_bad_fraction():
    with pytest.raises(ValueError, match="between 0 and 1"):
        topic_split(1.5)


def test_vocabulary_round_trip_and_ids():
    vocab = load_vocabulary()
    assert len(vocab) == 103 and vocab.chars == sorted(vocab.chars)
    ids = vocab.encode('def f(x):\n    return "x"')
    assert ids.dtype == torch.long and ids.dim() == 1
    assert vocab.decode(ids) == 'def f(x):\n    return "x"'


def test_vocabulary_names_the_characters_it_does_not_know():
    vocab = load_vocabulary()
    with pytest.raises(ValueError) as error:
        vocab.encode("naïve 🐍 code")
    message = str(error.value)
    assert "'ï'" in message and "'🐍'" in message and "unknown='drop'" in message
    assert vocab.unknown_chars("naïve 🐍 ïï") == ["ï", "🐍"]
    assert vocab.describe_unknown("plain") == ""
    assert vocab.decode(vocab.encode("naïve", unknown="drop")) == "nave"
    assert vocab.decode(vocab.encode("naïve", unknown="replace", replacement="?")) == "na?ve"


def test_vocabulary_errors_are_clear():
    vocab = Vocabulary("abc")
    with pytest.raises(TypeError, match="needs a str"):
        vocab.encode(123)
    with pytest.raises(ValueError, match="'error', 'drop' or 'replace'"):
        vocab.encode("a", unknown="ignore")
    with pytest.raises(ValueError, match="from 0 to 2"):
        vocab.decode([0, 5])
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary("aab")
    with pytest.raises(ValueError, match="single characters"):
        Vocabulary([])

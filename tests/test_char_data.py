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


def _windows(texts, width=char_data.WINDOW):
    """Every ``width``-character substring of each text (none spans two texts): a brute-force containment check."""
    return {t[i : i + width] for t in texts for i in range(len(t) - width + 1)}


def test_split_has_three_disjoint_parts_that_cover_every_topic():
    split = topic_split()
    topics = dict(load_topics())
    parts = {"train": split.train_names, "validation": split.validation_names, "test": split.test_names}
    for name, part in parts.items():
        assert part and len(set(part)) == len(part), name
        assert getattr(split, name) == "\n".join(topics[n] for n in part)  # each part is its topics, joined
    train, val, test = (set(p) for p in parts.values())
    assert not train & val and not train & test and not val & test
    assert train | val | test == set(topics)
    assert len(split.train) + len(split.validation) + len(split.test) + 2 == len(load_text())


def test_held_out_parts_are_large_enough_and_no_topic_dominates_them():
    split = topic_split()
    topics = dict(load_topics())
    for names, text in ((split.validation_names, split.validation), (split.test_names, split.test)):
        assert len(text) >= char_data.HELD_OUT_CHARS
        assert max(len(topics[n]) for n in names) <= char_data.MAX_HELD_OUT_TOPIC_CHARS


def test_no_held_out_topic_shares_more_than_a_fifth_of_its_windows_with_training():
    split = topic_split()
    topics = dict(load_topics())
    train_windows = _windows([topics[n] for n in split.train_names])
    shares = {}
    for name in split.validation_names + split.test_names:
        own = _windows([topics[name]])
        shares[name] = len(own & train_windows) / len(own) if own else 0.0
    for name in ("return", "typesmethods"):  # the package's hashed count agrees with this brute-force one
        assert shares[name] == pytest.approx(char_data.containment(topics[name], split.train), abs=0.01)
    worst = sorted(shares.items(), key=lambda item: -item[1])[:5]
    print("largest held-out shares of 50-character windows found in training:", worst)
    assert max(shares.values()) <= char_data.GROUP_SHARE
    # the rule has teeth: `while` and `with`, sections of `compound`, would break it if they were held out
    compound = _windows([topics["compound"]])
    for name in ("while", "with"):
        own = _windows([topics[name]])
        assert len(own & compound) / len(own) > 0.9 and name in split.train_names


def test_nested_topic_groups_are_wholly_in_training():
    split = topic_split()
    groups = char_data.topic_groups()
    assert {"compound", "for", "if", "while", "with"} <= set(max(groups, key=len))  # sections of `compound`
    for group in groups:
        assert set(group) <= set(split.train_names), group
    names, share = char_data.topic_containment()
    linked = (share >= char_data.GROUP_SHARE) | (share.T >= char_data.GROUP_SHARE)
    held = {names.index(n) for n in split.validation_names + split.test_names}
    assert not any(linked[i].any() for i in held)  # no held-out topic is linked to any other topic


def test_split_is_deterministic():
    first = topic_split()
    topic_split.cache_clear()
    try:
        again = topic_split()
    finally:
        topic_split.cache_clear()
    assert again == first


def test_containment_counts_shared_windows():
    assert char_data.containment("abcdef", "xxabcdefyy", window=3) == 1.0
    assert char_data.containment("abcdef", "abc", window=3) == 0.25  # abc of abc, bcd, cde, def
    assert char_data.containment("abcdef", ["abcd", "ef"], window=3) == 0.5  # windows never span two references
    assert char_data.containment("ab", "ab", window=3) == 0.0  # too short to have a window


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

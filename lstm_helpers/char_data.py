"""The capstone's text: Python's documentation topics, frozen into the package; the topic split; the vocabulary.

Introduced in notebook 09 (``09_character_language_model``); notebook 10 uses it too.

The text is ``pydoc_data.topics.topics`` (it ships with CPython, PSF licence), its topics joined in sorted key order
with one newline between topics. It changes between Python patch releases, so one copy is frozen in
``lstm_helpers/data/pydoc_topics.txt.xz`` with its sha256 and topic list in ``pydoc_topics.json``; rebuild both with
``python tools/char_model.py freeze``. Every notebook and the shipped weights use that copy.
"""

import hashlib
import json
import lzma
import math
from functools import lru_cache
from pathlib import Path

import torch

__all__ = [
    "DATA_DIR",
    "TEXT_FILE",
    "TEXT_META_FILE",
    "VALIDATION_FRACTION",
    "join_topics",
    "load_text",
    "load_topics",
    "text_metadata",
    "topic_split",
    "Vocabulary",
    "load_vocabulary",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
TEXT_FILE = DATA_DIR / "pydoc_topics.txt.xz"
TEXT_META_FILE = DATA_DIR / "pydoc_topics.json"
VALIDATION_FRACTION = 0.1
REBUILD = "python tools/char_model.py freeze"


def join_topics(topics):
    """The course's text from a ``{name: text}`` dict: topics in sorted name order, joined with one newline."""
    return "\n".join(topics[name] for name in sorted(topics))


def sha256(text):
    """Hex sha256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def text_metadata():
    """The frozen text's metadata: sha256, source, Python version, licence, and each topic's name and length."""
    if not TEXT_META_FILE.exists():
        raise FileNotFoundError(
            f"The frozen text's metadata {TEXT_META_FILE} is missing. Rebuild it with `{REBUILD}` "
            "from the repository root, or reinstall the package (pip install -e .)."
        )
    return json.loads(TEXT_META_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_text():
    """The frozen text (a ``str`` of 465,048 characters for the copy from Python 3.11.7), checked against its sha256."""
    meta = text_metadata()
    if not TEXT_FILE.exists():
        raise FileNotFoundError(f"The frozen text {TEXT_FILE} is missing. Rebuild it with `{REBUILD}`.")
    text = lzma.decompress(TEXT_FILE.read_bytes()).decode("utf-8")
    digest = sha256(text)
    if digest != meta["sha256"]:
        raise ValueError(
            f"The frozen text {TEXT_FILE.name} does not match its recorded sha256 (got {digest[:12]}..., expected "
            f"{meta['sha256'][:12]}...). The file was changed or damaged: restore it from git "
            f"(git checkout lstm_helpers/data/{TEXT_FILE.name}) or rebuild it with `{REBUILD}`."
        )
    return text


def load_topics():
    """The frozen text as a list of ``(name, topic_text)`` pairs, in sorted name order (the order of the text)."""
    text, topics, start = load_text(), [], 0
    for name, length in text_metadata()["topics"]:
        topics.append((name, text[start : start + length]))
        start += length + 1  # one newline between topics
    if start - 1 != len(text):
        raise ValueError("The topic lengths in the metadata do not add up to the frozen text. Rebuild with " + REBUILD)
    return topics


def topic_split(validation_fraction=VALIDATION_FRACTION, return_names=False):
    """Split the text by topic, never inside one: ``(train_text, validation_text)``.

    Validation is the last ``ceil(validation_fraction * num_topics)`` topics in sorted name order (8 of 79 topics:
    ``typesmethods`` ... ``yield``, 37,974 characters, 8.2% of the text). Why: whole topics, so no sentence or code
    example is cut in two with one half in each set; the last ones in alphabetical order, so the choice is fixed in
    advance and not picked for being easy. The docs repeat phrases across topics, which the compressors exploit.
    Each side is its topics joined with newlines. ``return_names=True`` also returns the two lists of topic names.
    """
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must be between 0 and 1 (e.g. 0.1), but got {validation_fraction}.")
    topics = load_topics()
    num_validation = math.ceil(validation_fraction * len(topics))
    train, validation = topics[:-num_validation], topics[-num_validation:]
    train_text = "\n".join(t for _, t in train)
    validation_text = "\n".join(t for _, t in validation)
    if return_names:
        return train_text, validation_text, [n for n, _ in train], [n for n, _ in validation]
    return train_text, validation_text


class Vocabulary:
    """The characters a model knows, with ``encode`` (text -> ids) and ``decode`` (ids -> text).

    Ids are positions in ``chars`` (sorted). ``encode`` refuses characters outside the vocabulary and names them;
    pass ``unknown="drop"`` to leave them out or ``unknown="replace"`` to write ``replacement`` instead.
    """

    def __init__(self, chars):
        chars = list(chars)
        if not chars or not all(isinstance(ch, str) and len(ch) == 1 for ch in chars):
            raise ValueError("A Vocabulary needs a non-empty list of single characters, e.g. Vocabulary('abc').")
        if len(set(chars)) != len(chars):
            raise ValueError("The vocabulary's characters must be distinct.")
        self.chars = sorted(chars)
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text):
        """The vocabulary of every distinct character in ``text``."""
        return cls(set(text))

    def __len__(self):
        return len(self.chars)

    def __contains__(self, ch):
        return ch in self.index

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.chars == other.chars

    def __repr__(self):
        return f"Vocabulary({len(self)} characters)"

    def unknown_chars(self, text):
        """The distinct characters of ``text`` that are not in the vocabulary, in order of first appearance."""
        return list(dict.fromkeys(ch for ch in text if ch not in self.index))

    def describe_unknown(self, text, limit=10):
        """A short sentence naming the characters of ``text`` outside the vocabulary ('' if there are none)."""
        unknown = self.unknown_chars(text)
        if not unknown:
            return ""
        shown = ", ".join(repr(ch) for ch in unknown[:limit]) + (" ..." if len(unknown) > limit else "")
        return f"{len(unknown)} character(s) are not in the model's {len(self)}-character vocabulary: {shown}."

    def encode(self, text, unknown="error", replacement=" "):
        """``text`` as a 1-D ``torch.long`` tensor of ids.

        ``unknown``: ``"error"`` (default) raises a ``ValueError`` naming the characters outside the vocabulary;
        ``"drop"`` leaves them out; ``"replace"`` writes ``replacement`` (a vocabulary character) instead.
        """
        if not isinstance(text, str):
            raise TypeError(f"encode needs a str, but got {type(text).__name__}. Pass the text itself, e.g. 'def f'.")
        if unknown not in ("error", "drop", "replace"):
            raise ValueError(f"unknown must be 'error', 'drop' or 'replace', but got {unknown!r}.")
        message = self.describe_unknown(text)
        if message:
            if unknown == "error":
                raise ValueError(message + " Remove them, or encode with unknown='drop' or unknown='replace'.")
            if unknown == "drop":
                text = "".join(ch for ch in text if ch in self.index)
            else:
                if replacement not in self.index:
                    raise ValueError(f"replacement {replacement!r} is not in the vocabulary itself.")
                text = "".join(ch if ch in self.index else replacement for ch in text)
        return torch.tensor([self.index[ch] for ch in text], dtype=torch.long)

    def decode(self, ids):
        """The text of a sequence of ids (a list or a 1-D tensor)."""
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1:
                raise ValueError(f"decode needs a 1-D sequence of ids, but got shape {tuple(ids.shape)}.")
            ids = ids.tolist()
        bad = [i for i in ids if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(self)]
        if bad:
            raise ValueError(f"decode needs whole-number ids from 0 to {len(self) - 1}, but got {bad[0]!r}.")
        return "".join(self.chars[i] for i in ids)


@lru_cache(maxsize=1)
def load_vocabulary():
    """The course's vocabulary: every distinct character of the frozen text (103 characters)."""
    return Vocabulary.from_text(load_text())

"""The capstone's text: Python's documentation topics, frozen into the package; the topic split; the vocabulary.

Introduced in notebook 09 (``09_character_language_model``); notebook 10 uses it too.

The text is ``pydoc_data.topics.topics`` (it ships with CPython, PSF licence), its topics joined in sorted key order
with one newline between topics. It changes between Python patch releases, so one copy is frozen in
``lstm_helpers/data/pydoc_topics.txt.xz`` with its sha256 and topic list in ``pydoc_topics.json``; rebuild both with
``python tools/char_model.py freeze``. Every notebook and the shipped weights use that copy. ``topic_split``
divides it into train, validation and test by whole topics, keeping topics that copy each other on the training side.
"""

import hashlib
import json
import lzma
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

__all__ = [
    "DATA_DIR",
    "TEXT_FILE",
    "TEXT_META_FILE",
    "WINDOW",
    "GROUP_SHARE",
    "Split",
    "containment",
    "topic_containment",
    "topic_groups",
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


WINDOW = 50  # characters: a shared window this long is a copied passage, not a shared phrase
GROUP_SHARE = 0.2  # topics sharing at least this fraction of their windows (either way) stay together
MAX_HELD_OUT_TOPIC_CHARS = 15_000  # no single topic dominates a held-out set (and its interval)
HELD_OUT_CHARS = 40_000  # each of validation and test gets at least this many characters
_HASH_BASE = np.uint64(0x9E3779B97F4A7C15)  # an odd 64-bit multiplier for the window hash


def _window_hashes(text, window=WINDOW):
    """A 64-bit hash of every ``window``-character substring of ``text`` (one per start position).

    Distinct windows collide with probability about ``n**2 / 2**64`` (below 1e-8 for this text).
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    n = len(codes) - window + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(window):
            h = h * _HASH_BASE + codes[j : j + n]
    return h


def _found_in(queries, sorted_reference):
    """For each query hash, whether it is in ``sorted_reference`` (a sorted array): a binary search, no hashing."""
    if len(sorted_reference) == 0:
        return np.zeros(len(queries), dtype=bool)
    pos = np.searchsorted(sorted_reference, queries).clip(max=len(sorted_reference) - 1)
    return sorted_reference[pos] == queries


def _distinct_windows(texts, window=WINDOW):
    """Sorted distinct hashes of the ``window``-character substrings of ``texts`` (none spans two texts)."""
    return np.unique(np.concatenate([_window_hashes(t, window) for t in texts] or [np.zeros(0, np.uint64)]))


def _share_found(windows, sorted_reference):
    """The share of ``windows`` (distinct hashes) found in ``sorted_reference``; 0 for a text with no window."""
    return float(_found_in(windows, sorted_reference).mean()) if len(windows) else 0.0


def containment(held_out, reference, window=WINDOW):
    """The share of ``held_out``'s distinct ``window``-character substrings that also occur in ``reference``.

    0 means no passage of that length is copied; 1 means every one is. ``reference`` may be a string or a list of
    strings (substrings never span two of them).
    """
    if isinstance(reference, str):
        reference = [reference]
    return _share_found(_distinct_windows([held_out], window), _distinct_windows(reference, window))


@lru_cache(maxsize=4)
def topic_containment(window=WINDOW):
    """``(names, share)``: ``share[a, b]`` is the fraction of topic a's distinct windows that occur in topic b."""
    topics = load_topics()
    names = [name for name, _ in topics]
    hashes = [_distinct_windows([text], window) for _, text in topics]
    sizes = np.array([len(h) for h in hashes])
    every, owner = np.concatenate(hashes), np.repeat(np.arange(len(topics)), sizes)
    _, inverse, counts = np.unique(every, return_inverse=True, return_counts=True)
    shared = counts[inverse] > 1  # windows found in two or more topics
    rows = np.unique(inverse[shared], return_inverse=True)[1]
    incidence = np.zeros((rows.max() + 1 if len(rows) else 0, len(topics)), dtype=np.float32)
    incidence[rows, owner[shared]] = 1.0
    together = incidence.T @ incidence  # [a, b]: windows of a that are also in b
    np.fill_diagonal(together, 0.0)
    return names, together / np.maximum(sizes, 1)[:, None]


def topic_groups(threshold=GROUP_SHARE, window=WINDOW):
    """Topics linked by containment: lists of names whose windows overlap by ``threshold`` or more (either way),
    joined transitively. Single topics are left out. ``compound`` with ``if``, ``for``, ``while``, ``with`` ... is
    one."""
    names, share = topic_containment(window)
    linked = (share >= threshold) | (share.T >= threshold)
    group_of = list(range(len(names)))

    def root(i):
        while group_of[i] != i:
            i = group_of[i]
        return i

    for a, b in zip(*np.nonzero(linked), strict=True):
        group_of[root(a)] = root(b)
    groups = {}
    for i, name in enumerate(names):
        groups.setdefault(root(i), []).append(name)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: (-len(g), g))


class Split(NamedTuple):
    """The three parts of the text, each its topics joined with newlines, and their topic names."""

    train: str
    validation: str
    test: str
    train_names: list
    validation_names: list
    test_names: list


def _name_order(name):
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def topic_split():
    """Split the text by whole topics into train, validation and test (a ``Split``), so that nothing leaks.

    The rule, fixed before any model was scored:

    1. *Nested topics stay in training.* The documentation repeats itself: ``if``, ``else``, ``for``, ``while`` and
       ``with`` are sections of ``compound``, ``customization`` is a section of ``specialnames``, and so on. Two
       topics are linked when either shares at least 20% (``GROUP_SHARE``) of its distinct 50-character windows
       (``WINDOW``) with the other; linked topics (``topic_groups``: 8 groups, 31 topics) are never held out.
    2. *No topic dominates.* Held-out candidates are the unlinked topics of at most 15,000 characters.
    3. *A content-blind order.* Candidates are ordered by the sha256 of their name (a fixed shuffle that cannot pick
       easy topics) and dealt out: each goes to test or validation, whichever is shorter, until both have at least
       40,000 characters (``HELD_OUT_CHARS``). Everything else is training.
    4. *Checked.* No held-out topic shares more than 20% of its 50-character windows with the training text (the
       largest share is 8%, ``return``); the function raises if a new copy of the text breaks that.

    Validation makes every choice (checkpoints, dropout, n-gram order, learning rates, cells); test is reported once
    per model and never used for a choice.
    """
    topics = load_topics()
    grouped = {name for group in topic_groups() for name in group}
    candidates = sorted(
        (name for name, text in topics if name not in grouped and len(text) <= MAX_HELD_OUT_TOPIC_CHARS),
        key=_name_order,
    )
    lengths = dict((name, len(text)) for name, text in topics)
    held = {"test": [], "validation": []}
    size = {"test": 0, "validation": 0}
    for name in candidates:
        open_parts = [part for part in ("test", "validation") if size[part] < HELD_OUT_CHARS]
        if not open_parts:
            break
        part = min(open_parts, key=lambda p: (size[p], p == "validation"))
        held[part].append(name)
        size[part] += lengths[name]
    held_out = set(held["test"]) | set(held["validation"])
    by_name = dict(topics)
    train_names = [name for name, _ in topics if name not in held_out]
    names = {
        "train": train_names,
        "validation": sorted(held["validation"]),
        "test": sorted(held["test"]),
    }
    parts = {part: "\n".join(by_name[n] for n in part_names) for part, part_names in names.items()}
    train_windows = _distinct_windows([by_name[n] for n in train_names])  # hashed once for every held-out topic
    for name in held_out:
        share = _share_found(_distinct_windows([by_name[name]]), train_windows)
        if share > GROUP_SHARE:
            raise ValueError(
                f"Held-out topic {name!r} shares {share:.0%} of its {WINDOW}-character windows with the training "
                f"text (the rule allows {GROUP_SHARE:.0%}). The frozen text changed: rebuild with `{REBUILD}` and "
                "review the split rule in lstm_helpers/char_data.py."
            )
    return Split(
        parts["train"], parts["validation"], parts["test"], names["train"], names["validation"], names["test"]
    )


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

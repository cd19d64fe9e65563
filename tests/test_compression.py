"""The compressor of notebook 11: byte-exact round trips, code lengths equal to the model's, clear errors for files
that cannot be recovered (never wrong text), and the command-line tool."""

import json
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from lstm_helpers import compression
from lstm_helpers.char_data import DATA_DIR, load_vocabulary, topic_split
from lstm_helpers.char_model import CharLSTM, char_bits, dynamic_bits, load_shipped
from lstm_helpers.compression import (
    ESCAPE_CHAR,
    MAGIC,
    CompressionError,
    compress,
    decompress,
    read_header,
    split_escapes,
)

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "char_model.py"


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(11)
    return CharLSTM(len(load_vocabulary()), embedding_dim=8, hidden_size=16, dropout=0.0).eval()


@pytest.fixture(scope="module")
def excerpt():
    return topic_split().test[:600]


@pytest.mark.parametrize("method", ["uniform", "unigram", "lstm", "lstm-dynamic"])
def test_round_trip_every_method(method, tiny, excerpt):
    settings = {"chunk_len": 20} if method == "lstm-dynamic" else {}
    data, bits = compress(excerpt, method, model=tiny, return_bits=True, **settings)
    assert decompress(data, model=tiny) == excerpt
    header, payload = read_header(data)
    assert header["method"] == method and header["num_chars"] == len(excerpt)
    assert bits.sum() <= 8 * len(payload) <= bits.sum() + 0.01 * len(excerpt) + 16  # quantisation + closing bits


@pytest.mark.parametrize("text", ["", "a", "\n", "))))))))" * 60])
def test_short_and_repetitive_texts(text, tiny):
    for method in ("lstm", "lstm-dynamic", "uniform"):
        assert decompress(compress(text, method, model=tiny), model=tiny) == text


def test_uniform_payload_is_log2_of_the_vocabulary(excerpt):
    _, payload = read_header(compress(excerpt, "uniform"))
    per_char = 8 * len(payload) / len(excerpt)
    assert abs(per_char - np.log2(103)) < 0.02


def test_lstm_code_lengths_are_the_models_cross_entropy():
    model, _ = load_shipped()
    vocab, text = load_vocabulary(), topic_split().test[:600]
    ids = vocab.encode(text)
    _, static = compress(text, "lstm", model=model, return_bits=True)
    assert np.abs(static - char_bits(model, ids)).max() < 1e-3  # one step at a time = nn.LSTM, up to rounding
    _, dynamic = compress(text, "lstm-dynamic", model=model, return_bits=True)
    assert abs(dynamic.mean() - dynamic_bits(model, ids).mean()) < 1e-3
    assert abs(static.sum() - dynamic.sum()) > 1  # the dynamic model did learn something


def test_dynamic_compression_leaves_the_model_unchanged(tiny, excerpt):
    before = {k: v.clone() for k, v in tiny.state_dict().items()}
    compress(excerpt[:200], "lstm-dynamic", model=tiny)
    assert all(torch.equal(before[k], v) for k, v in tiny.state_dict().items())


@pytest.mark.parametrize("text", ["café\r\n", "é", "😀😀 at both ends 😀", "naïve\r\nline two\r\n" * 3,
                                  "ü" * 300, "Ω" + "plain text " * 20 + "\U0010ffff"])
@pytest.mark.parametrize("method", ["lstm", "lstm-dynamic", "unigram"])
def test_characters_outside_the_vocabulary_come_back_exactly(tiny, text, method):
    data = compress(text, method, model=tiny)
    assert decompress(data, model=tiny) == text
    header, _ = read_header(data)
    assert [ch for _, ch in header["escapes"]] == [ch for ch in text if ch not in load_vocabulary().index]


def test_escaped_characters_cost_a_few_bytes_each(tiny):
    plain = "the quick brown fox jumps over the lazy dog " * 5
    accented = plain.replace("o", "ö")
    extra = len(compress(accented, "lstm", model=tiny)) - len(compress(plain, "lstm", model=tiny))
    assert 0 < extra <= 4 * accented.count("ö")
    text, escapes = split_escapes("a\rb", load_vocabulary())
    assert text == "a" + ESCAPE_CHAR + "b" and escapes == [(1, "\r")]


def test_a_damaged_escape_list_is_an_error_not_wrong_text(tiny):
    data = bytearray(compress("café", "lstm", model=tiny))
    header, payload = read_header(bytes(data))
    start = len(data) - len(payload) - 4 - 4  # the escape list: count 1, gap 3, code point of é (2 bytes)
    assert data[start] == 1
    data[start + 1] = 40  # the é moved beyond the text's end (the CRC is not updated: it is caught first)
    with pytest.raises(CompressionError):
        decompress(bytes(data), model=tiny)


def _flip(data, position):
    damaged = bytearray(data)
    damaged[position] ^= 0x10
    return bytes(damaged)


def test_damaged_truncated_and_foreign_files_give_clear_errors(tiny, excerpt):
    data = compress(excerpt[:300], "lstm", model=tiny)
    cases = {
        "truncated": data[:-3],
        "extra bytes": data + b"\0",
        "payload flipped": _flip(data, len(data) - 5),
        "header flipped": _flip(data, len(MAGIC) + 2),
        "header cut": data[: len(MAGIC) + 6],
        "foreign": b"\xfd7zXZ\0 an xz file",
        "empty": b"",
        "other version": MAGIC[:-1] + b"\x09" + data[len(MAGIC) :],
    }
    for name, bad in cases.items():
        with pytest.raises(CompressionError) as error:
            decompress(bad, model=tiny)
        assert len(str(error.value)) > 40, name  # a sentence that says what to do, not a bare code
    with pytest.raises(TypeError, match="bytes"):
        decompress(excerpt, model=tiny)


def _reseal(data, edit):
    """``data`` with its header fields changed by ``edit(fields)`` and a valid CRC again (a forged file)."""
    fields, payload = read_header(data)
    edit(fields)
    return compression._pack_header(fields, payload) + payload


def test_wrong_probabilities_are_caught_by_the_checksum_never_wrong_text(tiny, excerpt):
    torch.manual_seed(12)
    other = CharLSTM(len(load_vocabulary()), embedding_dim=8, hidden_size=16, dropout=0.0).eval()
    data = compress(excerpt[:300], "lstm", model=tiny)
    with pytest.raises(CompressionError, match="different model"):
        decompress(data, model=other)
    forged = _reseal(data, lambda f: f.update(model=bytes.fromhex(compression.model_sha256(other))[:8]))
    with pytest.raises(CompressionError, match="checksum"):
        decompress(forged, model=other)  # decodes other text from other probabilities: the checksum refuses it


def test_another_machine_is_refused_unless_forced(tiny, excerpt):
    data = _reseal(compress(excerpt[:200], "lstm", model=tiny), lambda f: f.update(cpu="NEON", torch="9.9.9"))
    with pytest.raises(CompressionError, match="NEON.*--force"):
        decompress(data, model=tiny)
    assert decompress(data, model=tiny, allow_other_machine=True) == excerpt[:200]  # same numbers here


def test_header_records_what_the_probabilities_depend_on(tiny):
    header, _ = read_header(compress("abc", "lstm-dynamic", model=tiny))
    assert header["torch"] == torch.__version__
    assert header["cpu"] == torch.backends.cpu.get_cpu_capability()
    assert header["model"] == bytes.fromhex(compression.model_sha256(tiny))[:8]
    assert header["lr"] > 0 and header["chunk_len"] > 0
    assert header["state_bits"] == 32 and header["frequency_bits"] == 16


def test_crc_covers_the_header(tiny):
    data = compress("abc", "lstm", model=tiny)
    fields, payload = read_header(data)
    assert zlib.crc32(payload) != int.from_bytes(data[len(data) - len(payload) - 4 : len(data) - len(payload)], "big")


def _tool(*args):
    return subprocess.run(
        [sys.executable, str(TOOL), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
        timeout=300,
    )


def test_tool_round_trips_files_byte_for_byte(tmp_path):
    for name, content in {"code.py": b"def f(x):\n    return x + 1\n", "empty.txt": b""}.items():
        source, packed, restored = tmp_path / name, tmp_path / (name + ".lz"), tmp_path / (name + ".out")
        source.write_bytes(content)
        result = _tool("compress", str(source), str(packed), "--method", "lstm")
        assert result.returncode == 0, result.stderr
        assert "bits/char" in result.stdout and "characters/s" in result.stdout
        result = _tool("decompress", str(packed), str(restored))
        assert result.returncode == 0, result.stderr
        assert restored.read_bytes() == content


def test_tool_keeps_characters_outside_the_vocabulary_and_says_so(tmp_path):
    windows = tmp_path / "windows.txt"
    windows.write_bytes("line one\r\nnaïve\r\n".encode())
    result = _tool("compress", str(windows), str(tmp_path / "x.lz"), "--method", "unigram")
    assert result.returncode == 0, result.stderr
    assert "3 character(s) outside the model's vocabulary" in result.stdout
    result = _tool("decompress", str(tmp_path / "x.lz"), str(tmp_path / "x.txt"))
    assert result.returncode == 0 and (tmp_path / "x.txt").read_bytes() == windows.read_bytes()


def test_tool_errors_are_sentences_not_tracebacks(tmp_path):
    bad = tmp_path / "windows.txt"
    bad.write_bytes("line one\r\nnaïve\r\n".encode())
    result = _tool("decompress", str(bad), str(tmp_path / "y.txt"))
    assert result.returncode == 1 and "not a file made by" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "y.txt").exists()
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("café".encode("latin-1"))
    result = _tool("compress", str(latin), str(tmp_path / "z.lz"))
    assert result.returncode == 1 and "not UTF-8" in result.stderr


def test_stored_benchmark_matches_a_rerun_slice():
    """lstm_helpers/data/compression_results.json (benchmarks/compression.py, quoted by notebook 11): its slice
    reruns to the same sizes, and it was made with the shipped weights on the whole test text."""
    results = json.loads((DATA_DIR / "compression_results.json").read_text())
    model, meta = load_shipped()
    assert results["model"]["weights_sha256"] == meta["weights_sha256"]
    assert results["test_chars"] == len(topic_split().test)
    assert all(row["round_trip_equal"] for row in results["rows"].values() if row["round_trip_equal"] is not None)
    text = topic_split().test[: results["slice"]["chars"]]
    choices = results["choices"]
    for method, stored in results["slice"]["rows"].items():
        settings = {"lr": choices["dynamic_lr"], "chunk_len": choices["dynamic_chunk"]} if "dynamic" in method else {}
        lstm = model if method.startswith("lstm") else None
        data, bits = compress(text, method, model=lstm, return_bits=True, **settings)
        assert abs(bits.mean() - stored["coder_input_bits_per_char"]) < 1e-3, method
        assert abs(len(data) - stored["file_bytes"]) <= 2, method
        assert decompress(data, model=lstm) == text


def test_a_file_of_the_older_format_is_refused_by_name(tiny):
    data = compress("plain text", "lstm", model=tiny)
    older = MAGIC[:-1] + bytes([MAGIC[-1] - 1]) + data[len(MAGIC) :]
    with pytest.raises(CompressionError, match="another version"):
        decompress(older, model=tiny)


@pytest.mark.parametrize("method", ["kn", "kn-adaptive"])
def test_kneser_ney_files_decompress_on_their_own(method, excerpt):
    """The decoder recomputes every Kneser-Ney row from what it has decoded: no table from the original text."""
    text = excerpt[:600] + " é"
    data, bits = compress(text, method, return_bits=True)
    assert decompress(data) == text
    header, _ = read_header(data)
    assert header["method"] == method and header["chunk_len"] == compression.KN_ORDER
    assert 8 * len(data) < 8 * 60 + 1.1 * bits.sum()  # the file is about the model's code length plus the header


def test_kneser_ney_file_from_another_training_text_is_refused(excerpt):
    data = bytearray(compress(excerpt[:50], "kn"))
    header, payload = read_header(bytes(data))
    start = len(compression.MAGIC) + 1 + 4 + 8 + 4 + 1 + 1 + 4  # the model field of the fixed header
    data[start] ^= 0xFF
    body_end = len(data) - len(payload) - 4
    crc = zlib.crc32(bytes(data[len(compression.MAGIC) : body_end]) + payload)
    data[body_end : body_end + 4] = crc.to_bytes(4, "big")
    with pytest.raises(CompressionError, match="another training text"):
        decompress(bytes(data))

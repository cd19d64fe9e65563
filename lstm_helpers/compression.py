"""Prediction is compression: a model's next-character probabilities, an arithmetic coder, and a file format.

Introduced in notebook 11 (``11_prediction_is_compression``); ``python tools/char_model.py compress IN OUT`` and
``decompress IN OUT`` call ``compress_file`` and ``decompress_file``.

A *predictor* gives the probabilities of the next character, then is told which character came (``observe``). The
encoder and the decoder run the same predictor on the same characters, one at a time, so they see the same
probabilities and the decoder can invert every coding step. Predictors here: ``uniform``, ``unigram`` (character
frequencies of the training topics, add-one), ``lstm`` (the shipped ``CharLSTM``, state carried) and
``lstm-dynamic`` (the same, learning while it reads: one SGD step after every chunk, ``char_model.adapt_on_chunk``).

The file: ``MAGIC``, a 4-byte header length, a JSON header, then the coded bits. The header holds the method, the
number of characters, the sha256 of the original text, the payload's length and CRC-32, and for the LSTM what the
probabilities depend on (torch version, model sha256, CPU capability, one thread). ``decompress`` refuses a file it
cannot decode faithfully with a ``CompressionError`` that says why, and checks the decoded text against the sha256:
a damaged, truncated or foreign file, or a machine whose floating point differs, gives an error, never wrong text.
"""

import copy
import hashlib
import struct
import sys
import time
import zlib
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from .arithmetic_coding import FREQUENCY_BITS, STATE_BITS, Decoder, Encoder, quantize
from .char_data import load_vocabulary

__all__ = [
    "MAGIC",
    "ESCAPE_CHAR",
    "METHODS",
    "CompressionError",
    "UniformPredictor",
    "UnigramPredictor",
    "LSTMPredictor",
    "KneserNeyPredictor",
    "KN_ORDER",
    "make_predictor",
    "model_sha256",
    "split_escapes",
    "read_header",
    "code",
    "compress",
    "decompress",
    "compress_file",
    "decompress_file",
    "run_tool",
]

MAGIC = b"LSTMz\x02"  # 6 bytes: the course's compressed format, version 2 (version 1 had no escape list)
ESCAPE_CHAR = "?"  # what the model reads in place of a character outside its vocabulary (the original is kept)
METHODS = ("lstm-dynamic", "lstm", "unigram", "uniform", "kn", "kn-adaptive")
KN_ORDER = 16  # Kneser-Ney's order (characters of context), chosen on validation (benchmarks/char_model.py)
PROGRESS_MIN_CHARS = 20_000  # show a progress bar from this many characters on


class CompressionError(ValueError):
    """A file that cannot be (de)compressed faithfully, with the reason and what to do."""


class UniformPredictor:
    """Every character equally likely: ``log2(vocab_size)`` bits each."""

    def __init__(self, vocab_size):
        self.probs = np.full(vocab_size, 1.0 / vocab_size)

    def next_probs(self):
        return self.probs

    def observe(self, symbol):
        pass


class UnigramPredictor(UniformPredictor):
    """The character frequencies of a training text with one added to every count (add-one), context ignored."""

    def __init__(self, train_ids, vocab_size):
        counts = np.bincount(np.asarray(train_ids), minlength=vocab_size) + 1.0
        self.probs = counts / counts.sum()


class _PlainSGD:
    """``p -= lr * p.grad``: the step of ``torch.optim.SGD`` without momentum, with the two methods
    ``adapt_on_chunk`` calls. Creating ``torch.optim.SGD`` imports PyTorch's compiler (seconds, once): not needed."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)


class LSTMPredictor:
    """A ``CharLSTM`` read one character at a time, with the same operations on both sides, optionally learning.

    Each step is the LSTM equations of notebook 03 on the model's weights (``i, f, g, o`` in PyTorch's order), with
    the input side precomputed for every character: the same numbers as ``nn.LSTM`` up to rounding, several times
    faster for one character. ``dynamic=True``: after every ``chunk_len`` characters, one SGD step (``lr``) on that
    chunk with ``char_model.adapt_on_chunk``, the state carried; a copy of the model learns, the given one is
    unchanged. The first character is predicted after ``char_model.START_CHAR`` (a newline), as ``char_bits`` does.
    """

    def __init__(self, model, dynamic=False, lr=None, chunk_len=None, vocab=None):
        from .char_model import DYNAMIC_CHUNK, DYNAMIC_LR, START_CHAR

        if getattr(model, "cell", "lstm") != "lstm":
            raise CompressionError(f"The compressor codes with an LSTM, but this model's cell is {model.cell!r}.")
        vocab = vocab or load_vocabulary()
        self.dynamic = dynamic
        self.lr, self.chunk_len = (lr or DYNAMIC_LR, chunk_len or DYNAMIC_CHUNK) if dynamic else (None, None)
        self.model = copy.deepcopy(model).eval() if dynamic else model.eval()
        self.optimizer = _PlainSGD(self.model.parameters(), self.lr) if dynamic else None
        hidden = torch.zeros(1, self.model.hidden_size)
        self.previous, self.state, self.next_state = vocab.index[START_CHAR], (hidden, hidden), None
        self.chunk, self.chunk_state = [], self.state  # the current chunk's (input, target) ids, its first state
        self._read_weights()

    @torch.no_grad()
    def _read_weights(self):
        m = self.model
        bias = m.rnn.bias_ih_l0 + m.rnn.bias_hh_l0  # (4 * hidden_size,)
        self.input_gates = torch.addmm(bias, m.embedding.weight, m.rnn.weight_ih_l0.T)  # (vocab_size, 4 * hidden)
        self.w_hh = m.rnn.weight_hh_l0.T.contiguous()  # (hidden_size, 4 * hidden_size)
        self.w_out, self.b_out = m.readout.weight.T.contiguous(), m.readout.bias.detach().clone()

    @torch.no_grad()
    def next_probs(self):
        h, c = self.state  # each (1, hidden_size)
        gates = torch.addmm(self.input_gates[self.previous : self.previous + 1], h, self.w_hh)  # (1, 4 * hidden)
        i, f, g, o = gates.chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        self.next_state = (h, c)
        logits = torch.addmm(self.b_out, h, self.w_out)  # (1, vocab_size)
        return torch.softmax(logits[0].double(), dim=-1).numpy()

    def observe(self, symbol):
        if self.next_state is None:
            raise RuntimeError("call next_probs() before observe(): the prediction comes before the character")
        if self.dynamic:
            self.chunk.append((self.previous, int(symbol)))
        self.state, self.next_state, self.previous = self.next_state, None, int(symbol)
        if self.dynamic and len(self.chunk) == self.chunk_len:
            from .char_model import adapt_on_chunk

            inputs, targets = torch.tensor([self.chunk]).unbind(-1)  # each (1, chunk_len)
            start = tuple(s.unsqueeze(0) for s in self.chunk_state)  # nn.LSTM's (num_layers, batch, hidden)
            # one SGD step; the state after the chunk is recomputed from its first state (the same on both sides)
            _, end = adapt_on_chunk(self.model, self.optimizer, inputs, targets, start)
            self.state = self.chunk_state = tuple(s[0] for s in end)
            self.chunk = []
            self._read_weights()


def model_sha256(model):
    """sha256 of a model's weights (names, shapes and float32 bytes in ``state_dict`` order)."""
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode() + str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().to(torch.float32).contiguous().numpy().tobytes())
    return digest.hexdigest()


def _environment():
    return {
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "threads": 1,
    }


class KneserNeyPredictor:
    """Kneser-Ney (``char_baselines.KneserNey``, counted on ``train_ids``) read one character at a time, static or
    adaptive: the decoder recomputes every row from the characters it has decoded (``KneserNeyReader``)."""

    def __init__(self, train_ids, vocab_size, order=KN_ORDER, adaptive=False):
        from .char_baselines import KneserNey, KneserNeyReader

        self.order = int(order)
        self.reader = KneserNeyReader(KneserNey(np.asarray(train_ids), vocab_size, self.order), adaptive)

    def next_probs(self):
        return self.reader.next_probs()

    def observe(self, symbol):
        self.reader.observe(symbol)


def _training_ids(vocab):
    from .char_data import topic_split

    return vocab.encode(topic_split().train)


def _training_digest():
    from .char_data import topic_split

    return _digest(topic_split().train)


def make_predictor(method, model=None, train_ids=None, vocab=None, lr=None, chunk_len=None):
    """The predictor ``method`` names (one of ``METHODS``); the LSTM methods default to the shipped model, the
    unigram and Kneser-Ney ones to the training topics (``chunk_len`` is Kneser-Ney's order for them)."""
    vocab = vocab or load_vocabulary()
    if method in ("kn", "kn-adaptive"):
        train_ids = _training_ids(vocab) if train_ids is None else train_ids
        return KneserNeyPredictor(train_ids, len(vocab), chunk_len or KN_ORDER, adaptive=method == "kn-adaptive")
    if method == "uniform":
        return UniformPredictor(len(vocab))
    if method == "unigram":
        return UnigramPredictor(_training_ids(vocab) if train_ids is None else train_ids, len(vocab))
    if method in ("lstm", "lstm-dynamic"):
        if model is None:
            from .char_model import load_shipped

            model, _ = load_shipped()
        return LSTMPredictor(model, dynamic=method == "lstm-dynamic", lr=lr, chunk_len=chunk_len, vocab=vocab)
    raise CompressionError(f"Unknown method {method!r}: choose one of {', '.join(METHODS)}.")


@contextmanager
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the same reduction order on both sides: more threads may split sums differently
    try:
        yield
    finally:
        torch.set_num_threads(before)


def code(predictor, ids=None, data=None, num_chars=None, progress=None):
    """Encode ``ids`` (returns ``(bytes, costs)``) or decode ``num_chars`` symbols from ``data`` (returns
    ``(ids, costs)``). ``costs`` holds each character's code length in bits (float64 arrays): ``"model"``, the ideal
    ``-log2 p`` under the predictor's probabilities, and ``"rounded"``, ``-log2 q`` under the whole-number
    frequencies the coder really used (``q = frequency / 2**16``)."""
    decoding = ids is None
    n = num_chars if decoding else len(ids)
    coder = Decoder(data) if decoding else Encoder()
    out, bits, rounded = [], np.zeros(n), np.zeros(n)
    show = progress if progress is not None else n >= PROGRESS_MIN_CHARS
    with _one_thread():
        for t in tqdm(range(n), desc="decompressing" if decoding else "compressing", unit="char", disable=not show):
            p = predictor.next_probs()
            freqs = quantize(p)
            if decoding:
                symbol = coder.decode(freqs)
                out.append(symbol)
            else:
                symbol = int(ids[t])
                coder.encode(freqs, symbol)
            bits[t] = -np.log2(p[symbol] / p.sum())
            rounded[t] = FREQUENCY_BITS - np.log2(freqs[symbol])
            predictor.observe(symbol)
    costs = {"model": bits, "rounded": rounded}
    return (out, costs) if decoding else (coder.finish(), costs)


def _digest(text, size=8):
    """The first ``size`` bytes of the sha256 of ``text`` (UTF-8): a 64-bit checksum by default."""
    return hashlib.sha256(text.encode("utf-8")).digest()[:size]


# The header after MAGIC, big-endian: method, characters, text checksum, payload bytes, coder precision (state bits,
# frequency bits), vocabulary checksum, model checksum, dynamic evaluation's lr and chunk length; then two short
# strings (torch version, CPU capability); then the escape list (characters outside the vocabulary, see
# ``_pack_escapes``); then a CRC-32 of all that and the payload.
_FIXED = struct.Struct(">BI8sIBB4s8sfH")
_KEYS = (
    "method",
    "num_chars",
    "text",
    "payload_bytes",
    "state_bits",
    "frequency_bits",
    "vocabulary",
    "model",
    "lr",
    "chunk_len",
)


def _varint(n):
    """``n >= 0`` as LEB128: 7 bits per byte, the high bit set on every byte but the last."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data, start):
    value, shift = 0, 0
    while True:
        byte = data[start]
        value |= (byte & 0x7F) << shift
        start += 1
        if not byte & 0x80:
            return value, start
        shift += 7
        if shift > 35:
            raise ValueError("varint too long")


def _pack_escapes(escapes):
    """The escape list: its length, then per character outside the vocabulary the gap since the previous one's
    position and its Unicode code point, all as varints (one byte for an empty list)."""
    out, last = [_varint(len(escapes))], 0
    for position, ch in escapes:
        out += [_varint(position - last), _varint(ord(ch))]
        last = position
    return b"".join(out)


def _unpack_escapes(data, start):
    count, start = _read_varint(data, start)
    escapes, position = [], 0
    for _ in range(count):
        gap, start = _read_varint(data, start)
        code_point, start = _read_varint(data, start)
        position += gap
        escapes.append((position, chr(code_point)))
    return escapes, start


def split_escapes(text, vocab):
    """``(coded_text, escapes)``: ``text`` with each character outside ``vocab`` replaced by ``ESCAPE_CHAR`` (what
    the model reads and codes), and the list of ``(position, character)`` that puts the originals back."""
    escapes = [(k, ch) for k, ch in enumerate(text) if ch not in vocab.index]
    if not escapes:
        return text, []
    chars = list(text)
    for k, _ in escapes:
        chars[k] = ESCAPE_CHAR
    return "".join(chars), escapes


def _restore_escapes(text, escapes):
    if not escapes:
        return text
    chars = list(text)
    for k, ch in escapes:
        if not 0 <= k < len(chars):
            raise ValueError("escape outside the text")
        chars[k] = ch
    return "".join(chars)


def _pack_header(fields, payload):
    values = [
        METHODS.index(fields["method"]),
        fields["num_chars"],
        fields["text"],
        len(payload),
        STATE_BITS,
        FREQUENCY_BITS,
        fields["vocabulary"],
        fields["model"],
        fields["lr"],
        fields["chunk_len"],
    ]
    body = _FIXED.pack(*values) + b"".join(
        bytes([len(v)]) + v for v in (fields["torch"].encode(), fields["cpu"].encode())
    ) + _pack_escapes(fields["escapes"])
    return MAGIC + body + zlib.crc32(body + payload).to_bytes(4, "big")


def _vocabulary_digest(vocab):
    return _digest("".join(vocab.chars), 4)


def compress(text, method="lstm-dynamic", model=None, progress=None, return_bits=False, **settings):
    """``text`` as the bytes of a compressed file; ``return_bits=True``: ``(bytes, bits)`` with each character's
    ideal code length ``-log2 p`` under the model; ``return_bits="costs"``: ``(bytes, costs)`` as ``code`` gives.

    ``method`` is one of ``METHODS``; ``model`` overrides the shipped model of the LSTM methods; ``settings``
    (``lr``, ``chunk_len``, ``train_ids``) go to ``make_predictor``. Any text can be compressed: a character
    outside the model's vocabulary (an accent, an emoji, the ``\\r`` of Windows line endings) is coded as
    ``ESCAPE_CHAR`` and kept verbatim in the header's escape list (about 3 bytes each), so it costs more than a
    character the model knows but comes back exactly.
    """
    vocab = load_vocabulary()
    if not isinstance(text, str):
        raise TypeError(f"compress needs a str, but got {type(text).__name__}; read the file as text first.")
    original = text
    text, escapes = split_escapes(text, vocab)
    predictor = make_predictor(method, model=model, vocab=vocab, **settings)
    lstm = isinstance(predictor, LSTMPredictor)
    kn = isinstance(predictor, KneserNeyPredictor)
    fields = {
        "method": method,
        "num_chars": len(text),
        "text": _digest(original),
        "escapes": escapes,
        "vocabulary": _vocabulary_digest(vocab),
        # the LSTM's weights before it learns; Kneser-Ney's training text (its counts)
        "model": bytes.fromhex(model_sha256(predictor.model))[:8] if lstm else _training_digest() if kn else bytes(8),
        "lr": predictor.lr or 0.0 if lstm else 0.0,
        "chunk_len": predictor.chunk_len or 0 if lstm else predictor.order if kn else 0,
        "torch": torch.__version__ if lstm else "",
        "cpu": torch.backends.cpu.get_cpu_capability() if lstm else "",
    }
    payload, costs = code(predictor, ids=vocab.encode(text).numpy(), progress=progress)
    data = _pack_header(fields, payload) + payload
    if return_bits == "costs":
        return data, costs
    return (data, costs["model"]) if return_bits else data


def _model_or(model):
    """``model``, or the shipped model when it is None."""
    if model is not None:
        return model
    from .char_model import load_shipped

    return load_shipped()[0]


def read_header(data):
    """The header fields of a compressed file and its payload, after checking the marker, length and CRC-32."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"decompress needs bytes (a file read with 'rb'), but got {type(data).__name__}.")
    data = bytes(data)
    if data[: len(MAGIC)] != MAGIC:
        if data[: len(MAGIC) - 1] == MAGIC[:-1]:
            raise CompressionError("This file was written by another version of the course's compressor.")
        raise CompressionError(
            "This is not a file made by the course's compressor (it does not start with the expected marker). "
            "Decompress only files written by `python tools/char_model.py compress`."
        )
    damaged = CompressionError(
        "The file's header is damaged or truncated: it cannot be decompressed. Use an undamaged copy."
    )
    try:
        start = len(MAGIC) + _FIXED.size
        fields = dict(zip(_KEYS, _FIXED.unpack(data[len(MAGIC) : start]), strict=True))
        for key in ("torch", "cpu"):
            size = data[start]
            fields[key] = data[start + 1 : start + 1 + size].decode("ascii")
            start += 1 + size
        fields["escapes"], start = _unpack_escapes(data, start)
        crc = int.from_bytes(data[start : start + 4], "big")
    except (struct.error, IndexError, UnicodeDecodeError, ValueError, OverflowError):
        raise damaged from None
    payload = data[start + 4 :]
    if len(payload) != fields["payload_bytes"]:
        raise CompressionError(
            f"The file is truncated or has extra bytes: its coded part has {len(payload):,} bytes, the header says "
            f"{fields['payload_bytes']:,}. Use a complete copy of the file."
        )
    if zlib.crc32(data[len(MAGIC) : start] + payload) != crc:
        raise CompressionError("The file is damaged: it fails its CRC-32 check. Use an undamaged copy.")
    if fields["method"] >= len(METHODS) or (fields["state_bits"], fields["frequency_bits"]) != (
        STATE_BITS,
        FREQUENCY_BITS,
    ):
        raise damaged
    fields["method"] = METHODS[fields["method"]]
    return fields, payload


def _check_environment(header, model, allow_other_machine):
    sha = model_sha256(model)
    if header["model"] != bytes.fromhex(sha)[:8]:
        raise CompressionError(
            f"This file was compressed with a different model (checksum {header['model'].hex()}, this one "
            f"{sha[:16]}): the probabilities would differ and the text could not be recovered. Decompress with the "
            "model that compressed it (the same lstm_helpers/data/char_lstm.pt)."
        )
    here = {"torch": torch.__version__, "cpu": torch.backends.cpu.get_cpu_capability()}
    differ = [f"{key} {header[key]} there, {here[key]} here" for key in here if header[key] != here[key]]
    if differ and not allow_other_machine:
        raise CompressionError(
            "This file was compressed where floating point may round differently (" + "; ".join(differ) + "). "
            "The decoder must reproduce every probability exactly, so decompress it where it was made, or pass "
            "allow_other_machine=True (--force): the text's checksum then catches any difference."
        )


def decompress(data, model=None, progress=None, allow_other_machine=False):
    """The text of a file made by ``compress``; ``CompressionError`` (never wrong text) if it cannot be recovered."""
    header, payload = read_header(data)
    method, vocab = header["method"], load_vocabulary()
    if header["vocabulary"] != _vocabulary_digest(vocab):
        raise CompressionError("This file was compressed with another vocabulary: it cannot be decoded here.")
    settings = {}
    if method.startswith("lstm"):
        model = _model_or(model)
        _check_environment(header, model, allow_other_machine)
        if method == "lstm-dynamic":
            settings = {"lr": header["lr"], "chunk_len": header["chunk_len"]}
    if method.startswith("kn"):
        if header["model"] != _training_digest():
            raise CompressionError(
                "This file was compressed with Kneser-Ney counted on another training text: its probabilities "
                "cannot be reproduced here. Decompress it with the course version that compressed it."
            )
        settings = {"chunk_len": header["chunk_len"]}
    predictor = make_predictor(method, model=model, vocab=vocab, **settings)
    ids, _ = code(predictor, data=payload, num_chars=header["num_chars"], progress=progress)
    try:
        text = _restore_escapes(vocab.decode(ids), header["escapes"])
    except ValueError:
        raise CompressionError("The file is damaged: its escape list does not fit the text.") from None
    if _digest(text) != header["text"]:
        raise CompressionError(
            "The decoded text does not match the checksum stored when it was compressed: the file is damaged, or "
            "this machine computed different probabilities. No text is returned. Use an undamaged copy, on the "
            "machine (torch version, CPU) that compressed it."
        )
    return text


def compress_file(in_path, out_path, method="lstm-dynamic", progress=True, **settings):
    """Compress the UTF-8 text file ``in_path`` into ``out_path``; returns ``{"chars", "bytes", "bits_per_char",
    "escaped"}`` (``escaped``: characters outside the model's vocabulary, kept verbatim)."""
    raw = Path(in_path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CompressionError(
            f"{in_path} is not UTF-8 text (byte {exc.start} cannot be decoded): the compressor codes text only."
        ) from None
    data = compress(text, method=method, progress=progress, **settings)
    Path(out_path).write_bytes(data)
    escaped = len(split_escapes(text, load_vocabulary())[1])
    return {"chars": len(text), "bytes": len(data), "bits_per_char": 8 * len(data) / max(len(text), 1),
            "escaped": escaped}


def decompress_file(in_path, out_path, progress=True, allow_other_machine=False):
    """Decompress ``in_path`` (made by ``compress_file``) into ``out_path``, byte for byte; returns the character
    count. Nothing is written when the file cannot be recovered."""
    text = decompress(Path(in_path).read_bytes(), progress=progress, allow_other_machine=allow_other_machine)
    Path(out_path).write_bytes(text.encode("utf-8"))
    return len(text)


def run_tool(args):
    """``tools/char_model.py compress IN OUT`` / ``decompress IN OUT``: returns 0, or 1 after a message (no
    traceback) when a file cannot be (de)compressed."""
    start = time.perf_counter()
    try:
        if args.command == "compress":
            result = compress_file(args.input, args.output, method=args.method)
            seconds = time.perf_counter() - start
            print(
                f"compressed {result['chars']:,} characters into {result['bytes']:,} bytes "
                f"({result['bits_per_char']:.3f} bits/char, {args.method}) in {seconds:.1f} s "
                f"({result['chars'] / seconds:,.0f} characters/s, 1 thread): {args.output}"
            )
            if result["escaped"]:
                print(
                    f"note: {result['escaped']:,} character(s) outside the model's vocabulary (accents, emoji, \\r "
                    f"of Windows line endings, ...) were stored verbatim, a few bytes each; they come back exactly."
                )
        else:
            chars = decompress_file(args.input, args.output, allow_other_machine=args.force)
            seconds = time.perf_counter() - start
            print(
                f"restored {chars:,} characters in {seconds:.1f} s ({chars / seconds:,.0f} characters/s, 1 thread), "
                f"checksum verified: {args.output}"
            )
    except (CompressionError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0

"""An integer arithmetic coder: probabilities -> whole-number frequencies -> a stream of bits, and back.

Introduced in notebook 11 (``11_prediction_is_compression``), where this code is written out cell by cell before it
is imported. The coder keeps a 32-bit interval ``[low, high]`` (``STATE_BITS``) and codes each symbol with integer
frequencies that sum to ``TOTAL = 2**16`` (``FREQUENCY_BITS``). Whenever the interval's first bit is settled it is
written out and the interval doubled (renormalisation); when the interval straddles the middle and shrinks there
(underflow) the coder doubles it around the middle and remembers a "pending" bit, which resolves the carry once
the next settled bit is known (Witten, Neal and Cleary, 1987).
"""

import numpy as np

__all__ = [
    "STATE_BITS",
    "FREQUENCY_BITS",
    "TOTAL",
    "quantize",
    "Encoder",
    "Decoder",
    "encode",
    "decode",
    "ideal_bits",
]

STATE_BITS = 32  # the interval [low, high] is kept in 32-bit whole numbers
FREQUENCY_BITS = 16  # frequencies of one distribution sum to 2**16
TOTAL = 1 << FREQUENCY_BITS
WHOLE = 1 << STATE_BITS
HALF, QUARTER = WHOLE // 2, WHOLE // 4


def quantize(probs, total=TOTAL):
    """Whole-number frequencies, every one at least 1, summing to ``total``, proportional to ``probs``.

    Works on the last axis (one distribution, or one per row). Each symbol first gets 1 (so nothing is impossible),
    the rest of ``total`` is shared in proportion to the probabilities, rounded down, and the few units left over go
    to the symbols with the largest remainders (ties to the lower index): the same input always gives the same
    frequencies.
    """
    p = np.asarray(probs, dtype=np.float64)
    n = p.shape[-1]
    if n < 1 or n > total:
        raise ValueError(f"Need between 1 and {total} symbols to share a total of {total}, but got {n}.")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p.sum(-1) <= 0):
        raise ValueError("Probabilities must be finite, non-negative and not all zero in each distribution.")
    share = p / p.sum(-1, keepdims=True) * (total - n)  # what is left after the guaranteed 1 per symbol
    freqs = np.floor(share).astype(np.int64) + 1
    left = total - freqs.sum(-1, keepdims=True)  # (..., 1): between 0 and n units still to hand out
    order = np.argsort(-(share - np.floor(share)), axis=-1, kind="stable")  # largest remainders first
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n), axis=-1)
    return freqs + (rank < left)


class Encoder:
    """Codes symbols one at a time, each with its own frequencies; ``finish()`` returns the bytes."""

    def __init__(self):
        self.low, self.high, self.pending, self.bits = 0, WHOLE - 1, 0, []

    def _emit(self, bit):
        self.bits.append(bit)
        self.bits.extend([1 - bit] * self.pending)  # the carry: pending bits are the opposite of the settled one
        self.pending = 0

    def encode(self, freqs, symbol):
        """Narrow the interval to ``symbol``'s share, given integer ``freqs`` (each >= 1, sum <= 2**16)."""
        cum_low = int(freqs[:symbol].sum())
        cum_high, total = cum_low + int(freqs[symbol]), int(freqs.sum())
        if cum_high <= cum_low:  # an empty share: high would fall below low, and no bits could name a point in it
            raise ValueError(f"Symbol {symbol} has frequency {freqs[symbol]}: it cannot be coded. Use quantize().")
        span = self.high - self.low + 1
        self.high = self.low + span * cum_high // total - 1
        self.low = self.low + span * cum_low // total
        while True:
            if self.high < HALF:  # both ends in the lower half: the next bit is 0
                self._emit(0)
            elif self.low >= HALF:  # both in the upper half: the next bit is 1
                self._emit(1)
                self.low, self.high = self.low - HALF, self.high - HALF
            elif self.low >= QUARTER and self.high < 3 * QUARTER:  # straddling the middle, and small: underflow
                self.pending += 1
                self.low, self.high = self.low - QUARTER, self.high - QUARTER
            else:
                break
            self.low, self.high = 2 * self.low, 2 * self.high + 1  # renormalise: double the interval

    def finish(self):
        """Two more bits pick a point inside the final interval; pad with zeros to whole bytes."""
        self.pending += 1
        self._emit(0 if self.low < QUARTER else 1)
        return np.packbits(np.array(self.bits, dtype=np.uint8)).tobytes()


class Decoder:
    """Reads the bytes of an ``Encoder`` back, one symbol per ``decode(freqs)`` call, with the same frequencies."""

    def __init__(self, data):
        self.bits = np.unpackbits(np.frombuffer(bytes(data), dtype=np.uint8)).tolist()
        self.position, self.low, self.high, self.value = 0, 0, WHOLE - 1, 0
        for _ in range(STATE_BITS):
            self.value = 2 * self.value + self._next_bit()

    def _next_bit(self):
        self.position += 1  # past the end, the stream reads as zeros (what the encoder's padding would be)
        return self.bits[self.position - 1] if self.position <= len(self.bits) else 0

    def decode(self, freqs):
        """The symbol whose share of the interval holds the coded point; then narrow exactly as the encoder did."""
        cum = np.cumsum(freqs)
        total, span = int(cum[-1]), self.high - self.low + 1
        target = ((self.value - self.low + 1) * total - 1) // span
        symbol = int(np.searchsorted(cum, target, side="right"))
        cum_low, cum_high = int(cum[symbol] - freqs[symbol]), int(cum[symbol])
        self.high = self.low + span * cum_high // total - 1
        self.low = self.low + span * cum_low // total
        while True:
            if self.high < HALF:
                pass
            elif self.low >= HALF:
                self.low, self.high, self.value = self.low - HALF, self.high - HALF, self.value - HALF
            elif self.low >= QUARTER and self.high < 3 * QUARTER:
                self.low, self.high, self.value = self.low - QUARTER, self.high - QUARTER, self.value - QUARTER
            else:
                break
            self.low, self.high = 2 * self.low, 2 * self.high + 1
            self.value = 2 * self.value + self._next_bit()
        return symbol


def encode(symbols, freqs):
    """Code ``symbols`` (length n) with frequency rows ``freqs`` (n, num_symbols), one row per symbol: bytes."""
    encoder = Encoder()
    for row, symbol in zip(freqs, symbols, strict=True):
        encoder.encode(row, int(symbol))
    return encoder.finish()


def decode(data, freqs):
    """The symbols coded in ``data`` with frequency rows ``freqs`` (one row per symbol, as given to ``encode``)."""
    decoder = Decoder(data)
    return [decoder.decode(row) for row in freqs]


def ideal_bits(probs, symbols):
    """Shannon's code length ``sum_t -log2 p_t(symbol_t)`` in bits (float), for probability rows ``probs``."""
    p = np.asarray(probs, dtype=np.float64)
    p = p / p.sum(-1, keepdims=True)
    return float(-np.log2(p[np.arange(len(symbols)), np.asarray(symbols)]).sum())

"""The arithmetic coder of notebook 11: exact round trips, lengths near Shannon's, and agreement with constriction."""

import inspect
import json
from pathlib import Path

import constriction
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_helpers import arithmetic_coding
from lstm_helpers.arithmetic_coding import TOTAL, Decoder, Encoder, decode, encode, ideal_bits, quantize


def _random_case(seed, num_symbols, length, concentration=1.0):
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet(np.full(num_symbols, concentration), size=length)  # (length, num_symbols)
    symbols = np.array([rng.choice(num_symbols, p=row) for row in probs], dtype=np.int64)
    return probs, symbols


def _round_trip(probs, symbols):
    freqs = quantize(probs)
    data = encode(symbols, freqs)
    assert decode(data, freqs) == list(symbols)
    return data, freqs


@pytest.mark.parametrize("num_symbols", [2, 3, 103, 1000])
@pytest.mark.parametrize("seed", [0, 1])
def test_round_trip_random_distributions(num_symbols, seed):
    probs, symbols = _random_case(seed, num_symbols, 2000)
    data, freqs = _round_trip(probs, symbols)
    quantized = ideal_bits(freqs, symbols)
    assert quantized <= 8 * len(data) <= quantized + 2 + 8  # two closing bits, then padding to a whole byte
    assert 8 * len(data) <= ideal_bits(probs, symbols) + 8 * 4  # within a few bytes of Shannon's sum


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="abc \n", max_size=300), st.integers(0, 2**32 - 1))
def test_round_trip_random_texts_with_a_fixed_model(text, seed):
    alphabet = "abc \n"
    probs = np.random.default_rng(seed).dirichlet(np.ones(len(alphabet)))
    symbols = [alphabet.index(ch) for ch in text]
    freqs = np.tile(quantize(probs), (len(symbols), 1))
    assert decode(encode(symbols, freqs), freqs) == symbols


def test_empty_and_one_symbol():
    freqs = quantize(np.full((1, 5), 0.2))
    assert decode(encode([], freqs[:0]), freqs[:0]) == []
    assert len(encode([], freqs[:0])) == 1  # the two closing bits, padded
    for symbol in range(5):
        assert decode(encode([symbol], freqs), freqs) == [symbol]


def test_near_certain_symbol_and_its_surprise():
    probs = np.full((5000, 4), 1e-9 / 3)
    probs[:, 0] = 1 - 1e-9
    symbols = np.zeros(5000, dtype=np.int64)
    symbols[[17, 2500, 4999]] = [1, 2, 3]  # three surprises among the near-certain symbol
    data, freqs = _round_trip(probs, symbols)
    assert freqs[0, 0] == TOTAL - 3 and (freqs[0, 1:] == 1).all()  # the floor of 1 per symbol
    assert 8 * len(data) <= ideal_bits(freqs, symbols) + 10
    # the quantised model pays 16 bits for a surprise that the real one prices at 30: cheaper than Shannon here
    assert 8 * len(data) < ideal_bits(probs, symbols)


def test_long_run_costs_almost_nothing():
    probs = np.tile([0.999, 0.001], (50_000, 1))
    symbols = np.zeros(50_000, dtype=np.int64)
    data, freqs = _round_trip(probs, symbols)
    assert 8 * len(data) <= ideal_bits(freqs, symbols) + 10 < 100  # 50,000 symbols in under 13 bytes


def test_ten_thousand_symbols():
    probs, symbols = _random_case(3, 10_000, 300, concentration=0.5)
    data, freqs = _round_trip(probs, symbols)
    assert 8 * len(data) <= ideal_bits(freqs, symbols) + 10


def test_quantize_rules():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(103, 0.1), size=50)
    probs[0, :50] = 0.0  # impossible symbols still get a frequency
    freqs = quantize(probs)
    assert freqs.dtype == np.int64 and freqs.shape == probs.shape
    assert (freqs >= 1).all() and (freqs.sum(-1) == TOTAL).all()
    assert np.array_equal(freqs, quantize(probs.copy()))  # deterministic
    assert np.array_equal(freqs[7], quantize(probs[7]))  # a row alone gives the same as in a batch
    assert np.array_equal(quantize(probs * 3), freqs)  # unnormalised weights are fine
    for bad in ([0.5, -0.1, 0.6], [np.nan, 1.0], [0.0, 0.0], np.ones(TOTAL + 1)):
        with pytest.raises(ValueError):
            quantize(np.array(bad, dtype=float))


def test_quantisation_costs_a_few_thousandths_of_a_bit_on_a_typical_model():
    probs, symbols = _random_case(5, 103, 3000, concentration=0.05)  # peaked, like a trained model's predictions
    cost = (ideal_bits(quantize(probs), symbols) - ideal_bits(probs, symbols)) / len(symbols)
    assert 0 < cost < 0.01


def test_a_zero_frequency_cannot_be_coded():
    freqs = np.array([3, 0, 5])  # symbol 1 has no share of the interval
    encoder = Encoder()
    encoder.encode(freqs, 0)
    with pytest.raises(ValueError, match="frequency 0"):
        encoder.encode(freqs, 1)  # without the check: high < low, an empty interval that renormalises forever
    rng = np.random.default_rng(0)
    for _ in range(20):  # and a decoder never reads a symbol with an empty share, whatever the bits
        decoder = Decoder(rng.integers(0, 256, size=8, dtype=np.uint8).tobytes())
        assert 1 not in [decoder.decode(freqs) for _ in range(10)]


def test_close_to_constriction_on_the_same_probabilities():
    probs, symbols = _random_case(7, 103, 5000)
    data, _ = _round_trip(probs, symbols)
    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(symbols.astype(np.int32), constriction.stream.model.Categorical(perfect=False), probs)
    theirs = encoder.get_compressed()  # uint32 words
    decoder = constriction.stream.queue.RangeDecoder(theirs)
    assert (decoder.decode(constriction.stream.model.Categorical(perfect=False), probs) == symbols).all()
    assert abs(len(data) - 4 * len(theirs)) <= 8  # bytes


NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "11_prediction_is_compression.ipynb"


def _code_cells():
    return ["".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]


def test_notebook_teaches_the_coder_that_the_package_holds():
    """Teach first, import later: the coder's cells in notebook 11 are the module's code, character for character."""
    cells = "\n\n".join(_code_cells())
    for obj in (
        arithmetic_coding.quantize,
        arithmetic_coding.Encoder,
        arithmetic_coding.Decoder,
        arithmetic_coding.encode,
        arithmetic_coding.decode,
        arithmetic_coding.ideal_bits,
    ):
        assert inspect.getsource(obj).strip() in cells, f"notebook 11's copy of {obj.__name__} differs"
    source = inspect.getsource(arithmetic_coding)
    constants = source[source.index("STATE_BITS = 32") : source.index("\n\n\ndef quantize")]
    assert constants in cells
    assert "lstm_helpers.arithmetic_coding" not in cells  # the notebook uses its own copy, never the import

"""Tests for lstm_helpers.stats: block bootstrap coverage, paired differences, and the digit rule."""

import numpy as np
import pytest

from lstm_helpers.stats import (
    block_bootstrap,
    bootstrap_interval,
    difference_interval,
    format_with_interval,
    supported_decimals,
    topic_starts,
)


def test_coverage_on_independent_normal_values():
    rng = np.random.default_rng(0)
    true_mean, hits = 1.5, 0
    for repeat in range(200):
        values = rng.normal(true_mean, 1.0, size=500)
        _, low, high = bootstrap_interval(values, block=10, resamples=1000, seed=repeat)
        hits += low <= true_mean <= high
    assert 176 <= hits <= 198  # 88% to 99% of 200


def test_paired_difference_is_narrower_than_unpaired():
    rng = np.random.default_rng(1)
    hardness = np.repeat(rng.gamma(2.0, 1.0, size=60), 500)  # passages of 500 characters, some hard for everyone
    bits_a = hardness + rng.normal(0, 0.3, size=hardness.size)
    bits_b = hardness + 0.05 + rng.normal(0, 0.3, size=hardness.size)
    mean, low, high = difference_interval(bits_a, bits_b)
    unpaired = block_bootstrap(bits_a, seed=0) - block_bootstrap(bits_b, seed=1)
    un_low, un_high = np.quantile(unpaired, [0.025, 0.975])
    assert high - low < 0.2 * (un_high - un_low)
    assert low < mean < high < 0  # the paired interval sees the 0.05 gap; the unpaired one cannot
    assert un_low < 0 < un_high


def test_same_seed_same_blocks_and_topics():
    values = np.arange(10, dtype=float)
    np.testing.assert_array_equal(block_bootstrap(values, block=3, seed=4), block_bootstrap(values, block=3, seed=4))
    starts = topic_starts(["abc", "de", "fghi"])  # joined "abc\nde\nfghi": 12 characters
    np.testing.assert_array_equal(starts, [0, 4, 7])
    means = block_bootstrap(np.r_[np.zeros(4), np.ones(3), np.full(5, 2.0)], starts=starts, resamples=500)
    assert set(np.round(means, 12)) <= {round(v, 12) for v in _topic_mixtures()}
    with pytest.raises(ValueError, match="topic_starts"):
        block_bootstrap(values, starts=[1, 5])


def _topic_mixtures():
    """Every per-character mean that three draws from topics of sizes 4, 3, 5 (values 0, 1, 2) can give."""
    sizes, values = [4, 3, 5], [0.0, 1.0, 2.0]
    return [sum(sizes[i] * values[i] for i in draw) / sum(sizes[i] for i in draw) for draw in np.ndindex(3, 3, 3)]


@pytest.mark.parametrize(
    "half_width, decimals",
    [
        (3.0, 0),
        (2.0, 0),
        (0.5, 1),
        (0.2, 1),
        (0.13, 2),
        (0.05, 2),
        (0.02, 2),
        (0.019, 3),
        (0.005, 3),
        (0.002, 3),
        (0.0019, 4),
        (0.0, 4),
    ],
)
def test_digit_rule(half_width, decimals):
    assert supported_decimals(1.0 - half_width, 1.0 + half_width) == decimals


def test_format_with_interval():
    assert format_with_interval(1.5234, 1.4512, 1.6021) == "1.52 (95% CI 1.45 to 1.60)"
    assert format_with_interval(0.0312, -0.04, 0.12) == "0.03 (95% CI -0.04 to 0.12)"
    assert format_with_interval(1.4537, 1.4521, 1.4555) == "1.4537 (95% CI 1.4521 to 1.4555)"
    assert format_with_interval(0.04, -0.001, 0.07) == "0.04 (95% CI -0.001 to 0.07)"  # its sign shows: includes 0
    assert format_with_interval(0.04, 0.0004, 0.07) == "0.04 (95% CI 0.0004 to 0.07)"
    assert format_with_interval(0.0, 0.0, 0.0) == "0.0000 (95% CI 0.0000 to 0.0000)"

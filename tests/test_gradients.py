"""lstm_helpers.gradients: the measured ‖∂L/∂h_t‖ agrees with autograd and with BPTT by hand, and behaves as taught."""

import numpy as np
import pytest
import torch
from torch import nn

from lstm_helpers.cells import init_lstm_weights, init_rnn_weights, run_rnn
from lstm_helpers.gradients import (
    GradientExplorer,
    GradientProfile,
    _rnn_profile_fast,
    gradient_norms,
    largest_singular_value,
    random_rnn,
    rnn_gradient_profile,
    scale_recurrent_weights,
    spectral_radius,
)
from lstm_helpers.torch_bridge import copy_lstm_weights_to_torch, copy_rnn_weights_to_torch


def manual_bptt_norms(x, weights):
    """‖∂L/∂h_t‖ for L = sum(h_T), by the Jacobian product diag(1 - h_t²) W_hh, ordered by distance."""
    hs = run_rnn(x, weights).h  # (seq_len, hidden_size)
    g = torch.ones(weights.hidden_size, dtype=x.dtype)
    norms = [g.norm().item()]
    for t in range(len(hs) - 1, 0, -1):
        g = weights.W_hh.T @ ((1 - hs[t] ** 2) * g)
        norms.append(g.norm().item())
    return np.array(norms)


@pytest.mark.parametrize("hidden_size, seq_len", [(1, 5), (8, 20), (32, 40)])
def test_rnn_norms_match_manual_bptt(hidden_size, seq_len):
    gen = torch.Generator().manual_seed(hidden_size)
    weights = init_rnn_weights(3, hidden_size, gen, dtype=torch.float64)
    x = torch.randn(seq_len, 3, generator=gen, dtype=torch.float64)
    profile = gradient_norms(x, weights)
    assert isinstance(profile, GradientProfile) and profile.c_norm is None
    np.testing.assert_allclose(profile.h_norm, manual_bptt_norms(x, weights), rtol=1e-9, atol=1e-300)
    np.testing.assert_array_equal(profile.distance, np.arange(seq_len))


def test_batch_norms_are_the_mean_of_single_sequences():
    gen = torch.Generator().manual_seed(0)
    weights = init_rnn_weights(2, 6, gen, dtype=torch.float64)
    x = torch.randn(3, 10, 2, generator=gen, dtype=torch.float64)  # (batch, seq_len, input_size)
    batch = gradient_norms(x, weights).h_norm
    single = np.mean([gradient_norms(x[k], weights).h_norm for k in range(3)], axis=0)
    np.testing.assert_allclose(batch, single, rtol=1e-10)


def test_nn_modules_give_the_same_profile_as_their_scratch_weights():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(15, 2, generator=gen)
    rnn_w, lstm_w = init_rnn_weights(2, 5, gen), init_lstm_weights(2, 5, gen)
    rnn, lstm = nn.RNN(2, 5, batch_first=True), nn.LSTM(2, 5, batch_first=True)
    copy_rnn_weights_to_torch(rnn_w, rnn)
    copy_lstm_weights_to_torch(lstm_w, lstm)
    np.testing.assert_allclose(gradient_norms(x, rnn).h_norm, gradient_norms(x, rnn_w).h_norm, rtol=1e-5)
    from_module, from_weights = gradient_norms(x, lstm), gradient_norms(x, lstm_w)
    np.testing.assert_allclose(from_module.h_norm, from_weights.h_norm, rtol=1e-5)
    np.testing.assert_allclose(from_module.c_norm, from_weights.c_norm, rtol=1e-5)


def test_lstm_cell_gradient_with_open_forget_gate_is_the_product_of_f():
    # With every weight zero except the forget bias, ∂c_T/∂c_t is exactly σ(b_f)^(T-t); L = sum(h_T) still gives
    # a nonzero ∂L/∂c_T because h_T = o ⊙ tanh(c_T) with o = 0.5 and c_T = 0 (tanh' = 1).
    weights = init_lstm_weights(1, 3, dtype=torch.float64)
    for name in ("W_f", "W_i", "W_C", "W_o", "b_f", "b_i", "b_C", "b_o"):
        getattr(weights, name).zero_()
    weights.b_f.fill_(2.0)
    profile = gradient_norms(torch.zeros(12, 1, dtype=torch.float64), weights)
    f = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(profile.relative("c"), f ** np.arange(12), rtol=1e-10)


def test_forget_bias_slows_the_decay():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(60, 4, generator=gen)
    tails = []
    for bias in (0.0, 1.0, 3.0):
        weights = init_lstm_weights(4, 16, torch.Generator().manual_seed(1))
        weights.b_f.fill_(bias)
        tails.append(gradient_norms(x, weights).at(50, "c"))
    assert tails[0] < tails[1] < tails[2]


def test_default_rnn_vanishes_and_scaled_rnn_explodes():
    assert rnn_gradient_profile().at(50) < 1e-6
    assert rnn_gradient_profile(weight_scale=6.0, seq_len=100).at(99) > 1e3


def test_norms_are_float64_so_tiny_gradients_are_not_zero():
    # 99 steps back the default RNN's gradient is about 1e-26: its float32 entries are fine, but a float32 norm
    # squares them below float32's range and printed 0 (notebook 02's old "underflowed to zero").
    profile = rnn_gradient_profile(seq_len=100)
    assert profile.h_norm.dtype == np.float64
    assert 1e-32 < profile.at(99) < 1e-20
    assert np.all(np.diff(np.log(profile.relative())[50:]) < 0.5)  # no cliff: the decay goes on smoothly


def test_tanh_slope_is_the_mean_of_one_minus_h_squared():
    gen = torch.Generator().manual_seed(2)
    weights = init_rnn_weights(3, 6, gen, dtype=torch.float64)
    x = torch.randn(9, 3, generator=gen, dtype=torch.float64)
    expected = (1 - run_rnn(x, weights).h ** 2).mean().item()
    assert gradient_norms(x, weights).tanh_slope == pytest.approx(expected, rel=1e-12)
    assert gradient_norms(x[:, :1].repeat(1, 1), init_lstm_weights(1, 2)).tanh_slope is None


def test_rule_of_thumb_rho_times_tanh_slope_matches_the_measured_factor_when_vanishing():
    weights = init_rnn_weights(4, 32, torch.Generator().manual_seed(0))
    rho = spectral_radius(weights.W_hh)
    for scale in (1.0, 2.0):
        profile = rnn_gradient_profile(weight_scale=scale, seq_len=60)
        assert profile.at(50) ** (1 / 50) == pytest.approx(rho * scale * profile.tanh_slope, abs=0.05)


@pytest.mark.parametrize("hidden_size", [8, 32, 128, 512])
def test_default_spectral_radius_is_about_one_over_root_three_at_any_size(hidden_size):
    radii = [spectral_radius(init_rnn_weights(4, hidden_size, torch.Generator().manual_seed(s)).W_hh) for s in range(3)]
    assert abs(np.mean(radii) - 1 / np.sqrt(3)) < 0.08


def test_largest_singular_value_bounds_products_and_exceeds_rho():
    gen = torch.Generator().manual_seed(0)
    A, B = torch.randn(5, 5, generator=gen), torch.randn(5, 5, generator=gen)
    assert largest_singular_value(A @ B) <= largest_singular_value(A) * largest_singular_value(B) + 1e-9
    assert largest_singular_value(A) >= spectral_radius(A) - 1e-9
    nilpotent = torch.tensor([[0.0, 2.0], [0.0, 0.0]])  # notebook 02's example: ρ(A) = ρ(Aᵀ) = 0 but ρ(A Aᵀ) = 4
    assert spectral_radius(nilpotent) == 0 and spectral_radius(nilpotent @ nilpotent.T) == pytest.approx(4.0)
    assert largest_singular_value(nilpotent) == pytest.approx(2.0)


def test_scale_recurrent_weights_scales_only_w_hh():
    weights = init_rnn_weights(3, 4, torch.Generator().manual_seed(0))
    scaled = scale_recurrent_weights(weights, 2.0)
    torch.testing.assert_close(scaled.W_hh, 2 * weights.W_hh)
    torch.testing.assert_close(scaled.W_xh, weights.W_xh)
    torch.testing.assert_close(scaled.b, weights.b)
    assert spectral_radius(scaled.W_hh) == pytest.approx(2 * spectral_radius(weights.W_hh), rel=1e-6)


def test_spectral_radius_of_a_rotation_is_one():
    c, s = np.cos(0.3), np.sin(0.3)
    assert spectral_radius(torch.tensor([[c, -s], [s, c]])) == pytest.approx(1.0)


@pytest.mark.parametrize("scale", [0.25, 1.0, 2.0, 3.0, 4.0])
@pytest.mark.parametrize("seq_len", [1, 10, 60, 101])
def test_the_explorers_fast_path_gives_the_profile_of_gradient_norms(scale, seq_len):
    weights, x = random_rnn(scale, seq_len, 32, seed=0)
    slow, fast = gradient_norms(x, weights), _rnn_profile_fast(x, weights)
    both = (slow.h_norm > 0) & (fast.h_norm > 0)  # far down the vanishing curve float32 underflows to 0 in both
    assert np.array_equal(slow.h_norm > 0, fast.h_norm > 0)
    np.testing.assert_allclose(fast.h_norm[both], slow.h_norm[both], rtol=1e-2)
    assert fast.tanh_slope == pytest.approx(slow.tanh_slope, abs=1e-5)


def test_explorer_updates_in_place_and_returns_png():
    explorer = GradientExplorer(max_len=30)
    before = explorer.image.value
    profile = explorer.update(weight_scale=4.0, seq_len=20)
    assert len(profile.h_norm) == 20 and explorer.image.value != before
    assert explorer._repr_png_().startswith(b"\x89PNG") and explorer.png() == explorer._repr_png_()
    assert explorer.width_css > 0


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: gradient_norms(torch.zeros(5, 2), "weights"), TypeError, "RNNWeights"),
        (lambda: gradient_norms(torch.zeros(5, 3), init_rnn_weights(2, 4)), ValueError, "(seq_len, 2)"),
        (lambda: gradient_norms(torch.zeros(5, 2), init_rnn_weights(2, 4), loss_fn=3), TypeError, "loss_fn"),
        (lambda: gradient_norms(torch.zeros(5, 2), init_rnn_weights(2, 4), lambda h: h), ValueError, "single number"),
        (lambda: spectral_radius(torch.zeros(2, 3)), ValueError, "square"),
        (lambda: largest_singular_value(torch.zeros(3)), ValueError, "matrix"),
        (lambda: scale_recurrent_weights(init_rnn_weights(2, 4), "2"), TypeError, "number"),
        (lambda: rnn_gradient_profile(seq_len=0), ValueError, "seq_len"),
        (lambda: GradientExplorer(max_len=20).update(seq_len=50), ValueError, "at most"),
        (lambda: rnn_gradient_profile(seq_len=5).relative("c"), ValueError, "only an LSTM"),
        (lambda: rnn_gradient_profile(seq_len=5).at(9), ValueError, "between 0 and 4"),
    ],
)
def test_bad_input_is_explained(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)

"""Attention from its equations (notebook 13) against PyTorch's own attention, in float64."""

import pytest
import torch
from torch import nn

from lstm_helpers.attention import (
    CausalSelfAttention,
    CharTransformer,
    causal_mask,
    dot_product_attention,
    kv_cache_bytes,
    lstm_state_bytes,
)

TOL = 1e-10


@pytest.mark.parametrize("shape", [(1, 3, 5, 4), (2, 4, 7, 8), (3, 1, 6, 16)])
def test_dot_product_attention_matches_scaled_dot_product_attention(shape):
    gen = torch.Generator().manual_seed(sum(shape))
    q, k, v = (torch.randn(shape, generator=gen, dtype=torch.float64) for _ in range(3))
    mine, weights = dot_product_attention(q, k, v)
    theirs = nn.functional.scaled_dot_product_attention(q, k, v)
    assert (mine - theirs).abs().max() < TOL
    assert torch.allclose(weights.sum(-1), torch.ones(shape[:-1], dtype=torch.float64))
    causal, _ = dot_product_attention(q, k, v, causal_mask(shape[-2]))
    assert (causal - nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)).abs().max() < TOL


def test_padding_mask_matches_and_gets_no_weight():
    gen = torch.Generator().manual_seed(0)
    q = torch.randn(2, 3, 4, generator=gen, dtype=torch.float64)  # (batch, q_len, d)
    kv = torch.randn(2, 6, 4, generator=gen, dtype=torch.float64)  # (batch, k_len, d)
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2]).unsqueeze(1)  # (batch, 1, k_len)
    mine, weights = dot_product_attention(q, kv, kv, mask)
    theirs = nn.functional.scaled_dot_product_attention(q, kv, kv, attn_mask=mask)
    assert (mine - theirs).abs().max() < TOL
    assert weights[1, :, 4:].abs().max() == 0


@pytest.mark.parametrize("d_model,num_heads,seq_len", [(8, 1, 5), (16, 4, 9), (12, 3, 1)])
def test_causal_self_attention_matches_multihead_attention(d_model, num_heads, seq_len):
    torch.manual_seed(d_model + seq_len)
    mha = nn.MultiheadAttention(d_model, num_heads, batch_first=True, dtype=torch.float64)
    mine = CausalSelfAttention(d_model, num_heads).double()
    with torch.no_grad():  # the same packed layout: (3 · d_model, d_model) for q, k, v, then out_proj
        mine.in_proj.weight.copy_(mha.in_proj_weight)
        mine.in_proj.bias.copy_(mha.in_proj_bias)
        mine.out_proj.weight.copy_(mha.out_proj.weight)
        mine.out_proj.bias.copy_(mha.out_proj.bias)
    x = torch.randn(3, seq_len, d_model, dtype=torch.float64)  # (batch, seq_len, d_model)
    theirs, _ = mha(x, x, x, attn_mask=~causal_mask(seq_len), need_weights=False)  # True = may NOT attend
    assert (mine(x) - theirs).abs().max() < TOL


def test_key_value_cache_gives_the_same_logits_one_step_at_a_time():
    torch.manual_seed(0)
    model = CharTransformer(20, d_model=16, num_heads=2, num_layers=2, ffn_size=32, context=12).double().eval()
    ids = torch.randint(0, 20, (2, 12))
    full = model(ids)  # (2, 12, 20)
    caches = [{} for _ in range(model.num_layers)]
    steps = torch.cat([model(ids[:, t : t + 1], caches, start=t) for t in range(12)], dim=1)
    assert (full - steps).abs().max() < TOL
    assert kv_cache_bytes(caches) == 2 * 2 * 2 * 12 * 16 * 8  # layers, k and v, batch, positions, d_model, float64


def test_state_bytes_are_fixed_for_the_lstm():
    state = (torch.zeros(1, 1, 130), torch.zeros(1, 1, 130))
    assert lstm_state_bytes(state) == 2 * 130 * 4


def test_errors_are_for_humans():
    q = torch.zeros(1, 2, 3)
    with pytest.raises(ValueError, match="same number"):
        dot_product_attention(q, torch.zeros(1, 2, 4), torch.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="multiple"):
        CausalSelfAttention(10, 3)
    model = CharTransformer(5, d_model=8, num_heads=2, num_layers=1, ffn_size=8, context=4)
    with pytest.raises(ValueError, match="at most 4"):
        model(torch.zeros(1, 5, dtype=torch.long))

"""Attention from its equations: scaled dot-product attention, causal self-attention and a tiny character Transformer.

Introduced in notebook 13 (``13_from_lstm_to_attention``). The encoder–decoder of ``lstm_helpers.seq2seq`` uses
``dot_product_attention`` to look back at the encoder's outputs; ``CharTransformer`` uses the same function, with a
causal mask, as self-attention over the text it has read. ``tests/test_attention.py`` checks both against
``torch.nn.functional.scaled_dot_product_attention`` and ``nn.MultiheadAttention`` (float64, within 1e-10).

Equations, for one query ``q`` (d numbers) and keys ``k_1..k_T`` with values ``v_1..v_T``::

    score_j = q · k_j / sqrt(d)      alpha = softmax(score)      context = sum_j alpha_j v_j
"""

import math

import torch
from torch import nn

__all__ = [
    "dot_product_attention",
    "causal_mask",
    "CausalSelfAttention",
    "TransformerBlock",
    "CharTransformer",
    "kv_cache_bytes",
    "lstm_state_bytes",
]


def dot_product_attention(query, keys, values, mask=None):
    """Scaled dot-product attention: ``(context, weights)``. Introduced in notebook 13.

    ``query`` is ``(..., q_len, d)``, ``keys`` ``(..., k_len, d)``, ``values`` ``(..., k_len, d_v)``. ``mask`` (bool,
    broadcastable to ``(..., q_len, k_len)``) is True where a query may look; masked scores become -inf before the
    softmax. Returns ``context`` ``(..., q_len, d_v)`` and ``weights`` ``(..., q_len, k_len)``, each row summing to 1.
    """
    for name, tensor in (("query", query), ("keys", keys), ("values", values)):
        if not isinstance(tensor, torch.Tensor) or tensor.dim() < 2:
            raise ValueError(f"{name} must be a tensor with at least 2 dimensions (..., length, features).")
    if query.shape[-1] != keys.shape[-1]:
        raise ValueError(
            f"query has {query.shape[-1]} features but keys have {keys.shape[-1]}: a dot product needs the same "
            "number. Project them to a common size first."
        )
    if keys.shape[-2] != values.shape[-2]:
        raise ValueError(f"keys ({keys.shape[-2]} positions) and values ({values.shape[-2]}) must have one row each.")
    scores = query @ keys.transpose(-2, -1) / math.sqrt(query.shape[-1])  # (..., q_len, k_len)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (..., q_len, k_len), rows sum to 1
    return weights @ values, weights  # (..., q_len, d_v), (..., q_len, k_len)


def causal_mask(seq_len, device=None):
    """``(seq_len, seq_len)`` bool mask, True on and below the diagonal: position t sees positions 1..t only."""
    return torch.ones(seq_len, seq_len, dtype=torch.bool, device=device).tril()


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention with ``nn.MultiheadAttention``'s weight layout. Introduced in notebook 13.

    ``in_proj`` packs the query, key and value projections (``(3 · d_model, d_model)``, in that order) and
    ``out_proj`` mixes the heads, as in ``nn.MultiheadAttention``, so weights copy across one to one.
    ``forward(x, cache=None)`` takes ``(batch, seq_len, d_model)``; with a ``cache`` dict it appends this call's
    keys and values to ``cache["k"]``/``cache["v"]`` and attends over everything cached (generation, step by step).
    """

    def __init__(self, d_model, num_heads):
        super().__init__()
        if d_model % num_heads:
            raise ValueError(f"d_model ({d_model}) must be a multiple of num_heads ({num_heads}).")
        self.d_model, self.num_heads = d_model, num_heads
        self.in_proj = nn.Linear(d_model, 3 * d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def _heads(self, x):  # (batch, seq_len, d_model) -> (batch, num_heads, seq_len, head_dim)
        batch, seq_len, _ = x.shape
        return x.view(batch, seq_len, self.num_heads, self.d_model // self.num_heads).transpose(1, 2)

    def forward(self, x, cache=None, return_weights=False):
        q, k, v = (self._heads(part) for part in self.in_proj(x).chunk(3, dim=-1))  # each (batch, heads, seq, hd)
        past = 0
        if cache is not None:
            if "k" in cache:
                past = cache["k"].shape[-2]
                k, v = torch.cat([cache["k"], k], dim=-2), torch.cat([cache["v"], v], dim=-2)
            cache["k"], cache["v"] = k, v
        seq_len, total = q.shape[-2], k.shape[-2]
        mask = causal_mask(total, x.device)[past : past + seq_len]  # (seq_len, total): query t sees keys <= t
        context, weights = dot_product_attention(q, k, v, mask)  # (batch, heads, seq_len, head_dim)
        out = self.out_proj(context.transpose(1, 2).reshape(x.shape))  # (batch, seq_len, d_model)
        return (out, weights) if return_weights else out


class TransformerBlock(nn.Module):
    """Pre-norm Transformer block: ``x + attention(LayerNorm(x))``, then ``x + MLP(LayerNorm(x))``."""

    def __init__(self, d_model, num_heads, ffn_size):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attention = CausalSelfAttention(d_model, num_heads)
        self.mlp = nn.Sequential(nn.Linear(d_model, ffn_size), nn.GELU(), nn.Linear(ffn_size, d_model))

    def forward(self, x, cache=None):
        x = x + self.attention(self.norm1(x), cache)  # (batch, seq_len, d_model)
        return x + self.mlp(self.norm2(x))


class CharTransformer(nn.Module):
    """A tiny causal Transformer language model over characters. Introduced in notebook 13.

    Token embedding + learned position embedding (``context`` positions) -> ``num_layers`` pre-norm blocks ->
    LayerNorm -> linear read-out. ``forward(ids)`` takes ``(batch, seq_len <= context)`` and returns logits
    ``(batch, seq_len, vocab_size)`` for the NEXT character at every position, like ``char_model.CharModel``.
    """

    def __init__(self, vocab_size, d_model=64, num_heads=4, num_layers=2, ffn_size=256, context=128):
        super().__init__()
        self.vocab_size, self.d_model, self.context, self.num_layers = vocab_size, d_model, context, num_layers
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(context, d_model)
        self.blocks = nn.ModuleList(TransformerBlock(d_model, num_heads, ffn_size) for _ in range(num_layers))
        self.norm = nn.LayerNorm(d_model)
        self.readout = nn.Linear(d_model, vocab_size)

    def forward(self, ids, caches=None, start=0):
        if ids.dim() != 2 or ids.dtype != torch.long:
            raise ValueError(f"ids must be (batch, seq_len) of dtype torch.long, but got {tuple(ids.shape)}.")
        seq_len = ids.shape[1]
        if start + seq_len > self.context:
            raise ValueError(
                f"This model sees at most {self.context} characters, but got positions up to {start + seq_len}. "
                "Score longer text in windows: lstm_helpers.transformer_vs_lstm.transformer_char_bits does."
            )
        positions = torch.arange(start, start + seq_len, device=ids.device)
        x = self.embedding(ids) + self.position(positions)  # (batch, seq_len, d_model)
        for k, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[k])
        return self.readout(self.norm(x))  # (batch, seq_len, vocab_size)


def kv_cache_bytes(caches):
    """Bytes held by a Transformer's key/value cache (a list of ``{"k", "v"}`` dicts, one per layer)."""
    return sum(t.numel() * t.element_size() for cache in caches for t in cache.values())


def lstm_state_bytes(state):
    """Bytes held by an LSTM's state ``(h, c)``: fixed, however long the text."""
    return sum(t.numel() * t.element_size() for t in state)

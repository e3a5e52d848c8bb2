"""Transformer networks of the zoo as PyTorch modules (shapes only; imports torch).

- `Bert`: BERT-base (Devlin et al., NAACL 2019): 12 post-norm layers, d_model 768, 12 heads,
  FFN 3072, vocabulary 30522, 512 positions, 2 segment types, tanh pooler on the first token.
  Attention is unmasked (one sequence, no padding). Module names follow Hugging Face's.
- `GPT2`: GPT-2 small, 124M parameters (Radford et al. 2019): 12 pre-norm layers, d_model 768,
  12 heads, FFN 3072, vocabulary 50257, 1024 positions, and the language-model head (its
  weights tied to the token embedding; the product is computed all the same). The causal mask
  is added to the full score matrix, so the masked half is computed, as dense kernels do.
- `ViT`: ViT-B/16 (Dosovitskiy et al., ICLR 2021) at 224x224: a 16x16/16 patch conv to 196
  tokens plus a class token, 12 pre-norm layers (``nn.MultiheadAttention``), d_model 768,
  12 heads, FFN 3072, a 1000-way head on the class token; torchvision's module names.
- `Transformer`: the base encoder-decoder of Vaswani et al. (NeurIPS 2017, Table 3 "base"):
  d_model 512, 6 + 6 post-norm layers, 8 heads, FFN 2048 (ReLU), a shared 37000-token
  vocabulary with the output projection, sinusoidal positions.

Buffers are cut to the sequence length with ``torch.narrow``, which torch.fx records (slicing a
buffer by a traced length does not trace). Attention (except ViT's) is written out,
``softmax(q k^T * d_head^-0.5 [+ mask]) v``, so each head's score and context products trace as
`matmul` layers with ``count = heads``.
"""

from __future__ import annotations

import torch
from torch import nn


class Attention(nn.Module):
    """Multi-head attention with q, k, v and output projections; `memory` (if given) supplies
    keys and values (cross-attention); `causal_len` > 0 adds a causal mask of that size."""

    mask: torch.Tensor          # registered buffer (causal only)

    def __init__(self, d_model: int, heads: int, causal_len: int = 0) -> None:
        super().__init__()
        self.heads, self.d_head = heads, d_model // heads
        self.scale = self.d_head ** -0.5
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)
        self.causal = causal_len > 0
        if self.causal:
            full = torch.full((causal_len, causal_len), float("-inf"))
            self.register_buffer("mask", torch.triu(full, 1)[None, None], persistent=False)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(x.size(0), x.size(1), self.heads, self.d_head).transpose(1, 2)

    def forward(self, x: torch.Tensor, memory: torch.Tensor | None = None) -> torch.Tensor:
        source = x if memory is None else memory
        q, k, v = self._heads(self.query(x)), self._heads(self.key(source)), \
            self._heads(self.value(source))
        scores = torch.matmul(q, k.transpose(-2, -1)) * self.scale
        if self.causal:
            length = x.size(1)
            scores = scores + torch.narrow(torch.narrow(self.mask, 2, 0, length), 3, 0, length)
        context = torch.matmul(scores.softmax(-1), v).transpose(1, 2)
        return self.out(context.reshape(x.size(0), x.size(1), self.heads * self.d_head))


class FeedForward(nn.Module):
    """d_model -> d_ff -> d_model with an activation between."""

    def __init__(self, d_model: int, d_ff: int, act: type[nn.Module]) -> None:
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(d_model, d_ff), act(), nn.Linear(d_ff, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class PostNormLayer(nn.Module):
    """x = norm(x + attn(x)); [x = norm(x + cross(x, memory))]; x = norm(x + ffn(x))."""

    def __init__(self, d_model: int, heads: int, d_ff: int, act: type[nn.Module], *,
                 causal_len: int = 0, cross: bool = False) -> None:
        super().__init__()
        self.self_attn = Attention(d_model, heads, causal_len)
        self.norm1 = nn.LayerNorm(d_model)
        self.cross_attn = Attention(d_model, heads) if cross else None
        self.norm2 = nn.LayerNorm(d_model) if cross else None
        self.ffn = FeedForward(d_model, d_ff, act)
        self.norm3 = nn.LayerNorm(d_model)

    def forward(self, x: torch.Tensor, memory: torch.Tensor | None = None) -> torch.Tensor:
        x = self.norm1(x + self.self_attn(x))
        if self.cross_attn is not None and self.norm2 is not None:
            x = self.norm2(x + self.cross_attn(x, memory))
        return self.norm3(x + self.ffn(x))


class PreNormLayer(nn.Module):
    """x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)) (GPT-2)."""

    def __init__(self, d_model: int, heads: int, d_ff: int, causal_len: int) -> None:
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attn = Attention(d_model, heads, causal_len)
        self.mlp = FeedForward(d_model, d_ff, nn.GELU)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class BertEmbeddings(nn.Module):
    """Token + position + segment embeddings, summed and layer-normalised."""

    position_ids: torch.Tensor  # registered buffers
    token_type_ids: torch.Tensor

    def __init__(self, vocab: int, d_model: int, positions: int, types: int) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, d_model)
        self.position_embeddings = nn.Embedding(positions, d_model)
        self.token_type_embeddings = nn.Embedding(types, d_model)
        self.LayerNorm = nn.LayerNorm(d_model)
        self.register_buffer("position_ids", torch.arange(positions)[None], persistent=False)
        self.register_buffer("token_type_ids", torch.zeros(1, positions, dtype=torch.long),
                             persistent=False)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        length = input_ids.size(1)
        x = self.word_embeddings(input_ids) + \
            self.token_type_embeddings(torch.narrow(self.token_type_ids, 1, 0, length))
        return self.LayerNorm(x + self.position_embeddings(
            torch.narrow(self.position_ids, 1, 0, length)))


class Bert(nn.Module):
    """BERT encoder with its pooler (see the module docstring)."""

    def __init__(self, layers: int = 12, d_model: int = 768, heads: int = 12, d_ff: int = 3072,
                 vocab: int = 30522, positions: int = 512) -> None:
        super().__init__()
        self.embeddings = BertEmbeddings(vocab, d_model, positions, 2)
        self.encoder = nn.ModuleList(PostNormLayer(d_model, heads, d_ff, nn.GELU)
                                     for _ in range(layers))
        self.pooler = nn.Sequential(nn.Linear(d_model, d_model), nn.Tanh())

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        x = self.embeddings(input_ids)
        for layer in self.encoder:
            x = layer(x)
        return self.pooler(x[:, 0])


class GPT2(nn.Module):
    """GPT-2 decoder-only language model (see the module docstring)."""

    position_ids: torch.Tensor  # registered buffer

    def __init__(self, layers: int = 12, d_model: int = 768, heads: int = 12,
                 vocab: int = 50257, positions: int = 1024) -> None:
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d_model), nn.Embedding(positions, d_model)
        self.h = nn.ModuleList(PreNormLayer(d_model, heads, 4 * d_model, positions)
                               for _ in range(layers))
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab, bias=False)
        self.register_buffer("position_ids", torch.arange(positions)[None], persistent=False)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        x = self.wte(input_ids) + \
            self.wpe(torch.narrow(self.position_ids, 1, 0, input_ids.size(1)))
        for layer in self.h:
            x = layer(x)
        return self.lm_head(self.ln_f(x))


class ViTLayer(nn.Module):
    """torchvision's EncoderBlock: pre-norm nn.MultiheadAttention and a GELU MLP."""

    def __init__(self, d_model: int, heads: int, d_ff: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model, eps=1e-6)
        self.self_attention = nn.MultiheadAttention(d_model, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(d_model, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Dropout(),
                                 nn.Linear(d_ff, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ln_1(x)
        y, _ = self.self_attention(y, y, y, need_weights=False)
        x = x + y
        return x + self.mlp(self.ln_2(x))


class ViT(nn.Module):
    """Vision Transformer, B/16 by default (see the module docstring)."""

    def __init__(self, image: int = 224, patch: int = 16, layers: int = 12, d_model: int = 768,
                 heads: int = 12, d_ff: int = 3072, num_classes: int = 1000) -> None:
        super().__init__()
        tokens = (image // patch) ** 2 + 1
        self.conv_proj = nn.Conv2d(3, d_model, patch, patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, d_model))
        self.pos_embedding = nn.Parameter(torch.zeros(1, tokens, d_model))
        self.layers = nn.Sequential(*(ViTLayer(d_model, heads, d_ff) for _ in range(layers)))
        self.ln = nn.LayerNorm(d_model, eps=1e-6)
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv_proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_token.expand(x.size(0), -1, -1), x], dim=1)
        x = self.ln(self.layers(x + self.pos_embedding))
        return self.head(x[:, 0])


class Transformer(nn.Module):
    """Encoder-decoder Transformer, base configuration (see the module docstring)."""

    pe: torch.Tensor            # registered buffer: the sinusoidal position table

    def __init__(self, layers: int = 6, d_model: int = 512, heads: int = 8, d_ff: int = 2048,
                 vocab: int = 37000, positions: int = 1024) -> None:
        super().__init__()
        self.scale = d_model ** 0.5
        self.embed = nn.Embedding(vocab, d_model)
        position = torch.arange(positions, dtype=torch.float32)[:, None]
        freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32)
                         * (-torch.log(torch.tensor(10000.0)) / d_model))
        table = torch.zeros(positions, d_model)
        table[:, 0::2], table[:, 1::2] = torch.sin(position * freq), torch.cos(position * freq)
        self.register_buffer("pe", table[None], persistent=False)
        self.encoder = nn.ModuleList(PostNormLayer(d_model, heads, d_ff, nn.ReLU)
                                     for _ in range(layers))
        self.decoder = nn.ModuleList(PostNormLayer(d_model, heads, d_ff, nn.ReLU,
                                                   causal_len=positions, cross=True)
                                     for _ in range(layers))
        self.generator = nn.Linear(d_model, vocab, bias=False)

    def _embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.embed(ids) * self.scale + torch.narrow(self.pe, 1, 0, ids.size(1))

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        memory = self._embed(src)
        for layer in self.encoder:
            memory = layer(memory)
        x = self._embed(tgt)
        for layer in self.decoder:
            x = layer(x, memory)
        return self.generator(x)

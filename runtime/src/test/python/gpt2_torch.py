"""A GPT-2 in PyTorch written the way Hugging Face's GPT2LMHeadModel code is, so that torch.onnx.export sees what
it sees when a user exports a real checkpoint: Conv1D layers as addmm after view(-1, size(-1)), heads split with
view + permute, the key transposed with transpose(-1, -2), the score scale from value.size(-1), a causal-mask
buffer applied with torch.where, an additive padding mask from attention_mask, gelu_new in its tanh form, a tied
or untied LM head, and past key/values in, present key/values out.

Written for fpga-llm's ONNX fixtures (see make_onnx_fixtures.py); no transformers package is needed or used.
Options select the variants real code bases have (Hugging Face's reorder_and_upcast_attn path with baddbmm,
a constant scale, no causal mask, the exact erf GELU, scaling by the inverse layer index).
"""
import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Config:
    n_layer: int = 2
    n_embd: int = 32
    n_head: int = 2
    n_positions: int = 32
    vocab_size: int = 128
    layer_norm_epsilon: float = 1e-5
    tied: bool = True
    attention: str = "matmul"      # matmul (GPT2Attention._attn), baddbmm (_upcast_and_reordered_attn), or sdpa
                                   # (newer Transformers: a 4-D additive causal mask built from arange/triu in the
                                   # model, attention as torch exports scaled_dot_product_attention: q and k^T each
                                   # scaled by head_dim ** -0.25)
    scale: str = "size"            # size: value.size(-1) ** 0.5 as a tensor; constant: a Python float
    causal_mask: bool = True       # False: no causal mask at all (not a decoder)
    gelu: str = "tanh"             # tanh (gelu_new) or erf (the exact GELU)
    inverse_layer_scale: bool = False  # scale_attn_by_inverse_layer_idx


class Conv1D(nn.Module):
    """A dense layer with its weight stored [in, out], computed as addmm on the flattened rows."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class NewGelu(nn.Module):
    def __init__(self, form):
        super().__init__()
        self.form = form

    def forward(self, x):
        if self.form == "erf":
            return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Attention(nn.Module):
    def __init__(self, c: Config, layer_idx: int):
        super().__init__()
        n = c.n_positions
        self.register_buffer("bias", torch.tril(torch.ones((n, n), dtype=torch.bool)).view(1, 1, n, n),
                             persistent=False)
        self.c = c
        self.layer_idx = layer_idx
        self.embed_dim = c.n_embd
        self.num_heads = c.n_head
        self.head_dim = c.n_embd // c.n_head
        self.split_size = c.n_embd
        self.c_attn = Conv1D(3 * c.n_embd, c.n_embd)
        self.c_proj = Conv1D(c.n_embd, c.n_embd)

    def _mask(self, attn_weights, query, key):
        if not self.c.causal_mask:
            return attn_weights
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length: key_length, :key_length]
        mask_value = torch.finfo(attn_weights.dtype).min
        mask_value = torch.full([], mask_value, dtype=attn_weights.dtype, device=attn_weights.device)
        return torch.where(causal_mask, attn_weights.to(attn_weights.dtype), mask_value)

    def _softmax_times_v(self, attn_weights, value, attention_mask):
        if attention_mask is not None:
            attn_weights = attn_weights + attention_mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_weights = attn_weights.type(value.dtype)
        return torch.matmul(attn_weights, value)

    def _attn(self, query, key, value, attention_mask):
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        if self.c.scale == "size":
            attn_weights = attn_weights / torch.full([], value.size(-1) ** 0.5, dtype=attn_weights.dtype,
                                                     device=attn_weights.device)
        else:
            attn_weights = attn_weights / (float(self.head_dim) ** 0.5)
        if self.c.inverse_layer_scale:
            attn_weights = attn_weights / float(self.layer_idx + 1)
        return self._softmax_times_v(self._mask(attn_weights, query, key), value, attention_mask)

    def _upcast_and_reordered_attn(self, query, key, value, attention_mask):
        bsz, num_heads, q_seq_len, dk = query.size()
        _, _, k_seq_len, _ = key.size()
        attn_weights = torch.empty(bsz * num_heads, q_seq_len, k_seq_len, dtype=torch.float32, device=query.device)
        scale_factor = 1.0
        scale_factor /= float(value.size(-1)) ** 0.5
        if self.c.inverse_layer_scale:
            scale_factor /= float(self.layer_idx + 1)
        q, k = query.reshape(-1, q_seq_len, dk), key.transpose(-1, -2).reshape(-1, dk, k_seq_len)
        attn_weights = torch.baddbmm(attn_weights, q.float(), k.float(), beta=0, alpha=scale_factor)
        attn_weights = attn_weights.reshape(bsz, num_heads, q_seq_len, k_seq_len)
        return self._softmax_times_v(self._mask(attn_weights, query, key), value, attention_mask)

    def _sdpa(self, query, key, value, mask4d):
        s = 1.0 / math.sqrt(math.sqrt(self.head_dim))
        attn_weights = torch.matmul(query * s, key.transpose(-2, -1) * s) + mask4d
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        return torch.matmul(attn_weights, value)

    def _split_heads(self, tensor):
        new_shape = tensor.size()[:-1] + (self.num_heads, self.head_dim)
        return tensor.view(new_shape).permute(0, 2, 1, 3)

    def _merge_heads(self, tensor):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        new_shape = tensor.size()[:-2] + (self.num_heads * self.head_dim,)
        return tensor.view(new_shape)

    def forward(self, hidden_states, layer_past, attention_mask, use_cache):
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query, key, value = self._split_heads(query), self._split_heads(key), self._split_heads(value)
        if layer_past is not None:
            past_key, past_value = layer_past
            key = torch.cat((past_key, key), dim=-2)
            value = torch.cat((past_value, value), dim=-2)
        present = (key, value) if use_cache else None
        if self.c.attention == "sdpa":
            out = self._sdpa(query, key, value, attention_mask)
        elif self.c.attention == "baddbmm":
            out = self._upcast_and_reordered_attn(query, key, value, attention_mask)
        else:
            out = self._attn(query, key, value, attention_mask)
        return self.c_proj(self._merge_heads(out)), present


class Mlp(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c_fc = Conv1D(4 * c.n_embd, c.n_embd)
        self.c_proj = Conv1D(c.n_embd, 4 * c.n_embd)
        self.act = NewGelu(c.gelu)

    def forward(self, x):
        return self.c_proj(self.act(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c: Config, layer_idx: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.attn = Attention(c, layer_idx)
        self.ln_2 = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.mlp = Mlp(c)

    def forward(self, hidden_states, layer_past, attention_mask, use_cache):
        attn_output, present = self.attn(self.ln_1(hidden_states), layer_past, attention_mask, use_cache)
        hidden_states = attn_output + hidden_states
        hidden_states = hidden_states + self.mlp(self.ln_2(hidden_states))
        return hidden_states, present


class Gpt2LMHead(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.c = c
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.wpe = nn.Embedding(c.n_positions, c.n_embd)
        self.h = nn.ModuleList([Block(c, i) for i in range(c.n_layer)])
        self.ln_f = nn.LayerNorm(c.n_embd, eps=c.layer_norm_epsilon)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        if c.tied:
            self.lm_head.weight = self.wte.weight

    def forward(self, input_ids, past_key_values=None, attention_mask=None, position_ids=None, use_cache=False):
        input_shape = input_ids.size()
        input_ids = input_ids.view(-1, input_shape[-1])
        batch_size = input_ids.shape[0]
        if past_key_values is None:
            past_length = 0
            past_key_values = tuple([None] * len(self.h))
        else:
            past_length = past_key_values[0][0].size(-2)
        if position_ids is None:
            position_ids = torch.arange(past_length, input_shape[-1] + past_length, dtype=torch.long,
                                        device=input_ids.device)
            position_ids = position_ids.unsqueeze(0).view(-1, input_shape[-1])
        if self.c.attention == "sdpa":
            attention_mask = self._causal_mask_4d(attention_mask, batch_size, input_shape[-1], past_length,
                                                  input_ids.device)
        elif attention_mask is not None:
            attention_mask = attention_mask.view(batch_size, -1)
            attention_mask = attention_mask[:, None, None, :]
            attention_mask = attention_mask.to(dtype=torch.float32)
            attention_mask = (1.0 - attention_mask) * torch.finfo(torch.float32).min
        hidden_states = self.wte(input_ids) + self.wpe(position_ids)
        output_shape = (-1,) + input_shape[1:] + (hidden_states.size(-1),)
        presents = []
        for block, layer_past in zip(self.h, past_key_values):
            hidden_states, present = block(hidden_states, layer_past, attention_mask, use_cache)
            if use_cache:
                presents.append(present)
        hidden_states = self.ln_f(hidden_states).view(output_shape)
        return self.lm_head(hidden_states), presents

    def _causal_mask_4d(self, attention_mask, batch_size, sequence_length, past_length, device):
        """Newer Transformers' mask: min where a key is later than the query (or padded), 0 elsewhere."""
        min_value = torch.finfo(torch.float32).min
        target_length = past_length + sequence_length
        cache_position = torch.arange(past_length, past_length + sequence_length, device=device)
        causal_mask = torch.full((sequence_length, target_length), fill_value=min_value, dtype=torch.float32,
                                 device=device)
        causal_mask = torch.triu(causal_mask, diagonal=1)
        causal_mask = causal_mask * (torch.arange(target_length, device=device) > cache_position.reshape(-1, 1))
        causal_mask = causal_mask[None, None, :, :].expand(batch_size, 1, -1, -1)
        if attention_mask is not None:
            padding = attention_mask[:, None, None, :].to(torch.float32) == 0
            causal_mask = causal_mask.masked_fill(padding, min_value)
        return causal_mask

    @torch.no_grad()
    def init_weights(self, seed: int):
        """GPT-2's init (N(0, 0.02), residual projections / sqrt(2 n_layer)), with LayerNorm gains near 1 and
        ln_f sized for a logit spread of about 5, so that top-1 is meaningful (as in fpga-llm's synthetic weights)."""
        g = torch.Generator().manual_seed(seed)
        c = self.c

        def normal(t, std):
            t.copy_(torch.randn(t.shape, generator=g) * std)

        for name, p in self.named_parameters():
            if name.endswith("ln_f.weight"):
                p.copy_(5.0 / (0.02 * math.sqrt(c.n_embd)) * (1 + 0.1 * torch.randn(p.shape, generator=g)))
            elif ".ln_" in name and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("c_proj.weight"):
                normal(p, 0.02 / math.sqrt(2 * c.n_layer))
            elif name.endswith("bias"):
                normal(p, 0.01)
            else:
                normal(p, 0.02)

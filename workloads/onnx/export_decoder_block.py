#!/usr/bin/python3
"""Exports one decoder-only transformer block, prefill or decode phase, to ONNX: a GPT-2-style
block and a Llama-style block, each written in plain torch ops as their reference
implementations write them, with synthetic seeded weights (torch.manual_seed; no trained model,
no network access). Beside each model it writes a seeded input [1, S, d_model] and PyTorch's
float output on it (<name>.input.npy, <name>.output.npy), which
tests/onnx_import/test_onnx_decoder_block.cc compares with Quasar's golden forward pass on every
element.

Decode (--phase decode --context L; <name>_decode): one new token x [1, 1, d_model] and the KV
cache as two more graph inputs past_key, past_value [1, kv_heads, L, d_head] (synthetic seeded
values, written as <name>.past_key.npy and <name>.past_value.npy). The new token's K and V are
appended to the cache along the sequence axis with torch.cat, as transformers' past_key_values
are (the Llama cache holding rotated keys), and the one query attends over L + 1 positions with
no mask; the Llama rotary tables are the rows of position L.

GPT-2 block (Radford et al. 2019; Hugging Face transformers, models/gpt2/modeling_gpt2.py):
x + attn(ln_1(x)), then + mlp(ln_2(x)); c_attn one fused QKV projection split in three
(or three separate ones with --separate-qkv), causal self-attention (an additive mask of -1e4
above the diagonal, a constant buffer), softmax, c_proj; the MLP c_fc, GELU (exact, erf form),
c_proj.

Llama block (Hugging Face transformers, models/llama/modeling_llama.py): RMSNorm written as
torch ops (x * rsqrt(mean(x^2) + eps) * weight), q/k/v projections without bias, rotary
embedding in the rotate-half layout on precomputed cos/sin tables (theta_i = base^(-2i/d_head)),
grouped-query attention with the KV heads repeated (repeat_kv: unsqueeze, expand, reshape), the
same causal mask, o_proj; RMSNorm, SwiGLU MLP down(silu(gate(x)) * up(x)).

Default sizes are small (d_model 64, 4 heads, 2 KV heads, MLP 128, S 16, L 16), as the committed
test models in tests/data/onnx/ (decoder_gpt2_tiny, decoder_llama_tiny, and their _decode).
--gpt2-small gives GPT-2 small (d 768, 12 heads, MLP 3072) and --llama-zoo the zoo's llama_block
(d 4096, 32 heads, 8 KV heads, MLP 14336, rope base 500000; models/src/net/decoder_block.cc,
DefaultDecoderDims); those are far over 1 MB and are for benchmarks
(bench/onnx_decoder_block.sh), not for committing.

    /usr/bin/python3 workloads/onnx/export_decoder_block.py [--out-dir DIR] [--family gpt2|llama]
        [--gpt2-small | --llama-zoo] [--phase prefill|decode] [--seq S | --context L]
        [--opset N] [--separate-qkv] [--no-data]
"""
import argparse
import math
import os

import numpy as np
import torch
from torch import nn

MASK = -1e4  # additive causal mask: exp(-1e4 + x) underflows to 0 in float32 for |x| << 1e4


def causal_mask(seq):
    return torch.triu(torch.full((seq, seq), MASK), diagonal=1)


class Gpt2Block(nn.Module):
    def __init__(self, d, heads, ffn, seq, separate_qkv):
        super().__init__()
        self.heads, self.head_dim, self.separate = heads, d // heads, separate_qkv
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        if separate_qkv:
            self.q_proj, self.k_proj, self.v_proj = (nn.Linear(d, d) for _ in range(3))
        else:
            self.c_attn = nn.Linear(d, 3 * d)
        self.attn_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, ffn)
        self.act = nn.GELU()
        self.mlp_proj = nn.Linear(ffn, d)
        self.register_buffer("mask", causal_mask(seq))

    def heads_of(self, t):
        b, s, _ = t.shape
        return t.view(b, s, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, past_key=None, past_value=None):
        b, s, d = x.shape
        h = self.ln_1(x)
        if self.separate:
            q, k, v = self.q_proj(h), self.k_proj(h), self.v_proj(h)
        else:
            q, k, v = self.c_attn(h).split(d, dim=-1)
        q, k, v = self.heads_of(q), self.heads_of(k), self.heads_of(v)
        if past_key is not None:  # decode: the new token's K, V appended to the cache
            k = torch.cat((past_key, k), dim=-2)
            v = torch.cat((past_value, v), dim=-2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        if past_key is None:  # decode: the one query sees every position
            scores = scores + self.mask
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        x = x + self.attn_proj(ctx.transpose(1, 2).reshape(b, s, d))
        return x + self.mlp_proj(self.act(self.c_fc(self.ln_2(x))))


class RmsNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(1 + 0.1 * torch.randn(d))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class LlamaBlock(nn.Module):
    def __init__(self, d, heads, kv_heads, ffn, seq, base, position=0):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, d // heads
        self.input_norm = RmsNorm(d, 1e-5)
        self.q_proj = nn.Linear(d, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(d, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(d, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, d, bias=False)
        self.post_norm = RmsNorm(d, 1e-5)
        self.gate_proj = nn.Linear(d, ffn, bias=False)
        self.up_proj = nn.Linear(d, ffn, bias=False)
        self.down_proj = nn.Linear(ffn, d, bias=False)
        inv_freq = 1.0 / (base ** (torch.arange(0, self.head_dim, 2, dtype=torch.float64) /
                                   self.head_dim))
        positions = torch.arange(position, position + seq, dtype=torch.float64)
        angles = torch.outer(positions, inv_freq)
        angles = torch.cat((angles, angles), dim=-1)  # [S, head_dim], rotate-half layout
        self.register_buffer("cos", angles.cos().float())
        self.register_buffer("sin", angles.sin().float())
        self.register_buffer("mask", causal_mask(seq))

    def rope(self, t):
        return t * self.cos + rotate_half(t) * self.sin

    def repeat_kv(self, t):
        b, kv, s, hd = t.shape
        rep = self.heads // kv
        return t[:, :, None, :, :].expand(b, kv, rep, s, hd).reshape(b, kv * rep, s, hd)

    def forward(self, x, past_key=None, past_value=None):
        b, s, d = x.shape
        h = self.input_norm(x)
        q = self.q_proj(h).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(h).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(h).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        q, k = self.rope(q), self.rope(k)
        if past_key is not None:  # decode: the cache holds rotated keys, as transformers' does
            k = torch.cat((past_key, k), dim=-2)
            v = torch.cat((past_value, v), dim=-2)
        k, v = self.repeat_kv(k), self.repeat_kv(v)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        if past_key is None:
            scores = scores + self.mask
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)
        x = x + self.o_proj(ctx.transpose(1, 2).reshape(b, s, self.heads * self.head_dim))
        h = self.post_norm(x)
        return x + self.down_proj(nn.functional.silu(self.gate_proj(h)) * self.up_proj(h))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out-dir", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                     "tests", "data", "onnx"))
    p.add_argument("--family", choices=["gpt2", "llama", "both"], default="both")
    p.add_argument("--gpt2-small", action="store_true", help="d 768, 12 heads, MLP 3072")
    p.add_argument("--llama-zoo", action="store_true",
                   help="d 4096, 32 heads, 8 KV heads, MLP 14336, rope base 500000")
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--ffn", type=int, default=128)
    p.add_argument("--rope-base", type=float, default=10000.0)
    p.add_argument("--phase", choices=["prefill", "decode"], default="prefill")
    p.add_argument("--seq", type=int, default=None, help="prefill: the tokens (default 16)")
    p.add_argument("--context", type=int, default=None,
                   help="decode: the tokens in the KV cache (default 16)")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--separate-qkv", action="store_true")
    p.add_argument("--no-data", action="store_true", help="write the .onnx only")
    p.add_argument("--name", default=None, help="file stem (one family only)")
    a = p.parse_args()
    decode = a.phase == "decode"
    if decode and a.seq is not None:
        p.error("--seq is for prefill; decode takes one token over --context L")
    if not decode and a.context is not None:
        p.error("--context is for decode (--phase decode)")
    seq = 1 if decode else (a.seq if a.seq is not None else 16)
    context = (a.context if a.context is not None else 16) if decode else 0
    if decode and context < 1:
        p.error("--context must be at least 1")
    families = ["gpt2", "llama"] if a.family == "both" else [a.family]
    os.makedirs(a.out_dir, exist_ok=True)
    for fam in families:
        torch.manual_seed(20)  # synthetic weights, seeded
        if fam == "gpt2":
            d, h, f = (768, 12, 3072) if a.gpt2_small else (a.d_model, a.heads, a.ffn)
            kv = h
            model = Gpt2Block(d, h, f, seq, a.separate_qkv)
            size = "small" if a.gpt2_small else "tiny"
        else:
            if a.llama_zoo:
                d, h, kv, f, base = 4096, 32, 8, 14336, 500000.0
            else:
                d, h, kv, f, base = a.d_model, a.heads, a.kv_heads, a.ffn, a.rope_base
            # decode: the new token's rotary tables are the rows of position L
            model = LlamaBlock(d, h, kv, f, seq, base, position=context)
            size = "zoo" if a.llama_zoo else "tiny"
        model.eval()
        stem = a.name or f"decoder_{fam}_{size}" + ("_decode" if decode else "")
        x = torch.randn(1, seq, d)
        args, inputs = (x,), {"input": x}
        if decode:  # the cache [1, kv_heads, L, d_head], synthetic seeded values
            past_key = torch.randn(1, kv, context, d // h)
            past_value = torch.randn(1, kv, context, d // h)
            args = (x, past_key, past_value)
            inputs.update(past_key=past_key, past_value=past_value)
        path = os.path.join(a.out_dir, stem + ".onnx")
        names = ["x", "past_key", "past_value"][:len(args)]
        torch.onnx.export(model, args, path, input_names=names, output_names=["y"],
                          opset_version=a.opset, do_constant_folding=True)
        if not a.no_data:
            with torch.no_grad():
                y = model(*args)
            for key, t in inputs.items():
                np.save(os.path.join(a.out_dir, f"{stem}.{key}.npy"), t.numpy())
            np.save(os.path.join(a.out_dir, stem + ".output.npy"), y.numpy())
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""PyTorch peer for `./reason4j bench --compare-torch`: a Qwen3-shaped decoder written the way HF transformers
writes it (RMSNorm, q/k-norm, RoPE, grouped-query attention, SwiGLU MLP; KV cache as past_key_values tuples grown
with torch.cat, one token per step, as `generate` does), measured on the same configs and metrics as Reason4j.

The mixed (RL rollout) workload replays the prompt and response lengths that Reason4j generated
(--mixed-json): each prompt is prefilled alone into a preallocated KV cache, then the unfinished sequences decode
together, one sampled token per step; a sequence leaves the batch when it reaches its response length, and the
cache is compacted then (not at every step).

Run with Debian's python3-torch: /usr/bin/python3 bench/torch_peer.py --config-json '{...}' [--metrics ...]
Prints one JSON object per line: first {"info": {torch version, threads, BLAS, OMP_WAIT_POLICY}}, then
{"config": ..., "metric": ..., "value": ..., "unit": ...}.
"""
import argparse
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        hidden = c["hidden_size"]
        self.q_proj = nn.Linear(hidden, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, hidden, bias=False)
        self.q_norm = RMSNorm(self.head_dim, c["rms_norm_eps"])
        self.k_norm = RMSNorm(self.head_dim, c["rms_norm_eps"])

    def forward(self, x, cos, sin, past):
        b, t, _ = x.shape
        q = self.q_norm(self.q_proj(x).view(b, t, self.heads, self.head_dim)).transpose(1, 2)
        k = self.k_norm(self.k_proj(x).view(b, t, self.kv_heads, self.head_dim)).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = (k, v)
        groups = self.heads // self.kv_heads
        kr = k.repeat_interleave(groups, dim=1)
        vr = v.repeat_interleave(groups, dim=1)
        scores = torch.matmul(q, kr.transpose(2, 3)) / math.sqrt(self.head_dim)
        total = kr.shape[2]
        if t > 1:
            mask = torch.full((t, total), float("-inf")).triu(total - t + 1)
            scores = scores + mask
        probs = F.softmax(scores, dim=-1)
        out = torch.matmul(probs, vr).transpose(1, 2).reshape(b, t, -1)
        return self.o_proj(out), present


    def forward_cached(self, x, cos, sin, cache_k, cache_v, positions):
        """One new token per row: x [A, 1, hidden] at positions [A]; writes its k, v into the static cache
        [A, kv_heads, capacity, head_dim] and attends to the row's cached keys (masked past its position)."""
        a = x.shape[0]
        q = self.q_norm(self.q_proj(x).view(a, 1, self.heads, self.head_dim)).transpose(1, 2)
        k = self.k_norm(self.k_proj(x).view(a, 1, self.kv_heads, self.head_dim)).transpose(1, 2)
        v = self.v_proj(x).view(a, 1, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rows = torch.arange(a)
        cache_k[rows, :, positions] = k[:, :, 0]
        cache_v[rows, :, positions] = v[:, :, 0]
        length = int(positions.max()) + 1
        groups = self.heads // self.kv_heads
        # Grouped-query attention by broadcasting: q [A, kv, groups, 1, d] against keys [A, kv, 1, T, d].
        keys = cache_k[:, :, :length].unsqueeze(2)
        values = cache_v[:, :, :length].unsqueeze(2)
        scores = torch.matmul(q.view(a, self.kv_heads, groups, 1, self.head_dim), keys.transpose(3, 4))
        scores = scores / math.sqrt(self.head_dim)
        future = torch.arange(length)[None, :] > positions[:, None]
        scores = scores.masked_fill(future[:, None, None, None, :], float("-inf"))
        out = torch.matmul(F.softmax(scores, dim=-1), values).reshape(a, 1, -1)
        return self.o_proj(out)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.gate_proj = nn.Linear(c["hidden_size"], c["intermediate_size"], bias=False)
        self.up_proj = nn.Linear(c["hidden_size"], c["intermediate_size"], bias=False)
        self.down_proj = nn.Linear(c["intermediate_size"], c["hidden_size"], bias=False)

    def forward(self, x, cos, sin, past):
        attended, present = self.self_attn(self.input_layernorm(x), cos, sin, past)
        x = x + attended
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h)), present


    def forward_cached(self, x, cos, sin, cache_k, cache_v, positions):
        x = x + self.self_attn.forward_cached(self.input_layernorm(x), cos, sin, cache_k, cache_v, positions)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Qwen3(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        if c.get("tie_word_embeddings", False):
            self.lm_head.weight = self.embed_tokens.weight
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
        d = c["head_dim"]
        self.inv_freq = 1.0 / (c.get("rope_theta", 1000000.0) ** (torch.arange(0, d, 2).float() / d))

    def rope(self, start, length):
        positions = torch.arange(start, start + length).float()
        freqs = torch.outer(positions, self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[None, None], emb.sin()[None, None]

    def forward(self, ids, past=None):
        start = 0 if past is None else past[0][0].shape[2]
        cos, sin = self.rope(start, ids.shape[1])
        x = self.embed_tokens(ids)
        presents = []
        for i, layer in enumerate(self.layers):
            x, present = layer(x, cos, sin, None if past is None else past[i])
            presents.append(present)
        return self.lm_head(self.norm(x)), tuple(presents)

    def decode_cached(self, tokens, positions, caches):
        """One token per row (tokens, positions [A]) against static caches [(k, v)] per layer: logits [A, vocab]."""
        freqs = torch.outer(positions.float(), self.inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None, None], emb.sin()[:, None, None]
        x = self.embed_tokens(tokens)[:, None]
        for layer, (cache_k, cache_v) in zip(self.layers, caches):
            x = layer.forward_cached(x, cos, sin, cache_k, cache_v, positions)
        return self.lm_head(self.norm(x))[:, 0]


def sample(logits):
    """Temperature-1 sampling, as Reason4j's mixed workload does."""
    return torch.multinomial(F.softmax(logits, dim=-1), 1)[:, 0]


def rollout(model, prompts, response_lengths):
    """The mixed workload: prompts of different lengths, response i stops after response_lengths[i] tokens."""
    c = model.c
    capacity = max(len(p) + n for p, n in zip(prompts, response_lengths))
    shape = (len(prompts), c["num_key_value_heads"], capacity, c["head_dim"])
    caches = [(torch.zeros(shape), torch.zeros(shape)) for _ in range(c["num_hidden_layers"])]
    tokens = torch.empty(len(prompts), dtype=torch.long)
    for b, prompt in enumerate(prompts):
        logits, presents = model(prompt[None])
        for (cache_k, cache_v), (k, v) in zip(caches, presents):
            cache_k[b, :, :len(prompt)] = k[0]
            cache_v[b, :, :len(prompt)] = v[0]
        tokens[b] = sample(logits[:, -1])[0]
    positions = torch.tensor([len(p) for p in prompts])
    remaining = torch.tensor(response_lengths) - 1  # the first token came from the prefill
    while True:
        keep = remaining > 0
        if not bool(keep.any()):
            return
        if not bool(keep.all()):
            caches = [(k[keep], v[keep]) for k, v in caches]
            tokens, positions, remaining = tokens[keep], positions[keep], remaining[keep]
        tokens = sample(model.decode_cached(tokens, positions, caches))
        positions = positions + 1
        remaining = remaining - 1


WARM_UP_SECONDS = 1.0
WARM_UP_RUNS = 3  # and at least this many runs, as Reason4j's Timing (a decode run at batch 128 takes seconds)
ROUND_SECONDS = 0.05


def timed(fn, min_seconds, min_runs=2):
    """Seconds per run of fn: the fastest round (>= ROUND_SECONDS, or one run) after warm-up, as Reason4j's Timing:
    on a shared machine the slow rounds measure the neighbours."""
    warm_start, warm_runs = time.perf_counter(), 0
    while True:
        fn()
        warm_runs += 1
        if warm_runs >= WARM_UP_RUNS and time.perf_counter() - warm_start >= WARM_UP_SECONDS:
            break
    best, total_runs, start = float("inf"), 0, time.perf_counter()
    while total_runs < min_runs or time.perf_counter() - start < min_seconds:
        round_start, runs = time.perf_counter(), 0
        while True:
            fn()
            runs += 1
            elapsed = time.perf_counter() - round_start
            if elapsed >= ROUND_SECONDS:
                break
        best = min(best, elapsed / runs)
        total_runs += runs
    return best


def blas_in_use():
    """torch's BLAS_INFO and the BLAS libraries mapped after a matmul (Debian's torch calls libblas.so.3, which
    update-alternatives points at OpenBLAS, or at the reference BLAS)."""
    torch.matmul(torch.ones(64, 64), torch.ones(64, 64))
    built = re.search(r"BLAS_INFO=([^,]*)", torch.__config__.show())
    try:
        with open("/proc/self/maps") as maps:
            libraries = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1].rsplit("/", 1)[-1]})
    except OSError:
        libraries = []
    return "%s (%s)" % (built.group(1) if built else "?", ", ".join(os.path.realpath(p) for p in libraries) or "?")


def emit(config, metric, value, unit):
    print(json.dumps({"config": config, "metric": metric, "value": value, "unit": unit}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config-json", required=True, help="bench config: name, model (HF config), shapes")
    parser.add_argument("--metrics", default="train,prefill,decode,matmul")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0, help="minimum measuring time per metric")
    parser.add_argument("--mixed-json", help='{"prompt_lengths": [...], "response_lengths": [...]}')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(json.dumps({"info": {"version": torch.__version__, "threads": torch.get_num_threads(),
                               "interop_threads": torch.get_num_interop_threads(), "blas": blas_in_use(),
                               "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "(unset)")}}), flush=True)
    bench = json.loads(args.config_json)
    name, c = bench["name"], bench["model"]
    metrics = args.metrics.split(",")
    model = Qwen3(c)
    vocab = c["vocab_size"]

    if "train" in metrics:
        b, t = bench["train_batch"], bench["train_seq"]
        ids = torch.randint(0, vocab, (b, t))
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)

        def train_step():
            logits, _ = model(ids)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        emit(name, "train_tokens_per_s", b * t / timed(train_step, args.seconds), "tokens/s")

    with torch.no_grad():
        if "prefill" in metrics:
            b, t = bench["prefill_batch"], bench["prefill_seq"]
            ids = torch.randint(0, vocab, (b, t))
            emit(name, "prefill_tokens_per_s", b * t / timed(lambda: model(ids), args.seconds), "tokens/s")

        if "decode" in metrics:
            prompt, steps = bench["decode_prompt"], bench["decode_steps"]
            for batch in bench["decode_batches"]:
                ids = torch.randint(0, vocab, (batch, prompt))

                def generate():
                    logits, past = model(ids)
                    token = logits[:, -1].argmax(-1, keepdim=True)
                    for _ in range(steps):
                        logits, past = model(token, past)
                        token = logits[:, -1].argmax(-1, keepdim=True)

                # Timed: prefill + steps; the prefill part is subtracted to report pure decode throughput.
                with_prefill = timed(generate, args.seconds, 1)
                prefill_only = timed(lambda: model(ids), 0.5)
                emit(name, "decode_tokens_per_s_batch%d" % batch, batch * steps / (with_prefill - prefill_only),
                     "tokens/s")

        if "mixed" in metrics:
            workload = json.loads(args.mixed_json)
            prompts = [torch.randint(0, vocab, (n,)) for n in workload["prompt_lengths"]]
            lengths = workload["response_lengths"]
            seconds = timed(lambda: rollout(model, prompts, lengths), args.seconds, 1)
            emit(name, "mixed_tokens_per_s", sum(lengths) / seconds, "tokens/s")

        if "matmul" in metrics:
            for shape in bench["matmul_shapes"]:
                m, n, k = shape["m"], shape["n"], shape["k"]
                x, w = torch.randn(m, k), torch.randn(n, k)
                out = torch.empty(m, n)
                seconds = timed(lambda: torch.matmul(x, w.t(), out=out), args.seconds / 3, 5)
                emit(name, "matmul_gflops_" + shape["label"], 2.0 * m * n * k / seconds / 1e9, "GFLOP/s")


if __name__ == "__main__":
    sys.exit(main())

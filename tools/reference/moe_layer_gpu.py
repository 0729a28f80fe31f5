"""
Lab's MoE feed-forward layer and its dense baseline, rewritten in PyTorch, timed forward and backward on a GPU.

Lab trains with TorchSharp; its CUDA build cannot be restored on the machine Lab is built on, so this script gives
reference figures for the same layer shapes on a GPU: a sigmoid router with top-k selection and normalised weights,
shared experts, routed SwiGLU experts run group by group (tokens sorted by expert), the weighted combine, against the
dense SwiGLU layer with the same active parameters ((shared + top_k) * expert_hidden hidden units). It prints one JSON
line per shape and dtype, and the machine's matmul rate in the same dtype.

    python3 tools/reference/moe_layer_gpu.py [--out results.json]
"""
import argparse
import json
import statistics
import sys

import torch
import torch.nn.functional as F

SHAPES = {
    # Lab's `small` preset, 2,048 tokens a step (what `lab bench moe` times on the CPU).
    "small": dict(tokens=2048, dim=256, routed=16, top_k=4, shared=1, hidden=128),
    # The same proportions four times wider and with eight times the tokens.
    "wide": dict(tokens=16384, dim=1024, routed=16, top_k=4, shared=1, hidden=512),
    # DeepSeek-style fine-grained experts: many small routed experts, two shared.
    "fine": dict(tokens=16384, dim=1024, routed=64, top_k=6, shared=2, hidden=256),
}


def swiglu(x, gate, up, down):
    return F.linear(F.silu(F.linear(x, gate)) * F.linear(x, up), down)


class Dense(torch.nn.Module):
    def __init__(self, dim, hidden, dtype):
        super().__init__()
        p = lambda *s: torch.nn.Parameter(torch.randn(*s, device="cuda", dtype=dtype) * 0.02)
        self.gate, self.up, self.down = p(hidden, dim), p(hidden, dim), p(dim, hidden)

    def forward(self, x):
        return swiglu(x, self.gate, self.up, self.down)


class Moe(torch.nn.Module):
    def __init__(self, dim, routed, top_k, shared, hidden, dtype, grouped):
        super().__init__()
        p = lambda *s: torch.nn.Parameter(torch.randn(*s, device="cuda", dtype=dtype) * 0.02)
        self.top_k, self.routed, self.grouped = top_k, routed, grouped
        self.router = p(routed, dim)
        self.bias = torch.zeros(routed, device="cuda", dtype=torch.float32)
        self.shared = Dense(dim, shared * hidden, dtype) if shared > 0 else None
        self.gate, self.up = p(routed, hidden, dim), p(routed, hidden, dim)
        self.down = p(routed, dim, hidden)

    def forward(self, x):
        scores = F.linear(x, self.router).float().sigmoid()
        with torch.no_grad():
            experts = (scores + self.bias).topk(self.top_k, dim=-1).indices
        weights = scores.gather(1, experts)
        weights = (weights / weights.sum(-1, keepdim=True)).to(x.dtype)
        flat = experts.reshape(-1)
        order = flat.argsort(stable=True)
        tokens = order // self.top_k
        rows = x.index_select(0, tokens)
        counts = torch.bincount(flat, minlength=self.routed)
        if self.grouped:
            offsets = counts.cumsum(0).to(torch.int32)
            h = F.silu(torch._grouped_mm(rows, self.gate.transpose(1, 2), offs=offsets)) * torch._grouped_mm(rows, self.up.transpose(1, 2), offs=offsets)
            out_rows = torch._grouped_mm(h, self.down.transpose(1, 2), offs=offsets)
        else:
            parts = []
            for e, part in enumerate(rows.split(counts.tolist())):
                parts.append(swiglu(part, self.gate[e], self.up[e], self.down[e]))
            out_rows = torch.cat(parts)
        out_rows = out_rows * weights.reshape(-1)[order].unsqueeze(1)
        out = torch.zeros_like(x).index_add_(0, tokens, out_rows)
        return out + self.shared(x) if self.shared is not None else out


def time_ms(layer, x, warmup=10, reps=40):
    def step():
        layer.zero_grad(set_to_none=True)
        y = layer(x)
        y.float().square().mean().backward()
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        step()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def matmul_tflops(dtype, n=8192):
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(10):
        a @ b
    end.record()
    end.synchronize()
    return 2 * n ** 3 * 10 / (start.elapsed_time(end) / 1000) / 1e12


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.manual_seed(0)
    results = []
    device = torch.cuda.get_device_name()
    for dtype_name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        peak = matmul_tflops(dtype)
        for name, s in SHAPES.items():
            x = torch.randn(s["tokens"], s["dim"], device="cuda", dtype=dtype, requires_grad=True)
            dense_hidden = (s["shared"] + s["top_k"]) * s["hidden"]
            dense = Dense(s["dim"], dense_hidden, dtype)
            row = dict(device=device, dtype=dtype_name, shape=name, **s, dense_hidden=dense_hidden, matmul_tflops=round(peak, 1))
            row["dense_ms"] = round(time_ms(dense, x), 3)
            row["moe_loop_ms"] = round(time_ms(Moe(s["dim"], s["routed"], s["top_k"], s["shared"], s["hidden"], dtype, grouped=False), x), 3)
            try:
                row["moe_grouped_ms"] = round(time_ms(Moe(s["dim"], s["routed"], s["top_k"], s["shared"], s["hidden"], dtype, grouped=True), x), 3)
            except Exception as e:  # the grouped kernel takes only some dtypes and devices
                row["moe_grouped_ms"] = None
                row["grouped_error"] = str(e).splitlines()[0][:160]
            best = min(v for v in (row["moe_loop_ms"], row["moe_grouped_ms"]) if v is not None)
            row["moe_over_dense"] = round(best / row["dense_ms"], 3)
            # Useful work: three matmuls a SwiGLU, forward (2 FLOPs a multiply-add) and backward (twice that).
            flops = 6 * s["tokens"] * 3 * s["dim"] * dense_hidden
            row["dense_share_of_matmul_rate"] = round(flops / (row["dense_ms"] / 1000) / 1e12 / peak, 3)
            row["moe_share_of_matmul_rate"] = round(flops / (best / 1000) / 1e12 / peak, 3)
            print(json.dumps(row), flush=True)
            results.append(row)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())

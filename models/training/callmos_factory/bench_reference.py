"""References for `npm run bench` (bench/ in the repo root calls these with python3; JSON on stdout).

Each subcommand measures one thing the Node bench puts beside its own number, in the same run:

- stft:   scipy resample 48 -> 16 kHz + the numpy compressed STFT (features.py) on a whole clip.
- v7:     the released Distill-MOS v7 size of DESIGN.md's conv-transformer (our Student code, random
          weights), PyTorch CPU, one thread, one 7.68 s window per 1 s hop.
- flops:  FLOPs of one window of each architecture (PyTorch's FlopCounterMode: convs, matmuls, attention).
- sgemm:  the machine's measured FLOP/s on one thread (a large float32 matrix product), the compute floor.
- gpu:    batch throughput of the largest shipped architecture in PyTorch on CUDA (skipped without a GPU).
- plots:  the PNG figures of a results.json (bench_plots.py).

Python lives only here (models/training); the Node side only spawns this module.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

from .features import HOP, N_BINS, num_frames

# The released student v7 of the Distill-MOS paper (DESIGN.md): 4.3 M parameters, 7.68 s windows
# (122880 samples), 1 s hop, channels 64, 64, 128, ... up to a cap, time halved only at the last conv.
# Built from our Student code; this config lands at 4.31 M parameters (printed with every run).
V7_WINDOW_SAMPLES = 122880
V7_HOP_SECONDS = 1.0


def v7_config():
    from .student import StudentConfig

    return StudentConfig("distill-mos-v7-size", (64, 64, 128, 128, 256, 256), (5,), 256, 4, 4, 800)


def _median_seconds(fn, runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cmd_stft(args) -> dict:
    from scipy.signal import resample_poly

    from .features import compressed_stft

    x = ((np.random.default_rng(1).random(48000 * args.seconds) - 0.5) * 0.3).astype(np.float32)
    wall = _median_seconds(lambda: compressed_stft(resample_poly(x, 1, 3).astype(np.float32)), args.runs)
    return {"audioSeconds": args.seconds, "wallSeconds": wall, "xRealTime": args.seconds / wall,
            "what": "scipy resample_poly 48->16 kHz + numpy compressed STFT (features.py), whole clip, float64 FFT"}


def _torch_one_thread():
    import torch

    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    return torch


def _student(cfg):
    from .student import Student, count_params

    m = Student(cfg).eval()
    return m, count_params(m)


def cmd_v7(args) -> dict:
    torch = _torch_one_thread()
    torch.manual_seed(0)
    cfg = v7_config()
    model, params = _student(cfg)
    frames = num_frames(V7_WINDOW_SAMPLES)
    x = torch.randn(1, 2, N_BINS, frames)
    per_window = _median_seconds(lambda: model(x), args.runs)
    return {"model": "Distill-MOS v7 size (PyTorch CPU, random weights)", "config": cfg.to_dict(), "params": params,
            "windowSeconds": V7_WINDOW_SAMPLES / 16000, "windowFrames": frames, "hopSeconds": V7_HOP_SECONDS,
            "perWindowMs": per_window * 1000, "rtf": per_window / V7_HOP_SECONDS,
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def window_flops(cfg, frames: int) -> int:
    """FLOPs (2 per multiply-add) of one window through the architecture, as PyTorch counts them."""
    torch = _torch_one_thread()
    from torch.utils.flop_counter import FlopCounterMode

    model, _ = _student(cfg)
    counter = FlopCounterMode(display=False)
    with counter:
        model(torch.zeros(1, 2, N_BINS, frames))
    return int(counter.get_total_flops())


def cmd_flops(args) -> dict:
    from .student import StudentConfig

    out = {}
    for spec in json.loads(args.archs):
        arch = dict(spec["architecture"])
        arch["channels"], arch["time_stride_at"] = tuple(arch["channels"]), tuple(arch["time_stride_at"])
        cfg = StudentConfig(**arch)
        out[spec["model"]] = {"flopsPerWindow": window_flops(cfg, spec["windowFrames"]), "windowFrames": spec["windowFrames"]}
    cfg = v7_config()
    out["v7"] = {"flopsPerWindow": window_flops(cfg, num_frames(V7_WINDOW_SAMPLES)), "windowFrames": num_frames(V7_WINDOW_SAMPLES)}
    return {"counter": "torch.utils.flop_counter.FlopCounterMode (conv, matmul, attention; elementwise ops not counted)",
            "models": out}


def cmd_sgemm(args) -> dict:
    torch = _torch_one_thread()
    n = args.n
    a, b = torch.randn(n, n), torch.randn(n, n)
    wall = _median_seconds(lambda: torch.mm(a, b), args.runs)
    return {"n": n, "seconds": wall, "flops": 2 * n**3 / wall, "what": f"torch.mm float32 {n}x{n}, 1 thread",
            "torch": torch.__version__, "blas": torch.__config__.show().count("mkl") > 0 and "MKL" or "other"}


def cmd_gpu(args) -> dict:
    import torch

    if not torch.cuda.is_available():
        return {"skipped": "no GPU (torch.cuda.is_available() is false)"}
    from .student import StudentConfig

    arch = json.loads(args.arch)
    arch["channels"], arch["time_stride_at"] = tuple(arch["channels"]), tuple(arch["time_stride_at"])
    torch.set_grad_enabled(False)
    model, params = _student(StudentConfig(**arch))
    model = model.cuda()
    rows = []
    for batch in [int(b) for b in args.batches.split(",")]:
        x = torch.randn(batch, 2, N_BINS, args.frames, device="cuda")

        def step():
            model(x)
            torch.cuda.synchronize()

        per_batch = _median_seconds(step, args.runs, warmup=3)
        rows.append({"batch": batch, "perBatchMs": per_batch * 1000, "windowsPerSecond": batch / per_batch})
    return {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "params": params, "rows": rows,
            "what": "PyTorch fp32 eager, same architecture as the shipped model, random weights"}


def cmd_plots(args) -> dict:
    from .bench_plots import write_plots

    return write_plots(args.results, args.out)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python3 -m callmos_factory.bench_reference")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("stft")
    s.add_argument("--seconds", type=int, default=120)
    s.add_argument("--runs", type=int, default=5)
    s = sub.add_parser("v7")
    s.add_argument("--runs", type=int, default=5)
    s = sub.add_parser("flops")
    s.add_argument("--archs", required=True, help='JSON list of {"model", "architecture", "windowFrames"}')
    s = sub.add_parser("sgemm")
    s.add_argument("--n", type=int, default=2048)
    s.add_argument("--runs", type=int, default=5)
    s = sub.add_parser("gpu")
    s.add_argument("--arch", required=True, help="card.training.architecture as JSON")
    s.add_argument("--frames", type=int, required=True)
    s.add_argument("--batches", default="1,16,64,256")
    s.add_argument("--runs", type=int, default=10)
    s = sub.add_parser("plots")
    s.add_argument("--results", required=True)
    s.add_argument("--out", required=True)
    args = p.parse_args(argv)
    result = {"stft": cmd_stft, "v7": cmd_v7, "flops": cmd_flops, "sgemm": cmd_sgemm, "gpu": cmd_gpu, "plots": cmd_plots}[args.cmd](args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()

#!/usr/bin/env python3
"""Turns GemmBenchmark's JMH JSON (-rf json) into a GFLOP/s table with ratios vs FP32-java.

    python3 benchmarks/gflops.py results.json

GFLOP/s = 2*m*n*k * ops/s / 1e9, with (m, n, k) from the shape names exactly as GemmBenchmark.problem
defines them (B = 512). GFLOP/s and ratios are truncated (never rounded up) to the digits shown; the
JMH error (99.9% CI half-width) is rounded up, so the uncertainty is never understated.
"""
import json
import math
import sys

BATCH = 512
LAYERS = {"L1": (784, 512), "L2": (512, 256), "L3": (256, 10)}
SHAPES = ["L1.fwd", "L1.dW", "L1.dX", "L2.fwd", "L2.dW", "L2.dX", "L3.fwd", "L3.dW", "L3.dX"]
KERNELS = ["java", "vector", "native"]
PRECISIONS = ["fp32", "fp16", "bf16"]


def problem(shape):
    layer, product = shape.split(".")
    fan_in, fan_out = LAYERS[layer]
    return {"fwd": (BATCH, fan_out, fan_in, "NN"),
            "dW": (fan_in, fan_out, BATCH, "TN"),
            "dX": (BATCH, fan_in, fan_out, "NT")}[product]


def down(x, digits=1):
    """x truncated (not rounded) to `digits` decimals, so no number is rounded up."""
    f = 10 ** digits
    return math.floor(x * f) / f


def up(x, digits=1):
    f = 10 ** digits
    return math.ceil(x * f) / f


def main(path):
    with open(path) as fh:
        runs = json.load(fh)
    gflops = {}
    for run in runs:
        p = run["params"]
        m, n, k, _ = problem(p["shape"])
        flop = 2.0 * m * n * k
        score = run["primaryMetric"]["score"]
        err = run["primaryMetric"].get("scoreError")
        err = None if err is None or (isinstance(err, float) and math.isnan(err)) else err
        gflops[(p["shape"], p["precision"], p["kernel"])] = (score * flop / 1e9, None if err is None else err * flop / 1e9)
    cols = [(pr, kr) for pr in PRECISIONS for kr in KERNELS]
    print("GFLOP/s (± JMH 99.9% error); in brackets: ratio vs FP32-java of the same shape")
    print()
    print("| shape | m×n×k | op | " + " | ".join(f"{pr.upper()} {kr}" for pr, kr in cols) + " |")
    print("|---|---|---|" + "---|" * len(cols))
    for shape in SHAPES:
        m, n, k, op = problem(shape)
        base = gflops.get((shape, "fp32", "java"), (None, None))[0]
        cells = []
        for pr, kr in cols:
            v = gflops.get((shape, pr, kr))
            if v is None:
                cells.append("n/a")
                continue
            g, e = v
            text = f"{down(g)}"
            if e is not None:
                text += f" ±{up(e)}"
            if base:
                text += f" [{down(g / base, 2)}×]"
            cells.append(text)
        print(f"| {shape} | {m}×{n}×{k} | {op} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "jmh-result.json")

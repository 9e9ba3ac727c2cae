#!/usr/bin/env python3
"""Steady-state training speed per precision, side by side: runs `bin/amp train` for each precision in
turn (ROUNDS rounds, alternating, so host load hits every precision alike) and reads the per-step metrics.

    python3 benchmarks/precision_steady.py [--rounds 2] [--steps 900] [--skip 500] [--transport barrier]
                                           [--batch-size 4096] [--micro-batch-size 512] [--master 'local[2]']
                                           [fp32 fp16 bf16]

Per precision: samples/s over steps skip+1..steps (rows / summed step time, every round's steps pooled),
the ratio to fp32, the median step ms, the median task compute ms (the slowest task's compute of a step)
and the share of the step outside task compute. Prints a Markdown table; numbers are this host's, now.

The default window (steps 501-900) starts after the JIT has settled: C2 compiles the per-layer methods
once they have been called a few thousand times, which is around steps 100-500 (perf: the compiler thread
took 7 % of the samples at steps 270-440, 1.4 % at steps 900-1200). That compile time is about the same
in every precision, so an earlier window charges it to the fastest precision's shorter steps the most."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(precision, args, metrics):
    cmd = [os.path.join(ROOT, "bin", "amp"), "train", "--config", "conf/fashion-mnist.conf", "--precision", precision,
           "--batch-size", str(args.batch_size), "--steps", str(args.steps), "--eval-every", "0",
           "--checkpoint-every", "0", "--transport", args.transport, "--master", args.master, "--metrics", metrics,
           "--micro-batch-size", str(args.micro_batch_size),
           "--checkpoint-dir", os.path.join(os.path.dirname(metrics), "run-" + os.path.basename(metrics))]
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        sys.exit("amp: bench run for %s failed (exit %d):\n%s" % (precision, done.returncode, done.stdout[-3000:]))
    steps = []
    with open(metrics) as f:
        for line in f:
            record = json.loads(line)
            if "step_ms" in record and record["step"] > args.skip:
                steps.append(record)
    return steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--skip", type=int, default=500)
    parser.add_argument("--transport", default="barrier")
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--micro-batch-size", type=int, default=512)
    parser.add_argument("precisions", nargs="*", default=["fp32", "fp16", "bf16"])
    args = parser.parse_args()
    pooled = {p: [] for p in args.precisions}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for p in args.precisions:
                steps = run(p, args, os.path.join(tmp, "%s-%d.jsonl" % (p, r)))
                pooled[p].extend(steps)
                rate = sum(s["rows"] for s in steps) / (sum(s["step_ms"] for s in steps) / 1000.0)
                print("round %d %s: %.0f samples/s" % (r + 1, p, rate), file=sys.stderr)
    base = None
    print("| precision | samples/s | vs %s | median step ms | median task compute ms | outside compute |" % args.precisions[0])
    print("|---|---|---|---|---|---|")
    for p in args.precisions:
        steps = pooled[p]
        rate = sum(s["rows"] for s in steps) / (sum(s["step_ms"] for s in steps) / 1000.0)
        base = base or rate
        step = statistics.median(s["step_ms"] for s in steps)
        compute = statistics.median(s["compute_ms"] for s in steps)
        print("| %s | %s | %.2fx | %.1f | %.1f | %.0f%% |" % (p, format(round(rate), ","), rate / base, step, compute,
                                                             100.0 * (1 - compute / step)))


if __name__ == "__main__":
    main()

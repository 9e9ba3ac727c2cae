#!/usr/bin/env python3
"""Summarise Spark AMP metrics files (written by `--metrics FILE`: one JSON line per step, plus one per
test-set evaluation, the lines that carry `test_loss`).

    python3 notebooks/runs_summary.py runs/fashion-mnist/metrics.jsonl runs/bench/*.jsonl

For each run: steps, skipped steps, loss-scale changes, first/last loss, and the stability check of a
long run: median step time in the first and last tenth of the steps (a run whose
lineage or broadcasts leaked would get slower step over step) and the lowest driver heap seen in each
(the level the heap returns to after garbage collection; it would climb if the driver leaked).
Standard library only; notebooks/precision_comparison.ipynb imports `load_run` from here.
"""
import json
import statistics
import sys


def load(path):
    """Every line of a metrics file, parsed."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def load_run(path):
    """A metrics file split into (step lines, evaluation lines)."""
    lines = load(path)
    return ([r for r in lines if "test_loss" not in r], [r for r in lines if "test_loss" in r])


def tenth(rows, last):
    n = max(1, len(rows) // 10)
    return rows[-n:] if last else rows[:n]


def summarise(path):
    rows, _ = load_run(path)
    if not rows:
        return f"{path}: empty"
    skipped = sum(1 for r in rows if r.get("skipped"))
    scales = []
    for r in rows:
        if not scales or scales[-1][1] != r["loss_scale"]:
            scales.append((r["step"], r["loss_scale"]))
    first, last = tenth(rows, False), tenth(rows, True)
    med = lambda part, key: statistics.median(r[key] for r in part if r.get(key) is not None)
    lines = [
        f"{path}: {len(rows)} steps (steps {rows[0]['step']}..{rows[-1]['step']}), {skipped} skipped",
        f"  loss {rows[0]['loss']:.4f} -> {rows[-1]['loss']:.4f}; loss scale changes: "
        + ", ".join(f"step {s}: {v:g}" for s, v in scales[:12]) + (" ..." if len(scales) > 12 else ""),
        f"  median step ms: first tenth {med(first, 'step_ms'):.1f}, last tenth {med(last, 'step_ms'):.1f}; "
        f"lowest heap MB (after GC): first tenth {min(r['heap_used_mb'] for r in first)}, "
        f"last tenth {min(r['heap_used_mb'] for r in last)}",
        f"  median samples/s {statistics.median(r['samples_per_second'] for r in rows):.0f}; "
        f"median overhead fraction {statistics.median(r.get('overhead_fraction', 0) for r in rows):.3f}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        print(summarise(p))

#!/usr/bin/env python3
"""Per-op table of a task's compute from a Flight Recorder file written by TaskProfile --jfr.

    python3 benchmarks/profile_ops.py /tmp/jfr/task-bf16.jfr [task_cpu_ms] [--threads PREFIX]

Reads the 1 ms execution and native-method samples of the thread(s) that ran the task steps, names each
sample by the innermost frame it recognises (a oneDNN call is a GEMM, an Elementwise pass by its name,
...), and prints samples, share and, given the task's median CPU ms, the ms per task of every op.
--threads 'Executor task launch' reads a recording of a real run instead (`bin/amp train` with
AMP_JAVA_OPTS=-XX:StartFlightRecording=...): its Spark task threads.
"""
import argparse
import collections
import json
import subprocess

RULES = [  # (substring of "class.method" of a frame, op name); the first frame from the top that matches wins
    ("org.bytedeco.dnnl", "GEMM (oneDNN matmul)"),
    ("OneDnnGemmKernel", "GEMM (oneDNN matmul)"),
    ("VectorGemmKernel", "GEMM (Vector API)"),
    ("JavaGemmKernel", "GEMM (Java)"),
    ("Elementwise.biasEpilogue", "bias epilogue: + bias, round"),
    ("Elementwise.relu", "ReLU forward (+ mask bits)"),
    ("Elementwise.maskScale", "masks: ReLU backward, dropout"),
    ("DropoutLayer.keptMask", "dropout mask (random draws)"),
    ("Elementwise.maskPositive", "ReLU backward (mask by the saved output, + round)"),
    ("Elementwise.round", "16-bit casts and roundings (+ underflow count)"),
    ("Elementwise.addColumnSums", "bias gradient (column sums, double)"),
    ("Elementwise.convert", "16-bit casts and roundings (+ underflow count)"),
    ("BatchRowSource.gatherFeatures", "gather features from Arrow"),
    ("ListMatrix.copyRowsTo", "gather features from Arrow"),
    ("MicroBatchInput.targets", "gather targets"),
    ("MicroBatchInput.features", "features widened from 16-bit codes (FP32 compute)"),
    ("MicroBatchInput.outputs", "logits to floats"),
    ("io.sparkamp.core.loss", "softmax cross-entropy (+ gradient, right answers)"),
    ("BatchPlan", "row sampling (BatchPlan permutation)"),
    ("GradientPartial", "gradient partial (allocate, finite check)"),
    ("Matrix.clear", "zero the gradient buffer"),
    ("ComputeContext.fillWeights", "weights into the workspace (once per step)"),
    ("Matrix.writeFloats", "loss gradient into the workspace"),
    ("Elementwise.smoothGradient", "smooth activation backward (GELU, tanh, sigmoid)"),
    ("Elementwise.smooth", "smooth activation forward (GELU, tanh, sigmoid)"),
    ("SmoothActivationLayer", "smooth activation: the rest (reads, saved input)"),
    ("Reductions.sum", "layer norm: row mean and variance"),
    ("Elementwise.normalizeRow", "layer norm: normalize rows"),
    ("Elementwise.accumulateNormGradients", "layer norm: gamma and beta gradients"),
    ("Elementwise.normGradientRow", "layer norm: input gradient rows"),
    ("LayerNormLayer.backward", "layer norm: backward row sums"),
    ("LayerNormLayer", "layer norm: the rest (reads, saved values)"),
    ("SavedTensor", "saved activations (keep, decode)"),
    ("Matrix.readFloats", "matrices read into floats"),
    ("PartitionWorker.compute", "gradient copy-out and loop"),
]

# A sample whose innermost frame is in these packages ran the Vector API's Java implementation, which C2 replaces
# by vector instructions once it compiles the calling loop.
VECTOR_FALLBACK = ("jdk.incubator.vector.", "jdk.internal.vm.vector.")


def frames(event):
    stack = event.get("values", {}).get("stackTrace") or {}
    for frame in stack.get("frames", []):
        method = frame.get("method", {})
        owner = method.get("type", {}).get("name", "")
        yield owner.replace("/", ".") + "." + method.get("name", "")


def classify(event):
    names = list(frames(event))
    for name in names:
        for key, op in RULES:
            if key in name:
                return op
    return "other: " + (names[0] if names else "?")


def main(path, task_ms=None, prefix=None):
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample", path],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(out)["recording"]["events"]
    counts = collections.Counter()
    fallback = 0
    for e in events:
        thread = e.get("values", {}).get("sampledThread") or {}
        name = thread.get("javaName") or ""
        if prefix is not None:
            if not name.startswith(prefix):
                continue
        elif name != "main" and not name.startswith("task-"):  # the step's thread(s); task-N with --threads N
            continue
        counts[classify(e)] += 1
        top = next(frames(e), "")
        fallback += top.startswith(VECTOR_FALLBACK)
    total = sum(counts.values())
    print("| op | samples | share |" + (" ms per task |" if task_ms else ""))
    print("|---|---|---|" + ("---|" if task_ms else ""))
    for op, n in counts.most_common():
        row = f"| {op} | {n} | {100.0 * n / total:.1f}% |"
        if task_ms:
            row += f" {task_ms * n / total:.2f} |"
        print(row)
    if fallback:
        print(f"\n{fallback} samples ({100.0 * fallback / total:.1f}%) ran the Vector API's Java implementation: code C2 had "
              "not compiled (yet) or vectors being boxed, not the passes' compiled speed (docs/vector-code.md)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("recording")
    parser.add_argument("task_ms", nargs="?", type=float)
    parser.add_argument("--threads", help="sample only threads whose name starts with this")
    args = parser.parse_args()
    main(args.recording, args.task_ms, args.threads)

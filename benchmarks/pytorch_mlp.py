#!/usr/bin/env python3
"""The peer for `amp bench`: the same Fashion-MNIST MLP trained in PyTorch on the same cores.

    python3 benchmarks/pytorch_mlp.py --data /usr/share/datasets/fashion-mnist --threads 2 --precision fp32

Same model (784-512-256-10, ReLU, He-uniform weights, zero biases), loss (softmax cross-entropy), optimizer
(Adam, lr 0.003) and global batch (4096) as conf/fashion-mnist.conf, on the gzipped IDX files the project
converts (features scaled to [0, 1]). The data is held in memory as one FP32 tensor; each step trains on the
next 4096 rows of a fresh permutation per epoch. samples/s counts training steps only (forward, loss,
backward, optimizer), after `--warmup-steps` untimed steps; the test accuracy is measured after training.
`--precision bf16` runs the forward under torch.autocast(cpu, bfloat16), PyTorch's own mixed precision.
Prints one JSON line; its "blas" is the BLAS library the process mapped (Debian's torch computes its FP32
matmuls with whatever libblas.so.3 the system's alternatives point to: the reference BLAS, unless an
OpenBLAS is installed).
"""
import argparse
import gzip
import json
import math
import os
import time

import numpy as np
import torch


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory, prefix):
    images = read_idx(os.path.join(directory, prefix + "-images-idx3-ubyte.gz")).reshape(-1, 784)
    labels = read_idx(os.path.join(directory, prefix + "-labels-idx1-ubyte.gz"))
    return torch.from_numpy(images.astype(np.float32) / 255.0), torch.from_numpy(labels.astype(np.int64))


def blas_library():
    """The BLAS library file this process has mapped, or None (not Linux, or none loaded)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                slash = line.find("/")
                if slash < 0:
                    continue
                path = line[slash:].strip()
                name = os.path.basename(path).lower()
                if name.startswith(("libblas", "libopenblas", "libmkl_rt", "libblis")):
                    return path
    except OSError:
        pass
    return None


def model():
    net = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 10))
    for layer in net:
        if isinstance(layer, torch.nn.Linear):
            bound = math.sqrt(6.0 / layer.in_features)
            torch.nn.init.uniform_(layer.weight, -bound, bound)
            torch.nn.init.zeros_(layer.bias)
    return net


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--warmup-steps", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")
    net = model()
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    rows = x_train.shape[0]
    generator = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(rows, generator=generator)
    position = 0

    def step():
        nonlocal order, position
        if position + args.batch_size > rows:
            order = torch.randperm(rows, generator=generator)
            position = 0
        index = order[position:position + args.batch_size]
        position += args.batch_size
        x, y = x_train[index], y_train[index]
        optimizer.zero_grad(set_to_none=True)
        if args.precision == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                loss = loss_fn(net(x), y)
        else:
            loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup_steps):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - started
    with torch.no_grad():
        accuracy = (net(x_test).argmax(dim=1) == y_test).float().mean().item()
    print(json.dumps({"framework": "pytorch", "version": torch.__version__, "precision": args.precision,
                      "threads": args.threads, "batch_size": args.batch_size, "steps": args.steps,
                      "samples_per_second": args.steps * args.batch_size / seconds, "training_seconds": seconds,
                      "test_accuracy": accuracy, "blas": blas_library()}))


if __name__ == "__main__":
    main()

"""Mini-batch rows: one gather per batch, or one per epoch into a shuffled buffer?

Each epoch visits the rows of X in a new random order.  skbp gathers each
mini-batch's rows into a small buffer just before its products (``Epochs``
in ``skbp/_training.py``).  The alternative is to gather a whole epoch's
rows (or ``k`` batches at a time, to bound the memory) into one shuffled,
contiguous buffer, so that the batches are views.  This script times both on
bench.py's shape — 60,000 × 784 rows, batch 200, the input layer's two
products X W and Xᵀ E of a (100,) hidden layer — as medians and fastest of
repeated epochs, in one run, and gives the extra memory of each buffer.

Usage
-----
    python benchmarks/gather.py                  # float64 and float32
    python benchmarks/gather.py --rows 20000 --repeats 3
"""

import argparse
import statistics
import time

import numpy as np

BATCH, FEATURES, HIDDEN = 200, 784, 100


def epoch(X, order, batches_per_gather, buffers):
    """One epoch: gather ``batches_per_gather`` batches at a time (0: all),
    then each batch's two products on views of the buffer."""
    n = X.shape[0]
    rows = n if batches_per_gather == 0 else batches_per_gather * BATCH
    buf, W, E, Z, G = buffers
    for first in range(0, n, rows):
        idx = order[first : first + rows]
        block = np.take(X, idx, axis=0, out=buf[: len(idx)], mode="clip")
        for start in range(0, len(idx), BATCH):
            X_b = block[start : start + BATCH]
            np.matmul(X_b, W, out=Z[: len(X_b)])
            np.matmul(X_b.T, E[: len(X_b)], out=G)


def measure(n_rows, dtype, repeats, ks):
    """{k: (median s, fastest s, extra MiB)} for each gather size k."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, FEATURES)).astype(dtype)
    W = rng.standard_normal((FEATURES, HIDDEN)).astype(dtype)
    E = rng.standard_normal((BATCH, HIDDEN)).astype(dtype)
    Z, G = np.empty((BATCH, HIDDEN), dtype), np.empty((FEATURES, HIDDEN), dtype)
    order = np.arange(n_rows)
    buffers = {}
    for k in ks:
        rows = n_rows if k == 0 else k * BATCH
        buffers[k] = (np.empty((rows, FEATURES), dtype), W, E, Z, G)
    times = {k: [] for k in ks}
    for _ in range(repeats):  # alternating, so that drifts hit all alike
        for k in ks:
            rng.shuffle(order)
            start = time.perf_counter()
            epoch(X, order, k, buffers[k])
            times[k].append(time.perf_counter() - start)
    return {
        k: (
            statistics.median(t),
            min(t),
            buffers[k][0].nbytes / 2**20,
        )
        for k, t in times.items()
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    ks = [1, 4, 16, 0]
    for dtype in (np.float64, np.float32):
        result = measure(args.rows, dtype, args.repeats, ks)
        base = result[1][1]
        print(f"\n{np.dtype(dtype).name}, {args.rows} × {FEATURES}, batch {BATCH}")
        print(
            "| gather | s/epoch median | fastest | fastest / per batch | buffer MiB |"
        )
        print("|---|---|---|---|---|")
        for k, (median, fastest, mib) in result.items():
            name = "whole epoch" if k == 0 else f"{k} batch{'es' if k > 1 else ''}"
            print(
                f"| {name} | {median:.4f} | {fastest:.4f} | {fastest / base:.2f} "
                f"| {mib:.1f} |"
            )


if __name__ == "__main__":
    main()

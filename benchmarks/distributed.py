"""Data-parallel training on a dask cluster against the in-memory fit.

What is measured
----------------
One ``distributed.LocalCluster`` of 2 worker processes x 1 thread on
127.0.0.1 (this machine has 2 cores: every scaling figure beyond 2 workers
is the cost model below, on paper).  Synthetic standard-normal float64 rows
(``--rows`` x ``--features``), made *on the workers* (``dask.array.random``)
and persisted there in ``2 x --chunks-per-worker`` chunks; labels from a
random linear teacher, 2 classes; a logistic hidden layer of ``--hidden``
units, log-loss.  The in-memory column gathers the same rows once (a copy
for the comparison only) and fits them in this process, with the BLAS
threads it has.

    lbfgs     seconds per L-BFGS iteration (``--iters`` iterations, tol=0),
              the cluster's fit vs the in-memory fit; they take the same
              iterates (tests/test_distributed.py checks that).
    sgd/adam  seconds per epoch on ``--sgd-rows`` rows (a sub-set: each step
              is one round trip, so an epoch of 200-row batches on the full
              set would take ``rows / 200`` round trips), at batch 200
              (MLPClassifier's 'auto') and at ``--big-batch``.
    latency   the median seconds of one round trip that does nothing
              (one tiny task computed from the client): the floor of every
              step.

Bytes moved are counted from what the graphs carry (8 bytes a float64
parameter, P parameters): per evaluation or step the parameters go out once
(client -> scheduler -> a worker, then to the other W - 1 workers: W·8P)
and each of the K <= 8 chunk tasks sends its partial gradient (8P) to the
client, which adds them (more chunks: a tree of fan-in 8 on the workers
first).  So about (W + K)·8P bytes, whatever the number of rows; the rows
themselves never move.  Seconds per L-BFGS iteration leave out the fit's
fixed start (persisting, checking and encoding the rows: reported apart):
(T(iters) - T(1)) / (iters - 1).

Cost model (on paper: 4-64 workers on a 10 Gbit/s network)
----------------------------------------------------------
For W workers, one chunk each, N rows, P parameters, an L-BFGS evaluation
costs

    T(W) = N·c / W              compute: c = seconds per row per core,
                                measured here from the in-memory fit on one
                                BLAS thread (forward + backward pass)
         + d(W)·(8P / B + h)    the partial sums: d(W) = max(1, ceil(log_8 W))
                                hops of 8P bytes at B = 1.25e9 B/s
                                (10 Gbit/s), h = 0.5 ms a hop, plus the
                                min(W, 8) gradients the client receives
         + 8P·W / B             the parameters broadcast to W workers
         + L + s·(W + W/8)      one round trip L (measured here), plus the
                                scheduler's ~1 ms per task (dask's documented
                                overhead; s = 1e-3) for W chunk tasks and
                                their combines

and the speed-up is T(1) / T(W).  Assumptions: one chunk per worker, equal
chunks, no stragglers, compute scales linearly with rows, the scheduler
handles one step's tasks serially, the client's L-BFGS-B update (O(P) per
iteration) is negligible.  An sgd/adam step is the same with N replaced by
the batch: at 200 rows the compute is microseconds and T(W) is latency, so
data-parallel sgd at small batches is slower on any cluster than on one
machine; it pays only with large batches or large networks.

Usage
-----
    python benchmarks/distributed.py --quick                 # seconds: smoke
    python benchmarks/distributed.py                         # 200,000 x 100
    python benchmarks/distributed.py --rows 1000000 --iters 3  # the issue's aim
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

# This file is named like the ``distributed`` package: drop its folder from
# the import path, so that ``import distributed`` finds dask's.
sys.path[:] = [
    p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()
]

B = 1.25e9  # bytes per second: 10 Gbit/s
HOP = 5e-4  # seconds per worker-to-worker hop on such a network
TASK = 1e-3  # scheduler seconds per task (dask's documented overhead)


def parse():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--iters", type=int, default=5)
    parser.add_argument("--sgd-rows", type=int, default=20_000)
    parser.add_argument("--big-batch", type=int, default=5_000)
    parser.add_argument("--chunks-per-worker", type=int, default=1)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.features, args.hidden = 4_000, 20, 16
        args.iters, args.sgd_rows, args.big_batch = 3, 1_000, 500
    return args


def make_data(client, rows, features, chunks):
    """Rows made and persisted on the workers; labels from a linear teacher."""
    import dask.array as da

    rs = da.random.RandomState(0)
    X = rs.standard_normal(
        (rows, features), chunks=(math.ceil(rows / chunks), features)
    )
    teacher = np.random.RandomState(1).standard_normal(features)
    y = (X @ teacher > 0).astype(np.int64)
    return client.persist([X, y])


def timed(fit):
    start = time.perf_counter()
    model = fit()
    return time.perf_counter() - start, model


def lbfgs_row(client, X, y, X_mem, y_mem, hidden, iters):
    from skbp import BackpropClassifier

    params = dict(
        hidden_layer_sizes=(hidden,),
        solver="lbfgs",
        loss="log_loss",
        tol=0.0,
        random_state=0,
    )

    def per_iteration(X, y):
        one, _ = timed(lambda: BackpropClassifier(**params, max_iter=1).fit(X, y))
        many, model = timed(
            lambda: BackpropClassifier(**params, max_iter=iters).fit(X, y)
        )
        assert model.n_iter_ == iters
        step = (many - one) / (iters - 1)
        return step, one - step

    t_mem, start_mem = per_iteration(X_mem, y_mem)
    t_dask, start_dask = per_iteration(X, y)
    return {
        "solver": "lbfgs",
        "rows": int(X.shape[0]),
        "batch": "full",
        "in_memory_s": t_mem,
        "cluster_s": t_dask,
        "unit": "iteration",
        "round_trips": None,
        "fit_start_s": {"in_memory": start_mem, "cluster": start_dask},
    }


def epoch_row(client, X, y, X_mem, y_mem, hidden, solver, batch):
    from skbp import BackpropClassifier

    params = dict(
        hidden_layer_sizes=(hidden,),
        solver=solver,
        loss="log_loss",
        max_iter=1,
        batch_size=batch,
        random_state=0,
    )
    t_mem, _ = timed(lambda: BackpropClassifier(**params).fit(X_mem, y_mem))
    t_dask, _ = timed(lambda: BackpropClassifier(**params).fit(X, y))
    return {
        "solver": solver,
        "rows": int(X.shape[0]),
        "batch": batch,
        "in_memory_s": t_mem,
        "cluster_s": t_dask,
        "unit": "epoch",
        "round_trips": math.ceil(X.shape[0] / batch),
    }


def round_trip(repeats=20):
    """Median seconds of computing one trivial task from the client."""
    import dask

    times = []
    for i in range(repeats):
        start = time.perf_counter()
        dask.compute(dask.delayed(np.add, pure=False)(i, 1))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def seconds_per_row(X_mem, y_mem, hidden):
    """c: one thread's seconds per row of a full-batch evaluation."""
    from threadpoolctl import threadpool_limits

    from skbp import loss_and_gradients

    rng = np.random.RandomState(0)
    n, d = X_mem.shape
    coefs = [rng.randn(d, hidden) * 0.1, rng.randn(hidden, 1) * 0.1]
    intercepts = [np.zeros(hidden), np.zeros(1)]
    Y = y_mem[:, None].astype(float)
    with threadpool_limits(1):
        loss_and_gradients(coefs, intercepts, X_mem, Y, loss="log_loss")
        start = time.perf_counter()
        loss_and_gradients(coefs, intercepts, X_mem, Y, loss="log_loss")
    return (time.perf_counter() - start) / n


def model_seconds(workers, rows, n_params, c, latency):
    """T(W) of the cost model in the module docstring."""
    depth = max(1, math.ceil(math.log(workers, 8))) if workers > 1 else 1
    return (
        rows * c / workers
        + depth * (8 * n_params / B + HOP)
        + 8 * n_params * min(workers, 8) / B
        + 8 * n_params * workers / B
        + latency
        + TASK * (workers + (workers // 8 if workers > 8 else 0))
    )


def cost_model(rows, n_params, c, latency, batch=None):
    base = model_seconds(1, batch or rows, n_params, c, latency)
    return {
        str(w): {
            "seconds": model_seconds(w, batch or rows, n_params, c, latency),
            "speed_up": base / model_seconds(w, batch or rows, n_params, c, latency),
        }
        for w in (1, 2, 4, 8, 16, 32, 64)
    }


def bytes_per_round(n_params, workers, chunks):
    return 8 * n_params * (workers + chunks)


def main():
    args = parse()
    warnings.simplefilter("ignore")
    from distributed import Client, LocalCluster

    workers, chunks = 2, 2 * args.chunks_per_worker
    n_params = args.features * args.hidden + args.hidden + args.hidden + 1
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        X, y = make_data(client, args.rows, args.features, chunks)
        X_mem, y_mem = client.compute([X, y], sync=True)  # the comparison's copy
        latency = round_trip()
        rows = [lbfgs_row(client, X, y, X_mem, y_mem, args.hidden, args.iters)]
        Xs, ys = make_data(client, args.sgd_rows, args.features, chunks)
        Xs_mem, ys_mem = client.compute([Xs, ys], sync=True)
        for solver in ("sgd", "adam"):
            for batch in (200, args.big_batch):
                rows.append(
                    epoch_row(
                        client, Xs, ys, Xs_mem, ys_mem, args.hidden, solver, batch
                    )
                )
        c = seconds_per_row(
            X_mem[: min(len(X_mem), 50_000)],
            y_mem[: min(len(y_mem), 50_000)],
            args.hidden,
        )
    per_round = bytes_per_round(n_params, workers, chunks)
    for row in rows:
        rounds = 1.1 if row["unit"] == "iteration" else row["round_trips"]
        row["ratio"] = row["cluster_s"] / row["in_memory_s"]
        row["bytes_moved"] = int(per_round * rounds)
    report = {
        "machine": f"{platform.node()} {os.cpu_count()} cores (shared)",
        "size": {
            "rows": args.rows,
            "features": args.features,
            "hidden": args.hidden,
            "sgd_rows": args.sgd_rows,
            "chunks": chunks,
            "params": n_params,
        },
        "round_trip_s": latency,
        "seconds_per_row_one_thread": c,
        "rows": rows,
        "model_lbfgs_1M": cost_model(1_000_000, n_params, c, latency),
        "model_lbfgs_this_size": cost_model(args.rows, n_params, c, latency),
        "model_sgd_step_200": cost_model(None, n_params, c, latency, batch=200),
    }
    print_report(report)
    if args.out:
        args.out.write_text(json.dumps(report, indent=1))


def print_report(report):
    size = report["size"]
    print(f"{report['machine']}; 2-worker LocalCluster on 127.0.0.1")
    print(
        f"rows {size['rows']:,} x {size['features']}, hidden ({size['hidden']},), "
        f"{size['chunks']} chunks, {size['params']:,} parameters; sgd/adam on "
        f"{size['sgd_rows']:,} rows"
    )
    print(
        f"round trip (empty task): {report['round_trip_s'] * 1e3:.1f} ms; "
        f"c = {report['seconds_per_row_one_thread'] * 1e6:.2f} us/row/thread\n"
    )
    print(
        "| solver | batch | per | in memory (s) | cluster (s) | ratio | bytes moved |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in report["rows"]:
        print(
            f"| {r['solver']} | {r['batch']} | {r['unit']} | {r['in_memory_s']:.3f} "
            f"| {r['cluster_s']:.3f} | {r['ratio']:.2f} | {r['bytes_moved']:,} |"
        )
    lbfgs = report["rows"][0]["fit_start_s"]
    print(
        f"\nfit start (lbfgs; not in the per-iteration figures): in memory "
        f"{lbfgs['in_memory']:.3f}s, cluster {lbfgs['cluster']:.3f}s"
    )
    for name in ("model_lbfgs_1M", "model_lbfgs_this_size", "model_sgd_step_200"):
        print(f"\ncost model (on paper, 10 Gbit/s), {name}: workers -> s, speed-up")
        print(
            " ".join(
                f"{w}: {v['seconds']:.3f}s x{v['speed_up']:.1f}"
                for w, v in report[name].items()
            )
        )


if __name__ == "__main__":
    main()

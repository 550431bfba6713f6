"""How skbp's and MLPClassifier's cost grows with the number of rows.

For each training-set size, both libraries train the same network (784
synthetic features, one hidden layer of 100 relu units, softmax and
cross-entropy, Adam, batch 200, float64) for a fixed number of epochs
(``tol=0``), alternating skbp and MLP runs; the cost of an epoch is the median
over ``--repeats`` fits of the process's CPU seconds (``time.process_time``)
per epoch, with the BLAS on one thread: CPU time, unlike wall time, hardly
changes when other work shares the cores, so the curve's shape holds on a busy
machine too (``bench.py`` measures wall time on an idle one).  Peak memory
is tracemalloc's peak during one extra, untimed one-epoch fit, the data
excluded.  Writes ``scaling.json`` (with the
machine, as ``bench.py`` describes it) to ``--out``; the documentation's
performance page draws it.

Run::

    python benchmarks/scaling.py --out benchmarks      # a minute or a few
    python benchmarks/scaling.py --smoke               # seconds; prints only
"""

import argparse
import gc
import json
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from datetime import datetime, timezone
from pathlib import Path

from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import machine  # noqa: E402  (the same machine description)

from skbp import BackpropClassifier  # noqa: E402

PARAMS = dict(
    hidden_layer_sizes=(100,),
    activation="relu",
    solver="adam",
    batch_size=200,
    learning_rate_init=1e-3,
    alpha=1e-4,
    tol=0.0,
    n_iter_no_change=10**9,
    random_state=0,
)


def make(library, epochs):
    """An MLP or skbp classifier with ``PARAMS`` for ``epochs`` epochs."""
    if library == "skbp":
        return BackpropClassifier(loss="log_loss", max_iter=epochs, **PARAMS)
    return MLPClassifier(max_iter=epochs, **PARAMS)


def seconds_per_epoch(library, X, y, epochs):
    """CPU time of one fit of ``epochs`` epochs, divided by the epochs run."""
    model = make(library, epochs)
    gc.collect()
    start = time.process_time()
    model.fit(X, y)
    return (time.process_time() - start) / model.n_iter_


def peak_mib(library, X, y):
    """tracemalloc's peak (MiB) during a one-epoch fit; the data excluded."""
    gc.collect()
    tracemalloc.start()
    make(library, 1).fit(X, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def measure(rows, epochs, repeats):
    """One result row per training-set size in ``rows``."""
    X_all, y_all = make_classification(
        n_samples=max(rows),
        n_features=784,
        n_informative=100,
        n_classes=10,
        random_state=0,
    )
    results = []
    for n in rows:
        X, y = X_all[:n], y_all[:n]
        times = {"skbp": [], "mlp": []}
        for _ in range(repeats):
            for library in times:  # alternate, so drifts hit both alike
                times[library].append(seconds_per_epoch(library, X, y, epochs))
        row = {"rows": n}
        for library, values in times.items():
            row[library] = {
                "median": statistics.median(values),
                "times": values,
                "peak_mib": peak_mib(library, X, y),
            }
        results.append(row)
        print(
            f"{n:>7} rows: skbp {row['skbp']['median']:.4f} CPU s/epoch "
            f"({row['skbp']['peak_mib']:.1f} MiB), MLP {row['mlp']['median']:.4f} "
            f"CPU s/epoch ({row['mlp']['peak_mib']:.1f} MiB)"
        )
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="folder for scaling.json")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 1 repeat")
    args = parser.parse_args(argv)
    if args.smoke:
        rows, epochs, repeats = [400, 800], 1, 1
    else:
        rows, epochs, repeats = [2_000, 5_000, 10_000, 20_000, 40_000], 2, args.repeats
    load_before = os.getloadavg()[0]
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)  # fixed epochs
        results = measure(rows, epochs, repeats)
    load = [load_before, os.getloadavg()[0]]
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "smoke": args.smoke,
        "epochs": epochs,
        "repeats": repeats,
        "setting": "784 synthetic features, hidden (100,) relu, log-loss, adam "
        "lr=0.001, batch 200, float64; CPU seconds per epoch, BLAS on one thread",
        "load_average_before_after": load,
        "machine": machine(),
        "rows": results,
    }
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "scaling.json").write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.out / 'scaling.json'}")


if __name__ == "__main__":
    main()

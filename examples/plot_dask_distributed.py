"""
Data-parallel training on a dask cluster
========================================

``fit`` on a dask array trains *data-parallel*: every worker back-propagates
the rows it holds, and only the network's parameters and the per-chunk sums
of the loss and its gradient travel (the seed's BP3 and BP4 are sums over
rows, so the chunks' sums add up to the whole data set's). The rows are never
gathered: the client never holds the training set, and the fitted model is an
ordinary in-memory skbp estimator (NumPy weights) to pickle, export or
predict with anywhere.

- ``solver="lbfgs"``: each evaluation of the loss is one task per chunk; SciPy's
  L-BFGS-B runs on the client. The same optimisation as ``fit`` on the
  concatenated rows, up to the order of the sums.
- ``solver="sgd"`` / ``"adam"``: each step sums the gradient of one global
  mini-batch of ``batch_size`` rows over the chunks that hold them: the same
  batches, epochs, ``n_iter_`` and ``t_`` as in memory, one round trip a step.

Here the cluster is a :class:`distributed.LocalCluster` of two worker
processes on 127.0.0.1. To use a real cluster, change one line:
``client = Client("tcp://scheduler:8786")`` (the workers need skbp installed).

The figure (``dask_distributed.png``, with matplotlib) draws each solver's
training loss per iteration (lbfgs) or epoch (adam), the ``loss_curve_`` the
cluster's fit records exactly as an in-memory fit would.
``SKBP_EXAMPLES_QUICK=1`` makes less data. Without dask and distributed the
example says so and stops.
"""

import os
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skbp import BackpropClassifier

try:
    import dask.array as da
    from distributed import Client, LocalCluster
except ImportError as exc:
    print(
        f"This example needs dask and distributed ({exc}).\n"
        "Install them with: pip install 'dask[distributed]'"
    )
    sys.exit(0)

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
N_SAMPLES = 8_000 if QUICK else 400_000
CHUNK = N_SAMPLES // 4

# %%
# The data, made by the workers block by block (a teacher network's labels on
# standard-normal features) and persisted in their memory. With real data the
# blocks come from files the workers read, e.g.
# ``dask.dataframe.read_parquet(...)`` (its column names become
# ``feature_names_in_``).


def make_data(seed):
    rs = da.random.RandomState(seed)
    X = rs.standard_normal((N_SAMPLES, 20), chunks=(CHUNK, 20))
    w = np.random.RandomState(0).standard_normal((20, 3))
    y = da.argmax(
        da.tanh(X @ w) + 0.3 * rs.standard_normal((N_SAMPLES, 3), chunks=(CHUNK, 3)),
        axis=1,
    )
    return X, y


def plot(curves):
    """Training loss per L-BFGS iteration / adam epoch, as fitted on the cluster."""
    if plt is None:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for solver, curve in curves.items():
        ax.plot(range(1, len(curve) + 1), curve, "o-", label=solver, markersize=3)
    ax.set(
        xlabel="iteration (lbfgs) / epoch (adam)",
        ylabel="training loss (log-loss)",
        title="Data-parallel fits on a 2-worker LocalCluster",
    )
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig("dask_distributed.png", dpi=100)
    print("saved dask_distributed.png")


if __name__ == "__main__":
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,  # a real cluster: Client("tcp://scheduler:8786")
    ):
        X_train, y_train = client.persist(make_data(0))
        X_test, y_test = client.persist(make_data(1))

        # %%
        # L-BFGS, then adam, each fitted on the cluster's rows. ``score`` on
        # dask arrays is computed on the cluster too; ``predict`` returns a
        # lazy dask array chunked like X.
        curves = {}
        for solver, max_iter in (("lbfgs", 30), ("adam", 3 if QUICK else 10)):
            model = BackpropClassifier(
                hidden_layer_sizes=(32,),
                activation="tanh",
                loss="log_loss",
                solver=solver,
                max_iter=max_iter,
                batch_size=2_000,
                random_state=0,
            )
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_train, y_train)
            seconds = time.perf_counter() - start
            curves[solver] = model.loss_curve_
            print(
                f"{solver}: {model.n_iter_} iterations/epochs in {seconds:.1f}s, "
                f"test accuracy {model.score(X_test, y_test):.3f}"
            )

        labels = model.predict(X_test)
        print(
            type(labels).__name__, labels.chunks[0], "->", np.bincount(labels.compute())
        )
        # The fitted model is an ordinary in-memory estimator.
        print(type(model.coefs_[0]).__name__, [c.shape for c in model.coefs_])
        plot(curves)

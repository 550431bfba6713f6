"""
Training and predicting on a dask cluster
=========================================

`dask <https://www.dask.org>`_ spreads arrays too big for one machine's memory
over the workers of a cluster, as blocks of rows. Three tools let skbp use one:

1. :class:`dask_ml.wrappers.Incremental` trains with ``partial_fit``, one block
   at a time: the network travels to each block in turn (it is a few kB of
   weights plus Adam's moments), and the rows never leave their worker;
2. :class:`dask_ml.wrappers.ParallelPostFit` predicts each block where it
   lives, in parallel, and returns a lazy dask array;
3. scikit-learn's own :class:`~sklearn.model_selection.GridSearchCV` runs its
   fits on the cluster's workers under ``joblib.parallel_backend("dask")``.

Here the cluster is a :class:`distributed.LocalCluster` of two worker
processes on the machine that runs the script, listening on 127.0.0.1 only. On
a real cluster (started with ``dask scheduler`` and ``dask worker
tcp://scheduler:8786`` on the machines, or by
``dask-jobqueue``/``dask-kubernetes``) the one change is
the client::

    client = Client("tcp://scheduler:8786")  # instead of Client(LocalCluster(...))

The workers need skbp installed (the same version as here), since the models
are pickled, sent to them and unpickled there. Add ``dashboard_address=":8787"``
to ``LocalCluster`` (and install bokeh) to watch the tasks in a browser.

The data is :func:`dask_ml.datasets.make_classification`'s binary problem,
generated block by block on the workers: the client never holds the training
set. Its labels are drawn at random from a logistic model of the 10
informative features, so no classifier gets much past 0.76 accuracy on it (the
full run reaches that in its first pass); the point here is the mechanics. The
figure (``dask.png``, with matplotlib) draws the held-out accuracy after each
pass. ``SKBP_EXAMPLES_QUICK=1`` makes less data, fewer passes and a smaller
grid. Without dask, distributed or dask-ml the example says so and stops.
"""

import os
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbp import BackpropClassifier

try:
    import dask
    import joblib
    from dask_ml.datasets import make_classification
    from dask_ml.model_selection import train_test_split
    from dask_ml.wrappers import Incremental, ParallelPostFit
    from distributed import Client, LocalCluster
except ImportError as exc:
    print(
        f"This example needs dask, distributed and dask-ml ({exc}).\n"
        "Install them with: pip install 'dask[distributed]' dask-ml"
    )
    sys.exit(0)

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
N_SAMPLES = 20_000 if QUICK else 1_000_000
CHUNK = 2_000 if QUICK else 50_000
PASSES = 2 if QUICK else 5
N_GRID = 1_000 if QUICK else 20_000  # rows the grid search cross-validates on

# %%
# The data, as dask arrays: 20 features, 10 of them informative, in blocks of
# ``CHUNK`` rows. Nothing is computed yet; ``persist`` below makes the workers
# generate the blocks and keep them in their memory. With real data the blocks
# would come from files the workers read (``dask.array.from_zarr``,
# ``dask.dataframe.read_parquet(...).to_dask_array(lengths=True)``), and
# ``dask_ml.preprocessing.StandardScaler`` would scale them in one pass; these
# features are standard normal already.


def make_data():
    X, y = make_classification(
        n_samples=N_SAMPLES,
        n_features=20,
        n_informative=10,
        chunks=CHUNK,
        random_state=0,
    )
    X = X.astype(np.float32)  # the network trains in the dtype it is given
    return train_test_split(X, y, test_size=0.2, random_state=0)


# %%
# Incremental training. Each ``partial_fit`` call on the wrapper is one pass
# over the training set: it chains the estimator's ``partial_fit`` through the
# blocks in a random order (``random_state=0``), on the workers that hold
# them, and the next call continues from the weights and optimizer state the
# last one left. The first call names every class (``classes=...``).
# ``scoring="accuracy"`` makes ``score`` use dask-ml's blockwise accuracy, so
# scoring the held-out set does not gather it either.


def train(X_train, y_train, X_test, y_test):
    model = Incremental(
        BackpropClassifier(
            hidden_layer_sizes=(32,),
            activation="relu",
            loss="log_loss",
            learning_rate_init=1e-3,
            batch_size=100,
            random_state=0,
        ),
        scoring="accuracy",
        random_state=0,
    )
    print(f"{'pass':>4} {'rows seen':>10} {'test accuracy':>13} {'seconds':>7}")
    curve = []  # (rows seen, held-out accuracy) after each pass
    for n_pass in range(1, PASSES + 1):
        start = time.perf_counter()
        model.partial_fit(X_train, y_train, classes=np.array([0, 1]))
        accuracy = model.score(X_test, y_test)
        seconds = time.perf_counter() - start
        curve.append((model.estimator_.t_, accuracy))
        print(
            f"{n_pass:>4} {model.estimator_.t_:>10} {accuracy:>13.4f} {seconds:>7.2f}"
        )
    draw(curve)
    return model.estimator_  # the trained BackpropClassifier, here in memory


def draw(curve):
    """The held-out accuracy after each pass over the cluster's blocks."""
    if plt is None:
        return
    seen, accuracy = zip(*curve)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(seen, accuracy, "o-")
    ax.set(
        xlabel="training rows seen (all workers)",
        ylabel="test accuracy",
        title="Incremental training on a LocalCluster",
    )
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig("dask.png", dpi=100)
    print("saved dask.png")


# %%
# Prediction. ``ParallelPostFit`` wraps any fitted estimator, trained by
# ``fit`` on one machine just as well as incrementally; ``predict`` and
# ``predict_proba`` return lazy dask arrays with one block per block of X, so
# a test set of any size is predicted where it lives.


def predict(net, X_test, y_test):
    wrapped = ParallelPostFit(net)
    proba = wrapped.predict_proba(X_test)
    labels = wrapped.predict(X_test)
    print(f"\npredict_proba: {proba!r}")
    first, accuracy = dask.compute(proba[:3], (labels == y_test).mean())
    print(f"first rows:\n{np.round(first, 4)}")
    print(f"accuracy computed blockwise on the workers: {accuracy:.4f}")


# %%
# Grid search. ``GridSearchCV`` needs its data in memory, so we search on a
# sample of the training set; under ``parallel_backend("dask")`` each
# (candidate, fold) fit is a task on the cluster. ``n_jobs`` is left at None:
# the dask backend then uses every worker thread.


def grid_search(X_train, y_train):
    X_small, y_small = dask.compute(X_train[:N_GRID], y_train[:N_GRID])
    if QUICK:
        grid = {"hidden_layer_sizes": [(8,), (32,)], "alpha": [1e-4]}
        cv, max_iter = 2, 10
    else:
        grid = {"hidden_layer_sizes": [(8,), (32,), (64,)], "alpha": [1e-4, 1e-1]}
        cv, max_iter = 3, 50
    search = GridSearchCV(
        BackpropClassifier(
            activation="relu", loss="log_loss", max_iter=max_iter, random_state=0
        ),
        grid,
        cv=cv,
    )
    start = time.perf_counter()
    with joblib.parallel_backend("dask"), warnings.catch_warnings():
        # max_iter is a budget here; the cross-validated score shows its cost.
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_small, y_small)
    seconds = time.perf_counter() - start
    results = search.cv_results_
    n_candidates = len(results["params"])
    print(
        f"\ngrid search on {N_GRID} rows: {n_candidates} candidates x {cv} folds "
        f"on the cluster in {seconds:.1f} s"
    )
    print(f"{'rank':>4}  {'hidden':<8} {'alpha':>7}  {'mean acc':>8}")
    for i in np.argsort(results["rank_test_score"], kind="stable"):
        params = results["params"][i]
        print(
            f"{results['rank_test_score'][i]:>4}  "
            f"{str(params['hidden_layer_sizes']):<8} {params['alpha']:>7g}  "
            f"{results['mean_test_score'][i]:>8.4f}"
        )


# %%
# Putting it together. The cluster's worker processes import this file to
# unpickle what they are sent, so the work runs under the ``__main__`` guard
# only; leaving the ``with`` block closes the client and shuts the cluster
# down.


def main():
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        # On a real cluster, instead: client = Client("tcp://scheduler:8786")
        n_workers = len(client.scheduler_info()["workers"])
        print(f"{n_workers} workers, scheduler at {client.scheduler.address}")
        X_train, X_test, y_train, y_test = dask.persist(*make_data(), scheduler=client)
        print(
            f"training set: {X_train.shape[0]} rows x {X_train.shape[1]} features "
            f"in {X_train.numblocks[0]} blocks, held by the workers\n"
        )
        net = train(X_train, y_train, X_test, y_test)
        predict(net, X_test, y_test)
        grid_search(X_train, y_train)


if __name__ == "__main__":
    main()

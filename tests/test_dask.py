"""skbp on a real dask cluster: dask-ml's wrappers, joblib's dask backend, pickling.

Every test runs against one ``distributed.LocalCluster`` of two worker
*processes* (one thread each) on the loopback interface, started once for the
module: so the estimators really are pickled, sent over TCP, unpickled and run
in other Python processes, as on a multi-machine cluster.  Each test also
checks, through the scheduler's task stream, that the work ran on the
workers and not in the test process.

dask-ml 2025.1.0's ``Incremental`` and ``ParallelPostFit`` work with
scikit-learn 1.9; its adaptive searches (``IncrementalSearchCV``,
``HyperbandSearchCV``) do not work with dask >= 2025.3 at all, whatever the
estimator (dask/dask-ml#1016), and are not used here.
"""

import os
import warnings

import dask.array as da
import joblib
import numpy as np
import pytest
from dask_ml.wrappers import Incremental, ParallelPostFit
from distributed import Client, LocalCluster, get_task_stream
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbp import BackpropClassifier, BackpropRegressor

# Seconds any single cluster round trip may take before the test fails
# instead of hanging.
TIMEOUT = 60


@pytest.fixture(scope="module")
def client():
    """A Client on a two-process LocalCluster bound to 127.0.0.1, no dashboard."""
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster, timeout=TIMEOUT) as client,
    ):
        client.wait_for_workers(2, timeout=TIMEOUT)
        yield client


def _worker_addresses(client):
    return set(client.scheduler_info()["workers"])


def _ran_on_workers(client, stream):
    """Assert the recorded tasks ran, on this cluster's workers."""
    assert len(stream.data) > 0, "no task reached the cluster"
    used = {task["worker"] for task in stream.data}
    assert used <= _worker_addresses(client)
    return used


def test_cluster_is_local_and_multiprocess(client):
    """The fixture's cluster: loopback only, two workers in other processes."""
    addresses = [client.scheduler.address, *_worker_addresses(client)]
    assert len(addresses) == 3
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
    pids = client.run(os.getpid)
    assert len(set(pids.values())) == 2
    assert os.getpid() not in pids.values()


# --------------------------------------------------------- 1. Incremental

N_TRAIN, N_TEST, N_FEATURES, CHUNK, PASSES = 20_000, 5_000, 20, 2_000, 4

# Allowed shortfall of Incremental's test accuracy against the in-memory fit.
# Both runs see every training row PASSES times, in mini-batches of the same
# size, from the same initial weights and with the same step size; they differ
# only in the order of the rows (Incremental shuffles the blocks, then
# partial_fit shuffles within each 2,000-row block; fit shuffles all 20,000),
# so they take different but equally good SGD paths.  The accuracy of either
# on 5,000 test rows has a sampling s.d. of sqrt(0.15 * 0.85 / 5000) ~ 0.005;
# over seeds 0-3 the two differed by at most 0.006 (either way).  0.03 is
# about four s.d. of the difference plus that spread, and well below what a
# broken stream costs: the model after the first pass is ~0.08 behind.
MARGIN = 0.03


def test_incremental_matches_in_memory_fit(client):
    """Incremental(partial_fit over dask blocks) ~ fit on the same rows."""
    X, y = make_classification(
        n_samples=N_TRAIN + N_TEST,
        n_features=N_FEATURES,
        n_informative=10,
        n_classes=3,
        random_state=0,
    )
    X = X.astype(np.float32)
    X_train, y_train = X[:N_TRAIN], y[:N_TRAIN]
    X_test, y_test = X[N_TRAIN:], y[N_TRAIN:]
    params = dict(
        hidden_layer_sizes=(32,),
        activation="relu",
        loss="log_loss",
        learning_rate_init=1e-3,
        batch_size=100,
        random_state=0,
    )

    with warnings.catch_warnings():
        # max_iter=PASSES epochs on purpose: the same budget as the stream.
        warnings.simplefilter("ignore", ConvergenceWarning)
        in_memory = BackpropClassifier(max_iter=PASSES, **params).fit(X_train, y_train)
    in_memory_accuracy = in_memory.score(X_test, y_test)

    # The blocks live on the workers, as a real data set's would.
    X_dask, y_dask = client.persist(
        [
            da.from_array(X_train, chunks=(CHUNK, N_FEATURES)),
            da.from_array(y_train, chunks=CHUNK),
        ]
    )
    incremental = Incremental(BackpropClassifier(**params), random_state=0)
    accuracies = []
    with get_task_stream(client) as stream:
        for _ in range(PASSES):
            # Each call chains estimator.partial_fit through the 10 blocks,
            # on the workers; the next call continues from the result.
            incremental.partial_fit(X_dask, y_dask, classes=[0, 1, 2])
            accuracies.append(incremental.estimator_.score(X_test, y_test))
    _ran_on_workers(client, stream)

    streamed = incremental.estimator_
    # Every block of every pass went through partial_fit, on one model.
    assert streamed.t_ == PASSES * N_TRAIN
    assert list(streamed.classes_) == [0, 1, 2]
    assert in_memory_accuracy > 0.75  # far above chance (1/3): a real baseline
    assert accuracies[-1] >= in_memory_accuracy - MARGIN, (
        accuracies,
        in_memory_accuracy,
    )
    # The passes build on each other (a reset per call would not improve).
    assert accuracies[-1] > accuracies[0] + 0.02, accuracies
    # The wrapper's own scoring goes through the same fitted model.
    assert incremental.score(X_test, y_test) == accuracies[-1]


# -------------------------------------------------------- 2. ParallelPostFit


def test_parallel_post_fit_predicts_blockwise(client):
    """ParallelPostFit predictions on a dask array equal the local ones."""
    X, y = make_classification(
        n_samples=20_000,
        n_features=N_FEATURES,
        n_informative=10,
        n_classes=3,
        random_state=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BackpropClassifier(
            hidden_layer_sizes=(16,), loss="log_loss", max_iter=30, random_state=0
        ).fit(X[:2_000], y[:2_000])
    X_dask = da.from_array(X, chunks=(CHUNK, N_FEATURES))
    wrapped = ParallelPostFit(model)

    with get_task_stream(client) as stream:
        labels = wrapped.predict(X_dask)
        proba = wrapped.predict_proba(X_dask)
        assert isinstance(labels, da.Array) and isinstance(proba, da.Array)
        # One prediction task per block: the rows are never gathered.
        assert labels.chunks == (X_dask.chunks[0],)
        assert proba.chunks == (X_dask.chunks[0], (3,))
        labels, proba = client.compute([labels, proba], sync=True)
    assert len(_ran_on_workers(client, stream)) >= 1

    expected_labels = model.predict(X)
    assert_array_equal(labels, expected_labels)
    # float64 throughout; a block's rows take the same arithmetic as in the
    # whole array, so only a different BLAS blocking could move the last bits.
    assert_allclose(proba, model.predict_proba(X), rtol=1e-12, atol=1e-15)
    assert len(np.unique(expected_labels)) == 3  # a model that separates


# ------------------------------------------------ 3. GridSearchCV on dask


def test_grid_search_on_dask_backend_matches_default(client):
    """Same cv_results_ under joblib's dask backend as under the default one."""
    X, y = make_classification(
        n_samples=600, n_features=10, n_informative=6, random_state=0
    )
    grid = {"hidden_layer_sizes": [(4,), (16,)], "alpha": [1e-4, 1.0]}
    estimator = BackpropClassifier(
        loss="log_loss", learning_rate_init=1e-2, max_iter=20, random_state=0
    )

    def search():
        # n_jobs=None: joblib's default, sequential here (loky's worker start-up
        # alone would cost ~10 s on a small CI machine); under
        # parallel_backend("dask") it means every thread of the cluster.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return GridSearchCV(estimator, grid, cv=3).fit(X, y)

    local = search()
    with get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        remote = search()
    # The 12 fits (4 candidates x 3 folds) ran on the cluster, in as many
    # tasks as joblib's auto-batching made of them; the refit runs here.
    _ran_on_workers(client, stream)

    for key in ("params", "rank_test_score"):
        assert list(remote.cv_results_[key]) == list(local.cv_results_[key]), key
    for key in ("mean_test_score", "std_test_score"):
        assert_allclose(
            remote.cv_results_[key], local.cv_results_[key], rtol=0, atol=1e-12
        )
    for fold in range(3):
        key = f"split{fold}_test_score"
        assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    # The grid is not flat: the ranking being compared means something.
    assert len(set(local.cv_results_["mean_test_score"])) > 1
    assert remote.best_params_ == local.best_params_
    assert_array_equal(remote.predict(X), local.predict(X))


# --------------------------------------------- 4. models shipped to workers


def test_fitted_models_predict_the_same_on_a_worker(client):
    """A pickled fitted model predicts on a worker what it predicts here."""
    X, y = make_classification(
        n_samples=1_000, n_features=8, n_informative=5, n_classes=3, random_state=2
    )
    Xr, yr = make_regression(
        n_samples=1_000, n_features=8, n_targets=2, noise=1.0, random_state=2
    )
    yr = yr / yr.std(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier = BackpropClassifier(
            hidden_layer_sizes=(16,), loss="log_loss", max_iter=50, random_state=0
        ).fit(X, y)
        regressor = BackpropRegressor(
            hidden_layer_sizes=(16,), max_iter=50, random_state=0
        ).fit(Xr, yr)

    with get_task_stream(client) as stream:
        labels = client.submit(lambda m, X: m.predict(X), classifier, X)
        proba = client.submit(lambda m, X: m.predict_proba(X), classifier, X)
        # scatter: the model is stored on a worker once, then used by reference.
        [remote_regressor] = client.scatter([regressor])
        values = client.submit(lambda m, X: m.predict(X), remote_regressor, Xr)
        # And the other way: a model fitted on a worker and shipped back.
        fitted_remotely = client.submit(
            lambda m, X, y: m.fit(X, y), clone(classifier), X, y
        )
        labels, proba, values, fitted_remotely = client.gather(
            [labels, proba, values, fitted_remotely]
        )
    _ran_on_workers(client, stream)

    assert_array_equal(labels, classifier.predict(X))
    assert_allclose(proba, classifier.predict_proba(X), rtol=1e-12, atol=1e-15)
    assert values.shape == (1_000, 2)
    assert_allclose(values, regressor.predict(Xr), rtol=1e-12, atol=1e-12)
    assert regressor.score(Xr, yr) > 0.5  # a model that learned something
    # Same data, same seed, same arithmetic: the same network.
    assert fitted_remotely.n_iter_ == classifier.n_iter_
    for remote_w, local_w in zip(fitted_remotely.coefs_, classifier.coefs_):
        assert_allclose(remote_w, local_w, rtol=1e-9, atol=1e-12)
    assert_array_equal(fitted_remotely.predict(X), classifier.predict(X))

"""Data-parallel training on a dask cluster (skbp._distributed, issue 19).

Every test runs against one ``distributed.LocalCluster`` of two worker
processes (one thread each) on 127.0.0.1, started once for the module and
closed by its fixture: the per-chunk loss and gradient really run in other
processes, and only parameters and partial sums travel.  The oracle is the
in-memory fit on the same rows, which shares the engine but not the
chunking, the combination of partial sums, the cluster's validation or its
prediction.
"""

import warnings

import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier, BackpropRegressor, Loss
from skbp._training import DivergenceError

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


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _data(kind, n=480, dtype=np.float64):
    """Small standardised data: 3 classes, or friedman-like values."""
    X, y = make_classification(
        n_samples=n, n_features=8, n_informative=5, n_classes=3, random_state=0
    )
    X = X.astype(dtype)
    if kind == "regressor":
        y = X[:, 0] * X[:, 1] + np.sin(X[:, 2]) + 0.1 * X[:, 3]
    return X, y


def _on_cluster(client, *arrays, rows=120):
    """The arrays as dask arrays of ``rows``-row chunks, held by the workers."""
    chunked = [da.from_array(a, chunks=(rows,) + a.shape[1:]) for a in arrays]
    return client.persist(chunked)


def _relative(a, b):
    return max(
        np.max(np.abs(p - q)) / np.max(np.abs(p))
        for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_)
    )


ESTIMATORS = {"classifier": BackpropClassifier, "regressor": BackpropRegressor}


# ------------------------------------------------------------- L-BFGS


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_lbfgs_equals_in_memory_fit(client, kind, dtype, weighted):
    """20 L-BFGS iterations over 4 chunks = the in-memory fit (1e-8 rel.)."""
    X, y = _data(kind, dtype=dtype)
    sw = np.random.RandomState(1).uniform(0.2, 3.0, len(y)) if weighted else None
    params = dict(
        hidden_layer_sizes=(10,),
        solver="lbfgs",
        max_iter=20,
        alpha=1e-3,
        random_state=0,
    )
    local = ESTIMATORS[kind](**params).fit(X, y, sample_weight=sw)
    parts = _on_cluster(client, X, y) + ([] if sw is None else _on_cluster(client, sw))
    remote = ESTIMATORS[kind](**params).fit(*parts)

    assert local.n_iter_ == remote.n_iter_ == 20
    assert remote.coefs_[0].dtype == dtype
    assert isinstance(remote.coefs_[0], np.ndarray)
    # float32: every sum rounds at 6e-8, and 20 iterations amplify it.
    tol = 1e-8 if dtype == np.float64 else 1e-3
    assert _relative(local, remote) < tol
    assert_allclose(remote.loss_curve_, local.loss_curve_, rtol=tol)


def test_lbfgs_evaluation_is_one_task_per_chunk_on_the_workers(client):
    """Each evaluation: one back-propagation task per chunk, on the workers."""
    X, y = _data("classifier")
    dX, dy = _on_cluster(client, X, y)
    model = BackpropClassifier(
        hidden_layer_sizes=(6,), solver="lbfgs", max_iter=3, random_state=0
    )
    with get_task_stream(client) as stream:
        model.fit(dX, dy)
    names = [
        t["key"][0] if isinstance(t["key"], tuple) else t["key"] for t in stream.data
    ]
    partials = [k for k in names if str(k).startswith("chunk_partial")]
    assert partials and len(partials) % 4 == 0  # 4 chunks per evaluation
    assert {t["worker"] for t in stream.data} <= set(client.scheduler_info()["workers"])


# ------------------------------------------------------------ sgd/adam


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_one_chunk_without_shuffling_is_the_in_memory_fit(client, solver, kind):
    """One chunk, shuffle=False: bit for bit the in-memory fit, through a
    warm start and partial_fit too (optimizer state carried over)."""
    X, y = _data(kind)
    params = dict(
        hidden_layer_sizes=(6,),
        solver=solver,
        shuffle=False,
        max_iter=3,
        batch_size=100,
        warm_start=True,
        random_state=0,
    )
    local, remote = ESTIMATORS[kind](**params), ESTIMATORS[kind](**params)
    one_chunk = _on_cluster(client, X, y, rows=len(y))
    for _ in range(2):
        local.fit(X, y)
        remote.fit(*one_chunk)
    local.partial_fit(X, y)
    remote.partial_fit(*one_chunk)
    for a, b in zip(
        local.coefs_ + local.intercepts_, remote.coefs_ + remote.intercepts_
    ):
        assert_array_equal(a, b)
    assert remote.loss_curve_ == local.loss_curve_
    assert (remote.n_iter_, remote.t_) == (local.n_iter_, local.t_) == (1, 7 * len(y))


@pytest.mark.parametrize(
    "settings",
    [
        dict(solver="sgd", learning_rate="invscaling", max_grad_norm=0.5),
        dict(solver="adam", learning_rate="cosine", max_grad_norm=0.1),
    ],
)
def test_schedules_and_clipping_act_on_the_summed_gradient(client, settings):
    """The optimizer (its schedule, its clipping) steps on the client on the
    batch's summed gradient: one chunk without shuffling is the in-memory fit."""
    X, y = _data("classifier")
    params = dict(
        hidden_layer_sizes=(6,), shuffle=False, max_iter=3, random_state=0, **settings
    )
    local = BackpropClassifier(**params).fit(X, y)
    remote = BackpropClassifier(**params).fit(*_on_cluster(client, X, y, rows=len(y)))
    for a, b in zip(local.coefs_, remote.coefs_):
        assert_array_equal(a, b)
    assert remote.learning_rate_curve_ == local.learning_rate_curve_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_sgd_adam_accuracy_on_digits_matches_in_memory(client, solver):
    """Shuffled mini-batches over 5 chunks: the same epochs as in memory.

    The global batch is batch_size rows of the client's permutation, so the
    runs differ only in the order of the sums: far inside the 0.01 asked.
    """
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_tr, y_tr, X_te, y_te = X[:1400], y[:1400], X[1400:], y[1400:]
    params = dict(
        hidden_layer_sizes=(32,),
        solver=solver,
        loss="log_loss",
        max_iter=5,
        learning_rate_init=0.01 if solver == "adam" else 0.2,
        random_state=0,
    )
    local = BackpropClassifier(**params).fit(X_tr, y_tr)
    remote = BackpropClassifier(**params).fit(
        *_on_cluster(client, X_tr, y_tr, rows=280)
    )
    assert remote.n_iter_ == local.n_iter_ == 5
    assert remote.t_ == local.t_ == 5 * 1400
    assert local.score(X_te, y_te) > 0.8  # a real baseline (chance: 0.1)
    assert abs(remote.score(X_te, y_te) - local.score(X_te, y_te)) <= 0.01
    assert _relative(local, remote) < 1e-8
    assert_allclose(remote.loss_curve_, local.loss_curve_, rtol=1e-10)


def test_adam_r2_on_diabetes_matches_in_memory(client):
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), (y - y.mean()) / y.std()
    params = dict(hidden_layer_sizes=(16,), max_iter=10, batch_size=64, random_state=0)
    local = BackpropRegressor(**params).fit(X[:350], y[:350])
    remote = BackpropRegressor(**params).fit(
        *_on_cluster(client, X[:350], y[:350], rows=90)
    )
    assert local.score(X[350:], y[350:]) > 0.3
    assert abs(remote.score(X[350:], y[350:]) - local.score(X[350:], y[350:])) <= 0.01


# ------------------------------------------------------- around the fit


def test_x_val_on_the_cluster_scores_as_in_memory(client):
    X, y = _data("classifier")
    params = dict(
        hidden_layer_sizes=(6,),
        max_iter=8,
        early_stopping=True,
        n_iter_no_change=2,
        random_state=0,
    )
    local = BackpropClassifier(**params).fit(
        X[:360], y[:360], X_val=X[360:], y_val=y[360:]
    )
    dX, dy = _on_cluster(client, X, y)
    remote = BackpropClassifier(**params).fit(
        dX[:360], dy[:360], X_val=dX[360:], y_val=dy[360:]
    )
    assert remote.n_iter_ == local.n_iter_
    assert_allclose(remote.validation_scores_, local.validation_scores_, rtol=1e-12)
    assert_allclose(
        remote.validation_loss_curve_, local.validation_loss_curve_, rtol=1e-10
    )
    assert _relative(local, remote) < 1e-10


def test_validation_scoring_on_the_cluster(client):
    """scoring='loss' is the negated validation loss, as in memory; a scorer
    that needs the rows in memory is refused by name for dask X_val."""
    X, y = _data("classifier")
    dX, dy = _on_cluster(client, X, y)
    params = dict(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    local = BackpropClassifier(**params, scoring="loss").fit(
        X[:360], y[:360], X_val=X[360:], y_val=y[360:]
    )
    remote = BackpropClassifier(**params, scoring="loss").fit(
        dX[:360], dy[:360], X_val=dX[360:], y_val=dy[360:]
    )
    assert_allclose(remote.validation_scores_, local.validation_scores_, rtol=1e-10)
    with pytest.raises(ValueError, match="scoring='f1_macro'"):
        BackpropClassifier(**params, scoring="f1_macro").fit(
            dX[:360], dy[:360], X_val=dX[360:], y_val=dy[360:]
        )
    in_memory_val = BackpropClassifier(**params, scoring="f1_macro").fit(
        dX[:360], dy[:360], X_val=X[360:], y_val=y[360:]
    )
    assert len(in_memory_val.validation_scores_) == 3


def test_regressor_validation_r2_on_the_cluster(client):
    X, y = _data("regressor")
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    local = BackpropRegressor(**params).fit(
        X[:360], y[:360], X_val=X[360:], y_val=y[360:]
    )
    dX, dy = _on_cluster(client, X, y, rows=50)
    remote = BackpropRegressor(**params).fit(
        dX[:360], dy[:360], X_val=dX[360:], y_val=dy[360:]
    )
    assert_allclose(remote.validation_scores_, local.validation_scores_, rtol=1e-10)


def test_early_stopping_splits_on_the_cluster(client):
    """The held-out rows are drawn per chunk on the workers; the best
    weights of the validated epochs come back."""
    X, y = _data("classifier")
    model = BackpropClassifier(
        hidden_layer_sizes=(6,),
        max_iter=6,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=2,
        random_state=0,
    )
    model.fit(*_on_cluster(client, X, y))
    assert len(model.validation_scores_) == model.n_iter_ > 0
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.t_ < model.n_iter_ * len(y)  # trained on the rest only
    again = BackpropClassifier(**model.get_params()).fit(*_on_cluster(client, X, y))
    assert again.validation_scores_ == model.validation_scores_  # seeded


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 2: 4.0}])
def test_class_weight_as_in_memory(client, class_weight):
    X, y = _data("classifier")
    params = dict(
        hidden_layer_sizes=(6,),
        solver="lbfgs",
        max_iter=10,
        class_weight=class_weight,
        random_state=0,
    )
    sw = np.random.RandomState(2).uniform(0.5, 2.0, len(y))
    local = BackpropClassifier(**params).fit(X, y, sample_weight=sw)
    remote = BackpropClassifier(**params).fit(*_on_cluster(client, X, y, sw))
    assert _relative(local, remote) < 1e-9


def test_predictions_are_blockwise_dask_arrays(client):
    X, y = _data("classifier")
    model = BackpropClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0).fit(
        X, y
    )
    (dX,) = _on_cluster(client, X)
    for name, shape in [
        ("predict", (len(y),)),
        ("predict_proba", (len(y), 3)),
        ("predict_log_proba", (len(y), 3)),
        ("decision_function", (len(y), 3)),
    ]:
        result = getattr(model, name)(dX)
        assert isinstance(result, da.Array) and result.shape == shape
        assert result.chunks[0] == dX.chunks[0]
        assert_allclose(result.compute(), getattr(model, name)(X), rtol=1e-12)
    score = model.score(dX, da.from_array(y, chunks=120))
    assert isinstance(score, float) and score == pytest.approx(
        model.score(X, y), abs=1e-12
    )
    regressor = BackpropRegressor(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    Xr, yr = _data("regressor")
    regressor.fit(Xr, yr)
    assert_allclose(regressor.predict(dX).compute(), regressor.predict(X), rtol=1e-12)
    assert regressor.score(da.from_array(Xr, chunks=100), yr) == pytest.approx(
        regressor.score(Xr, yr), rel=1e-10
    )


def test_dataframe_columns_become_feature_names(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = _data("classifier")
    frame = dd.from_pandas(
        pd.DataFrame(X, columns=[f"f{i}" for i in range(8)]), npartitions=3
    )
    labels = dd.from_pandas(pd.Series(y), npartitions=3)
    model = BackpropClassifier(hidden_layer_sizes=(6,), max_iter=3, random_state=0)
    model.fit(frame, labels)
    assert list(model.feature_names_in_) == [f"f{i}" for i in range(8)]
    assert model.predict(frame).compute().shape == (len(y),)
    renamed = frame.rename(columns={"f0": "g0"})
    with pytest.raises(ValueError, match="feature names"):
        model.predict(renamed)


# ------------------------------------------------------------ bad input


def test_nan_in_dask_x_is_named_without_gathering(client, monkeypatch):
    X, y = _data("classifier")
    X[7, 2] = np.nan
    dX, dy = _on_cluster(client, X, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        BackpropClassifier().fit(dX, dy)
    X_val = X.copy()
    with pytest.raises(ValueError, match="Input X_val contains NaN"):
        BackpropClassifier(max_iter=1).fit(
            *_on_cluster(client, np.nan_to_num(X), y),
            X_val=da.from_array(X_val, chunks=100),
            y_val=dy,
        )


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(sample_weight=-np.ones(480)), "sample_weight must be finite"),
        (dict(y=np.arange(479)), "inconsistent numbers of samples"),
        (dict(y=np.full(480, 0.5)), "only one class|continuous|Unknown label"),
    ],
)
def test_bad_dask_input_has_clear_errors(client, bad, message):
    X, y = _data("classifier")
    args = dict(X=da.from_array(X, chunks=100), y=y, sample_weight=None)
    args.update(bad)
    model = BackpropClassifier(max_iter=1)
    with pytest.raises(ValueError, match=message):
        model.fit(**args)
    assert not hasattr(model, "coefs_")


def test_divergence_rolls_back_a_warm_start(client):
    """A diverging call (as it diverges in memory) leaves the last good model."""
    X, y = _data("regressor")
    params = dict(
        hidden_layer_sizes=(16, 16),
        activation="relu",
        solver="sgd",
        max_iter=2,
        warm_start=True,
        random_state=0,
    )
    model = BackpropRegressor(**params)
    model.fit(*_on_cluster(client, X, y))
    before = [c.copy() for c in model.coefs_ + model.intercepts_]
    curve = list(model.loss_curve_)
    model.set_params(learning_rate_init=1e6)
    with pytest.raises(DivergenceError, match="learning_rate_init"):
        BackpropRegressor(**params).set_params(learning_rate_init=1e6).fit(X * 1e3, y)
    with pytest.raises(DivergenceError, match="learning_rate_init"):
        model.fit(*_on_cluster(client, X * 1e3, y))
    for a, b in zip(before, model.coefs_ + model.intercepts_):
        assert_array_equal(a, b)
    assert model.loss_curve_ == curve


# ------------------------------------------------------ never gathering X


def test_fit_never_gathers_rows(client, monkeypatch):
    """X is made on the workers and never exists here; everything the fit
    gathers is a few parameter vectors' worth, never rows."""
    from distributed import Client as ClientType

    gathered = []
    original = ClientType.gather

    def recording_gather(self, futures, *args, **kwargs):
        result = original(self, futures, *args, **kwargs)
        gathered.append(dask.sizeof.sizeof(result))
        return result

    monkeypatch.setattr(ClientType, "gather", recording_gather)
    rs = da.random.RandomState(0)
    X = rs.normal(size=(40_000, 20), chunks=(10_000, 20))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X, y = client.persist([X, y])
    for solver in ("adam", "lbfgs"):
        model = BackpropClassifier(
            hidden_layer_sizes=(8,),
            solver=solver,
            max_iter=10,
            batch_size=10_000,
            random_state=0,
        )
        model.fit(X, y)
    n_params = 20 * 8 + 8 + 8 + 1
    assert gathered, "nothing was gathered: the test recorded nothing"
    # a few parameter vectors at most, against 6.4 MB of rows and 320 kB of y
    assert max(gathered) < 10 * n_params * 8 < X.nbytes / 100, max(gathered)
    assert model.score(X, y) > 0.9  # learned, scored on the cluster


class _EpochCounter:
    """scikit-learn callback: counts the epoch (iteration) tasks that hand
    over a fitted model, and has each snapshot score the dask X given."""

    def __init__(self):
        self.ended, self.scores = 0, []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, fitted_estimator=None, **kw
    ):
        if context.task_name in ("epoch", "lbfgs-iter") and fitted_estimator:
            self.ended += 1
            self.scores.append(fitted_estimator.score(X, y))  # on the cluster
        return False


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_callbacks_see_one_task_per_epoch(client, solver):
    pytest.importorskip("sklearn.callback")
    X, y = _data("classifier")
    counter = _EpochCounter()
    model = BackpropClassifier(
        hidden_layer_sizes=(6,), solver=solver, max_iter=4, tol=0, random_state=0
    ).set_callbacks(counter)
    model.fit(*_on_cluster(client, X, y))
    assert counter.ended == model.n_iter_ == 4
    assert all(isinstance(s, float) and 0 <= s <= 1 for s in counter.scores)


def test_skbp_does_not_import_dask():
    """dask stays optional: fitting and predicting on NumPy never imports it."""
    code = (
        "import sys, numpy as np, skbp\n"
        "X = np.random.RandomState(0).rand(20, 3)\n"
        "skbp.BackpropClassifier(max_iter=2).fit(X, [0, 1] * 10).predict(X)\n"
        "print('dask' in sys.modules)\n"
    )
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
def test_without_a_cluster_dask_local_scheduler_trains(scheduler):
    """No distributed.Client in charge: dask's own schedulers run the chunks."""
    X, y = _data("regressor", n=240)
    params = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=10, random_state=0)
    local = BackpropRegressor(**params).fit(X, y)
    with dask.config.set(scheduler=scheduler):
        chunked = BackpropRegressor(**params).fit(
            da.from_array(X, chunks=(60, 8)), da.from_array(y, chunks=60)
        )
    assert _relative(local, chunked) < 1e-9


class LogCosh(Loss):
    """A user's cost (module level, so that workers could unpickle it)."""

    output_activation = "identity"

    def loss(self, Y, A):
        return np.log(np.cosh(A - Y))

    def output_error(self, Y, A, Z):
        return np.tanh(A - Y)


@pytest.mark.parametrize(
    "params",
    [
        dict(loss="absolute_error", solver="lbfgs"),
        dict(loss="huber", huber_delta=0.3, solver="sgd"),
        dict(loss="quantile", quantile=0.2, learning_rate="cosine"),
        dict(loss=LogCosh(), max_grad_norm=0.5, solver="sgd"),
    ],
    ids=["absolute_error", "huber", "quantile", "user-Loss"],
)
def test_new_losses_train_the_same_on_dask_chunks(params):
    """Issue 18's costs go through the same per-chunk back-propagation."""
    X, y = _data("regressor", n=240)
    params = dict(hidden_layer_sizes=(5,), max_iter=6, random_state=0, **params)
    local = BackpropRegressor(**params).fit(X, y)
    with dask.config.set(scheduler="synchronous"):
        chunked = BackpropRegressor(**params).fit(
            da.from_array(X, chunks=(60, 8)), da.from_array(y, chunks=60)
        )
    assert _relative(local, chunked) < 1e-9
    assert chunked.loss_curve_ == pytest.approx(local.loss_curve_, rel=1e-9)

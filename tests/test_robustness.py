"""Hostile inputs, numerical extremes, divergence, determinism, persistence,
memory and threads: nothing silent, nothing lost."""

import io
import pickle
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skbp import TRUSTED_SKOPS_TYPES, BackpropClassifier
from skbp._network import pack

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def problem(n=120, n_classes=3, seed=0):
    return make_classification(
        n_samples=n,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        random_state=seed,
    )


def params_of(model):
    return pack(model.coefs_, model.intercepts_)


# ------------------------------------------------------------ 1. fuzzing

DTYPES = ["bool", "int8", "int64", "float16", "float32", "float64", "object"]
LABELS = ["int", "str", "bool", "negative", "sparse_ints", "float"]
CORRUPTION = ["none", "nan", "inf", "-inf"]


def make_labels(kind, n, rng):
    base = rng.randint(0, 3, n)
    return {
        "int": base,
        "str": np.array(["a", "bb", "c c"])[base],
        "bool": base.astype(bool),
        "negative": base - 5,
        "sparse_ints": np.array([-100, 7, 1000])[base],
        "float": base * 0.5,
    }[kind]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_samples=st.integers(0, 12),
    n_features=st.integers(0, 14),
    dtype=st.sampled_from(DTYPES),
    labels=st.sampled_from(LABELS),
    corruption=st.sampled_from(CORRUPTION),
    solver=st.sampled_from(["adam", "sgd", "lbfgs"]),
    loss=st.sampled_from(["squared_error", "log_loss"]),
    seed=st.integers(0, 2**16),
)
def test_fuzzed_inputs_fit_correctly_or_fail_clearly(
    n_samples, n_features, dtype, labels, corruption, solver, loss, seed
):
    rng = np.random.RandomState(seed)
    X = (rng.randn(n_samples, n_features) * 3).astype(dtype)
    if (
        corruption != "none"
        and X.size
        and dtype in ("float16", "float32", "float64", "object")
    ):
        X[rng.randint(n_samples), rng.randint(n_features)] = float(corruption)
    y = make_labels(labels, n_samples, rng)
    X_before, y_before = X.copy(), y.copy()
    model = BackpropClassifier(
        hidden_layer_sizes=(3,), max_iter=5, solver=solver, loss=loss, random_state=0
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
    except (ValueError, TypeError) as exc:
        assert str(exc), "an error must say what is wrong"
    else:
        proba = model.predict_proba(X)
        assert np.all(np.isfinite(proba))
        assert set(model.predict(X).tolist()) <= set(np.unique(y).tolist())
    # The caller's data is never modified.
    assert np.array_equal(X.astype(float), X_before.astype(float), equal_nan=True)
    assert_array_equal(y, y_before)


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones(5), [0, 1, 0, 1, 0], "2D array"),
        (np.ones((0, 3)), [], "0 sample"),
        (np.ones((4, 0)), [0, 1, 0, 1], "0 feature"),
        ([[1, 2], [3]], [0, 1], "inhomogeneous"),
        (np.ones((4, 2)), [0, 1, 0], "inconsistent numbers of samples"),
        (np.ones((4, 2)), [0.5, 1.5, 2.5, 3.7], "Unknown label type"),
        (np.ones((4, 2)), [0, 1, 0, np.nan], "NaN"),
        (np.ones((1, 2)), [1], "only one class"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), [0, 1], "convert"),
    ],
)
def test_bad_inputs_get_a_clear_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        BackpropClassifier().fit(X, y)


@quiet
def test_dataframes_and_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = problem()
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    model = BackpropClassifier(max_iter=5).fit(df, pd.Series(y))
    assert_array_equal(model.feature_names_in_, df.columns)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(df.rename(columns={"f0": "other"}))


@quiet
def test_sample_weight_is_not_modified():
    X, y = problem()
    sw = np.linspace(0.5, 2, len(y))
    before = sw.copy()
    BackpropClassifier(max_iter=3, class_weight="balanced").fit(X, y, sample_weight=sw)
    assert_array_equal(sw, before)


@pytest.mark.parametrize(
    "sw, match",
    [
        (np.ones(3), "shape"),
        (-np.ones(120), "non-negative"),
        (np.full(120, np.nan), "finite"),
        (np.zeros(120), "zero"),
    ],
)
def test_bad_sample_weight_is_named(sw, match):
    with pytest.raises(ValueError, match=match):
        BackpropClassifier().fit(*problem(), sample_weight=sw)


# ------------------------------------------------ 2. numerical extremes


@quiet
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
@pytest.mark.parametrize("scale", [1e4, 1e8])
def test_huge_inputs_stay_finite_or_stop_clearly(dtype, loss, scale):
    X, y = problem()
    X = (X * scale).astype(dtype)
    model = BackpropClassifier(max_iter=10, loss=loss, random_state=0)
    try:
        model.fit(X, y)
    except ValueError as exc:  # divergence is reported, never silent
        assert "learning_rate_init" in str(exc)
    assert np.all(np.isfinite(params_of(model)))
    proba, log_proba = model.predict_proba(X), model.predict_log_proba(X)
    assert proba.dtype == dtype
    assert np.all(np.isfinite(proba)) and np.all(np.isfinite(log_proba))
    assert np.allclose(proba.sum(axis=1), 1, atol=1e-3)


@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_saturated_outputs_give_finite_log_proba(loss, n_classes):
    X, y = problem(n_classes=n_classes)
    model = BackpropClassifier(loss=loss, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.coefs_[-1] *= 1e6  # logits of order 1e6: every sigmoid is 0 or 1
    proba, log_proba = model.predict_proba(X), model.predict_log_proba(X)
    assert np.any(proba == 0) or np.any(proba == 1)
    assert np.all(np.isfinite(log_proba)) and np.all(np.isfinite(proba))
    assert np.allclose(proba.sum(axis=1), 1)


# -------------------------------------------------------- 3. divergence


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_divergence_stops_with_a_clear_error_and_leaves_no_model(dtype):
    X, y = problem()
    X = (X * 1e3).astype(dtype)
    model = BackpropClassifier(
        solver="sgd",
        learning_rate_init=1e12,
        activation="relu",
        loss="log_loss",
        random_state=0,
        hidden_layer_sizes=(50, 50),
    )
    with pytest.raises(ValueError, match="learning_rate_init"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):  # never a silently NaN model
        model.predict(X)


@quiet
def test_divergence_in_a_later_call_keeps_the_last_good_model():
    X, y = problem()
    model = BackpropClassifier(
        solver="sgd",
        learning_rate_init=0.01,
        max_iter=5,
        activation="relu",
        random_state=0,
        warm_start=True,
        loss="log_loss",
        hidden_layer_sizes=(50, 50),
    ).fit(X, y)
    before = params_of(model).copy()
    proba = model.predict_proba(X)
    curve = list(model.loss_curve_)
    model.set_params(learning_rate_init=1e12)
    with pytest.raises(ValueError, match="diverged"):
        model.fit(X * 1e3, y)
    assert_array_equal(params_of(model), before)
    assert_array_equal(model.predict_proba(X), proba)
    assert model.loss_curve_ == curve


@quiet
def test_early_stopping_fires_even_when_scores_are_nan():
    # scikit-learn #29504: a NaN validation score must count as no progress.
    from skbp._optimizers import Adam
    from skbp._stopping import Stopping

    stopping = Stopping(
        tol=1e-4, n_iter_no_change=2, early_stopping=True, best_loss=None
    )
    params, adam = np.zeros(3), Adam(3, np.float64, 0.01)
    assert not any(stopping.update(1.0, np.nan, params, adam) for _ in range(2))
    assert stopping.update(1.0, np.nan, params, adam)


# ------------------------------------------------------- 4. determinism


@quiet
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_same_seed_same_bits_other_seed_other_weights(solver):
    X, y = problem()
    a = BackpropClassifier(solver=solver, max_iter=5, random_state=3).fit(X, y)
    b = BackpropClassifier(solver=solver, max_iter=5, random_state=3).fit(X, y)
    c = BackpropClassifier(solver=solver, max_iter=5, random_state=4).fit(X, y)
    assert_array_equal(params_of(a), params_of(b))
    assert not np.array_equal(params_of(a), params_of(c))


def dump_load(model, how, tmp_path):
    if how == "pickle":
        return pickle.loads(pickle.dumps(model))
    if how == "joblib":
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        buffer.seek(0)
        return joblib.load(buffer)
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    assert set(sio.get_untrusted_types(file=path)) <= set(TRUSTED_SKOPS_TYPES)
    return sio.load(path, trusted=TRUSTED_SKOPS_TYPES)


# ------------------------------------------------------- 5. persistence


@pytest.mark.parametrize("how", ["pickle", "joblib", "skops"])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_round_trip_keeps_predictions_and_resumes_identically(how, solver, tmp_path):
    X, y = problem()
    model = BackpropClassifier(solver=solver, random_state=0)
    for _ in range(3):
        model.partial_fit(X, y, classes=[0, 1, 2])
    copy = dump_load(model, how, tmp_path)
    assert_array_equal(copy.predict_proba(X), model.predict_proba(X))
    for _ in range(2):
        model.partial_fit(X, y)
        copy.partial_fit(X, y)
    assert_array_equal(params_of(copy), params_of(model))


@quiet
def test_skops_round_trip_of_an_lbfgs_model(tmp_path):
    X, y = problem()
    model = BackpropClassifier(solver="lbfgs", max_iter=20).fit(X, y)
    assert_array_equal(dump_load(model, "skops", tmp_path).predict(X), model.predict(X))


# ------------------------------------------------------------ 6. memory


@quiet
def test_predict_on_a_million_rows_needs_bounded_extra_memory():
    X, y = problem()
    model = BackpropClassifier(hidden_layer_sizes=(64,), max_iter=3).fit(X, y)
    big = np.random.RandomState(0).randn(1_000_000, 6)
    result_bytes = 1_000_000 * 3 * 8
    for method in ("predict_proba", "predict_log_proba", "predict"):
        tracemalloc.start()
        out = getattr(model, method)(big)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert out.shape[0] == 1_000_000
        # One hidden layer of 64 units over a million rows alone would be
        # 512 MB; chunks keep the extra to a few tens of MB.
        assert peak - result_bytes < 48 * 2**20, (method, peak)


# ----------------------------------------------------------- 7. threads


@quiet
def test_predict_from_many_threads_matches_serial():
    X, y = problem(400)
    model = BackpropClassifier(max_iter=10, random_state=0).fit(X, y)
    chunks = np.array_split(np.random.RandomState(1).randn(4000, 6), 16)
    serial = [model.predict_proba(c) for c in chunks]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(model.predict_proba, chunks))
    for a, b in zip(serial, parallel):
        assert_array_equal(a, b)


def test_overflow_in_the_last_update_is_caught():
    # The loss is checked before each update; the weights after the last one.
    rng = np.random.RandomState(0)
    model = BackpropClassifier(
        solver="sgd", learning_rate_init=1e308, loss="log_loss", activation="identity"
    )
    with pytest.raises(ValueError, match="diverged"):
        model.partial_fit(
            100 * rng.randn(50, 4), rng.randint(3, size=50), classes=[0, 1, 2]
        )
    with pytest.raises(NotFittedError):
        model.predict(np.ones((1, 4)))


@quiet
def test_a_failed_call_leaves_the_model_as_it_was():
    X, y = problem()
    model = BackpropClassifier(max_iter=3, warm_start=True, random_state=0).fit(X, y)
    before, proba = params_of(model).copy(), model.predict_proba(X)
    with pytest.raises(ValueError, match="features"):
        model.fit(X, y, X_val=X[:, :3], y_val=y)
    assert_array_equal(params_of(model), before)
    assert_array_equal(model.predict_proba(X), proba)
    fresh = BackpropClassifier(class_weight={0: 0, 1: 0, 2: 0})
    with pytest.raises(ValueError, match="zero for every sample"):
        fresh.fit(X, y)
    with pytest.raises(NotFittedError):
        fresh.predict(X)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_blas_threads_are_restored_after_concurrent_fits(solver):
    # sgd on small batches limits every BLAS, lbfgs only SciPy's own.
    import threadpoolctl

    before = [i["num_threads"] for i in threadpoolctl.threadpool_info()]
    X, y = problem(300)

    def fit(_):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return BackpropClassifier(
                hidden_layer_sizes=(5,), batch_size=10, max_iter=3, solver=solver
            ).fit(X, y)

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(fit, range(6)))
    assert [i["num_threads"] for i in threadpoolctl.threadpool_info()] == before

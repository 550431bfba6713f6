"""Training and prediction in any array-API namespace (dispatch on).

With ``sklearn.config_context(array_api_dispatch=True)`` (and
``SCIPY_ARRAY_API=1``, set by conftest.py), an skbp estimator fitted on
PyTorch tensors or array-api-strict arrays trains in that namespace and on
that device: the weights, the optimizer state and the predictions live there,
and the computation is NumPy's, draw for draw.  Each test here runs for every
namespace this machine has (array-api-strict always, PyTorch when it is
installed); absent libraries are left out of the parametrization, not skipped.
Also tested: the private helpers of ``skbp._array_api`` and the ``out=`` seam
``skbp._inplace``, and ``skbp.loss_and_gradients`` on such arrays.
"""

import importlib
import importlib.util
import pickle
import re

import numpy as np
import pytest
import sklearn
from scipy import sparse
from sklearn.datasets import (
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import NotFittedError
from sklearn.utils._array_api import device as array_device
from sklearn.utils._array_api import get_namespace
from sklearn.utils.validation import check_is_fitted

import skbp
from skbp import BackpropClassifier, BackpropRegressor, _inplace
from skbp._array_api import (
    check_fitted_namespace,
    dispatch_enabled,
    host,
    is_numpy,
    is_numpy_namespace,
    move_via_host,
    namespace_of,
    to_namespace,
    to_numpy,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: The array-API namespaces this machine has (NumPy is the reference).
NAMESPACES = ["array_api_strict"] + (
    ["torch"] if importlib.util.find_spec("torch") is not None else []
)
KINDS = ["classifier", "regressor"]
SOLVERS = ["sgd", "adam", "lbfgs"]
STATE = {"sgd": ("velocity",), "adam": ("m", "v")}


def dispatch():
    return sklearn.config_context(array_api_dispatch=True)


def xp_of(name):
    return importlib.import_module(name)


def to_xp(name, array, dtype=None):
    """A NumPy array (or anything np.asarray takes) in namespace ``name``:
    on the CPU for torch, on the default device for array-api-strict."""
    array = np.asarray(array, dtype=dtype)
    xp = xp_of(name)
    if name == "torch":
        return xp.asarray(array, device="cpu")
    return xp.asarray(array, device=xp.Device())


def ns_name(array):
    """The namespace scikit-learn's dispatch sees for ``array``."""
    with dispatch():
        return get_namespace(array)[0].__name__


def assert_lives_with(array, X, dtype=True):
    """``array`` is in X's namespace and on X's device (and of X's dtype)."""
    assert type(array) is type(X), (type(array), type(X))
    assert ns_name(array) == ns_name(X)
    assert array_device(array) == array_device(X)
    if dtype:
        assert array.dtype == X.dtype, (array.dtype, X.dtype)


def assert_close(actual, expected, atol=1e-8, rtol=0.0):
    np.testing.assert_allclose(to_numpy(actual), expected, atol=atol, rtol=rtol)


def assert_same_weights(est, ref, atol):
    assert len(est.coefs_) == len(ref.coefs_)
    for got, want in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        assert is_numpy(want)
        assert got.shape == want.shape
        assert_close(got, want, atol=atol)


def assert_same_state(est, ref, atol=1e-10):
    for name in STATE.get(est.solver, ()):
        assert_close(getattr(est._optimizer, name), getattr(ref._optimizer, name), atol)
    if est.solver == "adam":
        assert est._optimizer.t == ref._optimizer.t
    if est.solver != "lbfgs":
        assert est._optimizer.learning_rate == pytest.approx(
            ref._optimizer.learning_rate, rel=1e-12
        )


def copy_xp(array):
    """A copy of ``array`` in its own namespace."""
    with dispatch():
        xp, _ = namespace_of(array)
        return xp.asarray(array, copy=True)


def xp_equal(a, b):
    """Exact equality, computed in the arrays' own (common) namespace."""
    with dispatch():
        xp, _ = namespace_of(a, b)
        return a.shape == b.shape and bool(xp.all(a == b))


# ------------------------------------------------------------------ data

X_CLF, Y_CLF = make_classification(
    n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0
)
X_BIN, Y_BIN = make_classification(
    n_samples=120, n_features=6, n_informative=4, n_classes=2, random_state=1
)
X_REG, _y = make_regression(n_samples=120, n_features=6, noise=1.0, random_state=0)
Y_REG = _y / np.std(_y)
X_ML, Y_ML = make_multilabel_classification(
    n_samples=120, n_features=6, n_classes=3, random_state=0
)
X_ML = X_ML / X_ML.std()
DATA = {"classifier": (X_CLF, Y_CLF), "regressor": (X_REG, Y_REG)}
WEIGHTS = np.random.RandomState(0).uniform(0.1, 2.0, size=120)


def make(kind, solver="adam", **params):
    cls = BackpropClassifier if kind == "classifier" else BackpropRegressor
    defaults = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        random_state=0,
        max_iter=12 if solver == "lbfgs" else 4,
        batch_size=32,
        learning_rate_init=0.02,
    )
    return cls(**{**defaults, **params})


def outputs(est, X):
    """Every prediction method's result on X (and its hidden features), by name."""
    names = ["predict", "transform"]
    if isinstance(est, BackpropClassifier):
        names += ["predict_proba", "predict_log_proba", "decision_function"]
    return {name: getattr(est, name)(X) for name in names}


# --------------------------------------------- 1. the same computation


@pytest.mark.parametrize("dtype, atol", [("float64", 1e-8), ("float32", 1e-4)])
@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", KINDS)
def test_same_computation_as_numpy(kind, solver, name, dtype, atol):
    X, y = DATA[kind]
    X = X.astype(dtype)
    Xp = to_xp(name, X)
    # L-BFGS amplifies rounding differences step by step (float32: ~2e-5 after
    # 10 steps, ~3e-4 after 15, ~1e-2 after 40): at most 10 steps in float32.
    params = {"max_iter": 8} if solver == "lbfgs" and dtype == "float32" else {}
    with dispatch():
        ref = make(kind, solver, **params).fit(X, y)
        est = make(kind, solver, **params).fit(Xp, to_xp(name, y))
        assert_same_weights(est, ref, atol)
        assert est.n_iter_ == ref.n_iter_
        assert est.t_ == ref.t_
        assert len(est.loss_curve_) == len(ref.loss_curve_) > 0
        # The loss is summed in the namespace (torch's and NumPy's reductions
        # round differently in the last bit, which L-BFGS then amplifies); the
        # weights are what must agree.
        if dtype == "float64":
            rtol = 1e-12 if solver != "lbfgs" else 1e-9
        else:
            rtol = 1e-5 if solver != "lbfgs" else 1e-4
        np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=rtol)
        assert est.loss_ == pytest.approx(ref.loss_, rel=rtol)
        if solver != "lbfgs":
            assert_same_state(est, ref, atol)
        got, want = outputs(est, Xp), outputs(ref, X)
        for method in got:
            if method == "predict" and kind == "classifier":
                np.testing.assert_array_equal(to_numpy(got[method]), want[method])
            else:
                assert_close(got[method], want[method], atol=10 * atol)


@pytest.mark.parametrize("dropout", [0.3, [0.5, 0.0]])
@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", KINDS)
def test_dropout_same_computation_as_numpy(kind, solver, name, dropout):
    # The masks are drawn in NumPy from the estimator's generator and moved
    # beside X: the same masks, so the same fit.
    X, y = DATA[kind]
    Xp = to_xp(name, X)
    params = dict(hidden_layer_sizes=(8, 6), dropout=dropout, max_iter=5)
    with dispatch():
        ref = make(kind, solver, **params).fit(X, y)
        est = make(kind, solver, **params).fit(Xp, to_xp(name, y))
        plain = make(kind, solver, **{**params, "dropout": 0.0}).fit(X, y)
        assert_same_weights(est, ref, 1e-8)
        np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-12)
        got, want = outputs(est, Xp), outputs(ref, X)
        for method in got:
            assert_close(got[method], want[method], atol=1e-7)
    assert not np.allclose(ref.coefs_[0], plain.coefs_[0])  # the masks acted


# ------------------------------------------------ 2. everything follows X


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", KINDS)
def test_everything_follows_X(kind, solver, name, dtype):
    X, y = DATA[kind]
    Xp = to_xp(name, X, dtype)
    with dispatch():
        est = make(kind, solver, max_iter=3).fit(Xp, y)
        for array in est.coefs_ + est.intercepts_:
            assert_lives_with(array, Xp)
        if solver == "lbfgs":
            assert getattr(est, "_optimizer", None) is None
        else:
            for attr in STATE[solver]:
                assert_lives_with(getattr(est._optimizer, attr), Xp)
        for method, result in outputs(est, Xp).items():
            if method == "predict" and kind == "classifier":
                # Numeric classes: labels in X's namespace, classes_'s dtype.
                assert_lives_with(result, Xp, dtype=False)
                assert to_numpy(result).dtype == est.classes_.dtype
                assert set(np.unique(to_numpy(result))) <= set(est.classes_)
            else:
                assert_lives_with(result, Xp)
            assert result.shape[0] == X.shape[0]
        score = est.score(Xp, y)
        assert type(score) is float
        assert type(est.score(Xp, to_xp(name, y))) is float
        assert type(est.loss_) is float
        assert all(type(v) is float for v in est.loss_curve_)
        if kind == "classifier":
            assert isinstance(est.classes_, np.ndarray)


@pytest.mark.parametrize("X, y", [(X_CLF, Y_CLF), (X_BIN, Y_BIN)], ids=["3", "2"])
@pytest.mark.parametrize("name", NAMESPACES)
def test_string_labels_predict_numpy_strings(name, X, y):
    labels = np.array(["ant", "bee", "cat"])[y]
    Xp = to_xp(name, X)
    with dispatch():
        ref = make("classifier").fit(X, labels)
        est = make("classifier").fit(Xp, labels)
        assert isinstance(est.classes_, np.ndarray)
        np.testing.assert_array_equal(est.classes_, ref.classes_)
        predicted = est.predict(Xp)
        assert isinstance(predicted, np.ndarray) and predicted.dtype.kind == "U"
        np.testing.assert_array_equal(predicted, ref.predict(X))
        assert_lives_with(est.predict_proba(Xp), Xp)
        assert_close(est.predict_proba(Xp), ref.predict_proba(X))
        score = est.score(Xp, labels)
        assert type(score) is float and score == pytest.approx(ref.score(X, labels))


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kind", KINDS)
def test_predict_in_another_namespace_is_refused(kind, name):
    X, y = DATA[kind]
    Xp = to_xp(name, X)
    methods = ["predict", "score"] + (
        ["predict_proba", "predict_log_proba", "decision_function"]
        if kind == "classifier"
        else []
    )
    with dispatch():
        on_xp = make(kind, max_iter=2).fit(Xp, y)
        on_numpy = make(kind, max_iter=2).fit(X, y)
        for model, other in ((on_xp, X), (on_numpy, Xp)):
            for method in methods:
                args = (other, y) if method == "score" else (other,)
                with pytest.raises(ValueError, match="must use the same namespace"):
                    getattr(model, method)(*args)


# ------------------------------------- 3. training calls, all of them


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize(
    "kind, classes_as",
    [("classifier", "array"), ("classifier", "list"), ("regressor", None)],
)
def test_partial_fit_keeps_state_and_matches_numpy(kind, classes_as, solver, name):
    X, y = DATA[kind]
    kwargs = {}
    if kind == "classifier":
        classes = np.unique(y)
        kwargs["classes"] = classes if classes_as == "array" else classes.tolist()
    ref, est = make(kind, solver), make(kind, solver)
    with dispatch():
        for step, rows in enumerate(np.array_split(np.arange(120), 3)):
            Xb, yb = X[rows], y[rows]
            ref.partial_fit(Xb, yb, **kwargs)
            est.partial_fit(to_xp(name, Xb), yb, **kwargs)
            Xp = to_xp(name, Xb)
            for array in est.coefs_ + est.intercepts_:
                assert_lives_with(array, Xp)
            for attr in STATE[solver]:
                assert_lives_with(getattr(est._optimizer, attr), Xp)
            assert_same_weights(est, ref, 1e-10)
            assert_same_state(est, ref)
            assert est.t_ == ref.t_ == 40 * (step + 1)
            np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-12)
        first = STATE[solver][0]
        assert np.any(to_numpy(getattr(est._optimizer, first)) != 0)
        if solver == "adam":
            assert est._optimizer.t == 3 * 2  # two batches of 32 and 8 a call


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", KINDS)
def test_partial_fit_stream_is_one_epoch_of_fit(kind, solver, name):
    """Unshuffled, three partial_fit calls of one batch each take the steps
    of one epoch of fit: equal only if the optimizer state (velocity, or
    Adam's moments and step count) carries from call to call in xp."""
    X, y = DATA[kind]
    params = dict(shuffle=False, batch_size=40)
    kwargs = {"classes": np.unique(y)} if kind == "classifier" else {}
    with dispatch():
        whole = make(kind, solver, max_iter=1, **params).fit(to_xp(name, X), y)
        stream = make(kind, solver, **params)
        for rows in np.array_split(np.arange(120), 3):
            stream.partial_fit(to_xp(name, X[rows]), y[rows], **kwargs)
        if solver == "adam":
            assert stream._optimizer.t == whole._optimizer.t == 3
        for a, b in zip(
            stream.coefs_ + stream.intercepts_, whole.coefs_ + whole.intercepts_
        ):
            assert_close(a, to_numpy(b), atol=1e-12)
        for attr in STATE[solver]:
            assert_close(
                getattr(stream._optimizer, attr),
                to_numpy(getattr(whole._optimizer, attr)),
                atol=1e-12,
            )


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", KINDS)
def test_warm_start_is_one_longer_fit(kind, solver, name):
    """Unshuffled, two warm fits of 3 epochs are one fit of 6, in xp."""
    X, y = DATA[kind]
    Xp = to_xp(name, X)
    with dispatch():
        longer = make(kind, solver, max_iter=6, shuffle=False).fit(Xp, y)
        warm = make(kind, solver, max_iter=3, shuffle=False, warm_start=True)
        warm.fit(Xp, y).fit(Xp, y)
        assert warm.n_iter_ == 3 and longer.n_iter_ == 6
        assert len(warm.loss_curve_) == 6
        np.testing.assert_allclose(warm.loss_curve_, longer.loss_curve_, rtol=1e-12)
        for a, b in zip(
            warm.coefs_ + warm.intercepts_, longer.coefs_ + longer.intercepts_
        ):
            assert_lives_with(a, Xp)
            assert_close(a, to_numpy(b), atol=1e-12)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", KINDS)
def test_warm_start_continues_like_numpy(kind, solver, name):
    X, y = DATA[kind]
    Xp = to_xp(name, X)
    iters = 3 if solver != "lbfgs" else 5
    ref = make(kind, solver, max_iter=iters, warm_start=True)
    est = make(kind, solver, max_iter=iters, warm_start=True)
    with dispatch():
        ref.fit(X, y)
        est.fit(Xp, y)
        before = [copy_xp(c) for c in est.coefs_]
        ref.fit(X, y)
        est.fit(Xp, y)
        assert_same_weights(est, ref, 1e-8)
        if solver != "lbfgs":
            assert_same_state(est, ref, 1e-8)
            assert len(est.loss_curve_) == 2 * iters
        assert len(est.loss_curve_) == len(ref.loss_curve_)
        np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-10)
        assert est.t_ == ref.t_
        for old, new in zip(before, est.coefs_):
            assert_lives_with(new, Xp)
            assert not xp_equal(old, new)  # it trained on


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", KINDS)
def test_early_stopping_matches_numpy(kind, solver, name):
    X, y = DATA[kind]
    Xp = to_xp(name, X)
    # Step sizes at which each fit stops early, past its best epoch, so that
    # the best weights must be restored.
    rate = {"sgd": 0.1, "adam": 0.05}[solver]
    params = dict(
        early_stopping=True,
        max_iter=30,
        n_iter_no_change=3,
        validation_fraction=0.25,
        learning_rate_init=rate,
    )
    with dispatch():
        ref = make(kind, solver, **params).fit(X, y)
        est = make(kind, solver, **params).fit(Xp, y)
        assert est.n_iter_ == ref.n_iter_ < 30
        assert ref.best_validation_score_ > ref.validation_scores_[-1]
        assert_same_weights(est, ref, 1e-8)
        np.testing.assert_allclose(
            est.validation_scores_, ref.validation_scores_, rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            est.validation_loss_curve_, ref.validation_loss_curve_, rtol=1e-10
        )
        assert est.best_validation_score_ == pytest.approx(
            ref.best_validation_score_, rel=1e-10
        )
        assert est.best_validation_score_ == max(est.validation_scores_)
        for array in est.coefs_ + est.intercepts_:
            assert_lives_with(array, Xp)
        assert_close(est.predict(Xp), ref.predict(X), atol=1e-8)


@pytest.mark.parametrize("val_in", ["xp", "numpy"])  # numpy: X_val must move
@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kind", KINDS)
def test_validation_data_matches_numpy(kind, name, val_in):
    X, y = DATA[kind]
    train, held = slice(0, 90), slice(90, 120)
    weights = WEIGHTS[held]
    val = dict(X_val=X[held], y_val=y[held], sample_weight_val=weights)
    if val_in == "xp":
        val_xp = {k: to_xp(name, v) for k, v in val.items()}
    else:
        val_xp = val
    params = dict(early_stopping=True, n_iter_no_change=3, max_iter=8)
    Xp = to_xp(name, X[train])
    with dispatch():
        ref = make(kind, **params).fit(X[train], y[train], **val)
        est = make(kind, **params).fit(Xp, y[train], **val_xp)
        assert est.n_iter_ == ref.n_iter_
        assert len(est.validation_scores_) == est.n_iter_
        assert_same_weights(est, ref, 1e-8)
        np.testing.assert_allclose(
            est.validation_scores_, ref.validation_scores_, rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            est.validation_loss_curve_, ref.validation_loss_curve_, rtol=1e-10
        )
        for array in est.coefs_ + est.intercepts_:
            assert_lives_with(array, Xp)


WEIGHT_CASES = [  # (kind, sample weights given as, class_weight)
    ("classifier", "xp", None),
    ("classifier", "numpy", None),
    ("classifier", "none", "balanced"),
    ("classifier", "xp", "balanced"),
    ("classifier", "numpy", "balanced"),
    ("regressor", "xp", None),
    ("regressor", "numpy", None),
]


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kind, weights_in, class_weight", WEIGHT_CASES)
def test_sample_and_class_weights_match_numpy(kind, weights_in, class_weight, name):
    X, y = DATA[kind]
    sw = {"xp": to_xp(name, WEIGHTS), "numpy": WEIGHTS, "none": None}[weights_in]
    params = {} if kind == "regressor" else {"class_weight": class_weight}
    Xp = to_xp(name, X)
    with dispatch():
        ref = make(kind, "sgd", **params).fit(X, y, sample_weight=host(sw))
        est = make(kind, "sgd", **params).fit(Xp, y, sample_weight=sw)
        unweighted = make(kind, "sgd").fit(X, y)
        assert_same_weights(est, ref, 1e-8)
        np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-10)
        # The weights did something (so the comparison above can fail).
        assert not np.allclose(ref.coefs_[0], unweighted.coefs_[0])
        score = est.score(Xp, y, sample_weight=sw)
        assert type(score) is float
        assert score == pytest.approx(ref.score(X, y, sample_weight=host(sw)))


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", SOLVERS)
def test_multilabel_matches_numpy(solver, name):
    Xp, Yp = to_xp(name, X_ML), to_xp(name, Y_ML, dtype=np.int64)
    with dispatch():
        ref = make("classifier", solver).fit(X_ML, Y_ML)
        est = make("classifier", solver).fit(Xp, Yp)
        np.testing.assert_array_equal(est.classes_, ref.classes_)
        assert_same_weights(est, ref, 1e-8)
        predicted = est.predict(Xp)
        assert_lives_with(predicted, Yp)
        assert predicted.shape == (120, 3)
        np.testing.assert_array_equal(to_numpy(predicted), ref.predict(X_ML))
        proba = est.predict_proba(Xp)
        assert_lives_with(proba, Xp)
        assert proba.shape == (120, 3)
        assert_close(proba, ref.predict_proba(X_ML))
        assert type(est.score(Xp, Yp)) is float


def _diverging(**params):
    # A classifier's bounded loss never overflows; an unscaled regression with
    # relu units and a huge step does, within a few epochs.
    defaults = dict(
        hidden_layer_sizes=(8,),
        solver="sgd",
        activation="relu",
        random_state=0,
        max_iter=20,
    )
    return BackpropRegressor(**{**defaults, **params})


@pytest.mark.parametrize("name", NAMESPACES)
def test_divergence_leaves_a_first_fit_unfitted(name):
    Xp = to_xp(name, X_REG * 1e3)
    est = _diverging(learning_rate_init=1e6)
    with dispatch():
        with pytest.raises(ValueError, match="learning_rate_init"):
            est.fit(Xp, Y_REG)
        assert not hasattr(est, "coefs_")
        with pytest.raises(NotFittedError):
            check_is_fitted(est)
        with pytest.raises(NotFittedError):
            est.predict(Xp)


@pytest.mark.parametrize("name", NAMESPACES)
def test_divergence_leaves_a_warm_fit_unchanged(name):
    Xp = to_xp(name, X_REG)
    with dispatch():
        est = _diverging(learning_rate_init=0.001, max_iter=3).fit(Xp, Y_REG)
        coefs = [copy_xp(a) for a in est.coefs_ + est.intercepts_]
        velocity = copy_xp(est._optimizer.velocity)
        optimizer, curve = est._optimizer, list(est.loss_curve_)
        n_iter, t, prediction = est.n_iter_, est.t_, est.predict(Xp)
        est.set_params(warm_start=True, learning_rate_init=1e6, max_iter=20)
        with pytest.raises(ValueError, match="learning_rate_init"):
            est.fit(Xp * 1e3, Y_REG)
        for old, new in zip(coefs, est.coefs_ + est.intercepts_):
            assert_lives_with(new, Xp)
            assert xp_equal(old, new)
        assert est._optimizer is optimizer
        assert_lives_with(est._optimizer.velocity, Xp)
        assert xp_equal(velocity, est._optimizer.velocity)
        assert est.loss_curve_ == curve
        assert (est.n_iter_, est.t_) == (n_iter, t)
        assert xp_equal(est.predict(Xp), prediction)


# --------------------------------------------------------- 4. pickling


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kind", KINDS)
def test_pickled_model_predicts_the_same(kind, name):
    X, y = DATA[kind]
    Xp = to_xp(name, X)
    with dispatch():
        est = make(kind, "adam", max_iter=3).fit(Xp, y)
        loaded = pickle.loads(pickle.dumps(est))
        for array in loaded.coefs_ + loaded.intercepts_:
            assert_lives_with(array, Xp)
        for attr in STATE["adam"]:
            assert_lives_with(getattr(loaded._optimizer, attr), Xp)
        want, got = outputs(est, Xp), outputs(loaded, Xp)
        for method in want:
            assert_lives_with(got[method], want[method])
            assert xp_equal(got[method], want[method])
        # It trains on from where it was, like the original.
        est.partial_fit(
            Xp, y, **({"classes": est.classes_} if kind == "classifier" else {})
        )
        loaded.partial_fit(
            Xp, y, **({"classes": est.classes_} if kind == "classifier" else {})
        )
        for a, b in zip(est.coefs_, loaded.coefs_):
            assert xp_equal(a, b)


# ----------------------------------------------------------- 5. sparse


@pytest.mark.parametrize("kind", KINDS)
def test_sparse_X_with_dispatch_is_a_type_error(kind):
    X, y = DATA[kind]
    Xs = sparse.csr_matrix(X)
    model = make(kind, max_iter=2).fit(X, y)  # dispatch off
    with dispatch():
        for call in (
            lambda: make(kind, max_iter=2).fit(Xs, y),
            lambda: make(kind, max_iter=2).fit(X, y, X_val=Xs, y_val=y),
            lambda: model.predict(Xs),
        ):
            with pytest.raises(TypeError, match="Sparse") as info:
                call()
            assert "array_api_dispatch" in str(info.value)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("kind", KINDS)
def test_sparse_X_without_dispatch_still_trains(kind, fmt):
    X, y = DATA[kind]
    Xs = sparse.csr_matrix(X) if fmt == "csr" else sparse.csc_matrix(X)
    assert not dispatch_enabled()
    est = make(kind, max_iter=3).fit(Xs, y)
    dense = make(kind, max_iter=3).fit(X, y)
    assert all(isinstance(c, np.ndarray) for c in est.coefs_)
    assert_same_weights(est, dense, 1e-10)
    np.testing.assert_allclose(est.predict(Xs), dense.predict(X), atol=1e-10)


# --------------------------------------- 6. without dispatch: NumPy


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("kind", KINDS)
def test_without_dispatch_other_arrays_train_in_numpy(kind, solver, name):
    X, y = DATA[kind]
    Xp = to_xp(name, X)
    assert not dispatch_enabled()
    ref = make(kind, solver).fit(X, y)
    est = make(kind, solver).fit(Xp, y)
    for array in est.coefs_ + est.intercepts_:
        assert isinstance(array, np.ndarray) and array.dtype == np.float64
    for attr in STATE.get(solver, ()):
        assert isinstance(getattr(est._optimizer, attr), np.ndarray)
    assert_same_weights(est, ref, 0.0)
    assert est.loss_curve_ == ref.loss_curve_
    for method, result in outputs(est, Xp).items():
        assert isinstance(result, np.ndarray)
        np.testing.assert_array_equal(result, outputs(ref, X)[method])
    assert type(est.score(Xp, y)) is float


# ---------------------------------------------------- 7. mixed inputs


MIXED = [
    (x_ns, other)
    for x_ns in NAMESPACES
    for other in ["numpy"] + NAMESPACES
    if other != x_ns
]


@pytest.mark.parametrize("x_ns, other", MIXED)
@pytest.mark.parametrize("kind", KINDS)
def test_mixed_inputs_follow_X(kind, x_ns, other):
    """X in one namespace, y in NumPy, the sample weights, y_val and
    sample_weight_val in another (X_val where X is)."""
    X, y = DATA[kind]
    Xp = to_xp(x_ns, X)
    as_other = (lambda a: a) if other == "numpy" else (lambda a: to_xp(other, a))
    with dispatch():
        ref = make(kind, "adam").fit(
            X[:90],
            y[:90],
            WEIGHTS[:90],
            X_val=X[90:],
            y_val=y[90:],
            sample_weight_val=WEIGHTS[90:],
        )
        est = make(kind, "adam").fit(
            Xp[:90, ...],
            y[:90],
            as_other(WEIGHTS[:90]),
            X_val=Xp[90:, ...],
            y_val=as_other(y[90:]),
            sample_weight_val=as_other(WEIGHTS[90:]),
        )
        for array in est.coefs_ + est.intercepts_:
            assert_lives_with(array, Xp)
        for attr in STATE["adam"]:
            assert_lives_with(getattr(est._optimizer, attr), Xp)
        assert_same_weights(est, ref, 1e-8)
        np.testing.assert_allclose(
            est.validation_scores_, ref.validation_scores_, rtol=1e-10, atol=1e-12
        )
        assert_lives_with(est.predict(Xp), Xp, dtype=kind == "regressor")
        assert type(est.score(Xp, as_other(y), as_other(WEIGHTS))) is float


# ------------------------------------------------- 8. _array_api helpers


def test_namespace_of_numpy_with_dispatch_off_and_on():
    a = np.ones(3)
    assert not dispatch_enabled()
    xp, _ = namespace_of(a)
    assert is_numpy_namespace(xp)
    assert is_numpy_namespace(namespace_of()[0])
    with dispatch():
        assert dispatch_enabled()
        xp, device = namespace_of(a)
        assert is_numpy_namespace(xp)
        assert device == "cpu"
    assert not dispatch_enabled()


@pytest.mark.parametrize("name", NAMESPACES)
def test_namespace_of_xp_follows_dispatch(name):
    a = to_xp(name, np.ones(3))
    with dispatch():
        xp, device = namespace_of(a)
        assert name in xp.__name__
        assert not is_numpy_namespace(xp)
        assert device == array_device(a)
        assert bool(xp.all(xp.asarray(a, device=device) == a))
        with pytest.raises(ValueError):
            namespace_of(a, np.ones(3))  # mixed namespaces: scikit-learn refuses
    xp, _ = namespace_of(a)  # dispatch off: NumPy, whatever the array
    assert is_numpy_namespace(xp)


@pytest.mark.parametrize("name", NAMESPACES)
def test_is_numpy_namespace(name):
    from sklearn.externals.array_api_compat import numpy as compat_numpy

    assert is_numpy_namespace(np)
    assert is_numpy_namespace(compat_numpy)
    with dispatch():
        assert is_numpy_namespace(get_namespace(np.ones(2))[0])
        assert not is_numpy_namespace(get_namespace(to_xp(name, np.ones(2)))[0])
    assert not is_numpy_namespace(xp_of(name))


def test_is_numpy():
    assert is_numpy(np.ones(2))
    assert is_numpy(sparse.csr_matrix(np.eye(2)))
    assert not is_numpy([1.0, 2.0])
    for name in NAMESPACES:
        assert not is_numpy(to_xp(name, np.ones(2)))


@pytest.mark.parametrize("name", NAMESPACES)
def test_host(name):
    values = [1.0, 2.0]
    a = np.arange(3.0)
    S = sparse.csr_matrix(np.eye(2))
    t = to_xp(name, a)
    for dispatch_on in (False, True):
        with sklearn.config_context(array_api_dispatch=dispatch_on):
            assert host(None) is None
            assert host(values) is values
            assert host((1, 2)) == (1, 2)
            assert host(a) is a
            assert host(S) is S
    assert host(t) is t  # dispatch off: left for check_array to convert
    with dispatch():
        moved = host(t)
        assert isinstance(moved, np.ndarray)
        np.testing.assert_array_equal(moved, a)


@pytest.mark.parametrize("name", NAMESPACES)
def test_to_numpy_and_to_namespace(name):
    a = np.arange(6.0).reshape(2, 3)
    S = sparse.csr_matrix(a)
    assert to_numpy(None) is None
    assert to_numpy(a) is a
    assert to_numpy(S) is S
    t = to_xp(name, a)
    for dispatch_on in (False, True):
        with sklearn.config_context(array_api_dispatch=dispatch_on):
            back = to_numpy(t)
            assert isinstance(back, np.ndarray)
            np.testing.assert_array_equal(back, a)
            assert back.dtype == np.float64
    with dispatch():
        xp, device = namespace_of(t)
        moved, none = to_namespace(a, None, xp=xp, device=device)
        assert none is None
        assert_lives_with(moved, t)
        assert xp_equal(moved, t)


@pytest.mark.parametrize("dispatch_on", [False, True])
@pytest.mark.parametrize("name", NAMESPACES)
def test_move_via_host_moves_as_scikit_learns_move_to(name, dispatch_on):
    # The stand-in for scikit-learn 1.7 against the real thing (>= 1.8).
    if skbp._array_api.move_to is None:
        pytest.skip("the oracle, move_to, requires scikit-learn >= 1.8")
    move_to = skbp._array_api.move_to
    a = np.arange(6.0).reshape(2, 3)
    t = to_xp(name, a)
    with dispatch():
        xp, device = namespace_of(t)
    with sklearn.config_context(array_api_dispatch=dispatch_on):
        for array, target in ((a, (xp, device)), (t, (np, "cpu"))):
            got = move_via_host(array, None, xp=target[0], device=target[1])
            want = move_to(array, None, xp=target[0], device=target[1])
            assert got[1] is None and want[1] is None
            assert type(got[0]) is type(want[0])
            assert array_device(got[0]) == array_device(want[0])
            assert got[0].dtype == want[0].dtype
            np.testing.assert_array_equal(to_numpy(got[0]), to_numpy(want[0]))
    assert move_via_host(t, xp=xp, device=device) is t  # already there
    S = sparse.csr_matrix(a)
    assert move_via_host(S, xp=np, device="cpu") is S
    for move in (move_via_host, move_to):
        with pytest.raises(TypeError, match="Sparse arrays are only accepted"):
            move(S, xp=xp, device=device)


@pytest.mark.parametrize("version", ["1.7.0", "1.8.0", "1.8.2"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMESPACES)
def test_dispatch_on_older_scikit_learn_is_refused(name, kind, version, monkeypatch):
    X, y = DATA[kind]
    Xp, yp = to_xp(name, X), to_xp(name, y)
    fitted = make(kind).fit(X, y)
    refusal = skbp._array_api.dispatch_refusal(version)
    monkeypatch.setattr(skbp._array_api, "DISPATCH_REFUSAL", refusal)
    expected = rf"requires scikit-learn >= 1\.9 \(found {re.escape(version)}\)"
    with dispatch():
        for call in (
            lambda: make(kind).fit(Xp, yp),
            lambda: make(kind).fit(X, y),
            lambda: fitted.partial_fit(Xp, yp),
            lambda: fitted.predict(Xp),
        ):
            with pytest.raises(ImportError, match=expected):
                call()
    # Dispatch off: NumPy, as on any scikit-learn.
    refit = make(kind).fit(Xp, yp)
    assert_same_weights(refit, fitted, atol=0)


@pytest.mark.parametrize("version", ["1.9.0", "1.9.1", "1.10.0", "2.0.0"])
def test_dispatch_is_carried_from_scikit_learn_1_9(version):
    assert skbp._array_api.dispatch_refusal(version) is None


@pytest.mark.parametrize("name", NAMESPACES)
def test_check_fitted_namespace(name):
    a = np.ones((2, 3))
    t = to_xp(name, a)
    # Dispatch off: NumPy weights take anything; others say dispatch is off.
    check_fitted_namespace(t, a, "Owner", "method")
    with pytest.raises(ValueError, match=r"Owner.method\(\) was called with "):
        check_fitted_namespace(a, t, "Owner", "method")
    with dispatch():
        check_fitted_namespace(a, a, "Owner", "method")
        check_fitted_namespace(t, t, "Owner", "method")
        for X, fitted, x_name in ((a, t, "numpy"), (t, a, name)):
            with pytest.raises(ValueError) as info:
                check_fitted_namespace(X, fitted, "BackpropThing", "predict_proba")
            message = str(info.value)
            assert "BackpropThing.predict_proba()" in message
            assert "must use the same namespace" in message
            assert "same device" in message
            assert x_name in message


# --------------------------------------------------------- 9. _inplace


def _inplace_cases():
    """(name, fn(a, b, out, xp, array)) for every seam function with an out."""
    return {
        "matmul": lambda d, o, xp: _inplace.matmul(d["A"], d["B"], o["AB"]),
        "subtract": lambda d, o, xp: _inplace.subtract(d["a"], d["b"], o["v"]),
        "subtract_scalar": lambda d, o, xp: _inplace.subtract(d["a"], 0.5, o["v"]),
        "multiply": lambda d, o, xp: _inplace.multiply(d["a"], d["b"], o["v"]),
        "multiply_scalar": lambda d, o, xp: _inplace.multiply(d["a"], 0.3, o["v"]),
        "divide": lambda d, o, xp: _inplace.divide(d["a"], d["b"], o["v"]),
        "divide_scalar": lambda d, o, xp: _inplace.divide(d["a"], 4.0, o["v"]),
        "square": lambda d, o, xp: _inplace.square(d["a"], o["v"]),
        "sqrt": lambda d, o, xp: _inplace.sqrt(d["b"], o["v"]),
        "copy": lambda d, o, xp: _inplace.copy(d["a"], o["v"]),
        "copy_xp": lambda d, o, xp: _inplace.copy(d["a"], o["v"], xp),
        "copy_cast": lambda d, o, xp: _inplace.copy(d["a32"], o["v"], xp),
        "copy_int": lambda d, o, xp: _inplace.copy(d["ints"], o["v"], xp),
        "exp": lambda d, o, xp: _inplace.apply("exp", d["a"], o["v"], xp),
        "tanh": lambda d, o, xp: _inplace.apply("tanh", d["a"], o["v"], xp),
        "sign": lambda d, o, xp: _inplace.apply("sign", d["a"], o["v"], xp),
        "expit": lambda d, o, xp: _inplace.expit(d["a"], o["v"], xp),
        "softplus": lambda d, o, xp: _inplace.softplus(d["a"], o["v"], xp),
        "relu": lambda d, o, xp: _inplace.relu(d["a"], o["v"], xp),
        "column_sums": lambda d, o, xp: _inplace.column_sums(
            d["b"], d["ones"], o["sums"], xp
        ),
    }


def _inplace_data():
    rng = np.random.RandomState(0)
    a = rng.randn(4, 5) * 3
    a[0, 0] = 0.0  # sign(0), relu at 0
    return {
        "a": a,
        "b": rng.uniform(0.5, 2.0, size=(4, 5)),
        "a32": a.astype(np.float32),
        "ints": rng.randint(-5, 5, size=(4, 5)),
        "A": rng.randn(4, 3),
        "B": rng.randn(3, 6),
        "idx": np.array([3, 0, 0, 2, 1]),
        "ones": np.ones(4),
    }


def _outs(xp_name=None):
    shapes = {"v": (4, 5), "AB": (4, 6), "rows": (5, 3), "sums": (5,)}
    outs = {k: np.full(s, 7.25) for k, s in shapes.items()}
    return outs if xp_name is None else {k: to_xp(xp_name, v) for k, v in outs.items()}


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("case", list(_inplace_cases()))
def test_inplace_seam_writes_into_out(case, name):
    fn = _inplace_cases()[case]
    data = _inplace_data()
    np_outs = _outs()
    with dispatch():
        want = fn(data, np_outs, np)
        assert isinstance(want, np.ndarray)
        xp_data = {
            k: (to_xp(name, v) if k != "ints" else to_xp(name, v, np.int64))
            for k, v in data.items()
        }
        xp_outs = _outs(name)
        xp, _ = namespace_of(xp_outs["v"])
        before = {k: copy_xp(v) for k, v in xp_outs.items()}
        got = fn(xp_data, xp_outs, xp)
    target = next(k for k, v in xp_outs.items() if v is got)  # got is an out
    assert not np.any(to_numpy(before[target]) == to_numpy(got))  # all written
    assert_lives_with(got, before[target])
    assert got.dtype == before[target].dtype
    # NumPy wrote into its own out too, and both agree.
    assert want is np_outs[target]
    assert not np.any(want == 7.25)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", NAMESPACES)
def test_inplace_relu_in_place_and_sparse_matmul(name):
    a = _inplace_data()["a"]
    with dispatch():
        t = to_xp(name, a)
        xp, _ = namespace_of(t)
        assert _inplace.relu(t, t, xp) is t  # a is out
        np.testing.assert_array_equal(to_numpy(t), np.maximum(a, 0))
        n = a.copy()
        assert _inplace.relu(n, n, np) is n
        np.testing.assert_array_equal(n, np.maximum(a, 0))
    # take_rows: into out on NumPy, a fresh array elsewhere (read-only use).
    data = _inplace_data()
    out = np.zeros((5, 3))
    assert _inplace.take_rows(data["A"], data["idx"], out, np) is out
    np.testing.assert_array_equal(out, data["A"][data["idx"]])
    with dispatch():
        A_xp, idx_xp = to_xp(name, data["A"]), to_xp(name, data["idx"], np.int64)
        xp, _ = namespace_of(A_xp)
        rows = _inplace.take_rows(A_xp, idx_xp, None, xp)
    np.testing.assert_array_equal(to_numpy(rows), data["A"][data["idx"]])
    # Sparse A on the NumPy path.
    A, B = sparse.csr_matrix(_inplace_data()["A"]), _inplace_data()["B"]
    out = np.zeros((4, 6))
    assert _inplace.matmul(A, B, out) is out
    np.testing.assert_allclose(out, A.toarray() @ B, rtol=1e-14)


@pytest.mark.parametrize("name", NAMESPACES)
def test_inplace_row_dot(name):
    rng = np.random.RandomState(1)
    U, V = rng.randn(6, 4), rng.randn(6, 4)
    want = np.einsum("ij,ij->i", U, V)
    np.testing.assert_allclose(_inplace.row_dot(U, V, np), want, rtol=1e-14)
    with dispatch():
        Ut, Vt = to_xp(name, U), to_xp(name, V)
        xp, _ = namespace_of(Ut)
        got = _inplace.row_dot(Ut, Vt, xp)
    assert_lives_with(got, Ut)
    assert got.shape == (6,)
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-14)


# --------------------------------------------- 10. loss_and_gradients


COSTS = [
    ("squared_error", "logistic"),
    ("squared_error", "identity"),
    ("log_loss", "softmax"),
    ("log_loss", "logistic"),
    ("poisson", "exp"),
    ("absolute_error", "identity"),
    ("huber", "identity"),
    ("quantile", "identity"),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss, out", COSTS)
@pytest.mark.parametrize("name", NAMESPACES)
def test_loss_and_gradients_match_numpy(name, loss, out, weighted):
    rng = np.random.RandomState(0)
    units = [6, 5, 3]
    coefs = [rng.randn(i, o) * 0.5 for i, o in zip(units[:-1], units[1:])]
    intercepts = [rng.randn(o) * 0.1 for o in units[1:]]
    X = rng.randn(20, 6)
    if out == "softmax":
        Y = np.eye(3)[rng.randint(3, size=20)]
    elif loss == "poisson":
        Y = rng.poisson(2.0, size=(20, 3)).astype(float)
    else:
        Y = (rng.rand(20, 3) > 0.5).astype(float)
    sw = rng.uniform(0.1, 2.0, size=20) if weighted else None
    kwargs = dict(activation="tanh", out_activation=out, loss=loss, alpha=0.1)
    with dispatch():
        want, w_coefs, w_ints = skbp.loss_and_gradients(
            coefs, intercepts, X, Y, sample_weight=sw, **kwargs
        )
        Xp = to_xp(name, X)
        got, g_coefs, g_ints = skbp.loss_and_gradients(
            [to_xp(name, c) for c in coefs],
            [to_xp(name, b) for b in intercepts],
            Xp,
            to_xp(name, Y),
            sample_weight=None if sw is None else to_xp(name, sw),
            **kwargs,
        )
    assert type(got) is float
    assert got == pytest.approx(want, rel=1e-10, abs=1e-10)
    assert len(g_coefs) == len(w_coefs) and len(g_ints) == len(w_ints)
    for g, w in zip(g_coefs + g_ints, w_coefs + w_ints):
        assert_lives_with(g, Xp)
        assert g.shape == w.shape
        np.testing.assert_allclose(to_numpy(g), w, rtol=0, atol=1e-10)
    assert np.any(np.abs(w_coefs[0]) > 1e-6)  # a gradient worth comparing


@pytest.mark.parametrize("masks_in", ["xp", "numpy"])
@pytest.mark.parametrize("name", NAMESPACES)
def test_loss_and_gradients_with_dropout_masks_match_numpy(name, masks_in):
    rng = np.random.RandomState(1)
    units = [6, 5, 4, 3]
    coefs = [rng.randn(i, o) * 0.5 for i, o in zip(units[:-1], units[1:])]
    intercepts = [rng.randn(o) * 0.1 for o in units[1:]]
    X, Y = rng.randn(20, 6), np.eye(3)[rng.randint(3, size=20)]
    masks = [(rng.rand(20, u) > 0.4).astype(float) for u in units[1:-1]]
    kwargs = dict(activation="relu", loss="log_loss", out_activation="softmax")
    kwargs.update(alpha=0.1, dropout=[0.4, 0.2])
    with dispatch():
        want, w_coefs, w_ints = skbp.loss_and_gradients(
            coefs, intercepts, X, Y, dropout_masks=masks, **kwargs
        )
        Xp = to_xp(name, X)
        got, g_coefs, g_ints = skbp.loss_and_gradients(
            [to_xp(name, c) for c in coefs],
            [to_xp(name, b) for b in intercepts],
            Xp,
            to_xp(name, Y),
            dropout_masks=[to_xp(name, m) if masks_in == "xp" else m for m in masks],
            **kwargs,
        )
    assert got == pytest.approx(want, rel=1e-10, abs=1e-10)
    for g, w in zip(g_coefs + g_ints, w_coefs + w_ints):
        assert_lives_with(g, Xp)
        np.testing.assert_allclose(to_numpy(g), w, rtol=0, atol=1e-10)


@pytest.mark.parametrize("Y_in", ["xp", "numpy"])
@pytest.mark.parametrize("name", NAMESPACES)
def test_loss_and_gradients_float32_and_numpy_weights(name, Y_in):
    """float32 X keeps float32; coefs and intercepts in NumPy move to X (as
    _validate's ``as_x`` does); Y in NumPy should too."""
    rng = np.random.RandomState(2)
    coefs, intercepts = [rng.randn(4, 3)], [rng.randn(3)]
    X, Y = rng.randn(10, 4), (rng.rand(10, 3) > 0.5).astype(float)
    with dispatch():
        want, w_coefs, w_ints = skbp.loss_and_gradients(
            coefs, intercepts, X.astype(np.float32), Y
        )
        Xp = to_xp(name, X, np.float32)
        Yp = to_xp(name, Y) if Y_in == "xp" else Y
        got, g_coefs, g_ints = skbp.loss_and_gradients(coefs, intercepts, Xp, Yp)
    assert type(got) is float and got == pytest.approx(want, rel=1e-5)
    for g, w in zip(g_coefs + g_ints, w_coefs + w_ints):
        assert_lives_with(g, Xp)
        np.testing.assert_allclose(to_numpy(g), w, rtol=1e-5, atol=1e-6)


# ------------------------------------ activations: new names, per-layer lists


def softsign(z):
    return z / (1 + abs(z))


def softsign_derivative(z, a):
    return 1 / (1 + abs(z)) ** 2


ACTIVATION_CASES = [
    skbp.Activation(softsign, softsign_derivative),
    [skbp.Activation(softsign, softsign_derivative), "gelu"],
    "leaky_relu",
    "elu",
    "softplus",
    "silu",
    "gelu",
    ("gelu", "tanh"),
    ["relu", "silu"],
]


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("activation", ACTIVATION_CASES, ids=str)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("init", ["auto", "he_normal"])
def test_activations_same_computation_as_numpy(kind, activation, solver, name, init):
    X, y = DATA[kind]
    hidden = (8, 5) if isinstance(activation, (list, tuple)) else (8,)
    params = dict(hidden_layer_sizes=hidden, activation=activation, init=init)
    with dispatch():
        ref = make(kind, solver, **params).fit(X, y)
        est = make(kind, solver, **params).fit(to_xp(name, X), to_xp(name, y))
        assert_same_weights(est, ref, 1e-8)
        assert est.n_iter_ == ref.n_iter_
        got, want = outputs(est, to_xp(name, X)), outputs(ref, X)
    for method in got:
        if method == "predict" and kind == "classifier":
            np.testing.assert_array_equal(to_numpy(got[method]), want[method])
        else:
            assert_close(got[method], want[method], atol=1e-7)


@pytest.mark.parametrize(
    "activation",
    [["gelu", "elu"], [skbp.Activation(softsign, softsign_derivative), "silu"]],
    ids=["names", "Activation"],
)
@pytest.mark.parametrize("name", NAMESPACES)
def test_loss_and_gradients_per_layer_match_numpy(name, activation):
    rng = np.random.RandomState(1)
    units = [6, 5, 4, 3]
    coefs = [rng.randn(i, o) * 0.5 for i, o in zip(units[:-1], units[1:])]
    intercepts = [rng.randn(o) * 0.1 for o in units[1:]]
    X, Y = rng.randn(20, 6), np.eye(3)[rng.randint(3, size=20)]
    sw = rng.uniform(0.1, 2.0, size=20)
    kwargs = dict(activation=activation, out_activation="softmax", loss="log_loss")
    with dispatch():
        want, w_coefs, w_ints = skbp.loss_and_gradients(
            coefs, intercepts, X, Y, sample_weight=sw, alpha=0.1, **kwargs
        )
        Xp = to_xp(name, X)
        got, g_coefs, g_ints = skbp.loss_and_gradients(
            [to_xp(name, c) for c in coefs],
            [to_xp(name, b) for b in intercepts],
            Xp,
            to_xp(name, Y),
            sample_weight=to_xp(name, sw),
            alpha=0.1,
            **kwargs,
        )
    assert got == pytest.approx(want, rel=1e-10, abs=1e-10)
    for g, w in zip(g_coefs + g_ints, w_coefs + w_ints):
        assert_lives_with(g, Xp)
        np.testing.assert_allclose(to_numpy(g), w, rtol=0, atol=1e-10)

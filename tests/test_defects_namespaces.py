"""Defects of issue 16 about array namespaces, autograd, output dtype and
messages (1, 8, 9, 12 in part, 13); every test here failed before its fix.

Each namespace test runs for every namespace this machine has (array-api-strict
always, PyTorch when installed), as in ``tests/test_array_api.py``: absent
libraries are left out of the parametrization, not skipped.
"""

import importlib
import importlib.util

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_regression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils._array_api import get_namespace_and_device

from skbp import BackpropClassifier, BackpropRegressor
from skbp._array_api import to_numpy

try:  # scikit-learn's own way to move a fitted estimator (recent versions)
    from sklearn.utils._array_api import move_estimator_to
except ImportError:  # pragma: no cover - depends on the installed version
    move_estimator_to = None

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

HAS_TORCH = importlib.util.find_spec("torch") is not None
NAMESPACES = ["array_api_strict"] + (["torch"] if HAS_TORCH else [])
TORCH = ["torch"] if HAS_TORCH else []

X_CLF, Y_CLF = make_classification(
    n_samples=90,
    n_features=5,
    n_informative=4,
    n_redundant=0,
    n_classes=3,
    random_state=0,
)
X_REG, _y = make_regression(n_samples=90, n_features=5, noise=1.0, random_state=0)
Y_REG = _y / np.std(_y)


def dispatch(on=True):
    return sklearn.config_context(array_api_dispatch=on)


def to_xp(name, array, dtype=None):
    """A NumPy array in namespace ``name``, on its default (CPU) device."""
    array = np.asarray(array, dtype=dtype)
    xp = importlib.import_module(name)
    device = "cpu" if name == "torch" else xp.Device()
    return xp.asarray(array, device=device)


def where(array):
    """(namespace, device) of ``array`` as scikit-learn's dispatch sees it."""
    with dispatch():
        xp, _, device = get_namespace_and_device(array)
    return xp, device


def ns_name(array):
    return where(array)[0].__name__


def small(cls, **params):
    defaults = dict(hidden_layer_sizes=(7,), max_iter=5, random_state=0)
    return cls(**{**defaults, **params})


def need_move_estimator_to():
    if move_estimator_to is None:
        pytest.skip(
            "scikit-learn's move_estimator_to is not in scikit-learn "
            f"{sklearn.__version__}"
        )


# 1. Numeric classes_ live in y's namespace and device; predict works wherever
#    classes_ lives, including after scikit-learn's move_estimator_to.


@pytest.mark.parametrize("how", ["partial_fit", "fit", "moved", "moved_back"])
@pytest.mark.parametrize("name", NAMESPACES)
def test_classes_in_y_namespace_predict_labels(name, how):
    Xp, yp = to_xp(name, X_CLF), to_xp(name, Y_CLF)
    ref = small(BackpropClassifier).fit(X_CLF, Y_CLF)
    with dispatch():
        if how == "partial_fit":
            ref = small(BackpropClassifier).partial_fit(X_CLF, Y_CLF, classes=[0, 1, 2])
            est = small(BackpropClassifier).partial_fit(
                Xp, yp, classes=to_xp(name, [0, 1, 2])
            )
        elif how == "fit":
            est = small(BackpropClassifier).fit(Xp, yp)
        elif how == "moved":  # fitted in NumPy, moved there
            need_move_estimator_to()
            est = move_estimator_to(ref, *where(Xp))
        else:  # fitted there, moved to NumPy
            need_move_estimator_to()
            est = move_estimator_to(small(BackpropClassifier).fit(Xp, yp), np, "cpu")
            Xp, yp = X_CLF, Y_CLF
        assert ns_name(est.classes_) == ns_name(yp)
        assert where(est.classes_)[1] == where(yp)[1]
        assert_array_equal(to_numpy(est.classes_), [0, 1, 2])
        predicted = est.predict(Xp)
        assert ns_name(predicted) == ns_name(Xp)
        assert_array_equal(to_numpy(predicted), ref.predict(X_CLF))
        assert est.score(Xp, yp) == pytest.approx(ref.score(X_CLF, Y_CLF))
    if how == "moved_back":  # and without dispatch
        assert_array_equal(est.predict(X_CLF), ref.predict(X_CLF))
    with dispatch():  # training goes on where the model is
        kw = {"classes": est.classes_} if how == "partial_fit" else {}
        assert to_numpy(est.partial_fit(Xp, yp, **kw).predict(Xp)).shape == (90,)


# 8. A model whose weights are not NumPy, used with dispatch off, says what
#    happened and the two remedies; the call changes nothing.


@pytest.mark.parametrize(
    "method", ["predict", "score", "partial_fit", "warm_fit", "predict_proba"]
)
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("name", NAMESPACES)
def test_model_off_numpy_with_dispatch_off_says_why(name, kind, method):
    if kind == "classifier":
        cls, X, y = BackpropClassifier, X_CLF, Y_CLF
    else:
        cls, X, y = BackpropRegressor, X_REG, Y_REG
    if method == "predict_proba" and kind == "regressor":
        method = "predict"
    with dispatch():
        est = small(cls).fit(to_xp(name, X), y)
    before = [to_numpy(a).copy() for a in est.coefs_]
    calls = {
        "predict": lambda: est.predict(X),
        "predict_proba": lambda: est.predict_proba(X),
        "score": lambda: est.score(X, y),
        "partial_fit": lambda: est.partial_fit(X, y),
        "warm_fit": lambda: est.set_params(warm_start=True).fit(X, y),
    }
    called = "fit" if method == "warm_fit" else method
    pattern = (
        rf"{cls.__name__}\.{called}\(\) was called with "
        r"array_api_dispatch off, but the model's weights are "
        rf"{name.split('_')[0]}.*array_api_dispatch=True.*move_estimator_to"
    )
    with pytest.raises(ValueError, match=pattern):
        calls[method]()
    for old, new in zip(before, est.coefs_):
        assert name in ns_name(new)
        assert_array_equal(to_numpy(new), old)


# 9. X (and y, weights, validation data) that require grad are data: training
#    works as on any tensor, and no result carries an autograd graph.


@pytest.mark.parametrize("dispatch_on", [True, False])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("name", TORCH)
def test_tensors_that_require_grad_are_data(name, kind, solver, dispatch_on):
    import torch

    X, y = (X_CLF, Y_CLF) if kind == "classifier" else (X_REG, Y_REG)
    cls = BackpropClassifier if kind == "classifier" else BackpropRegressor
    w = np.linspace(0.5, 1.5, len(X))

    def grad(a):
        return torch.asarray(a, dtype=torch.float64).requires_grad_(True)

    Xg = grad(X)
    yg = grad(y) if kind == "regressor" else torch.asarray(y)
    with dispatch(dispatch_on):
        ref = small(cls, solver=solver).fit(
            torch.asarray(X),
            torch.asarray(y),
            torch.asarray(w),
            X_val=torch.asarray(X[:20]),
            y_val=torch.asarray(y[:20]),
        )
        est = small(cls, solver=solver).fit(
            Xg[:, :], yg, grad(w), X_val=grad(X[:20]), y_val=yg[:20]
        )
        pairs = zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_)
        for got, want in pairs:
            assert not getattr(got, "requires_grad", False)
            assert_array_equal(to_numpy(got), to_numpy(want))
        methods = ["predict"] + (
            ["predict_proba", "predict_log_proba", "decision_function"]
            if kind == "classifier"
            else []
        )
        for method in methods:
            out = getattr(est, method)(Xg)
            assert not getattr(out, "requires_grad", False), method
            assert getattr(out, "grad_fn", None) is None, method
            want = getattr(ref, method)(torch.asarray(X))
            assert_array_equal(to_numpy(out), to_numpy(want))
        assert isinstance(est.score(Xg, yg.detach()), float)  # X is the point
        if solver != "lbfgs":
            kw = {"classes": [0, 1, 2]} if kind == "classifier" else {}
            est.partial_fit(Xg, yg, **kw)
    assert Xg.requires_grad and Xg.grad is None  # the caller's tensor untouched
    assert_array_equal(Xg.detach().numpy(), X)


# 13. Predictions come in NumPy's promotion of X's dtype and the weights', as
#     MLPClassifier's and MLPRegressor's do: checked against MLP holding the
#     very same float32 weights.


@pytest.mark.parametrize("X_dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_prediction_dtype_is_numpy_promotion_as_mlp(kind, X_dtype):
    if kind == "classifier":
        X, y = X_CLF, Y_CLF
        est = small(BackpropClassifier, loss="log_loss", solver="lbfgs")
        mlp = MLPClassifier(hidden_layer_sizes=(7,), activation="logistic", max_iter=1)
        methods = ["predict_proba", "predict_log_proba"]
    else:
        X, y = X_REG, Y_REG
        est = small(BackpropRegressor, solver="lbfgs")
        mlp = MLPRegressor(hidden_layer_sizes=(7,), activation="logistic", max_iter=1)
        methods = ["predict"]
    est.fit(X.astype(np.float32), y)
    mlp.fit(X.astype(np.float32), y)
    mlp.coefs_, mlp.intercepts_ = est.coefs_, est.intercepts_
    X_in = (X * 3).astype(X_dtype)
    for method in methods:
        got, want = getattr(est, method)(X_in), getattr(mlp, method)(X_in)
        # float64 X (or int X, validated to float64) → float64; float32 stays.
        expected = np.float32 if X_dtype == "float32" else np.float64
        assert got.dtype == want.dtype == expected, method
        rtol = 1e-5 if got.dtype == np.float32 else 1e-10
        assert_allclose(got, want, rtol=rtol, atol=1e-12)
    if kind == "classifier":
        assert_array_equal(est.predict(X_in), mlp.predict(X_in))


@pytest.mark.parametrize("name", NAMESPACES)
def test_prediction_dtype_is_promotion_in_any_namespace(name):
    with dispatch():
        est = small(BackpropRegressor).fit(to_xp(name, X_REG, np.float32), Y_REG)
        ref = small(BackpropRegressor).fit(X_REG.astype(np.float32), Y_REG)
        got = est.predict(to_xp(name, X_REG, np.float64))
        assert str(got.dtype).endswith("float64")
        assert_allclose(to_numpy(got), ref.predict(X_REG), rtol=1e-5, atol=1e-6)


# 12 (in part). Messages point at what is wrong: partial_fit's classes, and a
#    warm start's fixed classes (not partial_fit's classes=).


def test_messages_name_classes_and_warm_start():
    y = (Y_CLF > 0).astype(int)
    with pytest.raises(ValueError, match=r"^classes has only one class \(") as info:
        small(BackpropClassifier).partial_fit(X_CLF, y, classes=[0])
    assert "y has only one class" not in str(info.value)

    est = small(BackpropClassifier, warm_start=True).fit(X_CLF, y)
    with pytest.raises(ValueError, match="classes \\[2\\] that are not in") as info:
        est.fit(X_CLF, Y_CLF)
    message = str(info.value)
    assert "warm_start=False" in message and "partial_fit" not in message

    stream = small(BackpropClassifier).partial_fit(X_CLF, y, classes=[0, 1])
    with pytest.raises(ValueError, match="partial_fit's classes="):
        stream.partial_fit(X_CLF, Y_CLF)


@pytest.mark.parametrize("name", TORCH)
def test_loss_and_gradients_reads_tensors_that_require_grad_as_data(name):
    """The public gradient, on tensors a user tracks for autograd, equals
    PyTorch autograd's own gradient of the seed's cost, and carries no graph."""
    import torch

    from skbp import loss_and_gradients

    rng = np.random.RandomState(0)
    X = torch.asarray(rng.randn(6, 3)).requires_grad_(True)
    Y = torch.asarray(np.eye(2)[rng.randint(2, size=6)])
    coefs = [torch.asarray(rng.randn(3, 4)), torch.asarray(rng.randn(4, 2))]
    intercepts = [torch.asarray(rng.randn(4)), torch.asarray(rng.randn(2))]
    for p in coefs + intercepts:
        p.requires_grad_(True)
    hidden = torch.sigmoid(X @ coefs[0] + intercepts[0])
    A = torch.sigmoid(hidden @ coefs[1] + intercepts[1])
    J = 0.5 * ((A - Y) ** 2).sum() / X.shape[0]  # the seed's cost, mean over rows
    J.backward()
    with dispatch():
        loss, gW, gb = loss_and_gradients(coefs, intercepts, X, Y)
    assert loss == pytest.approx(J.item(), rel=1e-12)
    for mine, param in zip(gW + gb, coefs + intercepts):
        assert not mine.requires_grad and mine.grad_fn is None
        assert_allclose(mine.numpy(), param.grad.numpy(), rtol=1e-10, atol=1e-12)

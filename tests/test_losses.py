"""The regression losses 'absolute_error', 'huber' and 'quantile' and a user's
``skbp.Loss``, against oracles that share none of their code: finite
differences, PyTorch's HuberLoss, scikit-learn's pinball and absolute-error
metrics, a forward pass by hand, the built-in costs rewritten as user losses;
and what the losses do on data (outliers, quantile coverage)."""

import importlib
import inspect
import itertools
import pickle
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.datasets import load_diabetes, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, mean_pinball_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skbp
from skbp import (
    BackpropClassifier,
    BackpropRegressor,
    InvalidParameterError,
    Loss,
    gradient_check,
    loss_and_gradients,
)
from skbp._array_api import to_numpy

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ROBUST = ["absolute_error", "huber", "quantile"]
DEPTHS = [1, 2, 3]
N_OUTPUTS = [1, 3]


# ------------------------------------------------------------ user losses


class LogCosh(Loss):
    """ℓ = Σ log cosh(a − y), ε = tanh(a − y) (identity output)."""

    output_activation = "identity"

    def loss(self, Y, A):
        D = A - Y
        return np.sum(np.logaddexp(D, -D) - np.log(2.0), axis=1)

    def output_error(self, Y, A, Z):
        return np.tanh(A - Y)


class GemanMcClure(Loss):
    """ℓ = d² / (1 + d²) per entry, ε = 2d / (1 + d²)²: operators only, so it
    runs in any array namespace; returns entries, which skbp sums."""

    output_activation = "identity"

    def loss(self, Y, A):
        D = A - Y
        return D * D / (1.0 + D * D)

    def output_error(self, Y, A, Z):
        D = A - Y
        S = 1.0 + D * D
        return 2.0 * D / (S * S)


class SeedQuadratic(Loss):
    """The seed's cost with sigmoid outputs, written by a user."""

    output_activation = "logistic"

    def loss(self, Y, A):
        return 0.5 * np.sum((A - Y) ** 2, axis=1)

    def output_error(self, Y, A, Z):
        return (A - Y) * A * (1.0 - A)


class CrossEntropy(Loss):
    """−Σ y log a with softmax outputs, from the logits given to BP1 only."""

    output_activation = "softmax"

    def loss(self, Y, A):
        return -np.sum(Y * np.log(A), axis=1)

    def output_error(self, Y, A, Z):
        return A - Y


class Poisson(Loss):
    """Σ μ − y log μ with μ = e^z (the deviance without its constant)."""

    output_activation = "exp"

    def loss(self, Y, A):
        return np.sum(A - Y * np.log(A), axis=1)

    def output_error(self, Y, A, Z):
        return A - Y


class Squared(Loss):
    """'squared_error' as a user would write it (identity output)."""

    output_activation = "identity"

    def loss(self, Y, A):
        return 0.5 * np.sum((A - Y) ** 2, axis=1)

    def output_error(self, Y, A, Z):
        return A - Y


class WrongLogCosh(LogCosh):
    def output_error(self, Y, A, Z):
        return np.sign(A - Y)  # BP1 of the absolute error: wrong here


USER_LOSSES = [LogCosh(), GemanMcClure(), SeedQuadratic(), CrossEntropy(), Poisson()]


# ---------------------------------------------------------------- helpers

#: The array namespaces of the test extra (NumPy is the reference).
NAMESPACES = ["array_api_strict", "torch"]


def _to_xp(name, array):
    xp = importlib.import_module(name)
    device = "cpu" if name == "torch" else xp.Device()
    return xp.asarray(np.asarray(array, dtype=np.float64), device=device)


def network(depth, n_out, seed, n_in=4, width=5):
    rng = np.random.RandomState(seed)
    units = [n_in] + [width] * depth + [n_out]
    coefs = [rng.uniform(-1, 1, (i, o)) for i, o in zip(units[:-1], units[1:])]
    intercepts = [rng.uniform(-1, 1, o) for o in units[1:]]
    return coefs, intercepts


def logits(coefs, intercepts, X, activation="tanh"):
    """The forward pass by hand: z of the output layer."""
    hidden = {"tanh": np.tanh, "identity": lambda z: z}[activation]
    a = X
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = a @ W + b
        a = hidden(z) if l < len(coefs) - 1 else z
    return z


def targets_away_from_kinks(Z, loss, rng):
    """Y with every residual a − y clear of the loss's kinks (0, and ±δ = ±1)."""
    size = rng.uniform(0.3, 0.8, Z.shape)
    if loss == "huber":  # inside and outside δ = 1, never near it
        size = np.where(rng.rand(*Z.shape) < 0.5, size, size + 1.0)
    return Z - rng.choice([-1.0, 1.0], Z.shape) * size


def user_targets(loss, Z, rng):
    if loss.output_activation == "softmax":
        return np.eye(Z.shape[1])[rng.randint(Z.shape[1], size=len(Z))]
    if loss.output_activation == "logistic":
        return (rng.rand(*Z.shape) > 0.5).astype(float)
    if loss.output_activation == "exp":
        return rng.poisson(1.5, Z.shape).astype(float)
    return Z + rng.randn(*Z.shape)


# ----------------------------------------------- gradients: finite differences


@pytest.mark.parametrize(
    "loss, depth, n_out, weighted",
    list(itertools.product(ROBUST, DEPTHS, N_OUTPUTS, [False, True])),
)
def test_robust_gradients_match_finite_differences(loss, depth, n_out, weighted):
    rng = np.random.RandomState(depth * 10 + n_out)
    coefs, intercepts = network(depth, n_out, seed=depth)
    X = rng.randn(12, 4)
    Y = targets_away_from_kinks(logits(coefs, intercepts, X), loss, rng)
    sw = rng.uniform(0.1, 2.0, 12) if weighted else None
    error = gradient_check(
        coefs,
        intercepts,
        X,
        Y,
        activation="tanh",
        loss=loss,
        alpha=0.3,
        sample_weight=sw,
        huber_delta=1.0,
        quantile=0.3,
    )
    assert error <= 1e-6


@pytest.mark.parametrize(
    "user, depth, n_out, weighted",
    list(itertools.product(USER_LOSSES, DEPTHS, N_OUTPUTS, [False, True])),
    ids=str,
)
def test_user_loss_gradients_match_finite_differences(user, depth, n_out, weighted):
    if user.output_activation == "softmax":
        n_out += 1  # a softmax needs two columns or more
    rng = np.random.RandomState(depth * 10 + n_out)
    coefs, intercepts = network(depth, n_out, seed=depth + 5)
    X = rng.randn(12, 4)
    Y = user_targets(user, logits(coefs, intercepts, X), rng)
    sw = rng.uniform(0.1, 2.0, 12) if weighted else None
    error = gradient_check(
        coefs, intercepts, X, Y, activation="tanh", loss=user, alpha=0.3,
        sample_weight=sw,
    )  # fmt: skip
    assert error <= 1e-6


def test_gradient_check_catches_a_wrong_output_error():
    coefs, intercepts = network(2, 2, seed=0)
    rng = np.random.RandomState(0)
    X, Y = rng.randn(10, 4), rng.randn(10, 2)
    assert gradient_check(coefs, intercepts, X, Y, loss=LogCosh()) < 1e-7
    assert gradient_check(coefs, intercepts, X, Y, loss=WrongLogCosh()) > 1e-2


# ------------------------------------------ values: independent definitions


def _weighted_rows_mean(rows, sw):
    return np.average(rows, weights=sw)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_out", N_OUTPUTS)
def test_values_match_torch_and_scikit_learn(n_out, weighted):
    import torch  # the test extra's oracle

    rng = np.random.RandomState(n_out)
    coefs, intercepts = network(2, n_out, seed=3)
    X = rng.randn(30, 4)
    Z = logits(coefs, intercepts, X)
    Y = Z + 2.0 * rng.randn(*Z.shape)
    sw = rng.uniform(0.1, 2.0, 30) if weighted else np.ones(30)
    kw = dict(activation="tanh", sample_weight=sw if weighted else None)

    def value(loss, **params):
        return loss_and_gradients(coefs, intercepts, X, Y, loss=loss, **kw, **params)[0]

    huber = torch.nn.HuberLoss(reduction="none", delta=0.7)
    rows = huber(torch.from_numpy(Z), torch.from_numpy(Y)).sum(dim=1).numpy()
    assert value("huber", huber_delta=0.7) == pytest.approx(
        _weighted_rows_mean(rows, sw), rel=1e-12
    )
    pinball = mean_pinball_loss(
        Y, Z, alpha=0.2, sample_weight=sw, multioutput="raw_values"
    )
    assert value("quantile", quantile=0.2) == pytest.approx(pinball.sum(), rel=1e-12)
    mae = mean_absolute_error(Y, Z, sample_weight=sw, multioutput="raw_values")
    assert value("absolute_error") == pytest.approx(mae.sum(), rel=1e-12)


def test_huber_within_delta_is_squared_error_and_median_pinball_half_mae():
    coefs, intercepts = network(2, 3, seed=4)
    rng = np.random.RandomState(4)
    X, Y = rng.randn(15, 4), rng.randn(15, 3)
    kw = dict(activation="tanh", alpha=0.2, sample_weight=rng.uniform(0.5, 2, 15))

    def run(loss, **params):
        return loss_and_gradients(coefs, intercepts, X, Y, loss=loss, **kw, **params)

    squared = run("squared_error", out_activation="identity")
    huge_delta = run("huber", huber_delta=1e6)
    median = run("quantile", quantile=0.5)
    absolute = run("absolute_error")
    assert huge_delta[0] == pytest.approx(squared[0], rel=1e-12)
    for a, b in zip(huge_delta[1] + huge_delta[2], squared[1] + squared[2]):
        assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    # ½ |d| is the median's pinball loss: data terms and their gradients halve.
    _, g_abs, b_abs = loss_and_gradients(
        coefs, intercepts, X, Y, loss="absolute_error", **dict(kw, alpha=0.0)
    )
    _, g_med, b_med = loss_and_gradients(
        coefs, intercepts, X, Y, loss="quantile", **dict(kw, alpha=0.0)
    )
    for a, b in zip(g_med + b_med, g_abs + b_abs):
        assert_allclose(a, 0.5 * b, rtol=1e-12, atol=1e-14)
    assert median[0] < absolute[0]


@pytest.mark.parametrize("loss", ["absolute_error", "quantile"])
def test_output_error_is_zero_at_the_kink(loss):
    """Every residual exactly 0: the subgradient 0 is taken, so no gradient."""
    coefs, intercepts = network(2, 2, seed=6)
    X = np.random.RandomState(6).randn(8, 4)
    Y = logits(coefs, intercepts, X)
    _, g_coefs, g_ints = loss_and_gradients(
        coefs, intercepts, X, Y, activation="tanh", loss=loss, quantile=0.3
    )
    for g in g_coefs + g_ints:
        assert_allclose(g, 0.0, atol=1e-15)


def test_user_losses_equal_the_built_in_costs():
    """A user's rewrite of a built-in cost gives its value and gradient."""
    coefs, intercepts = network(2, 3, seed=7)
    rng = np.random.RandomState(7)
    X, sw = rng.randn(20, 4), rng.uniform(0.2, 2, 20)
    Y_onehot = np.eye(3)[rng.randint(3, size=20)]
    cases = [
        (Squared(), "squared_error", "identity", rng.randn(20, 3)),
        (SeedQuadratic(), "squared_error", "logistic", Y_onehot),
        (CrossEntropy(), "log_loss", "softmax", Y_onehot),
    ]
    for user, loss, out, Y in cases:
        kw = dict(activation="tanh", alpha=0.1, sample_weight=sw)
        got = loss_and_gradients(coefs, intercepts, X, Y, loss=user, **kw)
        want = loss_and_gradients(
            coefs, intercepts, X, Y, loss=loss, out_activation=out, **kw
        )
        assert got[0] == pytest.approx(want[0], rel=1e-12)
        for a, b in zip(got[1] + got[2], want[1] + want[2]):
            assert_allclose(a, b, rtol=1e-10, atol=1e-14)


# ------------------------------------------------------------- validation


BAD_DELTAS = [0.0, -1.0, np.inf, np.nan, "1"]
BAD_QUANTILES = [0.0, 1.0, -0.1, 1.5, np.nan, None]


@pytest.mark.parametrize(
    "name, value",
    [("huber_delta", v) for v in BAD_DELTAS] + [("quantile", v) for v in BAD_QUANTILES],
)
def test_loss_parameters_are_validated_whatever_the_loss(name, value):
    X, y = np.random.RandomState(0).randn(20, 2), np.arange(20.0)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        BackpropRegressor(**{name: value}).fit(X, y)
    coefs, intercepts = network(1, 1, seed=0, n_in=2)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        loss_and_gradients(
            coefs, intercepts, X, y[:, None], out_activation="identity",
            **{name: value},
        )  # fmt: skip


class NoOutput(Loss):
    def loss(self, Y, A):
        return np.sum(A, axis=1)

    def output_error(self, Y, A, Z):
        return np.ones_like(A)


class TanhOutput(NoOutput):
    output_activation = "tanh"


class NoBP1(Loss):
    output_activation = "identity"

    def loss(self, Y, A):
        return np.sum(A, axis=1)


@pytest.mark.parametrize("bad", [NoOutput(), TanhOutput(), NoBP1(), "hinge"], ids=str)
def test_an_incomplete_loss_is_refused_naming_loss(bad):
    X, y = np.random.RandomState(0).randn(20, 2), np.arange(20) % 2
    for est in (BackpropRegressor(loss=bad), BackpropClassifier(loss=bad)):
        with pytest.raises(InvalidParameterError, match="'loss' parameter"):
            est.fit(X, y)
    coefs, intercepts = network(1, 1, seed=0, n_in=2)
    with pytest.raises(InvalidParameterError, match="'loss' parameter.*skbp.Loss"):
        loss_and_gradients(coefs, intercepts, X, y[:, None] * 1.0, loss=bad)


@pytest.mark.parametrize(
    "bad, why",
    [
        (NoOutput(), "NoOutput has output_activation=None"),
        (TanhOutput(), "TanhOutput has output_activation='tanh'"),
        (NoBP1(), r"NoBP1 has no output_error\(Y, A, Z\)"),
    ],
    ids=str,
)
def test_an_incomplete_loss_error_says_what_is_wrong(bad, why):
    X, y = np.random.RandomState(0).randn(20, 2), np.arange(20) % 2
    for est in (BackpropRegressor(loss=bad), BackpropClassifier(loss=bad)):
        with pytest.raises(InvalidParameterError, match=f"'loss' parameter.*{why}"):
            est.fit(X, y)
    coefs, intercepts = network(1, 1, seed=0, n_in=2)
    with pytest.raises(InvalidParameterError, match=f"'loss' parameter.*{why}"):
        loss_and_gradients(coefs, intercepts, X, y[:, None] * 1.0, loss=bad)


def test_out_activation_follows_a_loss_and_may_not_differ():
    coefs, intercepts = network(1, 2, seed=0)
    rng = np.random.RandomState(0)
    X, Y = rng.randn(6, 4), rng.randn(6, 2)
    implicit = loss_and_gradients(coefs, intercepts, X, Y, loss=LogCosh())
    explicit = loss_and_gradients(
        coefs, intercepts, X, Y, loss=LogCosh(), out_activation="identity"
    )
    assert implicit[0] == explicit[0]
    with pytest.raises(InvalidParameterError, match="output_activation='identity'"):
        loss_and_gradients(
            coefs, intercepts, X, Y, loss=LogCosh(), out_activation="logistic"
        )
    with pytest.raises(InvalidParameterError, match="out_activation 'identity'"):
        loss_and_gradients(coefs, intercepts, X, Y, loss="huber", out_activation="exp")
    # Without out_activation a robust loss takes its one output.
    assert loss_and_gradients(coefs, intercepts, X, Y, loss="huber")[0] > 0


class BadShape(LogCosh):
    def output_error(self, Y, A, Z):
        return np.tanh(A - Y)[:, 0]


class BadRows(LogCosh):
    def loss(self, Y, A):
        return np.sum(A - Y)


@pytest.mark.parametrize(
    "bad, method", [(BadShape(), "output_error"), (BadRows(), "loss")]
)
def test_wrong_shapes_from_a_loss_name_its_method(bad, method):
    X, y = np.random.RandomState(0).randn(20, 2), np.arange(20.0)
    with pytest.raises(ValueError, match=f"{type(bad).__name__}.{method} returned"):
        BackpropRegressor((3,), loss=bad, max_iter=2).fit(X, y)


class NumpyRows(LogCosh):
    def loss(self, Y, A):
        return np.zeros(A.shape[0])  # NumPy, whatever the inputs


@pytest.mark.parametrize("name", NAMESPACES)
def test_a_loss_returning_numpy_for_other_arrays_is_a_clear_error(name):
    X, y = np.random.RandomState(0).randn(20, 2), np.arange(20.0)
    with sklearn.config_context(array_api_dispatch=True):
        model = BackpropRegressor((3,), loss=NumpyRows(), max_iter=2)
        with pytest.raises(TypeError, match="NumpyRows.loss returned a numpy"):
            model.fit(_to_xp(name, X), _to_xp(name, y))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_refuses_outputs_it_cannot_read(n_classes):
    X, y = make_classification(60, 5, n_classes=n_classes, n_informative=3)
    with pytest.raises(InvalidParameterError, match="'loss' parameter.*identity"):
        BackpropClassifier(loss=LogCosh()).fit(X, y)
    if n_classes == 2:
        with pytest.raises(InvalidParameterError, match="three or more classes"):
            BackpropClassifier(loss=CrossEntropy()).fit(X, y)


# ----------------------------------------------------------- estimators


def test_user_squared_error_trains_like_the_built_in():
    """Training, weights, validation loss and predictions go through the
    adapter exactly as through the built-in cost."""
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:200], (y[:200] - y.mean()) / y.std()
    sw = np.random.RandomState(0).uniform(0.2, 2, 150)
    models = [
        BackpropRegressor((6,), loss=loss, max_iter=15, random_state=0)
        for loss in (Squared(), "squared_error")
    ]
    for m in models:
        m.fit(X[:150], y[:150], sw, X_val=X[150:], y_val=y[150:])
    got, want = models
    assert_allclose(got.loss_curve_, want.loss_curve_, rtol=1e-12)
    assert_allclose(got.validation_loss_curve_, want.validation_loss_curve_, rtol=1e-12)
    assert_allclose(got.predict(X), want.predict(X), rtol=1e-10, atol=1e-12)


def test_user_cross_entropy_classifies_like_log_loss():
    X, y = make_classification(120, 5, n_classes=3, n_informative=3, random_state=0)
    got = BackpropClassifier((6,), loss=CrossEntropy(), max_iter=10, random_state=0)
    want = BackpropClassifier((6,), loss="log_loss", max_iter=10, random_state=0)
    got.fit(X, y), want.fit(X, y)
    assert got.out_activation_ == want.out_activation_ == "softmax"
    assert_allclose(got.predict_proba(X), want.predict_proba(X), rtol=1e-10)
    assert (got.predict(X) == want.predict(X)).all()


def test_validation_loss_is_the_weighted_mean_of_rows():
    rng = np.random.RandomState(1)
    X, y = rng.randn(80, 3), rng.randn(80)
    sw_val = rng.uniform(0.1, 3.0, 20)
    model = BackpropRegressor((5,), loss=LogCosh(), max_iter=5, random_state=0)
    model.fit(X[:60], y[:60], X_val=X[60:], y_val=y[60:], sample_weight_val=sw_val)
    rows = LogCosh().loss(y[60:, None], model.predict(X[60:])[:, None])
    assert model.validation_loss_curve_[-1] == pytest.approx(
        np.average(rows, weights=sw_val), rel=1e-10
    )


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    "user, g",
    [
        (SeedQuadratic(), lambda Z: 1 / (1 + np.exp(-Z))),
        (CrossEntropy(), _softmax),
        (Poisson(), np.exp),
        (LogCosh(), lambda Z: Z),
    ],
    ids=str,
)
def test_regressor_predicts_a_loss_outputs(user, g):
    """The regressor's predictions are the loss's outputs g(z): σ(z) in
    (0, 1), softmax rows summing to one, e^z > 0, or z."""
    rng = np.random.RandomState(2)
    X = rng.randn(50, 3)
    Y = _softmax(X[:, :2]) if user.output_activation == "softmax" else np.exp(X[:, :2])
    if user.output_activation == "logistic":
        Y = Y / (1 + Y)
    model = BackpropRegressor((4,), loss=user, max_iter=20, random_state=0)
    model.fit(X, Y)
    assert model.out_activation_ == user.output_activation
    assert_allclose(model.predict(X), g(_logistic_net(model, X)), rtol=1e-12)


def test_new_huber_delta_or_quantile_restarts_the_best_loss():
    rng = np.random.RandomState(3)
    X, y = rng.randn(60, 2), rng.randn(60)
    model = BackpropRegressor(
        (4,), loss="quantile", quantile=0.1, max_iter=5, random_state=0
    )
    model.fit(X, y)
    n_old = len(model.loss_curve_)
    model.set_params(quantile=0.9, warm_start=True).fit(X, y)
    assert model.best_loss_ == min(model.loss_curve_[n_old:])


def _logistic_net(model, X):
    a = X
    for l, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        z = a @ W + b
        a = 1 / (1 + np.exp(-z)) if l < len(model.coefs_) - 1 else z
    return z


@pytest.mark.parametrize("kind", ["regressor", "classifier"])
def test_a_loss_survives_clone_get_params_and_pickle(kind):
    X, y = make_classification(60, 4, random_state=0)
    loss = LogCosh() if kind == "regressor" else SeedQuadratic()
    cls = BackpropRegressor if kind == "regressor" else BackpropClassifier
    model = cls((4,), loss=loss, max_iter=5, random_state=0)
    assert model.get_params()["loss"] is loss
    assert type(loss).__name__ + "()" in repr(model)
    twin = clone(model)
    assert type(twin.loss) is type(loss) and twin.loss is not loss
    model.fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert_allclose(restored.predict(X), model.predict(X))
    assert_allclose(twin.fit(X, y).predict(X), model.predict(X))


def test_new_parameters_come_after_mlp_regressors_and_keep_todays_model():
    names = list(inspect.signature(BackpropRegressor).parameters)
    mlp = list(inspect.signature(MLPRegressor).parameters)
    assert max(names.index(n) for n in mlp) < names.index("huber_delta")
    assert names.index("huber_delta") + 1 == names.index("quantile")
    params = BackpropRegressor().get_params()
    assert params["huber_delta"] == 1.0 and params["quantile"] == 0.5
    assert params["loss"] == "squared_error"


# ------------------------------------------------------------- behaviour


def _outlier_data():
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    rng = np.random.RandomState(0)
    hit = rng.rand(len(y_tr)) < 0.15
    y_tr = y_tr.copy()
    y_tr[hit] += rng.choice([-1, 1], hit.sum()) * rng.uniform(500, 1500, hit.sum())
    return X_tr, X_te, y_tr, y_te


def test_robust_losses_beat_squared_error_under_outliers():
    """15% of the training targets moved by 500-1500 (the target's range is
    25-346): the clean test set's MAE."""
    X_tr, X_te, y_tr, y_te = _outlier_data()
    mae = {}
    for loss in ["squared_error", "absolute_error", "huber"]:
        model = make_pipeline(
            StandardScaler(),
            BackpropRegressor((20,), loss=loss, huber_delta=30.0, random_state=0),
        )
        mae[loss] = mean_absolute_error(y_te, model.fit(X_tr, y_tr).predict(X_te))
    assert mae["absolute_error"] < 0.8 * mae["squared_error"]
    assert mae["huber"] < 0.8 * mae["squared_error"]


def _heteroscedastic(n, rng):
    x = rng.uniform(0, 10, n)
    y = x * np.sin(x) + rng.normal(0, 1, n) * (0.5 + 0.5 * x)
    return (x / 5 - 1)[:, None], y


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_quantile_predictions_have_q_of_the_targets_below(q, solver):
    rng = np.random.RandomState(0)
    X, y = _heteroscedastic(1000, rng)
    X_te, y_te = _heteroscedastic(2000, rng)
    model = BackpropRegressor(
        (30,),
        loss="quantile",
        quantile=q,
        solver=solver,
        max_iter=500,
        n_iter_no_change=50,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert np.mean(y < model.predict(X)) == pytest.approx(q, abs=0.03)
    assert np.mean(y_te < model.predict(X_te)) == pytest.approx(q, abs=0.04)
    if solver == "lbfgs":
        return  # its line search may stop at a kink early (user guide, Losses)
    # Not merely a constant at the q-quantile of y: it follows x.
    constant = np.full_like(y_te, np.quantile(y, q))
    assert mean_pinball_loss(y_te, model.predict(X_te), alpha=q) < 0.8 * (
        mean_pinball_loss(y_te, constant, alpha=q)
    )


def test_public_loss_is_exported():
    assert skbp.Loss is Loss and "Loss" in skbp.__all__


# ------------------------------------------------------------- array API


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("loss", [*ROBUST, "user"])
@pytest.mark.parametrize("name", NAMESPACES)
def test_losses_fit_the_same_in_other_namespaces(name, loss, solver):
    """Every new loss, and a user Loss written with operators only, trains
    on array-api-strict and PyTorch (CPU) as on NumPy, float64 within 1e-8."""
    rng = np.random.RandomState(3)
    X, sw = rng.randn(60, 4), rng.uniform(0.2, 2.0, 60)
    Y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2] ** 2]) + rng.randn(60, 2)
    params = dict(
        hidden_layer_sizes=(6,),
        loss=GemanMcClure() if loss == "user" else loss,
        huber_delta=0.5,
        quantile=0.3,
        solver=solver,
        alpha=0.01,
        max_iter=10 if solver == "lbfgs" else 4,
        batch_size=16,
        random_state=0,
    )
    with sklearn.config_context(array_api_dispatch=True):
        ref = BackpropRegressor(**params).fit(X, Y, sw)
        est = BackpropRegressor(**params).fit(
            _to_xp(name, X), _to_xp(name, Y), _to_xp(name, sw)
        )
        predicted = to_numpy(est.predict(_to_xp(name, X)))
    assert type(est.coefs_[0]).__module__.split(".")[0] == name
    for got, want in zip(est.coefs_ + est.intercepts_, ref.coefs_ + ref.intercepts_):
        assert_allclose(to_numpy(got), want, rtol=0, atol=1e-8)
    assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-9)
    assert_allclose(predicted, ref.predict(X), rtol=0, atol=1e-8)

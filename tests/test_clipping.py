"""Gradient clipping (``max_grad_norm``) before each sgd and adam update.

Oracles: ``torch.nn.utils.clip_grad_norm_`` (when PyTorch is installed), the
rule written out here, a plain gradient step computed by hand from
``loss_and_gradients`` (L2 term included), and NumPy's fit for the array-API
engine.
"""

import importlib.util
import math

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_regression

from skbp import (
    BackpropClassifier,
    BackpropRegressor,
    InvalidParameterError,
    loss_and_gradients,
)
from skbp._array_api import to_numpy
from skbp._clipping import clip_grad_norm
from skbp._network import pack, unpack

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

HAS_TORCH = importlib.util.find_spec("torch") is not None
NAMESPACES = ["array_api_strict"] + (["torch"] if HAS_TORCH else [])
X_REG, _y = make_regression(n_samples=80, n_features=5, noise=1.0, random_state=0)
Y_REG = _y / np.std(_y)
X_CLF, Y_CLF = make_classification(n_samples=80, n_features=5, random_state=0)
DATA = {"classifier": (X_CLF, Y_CLF), "regressor": (X_REG, Y_REG)}


def make(kind, **params):
    cls = BackpropClassifier if kind == "classifier" else BackpropRegressor
    defaults = dict(hidden_layer_sizes=(6,), random_state=0, max_iter=5, batch_size=16)
    return cls(**{**defaults, **params})


def flat_weights(model):
    return pack(model.coefs_, model.intercepts_)


# ---------------------------------------------------------- the rule itself


@pytest.mark.parametrize("scale", [1e-3, 0.5, 1.0, 3.0, 1e4])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 7.0])
def test_clip_follows_the_rule(scale, max_norm):
    g = np.random.RandomState(0).randn(50) * scale
    norm = math.sqrt(np.sum(g**2))
    coef = max_norm / (norm + 1e-6)
    want = g * coef if coef < 1 else g
    got = clip_grad_norm(g.copy(), max_norm)
    assert_allclose(got, want, rtol=1e-14)
    assert np.linalg.norm(got) <= max_norm or coef >= 1
    if coef >= 1:
        assert_array_equal(got, g)  # untouched, bit for bit


@pytest.mark.skipif(not HAS_TORCH, reason="the oracle needs PyTorch")
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e4])
@pytest.mark.parametrize("max_norm", [0.1, 7.0])
def test_clip_equals_torch_clip_grad_norm(scale, max_norm):
    import torch

    g = np.random.RandomState(1).randn(40) * scale
    p = torch.nn.Parameter(torch.zeros(40, dtype=torch.float64))
    p.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_norm_([p], max_norm)
    assert_allclose(clip_grad_norm(g.copy(), max_norm), p.grad.numpy(), rtol=1e-14)


# ----------------------------------------------------------- in training


def test_a_diverging_rate_stays_finite_with_clipping():
    params = dict(solver="sgd", activation="relu", learning_rate_init=1e6, max_iter=20)
    with pytest.raises(ValueError, match="diverged"):
        make("regressor", **params).fit(X_REG * 1e3, Y_REG)
    model = make("regressor", max_grad_norm=1.0, **params).fit(X_REG * 1e3, Y_REG)
    assert np.all(np.isfinite(flat_weights(model)))
    assert all(math.isfinite(loss) for loss in model.loss_curve_)
    assert np.all(np.isfinite(model.predict(X_REG)))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_huge_max_grad_norm_equals_none_exactly(kind, solver):
    X, y = DATA[kind]
    plain = make(kind, solver=solver, alpha=0.1).fit(X, y)
    huge = make(kind, solver=solver, alpha=0.1, max_grad_norm=1e300).fit(X, y)
    assert_array_equal(flat_weights(huge), flat_weights(plain))
    assert huge.loss_curve_ == plain.loss_curve_


@pytest.mark.parametrize(
    "max_grad_norm, active", [(0.01, True), (0.1, True), (1e3, False)]
)
def test_one_plain_sgd_step_moves_by_at_most_eta_max_norm(max_grad_norm, active):
    # By hand: θ − η · clip(∇J), ∇J with the L2 term, one batch of all rows.
    eta, alpha, n = 0.5, 3.0, X_REG.shape[0]
    model = make(
        "regressor",
        solver="sgd",
        momentum=0.0,
        learning_rate_init=eta,
        alpha=alpha,
        batch_size=n,
        shuffle=False,
        max_iter=1,
        warm_start=True,
        max_grad_norm=max_grad_norm,
    ).fit(X_REG, Y_REG)
    theta0 = flat_weights(model).copy()
    units = [5, 6, 1]
    coefs, intercepts = unpack(theta0, units)
    _, gW, gb = loss_and_gradients(
        coefs,
        intercepts,
        X_REG,
        Y_REG[:, None],
        out_activation="identity",
        alpha=alpha,
    )
    g = pack(gW, gb)
    coef = min(1.0, max_grad_norm / (np.linalg.norm(g) + 1e-6))
    model.fit(X_REG, Y_REG)
    moved = flat_weights(model) - theta0
    assert np.linalg.norm(moved) <= eta * max_grad_norm * (1 + 1e-12)
    assert_allclose(moved, -eta * coef * g, rtol=1e-10, atol=1e-15)
    # Active: the unclipped step would have been longer (‖∇J‖ ≈ 0.32 here).
    assert bool(np.linalg.norm(g) > max_grad_norm) is active


@pytest.mark.parametrize("value", [0, -1.0, np.inf, np.nan, "1", True])
def test_bad_max_grad_norm_is_refused_by_name(value):
    with pytest.raises(InvalidParameterError, match="'max_grad_norm'.*None or"):
        make("regressor", max_grad_norm=value).fit(X_REG, Y_REG)


def test_lbfgs_with_max_grad_norm_is_a_clear_error():
    model = make("regressor", solver="lbfgs", max_grad_norm=1.0)
    with pytest.raises(InvalidParameterError, match="max_grad_norm=1.0.*lbfgs"):
        model.fit(X_REG, Y_REG)
    assert not hasattr(model, "coefs_")
    make("regressor", solver="lbfgs", max_grad_norm=None).fit(X_REG, Y_REG)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_clipping_applies_to_partial_fit(solver):
    a = make("regressor", solver=solver, max_grad_norm=0.05)
    b = make("regressor", solver=solver)
    for _ in range(2):
        a.partial_fit(X_REG, Y_REG)
        b.partial_fit(X_REG, Y_REG)
    assert not np.allclose(flat_weights(a), flat_weights(b))


# ------------------------------------------------------------ array-API engine


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_clipping_gives_the_same_fit_in_every_namespace(kind, solver, name):
    xp = importlib.import_module(name)
    device = "cpu" if name == "torch" else xp.Device()
    X, y = DATA[kind]
    params = dict(solver=solver, max_grad_norm=0.02, learning_rate_init=0.1)
    ref = make(kind, **params).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        Xp, yp = (xp.asarray(a, device=device) for a in (X, y))
        est = make(kind, **params).fit(Xp, yp)
        got = [to_numpy(a) for a in est.coefs_ + est.intercepts_]
    for a, b in zip(got, ref.coefs_ + ref.intercepts_):
        assert_allclose(a, b, atol=1e-8, rtol=0)
    unclipped = make(kind, **{**params, "max_grad_norm": None}).fit(X, y)
    assert not np.allclose(flat_weights(ref), flat_weights(unclipped))

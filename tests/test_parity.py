"""Parity with scikit-learn's MLPClassifier on identical weights and data.

These tests read MLPClassifier's private methods: they are the independent
oracle here.  skbp's own code never touches them.
"""

import itertools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from skbp import BackpropClassifier, loss_and_gradients
from skbp._network import pack
from skbp._optimizers import SGD, Adam

ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def targets(kind, n, rng):
    if kind == "binary":
        return rng.randint(2, size=(n, 1)).astype(float), "logistic"
    if kind == "multiclass":
        return np.eye(4)[rng.randint(4, size=n)], "softmax"
    return rng.randint(2, size=(n, 3)).astype(float), "logistic"  # multilabel


def mlp_loss_and_gradients(coefs, intercepts, X, Y, activation, out, alpha, sw):
    mlp = MLPClassifier(activation=activation, alpha=alpha)
    mlp.coefs_, mlp.intercepts_ = (
        [c.copy() for c in coefs],
        [b.copy() for b in intercepts],
    )
    mlp.n_layers_ = len(coefs) + 1
    mlp.out_activation_ = out
    n_layers = len(coefs) + 1
    loss, gW, gb = mlp._backprop(
        X,
        Y,
        sw,
        [X] + [None] * (n_layers - 1),
        [None] * (n_layers - 1),
        [np.empty_like(c) for c in coefs],
        [np.empty_like(b) for b in intercepts],
    )
    return loss, gW, gb


@pytest.mark.parametrize(
    "kind, activation, weighted",
    list(
        itertools.product(
            ["binary", "multiclass", "multilabel"], ACTIVATIONS, [False, True]
        )
    ),
)
def test_loss_and_gradients_equal_mlpclassifier(kind, activation, weighted):
    rng = np.random.RandomState(0)
    X = rng.randn(30, 5)
    Y, out = targets(kind, 30, rng)
    units = [5, 6, 4, Y.shape[1]]
    coefs = [rng.uniform(-0.7, 0.7, (i, o)) for i, o in zip(units[:-1], units[1:])]
    intercepts = [rng.uniform(-0.7, 0.7, o) for o in units[1:]]
    sw = rng.uniform(0.2, 3.0, 30) if weighted else None

    ours = loss_and_gradients(
        coefs,
        intercepts,
        X,
        Y,
        activation=activation,
        out_activation=out,
        loss="log_loss",
        alpha=0.3,
        sample_weight=sw,
    )
    theirs = mlp_loss_and_gradients(coefs, intercepts, X, Y, activation, out, 0.3, sw)
    assert_allclose(ours[0], theirs[0], rtol=1e-10)
    for a, b in zip(ours[1] + ours[2], theirs[1] + theirs[2]):
        assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def flat(arrays):
    return np.concatenate([a.ravel() for a in arrays])


def random_params(rng):
    return [rng.randn(4, 3), rng.randn(3, 2), rng.randn(3), rng.randn(2)]


@pytest.mark.parametrize(
    "schedule, momentum, nesterov",
    [
        ("constant", 0.9, True),
        ("constant", 0.9, False),
        ("constant", 0.0, False),
        ("invscaling", 0.5, True),
        ("adaptive", 0.9, True),
    ],
)
def test_sgd_steps_equal_mlpclassifier(schedule, momentum, nesterov):
    rng = np.random.RandomState(1)
    theirs_params = random_params(rng)
    ours_params = flat(theirs_params)
    theirs = SGDOptimizer(theirs_params, 0.1, schedule, momentum, nesterov, 0.25)
    ours = SGD(ours_params.size, np.float64, 0.1, schedule, momentum, nesterov, 0.25)
    for t in range(1, 4):
        grads = random_params(rng)
        theirs.update_params(theirs_params, grads)
        ours.step(ours_params, flat(grads), np.empty_like(ours_params))
        assert_allclose(ours_params, flat(theirs_params), rtol=1e-12)
        theirs.iteration_ends(t * 50)
        ours.epoch_ends(t * 50)
        assert ours.learning_rate == pytest.approx(theirs.learning_rate, rel=1e-15)
    assert ours.stalled() == theirs.trigger_stopping("", False)
    assert ours.learning_rate == pytest.approx(theirs.learning_rate, rel=1e-15)


def test_adam_steps_equal_mlpclassifier():
    rng = np.random.RandomState(2)
    theirs_params = random_params(rng)
    ours_params = flat(theirs_params)
    theirs = AdamOptimizer(theirs_params, 0.01, 0.8, 0.99, 1e-7)
    ours = Adam(ours_params.size, np.float64, 0.01, 0.8, 0.99, 1e-7)
    for _ in range(5):
        grads = random_params(rng)
        theirs.update_params(theirs_params, grads)
        ours.step(ours_params, flat(grads), np.empty_like(ours_params))
        assert_allclose(ours_params, flat(theirs_params), rtol=1e-12)
    assert ours.t == theirs.t


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", activation="tanh", momentum=0.9, learning_rate_init=0.05),
        dict(
            solver="sgd",
            activation="identity",
            nesterovs_momentum=False,
            learning_rate="invscaling",
            learning_rate_init=0.1,
        ),
        dict(
            solver="adam", activation="logistic", batch_size=32, learning_rate_init=0.01
        ),
        dict(solver="lbfgs", activation="tanh"),
    ],
)
def test_training_trajectory_equals_mlpclassifier(params):
    # Same seed ⇒ same initial weights (Glorot, MLPClassifier's draw order),
    # same shuffles, same updates: the whole fit matches.
    rng = np.random.RandomState(3)
    X = rng.randn(120, 6)
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 0.5)
    common = dict(
        hidden_layer_sizes=(7, 5), max_iter=8, random_state=0, alpha=1e-3, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(**common).fit(X, y)
        ours = BackpropClassifier(loss="log_loss", **common).fit(X, y)
    assert_allclose(
        pack(ours.coefs_, ours.intercepts_),
        pack(mlp.coefs_, mlp.intercepts_),
        rtol=1e-9,
        atol=1e-12,
    )
    assert ours.n_iter_ == mlp.n_iter_
    assert_allclose(ours.predict_proba(X), mlp.predict_proba(X), rtol=1e-8)
    if params["solver"] != "lbfgs":
        assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)
        assert ours.t_ == mlp.t_

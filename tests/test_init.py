"""Initial weights (``init``): 'auto' is MLPClassifier's draws, the named rules
are their standard definitions (checked against draws made here by hand and
against their moments), a callable is called once per layer and checked."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skbp import (
    Activation,
    BackpropClassifier,
    BackpropRegressor,
    InvalidParameterError,
)
from skbp._init import initial_params
from skbp._network import unpack

UNITS = [5, 7, 4, 3]


def by_hand(init, units, seed):
    """Each named rule's draws, layer after layer, from its definition."""
    rs = np.random.RandomState(seed)
    coefs, intercepts = [], []
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        shape = (fan_in, fan_out)
        if init == "glorot_uniform":
            r = np.sqrt(6 / (fan_in + fan_out))
            coefs.append(rs.uniform(-r, r, shape))
        elif init == "he_uniform":
            coefs.append(rs.uniform(-np.sqrt(6 / fan_in), np.sqrt(6 / fan_in), shape))
        elif init == "he_normal":
            coefs.append(rs.normal(0, np.sqrt(2 / fan_in), shape))
        elif init == "lecun_normal":
            coefs.append(rs.normal(0, np.sqrt(1 / fan_in), shape))
        intercepts.append(np.zeros(fan_out))
    return coefs, intercepts


NAMED = ["glorot_uniform", "he_uniform", "he_normal", "lecun_normal"]


@pytest.mark.parametrize("init", NAMED)
def test_named_rules_are_their_definitions(init):
    rs = np.random.RandomState(3)
    params = initial_params(UNITS, "relu", rs, np.float64, init=init)
    coefs, intercepts = unpack(params, UNITS)
    want_coefs, want_intercepts = by_hand(init, UNITS, seed=3)
    for got, want in zip(coefs + intercepts, want_coefs + want_intercepts):
        assert_array_equal(got, want)


@pytest.mark.parametrize(
    "init, std",
    [
        ("glorot_uniform", np.sqrt(2 / (400 + 300))),  # (6/(i+o)) / 3
        ("he_uniform", np.sqrt(2 / 400)),
        ("he_normal", np.sqrt(2 / 400)),
        ("lecun_normal", np.sqrt(1 / 400)),
    ],
)
def test_named_rules_have_their_variance(init, std):
    units = [400, 300, 2]
    rs = np.random.RandomState(0)
    params = initial_params(units, "tanh", rs, np.float64, init=init)
    W = unpack(params, units)[0][0]
    assert W.mean() == pytest.approx(0, abs=0.01 * std)
    assert W.std() == pytest.approx(std, rel=0.01)
    if init.endswith("normal"):  # plain normals: tails beyond 2 std (4.6%) stay
        assert np.mean(np.abs(W) > 2 * std) == pytest.approx(0.0455, abs=0.003)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "identity"])
def test_auto_is_mlp_classifiers_draws(activation):
    """(For relu skbp has always drawn He's bound, √(6 / fan_in), where
    MLPClassifier keeps Glorot's; 'auto' keeps that, tested below.)"""
    mlp = MLPClassifier(activation=activation)
    mlp._random_state = np.random.RandomState(1)
    pairs = zip(UNITS[:-1], UNITS[1:])
    want = [mlp._init_coef(i, o, np.float64) for i, o in pairs]  # MLP's own
    params = initial_params(UNITS, activation, np.random.RandomState(1), np.float64)
    coefs, intercepts = unpack(params, UNITS)
    for W, b, (want_W, want_b) in zip(coefs, intercepts, want):
        assert_array_equal(W, want_W)
        assert_array_equal(b, want_b)


@pytest.mark.parametrize(
    "activation, bounds",
    [
        # into each hidden layer: its own units' rule; the output: the last's
        (["relu", "logistic"], [np.sqrt(6 / 5), np.sqrt(2 / 11), np.sqrt(2 / 7)]),
        (["tanh", "gelu"], [np.sqrt(6 / 12), np.sqrt(6 / 7), np.sqrt(6 / 4)]),
        ("silu", [np.sqrt(6 / 5), np.sqrt(6 / 7), np.sqrt(6 / 4)]),
        ("relu", [np.sqrt(6 / 5), np.sqrt(6 / 7), np.sqrt(6 / 4)]),
    ],
    ids=str,
)
def test_auto_per_layer_follows_each_layers_units(activation, bounds):
    params = initial_params(UNITS, activation, np.random.RandomState(0), np.float64)
    coefs, intercepts = unpack(params, UNITS)
    rs = np.random.RandomState(0)
    for W, b, r in zip(coefs, intercepts, bounds):
        assert_array_equal(W, rs.uniform(-r, r, W.shape))
        assert_array_equal(b, rs.uniform(-r, r, b.shape))


def test_auto_gives_a_user_activation_tanhs_draws():
    mine = Activation(np.tanh, lambda z, a: 1 - a * a)
    a = initial_params(UNITS, mine, np.random.RandomState(0), np.float64)
    b = initial_params(UNITS, "tanh", np.random.RandomState(0), np.float64)
    assert_array_equal(a, b)


class Recorder:
    """An init callable that records its calls and returns known weights."""

    def __init__(self):
        self.calls = []

    def __call__(self, fan_in, fan_out, random_state):
        self.calls.append((fan_in, fan_out, random_state))
        coef = np.full((fan_in, fan_out), 0.1 * len(self.calls))
        return coef, np.arange(fan_out, dtype=float)


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
def test_a_callable_is_called_once_per_layer(Estimator):
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 5), np.arange(20) % 3
    init = Recorder()
    model = Estimator((7, 4), init=init, solver="sgd", learning_rate_init=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(max_iter=1, random_state=0).fit(X, y)
    n_out = model.coefs_[-1].shape[1]
    assert [c[:2] for c in init.calls] == [(5, 7), (7, 4), (4, n_out)]
    assert all(isinstance(c[2], np.random.RandomState) for c in init.calls)
    assert len({id(c[2]) for c in init.calls}) == 1  # the estimator's generator
    for l, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        assert_allclose(W, 0.1 * (l + 1), atol=1e-9)  # one step of 1e-12
        assert_allclose(b, np.arange(b.shape[0]), atol=1e-9)


def scaled_normal(fan_in, fan_out, random_state):
    return 0.1 * random_state.randn(fan_in, fan_out), np.zeros(fan_out)


def test_a_callable_follows_random_state_clones_and_pickles():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 4), np.arange(30) % 2
    model = BackpropClassifier((6,), init=scaled_normal, max_iter=3, random_state=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = model.fit(X, y)
        b = clone(model).fit(X, y)
        loaded = pickle.loads(pickle.dumps(a))
    assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert_array_equal(loaded.predict(X), a.predict(X))
    assert loaded.init is scaled_normal


@pytest.mark.parametrize(
    "returned, match",
    [
        ((np.zeros((2, 2)), np.zeros(2)), r"coef of shape \(fan_in, fan_out\)"),
        (lambda i, o: (np.zeros((i, o)), np.zeros(o + 1)), r"intercept of shape"),
        (np.zeros((3, 3)), "must return a pair"),
        (lambda i, o: (np.full((i, o), np.nan), np.zeros(o)), "non-finite"),
        (lambda i, o: ("a", np.zeros(o)), "arrays of real numbers"),
    ],
    ids=["coef shape", "intercept shape", "not a pair", "nan", "strings"],
)
def test_a_callable_returning_the_wrong_thing_is_named(returned, match):
    def init(fan_in, fan_out, random_state):
        return returned(fan_in, fan_out) if callable(returned) else returned

    model = BackpropClassifier((4,), init=init)
    with pytest.raises(InvalidParameterError, match=f"'init'.*{match}"):
        model.fit([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1])


def _two_arguments(fan_in, fan_out):
    return np.zeros((fan_in, fan_out)), np.zeros(fan_out)


def _keyword_only(fan_in, fan_out, *, random_state):
    return np.zeros((fan_in, fan_out)), np.zeros(fan_out)


@pytest.mark.parametrize("init", [_two_arguments, _keyword_only])
def test_a_callable_with_the_wrong_signature_is_named(init):
    # Not a TypeError from inside the first draw: the parameter is named.
    with pytest.raises(InvalidParameterError, match="'init'.*fan_in, fan_out, random"):
        BackpropClassifier((4,), init=init).fit([[0.0], [1.0]], [0, 1])


def test_a_callable_with_defaults_or_varargs_is_accepted():
    def init(fan_in, fan_out, random_state=None, *rest, scale=0.1):
        return scale * random_state.randn(fan_in, fan_out), np.zeros(fan_out)

    BackpropClassifier((4,), init=init, max_iter=2).fit([[0.0], [1.0]], [0, 1])


@pytest.mark.parametrize("init", ["glorot", "xavier_uniform", 3, None])
def test_an_unknown_init_is_named(init):
    with pytest.raises(InvalidParameterError, match="'init'.*'he_normal'"):
        BackpropRegressor(init=init).fit([[0.0], [1.0]], [0.0, 1.0])


@pytest.mark.parametrize("init", NAMED)
def test_named_rules_train(init):
    rng = np.random.RandomState(0)
    X = rng.randn(150, 2)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = BackpropClassifier(
        (16,), "relu", init=init, solver="lbfgs", loss="log_loss", random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert model.fit(X, y).score(X, y) > 0.9

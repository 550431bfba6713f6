"""Hidden activations, one per layer, against independent oracles: PyTorch's
functions and autograd (values and σ'), finite differences (gradient_check),
and a forward pass written out here by hand."""

import itertools
import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skbp import (
    TRUSTED_SKOPS_TYPES,
    Activation,
    BackpropClassifier,
    BackpropRegressor,
    InvalidParameterError,
    gradient_check,
    loss_and_gradients,
)
from skbp._activations import NAMES, resolve
from skbp._array_api import namespace_of

NEW = ["leaky_relu", "elu", "softplus", "silu", "gelu"]
PAIRS = [
    ("squared_error", "logistic"),
    ("log_loss", "softmax"),
    ("squared_error", "identity"),
]


def random_network(units, seed):
    rng = np.random.RandomState(seed)
    coefs = [rng.uniform(-1, 1, (i, o)) for i, o in zip(units[:-1], units[1:])]
    intercepts = [rng.uniform(-1, 1, o) for o in units[1:]]
    return coefs, intercepts


def random_data(n, n_in, n_out, seed):
    rng = np.random.RandomState(seed)
    X = 2 * rng.randn(n, n_in)  # z on both sides of 0, some far out
    Y = np.eye(n_out)[rng.randint(n_out, size=n)]
    return X, Y, rng.uniform(0.1, 2.0, n)


# ----------------------------------------------- σ and σ' against PyTorch


def torch_function(name):
    import torch.nn.functional as F

    return {
        "identity": lambda z: z,
        "logistic": lambda z: z.sigmoid(),
        "tanh": lambda z: z.tanh(),
        "relu": F.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
        "elu": lambda z: F.elu(z, 1.0),
        # PyTorch switches to z above 20; z stays below it here.
        "softplus": lambda z: F.softplus(z, beta=1.0, threshold=50.0),
        "silu": F.silu,
        "gelu": lambda z: F.gelu(z, approximate="tanh"),
    }[name]


def engine_values(name, z):
    """a = σ(z) and σ'(z) as the engine computes them (forward, backward)."""
    xp, _ = namespace_of(z)
    (sigma,) = resolve(name, 1)
    Z = z.copy()
    A = np.empty_like(z) if sigma.needs_z else Z
    a = sigma.forward(Z, A, xp).copy()
    delta = np.ones_like(z)
    sigma.backward(Z, A, delta, xp)
    return a, delta


@pytest.mark.parametrize("name", NAMES)
def test_function_and_derivative_equal_pytorch(name):
    torch = pytest.importorskip("torch")
    z = np.concatenate([np.linspace(-12, 12, 241), [-40.0, -3e-9, 3e-9, 19.5]])
    z = z[z != 0]  # the kinks of relu and leaky_relu
    a, derivative = engine_values(name, z)
    zt = torch.tensor(z, requires_grad=True)
    at = torch_function(name)(zt)
    at.sum().backward()
    assert_allclose(a, at.detach().numpy(), rtol=1e-12, atol=1e-15)
    # atol: σ' is O(1); where it nears 0 both sides cancel (gelu at z ≈ −6).
    assert_allclose(derivative, zt.grad.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", NEW)
def test_functions_stay_finite_far_out(name):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            a, derivative = engine_values(name, np.array([-800.0, 800.0]))
    assert np.isfinite(a).all() and np.isfinite(derivative).all()


# ------------------------------------------ gradients against differences


@pytest.mark.parametrize(
    "activation, pair, n_hidden, weighted",
    list(itertools.product(NEW, PAIRS, [1, 2, 3], [False, True])),
)
def test_new_activations_pass_the_gradient_check(activation, pair, n_hidden, weighted):
    loss, out = pair
    units = [4] + [5, 3, 4][:n_hidden] + [3]
    coefs, intercepts = random_network(units, seed=n_hidden)
    X, Y, sw = random_data(6, 4, 3, seed=7)
    error = gradient_check(
        coefs,
        intercepts,
        X,
        Y,
        activation=activation,
        out_activation=out,
        loss=loss,
        alpha=0.25,
        sample_weight=sw if weighted else None,
    )
    assert error < 1e-6


LISTS = [
    ["gelu"],
    ["tanh", "relu"],
    ("silu", "logistic"),
    ["elu", "gelu", "softplus"],
    ["relu", "leaky_relu", "identity"],
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("activation", LISTS, ids=str)
def test_per_layer_lists_pass_the_gradient_check(activation, weighted):
    units = [4] + [5, 3, 4][: len(activation)] + [3]
    coefs, intercepts = random_network(units, seed=len(activation))
    X, Y, sw = random_data(6, 4, 3, seed=8)
    error = gradient_check(
        coefs,
        intercepts,
        X,
        Y,
        activation=activation,
        out_activation="softmax",
        loss="log_loss",
        alpha=0.25,
        sample_weight=sw if weighted else None,
    )
    assert error < 1e-6


# ------------------------------------------------- a forward pass by hand


def by_hand(name, z):
    """σ written out from its definition, independently of skbp."""
    c = np.sqrt(2 / np.pi)
    return {
        "identity": z,
        "logistic": expit(z),
        "tanh": np.tanh(z),
        "relu": np.maximum(z, 0),
        "leaky_relu": np.where(z > 0, z, 0.01 * z),
        "elu": np.where(z > 0, z, np.exp(np.minimum(z, 0)) - 1),
        "softplus": np.log1p(np.exp(z)),
        "silu": z / (1 + np.exp(-z)),
        "gelu": 0.5 * z * (1 + np.tanh(c * (z + 0.044715 * z**3))),
    }[name]


@pytest.mark.parametrize("activation", LISTS[1:], ids=str)
def test_per_layer_forward_pass_by_hand(activation):
    rng = np.random.RandomState(0)
    X = rng.randn(7, 4)
    model = BackpropRegressor(
        [3] * len(activation), activation, max_iter=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, rng.randn(7))
    a = X
    for l, name in enumerate(activation):
        a = by_hand(name, a @ model.coefs_[l] + model.intercepts_[l])
    expected = (a @ model.coefs_[-1] + model.intercepts_[-1]).ravel()
    assert_allclose(model.predict(X), expected, rtol=1e-12)
    # The loss of loss_and_gradients sees the same network.
    loss, _, _ = loss_and_gradients(
        model.coefs_,
        model.intercepts_,
        X,
        np.zeros((7, 1)),
        activation=activation,
        out_activation="identity",
    )
    assert loss == pytest.approx(0.5 * np.mean(expected**2), rel=1e-12)


# -------------------------------------------- lists in the estimators


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_list_of_one_name_fits_exactly_as_the_name(Estimator, solver):
    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 3), np.arange(40) % 2
    kw = dict(hidden_layer_sizes=(5, 4), solver=solver, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = Estimator(activation="tanh", **kw).fit(X, y)
        b = Estimator(activation=("tanh", "tanh"), **kw).fit(X, y)
    for ca, cb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_array_equal(ca, cb)


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_per_layer_networks_learn(Estimator, solver):
    rng = np.random.RandomState(0)
    X = rng.randn(120, 2)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    model = Estimator(
        (16, 8),
        ["gelu", "elu"],
        solver=solver,
        max_iter=300,
        learning_rate_init=0.05,
        random_state=0,
        tol=1e-6,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.score(X, y) > 0.8


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize(
    "hidden, activation",
    [((5,), ["relu", "tanh"]), ((5, 4), ["relu"]), ((), ["relu"]), (3, ())],
)
def test_a_list_of_the_wrong_length_is_named(Estimator, hidden, activation):
    model = Estimator(hidden, activation)
    with pytest.raises(InvalidParameterError, match="'activation'.*per hidden layer"):
        model.fit([[0.0], [1.0]], [0, 1])


@pytest.mark.parametrize("activation", ["swish", ["relu", "swish"], 3, None])
def test_an_unknown_activation_is_named(activation):
    model = BackpropClassifier((4, 4), activation)
    with pytest.raises(InvalidParameterError, match="'activation'.*'gelu'"):
        model.fit([[0.0], [1.0]], [0, 1])


def test_loss_and_gradients_checks_the_list_against_the_layers():
    coefs, intercepts = random_network([2, 3, 1], seed=0)
    with pytest.raises(InvalidParameterError, match="'activation'.*has 2 entries"):
        loss_and_gradients(
            coefs, intercepts, np.ones((2, 2)), np.ones((2, 1)), activation=["relu"] * 2
        )


def test_no_hidden_layer_takes_an_empty_list():
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 3), rng.randn(30)
    a = BackpropRegressor((), [], solver="lbfgs", random_state=0).fit(X, y)
    b = BackpropRegressor((), "identity", solver="lbfgs", random_state=0).fit(X, y)
    assert_array_equal(a.coefs_[0], b.coefs_[0])


# ------------------------------------------------ a user's own Activation


def tanh_function(z):
    return np.tanh(z)


def tanh_derivative(z, a):
    return 1 - a**2


def softsign(z):
    return z / (1 + abs(z))


def softsign_derivative(z, a):
    return 1 / (1 + abs(z)) ** 2


TANH = Activation(tanh_function, tanh_derivative, name="my_tanh")
SOFTSIGN = Activation(softsign, softsign_derivative)


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_an_activation_from_tanh_trains_exactly_as_tanh(Estimator, solver):
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 4), np.arange(50) % 3
    kw = dict(hidden_layer_sizes=(6, 5), solver=solver, max_iter=8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        named = Estimator(activation="tanh", **kw).fit(X, y)
        mine = Estimator(activation=TANH, **kw).fit(X, y)
    assert mine.loss_curve_ == named.loss_curve_
    for a, b in zip(mine.coefs_ + mine.intercepts_, named.coefs_ + named.intercepts_):
        assert_array_equal(a, b)
    assert_array_equal(mine.predict(X), named.predict(X))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "activation",
    [SOFTSIGN, [SOFTSIGN, "relu"], ["gelu", TANH, SOFTSIGN]],
    ids=["alone", "two layers", "three layers"],
)
def test_an_activation_passes_the_gradient_check(activation, weighted):
    n_hidden = len(activation) if isinstance(activation, list) else 1
    units = [4] + [5, 3, 4][:n_hidden] + [3]
    coefs, intercepts = random_network(units, seed=n_hidden)
    X, Y, sw = random_data(6, 4, 3, seed=9)
    error = gradient_check(
        coefs,
        intercepts,
        X,
        Y,
        activation=activation,
        alpha=0.25,
        sample_weight=sw if weighted else None,
    )
    assert error < 1e-6


def test_a_wrong_derivative_is_caught_by_the_gradient_check():
    wrong = Activation(np.tanh, lambda z, a: 1 - a)  # forgot the square
    coefs, intercepts = random_network([4, 5, 3], seed=0)
    X, Y, _ = random_data(6, 4, 3, seed=9)
    assert gradient_check(coefs, intercepts, X, Y, activation=wrong) > 1e-3


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
def test_estimators_holding_an_activation_clone_and_pickle(Estimator):
    rng = np.random.RandomState(0)
    X, y = rng.randn(40, 3), np.arange(40) % 2
    model = Estimator((5, 4), [SOFTSIGN, "relu"], max_iter=5, random_state=0)
    assert model.get_params()["activation"] == [SOFTSIGN, "relu"]
    copy = clone(model)
    assert copy.activation == model.activation
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        copy.fit(X, y)
        assert_array_equal(copy.predict(X), model.predict(X))
        loaded = pickle.loads(pickle.dumps(model))
        assert loaded.activation == model.activation
        assert_array_equal(loaded.predict(X), model.predict(X))
        model.set_params(activation=TANH, hidden_layer_sizes=(5,)).fit(X, y)
    assert model.activation is TANH and len(model.coefs_) == 2


def test_activation_equality_and_repr():
    assert TANH == Activation(tanh_function, tanh_derivative, name="my_tanh")
    assert TANH != Activation(tanh_function, tanh_derivative)
    assert TANH != "tanh" and hash(TANH) == hash(clone(TANH, safe=False))
    assert repr(SOFTSIGN) == (
        "Activation(softsign, softsign_derivative, name='softsign')"
    )


@pytest.mark.parametrize(
    "args, match",
    [
        (("tanh", tanh_derivative), "function must be a callable"),
        ((np.tanh, None), "derivative must be a callable"),
        ((np.tanh, tanh_derivative, 3), "name must be a str"),
    ],
)
def test_activation_arguments_are_named(args, match):
    with pytest.raises(TypeError, match=match):
        Activation(*args)


@pytest.mark.parametrize(
    "activation, call",
    [
        (Activation(lambda z: z.sum(axis=1), tanh_derivative, "rowsum"), "function"),
        (Activation(np.tanh, lambda z, a: 1.0, "scalar"), "derivative"),
    ],
)
def test_a_result_of_the_wrong_shape_is_named(activation, call):
    model = BackpropClassifier((4,), activation, max_iter=2)
    with pytest.raises(ValueError, match=f"'{activation.name}': {call}.*shape"):
        model.fit([[0.0], [1.0]], [0, 1])


def _nan_where_positive(z):
    return np.where(z > 0, np.nan, np.tanh(z))


def _log_derivative(z, a):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(z)  # NaN for z < 0: a derivative that is simply wrong


@pytest.mark.parametrize(
    "activation, call",
    [
        (Activation(_nan_where_positive, tanh_derivative, "nan_fn"), "function"),
        (Activation(np.tanh, _log_derivative, "nan_derivative"), "derivative"),
    ],
)
@pytest.mark.parametrize("where", ["fit", "loss_and_gradients"])
def test_a_non_finite_result_at_a_finite_z_is_named(activation, call, where):
    # Not a DivergenceError blaming the learning rate: the activation is named.
    match = f"'{activation.name}': {call}.*non-finite"
    X, y = np.array([[-1.0], [0.5], [1.0], [2.0]]), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=match):
        if where == "fit":
            BackpropClassifier((4,), activation, max_iter=2, random_state=0).fit(X, y)
        else:
            coefs = [np.full((1, 3), 0.5), np.ones((3, 2))]
            intercepts = [np.array([0.0, -0.1, 0.1]), np.zeros(2)]
            loss_and_gradients(
                coefs, intercepts, X, np.eye(2)[y], activation=activation
            )


def test_an_activation_overflowing_only_where_z_does_is_not_blamed():
    # A non-finite z is the training's divergence, not the activation's fault.
    from skbp._activations import _Custom

    custom = _Custom(Activation(np.tanh, tanh_derivative, "mytanh"))
    Z = np.array([[np.inf, 0.0], [np.nan, 1.0]])
    out = custom.forward(Z, np.empty_like(Z), np)
    assert np.isnan(out[1, 0]) and out[0, 0] == 1.0


def test_skops_loads_an_activation_once_its_functions_are_trusted(tmp_path):
    sio = pytest.importorskip("skops.io")
    rng = np.random.RandomState(0)
    X, y = rng.randn(30, 3), np.arange(30) % 2
    model = BackpropClassifier((4,), [SOFTSIGN], max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    mine = {f"{__name__}.softsign", f"{__name__}.softsign_derivative"}
    assert set(sio.get_untrusted_types(file=path)) - set(TRUSTED_SKOPS_TYPES) == mine
    loaded = sio.load(path, trusted=TRUSTED_SKOPS_TYPES + sorted(mine))
    assert loaded.activation == [SOFTSIGN]
    assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))

"""loss_and_gradients against independent oracles: finite differences and a
network worked out by hand."""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose

from skbp import InvalidParameterError, gradient_check, loss_and_gradients

PAIRS = [
    ("squared_error", "logistic"),
    ("squared_error", "softmax"),
    ("squared_error", "identity"),
    ("log_loss", "logistic"),
    ("log_loss", "softmax"),
]
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def random_network(units, seed):
    rng = np.random.RandomState(seed)
    coefs = [rng.uniform(-1, 1, (i, o)) for i, o in zip(units[:-1], units[1:])]
    intercepts = [rng.uniform(-1, 1, o) for o in units[1:]]
    return coefs, intercepts


def random_data(n, n_in, n_out, seed):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, n_in)
    Y = np.eye(n_out)[rng.randint(n_out, size=n)]
    return X, Y, rng.uniform(0.1, 2.0, n)


@pytest.mark.parametrize(
    "activation, pair, n_hidden, weighted",
    list(itertools.product(ACTIVATIONS, PAIRS, [1, 2, 3], [False, True])),
)
def test_gradient_matches_finite_differences(activation, pair, n_hidden, weighted):
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


def test_gradient_check_detects_a_wrong_gradient(monkeypatch):
    # The oracle must be able to fail: break BP4 and watch the check notice.
    from skbp import _backprop

    original = _backprop.backprop

    def broken(*args):
        loss = original(*args)
        args[-1].grad[-1] += 1e-3
        return loss

    monkeypatch.setattr(_backprop, "backprop", broken)
    monkeypatch.setattr("skbp._gradient.backprop", broken)
    coefs, intercepts = random_network([3, 4, 2], seed=0)
    X, Y, _ = random_data(5, 3, 2, seed=1)
    assert gradient_check(coefs, intercepts, X, Y) > 1e-4


def test_tiny_network_worked_by_hand():
    # One input, one hidden sigmoid unit, one sigmoid output, quadratic cost:
    #   z2 = w1 x + b1, a2 = σ(z2), z3 = w2 a2 + b2, a3 = σ(z3),
    #   J = ½ (a3 − y)² + alpha/(2n) (w1² + w2²) with n = 1.
    w1, b1, w2, b2, x, y, alpha = 0.5, -0.25, -1.5, 0.75, 2.0, 1.0, 0.2
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    z2 = w1 * x + b1  # 0.75
    a2 = sig(z2)
    z3 = w2 * a2 + b2
    a3 = sig(z3)
    eps3 = (a3 - y) * a3 * (1 - a3)  # BP1, σ'(z) kept by the quadratic cost
    eps2 = eps3 * w2 * a2 * (1 - a2)  # BP2
    expected_loss = 0.5 * (a3 - y) ** 2 + alpha / 2 * (w1**2 + w2**2)
    expected_gW = [eps2 * x + alpha * w1, eps3 * a2 + alpha * w2]  # BP3 + decay
    expected_gb = [eps2, eps3]  # BP4

    loss, gW, gb = loss_and_gradients(
        [np.array([[w1]]), np.array([[w2]])],
        [np.array([b1]), np.array([b2])],
        np.array([[x]]),
        np.array([[y]]),
        alpha=alpha,
    )
    assert_allclose(loss, expected_loss, rtol=1e-14)
    assert_allclose([g.item() for g in gW], expected_gW, rtol=1e-13)
    assert_allclose([g.item() for g in gb], expected_gb, rtol=1e-13)
    # The numbers by hand: a2 = σ(0.75) = 0.679179, z3 = −0.268768,
    # a3 = 0.433209, ½(a3 − 1)² = 0.160626, decay 0.1 (0.25 + 2.25) = 0.25.
    assert_allclose(loss, 0.410626, rtol=1e-5)
    assert_allclose(gb[1].item(), (0.433209 - 1) * 0.433209 * 0.566791, rtol=1e-5)


def test_log_loss_output_error_is_a_minus_y():
    # Softmax + cross-entropy with no hidden layer: ∂J/∂b = mean(a − y).
    coefs, intercepts = random_network([3, 4], seed=2)
    X, Y, _ = random_data(8, 3, 4, seed=3)
    _, _, gb = loss_and_gradients(
        coefs, intercepts, X, Y, loss="log_loss", out_activation="softmax"
    )
    Z = X @ coefs[0] + intercepts[0]
    A = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert_allclose(gb[0], (A - Y).mean(axis=0), rtol=1e-12)


def test_sample_weights_equal_repeated_rows():
    coefs, intercepts = random_network([3, 4, 2], seed=4)
    X, Y, _ = random_data(5, 3, 2, seed=5)
    counts = np.array([1, 3, 0, 2, 1])
    weighted = loss_and_gradients(
        coefs, intercepts, X, Y, alpha=0.1, sample_weight=counts
    )
    repeated = loss_and_gradients(
        coefs,
        intercepts,
        np.repeat(X, counts, axis=0),
        np.repeat(Y, counts, axis=0),
        alpha=0.1,
    )
    assert_allclose(weighted[0], repeated[0], rtol=1e-12)
    for a, b in zip(weighted[1] + weighted[2], repeated[1] + repeated[2]):
        assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("pair", [("log_loss", "softmax"), ("log_loss", "logistic")])
def test_log_loss_is_finite_for_huge_logits(pair):
    loss_name, out = pair
    coefs = [np.array([[1e6, -1e6]])]
    intercepts = [np.zeros(2)]
    X = np.array([[1000.0], [-1000.0]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])  # every prediction confidently wrong
    loss, gW, gb = loss_and_gradients(
        coefs, intercepts, X, Y, loss=loss_name, out_activation=out
    )
    assert np.isfinite(loss) and loss > 1e8
    assert all(np.all(np.isfinite(g)) for g in gW + gb)


def test_float32_stays_float32():
    coefs, intercepts = random_network([3, 4, 2], seed=6)
    X, Y, _ = random_data(5, 3, 2, seed=7)
    _, gW, gb = loss_and_gradients(coefs, intercepts, X.astype(np.float32), Y)
    assert all(g.dtype == np.float32 for g in gW + gb)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"activation": "sigmoid"}, "'activation'"),
        ({"loss": "hinge"}, "'loss'"),
        ({"alpha": -1.0}, "'alpha'"),
        ({"loss": "log_loss", "out_activation": "identity"}, "out_activation"),
        ({"sample_weight": np.ones(3)}, "sample_weight"),
        ({"sample_weight": -np.ones(5)}, "non-negative"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    coefs, intercepts = random_network([3, 4, 2], seed=0)
    X, Y, _ = random_data(5, 3, 2, seed=0)
    with pytest.raises(ValueError, match=match):
        loss_and_gradients(coefs, intercepts, X, Y, **kwargs)


def test_bad_shapes_are_named():
    coefs, intercepts = random_network([3, 4, 2], seed=0)
    X, Y, _ = random_data(5, 3, 2, seed=0)
    with pytest.raises(ValueError, match=r"coefs\[0\]"):
        loss_and_gradients(coefs, intercepts, X[:, :2], Y)
    with pytest.raises(ValueError, match="Y must have shape"):
        loss_and_gradients(coefs, intercepts, X, Y[:, :1])
    with pytest.raises(InvalidParameterError, match="eps"):
        gradient_check(coefs, intercepts, X, Y, eps=0)


def test_softmax_log_loss_needs_rows_that_sum_to_one():
    coefs, intercepts = random_network([3, 4], seed=0)
    X = np.random.RandomState(0).randn(4, 3)
    Y = np.array([[1.0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    with pytest.raises(ValueError, match="sum to 1"):
        loss_and_gradients(
            coefs, intercepts, X, Y, loss="log_loss", out_activation="softmax"
        )
    soft = np.full((4, 4), 0.25)  # class probabilities are fine
    assert (
        gradient_check(
            coefs, intercepts, X, soft, loss="log_loss", out_activation="softmax"
        )
        < 1e-6
    )

"""Dropout against independent oracles: finite differences with the masks held
fixed, a forward pass by hand, the network whose next-layer weights carry the
1/(1 − p), and a training step recomputed from the estimator's own draws."""

import itertools
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning

from skbp import (
    Activation,
    BackpropClassifier,
    BackpropRegressor,
    InvalidParameterError,
    gradient_check,
    loss_and_gradients,
)
from skbp._dropout import FixedMasks, RandomMasks, check_rates
from skbp._init import initial_params
from skbp._network import unpack

PAIRS = [
    ("squared_error", "logistic"),
    ("log_loss", "softmax"),
    ("squared_error", "identity"),
    ("poisson", "exp"),
]
#: Every named activation and a user Activation whose σ' is read from a: the
#: mask must not reach the A that σ' is computed from (only Ã is dropped).
TANH_FROM_A = Activation(np.tanh, lambda z, a: 1.0 - a**2, "tanh_from_a")
ACTIVATIONS = [
    *["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "softplus"],
    *["silu", "gelu", TANH_FROM_A],
]
HIDDEN = [5, 3, 4]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


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


def random_masks(n, hidden, p, seed):
    rng = np.random.RandomState(seed)
    return [(rng.uniform(size=(n, u)) >= p).astype(int) for u in hidden]


@pytest.mark.parametrize(
    "activation, pair, n_hidden, rates",
    list(itertools.product(ACTIVATIONS, PAIRS, [1, 2, 3], ["all 0.3", "per layer"])),
)
def test_gradient_with_fixed_masks_matches_finite_differences(
    activation, pair, n_hidden, rates
):
    loss, out = pair
    hidden = HIDDEN[:n_hidden]
    units = [4, *hidden, 3]
    coefs, intercepts = random_network(units, seed=n_hidden)
    X, Y, sw = random_data(6, 4, 3, seed=7)
    dropout = 0.3 if rates == "all 0.3" else [0.5, 0.0, 0.2][:n_hidden]
    error = gradient_check(
        coefs,
        intercepts,
        X,
        Y,
        activation=activation,
        out_activation=out,
        loss=loss,
        alpha=0.25,
        sample_weight=sw,
        dropout=dropout,
        dropout_masks=random_masks(6, hidden, 0.4, seed=n_hidden),
    )
    assert error < 1e-6


@pytest.mark.parametrize(
    "activation",
    [["tanh", "relu", "silu"], ("gelu", "logistic", "softplus"), ["leaky_relu"] * 3],
)
def test_gradient_with_per_layer_activations_and_masks(activation):
    coefs, intercepts = random_network([4, *HIDDEN, 3], seed=4)
    X, Y, sw = random_data(6, 4, 3, seed=5)
    error = gradient_check(
        coefs,
        intercepts,
        X,
        Y,
        activation=activation,
        loss="log_loss",
        out_activation="softmax",
        alpha=0.1,
        sample_weight=sw,
        dropout=[0.2, 0.5, 0.3],
        dropout_masks=random_masks(6, HIDDEN, 0.3, seed=6),
    )
    assert error < 1e-6


def test_gradient_check_sees_a_missing_mask_in_bp2(monkeypatch):
    # The oracle must be able to fail: drop D from BP2, watch the check notice.
    from skbp import _dropout

    monkeypatch.setattr(_dropout.Masks, "scale_error", lambda self, l, delta: None)
    coefs, intercepts = random_network([4, 5, 3, 3], seed=0)
    X, Y, _ = random_data(6, 4, 3, seed=1)
    masks = random_masks(6, [5, 3], 0.5, seed=2)
    error = gradient_check(
        coefs, intercepts, X, Y, activation="tanh", dropout=0.5, dropout_masks=masks
    )
    assert error > 1e-2


def hand_forward(coefs, intercepts, X, sigma, masks, rates):
    """The dropped-out network's logits, written out without skbp's engine."""
    a = X
    for l, (W, b) in enumerate(zip(coefs, intercepts)):
        z = a @ W + b
        if l == len(coefs) - 1:
            return z
        a = sigma(z) * masks[l] / (1 - rates[l])


@pytest.mark.parametrize("n_hidden", [1, 2, 3])
def test_loss_equals_a_forward_pass_by_hand(n_hidden):
    hidden = HIDDEN[:n_hidden]
    coefs, intercepts = random_network([4, *hidden, 2], seed=3)
    X, _, sw = random_data(7, 4, 2, seed=4)
    Y = np.random.RandomState(5).randn(7, 2)
    rates = [0.25, 0.5, 0.1][:n_hidden]
    masks = random_masks(7, hidden, 0.5, seed=6)
    loss, _, _ = loss_and_gradients(
        coefs,
        intercepts,
        X,
        Y,
        activation="tanh",
        out_activation="identity",
        sample_weight=sw,
        dropout=rates,
        dropout_masks=masks,
    )
    Z = hand_forward(coefs, intercepts, X, np.tanh, masks, rates)
    expected = np.sum(sw * 0.5 * np.sum((Z - Y) ** 2, axis=1)) / sw.sum()
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("layer", [0, 1, 2])
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_all_ones_masks_equal_scaled_next_layer_weights(layer, p):
    # Ã = A / (1 − p) feeds W: the network whose W is W / (1 − p) instead.
    hidden = HIDDEN
    coefs, intercepts = random_network([4, *hidden, 3], seed=8)
    X, Y, sw = random_data(6, 4, 3, seed=9)
    rates = [0.0] * 3
    rates[layer] = p
    ones = [np.ones((6, u)) for u in hidden]
    kw = dict(activation="logistic", loss="log_loss", out_activation="softmax")
    loss, gW, gb = loss_and_gradients(
        coefs,
        intercepts,
        X,
        Y,
        sample_weight=sw,
        dropout=rates,
        dropout_masks=ones,
        **kw,
    )
    scaled = [c.copy() for c in coefs]
    scaled[layer + 1] /= 1 - p
    ref_loss, ref_gW, ref_gb = loss_and_gradients(
        scaled, intercepts, X, Y, sample_weight=sw, **kw
    )
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    # ∂J/∂W = ∂J/∂W' / (1 − p) for the scaled layer (chain rule), the same
    # elsewhere.
    ref_gW[layer + 1] = ref_gW[layer + 1] / (1 - p)
    for got, want in zip(gW + gb, ref_gW + ref_gb):
        assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_layer_with_rate_zero_ignores_its_mask():
    coefs, intercepts = random_network([4, 5, 3, 2], seed=10)
    X, Y, _ = random_data(6, 4, 2, seed=11)
    second = random_masks(6, [3], 0.5, seed=12)[0]
    got = loss_and_gradients(
        coefs,
        intercepts,
        X,
        Y,
        dropout=[0.0, 0.5],
        dropout_masks=[np.zeros((6, 5)), second],
    )
    want = loss_and_gradients(
        coefs, intercepts, X, Y, dropout=[0.0, 0.5], dropout_masks=[None, second]
    )
    assert got[0] == want[0]
    for a, b in zip(got[1] + got[2], want[1] + want[2]):
        assert_array_equal(a, b)


def test_rate_zero_is_the_network_without_dropout():
    coefs, intercepts = random_network([4, 5, 3, 2], seed=13)
    X, Y, _ = random_data(6, 4, 2, seed=14)
    masks = [np.zeros((6, 5)), np.zeros((6, 3))]
    got = loss_and_gradients(coefs, intercepts, X, Y, dropout=0.0, dropout_masks=masks)
    want = loss_and_gradients(coefs, intercepts, X, Y)
    assert got[0] == want[0]
    for a, b in zip(got[1] + got[2], want[1] + want[2]):
        assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(dropout=0.5), "needs dropout_masks"),
        (dict(dropout=1.0, dropout_masks=[np.ones((6, 5))]), "'dropout' parameter"),
        (dict(dropout=-0.1, dropout_masks=[np.ones((6, 5))]), "'dropout' parameter"),
        (dict(dropout="0.5"), "'dropout' parameter"),
        (dict(dropout=[0.5, 0.5], dropout_masks=[np.ones((6, 5))]), "has 2 rates"),
        (dict(dropout=0.5, dropout_masks=[]), "one array per hidden layer"),
        (dict(dropout=0.5, dropout_masks=[np.ones((5, 5))]), r"dropout_masks\[0\]"),
        (dict(dropout=0.5, dropout_masks=[np.full((6, 5), 2.0)]), "only 0 and 1"),
        (dict(dropout=0.5, dropout_masks=np.ones((6, 5))), "one array per hidden"),
        (dict(dropout=0.5, dropout_masks=5), "one array per hidden layer"),
        (dict(dropout=0.5, dropout_masks=iter([np.ones((6, 5))])), "one array per"),
        (dict(dropout=0.5, dropout_masks=[None]), r"dropout_masks\[0\]"),
    ],
)
def test_bad_dropout_arguments_are_named(kwargs, match):
    coefs, intercepts = random_network([4, 5, 2], seed=0)
    X, Y, _ = random_data(6, 4, 2, seed=0)
    with pytest.raises(ValueError, match=match):
        loss_and_gradients(coefs, intercepts, X, Y, **kwargs)


def test_gradient_check_needs_masks_too():
    coefs, intercepts = random_network([4, 5, 2], seed=0)
    X, Y, _ = random_data(6, 4, 2, seed=0)
    with pytest.raises(ValueError, match="dropout_masks"):
        gradient_check(coefs, intercepts, X, Y, dropout=0.3)


def test_masks_are_not_mutated_and_may_be_bool():
    coefs, intercepts = random_network([4, 5, 2], seed=0)
    X, Y, _ = random_data(6, 4, 2, seed=0)
    mask = random_masks(6, [5], 0.5, seed=1)[0]
    kept = mask.copy()
    a = loss_and_gradients(coefs, intercepts, X, Y, dropout=0.5, dropout_masks=[mask])
    b = loss_and_gradients(
        coefs, intercepts, X, Y, dropout=0.5, dropout_masks=[mask.astype(bool)]
    )
    assert_array_equal(mask, kept)
    assert a[0] == b[0]


# ------------------------------------------------------------- the masks


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_random_masks_drop_p_and_scale_the_survivors(p):
    A = [np.empty((400, 50)), np.empty((400, 30))]
    masks = RandomMasks((p, 0.0), np.random.RandomState(0)).draw(A)
    D = masks.scaled[0]
    assert masks.scaled[1] is None
    assert set(np.unique(D)) == {0.0, 1.0 / (1.0 - p)}
    assert np.mean(D == 0) == pytest.approx(p, abs=0.02)
    assert D.mean() == pytest.approx(1.0, abs=0.05)  # E[D] = 1


def test_random_masks_follow_the_generator_and_skip_zero_rates():
    rng = np.random.RandomState(3)
    A = [np.empty((4, 2)), np.empty((4, 3)), np.empty((4, 5))]
    source = RandomMasks((0.5, 0.0, 0.25), rng)
    # A pass's masks live in the source's buffers until the next pass: copy.
    first = [None if D is None else D.copy() for D in source.draw(A).scaled]
    second = source.draw([a[:3] for a in A])
    ref_rng = np.random.RandomState(3)
    ref = np.random.default_rng(ref_rng.randint(2**32))
    assert_array_equal(first[0], (ref.random((4, 2)) >= 0.5) * 2.0)
    assert_array_equal(first[2], (ref.random((4, 5)) >= 0.25) / 0.75)
    assert_array_equal(second.scaled[0], (ref.random((3, 2)) >= 0.5) * 2.0)
    assert second.scaled[1] is None  # nothing drawn for rate 0
    assert_array_equal(second.scaled[2], (ref.random((3, 5)) >= 0.25) / 0.75)
    assert rng.random_sample() == ref_rng.random_sample()  # one seed drawn


def test_fixed_masks_scale_inside():
    A = [np.ones((2, 2))]
    masks = FixedMasks((0.75,), [np.array([[1, 0], [0, 1]], dtype=bool)]).draw(A)
    assert_array_equal(masks.scaled[0], [[4.0, 0.0], [0.0, 4.0]])
    assert_array_equal(masks.drop(0, A[0]), [[4.0, 0.0], [0.0, 4.0]])
    assert_array_equal(A[0], np.ones((2, 2)))  # A kept for σ' in BP2


@pytest.mark.parametrize(
    "dropout, n_hidden, expected",
    [(0.0, 2, (0.0, 0.0)), (0.5, 1, (0.5,)), ([0.1, 0.2], 2, (0.1, 0.2)), ((), 0, ())],
)
def test_check_rates(dropout, n_hidden, expected):
    assert check_rates(dropout, n_hidden) == expected


# ---------------------------------------------------------- the estimators


def small_data():
    return make_classification(
        n_samples=80, n_features=6, n_informative=4, n_classes=3, random_state=0
    )


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_one_training_step_uses_the_estimators_own_masks(Estimator, activation):
    # Recompute a full-batch sgd step: initial weights, then the masks'
    # generator, both from RandomState(0) in that order; the step is −η ∂J/∂θ
    # with those masks (checked against finite differences above).  For every
    # σ, those whose σ' is read from the output a (computed in place) too.
    X, y = small_data()
    p, eta, alpha = 0.4, 0.1, 0.01
    model = Estimator(
        hidden_layer_sizes=(5, 4),
        activation=activation,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=eta,
        alpha=alpha,
        batch_size=80,
        shuffle=False,
        max_iter=1,
        random_state=0,
        dropout=[p, 0.0],
    ).fit(X, y)
    n_out = 3 if Estimator is BackpropClassifier else 1
    units = [6, 5, 4, n_out]
    rng = np.random.RandomState(0)
    coefs, intercepts = unpack(
        initial_params(units, activation, rng, np.float64), units
    )
    generator = np.random.default_rng(rng.randint(2**32))
    masks = [(generator.random((80, 5)) >= p).astype(float), None]
    Y = np.eye(3)[y] if n_out == 3 else y[:, None].astype(float)
    out = "logistic" if n_out == 3 else "identity"
    _, gW, gb = loss_and_gradients(
        coefs,
        intercepts,
        X,
        Y,
        activation=activation,
        out_activation=out,
        alpha=alpha,
        dropout=[p, 0.0],
        dropout_masks=masks,
    )
    for got, c, g in zip(model.coefs_ + model.intercepts_, coefs + intercepts, gW + gb):
        assert_allclose(got, c - eta * g, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
def test_zero_dropout_is_todays_fit_exactly(Estimator):
    X, y = small_data()
    kw = dict(hidden_layer_sizes=(7, 5), max_iter=15, random_state=0)
    ref = Estimator(**kw).fit(X, y)
    for dropout in (0.0, [0.0, 0.0]):
        got = Estimator(dropout=dropout, **kw).fit(X, y)
        for a, b in zip(got.coefs_ + got.intercepts_, ref.coefs_ + ref.intercepts_):
            assert_array_equal(a, b)
        assert got.loss_curve_ == ref.loss_curve_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_random_state_reproduces_a_dropout_fit(solver):
    X, y = small_data()
    kw = dict(solver=solver, max_iter=10, dropout=0.3, hidden_layer_sizes=(8, 6))
    a = BackpropClassifier(random_state=1, **kw).fit(X, y)
    b = BackpropClassifier(random_state=1, **kw).fit(X, y)
    c = BackpropClassifier(random_state=2, **kw).fit(X, y)
    ref = BackpropClassifier(**{**kw, "dropout": 0.0}, random_state=1).fit(X, y)
    assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    assert not np.array_equal(a.coefs_[0], ref.coefs_[0])  # the masks did act


def test_partial_fit_with_dropout_draws_on_from_one_generator():
    X, y = small_data()
    kw = dict(dropout=0.5, random_state=0, hidden_layer_sizes=(8,))
    a = BackpropClassifier(**kw)
    b = BackpropClassifier(**kw)
    for _ in range(2):
        a.partial_fit(X, y, classes=[0, 1, 2])
        b.partial_fit(X, y, classes=[0, 1, 2])
    assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert a.loss_curve_[0] != a.loss_curve_[1]


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
def test_prediction_uses_the_whole_network_unscaled(Estimator):
    X, y = small_data()
    model = Estimator(dropout=0.5, max_iter=10, random_state=0).fit(X, y)
    (W0, W1), (b0, b1) = model.coefs_, model.intercepts_
    H = 1 / (1 + np.exp(-(X @ W0 + b0)))  # no mask, no 1/(1 − p)
    Z = H @ W1 + b1
    if Estimator is BackpropClassifier:
        assert_allclose(model.decision_function(X), Z, rtol=1e-12)
    else:
        assert_allclose(model.predict(X), Z[:, 0], rtol=1e-12)
    assert_allclose(model.transform(X), H, rtol=1e-12)
    assert_array_equal(model.transform(X), model.transform(X))


def test_validation_scores_use_the_whole_network():
    X, y = small_data()
    model = BackpropClassifier(
        dropout=0.5, max_iter=3, random_state=0, hidden_layer_sizes=(8,)
    ).fit(X[:60], y[:60], X_val=X[60:], y_val=y[60:])
    assert model.validation_scores_[-1] == model.score(X[60:], y[60:])


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("dropout", [0.1, [0.0, 0.2]])
def test_lbfgs_with_dropout_is_a_clear_error(Estimator, dropout):
    X, y = small_data()
    model = Estimator(solver="lbfgs", dropout=dropout, hidden_layer_sizes=(4, 3))
    with pytest.raises(ValueError, match="dropout.*lbfgs"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_lbfgs_with_zero_dropout_trains():
    X, y = small_data()
    BackpropClassifier(solver="lbfgs", dropout=[0.0], max_iter=5).fit(X, y)


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize(
    "dropout, error, match",
    [
        (1.0, InvalidParameterError, "'dropout' parameter of Backprop"),
        (-0.5, InvalidParameterError, "a float in \\[0, 1\\)"),
        ("high", InvalidParameterError, "one per hidden layer"),
        (True, InvalidParameterError, "'dropout'"),
        ([0.1, 0.1, 0.1], ValueError, "3 rates; the network has 2 hidden layers"),
        ([0.1, 1.5], InvalidParameterError, "'dropout'"),
    ],
)
def test_bad_dropout_parameter_is_named(Estimator, dropout, error, match):
    X, y = small_data()
    with pytest.raises(error, match=match):
        Estimator(dropout=dropout, hidden_layer_sizes=(4, 3)).fit(X, y)


def test_dropout_survives_clone_and_grid_values():
    model = BackpropClassifier(dropout=[0.2, 0.1], hidden_layer_sizes=(4, 3))
    assert clone(model).get_params()["dropout"] == [0.2, 0.1]
    X, y = small_data()
    model.set_params(dropout=np.float64(0.25), max_iter=2).fit(X, y)


def test_dropout_narrows_the_train_test_gap_on_digits():
    # Few training rows, a wide network: it memorises them without dropout.
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    gaps = {0.0: [], 0.5: []}
    for seed in range(3):
        rng = np.random.RandomState(seed)
        idx = rng.permutation(len(X))
        train, test = idx[:150], idx[150:]
        for p in gaps:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = BackpropClassifier(
                    hidden_layer_sizes=(256,),
                    activation="relu",
                    loss="log_loss",
                    learning_rate_init=0.003,
                    max_iter=150,
                    alpha=0.0,
                    dropout=p,
                    random_state=seed,
                ).fit(X[train], y[train])
            gap = model.score(X[train], y[train]) - model.score(X[test], y[test])
            gaps[p].append(gap)
    assert all(g5 < g0 for g0, g5 in zip(gaps[0.0], gaps[0.5]))


@pytest.mark.parametrize(
    "dropout, refused",
    [(0.0, False), ([0.0, 0.0], False), (0.2, True), ([0.0, 0.3], True)],
)
def test_the_cluster_path_refuses_only_a_rate_above_zero(dropout, refused):
    from skbp import _distributed

    model = BackpropClassifier(hidden_layer_sizes=(4, 3), dropout=dropout)
    if refused:
        with pytest.raises(ValueError, match="dropout=.*not supported .* dask"):
            _distributed._check_supported(model)
    else:
        _distributed._check_supported(model)


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_rate_without_a_hidden_layer_is_a_clear_error(Estimator, solver):
    # dropout acts on hidden outputs: with none it would silently do nothing
    # (and lbfgs, which refuses every rate > 0, would train without a word).
    X, y = small_data()
    model = Estimator(hidden_layer_sizes=(), dropout=0.2, solver=solver, max_iter=3)
    with pytest.raises(ValueError, match="dropout=0.2.*no hidden layer"):
        model.fit(X, y)
    model.set_params(dropout=0.0).fit(X, y)  # no rate, no complaint


def test_loss_and_gradients_refuses_a_rate_without_a_hidden_layer():
    coefs, intercepts = random_network([4, 2], seed=0)
    X, Y, _ = random_data(6, 4, 2, seed=0)
    with pytest.raises(ValueError, match="dropout=0.3.*no hidden layer"):
        loss_and_gradients(coefs, intercepts, X, Y, dropout=0.3)
    loss_and_gradients(coefs, intercepts, X, Y, dropout=0.0)

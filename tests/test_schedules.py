"""Step-size schedules (``learning_rate``) for sgd and adam, and their record.

The oracles: the schedules' formulas evaluated here, and whole runs of
full-batch sgd and Adam written out by hand on ``loss_and_gradients``'s
gradient (one step per epoch), so that the η of every epoch shows in the
weights.  MLPClassifier's own sgd schedules are tested in test_parity.py.
"""

import importlib.util
import math
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from skbp import BackpropClassifier, BackpropRegressor, loss_and_gradients
from skbp._array_api import to_numpy
from skbp._init import initial_params
from skbp._network import pack, unpack
from skbp._schedules import Adaptive, Constant, Cosine, InvScaling, make_schedule

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_REG, _y = make_regression(n_samples=60, n_features=4, noise=1.0, random_state=0)
Y_REG = _y / np.std(_y)
X_CLF, Y_CLF = make_classification(
    n_samples=60, n_features=4, n_informative=3, n_redundant=0, random_state=0
)
NAMESPACES = ["array_api_strict"] + (
    ["torch"] if importlib.util.find_spec("torch") is not None else []
)


def cosine(eta0, k, max_iter):
    return eta0 * 0.5 * (1 + math.cos(math.pi * k / max_iter))


def make(kind, **params):
    cls = BackpropClassifier if kind == "classifier" else BackpropRegressor
    defaults = dict(hidden_layer_sizes=(5,), random_state=0, max_iter=6)
    return cls(**{**defaults, **params})


def run_all_epochs(**params):
    """Settings under which fit runs every one of ``max_iter`` epochs."""
    return dict(tol=0.0, n_iter_no_change=10**6, **params)


# --------------------------------------------------- the schedule objects


@pytest.mark.parametrize("max_iter", [1, 4, 7])
def test_cosine_schedule_follows_its_formula(max_iter):
    schedule = Cosine(0.3, max_iter)
    for k in range(2 * max_iter + 1):
        assert schedule.eta == pytest.approx(cosine(0.3, k, max_iter), abs=1e-15)
        schedule.epoch_ends(samples_seen=None)
    assert Cosine(0.3, max_iter).stalled() is True  # a stall stops training


def test_invscaling_and_adaptive_follow_mlp_rules():
    inv = InvScaling(0.5, power_t=0.25)
    inv.epoch_ends(samples_seen=80)
    assert inv.eta == 0.5 / 81**0.25
    adaptive = Adaptive(0.01)
    etas = []
    while not adaptive.stalled():
        etas.append(adaptive.eta)
    assert etas == pytest.approx([0.01 / 5**k for k in range(1, 7)])
    assert adaptive.eta == etas[-1] <= 1e-6 < etas[-2]
    constant = Constant(0.2)
    constant.epoch_ends(samples_seen=10)
    assert (constant.eta, constant.stalled()) == (0.2, True)


@pytest.mark.parametrize("name", ["constant", "invscaling", "adaptive", "cosine"])
def test_resume_continues_where_the_previous_schedule_stood(name):
    old = make_schedule(name, 0.1, power_t=0.5, max_iter=5)
    for _ in range(3):
        old.epoch_ends(samples_seen=30)
    old.stalled()
    new = make_schedule(name, 0.1, power_t=0.5, max_iter=5)
    new.resume(old)
    assert new.eta == old.eta
    new.epoch_ends(samples_seen=40)
    old.epoch_ends(samples_seen=40)
    assert new.eta == old.eta


# ------------------------------------------------------ learning_rate_curve_


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_cosine_reaches_its_formula_at_every_epoch(kind, solver):
    X, y = (X_CLF, Y_CLF) if kind == "classifier" else (X_REG, Y_REG)
    model = make(
        kind, **run_all_epochs(solver=solver, learning_rate="cosine", max_iter=9)
    )
    model.fit(X, y)
    assert model.n_iter_ == 9 == len(model.learning_rate_curve_)
    want = [cosine(model.learning_rate_init, k, 9) for k in range(9)]
    assert_allclose(model.learning_rate_curve_, want, rtol=1e-15)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_constant_records_eta0_every_epoch_and_lbfgs_records_none(solver):
    model = make("regressor", solver=solver, learning_rate_init=0.02).fit(X_REG, Y_REG)
    assert model.learning_rate_curve_ == [0.02] * model.n_iter_
    assert len(model.learning_rate_curve_) == len(model.loss_curve_)
    lbfgs = make("regressor", solver="lbfgs").fit(X_REG, Y_REG)
    assert lbfgs.learning_rate_curve_ is None


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_continues_the_cosine_and_warm_fit_restarts_it(solver):
    model = make("regressor", solver=solver, learning_rate="cosine", max_iter=4)
    for _ in range(6):  # beyond the horizon: the closed form rises again
        model.partial_fit(X_REG, Y_REG)
    want = [cosine(model.learning_rate_init, k, 4) for k in range(6)]
    assert_allclose(model.learning_rate_curve_, want, rtol=1e-15)
    warm = make(
        "regressor",
        **run_all_epochs(
            solver=solver, learning_rate="cosine", max_iter=3, warm_start=True
        ),
    )
    warm.fit(X_REG, Y_REG).fit(X_REG, Y_REG)
    once = [cosine(warm.learning_rate_init, k, 3) for k in range(3)]
    assert_allclose(warm.learning_rate_curve_, once + once, rtol=1e-15)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_continues_invscaling(solver):
    model = make("regressor", solver=solver, learning_rate="invscaling", power_t=0.5)
    for _ in range(3):
        model.partial_fit(X_REG, Y_REG)
    eta0 = model.learning_rate_init
    want = [eta0, eta0 / 61**0.5, eta0 / 121**0.5]
    assert_allclose(model.learning_rate_curve_, want, rtol=1e-15)


# -------------------------------------- whole runs against a hand computation


def hand_run(solver, etas, X, y, alpha, units, theta, beta=(0.9, 0.999), eps=1e-8):
    """Full-batch sgd (no momentum) or Adam, epoch k with step size etas[k]."""
    m = v = np.zeros_like(theta)
    for t, eta in enumerate(etas, start=1):
        coefs, intercepts = unpack(theta, units)
        _, gW, gb = loss_and_gradients(
            coefs,
            intercepts,
            X,
            y[:, None],
            activation="logistic",
            out_activation="identity",
            loss="squared_error",
            alpha=alpha,
        )
        g = pack(gW, gb)
        if solver == "sgd":
            theta = theta - eta * g
            continue
        m = beta[0] * m + (1 - beta[0]) * g
        v = beta[1] * v + (1 - beta[1]) * g**2
        step = eta * math.sqrt(1 - beta[1] ** t) / (1 - beta[0] ** t)
        theta = theta - step * m / (np.sqrt(v) + eps)
    return theta


def expected_etas(schedule, eta0, n, max_iter):
    """η of epochs 1..max_iter: n samples an epoch; 'adaptive' with
    n_iter_no_change=1 and every epoch after the first stalling (huge tol)
    divides η by 5 after epochs 3 and 5 (the count must pass 1)."""
    if schedule == "constant":
        return [eta0] * max_iter
    if schedule == "invscaling":
        return [eta0] + [eta0 / (k * n + 1) ** 0.5 for k in range(1, max_iter)]
    if schedule == "adaptive":
        return [eta0] * 3 + [eta0 / 5] * 2 + [eta0 / 25]
    return [cosine(eta0, k, max_iter) for k in range(max_iter)]


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive", "cosine"])
def test_first_epochs_equal_a_hand_computation(solver, schedule):
    n, max_iter, eta0, alpha = X_REG.shape[0], 6, 0.05, 0.01
    model = BackpropRegressor(
        hidden_layer_sizes=(5,),
        solver=solver,
        learning_rate=schedule,
        learning_rate_init=eta0,
        momentum=0.0,
        alpha=alpha,
        batch_size=n,
        shuffle=False,
        max_iter=max_iter,
        tol=1e9 if schedule == "adaptive" else 0.0,
        n_iter_no_change=1 if schedule == "adaptive" else 10**6,
        random_state=0,
    ).fit(X_REG, Y_REG)
    etas = expected_etas(schedule, eta0, n, max_iter)
    assert model.n_iter_ == max_iter
    assert_allclose(model.learning_rate_curve_, etas, rtol=1e-15)
    units = [4, 5, 1]
    theta0 = initial_params(units, "logistic", np.random.RandomState(0), np.float64)
    want = hand_run(solver, etas, X_REG, Y_REG, alpha, units, theta0)
    assert_allclose(pack(model.coefs_, model.intercepts_), want, rtol=1e-10)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_adaptive_stops_once_eta_is_at_most_1e_6(solver):
    # Every epoch after the first stalls (huge tol, n_iter_no_change=1): η is
    # divided by 5 at every other epoch (MLPClassifier's sgd rule, kept for
    # adam) and the stall at η = 0.01 / 5⁶ ≤ 1e-6 ends training, silently.
    model = make(
        "regressor",
        solver=solver,
        learning_rate="adaptive",
        learning_rate_init=0.01,
        tol=1e9,
        n_iter_no_change=1,
        max_iter=1000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_REG, Y_REG)
    want = [0.01] * 3 + [0.01 / 5**j for j in range(1, 7) for _ in range(2)]
    assert_allclose(model.learning_rate_curve_, want, rtol=1e-15)
    assert model.n_iter_ == len(want) == 15


def test_adam_schedules_differ_from_constant():
    # MLPClassifier ignores learning_rate for adam; here it changes the fit.
    fits = {}
    for schedule in ["constant", "invscaling", "cosine"]:
        model = make("regressor", learning_rate=schedule).fit(X_REG, Y_REG)
        fits[schedule] = pack(model.coefs_, model.intercepts_)
    assert not np.allclose(fits["constant"], fits["invscaling"])
    assert not np.allclose(fits["constant"], fits["cosine"])


def test_cosine_is_a_valid_learning_rate_and_others_are_not():
    make("regressor", learning_rate="cosine").fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="'learning_rate'.*'cosine'"):
        make("regressor", learning_rate="step").fit(X_REG, Y_REG)


# ------------------------------------------------------------ array-API engine


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("schedule", ["invscaling", "adaptive", "cosine"])
def test_schedules_give_the_same_fit_in_every_namespace(schedule, solver, name):
    xp = importlib.import_module(name)
    device = "cpu" if name == "torch" else xp.Device()
    params = run_all_epochs(
        solver=solver, learning_rate=schedule, batch_size=16, max_iter=5
    )
    if schedule == "adaptive":
        params.update(tol=1e9, n_iter_no_change=1)
    ref = make("regressor", **params).fit(X_REG, Y_REG)
    with sklearn.config_context(array_api_dispatch=True):
        Xp, yp = (xp.asarray(a, device=device) for a in (X_REG, Y_REG))
        est = make("regressor", **params).fit(Xp, yp)
        got = [to_numpy(a) for a in est.coefs_ + est.intercepts_]
    for a, b in zip(got, ref.coefs_ + ref.intercepts_):
        assert_allclose(a, b, atol=1e-8, rtol=0)
    assert est.learning_rate_curve_ == pytest.approx(ref.learning_rate_curve_, 1e-15)

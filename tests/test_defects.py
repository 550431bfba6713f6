"""Defects users hit (issue 13), one test or more each; every one failed before."""

import gc
import tracemalloc
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier, gradient_check
from skbp._network import pack

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def problem(n=200, n_classes=3, seed=0):
    return make_classification(
        n_samples=n,
        n_features=8,
        n_informative=5,
        n_classes=n_classes,
        random_state=seed,
    )


def params_of(model):
    return pack(model.coefs_, model.intercepts_)


# 1. Nothing of a fit's scratch outlives it, even with the cyclic collector off.


@quiet
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_fit_leaves_no_scratch_behind_without_the_garbage_collector(solver):
    rng = np.random.RandomState(0)
    X = rng.randn(4000, 20)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    model = BackpropClassifier(
        hidden_layer_sizes=(200,), solver=solver, max_iter=3, batch_size=4000
    )
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        model.fit(X, y)
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        gc.enable()
    # The model: 20·200 + 200·3 weights (+ optimizer state), well under 1 MB;
    # one fit's activations alone are 4000 × 203 floats, 6.5 MB.
    assert held < 1_000_000, f"{held / 1e6:.1f} MB still held after fit"


# 2. NumPy scalars are parameters like any other.


@quiet
def test_numpy_scalar_parameters_are_accepted():
    X, y = problem(n=60)
    model = BackpropClassifier(
        solver=np.str_("sgd"),
        activation=np.str_("tanh"),
        shuffle=np.bool_(False),
        n_iter_no_change=np.float64(np.inf),
        max_iter=np.int64(3),
        hidden_layer_sizes=np.array([5]),
        early_stopping=np.bool_(False),
        alpha=np.float32(1e-4),
    ).fit(X, y)
    assert model.n_iter_ == 3


@quiet
def test_grid_search_over_a_numpy_array_of_options():
    X, y = problem(n=90)
    grid = {"activation": np.array(["relu", "tanh"])}
    search = GridSearchCV(BackpropClassifier(max_iter=5), grid, cv=2).fit(X, y)
    assert search.best_params_["activation"] in ("relu", "tanh")


# 3. Hand-set integer weights predict in floating point.


@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_integer_weights_predict_in_floating_point(activation):
    X = np.array([[0.4, 0.2], [0.2, 0.9], [-0.3, 0.1], [0.0, 0.0]] * 5)
    y = np.array([0, 1, 0, 1] * 5)
    model = BackpropClassifier(
        hidden_layer_sizes=(2,), activation=activation, max_iter=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.coefs_ = [np.array([[1, 0], [0, 1]]), np.array([[-1], [1]])]
    model.intercepts_ = [np.array([0, 0]), np.array([0])]
    floats = BackpropClassifier(hidden_layer_sizes=(2,), activation=activation)
    floats.__dict__.update(model.__dict__)
    floats.coefs_ = [c.astype(float) for c in model.coefs_]
    floats.intercepts_ = [b.astype(float) for b in model.intercepts_]
    assert_array_equal(model.predict(X), floats.predict(X))
    assert_allclose(model.predict_proba(X), floats.predict_proba(X))
    assert model.predict_proba(X).dtype == np.float64


# 4. A warm start after set_params(loss=...) trains the new cost and its output.


@quiet
def test_warm_start_after_changing_the_loss_uses_the_new_output():
    X, y = problem(n_classes=3)
    model = BackpropClassifier(warm_start=True, max_iter=3, random_state=0).fit(X, y)
    assert model.out_activation_ == "logistic"
    start = [c.copy() for c in model.coefs_]
    model.set_params(loss="log_loss").fit(X, y)
    assert model.out_activation_ == "softmax"
    # The same network continued (not a fresh start) under the new cost ...
    fresh = BackpropClassifier(loss="log_loss", max_iter=3, random_state=0).fit(X, y)
    assert not np.allclose(model.coefs_[0], fresh.coefs_[0])
    assert not np.allclose(model.coefs_[0], start[0])
    # ... whose loss is softmax cross-entropy: the reported loss is that cost.
    from skbp import loss_and_gradients

    Y = np.eye(3)[y]
    loss, _, _ = loss_and_gradients(
        model.coefs_,
        model.intercepts_,
        X,
        Y,
        out_activation="softmax",
        loss="log_loss",
        alpha=model.alpha,
    )
    assert abs(loss - model.loss_) < 0.2


# 5. A warm fit restarts the step-size schedule at learning_rate_init.


@quiet
@pytest.mark.parametrize("schedule", ["invscaling", "adaptive"])
def test_warm_start_restarts_the_learning_rate_schedule(schedule):
    X, y = problem()
    model = BackpropClassifier(
        solver="sgd",
        learning_rate=schedule,
        learning_rate_init=0.01,
        warm_start=True,
        max_iter=30,
        n_iter_no_change=1,
        tol=10.0,  # every epoch stalls: 'adaptive' shrinks η each time
        random_state=0,
    ).fit(X, y)
    assert model._optimizer.learning_rate < 0.01
    model.set_params(learning_rate="constant", max_iter=1).fit(X, y)
    assert model._optimizer.learning_rate == 0.01


@quiet
def test_warm_start_keeps_momentum_while_restarting_the_rate():
    X, y = problem()
    kw = dict(solver="sgd", learning_rate="invscaling", shuffle=False, random_state=0)
    model = BackpropClassifier(warm_start=True, max_iter=2, **kw).fit(X, y)
    velocity = model._optimizer.velocity.copy()
    assert np.any(velocity != 0)
    model.set_params(max_iter=1)
    model.fit(X, y)
    assert model._optimizer.learning_rate < 0.01  # invscaling, from η₀ again
    mlp_like = 0.01 / (model.t_ + 1) ** 0.5
    assert_allclose(model._optimizer.learning_rate, mlp_like)


# 6. Ctrl-C during lbfgs keeps the best point, warns and leaves a fitted model.


def test_keyboard_interrupt_during_lbfgs_keeps_the_best_point(monkeypatch):
    from skbp import _training

    X, y = problem()
    calls, backprop = [], _training.backprop

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 15:
            raise KeyboardInterrupt
        return backprop(*args, **kwargs)

    monkeypatch.setattr(_training, "backprop", interrupted)
    with pytest.warns(UserWarning, match="interrupted by user"):
        model = BackpropClassifier(solver="lbfgs", random_state=0).fit(X, y)
    monkeypatch.undo()
    untrained = BackpropClassifier(solver="lbfgs", random_state=0, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        untrained.fit(X, y)
    assert model.score(X, y) > 0.6
    assert model.n_iter_ == len(model.loss_curve_) >= 1
    assert model.loss_ == min(model.loss_curve_) == model.best_loss_
    assert model.loss_ < untrained.loss_curve_[0]


# 7. partial_fit refuses a changed architecture, as fit's warm start does.


def test_partial_fit_refuses_changed_hidden_layer_sizes():
    X, y = problem()
    model = BackpropClassifier(hidden_layer_sizes=(10,))
    model.partial_fit(X, y, classes=[0, 1, 2])
    before = params_of(model)
    model.set_params(hidden_layer_sizes=(20,))
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        model.partial_fit(X, y)
    assert_array_equal(params_of(model), before)


# 8. One weighting rule for both validation paths: sample weights only.


@quiet
def test_validation_scores_use_sample_weights_not_class_weights():
    X, y = problem(n=300)
    sw = np.random.RandomState(1).uniform(0.5, 2, len(y))
    kw = dict(max_iter=3, random_state=0, class_weight={0: 5.0, 1: 1.0, 2: 0.2})
    ours = BackpropClassifier(**kw).fit(
        X[:240], y[:240], sample_weight=sw[:240], X_val=X[240:], y_val=y[240:]
    )
    # X_val without sample_weight_val: an unweighted accuracy.
    from sklearn.metrics import accuracy_score

    pred = ours.predict(X[240:])
    assert_allclose(ours.validation_scores_[-1], accuracy_score(y[240:], pred))
    # The internal split: the held-out rows' sample weights, no class weights.
    from skbp import _base, _training

    held_out = []

    def recording(*args, **kwargs):
        train, val = _training.holdout(*args, **kwargs)
        held_out.append(val)
        return train, val

    split = BackpropClassifier(early_stopping=True, n_iter_no_change=100, **kw)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_base, "holdout", recording)
        split.fit(X, y, sample_weight=sw)
    X_v, y_v, _, sw_v = held_out[0]
    # The restored best weights score best_validation_score_ on that split.
    assert_allclose(
        split.best_validation_score_,
        accuracy_score(y_v, split.predict(X_v), sample_weight=sw_v),
    )
    rows = [np.flatnonzero((X == row).all(axis=1))[0] for row in X_v]
    assert_array_equal(sw_v, sw[rows])  # raw sample weights, no class weights


# 9. sample_weight_val without X_val is an error.


def test_sample_weight_val_without_x_val_is_an_error():
    X, y = problem()
    with pytest.raises(ValueError, match="sample_weight_val"):
        BackpropClassifier(max_iter=2).fit(X, y, sample_weight_val=np.ones(3))
    assert not hasattr(BackpropClassifier(), "coefs_")


# 10. lbfgs: one validation score per recorded loss, on warm fits too.


@quiet
def test_lbfgs_validation_scores_line_up_with_the_loss_curve():
    X, y = problem(n=300)
    model = BackpropClassifier(solver="lbfgs", max_iter=10, warm_start=True)
    model.fit(X[:240], y[:240], X_val=X[240:], y_val=y[240:])
    assert len(model.validation_scores_) == len(model.loss_curve_) == model.n_iter_
    assert len(model.validation_loss_curve_) == len(model.loss_curve_)
    assert model.best_validation_score_ == max(model.validation_scores_)
    first = model.n_iter_
    model.fit(X[:240], y[:240], X_val=X[240:], y_val=y[240:])
    assert len(model.loss_curve_) == first + model.n_iter_
    assert len(model.validation_scores_) == len(model.loss_curve_)


# 11. gradient_check means something in float32: it works in float64.


def test_gradient_check_in_float32_is_as_tight_as_float64():
    rng = np.random.RandomState(0)
    coefs = [rng.randn(3, 4).astype(np.float32), rng.randn(4, 2).astype(np.float32)]
    intercepts = [rng.randn(4).astype(np.float32), rng.randn(2).astype(np.float32)]
    X = rng.randn(5, 3).astype(np.float32)
    Y = np.eye(2, dtype=np.float32)[rng.randint(2, size=5)]
    assert gradient_check(coefs, intercepts, X, Y, alpha=0.1) < 1e-7


# 12. partial_fit takes classes and sample_weight by keyword only.


def test_partial_fit_refuses_positional_weights():
    X, y = problem()
    with pytest.raises(TypeError, match="positional"):
        BackpropClassifier().partial_fit(X, y, np.ones(len(y)))
    model = BackpropClassifier(random_state=0)
    model.partial_fit(X, y, sample_weight=np.ones(len(y)), classes=[0, 1, 2])


# 13. lbfgs with the quadratic cost: no silent stop on a small gradient.


def test_lbfgs_quadratic_cost_does_not_stop_early_in_silence():
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = BackpropClassifier(solver="lbfgs", random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X[:1200], y[:1200])
    warned = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert warned or model.score(X[1200:], y[1200:]) > 0.95, model.n_iter_
    if warned:
        assert "tol" in str(warned[0].message)


# 14. Messages about validation data name X_val and y_val.


def test_validation_data_errors_name_x_val_and_y_val():
    X, y = problem()
    model = BackpropClassifier(max_iter=2)
    with pytest.raises(ValueError, match="y_val") as info:
        model.fit(X, y, X_val=X[:5], y_val=np.array([0, 1, 2, 9, 0]))
    assert "partial_fit" not in str(info.value)
    with pytest.raises(ValueError, match="X_val has 3 features"):
        model.fit(X, y, X_val=X[:5, :3], y_val=y[:5])


# MLPClassifier's own estimator still learns this problem (sanity of fixtures).


@quiet
def test_problem_is_learnable():
    X, y = problem()
    assert MLPClassifier(max_iter=50, random_state=0).fit(X, y).score(X, y) > 0.6

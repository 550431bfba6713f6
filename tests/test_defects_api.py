"""Issue 16, defects 6, 7, 10, 11 (the README guard) and 12 (divergence):
warnings, infinite hyperparameters, callbacks' snapshots, messages.

Every test here failed before its fix (the README example's own test is in
tests/test_readme.py).
"""

import copy
import numbers
import pickle
import re
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skbp
from skbp import (
    BackpropClassifier,
    BackpropRegressor,
    InvalidParameterError,
    loss_and_gradients,
)

ESTIMATORS = [BackpropClassifier, BackpropRegressor]
SOLVERS = ["sgd", "adam", "lbfgs"]
EPOCH_TASKS = ("epoch", "lbfgs-iter")
#: What a snapshot shares with the model in training: the callbacks' machinery.
MACHINERY = (
    "_skl_callbacks",
    "_callback_fit_ctx",
    "_skl_callbacks_to_teardown",
    "_parent_callback_ctx",
)
IMMUTABLE = (str, bytes, numbers.Number, tuple, frozenset, type(None), np.dtype)
quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def data_for(Est, n=60, seed=0):
    if Est is BackpropClassifier:
        X, y = make_classification(
            n_samples=n,
            n_features=4,
            n_informative=3,
            n_redundant=0,
            n_classes=3,
            random_state=seed,
        )
    else:
        X, y = make_regression(n_samples=n, n_features=4, noise=1.0, random_state=seed)
        y = y / np.std(y)
    return StandardScaler().fit_transform(X), y


# ------------------------------------------- 6. warnings point at the user


def _fit_as(how, Est, X, y):
    """A call that warns twice inside skbp: batch_size > rows, and (for the
    fits) max_iter reached."""
    model = Est(hidden_layer_sizes=(3,), max_iter=2, batch_size=500, random_state=0)
    if how == "fit":
        model.fit(X, y)
    elif how == "partial_fit":
        kwargs = {"classes": np.unique(y)} if Est is BackpropClassifier else {}
        model.partial_fit(X, y, **kwargs)
    elif how == "pipeline":
        make_pipeline(StandardScaler(), model).fit(X, y)
    else:  # the fits of a search run through joblib, then the refit
        GridSearchCV(model, {"alpha": [1e-4]}, cv=2).fit(X, y)


@pytest.mark.parametrize("how", ["fit", "partial_fit", "pipeline", "grid_search"])
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warnings_point_at_the_callers_line(Est, how):
    X, y = data_for(Est)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit_as(how, Est, X, y)
    expected = {UserWarning} | ({ConvergenceWarning} if how != "partial_fit" else set())
    assert {w.category for w in caught} == expected, [str(w.message) for w in caught]
    assert [w.filename for w in caught] == [__file__] * len(caught)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_module_filters_see_the_callers_module(Est):
    # filterwarnings(module=...) matches the module the warning is attributed to
    X, y = data_for(Est)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.filterwarnings(
            "error", category=ConvergenceWarning, module=re.escape(__name__) + "$"
        )
        with pytest.raises(ConvergenceWarning, match="max_iter=2"):
            Est(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X, y)


# --------------------------------------- 7. no infinite hyperparameters


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.float32(np.inf)])
@pytest.mark.parametrize(
    "name", ["alpha", "tol", "epsilon", "power_t", "learning_rate_init"]
)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_infinite_float_parameters_are_rejected(Est, name, value):
    X, y = data_for(Est)
    model = Est(**{name: value})
    message = rf"The '{name}' parameter of {Est.__name__} must be a float in .*inf\)"
    with pytest.raises(InvalidParameterError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize("value", [np.inf, np.float64(np.inf)])
def test_n_iter_no_change_inf_keeps_its_meaning(value):
    # as in MLPClassifier: never stop for want of progress
    X, y = data_for(BackpropClassifier)
    with pytest.warns(ConvergenceWarning, match="max_iter=5"):
        model = BackpropClassifier(n_iter_no_change=value, max_iter=5, tol=1e3)
        model.fit(X, y)
    assert model.n_iter_ == 5


@pytest.mark.parametrize("value", [np.inf, np.nan])
def test_loss_and_gradients_rejects_a_non_finite_alpha(value):
    X, y = data_for(BackpropRegressor)
    coefs = [np.ones((4, 2)), np.ones((2, 1))]
    intercepts = [np.zeros(2), np.zeros(1)]
    with pytest.raises(InvalidParameterError, match=r"'alpha'.*in \[0, inf\); got"):
        loss_and_gradients(coefs, intercepts, X, y[:, None], alpha=value)


def test_an_int_of_any_size_is_checked_as_an_int():
    # max_iter=10**30 is a valid int (MLP takes it); checking it must not
    # send it through a float conversion (np.isnan raised TypeError)
    X, y = data_for(BackpropClassifier)
    model = BackpropClassifier(max_iter=10**30, tol=1e3, n_iter_no_change=1)
    # epoch 1 improves on inf; epochs 2 and 3 do not: stopped by tol
    assert model.fit(X, y).n_iter_ == 3


# ------------------------------------- 10. callbacks get true snapshots


class Keeper:
    """Keeps each epoch task's (hook, estimator in training, snapshot) and,
    at each hook, a deep copy of the snapshot's state made right then."""

    def __init__(self):
        self.seen = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def _keep(self, hook, estimator, context, fitted_estimator):
        if context.task_name in EPOCH_TASKS:
            state = None if fitted_estimator is None else _state(fitted_estimator)
            self.seen.append((hook, estimator, fitted_estimator, state))

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self._keep("begin", estimator, context, fitted_estimator)

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self._keep("end", estimator, context, fitted_estimator)
        return False

    def snapshots(self, hook):
        return [(fe, state) for h, _, fe, state in self.seen if h == hook and fe]


def _state(model):
    """A deep copy of a model's attributes, callbacks' machinery left out."""
    return {k: copy.deepcopy(v) for k, v in vars(model).items() if k not in MACHINERY}


def assert_same_state(a, b):
    """Two attribute dicts hold equal values (arrays, lists, optimizers...)."""
    assert a.keys() == b.keys()
    for name in a:
        x, y = a[name], b[name]
        if isinstance(x, np.random.RandomState):
            x, y = x.get_state()[1], y.get_state()[1]
        elif hasattr(x, "__dict__"):  # an optimizer
            x, y = vars(x), vars(y)
        if isinstance(x, dict):
            assert_same_state(x, y)
        elif isinstance(x, list) and x and isinstance(x[0], np.ndarray):
            for p, q in zip(x, y, strict=True):
                assert_array_equal(p, q, err_msg=name)
        else:
            assert_array_equal(x, y, err_msg=name)


def _arrays(value):
    """The NumPy arrays inside an attribute (lists, optimizers)."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays(v)
    elif type(value).__module__.startswith(("skbp", "sklearn")):
        for v in vars(value).values():  # an optimizer, a label binarizer
            yield from _arrays(v)


def assert_shares_nothing(snapshot, live):
    """No mutable attribute of ``snapshot`` is, or views, one of ``live``'s."""
    live_arrays = [
        a for k, v in vars(live).items() if k not in MACHINERY for a in _arrays(v)
    ]
    for name, value in vars(snapshot).items():
        if name in MACHINERY or isinstance(value, IMMUTABLE):
            continue
        assert value is not getattr(live, name, None), name
        for array in _arrays(value):
            assert not any(np.shares_memory(array, a) for a in live_arrays), name


@quiet
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_epoch_begin_hooks_get_the_model_as_it_stands(Est, solver):
    X, y = data_for(Est)
    keeper = Keeper()
    model = Est(hidden_layer_sizes=(5,), solver=solver, max_iter=6, random_state=0)
    model.set_callbacks(keeper).fit(X, y)
    begins, ends = keeper.snapshots("begin"), keeper.snapshots("end")
    # every epoch task begins with a fitted_estimator (as LogisticRegression's)
    assert len(begins) == sum(1 for h, *_ in keeper.seen if h == "begin")
    assert len(ends) == model.n_iter_ > 1
    # epoch 1 begins from the initial weights, epoch k+1 where epoch k ended
    assert [fe.n_iter_ for fe, _ in begins[: len(ends)]] == list(range(len(ends)))
    for (_, before), (_, after) in zip(begins[1:], ends):
        assert_same_state(before, after)
    # the first one predicts with the initial weights: a model that never trained
    first = begins[0][0]
    assert first.loss_curve_ == [] and first.t_ == 0
    assert not np.allclose(first.coefs_[0], model.coefs_[0])


def _refit_twice(Est, solver, **params):
    X, y = data_for(Est)
    keeper = Keeper()
    model = Est(
        hidden_layer_sizes=(5,), solver=solver, max_iter=6, random_state=0, **params
    ).set_callbacks(keeper)
    model.fit(X, y)
    keeper.seen.clear()
    model.set_params(random_state=1).fit(X, y)  # the second fit is watched
    return model, keeper, X


@quiet
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_snapshots_hold_this_epochs_attributes(Est, solver):
    model, keeper, X = _refit_twice(Est, solver)
    ends = keeper.snapshots("end")
    assert len(ends) == model.n_iter_
    stochastic = solver != "lbfgs"
    for k, (_fe, state) in enumerate(ends, start=1):
        assert state["n_iter_"] == k
        assert state["loss_curve_"] == model.loss_curve_[:k]  # not the last fit's
        assert state["loss_"] == model.loss_curve_[k - 1]
        if stochastic:
            assert state["t_"] == k * X.shape[0]
            assert state["_optimizer"] is not None
    # the last epoch's snapshot is the fitted model, attribute for attribute
    assert_same_state(ends[-1][1], _state(model))


@quiet
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_snapshots_share_no_mutable_state(Est, solver):
    _, keeper, _ = _refit_twice(Est, solver)
    for _hook, live, fe, state in keeper.seen:
        if fe is None:
            continue
        assert_shares_nothing(fe, live)
        assert_same_state(_state(fe), state)  # training did not touch it later


@quiet
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_snapshots_of_warm_starts_and_early_stopping(Est, solver):
    X, y = data_for(Est, n=120)
    keeper = Keeper()
    model = Est(
        hidden_layer_sizes=(5,),
        solver=solver,
        max_iter=4,
        random_state=0,
        warm_start=True,
        early_stopping=True,
        n_iter_no_change=100,
    )
    model.fit(X, y)
    before_curve, before_t = list(model.loss_curve_), model.t_
    model.set_callbacks(keeper).fit(X, y)
    ends = keeper.snapshots("end")
    assert len(ends) == 4
    n_train = before_t // 4
    for k, (_fe, state) in enumerate(ends, start=1):
        assert state["loss_curve_"] == before_curve + model.loss_curve_[4 : 4 + k]
        assert state["t_"] == before_t + k * n_train
        assert len(state["validation_scores_"]) == 4 + k
        assert state["best_loss_"] is None


# ---------------------------------------- 11. README's callbacks claims


@quiet
def test_scoring_monitor_on_a_pipeline_logs_nothing_of_the_network():
    # README: only auto-propagated callbacks reach the network through a
    # Pipeline; a ScoringMonitor must be set on the network itself
    callback = pytest.importorskip("sklearn.callback")
    X, y = data_for(BackpropClassifier)
    monitor = callback.ScoringMonitor(scoring="accuracy")
    net = BackpropClassifier(hidden_layer_sizes=(3,), max_iter=3)
    make_pipeline(StandardScaler(), net).set_callbacks(monitor).fit(X, y)
    with pytest.raises(ValueError, match="No logs"):
        monitor.get_logs()


# --------------------------------------- 12. divergence says what to do


def _diverge(Est, X, y, **params):
    with pytest.raises(skbp.DivergenceError) as info:
        Est(hidden_layer_sizes=(3,), max_iter=20, **params).fit(X, y)
    return str(info.value)


@pytest.mark.parametrize("solver", SOLVERS)
def test_divergence_from_huge_targets_names_y_and_transformed_target(solver):
    X, y = data_for(BackpropRegressor)
    message = _diverge(BackpropRegressor, X, 1e200 * y, solver=solver)
    assert "y (e.g. TransformedTargetRegressor(" in message
    assert "StandardScaler" in message and "alpha (now 0.0001)" in message


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_divergence_from_a_huge_alpha_names_alpha(solver):
    X, y = data_for(BackpropRegressor)
    message = _diverge(BackpropRegressor, X, y, solver=solver, alpha=1e300)
    assert "alpha (now 1e+300)" in message
    assert "lower it if it is huge" in message or "Lower" in message


def test_classifier_divergence_does_not_ask_to_scale_y():
    X, y = data_for(BackpropClassifier)
    message = _diverge(BackpropClassifier, X, y, solver="sgd", learning_rate_init=1e300)
    assert "Lower learning_rate_init (now 1e+300)" in message
    assert "scale X" in message and "TransformedTargetRegressor" not in message


def test_divergence_error_is_public():
    assert "DivergenceError" in skbp.__all__
    assert issubclass(skbp.DivergenceError, ValueError)
    X, y = data_for(BackpropRegressor)
    model = BackpropRegressor(solver="sgd")
    with pytest.raises(skbp.DivergenceError):
        model.fit(X, 1e200 * y)
    assert not hasattr(model, "coefs_")  # rolled back, as documented


# Review of issue 16's fixes: the last messages and warnings that pointed the
# wrong way.


def test_column_vector_y_warning_points_at_the_users_line():
    X, y = make_regression(n_samples=30, n_features=3, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        BackpropRegressor(max_iter=2).fit(X, y[:, None])
    conversions = [w for w in caught if issubclass(w.category, DataConversionWarning)]
    assert conversions
    assert all(w.filename == __file__ for w in conversions)


def test_divergence_error_is_shown_under_its_public_name():
    assert skbp.DivergenceError.__module__ == "skbp"
    error = pickle.loads(pickle.dumps(skbp.DivergenceError("x")))
    assert type(error) is skbp.DivergenceError


@pytest.mark.parametrize("classes", [[0], [np.int64(0)], np.array([0])])
def test_one_class_message_shows_plain_values(classes):
    X = np.random.RandomState(0).randn(20, 2)
    with pytest.raises(ValueError, match=r"classes has only one class \(0\)"):
        BackpropClassifier().partial_fit(X, np.arange(20) % 2, classes=classes)

"""What validation is judged by (``scoring``): early stopping, the best weights
kept, ``validation_scores_`` and ``best_validation_score_``.

Oracles: the validation loss the loop records anyway (a scorer computing the
same quantity from ``predict`` must agree epoch by epoch, which shows that it
sees the weights of that epoch), scikit-learn's scorers applied to the fitted
model afterwards, and NumPy's fit for the array-API engine.
"""

import importlib.util
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer, make_scorer, mean_absolute_error, r2_score

from skbp import (
    BackpropClassifier,
    BackpropRegressor,
    InvalidParameterError,
    loss_and_gradients,
)
from skbp._array_api import to_numpy

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NAMESPACES = ["array_api_strict"] + (
    ["torch"] if importlib.util.find_spec("torch") is not None else []
)
X_REG, _y = make_regression(n_samples=150, n_features=5, noise=5.0, random_state=0)
Y_REG = _y / np.std(_y)
X_CLF, Y_CLF = make_classification(
    n_samples=150, n_features=5, n_informative=3, n_classes=3, random_state=0
)
W = np.random.RandomState(0).uniform(0.2, 2.0, 150)


def make(kind, **params):
    cls = BackpropClassifier if kind == "classifier" else BackpropRegressor
    defaults = dict(hidden_layer_sizes=(6,), random_state=0, max_iter=15)
    return cls(**{**defaults, **params})


def half_squared_error(estimator, X, y):
    """−½ mean (ŷ − y)²: the negated validation data loss of the regressor."""
    return -0.5 * float(np.mean((estimator.predict(X) - y) ** 2))


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_a_scorer_sees_the_weights_of_each_epoch(solver):
    model = make("regressor", solver=solver, scoring=half_squared_error)
    model.fit(X_REG[:100], Y_REG[:100], X_val=X_REG[100:], y_val=Y_REG[100:])
    assert len(model.validation_scores_) == len(model.loss_curve_) > 3
    assert_allclose(model.validation_scores_, -np.array(model.validation_loss_curve_))
    assert model.best_validation_score_ == max(model.validation_scores_)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_loss_scoring_is_the_negated_validation_loss(kind):
    X, y = (X_CLF, Y_CLF) if kind == "classifier" else (X_REG, Y_REG)
    model = make(kind, scoring="loss", early_stopping=True, n_iter_no_change=3)
    model.fit(X, y, sample_weight=W)
    assert model.validation_scores_ == [-v for v in model.validation_loss_curve_]
    assert model.best_validation_score_ == max(model.validation_scores_)


@pytest.mark.parametrize("loss", ["squared_error", "huber", "quantile"])
def test_loss_scoring_leaves_the_l2_term_out(loss):
    # One epoch, so the weights scored are the fitted ones; a large alpha
    # makes the L2 term visible if it were counted.
    X_tr, y_tr, X_val, y_val = X_REG[:100], Y_REG[:100], X_REG[100:], Y_REG[100:]
    model = make("regressor", loss=loss, scoring="loss", alpha=5.0, max_iter=1)
    model.fit(X_tr, y_tr, X_val=X_val, y_val=y_val, sample_weight_val=W[100:])
    args = (model.coefs_, model.intercepts_, X_val, y_val[:, None])
    kw = dict(loss=loss, out_activation="identity", sample_weight=W[100:])
    data_loss = loss_and_gradients(*args, **kw)[0]
    with_l2 = loss_and_gradients(*args, alpha=5.0, **kw)[0]
    assert model.validation_scores_[0] == pytest.approx(-data_loss, rel=1e-12)
    assert with_l2 > data_loss * (1 + 1e-3)


def test_early_stopping_keeps_the_weights_best_by_the_scorer():
    # R² and MAE disagree about the best epoch here; each keeps its own best.
    X_tr, y_tr, X_val, y_val = X_REG[:100], Y_REG[:100], X_REG[100:], Y_REG[100:]
    params = dict(early_stopping=True, n_iter_no_change=4, tol=0.0, max_iter=40)
    for scoring in ["neg_mean_absolute_error", "loss", "r2", None]:
        model = make("regressor", scoring=scoring, **params)
        model.fit(X_tr, y_tr, X_val=X_val, y_val=y_val)
        scores = model.validation_scores_
        assert model.best_validation_score_ == max(scores)
        if scoring == "neg_mean_absolute_error":
            final = -mean_absolute_error(y_val, model.predict(X_val))
            assert final == pytest.approx(max(scores), rel=1e-12)
        if scoring == "loss":
            final = half_squared_error(model, X_val, y_val)
            assert final == pytest.approx(max(scores), rel=1e-12)


@pytest.mark.parametrize(
    "kind, scoring",
    [
        ("classifier", "neg_log_loss"),
        ("classifier", "balanced_accuracy"),
        ("classifier", "f1_macro"),
        ("regressor", "neg_mean_absolute_error"),
        ("regressor", "explained_variance"),
    ],
)
def test_named_scorers_score_the_weighted_validation_data(kind, scoring):
    X, y = (X_CLF, Y_CLF) if kind == "classifier" else (X_REG, Y_REG)
    model = make(kind, scoring=scoring, max_iter=6)
    model.fit(X[:100], y[:100], X_val=X[100:], y_val=y[100:], sample_weight_val=W[100:])
    want = get_scorer(scoring)(model, X[100:], y[100:], sample_weight=W[100:])
    assert model.validation_scores_[-1] == pytest.approx(want, rel=1e-12)


def test_a_callable_without_sample_weight_is_told_so():
    model = make("regressor", scoring=half_squared_error, max_iter=2)
    with pytest.warns(UserWarning, match="sample_weight.*unweighted"):
        model.fit(X_REG, Y_REG, X_val=X_REG, y_val=Y_REG, sample_weight_val=W)


def test_a_dataframe_fit_scores_without_feature_name_warnings():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(X_REG, columns=[f"f{i}" for i in range(5)])
    model = make("regressor", scoring="r2", early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, Y_REG)
    assert len(model.validation_scores_) == model.n_iter_


@pytest.mark.parametrize("scoring", ["accuracy_score", "nope", ["r2"], 3])
def test_an_unknown_scoring_fails_before_any_epoch_naming_scoring(scoring):
    model = make("regressor", scoring=scoring, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean error, nothing else
        with pytest.raises(InvalidParameterError, match="'scoring' parameter"):
            model.fit(X_REG, Y_REG)
    assert not hasattr(model, "coefs_")


@pytest.mark.parametrize(
    "scoring",
    [mean_absolute_error, r2_score, lambda estimator, X: 1.0],
    ids=["mean_absolute_error", "r2_score", "two-arguments"],
)
def test_a_callable_not_a_scorer_fails_before_any_epoch_naming_scoring(scoring):
    # A metric (y_true, y_pred) passed where a scorer belongs: said at once,
    # with the remedy, instead of a TypeError from inside its call.
    model = make("regressor", scoring=scoring, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidParameterError, match="'scoring'.*make_scorer"):
            model.fit(X_REG, Y_REG)
    assert not hasattr(model, "coefs_")


def test_a_scorer_requiring_sample_weight_is_a_scorer():
    def weighted_r2(estimator, X, y, sample_weight):
        return r2_score(y, estimator.predict(X), sample_weight=sample_weight)

    model = make("regressor", scoring=weighted_r2, max_iter=3)
    model.fit(X_REG[:100], Y_REG[:100], X_val=X_REG[100:], y_val=Y_REG[100:],
              sample_weight_val=W[100:])  # fmt: skip
    want = r2_score(Y_REG[100:], model.predict(X_REG[100:]), sample_weight=W[100:])
    assert model.validation_scores_[-1] == pytest.approx(want, rel=1e-12)


def test_a_metric_wrapped_by_make_scorer_is_the_named_scorer():
    params = dict(early_stopping=True, n_iter_no_change=3)
    wrapped = make_scorer(mean_absolute_error, greater_is_better=False)
    a = make("regressor", scoring=wrapped, **params).fit(X_REG, Y_REG)
    b = make("regressor", scoring="neg_mean_absolute_error", **params).fit(X_REG, Y_REG)
    assert a.validation_scores_ == b.validation_scores_


@pytest.mark.parametrize(
    "returned", ["abc", np.array([1.0, 2.0]), None], ids=["str", "array", "None"]
)
def test_a_scorer_returning_no_number_is_a_clear_error(returned):
    model = make("regressor", scoring=lambda estimator, X, y: returned)
    with pytest.raises(TypeError, match="scoring=.*returned.*one number"):
        model.fit(X_REG, Y_REG, X_val=X_REG, y_val=Y_REG)
    assert not hasattr(model, "coefs_")  # the first fit is rolled back


def test_scoring_without_validation_data_changes_nothing():
    a = make("regressor", scoring="neg_mean_absolute_error").fit(X_REG, Y_REG)
    b = make("regressor").fit(X_REG, Y_REG)
    assert_allclose(a.coefs_[0], b.coefs_[0], rtol=0, atol=0)
    assert a.validation_scores_ is None


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("scoring", ["loss", "r2", "neg_mean_squared_error"])
def test_scoring_gives_the_same_fit_in_every_namespace(scoring, name):
    xp = importlib.import_module(name)
    device = "cpu" if name == "torch" else xp.Device()
    params = dict(scoring=scoring, early_stopping=True, n_iter_no_change=2)
    ref = make("regressor", **params).fit(X_REG, Y_REG, sample_weight=W)
    with sklearn.config_context(array_api_dispatch=True):
        Xp, yp, wp = (xp.asarray(a, device=device) for a in (X_REG, Y_REG, W))
        est = make("regressor", **params).fit(Xp, yp, sample_weight=wp)
        got = [to_numpy(a) for a in est.coefs_ + est.intercepts_]
    assert est.n_iter_ == ref.n_iter_
    assert_allclose(est.validation_scores_, ref.validation_scores_, rtol=1e-10)
    for a, b in zip(got, ref.coefs_ + ref.intercepts_):
        assert_allclose(a, b, atol=1e-8, rtol=0)

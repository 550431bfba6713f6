"""BackpropClassifier: the estimator's behaviour, as a scikit-learn user sees it."""

import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import (
    load_digits,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def small_problem(n_classes=3, n=150, seed=0):
    return make_classification(
        n_samples=n,
        n_features=8,
        n_informative=5,
        n_classes=n_classes,
        random_state=seed,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_pipeline_reaches_097_on_digits(seed):
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    model = make_pipeline(StandardScaler(), BackpropClassifier(random_state=seed))
    assert model.fit(X_tr, y_tr).score(X_te, y_te) >= 0.97


@quiet
def test_fitted_attributes_have_mlpclassifiers_names_and_layout():
    X, y = small_problem()
    ours = BackpropClassifier(
        hidden_layer_sizes=(6, 4), max_iter=5, loss="log_loss", random_state=0
    ).fit(X, y)
    mlp = MLPClassifier(hidden_layer_sizes=(6, 4), max_iter=5, random_state=0).fit(X, y)
    for name in [
        "classes_",
        "n_layers_",
        "n_outputs_",
        "out_activation_",
        "n_iter_",
        "t_",
        "n_features_in_",
    ]:
        assert np.all(getattr(ours, name) == getattr(mlp, name)), name
    assert [c.shape for c in ours.coefs_] == [c.shape for c in mlp.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in mlp.intercepts_]
    assert len(ours.loss_curve_) == len(mlp.loss_curve_) == 5
    assert ours.loss_ == ours.loss_curve_[-1]
    assert ours.best_loss_ == min(ours.loss_curve_)


def test_default_is_the_seeds_network():
    X, y = small_problem()
    model = BackpropClassifier(max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert (model.activation, model.loss, model.out_activation_) == (
        "logistic",
        "squared_error",
        "logistic",
    )
    assert model.n_outputs_ == 3  # sigmoid outputs on one-hot targets


@quiet
@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_proba_rows_sum_to_one_and_agree_with_predict(loss, n_classes):
    X, y = small_problem(n_classes)
    model = BackpropClassifier(loss=loss, max_iter=30, random_state=0).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), n_classes)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))
    assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-12)
    scores = model.decision_function(X)
    assert scores.shape == ((len(X),) if n_classes == 2 else (len(X), n_classes))


@quiet
def test_float32_trains_and_predicts_in_float32():
    X, y = small_problem()
    model = BackpropClassifier(max_iter=5, random_state=0).fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in model.coefs_ + model.intercepts_)
    assert model.predict_proba(X.astype(np.float32)).dtype == np.float32
    model64 = BackpropClassifier(max_iter=5, random_state=0).fit(X.astype(int), y)
    assert model64.coefs_[0].dtype == np.float64


@quiet
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_matches_dense(solver, fmt):
    X, y = small_problem()
    dense = BackpropClassifier(solver=solver, max_iter=10, random_state=0).fit(X, y)
    sp = BackpropClassifier(solver=solver, max_iter=10, random_state=0).fit(
        sparse.csr_matrix(X).asformat(fmt), y
    )
    assert_allclose(
        sp.predict_proba(sparse.csr_matrix(X).asformat(fmt)),
        dense.predict_proba(X),
        rtol=1e-9,
    )
    part = BackpropClassifier(random_state=0).partial_fit(
        sparse.csr_matrix(X), y, classes=np.unique(y)
    )
    assert part.predict(sparse.csr_matrix(X)).shape == y.shape


@quiet
def test_pipeline_gridsearch_clone_pickle(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    grid = GridSearchCV(
        make_pipeline(
            StandardScaler(), BackpropClassifier(max_iter=100, random_state=0)
        ),
        {
            "backpropclassifier__alpha": [1e-4, 1e-2],
            "backpropclassifier__hidden_layer_sizes": [(20,), (40,)],
        },
        cv=3,
        n_jobs=2,
    ).fit(X, y)
    assert grid.best_score_ > 0.85
    model = grid.best_estimator_
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    fresh = clone(model)
    assert not hasattr(fresh[-1], "coefs_")
    assert (
        fresh.get_params()["backpropclassifier__alpha"]
        == grid.best_params_["backpropclassifier__alpha"]
    )


@pytest.mark.parametrize(
    "params",
    [
        dict(solver="sgd", learning_rate="constant", activation="relu"),
        dict(
            solver="sgd",
            learning_rate="invscaling",
            activation="tanh",
            early_stopping=True,
        ),
        dict(
            solver="sgd",
            learning_rate="adaptive",
            activation="logistic",
            nesterovs_momentum=False,
        ),
        dict(solver="adam", activation="identity", early_stopping=True),
        dict(solver="adam", activation="relu", batch_size=16),
        dict(solver="lbfgs", activation="tanh"),
    ],
)
def test_mlpclassifier_params_drop_in(params):
    X, y = small_problem()
    mlp = MLPClassifier(max_iter=15, random_state=0, **params)
    ours = BackpropClassifier(**mlp.get_params(), loss="log_loss")
    ours_only = dict.fromkeys(
        ["loss", "class_weight", "init", "max_grad_norm", "scoring", "dropout"]
    )
    assert ours.get_params() | ours_only == mlp.get_params() | ours_only
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        mlp.fit(X, y)
    assert set(ours.predict(X)) <= set(y) and np.isfinite(ours.loss_)
    if params["activation"] != "relu" and not params.get("early_stopping"):
        # Same initial weights (relu differs: He rather than Glorot), same
        # shuffles, same updates: the same model.
        assert_allclose(ours.predict_proba(X), mlp.predict_proba(X), rtol=1e-8)
        assert ours.n_iter_ == mlp.n_iter_


def test_every_mlpclassifier_parameter_exists():
    ours, mlp = BackpropClassifier().get_params(), MLPClassifier().get_params()
    assert set(mlp) <= set(ours)
    assert set(ours) - set(mlp) == {
        "loss",
        "class_weight",
        "init",
        "max_grad_norm",
        "scoring",
        "dropout",
    }


# ---------------------------------------------------------------- bad input


def test_predict_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        BackpropClassifier().predict(np.ones((2, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X_is_rejected(bad):
    X, y = small_problem()
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match="X"):
        BackpropClassifier().fit(X, y)


@quiet
def test_wrong_n_features_at_predict():
    X, y = small_problem()
    model = BackpropClassifier(max_iter=2).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :5])


def test_one_class_is_rejected():
    with pytest.raises(ValueError, match="only one class"):
        BackpropClassifier().fit(np.ones((5, 2)), np.zeros(5))


@pytest.mark.parametrize(
    "name, value",
    [
        ("hidden_layer_sizes", 0),
        ("hidden_layer_sizes", (10, -1)),
        ("activation", "sigmoid"),
        ("solver", "newton"),
        ("alpha", -1.0),
        ("batch_size", 0),
        ("batch_size", "big"),
        ("learning_rate", "cyclic"),
        ("learning_rate_init", 0.0),
        ("power_t", -0.5),
        ("max_iter", 0),
        ("shuffle", "yes"),
        ("random_state", "seed"),
        ("tol", -1.0),
        ("verbose", -1),
        ("warm_start", 1.5),
        ("momentum", 1.5),
        ("nesterovs_momentum", None),
        ("early_stopping", "no"),
        ("validation_fraction", 1.0),
        ("beta_1", 1.0),
        ("beta_2", -0.1),
        ("epsilon", 0.0),
        ("n_iter_no_change", 0),
        ("max_fun", 0),
        ("loss", "hinge"),
        ("class_weight", "auto"),
        ("class_weight", {0: -1.0}),
        ("alpha", np.nan),
    ],
)
def test_invalid_parameter_names_itself_and_what_is_allowed(name, value):
    X, y = small_problem()
    with pytest.raises(ValueError, match=rf"'{name}' parameter .* must be"):
        BackpropClassifier(**{name: value}).fit(X, y)

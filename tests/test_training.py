"""Incremental training, warm starts, early stopping, monitoring, weights."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, recall_score
from sklearn.neural_network import MLPClassifier

from skbp import BackpropClassifier
from skbp._init import auto_bound as init_bound
from skbp._init import initial_params
from skbp._network import pack, unpack

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def problem(n=200, n_classes=3, seed=0, weights=None):
    return make_classification(
        n_samples=n,
        n_features=8,
        n_informative=5,
        n_classes=n_classes,
        weights=weights,
        random_state=seed,
    )


def params_of(model):
    return pack(model.coefs_, model.intercepts_)


@quiet
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_keeps_optimizer_state(solver):
    # Two one-epoch calls continue one optimisation: they equal a two-epoch fit.
    X, y = problem()
    kw = dict(
        solver=solver,
        shuffle=False,
        random_state=0,
        batch_size=50,
        n_iter_no_change=100,
    )
    full = BackpropClassifier(max_iter=2, **kw).fit(X, y)
    inc = BackpropClassifier(**kw)
    inc.partial_fit(X, y, classes=np.unique(y)).partial_fit(X, y)
    assert_allclose(params_of(inc), params_of(full), rtol=1e-12)
    assert inc.t_ == full.t_ == 2 * len(X)


@quiet
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_warm_start_keeps_optimizer_state_unlike_mlpclassifier(solver):
    # scikit-learn #6091: MLPClassifier restarts its optimizer on a warm fit.
    X, y = problem()
    kw = dict(
        solver=solver,
        shuffle=False,
        random_state=0,
        batch_size=50,
        n_iter_no_change=100,
        learning_rate_init=0.01,
    )
    full = BackpropClassifier(max_iter=4, **kw).fit(X, y)
    warm = BackpropClassifier(max_iter=2, warm_start=True, **kw).fit(X, y).fit(X, y)
    assert_allclose(params_of(warm), params_of(full), rtol=1e-12)
    mlp_full = MLPClassifier(max_iter=4, **kw).fit(X, y)
    mlp_warm = MLPClassifier(max_iter=2, warm_start=True, **kw).fit(X, y).fit(X, y)
    assert not np.allclose(params_of(mlp_warm), params_of(mlp_full), rtol=1e-6)


@quiet
def test_warm_start_counts_like_mlpclassifier():
    X, y = problem()
    kw = dict(
        max_iter=3,
        warm_start=True,
        random_state=0,
        loss="log_loss",
        learning_rate_init=0.01,
    )
    ours = BackpropClassifier(**kw).fit(X, y).fit(X, y)
    kw.pop("loss")
    mlp = MLPClassifier(**kw).fit(X, y).fit(X, y)
    assert ours.n_iter_ == mlp.n_iter_ == 3
    assert len(ours.loss_curve_) == len(mlp.loss_curve_) == 6
    assert ours.t_ == mlp.t_


def test_partial_fit_needs_classes_and_rejects_unseen_ones():
    X, y = problem()
    model = BackpropClassifier()
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X[y < 2], y[y < 2], classes=[0, 1])
    with pytest.raises(ValueError, match=r"classes \[2\] that are not in classes_"):
        model.partial_fit(X, y)


def test_partial_fit_classes_missing_from_first_batch_are_learned_later():
    X, y = problem()
    model = BackpropClassifier(random_state=0)
    model.partial_fit(X[y == 0], y[y == 0], classes=[0, 1, 2])
    for _ in range(30):
        model.partial_fit(X, y)
    assert_array_equal(model.classes_, [0, 1, 2])
    assert model.score(X, y) > 0.6


def test_partial_fit_unavailable_for_lbfgs():
    assert not hasattr(BackpropClassifier(solver="lbfgs"), "partial_fit")
    with pytest.raises(ValueError, match="early_stopping"):
        BackpropClassifier(early_stopping=True).partial_fit(
            *problem(), classes=[0, 1, 2]
        )


@quiet
def test_early_stopping_restores_the_best_weights():
    X, y = problem(400)
    X_tr, y_tr, X_val, y_val = X[:300], y[:300], X[300:], y[300:]
    model = BackpropClassifier(
        early_stopping=True,
        n_iter_no_change=3,
        max_iter=200,
        learning_rate_init=0.05,
        random_state=0,
    )
    model.fit(X_tr, y_tr, X_val=X_val, y_val=y_val)
    assert model.n_iter_ < 200
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.score(X_val, y_val) == model.best_validation_score_
    assert model.best_loss_ is None
    assert (
        len(model.validation_loss_curve_)
        == len(model.validation_scores_)
        == (model.n_iter_)
    )


@quiet
def test_early_stopping_split_with_string_labels_and_weights():
    X, y = problem(300)
    labels = np.array(["cat", "dog", "emu"])[y]
    sw = np.random.RandomState(0).uniform(0.5, 2, len(y))
    model = BackpropClassifier(
        early_stopping=True, validation_fraction=0.2, max_iter=30, random_state=0
    )
    model.fit(X, labels, sample_weight=sw)
    assert set(model.predict(X)) <= {"cat", "dog", "emu"}
    assert 0 < model.best_validation_score_ <= 1


def test_early_stopping_with_too_little_data_is_explained():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="validation_fraction"):
        BackpropClassifier(early_stopping=True).fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="validation_fraction > 0"):
        BackpropClassifier(early_stopping=True, validation_fraction=0.0).fit(
            X, [0, 1, 0, 1]
        )


@quiet
def test_validation_score_is_weighted_by_sample_weight_val():
    X, y = problem()
    sw_val = np.random.RandomState(1).uniform(0, 3, 100)
    model = BackpropClassifier(max_iter=5, random_state=0)
    model.fit(X[:100], y[:100], X_val=X[100:], y_val=y[100:], sample_weight_val=sw_val)
    expected = accuracy_score(y[100:], model.predict(X[100:]), sample_weight=sw_val)
    assert model.validation_scores_[-1] == pytest.approx(expected)
    # Monitoring only: without early_stopping training stops on its own loss.
    assert model.best_loss_ == min(model.loss_curve_)


def test_convergence_warning_when_max_iter_ends_training():
    X, y = problem()
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        BackpropClassifier(max_iter=3).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        BackpropClassifier(solver="lbfgs", max_iter=2).fit(X, y)


@quiet
def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = problem()
    BackpropClassifier(max_iter=4, verbose=True, early_stopping=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("Iteration 1, loss = ")
    assert "validation score = " in lines[0] and lines[0].endswith("s")


@quiet
@pytest.mark.parametrize("loss", ["squared_error", "log_loss"])
def test_multilabel_fit_partial_fit_predict(loss):
    X, Y = make_multilabel_classification(n_samples=150, n_classes=4, random_state=0)
    model = BackpropClassifier(loss=loss, max_iter=50, random_state=0).fit(X, Y)
    assert model.out_activation_ == "logistic"
    assert model.predict(X).shape == Y.shape
    proba = model.predict_proba(X)
    assert proba.shape == Y.shape and np.all((proba >= 0) & (proba <= 1))
    assert_array_equal(model.predict(X), (proba > 0.5).astype(int))
    assert (model.predict(X) == Y).mean() > 0.8
    inc = BackpropClassifier(loss=loss, random_state=0)
    inc.partial_fit(X, Y).partial_fit(X, Y)
    assert inc.predict(X).shape == Y.shape


@quiet
def test_sample_weight_in_partial_fit_matches_repetition():
    X, y = problem(60)
    counts = np.random.RandomState(0).randint(0, 3, 60)
    kw = dict(random_state=0, batch_size=500)  # one full batch per epoch
    a = BackpropClassifier(**kw).partial_fit(
        X, y, classes=[0, 1, 2], sample_weight=counts
    )
    b = BackpropClassifier(**kw).partial_fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts), classes=[0, 1, 2]
    )
    assert_allclose(params_of(a), params_of(b), rtol=1e-10)


@quiet
def test_class_weight_balanced_raises_minority_recall():
    X, y = problem(600, n_classes=2, weights=[0.95, 0.05], seed=3)
    kw = dict(max_iter=60, random_state=0, loss="log_loss")
    plain = BackpropClassifier(**kw).fit(X, y)
    balanced = BackpropClassifier(class_weight="balanced", **kw).fit(X, y)
    assert recall_score(y, balanced.predict(X)) > recall_score(y, plain.predict(X))


@quiet
def test_class_weight_dict_multiplies_sample_weight():
    X, y = problem(90)
    kw = dict(random_state=0, max_iter=3, batch_size=500)
    a = BackpropClassifier(class_weight={0: 2.0, 2: 0.5}, **kw).fit(X, y)
    b = BackpropClassifier(**kw).fit(X, y, sample_weight=np.array([2.0, 1, 0.5])[y])
    assert_allclose(params_of(a), params_of(b), rtol=1e-12)
    with pytest.raises(ValueError, match="not classes of y"):
        BackpropClassifier(class_weight={7: 1.0}).fit(X, y)


def test_class_weight_balanced_in_partial_fit_uses_the_y_of_each_call():
    X, y = problem(90)
    X, y = X[y < 2], y[y < 2]  # class 2 is absent from this call
    counts = np.bincount(y)
    expected = (len(y) / (2 * counts))[y]  # balanced over the classes present
    kw = dict(random_state=0, batch_size=500)
    a = BackpropClassifier(class_weight="balanced", **kw)
    a.partial_fit(X, y, classes=[0, 1, 2])
    b = BackpropClassifier(**kw).partial_fit(
        X, y, classes=[0, 1, 2], sample_weight=expected
    )
    assert_allclose(params_of(a), params_of(b), rtol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_initialisation_fits_the_activation(activation):
    units = [80, 120, 3]
    params = initial_params(units, activation, np.random.RandomState(0), np.float64)
    W = unpack(params, units)[0][0]
    bound = init_bound(80, 120, activation)
    assert bound * 0.99 < np.abs(W).max() <= bound  # uniform on [-bound, bound]
    expected = {
        "relu": np.sqrt(6 / 80),  # He: variance 2 / fan_in
        "logistic": np.sqrt(2 / 200),  # MLPClassifier's Glorot variant
        "tanh": np.sqrt(6 / 200),
        "identity": np.sqrt(6 / 200),
    }  # Glorot
    assert bound == pytest.approx(expected[activation])
    model = BackpropClassifier(
        hidden_layer_sizes=(120,), activation=activation, random_state=0, max_iter=1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(np.random.RandomState(1).randn(20, 80), np.arange(20) % 3)
    assert np.abs(model.coefs_[0]).max() <= bound + 10 * model.learning_rate_init


def test_sparse_partial_fit_and_predict():
    X, y = problem()
    model = BackpropClassifier(random_state=0)
    model.partial_fit(sparse.csr_matrix(X), y, classes=[0, 1, 2])
    assert_allclose(model.predict_proba(sparse.csc_matrix(X)), model.predict_proba(X))


@quiet
def test_warm_start_takes_new_settings_but_keeps_the_state():
    X, y = problem()
    model = BackpropClassifier(
        solver="sgd",
        max_iter=2,
        warm_start=True,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, y)
    velocity = model._optimizer.velocity.copy()
    model.set_params(learning_rate_init=0.002, momentum=0.5, max_iter=1)
    model.fit(X, y)
    assert model._optimizer.learning_rate == 0.002 and model._optimizer.momentum == 0.5
    assert not np.array_equal(model._optimizer.velocity, velocity)
    assert np.any(velocity)  # it continued from a non-zero velocity
    model.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match="warm_start"):
        model.fit(X, y)


def test_partial_fit_first_call_checks_y_against_classes():
    X, y = problem()
    with pytest.raises(ValueError, match=r"classes \[2\] that are not in classes_"):
        BackpropClassifier().partial_fit(X, y, classes=[0, 1])
    model = BackpropClassifier()
    with pytest.raises(ValueError, match="not in classes_"):
        model.partial_fit(X, y - 1, classes=[0, 1, 2])  # -1 is no class
    assert not hasattr(model, "classes_")  # a failed first call leaves no model
    with pytest.raises(ValueError, match="not the same as on the first call"):
        BackpropClassifier().partial_fit(X, y, classes=[0, 1, 2]).partial_fit(
            X, y, classes=[0, 1, 2, 3]
        )


def test_multilabel_partial_fit_ignores_classes_as_mlpclassifier_does():
    X, Y = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    model = BackpropClassifier().partial_fit(X, Y, classes=[0, 1, 2])
    assert model.predict(X).shape == Y.shape


@quiet
def test_warm_start_with_early_stopping_judges_each_call_on_its_own_split():
    X, y = problem(300)
    model = BackpropClassifier(
        early_stopping=True, warm_start=True, max_iter=30, random_state=0
    ).fit(X, y)
    model.fit(X, (y + 1) % 3)  # new labels: the old weights must not come back
    assert model.best_validation_score_ == max(
        model.validation_scores_[-model.n_iter_ :]
    )
    assert model.score(X, (y + 1) % 3) > 0.5
    model.set_params(early_stopping=False).fit(X, y)  # and switching it off works
    assert np.isfinite(model.best_loss_)


def test_batch_size_larger_than_the_data_warns():
    X, y = problem(40)
    with pytest.warns(UserWarning, match="batch_size=100 is larger"):
        BackpropClassifier(batch_size=100, max_iter=2).fit(X, y)


def test_unstratifiable_early_stopping_split_falls_back_with_a_warning():
    X, y = problem(50)
    y = y.copy()
    y[0] = 7  # a class with one sample cannot be stratified
    with pytest.warns(UserWarning, match="not stratified"):
        BackpropClassifier(early_stopping=True, max_iter=3).fit(X, y)


def test_keyboard_interrupt_keeps_what_was_learned(monkeypatch):
    from skbp import _training

    X, y = problem()
    run, calls = _training.Epochs.run, []

    def interrupted(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return run(self, *args)

    monkeypatch.setattr(_training.Epochs, "run", interrupted)
    with pytest.warns(UserWarning, match="interrupted by user"):
        model = BackpropClassifier(max_iter=10).fit(X, y)
    assert model.n_iter_ == 2 and np.all(np.isfinite(params_of(model)))


def test_lbfgs_runs_scipys_own_blas_on_one_thread(monkeypatch):
    # L-BFGS-B's vector operations run on SciPy's BLAS; NumPy's keeps its threads.
    import threadpoolctl

    from skbp import _training

    seen = []
    minimize = _training.scipy.optimize.minimize

    def spy(*args, **kwargs):
        seen.append(
            {i["filepath"]: i["num_threads"] for i in threadpoolctl.threadpool_info()}
        )
        return minimize(*args, **kwargs)

    monkeypatch.setattr(_training.scipy.optimize, "minimize", spy)
    X, y = problem()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        BackpropClassifier(solver="lbfgs", max_iter=2).fit(X, y)
    before = {i["filepath"]: i["num_threads"] for i in threadpoolctl.threadpool_info()}
    for path, threads in seen[0].items():
        own = "scipy" in path.split("/")[-2]
        assert threads == (1 if own else before[path]), path

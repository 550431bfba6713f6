"""Training defects of issue 16 (items 2, 3, 4, 5 and 14); each test failed before.

Ctrl-C is simulated deterministically: a function on the training path is
replaced by one that raises KeyboardInterrupt at a chosen call.  The oracles
are the model's own state before the call, and MLPClassifier/MLPRegressor.
"""

import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_diabetes, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier, BackpropRegressor, _base, _callbacks, _training
from skbp._network import pack
from skbp._stopping import Stopping

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
ESTIMATORS = [BackpropClassifier, BackpropRegressor]


def data_for(Est, n=150):
    X, y = make_classification(
        n_samples=n, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    if Est is BackpropRegressor:
        y = X[:, 0] - 0.5 * X[:, 1] + np.tanh(X[:, 2])
    return X, y


def params_of(model):
    return pack(model.coefs_, model.intercepts_)


def state_of(model):
    """Every attribute, serialised: what a rolled-back call must leave as it was."""
    return {name: pickle.dumps(value) for name, value in vars(model).items()}


def raise_at(call, function):
    """``function``, except that its ``call``-th call raises KeyboardInterrupt."""
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return function(*args, **kwargs)

    return interrupted


# 2. Ctrl-C during L-BFGS's first evaluation: no IndexError; the model as before.


@quiet
@pytest.mark.parametrize("before", ["unfitted", "fitted", "warm start"])
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_ctrl_c_in_lbfgs_first_evaluation_leaves_the_model_as_before(
    Est, before, monkeypatch
):
    X, y = data_for(Est)
    model = Est(solver="lbfgs", hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    if before != "unfitted":
        model.fit(X, y)
        model.set_params(warm_start=before == "warm start")
    state = state_of(model)
    monkeypatch.setattr(_training, "backprop", raise_at(1, _training.backprop))
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    monkeypatch.undo()
    assert state_of(model) == state
    if before == "unfitted":
        with pytest.raises(NotFittedError):
            model.predict(X)
    assert model.fit(X, y).n_iter_ > 0  # and it trains as usual afterwards


# 3. Ctrl-C before a first epoch completes: the model as before the call.


def _patch_holdout(monkeypatch):
    monkeypatch.setattr(_base, "holdout", raise_at(1, _base.holdout))


def _patch_callbacks_setup(monkeypatch):
    monkeypatch.setattr(_base, "Monitor", raise_at(1, _base.Monitor))


def _patch_first_begin_epoch(monkeypatch):
    begin = _callbacks.Monitor.begin_epoch
    monkeypatch.setattr(_callbacks.Monitor, "begin_epoch", raise_at(1, begin))


def _patch_first_epoch(monkeypatch):
    monkeypatch.setattr(_training.Epochs, "run", raise_at(1, _training.Epochs.run))


def _patch_first_validation(monkeypatch):
    monkeypatch.setattr(_training, "validate", raise_at(1, _training.validate))


WHERE = {
    "early-stopping split": (_patch_holdout, "adam", True),
    "callbacks' setup": (_patch_callbacks_setup, "adam", False),
    "lbfgs's first begin_epoch": (_patch_first_begin_epoch, "lbfgs", False),
    "first epoch's begin_epoch": (_patch_first_begin_epoch, "sgd", False),
    "first epoch": (_patch_first_epoch, "adam", False),
    "first epoch's validation": (_patch_first_validation, "sgd", True),
}


# partial_fit exists for sgd and adam, without early stopping.
CALLS = [
    (where, call)
    for where, (_, solver, early_stopping) in WHERE.items()
    for call in ["fit", "partial_fit"]
    if call == "fit" or (solver != "lbfgs" and not early_stopping)
]


@quiet
@pytest.mark.parametrize("where, call", CALLS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_ctrl_c_before_a_first_epoch_completes_leaves_the_model_as_before(
    Est, where, call, monkeypatch
):
    patch, solver, early_stopping = WHERE[where]
    X, y = data_for(Est)
    model = Est(
        solver=solver,
        hidden_layer_sizes=(8,),
        max_iter=30,
        early_stopping=early_stopping,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, y)
    score, state = model.score(X, y), state_of(model)
    patch(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        getattr(model, call)(X, y)
    monkeypatch.undo()
    assert state_of(model) == state
    assert model.score(X, y) == score


@quiet
@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_ctrl_c_after_a_completed_epoch_still_keeps_what_was_learned(
    solver, monkeypatch
):
    # The documented behaviour inside the loop is unchanged (MLPClassifier's).
    X, y = data_for(BackpropClassifier)
    model = BackpropClassifier(solver=solver, max_iter=30, random_state=0)
    untrained = BackpropClassifier(solver=solver, max_iter=1, random_state=0)
    untrained.fit(X, y)
    interrupted = raise_at(3, _training.validate)
    monkeypatch.setattr(_training, "validate", interrupted)
    with pytest.warns(UserWarning, match="interrupted by user"):
        model.fit(X, y, X_val=X, y_val=y)
    assert model.n_iter_ == len(model.validation_scores_) == 2
    assert not np.array_equal(params_of(model), params_of(untrained))


# 4. A non-finite validation prediction scores NaN; training goes on.


def _spy_on_the_split(monkeypatch):
    """Record the rows that early stopping holds out."""
    held_out, split = [], _training.train_test_split

    def spy(*args, **kwargs):
        train, val = split(*args, **kwargs)
        held_out.append(val)
        return train, val

    monkeypatch.setattr(_training, "train_test_split", spy)
    return held_out


def _overflowing_case(Est, dtype):
    """Data, settings and a row value that make a validation prediction
    non-finite while every training prediction stays finite."""
    X, y = data_for(Est)
    kw = dict(
        hidden_layer_sizes=(5,), activation="identity", max_iter=6, random_state=0
    )
    if Est is BackpropRegressor:  # exp overflows: e^89 in float32, e^710 in float64
        y, kw["loss"], big = np.exp(0.3 * y), "poisson", 1e4
    else:  # the logits overflow to ±inf, and their sum to NaN
        kw["loss"], big = "log_loss", np.finfo(dtype).max
    return X.astype(dtype), y, kw, big


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_non_finite_validation_prediction_of_x_val_scores_nan(Est, dtype):
    X, y, kw, big = _overflowing_case(Est, dtype)
    X_val = X[:20].copy()
    X_val[3] = big
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = Est(solver="adam", **kw).fit(X, y, X_val=X_val, y_val=y[:20])
        lbfgs = Est(solver="lbfgs", **kw).fit(X, y, X_val=X_val, y_val=y[:20])
    for fitted in (model, lbfgs):
        scores = fitted.validation_scores_
        assert len(scores) == len(fitted.validation_loss_curve_) == fitted.n_iter_
        assert np.isnan(scores[0])
        numbers = [s for s in scores if not np.isnan(s)]
        # NaN is never the best; -inf when nothing validated, as MLPRegressor
        assert fitted.best_validation_score_ == max(numbers, default=-np.inf)
        assert np.isfinite(params_of(fitted)).all()
    assert model.n_iter_ == 6  # NaN stops nothing without early stopping


@quiet
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_non_finite_prediction_in_the_held_out_split_counts_as_no_progress(
    Est, dtype, monkeypatch
):
    X, y, kw, big = _overflowing_case(Est, dtype)
    kw.update(solver="adam", early_stopping=True, n_iter_no_change=2, max_iter=20)
    held_out = _spy_on_the_split(monkeypatch)
    Est(**kw).set_params(max_iter=1).fit(X, y)  # the split of this seed and data
    X[held_out[0][0]] = big  # one held-out row; training rows stay as they were
    model = Est(**kw).fit(X, y)
    one_epoch = Est(**kw).set_params(max_iter=1).fit(X, y)
    assert model.n_iter_ == 3  # n_iter_no_change + 1 epochs without progress
    assert np.isnan(model.validation_scores_).all()
    assert model.best_validation_score_ == -np.inf
    # No epoch was better than the start, so the start is restored, as after
    # one epoch: the same weights.
    assert_array_equal(params_of(model), params_of(one_epoch))
    if Est is BackpropRegressor:
        # MLPRegressor: the same split, NaN scores and restored start; but a
        # NaN resets its count of epochs without progress (NaN < best + tol is
        # False), so it runs to max_iter where Stopping stops.
        with np.errstate(over="ignore"):  # MLPRegressor's exp overflows, as ours
            mlp = MLPRegressor(**kw).fit(X, y)
        assert np.isnan(mlp.validation_scores_).all()
        assert mlp.best_validation_score_ == model.best_validation_score_
        assert_allclose(params_of(model), params_of(mlp), rtol=1e-12)
        assert mlp.n_iter_ == kw["max_iter"]


# 5. Weighted runs: the same epoch losses and the same stopping epoch as MLP.


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, (y - y.mean()) / y.std()


WEIGHTED_RUNS = {
    "sgd": dict(solver="sgd", learning_rate_init=0.01, tol=3e-3),
    "adam": dict(solver="adam", learning_rate_init=0.01, tol=3e-3),
    "lbfgs": dict(solver="lbfgs", max_iter=15),  # one batch: equal before too
}


@pytest.mark.parametrize("run", WEIGHTED_RUNS)
@pytest.mark.parametrize(
    "Est, MLP", [(BackpropClassifier, MLPClassifier), (BackpropRegressor, MLPRegressor)]
)
def test_weighted_whole_runs_equal_mlp(Est, MLP, run):
    X, y = _diabetes()
    if Est is BackpropClassifier:
        y = (y > 0).astype(int)
    sw = np.random.RandomState(0).uniform(0.2, 3.0, len(y))
    kw = dict(
        hidden_layer_sizes=(10,),
        activation="tanh",
        batch_size=50,  # 9 batches an epoch, the last of 42 rows
        n_iter_no_change=3,
        max_iter=150,
        random_state=0,
    )
    kw.update(WEIGHTED_RUNS[run])
    extra = {"loss": "log_loss"} if Est is BackpropClassifier else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLP(**kw).fit(X, y, sample_weight=sw)
        ours = Est(**kw, **extra).fit(X, y, sample_weight=sw)
    assert ours.n_iter_ == mlp.n_iter_
    assert_allclose(params_of(ours), params_of(mlp), rtol=1e-9, atol=1e-12)
    assert ours.loss_ == pytest.approx(mlp.loss_, rel=1e-9)
    if run != "lbfgs":  # MLP keeps no loss curve for lbfgs
        assert mlp.n_iter_ < kw["max_iter"]  # the tol rule stopped it
        assert_allclose(ours.loss_curve_, mlp.loss_curve_, rtol=1e-9)


# 14. Claims: best_loss_ with early stopping, the Stopping example, bit-identity.


@quiet
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_best_loss_is_none_with_early_stopping_for_every_solver(Est, solver):
    X, y = data_for(Est)
    kw = dict(solver=solver, early_stopping=True, max_iter=5, random_state=0)
    model = Est(**kw).fit(X, y)
    assert model.best_loss_ is None
    model.set_params(warm_start=True).fit(X, y)
    assert model.best_loss_ is None
    unstopped = Est(**dict(kw, early_stopping=False)).fit(X, y)
    assert unstopped.best_loss_ == min(unstopped.loss_curve_)


def test_stopping_docstring_example_holds_only_the_example():
    assert "import _inplace" not in Stopping.__doc__
    assert "from ._array_api" not in Stopping.__doc__


@quiet
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_same_seed_fits_are_bit_identical_in_the_main_thread(solver):
    # README's claim, with its stated scope: bit-identical in the main thread;
    # an L-BFGS fit in another thread runs SciPy's BLAS on the process's
    # threads, which add up in another order: equal to rounding only.
    X, y = data_for(BackpropClassifier)
    kw = dict(solver=solver, hidden_layer_sizes=(20,), max_iter=15, random_state=0)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return params_of(BackpropClassifier(**kw).fit(X, y))

    first, second = fit(), fit()
    with ThreadPoolExecutor(1) as pool:
        in_a_thread = pool.submit(fit).result()
    assert_array_equal(first, second)
    assert_allclose(in_a_thread, first, rtol=1e-12, atol=1e-14)

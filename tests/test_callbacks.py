"""scikit-learn's callback API (``sklearn.callback``) on both estimators.

A fit is a root task ("fit") with one subtask per epoch ("epoch"), or per
L-BFGS iteration ("lbfgs-iter") plus the one SciPy's callback opens but never
runs; each subtask's end hands over a ``fitted_estimator`` snapshot, and a
callback returning True stops training there.
"""

import importlib.util
import pickle
import re
import warnings
from collections import Counter

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_array_equal
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skbp import BackpropClassifier, BackpropRegressor, _training

if importlib.util.find_spec("sklearn.callback") is None:
    pytest.skip(
        f"sklearn.callback requires scikit-learn >= 1.9 (found {sklearn.__version__})",
        allow_module_level=True,
    )
callback = pytest.importorskip("sklearn.callback")
pytest.importorskip("rich")
ProgressBar, ScoringMonitor = callback.ProgressBar, callback.ScoringMonitor
CallbackContext = callback.CallbackContext

quiet = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SOLVERS = ["sgd", "adam", "lbfgs"]
STOCHASTIC = ["sgd", "adam"]
ESTIMATORS = [BackpropClassifier, BackpropRegressor]
EPOCH_TASKS = ("epoch", "lbfgs-iter")
MACHINERY = ("_callback_fit_ctx", "_skl_callbacks_to_teardown", "_skl_callbacks")


def data_for(Est, n=80, seed=0):
    if Est is BackpropClassifier:
        X, y = make_classification(
            n_samples=n, n_features=5, n_informative=3, n_classes=3, random_state=seed
        )
    else:
        X, y = make_regression(n_samples=n, n_features=5, noise=1.0, random_state=seed)
        y = y / np.std(y)
    return StandardScaler().fit_transform(X), y


def make(Est, solver, **params):
    defaults = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        random_state=0,
        max_iter=10,
        learning_rate_init=0.01,
        batch_size=16,  # several mini-batches: the shuffling matters
    )
    return Est(**{**defaults, **params})


def classes_kw(Est, y):
    return {"classes": np.unique(y)} if Est is BackpropClassifier else {}


class CallbackError(RuntimeError):
    pass


class Recorder:
    """Records every hook call and what each epoch hands over.

    At each epoch's end (a subtask with a fitted_estimator) it keeps the
    fitted_estimator itself, copies of its weights made at hand-over time,
    its predictions of X made inside the hook, and the metadata; it returns
    True at epoch ``stop_at`` and raises CallbackError at epoch ``fail_at``.
    """

    def __init__(self, stop_at=None, fail_at=None):
        self.stop_at, self.fail_at = stop_at, fail_at
        self.calls = []  # (hook, context, fitted_estimator)
        self.fitted, self.snapshots, self.predictions, self.metadata = [], [], [], []

    def setup(self, estimator, context):
        self.calls.append(("setup", context, None))

    def teardown(self, estimator, context):
        self.calls.append(("teardown", context, None))

    def on_fit_task_begin(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self.calls.append(("begin", context, fitted_estimator))

    def on_fit_task_end(
        self,
        estimator,
        context,
        *,
        X=None,
        y=None,
        metadata=None,
        fitted_estimator=None,
    ):
        self.calls.append(("end", context, fitted_estimator))
        if context.task_name not in EPOCH_TASKS or fitted_estimator is None:
            return False
        assert fitted_estimator is not estimator
        self.fitted.append(fitted_estimator)
        self.snapshots.append(
            (
                [np.array(c, copy=True) for c in fitted_estimator.coefs_],
                [np.array(b, copy=True) for b in fitted_estimator.intercepts_],
            )
        )
        self.predictions.append(fitted_estimator.predict(X))
        self.metadata.append(metadata)
        if len(self.fitted) == self.fail_at:
            raise CallbackError(f"failing at epoch {self.fail_at}")
        return len(self.fitted) == self.stop_at

    # -- views of the record
    def count(self, hook):
        return sum(1 for h, _, _ in self.calls if h == hook)

    def tasks(self, hook, names, fitted=None):
        """Contexts of ``hook`` calls on tasks named in ``names``.

        ``fitted``: True, only those with a fitted_estimator; False, without.
        """
        return [
            ctx
            for h, ctx, fe in self.calls
            if h == hook
            and ctx.task_name in names
            and (fitted is None or (fe is not None) == fitted)
        ]


class AutoRecorder(Recorder):
    """The same, auto-propagated from a meta-estimator to the estimators inside."""

    max_propagation_depth = None


def assert_every_begin_ends_once(rec):
    """Each task: one on_fit_task_begin, then one on_fit_task_end."""
    hooks, names = {}, {}
    for hook, ctx, _ in rec.calls:
        if hook in ("begin", "end"):
            hooks.setdefault(id(ctx), []).append(hook)
            names[id(ctx)] = (ctx.task_name, ctx.task_id)
    bad = {names[k]: v for k, v in hooks.items() if v != ["begin", "end"]}
    assert not bad, f"tasks whose hooks were not begin, end: {bad}"


def assert_no_task_ends_twice(rec):
    """On a failed fit tasks may stay open, but none begins or ends twice."""
    events = Counter((hook, id(ctx)) for hook, ctx, _ in rec.calls)
    twice = [
        (hook, ctx.task_name, ctx.task_id)
        for hook, ctx, _ in rec.calls
        if hook in ("begin", "end") and events[(hook, id(ctx))] > 1
    ]
    assert not twice, f"tasks with a hook called twice: {twice}"


def assert_weights_equal(model, snapshot):
    coefs, intercepts = snapshot
    for a, b in zip(model.coefs_, coefs):
        assert_array_equal(a, b)
    for a, b in zip(model.intercepts_, intercepts):
        assert_array_equal(a, b)


def assert_same_model(a, b):
    assert a.n_iter_ == b.n_iter_
    assert_array_equal(a.loss_curve_, b.loss_curve_)
    for p, q in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_array_equal(p, q)


def no_convergence_warning(caught):
    return not [w for w in caught if issubclass(w.category, ConvergenceWarning)]


# ------------------------------------------------------------- 1. counts


@quiet
@pytest.mark.parametrize("max_iter, tol", [(6, 1e-4), (300, 1e-2)])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_one_task_per_epoch_and_one_root(Est, solver, max_iter, tol):
    X, y = data_for(Est)
    sw = np.linspace(0.5, 1.5, len(y))
    rec = Recorder()
    model = make(Est, solver, max_iter=max_iter, tol=tol).set_callbacks(rec)
    model.fit(X, y, sample_weight=sw)
    name = "lbfgs-iter" if solver == "lbfgs" else "epoch"

    assert [h for h, _, _ in rec.calls][0] == "setup"
    assert [h for h, _, _ in rec.calls][-1] == "teardown"
    assert rec.count("setup") == rec.count("teardown") == 1
    assert len(rec.tasks("begin", ["fit"])) == len(rec.tasks("end", ["fit"])) == 1
    root = rec.tasks("begin", ["fit"])[0]
    assert root.parent is None and root.estimator_name == type(model).__name__
    assert root.max_subtasks == max_iter + (1 if solver == "lbfgs" else 0)
    assert_every_begin_ends_once(rec)

    with_estimator = rec.tasks("end", [name], fitted=True)
    without = rec.tasks("end", [name], fitted=False)
    assert len(with_estimator) == model.n_iter_ > 0
    assert len(without) == (1 if solver == "lbfgs" else 0)
    subtasks = rec.tasks("end", EPOCH_TASKS)
    assert all(ctx.parent is root for ctx in subtasks)
    assert [ctx.task_id for ctx in subtasks] == list(range(len(subtasks)))
    if solver == "lbfgs":  # the leftover task is the last one, never ran
        assert subtasks[-1] is without[0]
    # the fitted_estimator of epoch k has n_iter_ == k
    assert [fe.n_iter_ for fe in rec.fitted] == list(range(1, model.n_iter_ + 1))
    for metadata in rec.metadata:
        assert_array_equal(metadata["sample_weight"], sw)
    if max_iter == 300:  # converged or stalled before max_iter: fewer tasks
        assert model.n_iter_ < max_iter


# ----------------------------------------------------- 2. stopping at k=3


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_callback_returning_true_stops_training(Est, solver):
    X, y = data_for(Est)
    rec = Recorder(stop_at=3)
    model = make(Est, solver, max_iter=50, tol=0).set_callbacks(rec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert no_convergence_warning(caught), [str(w.message) for w in caught]
    assert model.n_iter_ == 3
    assert len(model.loss_curve_) == 3
    check_is_fitted(model)
    assert model.predict(X).shape[0] == X.shape[0]
    assert len(rec.fitted) == 3
    assert_weights_equal(model, rec.snapshots[2])
    assert_array_equal(model.predict(X), rec.predictions[2])
    # no task after the stop (not even L-BFGS's leftover); the root still ends
    assert len(rec.tasks("begin", EPOCH_TASKS)) == 3
    assert len(rec.tasks("end", ["fit"])) == 1
    assert_every_begin_ends_once(rec)
    assert rec.count("teardown") == 1


# -------------------------------------------------- 3. snapshots, not views


@quiet
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_fitted_estimator_is_a_snapshot(Est, solver):
    X, y = data_for(Est)
    rec = Recorder()
    model = make(Est, solver, max_iter=8).set_callbacks(rec).fit(X, y)
    assert model.n_iter_ > 1
    first = rec.fitted[0]
    assert first is not model and first.n_iter_ == 1
    # later epochs did not touch it: its weights are those handed over
    assert_weights_equal(first, rec.snapshots[0])
    assert not np.allclose(first.coefs_[0], model.coefs_[0])
    assert not np.allclose(rec.snapshots[-1][0][0], rec.snapshots[0][0][0])
    # it predicts as the model stood after epoch 1: a one-epoch fit
    one_epoch = make(Est, solver, max_iter=1).fit(X, y)
    assert_weights_equal(one_epoch, rec.snapshots[0])
    assert_array_equal(first.predict(X), one_epoch.predict(X))
    assert_array_equal(rec.predictions[0], one_epoch.predict(X))  # inside the hook
    # and the final model is the last snapshot
    assert_weights_equal(model, rec.snapshots[-1])
    assert_array_equal(model.predict(X), rec.predictions[-1])


# --------------------------------------------- 4. ProgressBar, ScoringMonitor


@quiet
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_progress_bar_runs_through_a_fit(Est, solver, capsys):
    X, y = data_for(Est)
    model = make(Est, solver, max_iter=300, tol=1e-2).set_callbacks(ProgressBar())
    model.fit(X, y)
    assert model.n_iter_ < 300  # stopped early: the bar still completes
    out = capsys.readouterr().out
    assert f"{Est.__name__} - fit" in out
    assert "100%" in out


@quiet
def test_progress_bar_through_grid_search_over_a_pipeline(capsys):
    X, y = data_for(BackpropClassifier)
    pipe = make_pipeline(StandardScaler(), make(BackpropClassifier, "sgd", max_iter=5))
    rec = AutoRecorder()
    search = GridSearchCV(
        pipe, {"backpropclassifier__solver": ["adam", "lbfgs"]}, cv=2
    ).set_callbacks(ProgressBar(max_propagation_depth=None), rec)
    search.fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"fit-final-estimator \| BackpropClassifier - fit", out)
    assert "100%" in out and not re.search(r"\b[0-9]{1,2}%", out)
    # the recorder reached every BackpropClassifier fit: 2 candidates x 2
    # splits + the refit, each a root task with one subtask per epoch
    assert rec.count("setup") == rec.count("teardown") == 1
    roots = [
        ctx
        for ctx in rec.tasks("end", ["fit"])
        if ctx.estimator_name == "BackpropClassifier"
    ]
    assert len(roots) == 5
    assert_every_begin_ends_once(rec)
    # the last root is the refit: one subtask per epoch (+ L-BFGS's leftover)
    best = search.best_estimator_[-1]
    subtasks = list(roots[-1]._children_map.values())
    leftover = 1 if best.solver == "lbfgs" else 0
    assert len(subtasks) == best.n_iter_ + leftover
    assert all(ctx.task_name in EPOCH_TASKS for ctx in subtasks)
    # no callback machinery is left on the fitted estimators
    for attr in MACHINERY[:2] + ("_parent_callback_ctx",):
        assert not hasattr(best, attr)


@quiet
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_scoring_monitor_records_one_score_per_epoch(Est, solver):
    X, y = data_for(Est)
    if Est is BackpropClassifier:  # string labels: the hooks get y as given
        y = np.array(["ant", "bee", "cat"])[y]
    sw = np.linspace(0.5, 1.5, len(y))
    scoring = "accuracy" if Est is BackpropClassifier else "r2"
    monitor = ScoringMonitor(scoring=scoring)
    model = make(Est, solver, max_iter=12).set_callbacks(monitor)
    model.fit(X, y, sample_weight=sw)
    log = monitor.get_logs()
    assert log.estimator_name == Est.__name__
    # one row per epoch plus one for the root task (its fitted model);
    # L-BFGS's leftover task hands no estimator, so it has no row
    assert len(log.data) == model.n_iter_ + 1
    root = [row for row in log.data if row["task_name"] == "fit"]
    epochs = [row for row in log.data if row["task_name"] in EPOCH_TASKS]
    assert len(root) == 1 and len(epochs) == model.n_iter_
    assert [row["task_id"] for row in epochs] == list(range(model.n_iter_))
    assert all(np.isfinite(row[scoring]) for row in log.data)
    final = model.score(X, y, sample_weight=sw)
    assert root[0][scoring] == pytest.approx(final)
    assert epochs[-1][scoring] == pytest.approx(final)


@quiet
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_callbacks_inside_a_pipeline(Est, capsys):
    # ProgressBar, auto-propagated, reaches the estimator from the Pipeline;
    # ScoringMonitor (not auto-propagated) is set on the estimator inside and
    # logs its epochs under the Pipeline's run.
    X, y = data_for(Est)
    scoring = "accuracy" if Est is BackpropClassifier else "r2"
    monitor = ScoringMonitor(scoring=scoring)
    pipe = make_pipeline(
        StandardScaler(), make(Est, "adam", max_iter=7).set_callbacks(monitor)
    ).set_callbacks(ProgressBar(max_propagation_depth=None))
    pipe.fit(X, y)
    assert re.search(
        rf"fit-final-estimator \| {Est.__name__} - fit", capsys.readouterr().out
    )
    log = monitor.get_logs()
    assert log.estimator_name == "Pipeline"
    inner = pipe[-1]
    epochs = [row for row in log.data if row["task_name"] == "epoch"]
    assert len(epochs) == inner.n_iter_ == 7
    assert len(log.data) == inner.n_iter_ + 1
    assert all(row["estimator_name"] == Est.__name__ for row in log.data)
    assert epochs[-1][scoring] == pytest.approx(pipe.score(X, y))


# ---------------------------------------------------- 5. teardown on errors


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_teardown_runs_when_a_callback_raises(Est, solver):
    # (No ProgressBar here: without its teardown, its thread would keep the
    # interpreter from exiting instead of failing this test.)
    X, y = data_for(Est)
    rec = Recorder(fail_at=2)
    model = make(Est, solver, max_iter=10).set_callbacks(rec)
    with pytest.raises(CallbackError, match="epoch 2"):
        model.fit(X, y)
    assert rec.count("setup") == rec.count("teardown") == 1
    assert rec.calls[-1][0] == "teardown"
    assert_no_task_ends_twice(rec)
    assert not hasattr(model, "coefs_")
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with pytest.raises(NotFittedError):
        model.predict(X)
    for attr in MACHINERY[:2]:
        assert not hasattr(model, attr)
    # the callbacks stay set: a fit without the failure works afterwards
    rec.fail_at = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert rec.count("teardown") == 2


@quiet
@pytest.mark.parametrize("solver", SOLVERS)
def test_failed_warm_fit_keeps_the_model(solver):
    Est = BackpropRegressor
    X, y = data_for(Est)
    model = make(Est, solver, max_iter=4).fit(X, y)
    before = (list(model.coefs_), list(model.intercepts_))
    curve = list(model.loss_curve_)
    rec = Recorder(fail_at=2)
    model.set_params(warm_start=True).set_callbacks(rec)
    with pytest.raises(CallbackError):
        model.fit(X, y)
    assert rec.count("teardown") == 1
    assert_weights_equal(model, before)
    assert model.loss_curve_ == curve


def test_teardown_runs_when_training_diverges():
    X, y = data_for(BackpropRegressor)
    rec = Recorder()
    model = make(
        BackpropRegressor,
        "sgd",
        activation="relu",
        learning_rate_init=1e6,
        max_iter=20,
    ).set_callbacks(rec)
    with pytest.raises(ValueError, match="learning_rate_init"):
        model.fit(X * 1e3, y)
    assert rec.count("setup") == rec.count("teardown") == 1
    with pytest.raises(NotFittedError):
        model.predict(X)
    for attr in MACHINERY[:2]:
        assert not hasattr(model, attr)


@pytest.mark.parametrize("solver", SOLVERS)
def test_interrupted_fit_ends_every_task(solver, monkeypatch):
    # Ctrl-C inside an epoch (L-BFGS iteration) keeps what was learned, as
    # without callbacks; the interrupted task is ended, not left open.
    Est = BackpropClassifier
    X, y = data_for(Est)
    calls = {"n": 0}
    backprop = _training.backprop

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 12:  # epoch 3 of 5 mini-batches, or a later iteration
            raise KeyboardInterrupt
        return backprop(*args, **kwargs)

    monkeypatch.setattr(_training, "backprop", interrupted)
    rec = Recorder()
    model = make(Est, solver, max_iter=30).set_callbacks(rec)
    with pytest.warns(UserWarning, match="interrupted by user"):
        model.fit(X, y)
    check_is_fitted(model)
    assert 0 < model.n_iter_ < 30
    assert len(rec.fitted) == model.n_iter_
    assert len(rec.tasks("end", ["fit"])) == 1
    assert rec.count("teardown") == 1
    assert_every_begin_ends_once(rec)


# ---------------------------- 6. partial_fit, warm_start, early_stopping


@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_partial_fit_is_a_root_task_with_one_epoch(Est, solver):
    X, y = data_for(Est)
    rec = Recorder()
    model = make(Est, solver).set_callbacks(rec)
    after = []
    for i in range(3):
        model.partial_fit(X, y, **(classes_kw(Est, y) if i == 0 else {}))
        after.append((list(model.coefs_), list(model.intercepts_)))
    assert rec.count("setup") == rec.count("teardown") == 3
    roots = rec.tasks("end", ["fit"])
    assert len(roots) == len(rec.tasks("begin", ["fit"])) == 3
    assert len({ctx.root_uuid for ctx in roots}) == 3
    for root in roots:
        assert root.max_subtasks == 1
        (child,) = root._children_map.values()
        assert child.task_name == "epoch"
    assert len(rec.tasks("end", ["epoch"], fitted=True)) == 3
    assert_every_begin_ends_once(rec)
    for snapshot, weights in zip(rec.snapshots, after):
        assert_weights_equal(make_holder(weights), snapshot)
    assert len(model.loss_curve_) == 3


def make_holder(weights):
    class Holder:
        pass

    holder = Holder()
    holder.coefs_, holder.intercepts_ = weights
    return holder


@quiet
@pytest.mark.parametrize("stop_at", [None, 2])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_warm_start_with_callbacks(Est, solver, stop_at):
    X, y = data_for(Est)
    model = make(Est, solver, max_iter=4, tol=0).fit(X, y)
    assert model.n_iter_ == 4
    rec = Recorder(stop_at=stop_at)
    model.set_params(warm_start=True, max_iter=5).set_callbacks(rec)
    model.fit(X, y)
    expected = 5 if stop_at is None else stop_at
    assert model.n_iter_ == expected
    assert len(rec.fitted) == expected
    assert [fe.n_iter_ for fe in rec.fitted] == list(range(1, expected + 1))
    assert len(model.loss_curve_) == 4 + expected
    assert_weights_equal(model, rec.snapshots[-1])
    assert rec.count("teardown") == 1


@quiet
@pytest.mark.parametrize("stop_at", [None, 3])
@pytest.mark.parametrize("solver", STOCHASTIC)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_early_stopping_with_callbacks(Est, solver, stop_at):
    X, y = data_for(Est, n=120)
    rec = Recorder(stop_at=stop_at)
    model = make(
        Est, solver, early_stopping=True, n_iter_no_change=3, max_iter=80
    ).set_callbacks(rec)
    model.fit(X, y)
    if stop_at is not None:
        assert model.n_iter_ == stop_at
    assert model.n_iter_ < 80
    assert len(rec.fitted) == model.n_iter_ == len(model.validation_scores_)
    # the best weights are restored after the loop, callbacks or not
    best = int(np.argmax(model.validation_scores_))
    assert model.best_validation_score_ == model.validation_scores_[best]
    assert_weights_equal(model, rec.snapshots[best])


# ---------------------------------------------------------------- 7. pickle


@quiet
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_pickle_with_callbacks(Est, capsys):
    X, y = data_for(Est)
    scoring = "accuracy" if Est is BackpropClassifier else "r2"
    monitor = ScoringMonitor(scoring=scoring)
    model = make(Est, "adam").set_callbacks(ProgressBar(), monitor).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    assert_array_equal(loaded.predict(X), model.predict(X))
    assert_same_model(loaded, model)
    # the unpickled callbacks still work
    loaded.fit(X, y)
    assert_same_model(loaded, model)
    assert "100%" in capsys.readouterr().out


# --------------------------------------------- 8. callbacks change no weight


@quiet
@pytest.mark.parametrize(
    "solver, early_stopping",
    [(solver, False) for solver in SOLVERS] + [(s, True) for s in STOCHASTIC],
)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_callbacks_change_no_weight(Est, solver, early_stopping):
    X, y = data_for(Est)
    kw = dict(max_iter=15, early_stopping=early_stopping, n_iter_no_change=3)
    plain = make(Est, solver, **kw).fit(X, y)
    rec = Recorder()
    watched = make(Est, solver, **kw).set_callbacks(ProgressBar(), rec).fit(X, y)
    assert_same_model(watched, plain)
    assert len(rec.fitted) == plain.n_iter_


# ------------------------------------------------------ 9. no leftovers


@quiet
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("Est", ESTIMATORS)
def test_set_callbacks_and_no_leftover_machinery(Est, solver):
    X, y = data_for(Est)
    model = make(Est, solver)
    assert model.set_callbacks() is model
    rec = Recorder()
    assert model.set_callbacks(rec) is model
    model.fit(X, y)
    watched = set(vars(model))
    assert "_skl_callbacks" in watched
    for attr in MACHINERY[:2]:
        assert attr not in watched
    model.set_callbacks()
    assert "_skl_callbacks" not in vars(model)
    model.fit(X, y)
    if solver != "lbfgs":
        model.partial_fit(X, y)
    assert set(vars(model)) == watched - {"_skl_callbacks"}
    for attr in MACHINERY:
        assert not hasattr(model, attr)
    for value in vars(model).values():
        assert not isinstance(value, CallbackContext)
        assert "Monitor" not in type(value).__name__
    assert rec.count("setup") == rec.count("teardown") == 1  # the first fit only

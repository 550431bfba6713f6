"""scikit-learn's callback API (``sklearn.callback``, scikit-learn >= 1.9).

``est.set_callbacks(ProgressBar(), ScoringMonitor(...))`` on a skbp estimator
works as on LogisticRegression: a fit is a root task with one subtask per
epoch (per L-BFGS iteration for lbfgs); each subtask's begin and end hand the
callbacks the data and a ``fitted_estimator``: the model as it stands before
and after that epoch — weights, ``n_iter_``, ``loss_``, ``loss_curve_``,
``t_``, validation scores, optimizer state — a snapshot sharing no mutable
state with the model in training (only the callbacks themselves are shared),
so that later epochs leave it alone; a callback that returns True from
``on_fit_task_end`` stops training after that epoch, leaving a fitted model.
The training loop sees only ``Monitor.begin_epoch`` and ``end_epoch``; on
older scikit-learn the estimators work as before and ``set_callbacks`` does
not exist.
"""

import copy

from . import _network
from ._array_api import namespace_of

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # pragma: no cover - older scikit-learn: no callback API

    class CallbackSupportMixin:
        """No callback API before scikit-learn 1.9."""

        def _init_callback_context(self, **kwargs):
            return None

    def with_callbacks(method):
        return method


__all__ = ["NO_MONITOR", "CallbackSupportMixin", "Monitor", "with_callbacks"]


class Monitor:
    """The callbacks of one training call, as the training loop sees them.

    Parameters
    ----------
    estimator : BaseBackprop
        The estimator being trained (its callbacks and attributes).
    X, y : arrays
        The training data handed to the callbacks' hooks.
    sample_weight : ndarray or None
        Passed as ``metadata={"sample_weight": ...}``.
    max_subtasks : int or None
        Epochs (or L-BFGS iterations) this call may run.
    """

    def __init__(self, estimator, X, y, sample_weight, max_subtasks):
        self._estimator = estimator
        self._kwargs = dict(
            X=X,
            y=y,
            metadata=None
            if sample_weight is None
            else {"sample_weight": sample_weight},
        )
        self._root = estimator._init_callback_context(max_subtasks=max_subtasks)
        self._task = None
        self.stopped = False
        if self._root is not None:
            self._root.call_on_fit_task_begin(estimator=estimator, **self._kwargs)

    def begin_epoch(self, params, history):
        """Open the subtask of the next epoch (or L-BFGS iteration).

        ``params`` and ``history`` (the training call's History so far) are
        the model as it stands; a snapshot is made only if a callback asks.
        """
        if self._root is None:
            return
        self._task = self._root.subcontext(task_name=self._task_name)
        self._task.call_on_fit_task_begin(
            estimator=self._estimator,
            reconstruction_attributes=lambda: self._snapshot(params, history),
            **self._kwargs,
        )

    def end_epoch(self, params, history):
        """Close the epoch's subtask; True when a callback asks to stop."""
        if self._root is None:
            return False
        task, self._task = self._task, None  # closed even if a hook raises
        stop = task.call_on_fit_task_end(
            estimator=self._estimator,
            reconstruction_attributes=lambda: self._snapshot(params, history),
            **self._kwargs,
        )
        self.stopped = bool(stop)
        return self.stopped

    def close(self):
        """Close a subtask that was opened but never ran (L-BFGS's last, or
        an epoch cut short by Ctrl-C)."""
        if self._task is not None:
            task, self._task = self._task, None
            task.call_on_fit_task_end(estimator=self._estimator)

    def end_fit(self):
        """Close the root task: the estimator is fitted."""
        if self._root is not None:
            self._root.call_on_fit_task_end(
                estimator=self._estimator, reconstruction_attributes={}, **self._kwargs
            )

    @property
    def _task_name(self):
        return "lbfgs-iter" if self._estimator.solver == "lbfgs" else "epoch"

    def _snapshot(self, params, history):
        """Every attribute of the model as it stands now, copied.

        The estimator's state from before this call, deep-copied (optimizer,
        random state, lists), a copy of the weights, then the call's History
        so far recorded on it as the end of the call records it.
        """
        live = self._estimator
        model = copy.copy(live)
        for name, value in vars(live).items():
            if name not in _SHARED and name not in ("coefs_", "intercepts_"):
                setattr(model, name, copy.deepcopy(value))
        if hasattr(live, "_skl_callbacks"):  # the same callbacks, its own list
            model._skl_callbacks = list(live._skl_callbacks)
        xp, _ = namespace_of(params)
        units = _network.layer_units_of(live.coefs_)
        model.coefs_, model.intercepts_ = _network.unpack(
            xp.asarray(params, copy=True), units
        )
        model._record(history)
        return vars(model)


#: The callback machinery a snapshot shares with the model in training.
_SHARED = (
    "_skl_callbacks",
    "_callback_fit_ctx",
    "_skl_callbacks_to_teardown",
    "_parent_callback_ctx",
)


class _NoMonitor:
    """A training call watched by nobody (direct use of the training module)."""

    stopped = False

    def begin_epoch(self, params, history):
        pass

    def end_epoch(self, params, history):
        return False

    def close(self):
        pass

    def end_fit(self):
        pass


NO_MONITOR = _NoMonitor()

"""When to stop training: one object holds every piece of that state."""

import numpy as np

from . import _inplace
from ._array_api import namespace_of


class Stopping:
    """Counts epochs without progress, keeps the best loss, score and weights.

    Progress is a training loss at least ``tol`` below the best so far or,
    with ``early_stopping``, a validation score at least ``tol`` above the
    best of this training call (whose best weights are kept, to be restored
    at the end).  A NaN score (a validation set whose predictions are not
    finite) is no progress and never the best.  After more than
    ``n_iter_no_change`` epochs without progress the optimizer is asked
    (``stalled``): the 'adaptive' schedule shrinks its step and goes on,
    everything else stops.  MLPClassifier's rule, in one place.

    Parameters
    ----------
    tol : float
    n_iter_no_change : int or inf
    early_stopping : bool
    best_loss : float or None
        The best training loss of earlier calls (warm starts, partial_fit);
        None for none.
    count : int, default=0
        Epochs without progress carried over from earlier calls.

    Examples
    --------
    >>> import numpy as np
    >>> from skbp._stopping import Stopping
    >>> stop = Stopping(tol=0.1, n_iter_no_change=1, early_stopping=False,
    ...                 best_loss=None)
    >>> class Adam:
    ...     def stalled(self):
    ...         return True
    >>> params = np.zeros(3)
    >>> [stop.update(loss, None, params, Adam()) for loss in (1.0, 0.95, 0.93)]
    [False, False, True]
    >>> stop = Stopping(tol=0.0, n_iter_no_change=1, early_stopping=True,
    ...                 best_loss=None)
    >>> [stop.update(1.0, score, params, Adam()) for score in (0.5, np.nan, np.nan)]
    [False, False, True]
    >>> float(stop.best_score)
    0.5
    """

    def __init__(self, *, tol, n_iter_no_change, early_stopping, best_loss, count=0):
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.early_stopping = early_stopping
        self.best_loss = np.inf if best_loss is None else best_loss
        self.best_score = -np.inf
        self.best_params = None
        self.count = count

    def update(self, loss, score, params, optimizer):
        """Record one epoch; True when training should stop.

        ``score`` is the epoch's validation score (None without validation
        data); NaN counts as no progress.
        """
        if self.early_stopping:
            improved = score >= self.best_score + self.tol
        else:
            improved = loss <= self.best_loss - self.tol
        self.best_loss = min(self.best_loss, loss)
        if score is not None and score > self.best_score:
            self.best_score = score
            if self.early_stopping:
                self.keep_best(params)
        self.count = 0 if improved else self.count + 1
        if self.count > self.n_iter_no_change:
            self.count = 0
            return optimizer.stalled()
        return False

    def keep_best(self, params):
        """A copy of the best weights, in a buffer allocated once."""
        if self.best_params is None:
            xp, _ = namespace_of(params)
            self.best_params = xp.asarray(params, copy=True)
        else:
            _inplace.copy(params, self.best_params)


def best_score(scores):
    """The best of validation ``scores``: the highest that is a number.

    None without scores; -inf when every score is NaN (as MLPClassifier's
    ``best_validation_score_`` when no epoch validated), so that NaN, which
    counts as no progress, is never the best.

    Examples
    --------
    >>> from skbp._stopping import best_score
    >>> best_score([0.2, float("nan"), 0.5]), best_score([float("nan")])
    (0.5, -inf)
    """
    if not scores:
        return None
    return max((s for s in scores if s == s), default=-np.inf)  # s != s: NaN

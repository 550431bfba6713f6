"""The training loop: a whole fit, outside the estimator.

The stochastic solvers follow skorch's shape, each step a short function:
``fit_loop`` (the epochs, validation, stopping, progress) → ``Epochs.run``
(one epoch: ``run_single_epoch``) → ``train_step`` (one mini-batch: the
seed's back-propagation, then the optimizer's update).  ``fit_lbfgs`` runs
SciPy's L-BFGS-B on the same loss and gradient.  Each returns a ``History``,
from which the estimator sets its fitted attributes; the estimator itself
holds no loop.  An ``Epochs`` object allocates what an epoch needs once per
fit, so the loop over mini-batches allocates nothing that could be
allocated once.
"""

import functools
import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from . import _blas, _inplace
from ._array_api import is_numpy, namespace_of, to_namespace, to_numpy
from ._backprop import Workspace, backprop, chunked_logits
from ._callbacks import NO_MONITOR
from ._costs import normalised_weights
from ._network import unpack
from ._stopping import Stopping, best_score
from ._warnings import warn

#: Below this many multiply-adds in a mini-batch's largest layer, a second
#: BLAS thread costs more in wake-ups than it gains (measured on 2 cores:
#: benchmarks/blas_threads.py), so the epochs run BLAS on one thread.
SMALL_BATCH_MACS = 1_000_000


class DivergenceError(ValueError):
    """Training produced a non-finite loss or weights; the fit was undone.

    Raised by ``fit`` and ``partial_fit`` of both estimators, which leave the
    model as it was before the call (a first fit leaves it unfitted).  The
    message names what to change: ``learning_rate_init``, ``alpha``, the
    scale of X and, for a regressor, the scale of y.  A ValueError, so
    ``except ValueError`` catches it too.

    Examples
    --------
    >>> import numpy as np
    >>> from skbp import BackpropRegressor, DivergenceError
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
    >>> try:
    ...     BackpropRegressor(solver="sgd", max_iter=5).fit(X, 1e200 * X[:, 0])
    ... except DivergenceError as error:
    ...     print(str(error).split(". ")[0])
    Training diverged in epoch 1: the loss became non-finite
    """


DivergenceError.__module__ = "skbp"  # its public name, in tracebacks too


def _remedies(spec):
    """What to scale after a divergence: X always, y when it holds values."""
    advice = "scale X (e.g. with StandardScaler)"
    output = spec.cost.out_activation
    if output == "identity":
        advice += (
            " and y (e.g. TransformedTargetRegressor(regressor=..., "
            "transformer=StandardScaler()))"
        )
    elif output == "exp":  # Poisson counts stay >= 0: divide, do not centre
        advice += (
            " and y (divide the counts by a constant, e.g. with "
            "TransformedTargetRegressor's func and inverse_func)"
        )
    return advice


def batch_size_for(batch_size, n_samples):
    """'auto' → min(200, n_samples); an int is clipped to [1, n_samples]."""
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warn(
            f"batch_size={batch_size} is larger than the {n_samples} training "
            "samples; using all of them in each batch."
        )
    return int(np.clip(batch_size, 1, n_samples))


@dataclass(frozen=True)
class Settings:
    """How to train: the estimator's hyperparameters, read once per call."""

    solver: str
    max_iter: int
    batch_size: object
    shuffle: bool
    tol: float
    n_iter_no_change: float
    early_stopping: bool
    validation_fraction: float
    max_fun: int
    verbose: bool
    learning_rate_init: float


@dataclass
class Validation:
    """Validation rows, encoded targets, normalised weights and the metric;
    ``evaluate`` scores weights on them.

    ``score(Z, loss)`` turns the logits of ``X`` and their loss into the
    epoch's score, larger is better (``_scoring``: by default accuracy for the
    classifier, R² for the regressor).
    """

    X: object
    Y: np.ndarray
    w: object
    score: object

    @classmethod
    def build(cls, X, Y, sample_weight, score):
        """Y and the weights moved beside X, in X's dtype."""
        xp, device = namespace_of(X)
        w, _ = normalised_weights(sample_weight, X.shape[0], _numpy_dtype(X))
        Y, w = to_namespace(Y, w, xp=xp, device=device)
        return cls(X, xp.astype(Y, X.dtype), w, score)

    def evaluate(self, params, layer_units, spec):
        """The score and loss (data term) of ``params`` on these rows."""
        xp, device = namespace_of(params)
        coefs, intercepts = unpack(params, layer_units)
        shape = (self.X.shape[0], layer_units[-1])
        Z = xp.empty(shape, dtype=params.dtype, device=device)
        for rows, Z_chunk in chunked_logits(coefs, intercepts, self.X, spec.sigmas):
            Z[rows, :] = Z_chunk
        scratch = (xp.empty_like(Z), xp.empty_like(Z))
        loss = float(
            spec.cost.output_and_loss(Z, scratch[0], self.Y, self.w, scratch[1], xp)
        )
        return self.score(Z, loss), loss


@dataclass
class History:
    """What one training call did; the estimator's attributes come from it."""

    losses: list = field(default_factory=list)
    scores: list = field(default_factory=list)
    val_losses: list = field(default_factory=list)
    learning_rates: list = field(default_factory=list)
    n_iter: int = 0
    samples_seen: int = 0
    best_loss: object = None
    best_score: object = None
    no_improvement_count: int = 0

    def add(self, loss, score, val_loss, samples=0):
        """One completed epoch (L-BFGS iteration), validation included."""
        self.n_iter += 1
        self.samples_seen += samples
        self.losses.append(loss)
        if score is not None:
            self.scores.append(score)
            self.val_losses.append(val_loss)


def holdout(X, y, Y, sample_weight, fraction, rng, stratify):
    """Split off ``fraction`` of the rows for early stopping.

    Stratified by ``y`` when ``stratify`` (classification) and possible: a
    class too small to stratify gives a plain random split, with a warning.
    The split is drawn on the host from ``rng`` and applied to each array
    where it lives.  Returns ``(X, y, Y, sample_weight)`` for training and
    the same for validation (weights None when ``sample_weight`` is None).
    """
    if fraction == 0:
        raise ValueError(
            "early_stopping=True needs validation_fraction > 0, or X_val and "
            "y_val passed to fit."
        )
    n = X.shape[0]
    split = functools.partial(
        train_test_split, np.arange(n), test_size=fraction, random_state=rng
    )
    try:
        train, val = split(stratify=y if stratify else None)
    except ValueError as exc:
        warn(f"early_stopping's validation split is not stratified: {exc}")
        train, val = split(stratify=None)
    if val.shape[0] < 2:
        raise ValueError(
            "early_stopping needs a validation set of at least 2 samples; "
            f"validation_fraction={fraction} of {n} gives {val.shape[0]}. Use "
            "more data, a larger validation_fraction, or pass X_val and y_val."
        )
    arrays = (X, y, Y, sample_weight)
    return (
        tuple(_rows(a, train) for a in arrays),
        tuple(_rows(a, val) for a in arrays),
    )


def _rows(array, idx):
    """``array[idx]`` for host indices ``idx``, wherever the array lives."""
    if array is None or is_numpy(array):
        return None if array is None else array[idx]
    xp, device = namespace_of(array)
    return xp.take(array, xp.asarray(idx, device=device), axis=0)


def validate(params, layer_units, spec, val):
    """The validation score and loss (data term) of the current weights.

    ``val`` evaluates itself: a ``Validation`` in memory, or rows held by a
    dask cluster (``_distributed``), which sums the same terms per chunk.
    """
    return val.evaluate(params, layer_units, spec)


def train_step(params, X, Y, w, n_eff, spec, ws, optimizer):
    """One mini-batch: loss and gradient by back-propagation, then one update.

    Returns the loss as a 0-d array, left on the device.
    """
    loss = backprop(params, X, Y, w, n_eff, spec, ws)
    optimizer.step(params, ws.grad, ws.scratch)
    return loss


class Epochs:
    """Runs epochs of mini-batch training on fixed data.

    Parameters
    ----------
    X : array or CSR matrix of shape (n_samples, n_features)
        In the namespace and on the device that training uses.
    Y : array of shape (n_samples, n_outputs)
        Targets, beside X: the classifier's 0/1 codes (uint8) or the
        regressor's values; each mini-batch is converted to the model's
        dtype as it is gathered.
    sample_weight : ndarray of shape (n_samples,) or None
        On the host: each batch's weights are normalised there.
    layer_units : list of int
    batch_size : int
    spec : NetSpec
    """

    def __init__(self, X, Y, sample_weight, layer_units, batch_size, spec):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.batch_size, self.spec = batch_size, spec
        self.xp, self.device = namespace_of(X)
        n, dtype = X.shape[0], X.dtype
        self.ws = Workspace(
            layer_units, batch_size, dtype, self.xp, self.device, spec.sigmas
        )
        self.order = np.arange(n)  # shuffled on the host, by random_state
        self.sparse = sparse.issparse(X)  # decided once, not per batch
        self.on_numpy = is_numpy(X)
        empty = lambda cols, dt: self.xp.empty(  # noqa: E731
            (batch_size, cols), dtype=dt, device=self.device
        )
        if not self.sparse:
            self.X_batch = empty(X.shape[1], dtype)
        largest = max(i * o for i, o in zip(layer_units[:-1], layer_units[1:]))
        self.small_batches = batch_size * largest < SMALL_BATCH_MACS
        self.Y_codes = empty(Y.shape[1], Y.dtype)
        self.Y_batch = empty(Y.shape[1], dtype)

    def run(self, params, optimizer, rng, shuffle):
        """One pass over the data (run_single_epoch); updates ``params`` in place.

        Returns the epoch's loss: the batches' losses averaged with the
        batches' row counts, as MLPClassifier does (with sample weights too:
        each batch's loss is already its weighted mean).  The losses add up
        on the device and are read once, at the epoch's end, so the loop
        never waits for the host; a non-finite loss or weights then raise
        DivergenceError.
        """
        if shuffle:
            rng.shuffle(self.order)  # the same draws as sklearn.utils.shuffle
        order = self._device_order()
        total, rows = 0.0, 0
        for start in range(0, self.X.shape[0], self.batch_size):
            stop = min(start + self.batch_size, self.X.shape[0])
            X_b, Y_b, w, n_eff = self._gather(start, stop, order, shuffle)
            if n_eff == 0:  # only zero-weight samples: nothing to learn
                continue
            loss = train_step(params, X_b, Y_b, w, n_eff, self.spec, self.ws, optimizer)
            total, rows = total + loss * (stop - start), rows + (stop - start)
        total = float(total) / rows
        if not (math.isfinite(total) and math.isfinite(float(self.xp.sum(params)))):
            raise DivergenceError(f"non-finite loss ({total}) or weights in an epoch")
        return total

    def blas_threads_limited(self):
        """A context for all epochs of a fit: one BLAS thread for small
        batches; otherwise one thread for SciPy's own BLAS only, which the
        optimizer's level-1 updates call (``_blas``)."""
        if self.small_batches:
            return _blas.ONE_BLAS_THREAD
        return _blas.ONE_SCIPY_BLAS_THREAD

    def _device_order(self):
        """The epoch's row order where the rows are (one transfer an epoch)."""
        if self.on_numpy:
            return self.order
        return self.xp.asarray(self.order, device=self.device)

    def _gather(self, start, stop, order, shuffled):
        """Rows ``order[start:stop]``: X, Y, normalised weights and weight sum."""
        idx, m, xp = order[start:stop], stop - start, self.xp
        if self.sparse:
            X_b = self.X[idx]
        elif shuffled:
            X_b = _inplace.take_rows(self.X, idx, self.X_batch[:m, :], xp)
        else:
            X_b = self.X[start:stop, :]
        codes = _inplace.take_rows(self.Y, idx, self.Y_codes[:m, :], xp)
        if self.on_numpy:
            Y_b = _inplace.copy(codes, self.Y_batch[:m, :])
        else:  # a fresh array already: one conversion, no copy into a buffer
            Y_b = xp.astype(codes, self.Y_batch.dtype)
        if self.sample_weight is None:
            return X_b, Y_b, None, float(m)
        sw = self.sample_weight[self.order[start:stop]]
        total = float(sw.sum())
        if total == 0:
            return X_b, Y_b, None, 0.0
        w = (sw / total).astype(_numpy_dtype(Y_b))
        return X_b, Y_b, to_namespace(w, xp=xp, device=self.device), total


def _xp_sum(array):
    xp, _ = namespace_of(array)
    return xp.sum(array)


def _numpy_dtype(array):
    """NumPy's dtype of the same name as ``array``'s (float32 or float64)."""
    return np.float32 if "float32" in str(array.dtype) else np.float64


def fit_loop(
    params,
    layer_units,
    data,
    val,
    spec,
    settings,
    optimizer,
    rng,
    *,
    incremental,
    samples_seen,
    best_loss,
    no_improvement_count,
    monitor=NO_MONITOR,
    epochs=None,
):
    """Train ``params`` in place with a stochastic solver; returns a History.

    Runs one epoch (``incremental``: partial_fit) or up to ``max_iter``, each
    followed by validation (when ``val``), the optimizer's end-of-epoch
    schedule, the progress line and the stopping rule.  With early stopping
    the best weights of this call are restored at the end.  Ctrl-C ends the
    loop with a warning, keeping what was learned (as MLPClassifier) — once
    an epoch has completed; before that there is nothing to keep, and the
    KeyboardInterrupt goes on to the estimator, which rolls the call back.

    Parameters
    ----------
    params : ndarray
        The flat parameter vector (``_network``'s layout).
    data : tuple (X, Y, sample_weight)
    val : Validation or None
    samples_seen : int
        Samples seen by earlier calls (the 'invscaling' schedule counts them).
    best_loss, no_improvement_count :
        The stopping state carried over from earlier calls.
    monitor : _callbacks.Monitor
        scikit-learn's callbacks: told when each epoch begins and ends, and
        may stop training after any epoch.
    epochs : object, optional
        What runs one epoch, in place of ``Epochs`` over ``data`` in memory
        (then ``data`` is None): ``_distributed``'s, whose rows stay on a
        dask cluster.  It has Epochs' ``run``, ``blas_threads_limited``,
        ``ws.layer_units`` and ``X.shape``.
    """
    if epochs is None:
        X, Y, sample_weight = data
        batch_size = batch_size_for(settings.batch_size, X.shape[0])
        epochs = Epochs(X, Y, sample_weight, layer_units, batch_size, spec)
    stopping = Stopping(
        tol=settings.tol,
        n_iter_no_change=settings.n_iter_no_change,
        early_stopping=settings.early_stopping,
        best_loss=best_loss,
        count=no_improvement_count,
    )
    if settings.early_stopping:
        stopping.keep_best(params)  # if no epoch validates, this call changes nothing
    history = History()
    try:
        with epochs.blas_threads_limited():
            for _ in range(1 if incremental else settings.max_iter):
                monitor.begin_epoch(params, _so_far(history, stopping, settings))
                stalled = _epoch(
                    params,
                    epochs,
                    val,
                    spec,
                    settings,
                    optimizer,
                    rng,
                    stopping,
                    history,
                    samples_seen,
                )
                ended = _so_far(history, stopping, settings)
                if monitor.end_epoch(params, ended) or stalled:
                    break
            else:
                if not incremental:
                    warn(
                        f"Stochastic optimizer: max_iter={settings.max_iter} epochs "
                        "reached before the loss converged. Increase max_iter.",
                        ConvergenceWarning,
                    )
    except KeyboardInterrupt:  # as MLPClassifier: keep what was learned
        monitor.close()
        if history.n_iter == 0:
            raise
        warn("Training interrupted by user.")
    if settings.early_stopping:
        _inplace.copy(stopping.best_params, params)
    return _so_far(history, stopping, settings)


def _so_far(history, stopping, settings):
    """``history`` with the stopping state as it stands: best loss and score,
    epochs without progress (what a callback's snapshot and the end record)."""
    history.best_loss = None if settings.early_stopping else stopping.best_loss
    history.best_score = stopping.best_score if history.scores else None
    history.no_improvement_count = stopping.count
    return history


def _epoch(
    params, epochs, val, spec, settings, optimizer, rng, stopping, history, samples_seen
):
    """One epoch and its bookkeeping into ``history``; True to stop."""
    start = time.perf_counter()
    eta = optimizer.schedule.eta  # the schedule's step size for this epoch
    try:
        loss = epochs.run(params, optimizer, rng, settings.shuffle)
    except DivergenceError:
        raise DivergenceError(
            f"Training diverged in epoch {history.n_iter + 1}: the loss became "
            f"non-finite. Lower learning_rate_init (now "
            f"{settings.learning_rate_init}) or alpha (now {spec.alpha}), or "
            f"{_remedies(spec)}. The model was left as it was before this call."
        ) from None
    score = val_loss = None
    if val is not None:
        score, val_loss = validate(params, epochs.ws.layer_units, spec, val)
    history.add(loss, score, val_loss, samples=epochs.X.shape[0])
    history.learning_rates.append(eta)
    optimizer.epoch_ends(samples_seen + history.samples_seen)
    if settings.verbose:
        print_progress(history, time.perf_counter() - start)
    return stopping.update(loss, score, params, optimizer)


def print_progress(history, seconds=None):
    """The verbose line of MLPClassifier: iteration, loss, score, seconds."""
    line = f"Iteration {history.n_iter}, loss = {history.losses[-1]:.8f}"
    if history.scores:
        line += f", validation score = {history.scores[-1]:.6f}"
    print(line if seconds is None else f"{line}, time = {seconds:.3f}s")


def fit_lbfgs(
    params, layer_units, data, val, spec, settings, *, best_loss, monitor=NO_MONITOR
):
    """Minimise the full-batch loss with SciPy's L-BFGS-B, in place on ``params``.

    After each iteration ``params`` holds the iterate, which is then
    validated (when ``val``).  Ctrl-C ends the run at the last completed
    iterate — the best point so far, as L-BFGS's line search only accepts
    decreases — with a warning; before a first iteration completed, the
    KeyboardInterrupt goes on to the estimator, which rolls the call back.
    Returns a History with one loss (and score) per iteration.  ``monitor``
    (scikit-learn's callbacks) sees one task per iteration and may end the
    run after any, cleanly: SciPy is stopped through ``StopIteration``, with
    no convergence warning.
    """
    X, Y, sample_weight = data
    xp, device = namespace_of(X)
    dtype = params.dtype
    Y = xp.astype(Y, dtype)
    w, n_eff = normalised_weights(sample_weight, X.shape[0], _numpy_dtype(params))
    w = to_namespace(w, xp=xp, device=device)
    # Held through a dict that is emptied at the end, so that the full-batch
    # buffers die with this call even if SciPy's objects form a cycle.
    scratch = {"ws": Workspace(layer_units, X.shape[0], dtype, xp, device, spec.sigmas)}

    def fun(theta):
        ws = scratch["ws"]
        loss = backprop(_on_device(theta, params), X, Y, w, n_eff, spec, ws)
        return float(loss), to_numpy(ws.grad).astype(np.float64)

    try:
        return run_lbfgs(
            params,
            fun,
            layer_units,
            val,
            spec,
            settings,
            best_loss=best_loss,
            monitor=monitor,
        )
    finally:
        scratch.clear()


def _on_device(theta, params):
    """SciPy's float64 vector on the host → the parameters' dtype and device."""
    if is_numpy(params):
        return theta.astype(params.dtype, copy=False)
    xp, device = namespace_of(params)
    return xp.asarray(theta, dtype=params.dtype, device=device)


def run_lbfgs(
    params, fun, layer_units, val, spec, settings, *, best_loss, monitor=NO_MONITOR
):
    """``fit_lbfgs`` with the loss and gradient given: ``fun(theta)`` returns
    ``(loss, gradient)`` (a float and a float64 NumPy vector) of SciPy's
    float64 vector ``theta`` — the full batch in memory, or summed over the
    chunks a dask cluster holds (``_distributed``)."""
    history = History()
    on_device = functools.partial(_on_device, params=params)

    def record(intermediate_result):
        _inplace.copy(on_device(intermediate_result.x), params)
        _record_iteration(
            history,
            float(intermediate_result.fun),
            params,
            layer_units,
            spec,
            settings,
            val,
        )
        if monitor.end_epoch(params, _lbfgs_so_far(history, best_loss, settings)):
            raise StopIteration
        monitor.begin_epoch(params, history)

    monitor.begin_epoch(params, _lbfgs_so_far(history, best_loss, settings))
    try:
        with _blas.ONE_SCIPY_BLAS_THREAD:
            result = scipy.optimize.minimize(
                fun,
                to_numpy(params).astype(np.float64),
                method="L-BFGS-B",
                jac=True,
                callback=record,
                options={
                    "maxfun": settings.max_fun,
                    "maxiter": settings.max_iter,
                    "gtol": settings.tol,
                },
            )
    except KeyboardInterrupt:  # params holds the last completed iterate
        if not history.losses:
            raise
        warn("Training interrupted by user.")
        result = None
    else:
        _inplace.copy(on_device(result.x), params)
    finally:
        monitor.close()
    _finish_lbfgs(history, result, params, layer_units, spec, settings, val)
    if result is not None and not monitor.stopped:
        _warn_lbfgs_stop(result, spec, settings)
    return _lbfgs_so_far(history, best_loss, settings)


def _lbfgs_so_far(history, best_loss, settings):
    """``history`` with the best loss (of this and earlier calls; None with
    early stopping, as for sgd/adam) and the best score so far."""
    history.best_loss = None
    if not settings.early_stopping:
        earlier = [] if best_loss is None else [best_loss]
        history.best_loss = min([*history.losses, *earlier], default=None)
    history.best_score = best_score(history.scores)
    return history


def _record_iteration(history, loss, params, layer_units, spec, settings, val):
    score = val_loss = None
    if val is not None:
        score, val_loss = validate(params, layer_units, spec, val)
    history.add(loss, score, val_loss)
    if settings.verbose:
        print_progress(history)


def _finish_lbfgs(history, result, params, layer_units, spec, settings, val):
    """Check the end point; record it if no iteration completed."""
    final = history.losses[-1] if result is None else float(result.fun)
    if not (math.isfinite(float(_xp_sum(params))) and math.isfinite(final)):
        raise DivergenceError(
            f"L-BFGS produced a non-finite loss or weights: {_remedies(spec)}, "
            f"or change alpha (now {spec.alpha}): lower it if it is huge, raise "
            "it if the weights grow without bound. The model was left as it "
            "was before this call."
        )
    if not history.losses:  # stopped before a first iteration
        _record_iteration(history, final, params, layer_units, spec, settings, val)
        history.n_iter = 0
    if result is not None:
        history.n_iter = int(result.nit)


def _warn_lbfgs_stop(result, spec, settings):
    """ConvergenceWarning at max_iter/max_fun, or on a deceptively small gradient.

    L-BFGS stops when every gradient entry is below ``tol``.  Under the
    quadratic cost, saturated sigmoid outputs have gradients near zero long
    before a minimum (the σ' factor of BP1), so there such a stop is usually
    early: say so rather than report convergence.
    """
    saturating = spec.cost.loss == "squared_error" and spec.cost.out_activation in (
        "logistic",
        "softmax",
    )
    if result.status != 0:
        message = (
            f"lbfgs stopped at max_iter={settings.max_iter} or max_fun="
            f"{settings.max_fun} before converging ({result.message}). Increase "
            "max_iter or max_fun, or scale the data."
        )
    elif saturating and np.max(np.abs(result.jac)) <= settings.tol:
        message = (
            f"lbfgs stopped after {result.nit} iterations because every gradient "
            f"entry fell below tol={settings.tol}. With the quadratic cost, "
            "saturated sigmoid outputs have tiny gradients long before a minimum, "
            "so this stop is usually early: lower tol (e.g. 1e-8) or use "
            "loss='log_loss'."
        )
    else:
        return
    warn(message, ConvergenceWarning)

"""The training engine: mini-batch epochs and full-batch L-BFGS.

Both call ``_backprop.backprop`` for the loss and gradient.  An ``Epochs``
object allocates everything a stochastic epoch needs once per fit —
activations, errors, the gradient, the gathered mini-batch — so that the
loop over mini-batches allocates nothing that could be allocated once.
"""

import contextlib
import math
import threading
import warnings

import numpy as np
import scipy.optimize
from scipy import sparse
from threadpoolctl import threadpool_limits

from ._backprop import Workspace, backprop
from ._losses import normalised_weights

#: Below this many multiply-adds in a mini-batch's largest layer, a second
#: BLAS thread costs more in wake-ups than it gains (measured on 2 cores:
#: benchmarks/blas_threads.py), so the epochs run BLAS on one thread.
SMALL_BATCH_MACS = 1_000_000


class _SharedBlasLimit:
    """One BLAS thread while any fit in the process asks for it.

    BLAS thread counts are process-wide, so fits that overlap in several
    threads share one limit: the first to enter sets it and the last to
    leave restores what was there before.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._limiter = None

    def __enter__(self):
        with self._lock:
            if self._users == 0:
                self._limiter = threadpool_limits(limits=1, user_api="blas")
            self._users += 1

    def __exit__(self, *exc_info):
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


_ONE_BLAS_THREAD = _SharedBlasLimit()


class DivergenceError(ValueError):
    """Training produced a non-finite loss."""


def batch_size_for(batch_size, n_samples):
    """'auto' → min(200, n_samples); an int is clipped to [1, n_samples]."""
    if batch_size == "auto":
        return min(200, n_samples)
    if batch_size > n_samples:
        warnings.warn(
            f"batch_size={batch_size} is larger than the {n_samples} training "
            "samples; using all of them in each batch.",
            UserWarning,
            stacklevel=6,
        )
    return int(np.clip(batch_size, 1, n_samples))


class Epochs:
    """Runs epochs of mini-batch training on fixed data.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded 0/1 targets (uint8); each mini-batch is converted to the
        model's dtype as it is gathered.
    sample_weight : ndarray of shape (n_samples,) or None
    layer_units : list of int
    batch_size : int
    spec : NetSpec
    """

    def __init__(self, X, Y, sample_weight, layer_units, batch_size, spec):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.batch_size, self.spec = batch_size, spec
        n, dtype = X.shape[0], X.dtype
        self.ws = Workspace(layer_units, batch_size, dtype)
        self.order = np.arange(n)
        self.total_weight = n if sample_weight is None else float(sample_weight.sum())
        self.sparse = sparse.issparse(X)  # decided once, not per batch
        if not self.sparse:
            self.X_batch = np.empty((batch_size, X.shape[1]), X.dtype)
        largest = max(i * o for i, o in zip(layer_units[:-1], layer_units[1:]))
        self.small_batches = batch_size * largest < SMALL_BATCH_MACS
        self.Y_codes = np.empty((batch_size, Y.shape[1]), Y.dtype)
        self.Y_batch = np.empty((batch_size, Y.shape[1]), dtype)

    def run(self, params, optimizer, rng, shuffle):
        """One pass over the data; updates ``params`` in place.

        Returns the epoch's loss: the batches' losses averaged with the
        batches' weights.  Raises DivergenceError at a non-finite loss.
        """
        if shuffle:
            rng.shuffle(self.order)  # the same draws as sklearn.utils.shuffle
        total = 0.0
        for start in range(0, self.X.shape[0], self.batch_size):
            idx = self.order[start : start + self.batch_size]
            X_b, Y_b, w, n_eff = self._gather(idx, shuffle)
            if n_eff == 0:  # only zero-weight samples: nothing to learn
                continue
            loss = backprop(params, X_b, Y_b, w, n_eff, self.spec, self.ws)
            if not math.isfinite(loss):
                raise DivergenceError(f"non-finite loss ({loss}) on a mini-batch")
            optimizer.step(params, self.ws.grad, self.ws.scratch)
            total += loss * n_eff
        if not np.isfinite(params.sum()):  # the last step can overflow too
            raise DivergenceError("non-finite weights after an epoch")
        return total / self.total_weight

    def blas_threads_limited(self):
        """A context for all epochs of a fit: one BLAS thread for small batches."""
        return _ONE_BLAS_THREAD if self.small_batches else contextlib.nullcontext()

    def _gather(self, idx, shuffled):
        """The mini-batch rows ``idx``: X, Y, normalised weights and weight sum."""
        m = len(idx)
        if self.sparse:
            X_b = self.X[idx]
        elif shuffled:
            # mode="clip" (idx is always in range) spares take's safety copy.
            X_b = np.take(self.X, idx, axis=0, out=self.X_batch[:m], mode="clip")
        else:
            X_b = self.X[idx[0] : idx[0] + m]
        Y_b = self.Y_batch[:m]
        np.copyto(Y_b, np.take(self.Y, idx, axis=0, out=self.Y_codes[:m], mode="clip"))
        if self.sample_weight is None:
            return X_b, Y_b, None, float(m)
        sw = self.sample_weight[idx]
        total = float(sw.sum())
        if total == 0:
            return X_b, Y_b, None, 0.0
        return X_b, Y_b, (sw / total).astype(Y_b.dtype), total


def fit_lbfgs(
    params,
    layer_units,
    X,
    Y,
    sample_weight,
    spec,
    *,
    max_iter,
    max_fun,
    tol,
    verbose,
    on_iteration=None,
):
    """Minimise the full-batch loss with SciPy's L-BFGS-B, in place on ``params``.

    After each iteration ``params`` holds the iterate (so ``on_iteration()``
    sees the model as it stands).  Ctrl-C ends the run at the last completed
    iterate — the best point so far, as L-BFGS's line search only accepts
    decreases — with a warning.

    Returns
    -------
    result : scipy.optimize.OptimizeResult or None
        None when interrupted.
    losses : list of float
        The loss after each L-BFGS iteration.
    """
    dtype = params.dtype
    Y = Y.astype(dtype)
    w, n_eff = normalised_weights(sample_weight, X.shape[0], dtype)
    # Held through a dict that is emptied at the end, so that the full-batch
    # buffers die with this call even if SciPy's objects form a cycle.
    scratch = {"ws": Workspace(layer_units, X.shape[0], dtype)}
    losses = []

    def fun(theta):
        ws = scratch["ws"]
        loss = backprop(theta.astype(dtype, copy=False), X, Y, w, n_eff, spec, ws)
        return loss, ws.grad.astype(np.float64)

    def record(intermediate_result):
        params[:] = intermediate_result.x
        losses.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {len(losses)}, loss = {losses[-1]:.8f}")
        if on_iteration is not None:
            on_iteration()

    try:
        result = scipy.optimize.minimize(
            fun,
            params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=record,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    except KeyboardInterrupt:  # params holds the last completed iterate
        warnings.warn("Training interrupted by user.", stacklevel=6)
        result = None
    else:
        params[:] = result.x
    finally:
        scratch.clear()
    return result, losses

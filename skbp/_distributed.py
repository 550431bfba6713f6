"""Data-parallel training on a dask cluster; the rows never leave the workers.

The loss and its gradient are sums over rows (the seed's BP3 and BP4 sum
over samples), so each chunk of rows back-propagates where it lives —
``_backprop.backprop``, the function every solver calls — and only the
parameters go out and only partial sums come back, as in dask-glm and Spark
MLlib's perceptron:

- L-BFGS (``lbfgs_objective``): every evaluation is one task per chunk,
  each returning (W_c, J_c, ∇J_c) — the chunk's total row weight and its
  weighted-mean loss and gradient (data term) — combined into their
  weighted mean in a tree of fan-in 8 on the workers, whose last (at most
  8) results the client combines (``_reduce``); SciPy's L-BFGS-B runs on
  the client (``_training.run_lbfgs``) and adds the L2 term.  The same
  optimisation as in memory, up to the order of the sums.
- sgd and adam (``ClusterEpochs``): synchronous data-parallel steps.  The
  client draws each epoch's permutation of all n rows from random_state
  (the draws an in-memory fit makes); mini-batch b is rows
  ``order[b·B:(b+1)·B]`` of the whole data set, and each chunk computes the
  partial sums of the rows of batch b it holds; one round trip per step
  brings back their weighted mean, and the optimizer steps on the client.
  So a batch, an epoch, ``n_iter_``, ``t_`` and ``loss_curve_`` mean what
  they mean in memory, and one chunk with ``shuffle=False`` is the
  in-memory fit exactly.
- Validation (``ClusterValidation``): score and loss summed per chunk too.

Chunks persist once per fit (``dask.persist``): with a
``distributed.Client`` in the workers' memory, else in this process
(dask's local scheduler).  dask is imported only here, and only when a dask
collection reaches an estimator.
"""

import functools
import sys
from types import SimpleNamespace

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from . import _blas, _network
from ._backprop import NetSpec, Workspace, backprop, chunked_logits, l2_penalty
from ._callbacks import Monitor
from ._targets import class_weights, encode
from ._training import DivergenceError, batch_size_for, run_lbfgs

#: Partial sums combined per task: a tree of this fan-in on the workers.
FAN_IN = 8


def is_dask(*values):
    """True when any of ``values`` is a dask collection (dask never imported)."""
    if "dask" not in sys.modules:
        return False
    from dask import is_dask_collection

    return any(is_dask_collection(v) for v in values)


# --------------------------------------------------------------- the fit


def fit(est, X, y, sample_weight, validation, *, first, incremental, classes=None):
    """``est.fit`` (``incremental``: ``partial_fit``) on dask collections.

    ``validation`` is (X_val, y_val, sample_weight_val), each possibly None.
    Called by the estimator inside its rollback and callback wrappers, after
    its parameters were validated.
    """
    _check_supported(est)
    data = ClusterData.prepare(est, X, y, sample_weight, reset=first, classes=classes)
    if not incremental or first:
        est._random_state = check_random_state(est.random_state)
    stand_in = np.empty((0, data.n_features), data.dtype)
    est._start(first, stand_in, np.empty((0, data.n_outputs)))
    data = data.persist(est.coefs_[0].dtype)
    val = None
    if validation[0] is not None:
        val = _validation_of(est, *validation)
    return _train(est, data, val, incremental)


def _check_supported(est):
    """What the cluster path refuses, by name, rather than trains wrongly."""
    for name in ("dropout",):
        # A per-layer list of zeros is no dropout: only a rate > 0 is refused.
        if np.any(np.asarray(getattr(est, name, 0), dtype=float)):
            raise ValueError(
                f"{name}={getattr(est, name)!r} is not supported when training on "
                f"a dask array; set {name}=0, or fit on an in-memory array."
            )


def _validation_of(est, X_val, y_val, sample_weight_val):
    """Validation on the cluster (dask X_val) or in memory (the usual path)."""
    if is_dask(X_val, y_val, sample_weight_val):
        rows = ClusterData.prepare(
            est, X_val, y_val, sample_weight_val, reset=False, names=_VAL_NAMES
        )
        return ClusterValidation(rows.persist(est.coefs_[0].dtype), est)
    return est._validation_data(X_val, y_val, sample_weight_val)


def _train(est, data, val, incremental):
    """``BaseBackprop._train`` for rows on the cluster: same loop, same record."""
    est._set_output()
    params = _network.pack(est.coefs_, est.intercepts_)
    units = _network.layer_units_of(est.coefs_)
    est.coefs_, est.intercepts_ = _network.unpack(params, units)
    spec = NetSpec(est._sigmas(), est._cost(), float(est.alpha))
    settings = est._settings()
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        if est.solver != "lbfgs" and est.early_stopping and val is None:
            data, held_out = data.split(est.validation_fraction, est._random_state)
            val = ClusterValidation(held_out, est)
        data = data.weighted(est)
        monitor = Monitor(
            est, data.X, data.y, data.sample_weight, est._max_subtasks(incremental)
        )
        history = _run_solver(
            est, data, val, units, params, spec, settings, incremental, monitor
        )
    est._record(history)
    monitor.end_fit()
    return est


def _run_solver(est, data, val, units, params, spec, settings, incremental, monitor):
    """L-BFGS on the summed objective, or the loop with the cluster's epochs."""
    if est.solver == "lbfgs":
        return run_lbfgs(
            params,
            lbfgs_objective(data, units, spec),
            units,
            val,
            spec,
            settings,
            best_loss=est.best_loss_,
            monitor=monitor,
        )
    batch_size = batch_size_for(settings.batch_size, data.n_samples)
    epochs = ClusterEpochs(data, units, batch_size, spec)
    return est._fit_stochastic(
        params, units, None, val, spec, settings, incremental, monitor, epochs=epochs
    )


# ------------------------------------------------------ work on a chunk


def chunk_partial(params, units, spec, X, Y, w, rows=None):
    """(W_c, J_c, ∇J_c) of one chunk's rows: their total weight, and the
    weighted-mean data loss and its gradient by back-propagation.

    Runs on a worker.  ``rows`` selects local rows (an index array or a
    slice; None: all).  ``spec`` has alpha = 0: the L2 term depends on the
    whole batch's weight and is added on the client.  J_c keeps the
    parameters' dtype (a 0-d array), so that one chunk reproduces the
    in-memory arithmetic exactly.
    """
    if rows is not None:
        X, Y, w = X[rows], Y[rows], None if w is None else w[rows]
    m = X.shape[0]
    if w is None:
        total, w_normalised = float(m), None
    else:
        total = float(w.sum())
        if total == 0:  # only zero-weight rows: nothing to learn here
            return 0.0, None, None
        w_normalised = (w / total).astype(params.dtype)
    ws = Workspace(units, m, params.dtype, np, None, spec.sigmas)
    loss = backprop(params, X, Y.astype(params.dtype), w_normalised, total, spec, ws)
    return total, loss, ws.grad


def combine(parts):
    """The weighted mean of partial results (W, J, ∇J): (ΣW, Σ W J / ΣW, …).

    A single part with weight comes back untouched (so one chunk is exactly
    the in-memory computation); zero-weight parts drop out.
    """
    parts = [p for p in parts if p[0] > 0]
    if not parts:
        return 0.0, None, None
    if len(parts) == 1:
        return parts[0]
    total = sum(p[0] for p in parts)
    loss = sum((p[0] / total) * p[1] for p in parts)
    grad = np.zeros_like(parts[0][2])
    for W, _, g in parts:
        grad += (W / total) * g
    return total, loss, grad


def _reduce(function, parts):
    """``function`` over the Delayed ``parts``, computed: a tree of fan-in
    ``FAN_IN`` on the workers down to at most ``FAN_IN`` results, which the
    client combines as they arrive — so with up to 8 chunks a step costs
    one hop, not two, at 8 parameter vectors' bytes."""
    import dask

    while len(parts) > FAN_IN:
        parts = [
            dask.delayed(function, pure=False)(parts[i : i + FAN_IN])
            for i in range(0, len(parts), FAN_IN)
        ]
    return function(list(dask.compute(*parts, optimize_graph=False)))


def _data_term(spec):
    """The spec a chunk computes with: alpha = 0 (see ``chunk_partial``)."""
    return NetSpec(spec.sigmas, spec.cost, 0.0)


def _regularise(loss, grad, params, alpha, n_eff, n_coefs):
    """Add alpha/(2n)‖W‖² and its gradient, as ``backprop`` adds them."""
    loss = np.array(loss, copy=True)
    loss += l2_penalty(params[:n_coefs], alpha, n_eff)
    if alpha:
        grad[:n_coefs] += np.multiply(params[:n_coefs], alpha / n_eff)
    return loss, grad


def lbfgs_objective(data, units, spec):
    """``fun(theta) → (J, ∇J)`` for ``run_lbfgs``: all rows, summed per chunk."""
    import dask

    chunk_spec = _data_term(spec)
    n_coefs = _network.n_coefs(units)

    def fun(theta):
        params = theta.astype(data.dtype)
        shared = dask.delayed(params, pure=False)
        parts = [
            dask.delayed(chunk_partial, pure=False)(shared, units, chunk_spec, *blocks)
            for blocks in data.blocks()
        ]
        _, loss, grad = _reduce(combine, parts)
        loss, grad = _regularise(loss, grad, params, spec.alpha, data.n_eff, n_coefs)
        return float(loss), grad.astype(np.float64)

    return fun


class ClusterEpochs:
    """``_training.Epochs`` for rows on a cluster: one epoch of steps, each
    summing the batch's gradient over the chunks that hold its rows.

    Batch b of an epoch is rows ``order[b·B:(b+1)·B]`` of the whole data set
    (``order`` drawn on the client by random_state, as in memory); each
    chunk back-propagates the rows of the batch it holds, in that order.
    One round trip a step: the parameters out, one (W, J, ∇J) back.
    """

    def __init__(self, data, layer_units, batch_size, spec):
        self.data, self.batch_size, self.spec = data, batch_size, spec
        self.chunk_spec = _data_term(spec)
        self.units = list(layer_units)
        self.ws = SimpleNamespace(layer_units=self.units)  # what the loop reads
        self.X = data.X
        self.order = np.arange(data.n_samples)
        self.n_coefs = _network.n_coefs(layer_units)

    def run(self, params, optimizer, rng, shuffle):
        """One epoch; updates ``params`` in place; returns the epoch's loss
        (batch losses averaged by row counts, as ``Epochs.run``)."""
        if shuffle:
            rng.shuffle(self.order)  # the same draws as Epochs
        chunk_of = np.searchsorted(self.data.stops, self.order, side="right")
        scratch = np.empty_like(params)
        total, rows, n = 0.0, 0, self.data.n_samples
        for start in range(0, n, self.batch_size):
            stop = min(start + self.batch_size, n)
            W, loss, grad = self._step(
                params, self.order[start:stop], chunk_of[start:stop]
            )
            if W == 0:  # only zero-weight samples: nothing to learn
                continue
            loss, grad = _regularise(
                loss, grad, params, self.spec.alpha, W, self.n_coefs
            )
            optimizer.step(params, grad, scratch)
            total, rows = total + loss * (stop - start), rows + (stop - start)
        total = float(total) / rows
        if not (np.isfinite(total) and np.isfinite(params.sum())):
            raise DivergenceError(f"non-finite loss ({total}) or weights in an epoch")
        return total

    def _step(self, params, batch, chunk_of):
        """(W, J, ∇J) of the batch's rows: one task per chunk holding some."""
        import dask

        shared = dask.delayed(params.copy(), pure=False)
        parts = []
        for c in np.unique(chunk_of):
            local = batch[chunk_of == c] - self.data.starts[c]
            blocks = self.data.block(c)
            parts.append(
                dask.delayed(chunk_partial, pure=False)(
                    shared, self.units, self.chunk_spec, *blocks, _as_slice(local)
                )
            )
        return _reduce(combine, parts)

    def blas_threads_limited(self):
        """The workers' BLAS is theirs to set; on the client, SciPy's own BLAS
        runs the optimizer's level-1 updates on one thread, as in memory."""
        return _blas.ONE_SCIPY_BLAS_THREAD


def _as_slice(local):
    """A run of consecutive rows as a slice (a view, as in memory), else the
    index array."""
    if (
        len(local)
        and local[-1] - local[0] + 1 == len(local)
        and np.all(np.diff(local) == 1)
    ):
        return slice(int(local[0]), int(local[-1]) + 1)
    return local


# ------------------------------------------------------- the rows themselves

_FIT_NAMES = ("X", "y", "sample_weight")
_VAL_NAMES = ("X_val", "y_val", "sample_weight_val")


class ClusterData:
    """Rows on the cluster: X, targets y, their codes Y and weights, chunked
    alike along the rows (one chunk of columns).

    ``sample_weight`` holds the user's weights (None: all ones); ``w`` the
    weights training averages with (times ``class_weight``: ``weighted``).
    Nothing here is ever gathered: only scalars and per-class counts come
    back to the client.
    """

    def __init__(self, X, y, Y, sample_weight, w=None, n_eff=None):
        self.X, self.y, self.Y = X, y, Y
        self.sample_weight, self.w, self.n_eff = sample_weight, w, n_eff
        self.n_samples, self.n_features = X.shape
        self.n_outputs, self.dtype = Y.shape[1], X.dtype
        sizes = np.asarray(X.chunks[0], dtype=np.int64)
        self.stops = np.cumsum(sizes)
        self.starts = self.stops - sizes

    @classmethod
    def prepare(
        cls, est, X, y, sample_weight, *, reset, classes=None, names=_FIT_NAMES
    ):
        """Checked and encoded on the cluster; errors name ``names``."""
        import dask

        X = _features(est, X, names[0], reset)
        y = _like_rows(y, X, names[1])
        sw = None if sample_weight is None else _like_rows(sample_weight, X, names[2])
        X, y, sw = dask.persist(X, y, sw)  # read the source once
        checks = {"X": _all_finite(X)}
        if sw is not None:
            checks["sw"] = _weight_checks(sw, names[2])
        checks.update(_target_checks(est, y, names[1]))
        (found,) = dask.compute(checks)
        if not found["X"]:
            raise ValueError(
                f"Input {names[0]} contains NaN or infinity (found on the dask "
                f"cluster). {type(est).__name__} does not accept missing values: "
                "impute them first (e.g. sklearn.impute.SimpleImputer)."
            )
        if sw is not None:
            _raise_bad_weights(found["sw"], names[2])
        Y = _encode(est, y, found, reset, classes, names[1])
        return cls(X, y, Y, sw)

    def persist(self, dtype):
        """X in the model's dtype; everything held by the workers."""
        import dask

        X, Y, sw = dask.persist(self.X.astype(dtype), self.Y, self.sample_weight)
        return ClusterData(X, self.y, Y, sw, self.w, self.n_eff)

    def weighted(self, est):
        """Training weights (sample_weight × class_weight) and their total."""
        import dask

        w = _training_weights(est, self)
        if w is None:
            return ClusterData(
                self.X, self.y, self.Y, None, None, float(self.n_samples)
            )
        (w,) = dask.persist(w)
        n_eff = float(w.sum().compute())
        if not n_eff > 0:
            raise ValueError(
                "sample_weight times class_weight is zero for every sample: "
                "nothing to learn from. Give some class a positive weight."
            )
        return ClusterData(self.X, self.y, self.Y, self.sample_weight, w, n_eff)

    def split(self, fraction, rng):
        """(training rows, held-out rows) for early stopping, drawn per chunk
        on the cluster with seeds from ``rng``: each row is held out with
        probability ``fraction`` (not stratified)."""
        import dask
        import dask.array as da

        if fraction == 0:
            raise ValueError(
                "early_stopping=True needs validation_fraction > 0, or X_val and "
                "y_val passed to fit."
            )
        seeds = rng.randint(np.iinfo(np.int32).max, size=len(self.starts))
        held = da.concatenate(
            [
                da.from_delayed(
                    dask.delayed(_held_out)(int(seed), int(m), fraction), (m,), bool
                )
                for seed, m in zip(seeds, self.X.chunks[0])
            ]
        )
        (held,) = dask.persist(held)
        (counts,) = dask.compute(
            held.map_blocks(_count, chunks=((1,) * len(seeds),), dtype=np.int64)
        )
        n_val = int(np.sum(counts))
        if n_val < 2:
            raise ValueError(
                "early_stopping needs a validation set of at least 2 samples; "
                f"validation_fraction={fraction} of {self.n_samples} gives "
                f"{n_val}. Use more data, a larger validation_fraction, or pass "
                "X_val and y_val."
            )
        return self._select(held, counts, False), self._select(held, counts, True)

    def _select(self, held, counts, keep):
        """The rows whose held-out flag is ``keep``, chunk by chunk."""
        import dask

        counts = counts if keep else np.asarray(self.X.chunks[0]) - counts
        sizes = tuple(int(c) for c in counts)

        def rows(a):
            if a is None:
                return None
            flags = held if a.ndim == 1 else held[:, None]  # aligned by rows
            return a.map_blocks(
                _rows_where,
                flags,
                keep,
                chunks=(sizes,) + a.chunks[1:],
                dtype=a.dtype,
            )

        arrays = dask.persist(
            rows(self.X), rows(self.y), rows(self.Y), rows(self.sample_weight)
        )
        return ClusterData(*arrays)

    def blocks(self):
        """(X, Y, w) blocks of every non-empty chunk, as dask Delayed."""
        return [
            self.block(c)
            for c in range(len(self.starts))
            if self.stops[c] > self.starts[c]
        ]

    def block(self, c):
        """(X, Y, w) of chunk ``c``, as dask Delayed (cached)."""
        if not hasattr(self, "_blocks"):
            parts = [self.X.to_delayed().ravel(), self.Y.to_delayed().ravel()]
            w = self.w if self.w is not None else self.sample_weight
            parts.append(
                [None] * len(self.starts) if w is None else w.to_delayed().ravel()
            )
            self._blocks = list(zip(*parts))
        return self._blocks[c]


def _held_out(seed, m, fraction):
    return np.random.RandomState(seed).random_sample(m) < fraction


def _count(flags):
    return np.atleast_1d(np.sum(flags))


def _rows_where(block, flags, keep):
    return block[flags.reshape(-1) == keep]


def _features(est, X, name, reset):
    """X as a dask array of one column chunk; n_features_in_ and
    feature_names_in_ set (``reset``) or checked."""
    from scipy import sparse

    names = _column_names(X)
    X = _dask_array(X, name)
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features); got {X.ndim} dimensions."
        )
    if sparse.issparse(getattr(X, "_meta", None)):
        raise TypeError(
            f"{name} is a dask array of sparse chunks; skbp trains "
            "on dense dask arrays only."
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric; got dtype {X.dtype}.")
    if reset and name == "X":
        est.n_features_in_ = X.shape[1]
        if names is not None:
            est.feature_names_in_ = names
        elif hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    else:
        _check_features(est, X, names, name)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    return X.rechunk({1: -1})


def _check_features(est, X, names, name="X"):
    if X.shape[1] != est.n_features_in_:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but {type(est).__name__} is "
            f"expecting {est.n_features_in_} features as input."
        )
    fitted = getattr(est, "feature_names_in_", None)
    if names is not None and fitted is not None and list(names) != list(fitted):
        raise ValueError(
            f"The feature names of {name} should match those that were passed "
            f"during fit: {list(fitted)}; got {list(names)}."
        )


def _column_names(X):
    """A dask DataFrame's string column names, as pandas' give feature_names_in_."""
    columns = getattr(X, "columns", None)
    if columns is None or not all(isinstance(c, str) for c in columns):
        return None
    return np.asarray(list(columns), dtype=object)


def _dask_array(value, name):
    """A dask array (DataFrame and Series converted, chunk sizes known)."""
    import dask.array as da

    if hasattr(value, "to_dask_array"):  # dask DataFrame or Series
        value = value.to_dask_array(lengths=True)
    if not isinstance(value, da.Array):
        raise TypeError(
            f"{name} is a {type(value).__name__}; skbp takes dask "
            "arrays, DataFrames and Series."
        )
    if any(np.isnan(c) for chunks in value.chunks for c in chunks):
        value = value.compute_chunk_sizes()
    return value


def _like_rows(value, X, name):
    """``value`` (dask or in memory) as a dask array chunked like X's rows."""
    import dask.array as da

    if is_dask(value):
        value = _dask_array(value, name)
    else:
        value = np.asarray(value)
        value = np.broadcast_to(value, (X.shape[0],)) if value.ndim == 0 else value
    if value.shape[0] != X.shape[0]:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: X has "
            f"{X.shape[0]} rows, {name} {value.shape[0]}."
        )
    if not is_dask(value):
        value = da.from_array(value, chunks=(X.chunks[0],) + value.shape[1:])
    return value.rechunk({0: X.chunks[0], **{i: -1 for i in range(1, value.ndim)}})


def _all_finite(a):
    import dask.array as da

    return da.isfinite(a).all() if a.dtype.kind == "f" else True


def _weight_checks(sw, name):
    import dask.array as da

    if sw.dtype.kind not in "biuf" or sw.ndim != 1:
        raise ValueError(
            f"{name} must be a numeric vector of shape (n_samples,); "
            f"got dtype {sw.dtype} and {sw.ndim} dimensions."
        )
    return {"finite": _all_finite(sw), "min": da.min(sw), "sum": da.sum(sw)}


def _raise_bad_weights(found, name):
    if not (found["finite"] and found["min"] >= 0):
        raise ValueError(f"{name} must be finite and non-negative.")
    if found["sum"] <= 0:
        raise ValueError(f"{name} must not be all zero: their sum is 0.")


def _target_checks(est, y, name):
    """What the targets' encoding needs to know, computed lazily."""
    import dask.array as da

    if is_classifier(est):
        if y.ndim != 1:
            raise ValueError(
                f"{name} must be 1-D (class labels) when it is a dask array; "
                "multilabel targets train on in-memory arrays only."
            )
        return {"classes": da.unique(y)}
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric; got dtype {y.dtype}.")
    return {"y_finite": _all_finite(y), "y_min": da.min(y)}


def _encode(est, y, found, reset, classes, name):
    """The estimator's own target checks on what the cluster found, then the
    codes Y computed per chunk by the same encoder."""
    if "classes" in found:
        est._encode_targets(found["classes"], reset=reset, classes=classes, name=name)
        kind, classes = est._label_binarizer.y_type_, est._host_classes()
        k = 1 if len(classes) == 2 else len(classes)
        return y.map_blocks(
            _encode_block,
            kind,
            classes,
            dtype=np.uint8,
            chunks=(y.chunks[0], (k,)),
            new_axis=1,
        )
    if not found["y_finite"]:
        raise ValueError(f"Input {name} contains NaN or infinity.")
    stand_in = np.full((1,) * y.ndim, found["y_min"], dtype=y.dtype)
    est._encode_targets(stand_in, reset=reset, name=name)  # shape and poisson
    return y.reshape((y.shape[0], -1)) if y.ndim == 1 else y


def _encode_block(y, kind, classes):
    return encode(kind, classes, y)


def _training_weights(est, data):
    """sample_weight × class_weight, per chunk (``_targets``' functions)."""
    import dask

    class_weight = getattr(est, "class_weight", None)
    if class_weight is None:
        return data.sample_weight
    present = est._host_classes()
    if class_weight == "balanced":
        counts = data.y.map_blocks(
            _class_counts,
            data.sample_weight,
            present,
            dtype=np.float64,
            chunks=((len(present),) * len(data.starts),),
        )
        (counts,) = dask.compute(counts.reshape((-1, len(present))).sum(axis=0))
        present, counts = present[counts > 0], counts[counts > 0]
        table = class_weights("balanced", present, present, counts)
    else:
        table = class_weights(class_weight, present, present)
    return data.y.map_blocks(
        _weigh_block, data.sample_weight, present, table, dtype=np.float64
    )


def _class_counts(y, sw, classes):
    return np.bincount(
        np.searchsorted(classes, y), weights=sw, minlength=len(classes)
    ).astype(np.float64)


def _weigh_block(y, sw, classes, table):
    per_class = table[np.searchsorted(classes, y)]
    return per_class if sw is None else sw * per_class


# ------------------------------------------------------------ validation


class ClusterValidation:
    """Validation rows on the cluster; ``evaluate`` is ``Validation.evaluate``
    summed per chunk: the weighted-mean loss and the score's partial sums.

    Rows are weighted by their own sample weights alone, as in memory.
    """

    def __init__(self, data, est):
        scoring = getattr(est, "scoring", None)
        if scoring is not None and not (isinstance(scoring, str) and scoring == "loss"):
            raise ValueError(
                f"scoring={scoring!r} calls a scorer on the validation rows in "
                "memory; validation rows on a dask cluster (X_val as a dask "
                "array, or early_stopping's split of a dask X) are scored with "
                "scoring=None (accuracy, R²) or 'loss'. Pass X_val and y_val "
                "as in-memory arrays to use this scorer."
            )
        self.data, self.by_loss = data, scoring == "loss"
        self.metric = _Accuracy() if hasattr(est, "classes_") else _R2()

    def evaluate(self, params, layer_units, spec):
        """(score, loss) of ``params``; one round trip."""
        import dask

        shared = dask.delayed(params.copy(), pure=False)
        parts = [
            dask.delayed(_validation_partial, pure=False)(
                shared, list(layer_units), spec, self.metric, *blocks
            )
            for blocks in self.data.blocks()
        ]
        merge = functools.partial(_merge_validation, self.metric)
        W, loss, sums = _reduce(merge, parts)
        if self.by_loss:  # scoring='loss': larger is better, as in memory
            return -float(loss), float(loss)
        return float(self.metric.value(sums)), float(loss)


def _validation_partial(params, units, spec, metric, X, Y, sw):
    """(W_c, loss_c, metric sums) of one chunk of validation rows."""
    coefs, intercepts = _network.unpack(params, units)
    Z = np.empty((X.shape[0], units[-1]), dtype=params.dtype)
    for rows, Z_chunk in chunked_logits(coefs, intercepts, X, spec.sigmas):
        Z[rows, :] = Z_chunk
    Y = Y.astype(params.dtype)
    total = float(X.shape[0]) if sw is None else float(sw.sum())
    w = None if sw is None else (sw / total).astype(params.dtype)
    loss = spec.cost.output_and_loss(Z, np.empty_like(Z), Y, w, np.empty_like(Z), np)
    return total, float(loss), metric.sums(Z, Y, sw, spec.cost)


def _merge_validation(metric, parts):
    parts = [p for p in parts if p[0] > 0]
    W = sum(p[0] for p in parts)
    loss = sum((p[0] / W) * p[1] for p in parts)
    sums = parts[0][2]
    for p in parts[1:]:
        sums = metric.merge(sums, p[2])
    return W, loss, sums


class _Accuracy:
    """The classifier's validation accuracy: Σ w·[correct] and Σ w; NaN
    logits name no class and make the score NaN (as in memory)."""

    def sums(self, Z, Y, sw, cost):
        w = np.ones(Z.shape[0]) if sw is None else sw
        if np.isnan(Z).any():
            return np.array([np.nan, w.sum()])
        if Z.shape[1] == 1:
            correct = (Z[:, 0] > 0) == (Y[:, 0] > 0.5)
        else:
            correct = np.argmax(Z, axis=1) == np.argmax(Y, axis=1)
        return np.array([correct @ w, w.sum()])

    def merge(self, a, b):
        return a + b

    def value(self, sums):
        return sums[0] / sums[1]


class _R2:
    """The regressor's validation R² (uniform average over outputs), from
    per-chunk weighted means and centred sums of squares merged as Chan et
    al.'s parallel variance, so no rows travel; NaN if a prediction is not
    finite."""

    def sums(self, Z, Y, sw, cost):
        w = np.ones(Z.shape[0]) if sw is None else sw
        W = w.sum()
        predicted = cost.values(Z, np)
        mean = (w @ Y) / W
        m2 = w @ (Y - mean) ** 2
        residual = w @ (Y - predicted) ** 2
        if not np.isfinite(predicted).all():
            residual = np.full_like(residual, np.nan)
        return W, mean, m2, residual

    def merge(self, a, b):
        (Wa, ma, m2a, ra), (Wb, mb, m2b, rb) = a, b
        W = Wa + Wb
        delta = mb - ma
        return W, ma + delta * (Wb / W), m2a + m2b + delta**2 * (Wa * Wb / W), ra + rb

    def value(self, sums):
        _, _, m2, residual = sums
        if np.isnan(residual).any():
            return np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(m2 != 0, 1 - residual / m2, np.where(residual == 0, 1.0, 0.0))
        return float(np.mean(r2))


# ------------------------------------------------------------ prediction


def blockwise(method):
    """A prediction method that, on a dask array or DataFrame, returns a dask
    array chunked like X's rows, computed block by block where the blocks
    live (as dask-ml's ParallelPostFit); on anything else, the method."""

    @functools.wraps(method)
    def wrapper(self, X):
        if not is_dask(X):
            return method(self, X)
        check_is_fitted(self)
        names = _column_names(X)
        X = _dask_array(X, "X")
        _check_features(self, X, names)
        X = X.rechunk({1: -1})
        sample = _apply(np.zeros((1, X.shape[1])), self, method.__name__, None)
        if sample.ndim == 1:
            return X.map_blocks(
                _apply,
                self,
                method.__name__,
                sample,
                dtype=sample.dtype,
                chunks=(X.chunks[0],),
                drop_axis=1,
            )
        return X.map_blocks(
            _apply,
            self,
            method.__name__,
            sample,
            dtype=sample.dtype,
            chunks=(X.chunks[0], (sample.shape[1],)),
        )

    return wrapper


def _apply(block, est, name, sample):
    """``est.name(block)`` on a worker; an empty block gives an empty result."""
    import warnings

    if block.shape[0] == 0 and sample is not None:
        return np.empty((0, *sample.shape[1:]), dtype=sample.dtype)
    with warnings.catch_warnings():
        # The block is a NumPy array of a DataFrame's columns, checked above.
        warnings.filterwarnings("ignore", "X does not have valid feature names")
        return getattr(est, name)(block)


def scored_on_cluster(method):
    """``score`` that, on dask X or y, computes accuracy or R² on the
    cluster and returns a float; on anything else, the method."""

    @functools.wraps(method)
    def wrapper(self, X, y, sample_weight=None):
        if not is_dask(X, y, sample_weight):
            return method(self, X, y, sample_weight)
        X = _dask_array(X, "X") if is_dask(X) else _like_dask(X)
        predicted = self.predict(X)
        y = _like_rows(y, X, "y")
        sw = (
            None
            if sample_weight is None
            else _like_rows(sample_weight, X, "sample_weight")
        )
        if hasattr(self, "classes_"):
            return _accuracy(predicted, y, sw)
        return _r2(predicted, y, sw)

    return wrapper


def _like_dask(X):
    import dask.array as da

    X = np.asarray(X)
    return da.from_array(X, chunks=(max(1, X.shape[0]),) + X.shape[1:])


def _accuracy(predicted, y, sw):
    import dask.array as da

    correct = predicted == y
    if correct.ndim == 2:  # multilabel: a row counts when every label does
        correct = correct.all(axis=1)
    return float(da.average(correct, weights=sw).compute())


def _r2(predicted, y, sw):
    """R² per output, uniformly averaged (r2_score's default), on the cluster."""
    import dask

    y = y.reshape((y.shape[0], -1)).astype(np.float64)
    predicted = predicted.reshape(y.shape)
    w = (y[:, :1] * 0 + 1) if sw is None else sw[:, None].astype(np.float64)
    W = w.sum()
    mean = (w * y).sum(axis=0) / W
    residual = (w * (y - predicted) ** 2).sum(axis=0)
    total = (w * (y - mean) ** 2).sum(axis=0)
    residual, total = dask.compute(residual, total)
    return _R2().value((None, None, total, residual))

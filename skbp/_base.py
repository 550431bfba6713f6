"""What both estimators share: parameters, the fit calls, chunked prediction.

The estimator validates and encodes X and y, hands the training module
(``_training``) its data, settings and state, and sets its fitted attributes
from the History that comes back; it holds no training loop.  Subclasses
say what their targets are (``_encode_targets``), which cost they train
(``_out_activation``), how validation data is scored (``_scorer``) and how
training rows are weighted (``_training_weights``).
"""

import numpy as np
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import _activations, _distributed, _init, _network
from ._array_api import (
    as_data,
    check_fitted_namespace,
    check_fitted_without_dispatch,
    dispatch_enabled,
    host,
    namespace_of,
    to_namespace,
)
from ._backprop import NetSpec, chunked_hidden, chunked_logits
from ._callbacks import CallbackSupportMixin, Monitor, with_callbacks
from ._dropout import DROPOUT, RandomMasks, check_rates
from ._loss import cost_for
from ._optimizers import SETTINGS, make_optimizer
from ._params import (
    BOOL,
    LAYER_SIZES,
    RANDOM_STATE,
    VERBOSE,
    InvalidParameterError,
    Number,
    Options,
    check_param,
)
from ._rollback import atomic
from ._schedules import NAMES as SCHEDULES
from ._scoring import SCORING, validation_score
from ._stopping import best_score
from ._targets import check_sample_weight
from ._training import Settings, Validation, fit_lbfgs, fit_loop, holdout
from ._warnings import warn

#: The constraints of the parameters both estimators share (MLPClassifier's).
PARAMS = {
    "hidden_layer_sizes": (LAYER_SIZES,),
    "activation": (_activations.ACTIVATION,),
    "solver": (Options("sgd", "adam", "lbfgs"),),
    "alpha": (Number(0, None),),
    "batch_size": (Options("auto"), Number(1, None, integral=True)),
    "learning_rate": (Options(*SCHEDULES),),
    "learning_rate_init": (Number(0, None, low_open=True),),
    "power_t": (Number(0, None),),
    "max_iter": (Number(1, None, integral=True),),
    "shuffle": (BOOL,),
    "random_state": (RANDOM_STATE,),
    "tol": (Number(0, None),),
    "verbose": (VERBOSE,),
    "warm_start": (BOOL,),
    "momentum": (Number(0, 1),),
    "nesterovs_momentum": (BOOL,),
    "early_stopping": (BOOL,),
    "validation_fraction": (Number(0, 1, high_open=True),),
    "beta_1": (Number(0, 1, high_open=True),),
    "beta_2": (Number(0, 1, high_open=True),),
    "epsilon": (Number(0, None, low_open=True),),
    "n_iter_no_change": (Number(1, None, integral=True), Options(np.inf)),
    "max_fun": (Number(1, None, integral=True),),
    "max_grad_norm": (
        Options(None),
        Number(0, np.inf, low_open=True, high_open=True),
    ),
    "scoring": SCORING,
    "init": _init.INIT,
    "dropout": (DROPOUT,),
}


def stochastic_solver(est):
    """partial_fit exists for the stochastic solvers only (as in MLPClassifier)."""
    if est.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for the stochastic solvers 'sgd' and "
            "'adam'; solver='lbfgs' fits in full batches."
        )
    return True


class BaseBackprop(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    CallbackSupportMixin,
    BaseEstimator,
):
    """The shared machinery of BackpropClassifier and BackpropRegressor.

    With scikit-learn >= 1.9 it takes scikit-learn's callbacks
    (``set_callbacks``; ``_callbacks``).  Both are transformers too: the
    last hidden layer's activations are their features (``transform``), as
    LinearDiscriminantAnalysis is a classifier and a transformer.
    """

    _PARAMS = PARAMS
    _y_numeric = False

    # ------------------------------------------------------------------ fit

    @atomic
    @with_callbacks
    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        """Train the network on (X, y); the subclass's ``fit`` documents it."""
        self._validate_params()
        _check_clipping_solver(self.solver, self.max_grad_norm)
        self._dropout_rates()
        _check_validation_arguments(X_val, y_val, sample_weight_val)
        first = not (self.warm_start and hasattr(self, "coefs_"))
        if not first:
            check_fitted_without_dispatch(self.coefs_[0], type(self).__name__, "fit")
        if _distributed.is_dask(X, y, sample_weight):  # rows on a dask cluster
            return _distributed.fit(
                self,
                X,
                y,
                sample_weight,
                (X_val, y_val, sample_weight_val),
                first=first,
                incremental=False,
            )
        X, y, Y, sw = self._prepare(X, y, sample_weight, reset=first, classes=None)
        self._random_state = check_random_state(self.random_state)
        self._start(first, X, Y)
        val = None
        if X_val is not None:
            val = self._validation_data(X_val, y_val, sample_weight_val)
        return self._train(X, y, Y, sw, val, incremental=False)

    @atomic
    @with_callbacks
    def _partial_fit(self, X, y, sample_weight, classes=None):
        """One epoch over (X, y), continuing the optimizer's state."""
        self._validate_params()
        self._dropout_rates()
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: it has no "
                "held-out data to stop on. Set early_stopping=False."
            )
        first = not hasattr(self, "coefs_")
        if not first:
            check_fitted_without_dispatch(
                self.coefs_[0], type(self).__name__, "partial_fit"
            )
        if _distributed.is_dask(X, y, sample_weight):  # one epoch on the cluster
            return _distributed.fit(
                self,
                X,
                y,
                sample_weight,
                (None, None, None),
                first=first,
                incremental=True,
                classes=classes if first else None,
            )
        X, y, Y, sw = self._prepare(
            X,
            y,
            sample_weight,
            reset=first,
            classes=classes if first else None,
            incremental=True,
        )
        if first:
            # One generator for the whole stream, so that successive calls
            # shuffle differently (MLPClassifier re-seeds on every call).
            self._random_state = check_random_state(self.random_state)
        self._start(first, X, Y)
        return self._train(X, y, Y, sw, None, incremental=True)

    def _start(self, first, X, Y):
        """Fresh weights for a first call; else check the network still fits."""
        if first:
            self._initialize(X, Y.shape[1])
        else:
            self._check_same_architecture(X.shape[1], Y.shape[1])

    def _train(self, X, y, Y, sw, val, incremental):
        """Hand the data to the training module; set attributes from its History."""
        self._set_output()
        xp, device = namespace_of(X)
        params = _network.pack(self.coefs_, self.intercepts_)
        params = to_namespace(params, xp=xp, device=device)  # everything follows X
        units = _network.layer_units_of(self.coefs_)
        X = _astype(X, params.dtype, xp)  # a warm start keeps its dtype
        self.coefs_, self.intercepts_ = _network.unpack(params, units)
        spec = NetSpec(self._sigmas(), self._cost(), float(self.alpha), self._masks())
        settings = self._settings()
        with np.errstate(
            over="ignore", under="ignore", invalid="ignore", divide="ignore"
        ):
            if self.solver != "lbfgs" and self.early_stopping and val is None:
                (X, y, Y, sw), held_out = holdout(
                    X,
                    y,
                    Y,
                    sw,
                    self.validation_fraction,
                    self._random_state,
                    stratify=self._stratify,
                )
                val = self._validation(*held_out)
            data = (X, Y, self._training_weights(y, sw))
            monitor = Monitor(self, X, y, sw, self._max_subtasks(incremental))
            if self.solver == "lbfgs":
                history = fit_lbfgs(
                    params,
                    units,
                    data,
                    val,
                    spec,
                    settings,
                    best_loss=self.best_loss_,
                    monitor=monitor,
                )
            else:
                history = self._fit_stochastic(
                    params, units, data, val, spec, settings, incremental, monitor
                )
        self._record(history)
        monitor.end_fit()
        return self

    def _max_subtasks(self, incremental):
        """Tasks a training call may run: epochs, or L-BFGS iterations plus the
        one SciPy's callback opens but never runs (as LogisticRegression)."""
        if self.solver == "lbfgs":
            return max(int(self.max_iter), 1) + 1
        return 1 if incremental else int(self.max_iter)

    def _fit_stochastic(
        self,
        params,
        units,
        data,
        val,
        spec,
        settings,
        incremental,
        monitor,
        epochs=None,
    ):
        xp, device = namespace_of(params)
        self._optimizer = make_optimizer(
            self.solver,
            params.shape[0],
            params.dtype,
            {name: getattr(self, name) for name in SETTINGS},
            previous=self._optimizer,
            keep_schedule=incremental,
            xp=xp,
            device=device,
        )
        return fit_loop(
            params,
            units,
            data,
            val,
            spec,
            settings,
            self._optimizer,
            self._random_state,
            incremental=incremental,
            samples_seen=self.t_,
            best_loss=self.best_loss_,
            no_improvement_count=self._no_improvement_count,
            monitor=monitor,
            epochs=epochs,
        )

    def _record(self, history):
        """The fitted attributes, from what one training call did."""
        self.n_iter_ = history.n_iter
        self.t_ += history.samples_seen
        if history.losses:
            self.loss_ = history.losses[-1]
        self.loss_curve_.extend(history.losses)
        if self.solver != "lbfgs":
            if self.learning_rate_curve_ is None:
                self.learning_rate_curve_ = []
            self.learning_rate_curve_.extend(history.learning_rates)
        self.best_loss_ = history.best_loss
        self._no_improvement_count = history.no_improvement_count
        if history.scores:
            if self.validation_scores_ is None:
                self.validation_scores_, self.validation_loss_curve_ = [], []
            self.validation_scores_.extend(history.scores)
            self.validation_loss_curve_.extend(history.val_losses)
            self.best_validation_score_ = (
                history.best_score
                if self.early_stopping
                else best_score(self.validation_scores_)
            )

    def _settings(self):
        return Settings(
            solver=str(self.solver),
            max_iter=int(self.max_iter),
            batch_size=self.batch_size,
            shuffle=bool(self.shuffle),
            tol=float(self.tol),
            n_iter_no_change=self.n_iter_no_change,
            early_stopping=bool(self.early_stopping),
            validation_fraction=float(self.validation_fraction),
            max_fun=int(self.max_fun),
            verbose=bool(self.verbose),
            learning_rate_init=float(self.learning_rate_init),
        )

    # ------------------------------------------------------------ helpers

    def _validate_params(self):
        owner = type(self).__name__
        for name, constraints in self._PARAMS.items():
            check_param(owner, name, getattr(self, name), *constraints)
        n_hidden = _activations.n_hidden_of(self.hidden_layer_sizes)
        _activations.check_layers(self.activation, n_hidden, owner)

    def _sigmas(self):
        """σ of each hidden layer of the fitted network, from ``activation``."""
        n_hidden = len(self.coefs_) - 1
        return _activations.resolve(self.activation, n_hidden, type(self).__name__)

    def _dropout_rates(self):
        """The dropout rate of each hidden layer; refused for lbfgs.

        L-BFGS's line search and curvature pairs assume one deterministic
        objective; a fresh mask per evaluation would break both.
        """
        n_hidden = _activations.n_hidden_of(self.hidden_layer_sizes)
        rates = check_rates(self.dropout, n_hidden, type(self).__name__)
        if self.solver == "lbfgs" and any(rates):
            raise ValueError(
                f"dropout={self.dropout!r} cannot be used with solver='lbfgs': "
                "L-BFGS needs a deterministic objective, and dropout draws new "
                "masks at every evaluation. Use solver='adam' or 'sgd', or "
                "dropout=0.0."
            )
        return rates

    def _masks(self):
        """The source of the training passes' dropout masks (None: no dropout)."""
        rates = self._dropout_rates()
        return RandomMasks(rates, self._random_state) if any(rates) else None

    def _layer_units(self, n_features, n_outputs):
        sizes = self.hidden_layer_sizes
        hidden = [int(sizes)] if np.ndim(sizes) == 0 else [int(s) for s in sizes]
        return [n_features] + hidden + [n_outputs]

    def _cost(self):
        """The (loss, output) pair being trained: J, BP1 and the outputs."""
        return cost_for(self.loss, self.out_activation_, **self._loss_params())

    def _loss_params(self):
        """The parameters of the loss beyond its name (the regressor's)."""
        return {}

    def _prepare(self, X, y, sample_weight, *, reset, classes, incremental=False):
        """Validated X, targets y, encoded targets Y and sample weights.

        Everything follows X: X (and Y, for training) stay in X's namespace
        and on its device; y and the sample weights are read on the host.
        ``incremental``: called by partial_fit (for the messages).
        """
        X = as_data(X)
        _check_not_sparse_with_dispatch(X)
        xp, device = namespace_of(X)
        X, y = validate_data(
            self,
            X,
            host(y),
            reset=reset,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=self._y_numeric,
            dtype=(xp.float64, xp.float32),
        )
        if y.ndim == 2 and y.shape[1] == 1:
            warn(
                "A column-vector y was passed when a 1d array was expected. "
                "Please change the shape of y to (n_samples,), for example "
                "using ravel().",
                DataConversionWarning,
            )
            y = column_or_1d(y)
        y, Y = self._encode_targets(
            y, reset=reset, classes=classes, incremental=incremental
        )
        sw = check_sample_weight(host(sample_weight), X.shape[0])
        if sparse.issparse(X):
            X = X.tocsr()
        return X, y, to_namespace(Y, xp=xp, device=device), sw

    def _check_same_architecture(self, n_features, n_outputs):
        """A warm start or partial_fit continues the fitted network, unchanged."""
        units = self._layer_units(n_features, n_outputs)
        fitted = _network.layer_units_of(self.coefs_)
        if units[-1] != fitted[-1]:
            raise ValueError(
                f"y has {units[-1]} outputs; the fitted network has {fitted[-1]}. "
                "Fit a new network (warm_start=False) for different targets."
            )
        if units != fitted:
            raise ValueError(
                f"warm_start=True and partial_fit continue the fitted network, whose "
                f"hidden layers are {fitted[1:-1]}; hidden_layer_sizes asks for "
                f"{units[1:-1]}. Set hidden_layer_sizes back, or fit a new network "
                "(warm_start=False, or a fresh estimator for partial_fit)."
            )

    def _initialize(self, X, n_outputs):
        """Fresh weights (in X's namespace and dtype), attributes, no optimizer."""
        xp, device = namespace_of(X)
        units = self._layer_units(X.shape[1], n_outputs)
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(units)
        params = _init.initial_params(
            units, self.activation, self._random_state, X.dtype, xp, device, self.init
        )
        self.coefs_, self.intercepts_ = _network.unpack(params, units)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.learning_rate_curve_ = None
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        self._no_improvement_count = 0
        self._optimizer = None
        self._trained_loss = self._loss_key()

    def _set_output(self):
        """The output layer the current ``loss`` asks for.

        A warm start or partial_fit after ``set_params(loss=...)`` keeps the
        weights and trains them under the new cost with its own output
        (softmax for a multiclass log-loss); the best training loss, a value
        of the old cost, starts afresh (as after a new ``huber_delta`` or
        ``quantile``).
        """
        self.out_activation_ = self._out_activation()
        if self._trained_loss != self._loss_key():
            self.best_loss_ = None if self.early_stopping else np.inf
            self._trained_loss = self._loss_key()

    def _loss_key(self):
        """What defines the cost's values: the loss and its parameters."""
        return (self.loss, self._loss_params())

    def _validation_data(self, X_val, y_val, sample_weight_val):
        """Checked validation data; errors name X_val, y_val, sample_weight_val.

        X_val moves to where the training X is (the model's weights).
        """
        X_val = as_data(X_val)
        _check_not_sparse_with_dispatch(X_val)
        xp, device = namespace_of(self.coefs_[0])
        xp_val, _ = namespace_of(X_val)
        X_val = check_array(
            X_val,
            accept_sparse=["csr", "csc"],
            dtype=(xp_val.float64, xp_val.float32),
            input_name="X_val",
        )
        X_val = _astype(
            to_namespace(X_val, xp=xp, device=device), self.coefs_[0].dtype, xp
        )
        y_val = check_array(
            host(y_val), ensure_2d=False, dtype=None, input_name="y_val"
        )
        check_consistent_length(X_val, y_val)
        if X_val.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X_val has {X_val.shape[1]} features; the training X has "
                f"{self.n_features_in_}."
            )
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = y_val.ravel()
        y_val, Y_val = self._encode_targets(y_val, reset=False, name="y_val")
        sw = check_sample_weight(
            host(sample_weight_val), X_val.shape[0], name="sample_weight_val"
        )
        if sparse.issparse(X_val):
            X_val = X_val.tocsr()
        return self._validation(X_val, y_val, Y_val, sw)

    def _validation(self, X, y, Y, sample_weight):
        """Validation rows scored with their own sample weights alone.

        ``class_weight`` shapes what is learned, not how it is judged; so the
        held-out split and X_val are weighted alike.
        """
        score = validation_score(
            self.scoring,
            self,
            X,
            y,
            sample_weight,
            default=self._scorer(y, sample_weight),
        )
        return Validation.build(X, Y, sample_weight, score)

    # --------------------------------------------------------- prediction

    @_distributed.blockwise
    def transform(self, X):
        """The last hidden layer's activations: the features the network learned.

        The whole network computes them, without dropout: what the output
        layer reads when predicting.  They live where X does (its namespace
        and device, with ``array_api_dispatch``), in the weights' dtype; for
        a dask array or DataFrame, a dask array computed block by block, as
        ``predict`` is.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            A^(L−1), one column per unit of the last hidden layer.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skbp import BackpropClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> net = BackpropClassifier(hidden_layer_sizes=(8, 3),
        ...                          learning_rate_init=0.05, random_state=0)
        >>> model = make_pipeline(StandardScaler(), net, LogisticRegression())
        >>> model.fit(X, y).score(X, y) > 0.9
        True
        >>> model[:-1].transform(X).shape          # 3 hidden features per row
        (150, 3)
        """
        check_is_fitted(self)
        n_features_out = self._n_features_out
        return self._per_chunk(
            X, lambda A, xp: A, n_features_out, "transform", chunks=chunked_hidden
        )

    def fit_transform(self, X, y, sample_weight=None, **fit_params):
        """Fit the network to (X, y), then return ``transform(X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets the hidden features are learned for.
        sample_weight : array-like of shape (n_samples,), default=None
        **fit_params : dict
            Passed on to ``fit`` (X_val, y_val, sample_weight_val).

        Returns
        -------
        X_new : ndarray of shape (n_samples, hidden_layer_sizes[-1])

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.preprocessing import scale
        >>> from skbp import BackpropClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> X = scale(X)
        >>> net = BackpropClassifier(hidden_layer_sizes=(4,),
        ...                          learning_rate_init=0.05, random_state=0)
        >>> net.set_output(transform="pandas").fit_transform(X, y).columns.tolist()
        ['backpropclassifier0', 'backpropclassifier1', 'backpropclassifier2', \
'backpropclassifier3']
        """
        return self.fit(X, y, sample_weight, **fit_params).transform(X)

    def get_feature_names_out(self, input_features=None):
        """Names of ``transform``'s columns: the class name in lower case and
        the unit's index (``backpropclassifier0``, ...), scikit-learn's prefix
        convention.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in ``fit``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per unit of the last hidden layer.

        Examples
        --------
        >>> from skbp import BackpropRegressor
        >>> net = BackpropRegressor(hidden_layer_sizes=(2,))
        >>> net.partial_fit([[0.0], [1.0]], [0.0, 1.0]).get_feature_names_out()
        array(['backpropregressor0', 'backpropregressor1'], dtype=object)
        """
        return super().get_feature_names_out(input_features)

    @property
    def _n_features_out(self):
        """Units of the last hidden layer (scikit-learn's feature-names mixin)."""
        if len(self.coefs_) < 2:
            raise ValueError(
                f"{type(self).__name__} has no hidden layer "
                "(hidden_layer_sizes=()), so there are no hidden features to "
                "transform X into. Fit a network with at least one hidden layer."
            )
        return self.coefs_[-1].shape[0]

    def _check_scorable(self):
        """``score`` on a model held outside NumPy with dispatch off names
        ``score`` (not the ``predict`` it calls) in its error."""
        if hasattr(self, "coefs_"):
            check_fitted_without_dispatch(self.coefs_[0], type(self).__name__, "score")

    def _per_chunk(self, X, fn, n_cols, method, dtype=None, chunks=chunked_logits):
        """``fn(Z, xp)`` of the logits Z of X (validated here), chunk by chunk.

        With dispatch on, X must live where the model was fitted, and so does
        the result; a tensor of X that requires grad is read as data (no
        autograd graph reaches the result).
        """
        X = as_data(X)
        check_fitted_namespace(X, self.coefs_[0], type(self).__name__, method)
        _check_not_sparse_with_dispatch(X)
        xp, _ = namespace_of(X)
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=(xp.float64, xp.float32),
        )
        if sparse.issparse(X):
            X = X.tocsr()
        return self._map_logits(X, fn, n_cols, dtype, chunks)

    def _map_logits(self, X, fn, n_cols, dtype=None, chunks=chunked_logits):
        """``fn(Z, xp)`` of the logits of validated X, into one array.

        ``chunks`` (``_backprop.chunked_logits``, or ``chunked_hidden`` for
        the last hidden layer's outputs) yields what ``fn`` maps.
        Computed in the dtype NumPy's promotion gives X and the weights
        (float64 for hand-set integer weights), as MLPClassifier's ``X @ W``
        does: float64 X through float32 weights gives float64.  That is also
        the result's dtype unless ``dtype`` (a dtype name) is given.  Extra
        memory beyond the result stays bounded however large X is.
        ``n_cols`` = 0 gives a 1-D result.
        """
        coefs, intercepts = _network.as_floating(self.coefs_, self.intercepts_)
        xp, device = namespace_of(coefs[0])
        computed = xp.result_type(X.dtype, coefs[0].dtype)
        coefs = [xp.astype(c, computed, copy=False) for c in coefs]
        intercepts = [xp.astype(b, computed, copy=False) for b in intercepts]
        X = _astype(X, computed, xp)
        shape = (X.shape[0], n_cols) if n_cols else (X.shape[0],)
        dtype = computed if dtype is None else getattr(xp, dtype)
        out = xp.empty(shape, dtype=dtype, device=device)
        with np.errstate(over="ignore", under="ignore"):
            for rows, Z in chunks(coefs, intercepts, X, self._sigmas()):
                out[rows, ...] = fn(Z, xp)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        # float32 X trains a float32 network, whose features are float32.
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _astype(X, dtype, xp):
    """X in ``dtype`` (no copy if it is already), dense or sparse."""
    return (
        X.astype(dtype, copy=False)
        if sparse.issparse(X)
        else xp.astype(X, dtype, copy=False)
    )


def _check_not_sparse_with_dispatch(X):
    if sparse.issparse(X) and dispatch_enabled():
        raise TypeError(
            "Sparse X is not supported with sklearn.set_config("
            "array_api_dispatch=True): the array-API engine is dense. Pass a "
            "dense array (X.toarray()), or fit with dispatch off."
        )


def _check_clipping_solver(solver, max_grad_norm):
    if solver == "lbfgs" and max_grad_norm is not None:
        raise InvalidParameterError(
            f"max_grad_norm={max_grad_norm!r} clips the gradient of each sgd or "
            "adam step; solver='lbfgs' takes no clipped steps. Set "
            "max_grad_norm=None, or use solver='sgd' or 'adam'."
        )


def _check_validation_arguments(X_val, y_val, sample_weight_val):
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val must be given together.")
    if sample_weight_val is not None and X_val is None:
        raise ValueError(
            "sample_weight_val weights the validation samples X_val; it was "
            "given without X_val and y_val."
        )

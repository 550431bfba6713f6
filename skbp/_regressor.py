"""BackpropRegressor: the estimator for real-valued targets."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from ._array_api import namespace_of, to_numpy
from ._base import PARAMS, BaseBackprop, stochastic_solver
from ._distributed import blockwise, scored_on_cluster
from ._loss import LOSS_OBJECT, Loss
from ._params import OPEN_UNIT, POSITIVE_FINITE, Options

#: The regressor's built-in losses.
LOSSES = ("squared_error", "poisson", "absolute_error", "huber", "quantile")


class BackpropRegressor(RegressorMixin, BaseBackprop):
    """Multi-layer perceptron regressor trained by hand-derived back-propagation.

    The seed's network in its most natural use: sigmoid hidden units and the
    quadratic cost J = ½‖a − y‖² with an identity output, gradients from the
    four back-propagation equations (``skbp.loss_and_gradients``), and an
    optional L2 term.  Parameters, their meanings and the fitted attributes
    are those of :class:`sklearn.neural_network.MLPRegressor`, so
    ``BackpropRegressor(**mlp.get_params())`` trains the same model as
    ``mlp`` (the same computation for logistic, tanh and identity units).

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer.
    activation : str, Activation or list of them, default='logistic'
        Hidden activation σ: 'identity', 'logistic', 'tanh', 'relu' (as in
        MLPRegressor), 'leaky_relu' (slope 0.01 below 0), 'elu' (α = 1),
        'softplus', 'silu' (z·σ(z)) or 'gelu' (PyTorch's tanh approximation,
        ``approximate='tanh'``), or an :class:`~skbp.Activation` of your own;
        or a list or tuple with one of those per hidden layer.  The seed's
        network is 'logistic' (MLPRegressor's default is 'relu').
    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        'sgd': mini-batch gradient descent with (Nesterov) momentum; 'adam':
        Adam; 'lbfgs': full-batch L-BFGS-B through SciPy, stopping when the
        largest gradient entry falls below ``tol``.
    alpha : float, default=0.0001
        L2 strength: the cost of each gradient step gains
        alpha / (2 n) Σ_l ‖W^(l)‖² (biases not decayed), n the number of
        samples (or their total weight) the step averages over: the
        mini-batch for 'sgd' and 'adam', the training set for 'lbfgs' —
        MLPRegressor's alpha.  UFLDL's λ is alpha / n.
    batch_size : int or 'auto', default='auto'
        Mini-batch size for the stochastic solvers; 'auto' is min(200, n).
    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
default='constant'
        Schedule of the base step size η for solver='sgd' and 'adam'
        (MLPRegressor applies it to 'sgd' only, so with adam only 'constant'
        is MLPRegressor's model).  'constant': η = ``learning_rate_init``;
        'invscaling': η = η₀ / (t + 1)^power_t after each epoch, t the
        samples seen; 'adaptive': η /= 5 after ``n_iter_no_change`` epochs
        without ``tol`` progress, stopping once η ≤ 1e-6; 'cosine':
        η = η₀ · ½(1 + cos(π k / max_iter)) in epoch k = 0, 1, ...
        (``partial_fit`` continues k; a warm-start ``fit`` restarts every
        schedule at η₀).  For adam η is the step before its bias correction.
    learning_rate_init : float, default=0.03
        Initial step size (sgd, adam).  0.03 with adam was chosen by
        measurement (``benchmarks/choose_defaults_regressor.py``).
    power_t : float, default=0.5
        Exponent of 'invscaling'.
    max_iter : int, default=200
        Epochs (stochastic solvers) or iterations (lbfgs).
    shuffle : bool, default=True
        Shuffle the samples every epoch (stochastic solvers).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the shuffles and the validation split.
    tol : float, default=1e-4
        Improvement below which an epoch counts as no progress (and lbfgs's
        gradient tolerance).
    verbose : bool or int, default=False
        Print one line per epoch: iteration, loss, validation score, seconds.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution, keeping the optimizer's
        state (velocities, Adam's moments) too, unlike MLPRegressor; the step
        size restarts at ``learning_rate_init``.
    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for 'sgd'.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score
        (``scoring``: R² by default) stalls and restore the best weights (sgd,
        adam; 'lbfgs' holds nothing out, as in MLPRegressor).
    validation_fraction : float, default=0.1
        Share held out for early stopping, in [0, 1).
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's moment decay rates, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability constant.
    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping.
    max_fun : int, default=15000
        Cap on loss evaluations for 'lbfgs'.
    loss : {'squared_error', 'poisson', 'absolute_error', 'huber', \
            'quantile'} or skbp.Loss, default='squared_error'
        'squared_error': the seed's J = ½‖a − y‖², summed over outputs, with
        an identity output.  'poisson': half the Poisson deviance
        Σ y log(y/μ) − y + μ with an exp output μ = e^z (a log link); y must
        be non-negative.  Both as MLPRegressor, except that MLPRegressor
        reports the squared error averaged over outputs.  With an identity
        output, robust to outliers in y: 'absolute_error' Σ abs(a − y) (predicts
        the median), 'huber' (½ d² within ``huber_delta`` of the target,
        linear beyond; PyTorch's HuberLoss); and 'quantile', the pinball
        loss of ``quantile`` q (predictions with about q of the targets
        below them).  A :class:`skbp.Loss` instance: your own cost; the
        predictions are its outputs g(z).  Every loss is summed over outputs
        and averaged over (weighted) rows (the user guide's "Losses").
    huber_delta : float, default=1.0
        δ of loss='huber', in the units of y: finite, > 0.  Validated
        whatever the loss.
    quantile : float, default=0.5
        q of loss='quantile', in (0, 1).  Validated whatever the loss.
    max_grad_norm : float or None, default=None
        Clip each mini-batch's gradient (every weight and bias, the L2 term
        included) to this global L2 norm before the sgd or adam update:
        multiplied by max_grad_norm / (‖g‖ + 1e-6) when that is below 1
        (``torch.nn.utils.clip_grad_norm_``'s rule).  None: no clipping.
        Finite and > 0; not for solver='lbfgs'.
    scoring : None, 'loss', str or callable, default=None
        What validation data is judged by, for early stopping, the best
        weights kept, ``validation_scores_`` and ``best_validation_score_``.
        None: R² (MLPRegressor's).  'loss': the validation data loss (no L2
        term), negated so that larger is better.  Otherwise a scikit-learn
        scorer name (``sklearn.metrics.get_scorer_names()``) or a callable
        ``scorer(estimator, X, y)`` (given ``sample_weight=`` when it takes
        it), called with this estimator as it stands after each epoch; a
        metric ``(y_true, y_pred)`` goes through
        ``sklearn.metrics.make_scorer`` first.
    init : str or callable, default='auto'
        Initial weights: 'auto', 'glorot_uniform', 'he_uniform', 'he_normal',
        'lecun_normal' or a callable.  'auto' is today's rule, unchanged:
        weights and biases uniform on ±√(6 / (fan_in + fan_out)) (Glorot) for
        identity and tanh units and a user :class:`~skbp.Activation`, ±√(2 /
        (fan_in + fan_out)) for logistic units (MLPRegressor's draws, to the
        bit), and ±√(6 / fan_in) (He; MLPRegressor keeps Glorot's) for relu and
        the relu-like 'leaky_relu', 'elu', 'softplus', 'silu' and 'gelu'; with
        a per-layer list each hidden layer's weights follow its own units, the
        output layer's the last hidden layer's.  The named rules draw the
        weights — Glorot uniform ±√(6 / (fan_in + fan_out)), He uniform ±√(6 /
        fan_in), He normal with standard deviation √(2 / fan_in), LeCun normal
        √(1 / fan_in), plain (not truncated) normals — and start the biases at
        zero.  A callable ``init(fan_in, fan_out, random_state) -> (coef,
        intercept)`` is called once per layer, the output layer included, with
        a ``numpy.random.RandomState`` (from ``random_state``), and must return
        arrays of shapes (fan_in, fan_out) and (fan_out,).
    dropout : float or list of float, default=0.0
        Inverted dropout on the hidden layers' outputs during training
        (stochastic solvers): each hidden unit's output is zeroed with
        probability p, independently per row and per mini-batch, and the
        survivors are scaled by 1/(1 − p).  A float applies to every hidden
        layer; a list gives one rate per hidden layer, each in [0, 1).  A
        network without hidden layers takes only 0.0.
        Prediction, ``score``, validation scores and ``transform`` use the
        whole network, unscaled.  Masks are drawn from ``random_state``'s
        generator, so a seeded fit is reproducible.  ``loss_curve_`` then
        records the loss of the dropped-out networks.  0.0 (the default) is
        the network without dropout, exactly; any rate > 0 with
        ``solver='lbfgs'`` is a ValueError (L-BFGS needs a deterministic
        objective).  Weighting a sample is then no longer the same as
        repeating it (each repeat draws its own mask).

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape (n_units[l], n_units[l+1]): the weights from
        layer l to l+1 (input = layer 0), the seed's W^(l) transposed.
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape (n_units[l+1],).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        'exp' for poisson, a ``Loss``'s own ``output_activation``, else
        'identity'.
    loss_ : float
        The loss at the end of training (L2 term included).
    best_loss_ : float or None
        Lowest training loss seen; None with ``early_stopping=True``, whatever
        the solver.  (MLPRegressor sets it for 'sgd' and 'adam' only; here
        'lbfgs' keeps the lowest loss of its iterations.)
    loss_curve_ : list of float
        Loss after each epoch (each L-BFGS iteration for 'lbfgs').
    validation_scores_ : list of float or None
        The validation score after each epoch, when there is validation
        data: R² by default, else the ``scoring`` metric (larger is
        better; the negated validation loss for ``scoring='loss'``).
    validation_loss_curve_ : list of float or None
        Validation loss (data term) after each epoch, when there is
        validation data.
    best_validation_score_ : float or None
        Best of ``validation_scores_``.
    learning_rate_curve_ : list of float or None
        The schedule's step size η in each epoch (for adam the base step
        before its bias correction), all calls together; None for lbfgs.
    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last call.
    t_ : int
        Training samples seen by the stochastic solvers, all calls together.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Feature names, when X had string column names.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : the reference this mirrors.
    BackpropClassifier : the same network for class labels.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbp import BackpropRegressor
    >>> X, y = make_friedman1(n_samples=500, random_state=0)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    >>> model = make_pipeline(StandardScaler(),
    ...                       BackpropRegressor(random_state=0, max_iter=500))
    >>> model.fit(X_tr, y_tr).score(X_te, y_te) > 0.8
    True
    """

    _PARAMS = {
        **PARAMS,
        "loss": (Options(*LOSSES), LOSS_OBJECT),
        "huber_delta": (POSITIVE_FINITE,),
        "quantile": (OPEN_UNIT,),
    }
    _y_numeric = True
    _stratify = False

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="logistic",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.03,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        loss="squared_error",
        huber_delta=1.0,
        quantile=0.5,
        max_grad_norm=None,
        scoring=None,
        init="auto",
        dropout=0.0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.loss = loss
        self.huber_delta = huber_delta
        self.quantile = quantile
        self.max_grad_norm = max_grad_norm
        self.scoring = scoring
        self.init = init
        self.dropout = dropout

    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Train the network on (X, y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows.  float32 trains in float32 (lbfgs included),
            anything else in float64; predictions are computed in NumPy's
            promotion of X's and the weights' dtypes, as MLPRegressor's.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values; non-negative for loss='poisson'.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        X_val, y_val : array-like, default=None
            Your own validation data: scored (R²) every epoch
            (``validation_scores_``, ``validation_loss_curve_``) and, with
            ``early_stopping=True``, used instead of a held-out split.  Passed
            through a Pipeline, X_val is *not* transformed by the earlier
            steps: transform it with them first.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples; requires X_val.

        Returns
        -------
        self : BackpropRegressor

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropRegressor
        >>> rng = np.random.RandomState(0)
        >>> X = rng.uniform(-1, 1, (200, 2))
        >>> y = X[:, 0] ** 2 + X[:, 1]
        >>> model = BackpropRegressor(hidden_layer_sizes=(20,), solver="lbfgs",
        ...                           random_state=0)
        >>> model.fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:]).n_iter_ > 0
        True
        >>> len(model.validation_scores_) == len(model.loss_curve_)
        True
        """
        return self._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)

    @available_if(stochastic_solver)
    def partial_fit(self, X, y, *, sample_weight=None):
        """Run one epoch over (X, y), keeping the optimizer's state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None
            Keyword-only, as in BackpropClassifier.

        Returns
        -------
        self : BackpropRegressor

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropRegressor
        >>> rng = np.random.RandomState(0)
        >>> model = BackpropRegressor(random_state=0)
        >>> for _ in range(3):                          # three chunks of a stream
        ...     X = rng.randn(50, 4)
        ...     model = model.partial_fit(X, X[:, 0] - X[:, 1])
        >>> model.t_, model._optimizer.t                # samples seen, Adam steps
        (150, 3)
        """
        return self._partial_fit(X, y, sample_weight)

    @blockwise
    def predict(self, X):
        """Predicted values: the outputs g(z) (the identity, or exp for poisson).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One dimension when the model was fitted on a 1-D y.

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropRegressor
        >>> X = np.linspace(-1, 1, 40)[:, None]
        >>> model = BackpropRegressor(hidden_layer_sizes=(10,), solver="lbfgs",
        ...                           random_state=0).fit(X, 2 * X[:, 0] + 1)
        >>> np.round(model.predict([[0.0], [0.5]]), 1)
        array([1., 2.])
        """
        check_is_fitted(self)
        Y = self._per_chunk(X, self._cost().values, self.n_outputs_, "predict")
        return Y[:, 0] if self._single_output else Y

    @scored_on_cluster
    def score(self, X, y, sample_weight=None):
        """The R² of ``predict(X)`` against ``y`` (scikit-learn's score).

        On a dask array (or DataFrame) X it is computed on the cluster, block
        by block, and only the sums come back.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropRegressor
        >>> X = np.linspace(-1, 1, 40)[:, None]
        >>> model = BackpropRegressor(hidden_layer_sizes=(10,), solver="lbfgs",
        ...                           random_state=0).fit(X, 2 * X[:, 0] + 1)
        >>> model.score(X, 2 * X[:, 0] + 1) > 0.99
        True
        """
        self._check_scorable()
        return super().score(X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags

    # ------------------------------------------------------------ targets

    def _encode_targets(self, y, *, reset, classes=None, name="y", incremental=False):
        """y as given and as an (n, n_outputs) matrix; poisson needs y ≥ 0.

        ``classes`` and ``incremental`` matter to classifiers only."""
        y = check_array(y, ensure_2d=False, dtype="numeric", input_name=name)
        if reset:
            self._single_output = y.ndim == 1
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                f"loss='poisson' needs non-negative {name} (counts or rates); "
                f"{name} has negative values (the smallest is {np.min(y)})."
            )
        return y, y.reshape(len(y), -1)

    def _training_weights(self, y, sw):
        return sw

    def _out_activation(self):
        if isinstance(self.loss, Loss):
            return self.loss.output_activation
        return "exp" if self.loss == "poisson" else "identity"

    def _loss_params(self):
        return {"huber_delta": self.huber_delta, "quantile": self.quantile}

    def _scorer(self, y, sample_weight):
        """Validation R² of the predicted values against ``y``; NaN where a
        prediction is not finite."""

        def r2(Z):
            xp, _ = namespace_of(Z)
            predicted = to_numpy(self._cost().values(Z, xp))
            if not np.isfinite(predicted).all():  # e.g. exp overflowed (poisson)
                return np.nan  # as MLPRegressor: no score, so no progress
            if y.ndim == 1:
                predicted = predicted[:, 0]
            return r2_score(y, predicted, sample_weight=sample_weight)

        return r2

"""BackpropClassifier: the estimator for class labels."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._array_api import (
    host,
    is_numpy,
    is_numpy_namespace,
    namespace_of,
    to_namespace,
    to_numpy,
)
from ._base import PARAMS, BaseBackprop, stochastic_solver
from ._distributed import blockwise, scored_on_cluster
from ._loss import LOSS_OBJECT, Loss
from ._params import CLASS_WEIGHT, InvalidParameterError, Options
from ._targets import (
    check_targets,
    class_weights,
    combine_weights,
    encode,
    fit_binarizer,
)


class BackpropClassifier(ClassifierMixin, BaseBackprop):
    """Multi-layer perceptron classifier trained by hand-derived back-propagation.

    The network and its training are those of ``deriving-backprop.md``: sigmoid
    units, the quadratic cost J = ½‖a − y‖² by default, gradients from the
    four back-propagation equations (``skbp.loss_and_gradients``), and an
    optional L2 term.  Parameters, their meanings and the fitted attributes
    are those of :class:`sklearn.neural_network.MLPClassifier` wherever the
    concept exists, so ``BackpropClassifier(**mlp.get_params(),
    loss="log_loss")`` trains the same model family as ``mlp``.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer.
    activation : str, Activation or list of them, default='logistic'
        Hidden activation σ: 'identity', 'logistic', 'tanh', 'relu' (as in
        MLPClassifier), 'leaky_relu' (slope 0.01 below 0), 'elu' (α = 1),
        'softplus', 'silu' (z·σ(z)) or 'gelu' (PyTorch's tanh approximation,
        ``approximate='tanh'``), or an :class:`~skbp.Activation` of your own;
        or a list or tuple with one of those per hidden layer.  The seed's
        network is 'logistic' (MLPClassifier's default is 'relu').
    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        'sgd': mini-batch gradient descent with (Nesterov) momentum; 'adam':
        Adam; 'lbfgs': full-batch L-BFGS-B through SciPy, which stops when the
        largest gradient entry falls below ``tol`` — with the quadratic cost
        and saturated sigmoids that is usually early (0.878 on scaled digits
        at tol=1e-4), so such a stop raises a ConvergenceWarning: lower
        ``tol`` (e.g. 1e-8) for lbfgs, or use adam.
    alpha : float, default=0.0001
        L2 strength: the cost of each gradient step gains
        alpha / (2 n) Σ_l ‖W^(l)‖² (biases not decayed), where n is the number
        of samples (or the sum of their weights) that the step averages over:
        the mini-batch for 'sgd' and 'adam', the whole training set for
        'lbfgs' — exactly MLPClassifier's alpha.  UFLDL's weight decay adds
        (λ/2) Σ‖W‖² to the mean cost, so λ = alpha / n.  It bites much
        harder under the quadratic cost than under log-loss (scaled digits:
        0.93 test accuracy at alpha=1, 0.51 at 3, chance at 10, where
        MLPClassifier keeps 0.95 at 10): grids copied from MLPClassifier need
        smaller values.
    batch_size : int or 'auto', default='auto'
        Mini-batch size for the stochastic solvers; 'auto' is min(200, n).
    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, \
default='constant'
        Schedule of the base step size η for solver='sgd' and 'adam'
        (MLPClassifier applies it to 'sgd' only, so with adam only 'constant'
        is MLPClassifier's model).  'constant': η = ``learning_rate_init``;
        'invscaling': η = η₀ / (t + 1)^power_t after each epoch, t the
        samples seen; 'adaptive': η /= 5 after ``n_iter_no_change`` epochs
        without ``tol`` progress, stopping once η ≤ 1e-6; 'cosine':
        η = η₀ · ½(1 + cos(π k / max_iter)) in epoch k = 0, 1, ...
        (``partial_fit`` continues k; a warm-start ``fit`` restarts every
        schedule at η₀).  For adam η is the step before its bias correction.
    learning_rate_init : float, default=0.01
        Initial step size (sgd, adam).
    power_t : float, default=0.5
        Exponent of 'invscaling'.
    max_iter : int, default=200
        Epochs (stochastic solvers) or iterations (lbfgs).  The default model
        learns little in its first ~10 epochs on unscaled inputs in [0, 1]
        (digits / 16: 0.10 after 5 epochs), so searches that budget
        ``max_iter`` (``HalvingGridSearchCV(resource="max_iter")``) need a
        first round of 20 or more epochs, or scaled inputs.
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
        Start ``fit`` from the previous solution, and keep the optimizer's
        state (velocities, Adam's moments) too, unlike MLPClassifier.
    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for 'sgd'.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified), stop when
        the validation score (``scoring``: accuracy by default) stalls and
        restore the best weights (sgd, adam; 'lbfgs' holds nothing out, as in
        MLPClassifier).
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
    loss : {'squared_error', 'log_loss'} or skbp.Loss, default='squared_error'
        'squared_error': the seed's quadratic cost with sigmoid outputs on
        one-hot targets.  'log_loss': cross-entropy with softmax (multiclass)
        or sigmoid (binary, multilabel) outputs — MLPClassifier's model.  A
        :class:`skbp.Loss` instance: your own cost on the 0/1 indicator
        targets, with 'logistic' outputs (probabilities as for
        'squared_error') or 'softmax' outputs (three or more classes;
        probabilities softmax(z)); labels are argmax z (z > 0 for binary and
        multilabel) whatever the loss.
    class_weight : None, 'balanced' or dict, default=None
        Weights of the classes, multiplying ``sample_weight``; 'balanced' uses
        n / (n_classes · n_c), with n_c counted by sample weight.  For
        multilabel y only 'balanced' applies: each label's balanced weight,
        from unweighted counts, multiplied over labels
        (``sklearn.utils.class_weight.compute_sample_weight``).  With
        ``partial_fit``, 'balanced' is computed from the y of each call.
    max_grad_norm : float or None, default=None
        Clip each mini-batch's gradient (every weight and bias, the L2 term
        included) to this global L2 norm before the sgd or adam update:
        multiplied by max_grad_norm / (‖g‖ + 1e-6) when that is below 1
        (``torch.nn.utils.clip_grad_norm_``'s rule).  None: no clipping.
        Finite and > 0; not for solver='lbfgs'.
    scoring : None, 'loss', str or callable, default=None
        What validation data is judged by, for early stopping, the best
        weights kept, ``validation_scores_`` and ``best_validation_score_``.
        None: accuracy (MLPClassifier's).  'loss': the validation data loss (no L2
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
        (fan_in + fan_out)) for logistic units (MLPClassifier's draws, to the
        bit), and ±√(6 / fan_in) (He; MLPClassifier keeps Glorot's) for relu
        and the relu-like 'leaky_relu', 'elu', 'softplus', 'silu' and 'gelu';
        with a per-layer list each hidden layer's weights follow its own units,
        the output layer's the last hidden layer's.  The named rules draw the
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
    classes_ : ndarray of shape (n_classes,) or list of it
        Class labels; numbers live in y's namespace and on its device (with
        array-API dispatch on), other labels in NumPy.
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape (n_units[l], n_units[l+1]): the weights from
        layer l to l+1 (input = layer 0), the seed's weight matrix transposed.
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape (n_units[l+1],).
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of output units.
    out_activation_ : str
        'logistic' or 'softmax'.
    loss_ : float
        The loss at the end of training (L2 term included).
    best_loss_ : float or None
        Lowest training loss seen; None with ``early_stopping=True``, whatever
        the solver.  (MLPClassifier sets it for 'sgd' and 'adam' only; here
        'lbfgs' keeps the lowest loss of its iterations.)
    loss_curve_ : list of float
        Loss after each epoch (each L-BFGS iteration for 'lbfgs').
    validation_scores_ : list of float or None
        The validation score after each epoch, when there is validation
        data: accuracy by default, else the ``scoring`` metric (larger is
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
    sklearn.neural_network.MLPClassifier : the reference this mirrors.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skbp import BackpropClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    >>> model = make_pipeline(StandardScaler(),
    ...                       BackpropClassifier(random_state=0))
    >>> model.fit(X_tr, y_tr).score(X_te, y_te) > 0.95
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="logistic",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.01,
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
        class_weight=None,
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
        self.class_weight = class_weight
        self.max_grad_norm = max_grad_norm
        self.scoring = scoring
        self.init = init
        self.dropout = dropout

    # ------------------------------------------------------------------ fit

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
            Training rows.  float32 trains in float32, anything else in float64;
            predictions are computed in NumPy's promotion of X's and the
            weights' dtypes (float64 X through a float32 model gives float64),
            as MLPClassifier's.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.
        X_val, y_val : array-like, default=None
            Your own validation data: monitored every epoch
            (``validation_scores_``, ``validation_loss_curve_``) and, with
            ``early_stopping=True``, used instead of a held-out split.  Passed
            through a Pipeline (``backpropclassifier__X_val=``), X_val is
            *not* transformed by the earlier steps: transform it with them
            first, or use ``early_stopping=True``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples; requires X_val.  Validation
            scores and losses are weighted by these alone (as the held-out
            split is by its rows' ``sample_weight``): ``class_weight`` shapes
            training, not how it is judged.

        Returns
        -------
        self : BackpropClassifier

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropClassifier
        >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10)
        >>> y = np.array(["no", "yes", "yes", "yes"] * 10)       # logical OR
        >>> model = BackpropClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.1,
        ...                            random_state=0)
        >>> model.fit(X[:32], y[:32], X_val=X[32:], y_val=y[32:]).n_iter_ > 0
        True
        >>> len(model.validation_scores_) == model.n_iter_
        True
        """
        return self._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)

    @available_if(stochastic_solver)
    def partial_fit(self, X, y, *, classes=None, sample_weight=None):
        """Run one epoch over (X, y), keeping the optimizer's state.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole stream; required on the first call
            (except for multilabel y), ignored afterwards.  Keyword-only.
        sample_weight : array-like of shape (n_samples,), default=None
            Keyword-only: MLPClassifier takes ``(X, y, sample_weight,
            classes)`` and SGDClassifier ``(X, y, classes, sample_weight)``,
            so a positional third argument would silently mean different
            things; here it is a TypeError.

        Returns
        -------
        self : BackpropClassifier

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropClassifier
        >>> rng = np.random.RandomState(0)
        >>> model = BackpropClassifier(random_state=0)
        >>> for _ in range(3):                          # three chunks of a stream
        ...     X = rng.randn(50, 4)
        ...     model = model.partial_fit(X, X[:, 0] > 0, classes=[False, True])
        >>> model.t_, model._optimizer.t                # samples seen, Adam steps
        (150, 3)
        """
        first = not hasattr(self, "coefs_")
        if first and classes is None and not _is_multilabel(y):
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "every class the stream will contain, e.g. np.unique(y_all)."
            )
        if not first and classes is not None and not self._multilabel:
            asked, fitted = np.unique(host(classes)), self._host_classes()
            if not np.array_equal(asked, fitted):
                raise ValueError(
                    f"classes={asked.tolist()} is not the same as on "
                    f"the first call to partial_fit, {fitted.tolist()}."
                )
        return self._partial_fit(X, y, sample_weight, classes)

    @blockwise
    def predict(self, X):
        """Predict class labels (or label indicators, for multilabel models).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropClassifier
        >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]] * 5)
        >>> model = BackpropClassifier(solver="lbfgs", tol=1e-8, random_state=0)
        >>> model = model.fit(X, X[:, 0] > 0)
        >>> model.predict([[-3.0], [3.0]])
        array([False,  True])
        """
        check_is_fitted(self)
        if self._multilabel:
            return self._per_chunk(
                X, _positive, self.classes_.shape[0], "predict", dtype="int64"
            )
        index = self._per_chunk(X, _class_index, 0, "predict", dtype="int64")
        return self._labels(index)

    @blockwise
    def decision_function(self, X):
        """The output layer's logits z^(L), the scores behind ``predict``.

        MLPClassifier has no ``decision_function``, so tools with
        ``response_method="auto"`` (``DecisionBoundaryDisplay``,
        ``CalibratedClassifierCV``, ``TunedThresholdClassifierCV``) use these
        logits here, probabilities there; pass
        ``response_method="predict_proba"`` to match MLPClassifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column (raveled) for binary models, whose positive scores
            predict ``classes_[1]``; else one per class or label.

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropClassifier
        >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]] * 5)
        >>> model = BackpropClassifier(solver="lbfgs", tol=1e-8, random_state=0)
        >>> model = model.fit(X, X[:, 0] > 0)
        >>> scores = model.decision_function([[-3.0], [3.0]])
        >>> bool(scores[0] < 0 < scores[1])
        True
        """
        check_is_fitted(self)
        Z = self._per_chunk(X, lambda Z, xp: Z, self.n_outputs_, "decision_function")
        if Z.shape[1] == 1 and not self._multilabel:
            return Z[:, 0]
        return Z

    @blockwise
    def predict_proba(self, X):
        """Class probabilities; rows sum to one (per label, for multilabel).

        With the default quadratic cost a multiclass model's probabilities
        are its sigmoid outputs normalised to sum to one: as accurate, but
        underconfident (scaled digits: log loss 0.139 and calibration error
        0.067, against 0.095 and 0.016 with ``loss="log_loss"``).  When
        probabilities matter, use ``loss="log_loss"`` or wrap the model in
        ``CalibratedClassifierCV(method="temperature")`` (log loss 0.089).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropClassifier
        >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]] * 5)
        >>> model = BackpropClassifier(solver="lbfgs", tol=1e-8, random_state=0)
        >>> model = model.fit(X, X[:, 0] > 0)
        >>> proba = model.predict_proba([[-3.0], [3.0]])
        >>> proba.sum(axis=1)
        array([1., 1.])
        >>> bool(proba[1, 1] > 0.5)
        True
        """
        check_is_fitted(self)
        return self._per_chunk(
            X,
            lambda Z, xp: self._cost().proba(Z, self._multilabel, xp),
            self.classes_.shape[0],
            "predict_proba",
        )

    @blockwise
    def predict_log_proba(self, X):
        """Log of ``predict_proba``, computed stably from the logits.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)

        Examples
        --------
        >>> import numpy as np
        >>> from skbp import BackpropClassifier
        >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]] * 5)
        >>> model = BackpropClassifier(solver="lbfgs", tol=1e-8, random_state=0)
        >>> model = model.fit(X, X[:, 0] > 0)
        >>> model.coefs_[-1] *= 1e4                     # saturate every sigmoid
        >>> bool(np.isfinite(model.predict_log_proba([[-3.0], [3.0]])).all())
        True
        """
        check_is_fitted(self)
        return self._per_chunk(
            X,
            lambda Z, xp: self._cost().log_proba(Z, self._multilabel, xp),
            self.classes_.shape[0],
            "predict_log_proba",
        )

    @scored_on_cluster
    def score(self, X, y, sample_weight=None):
        """The accuracy of ``predict(X)`` against ``y`` (scikit-learn's score).

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
        >>> from skbp import BackpropClassifier
        >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]] * 5)
        >>> model = BackpropClassifier(solver="lbfgs", tol=1e-8, random_state=0)
        >>> model.fit(X, X[:, 0] > 0).score(X, X[:, 0] > 0)
        1.0
        """
        self._check_scorable()
        return super().score(X, y, sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------ targets

    _PARAMS = {
        **PARAMS,
        "loss": (Options("squared_error", "log_loss"), LOSS_OBJECT),
        "class_weight": (CLASS_WEIGHT,),
    }
    _stratify = property(lambda self: not self._multilabel)

    @property
    def _multilabel(self):
        return self._label_binarizer.y_type_ == "multilabel-indicator"

    def _prepare(self, X, y, sample_weight, *, reset, classes, incremental=False):
        """As BaseBackprop's; a new ``classes_`` then lives where y does."""
        prepared = super()._prepare(
            X, y, sample_weight, reset=reset, classes=classes, incremental=incremental
        )
        if reset:
            self.classes_ = _labels_where(self.classes_, y)
        return prepared

    def _encode_targets(self, y, *, reset, classes=None, name="y", incremental=False):
        """Labels checked against ``classes_`` (fitted when ``reset``) and
        their 0/1 code matrix, one column per output.  ``incremental``: y
        comes from partial_fit (it decides the advice on unseen classes)."""
        kind = check_targets(y)
        if reset:
            multilabel = kind == "multilabel-indicator"
            self._label_binarizer = fit_binarizer(
                y, None if multilabel or classes is None else host(classes)
            )
            self.classes_ = self._label_binarizer.classes_
        self._check_known_classes(y, kind, name, incremental)
        return y, encode(self._label_binarizer.y_type_, self._host_classes(), y)

    def _host_classes(self):
        """``classes_`` as a NumPy array, wherever the model lives."""
        return to_numpy(self.classes_)

    def _check_known_classes(self, y, kind, name="y", incremental=False):
        """``y`` (named ``name`` in errors) holds only the model's classes."""
        if self._multilabel != (kind == "multilabel-indicator"):
            raise ValueError(
                f"{name}'s type does not match the model: it was fitted on "
                f"{self._label_binarizer.y_type_!r} targets, {name} is {kind!r}."
            )
        if self._multilabel:
            if y.shape[1] != self.classes_.shape[0]:
                raise ValueError(
                    f"{name} has {y.shape[1]} labels; the model has "
                    f"{self.classes_.shape[0]}."
                )
            return
        classes = self._host_classes()
        unseen = np.setdiff1d(np.unique(y), classes)
        if len(unseen):
            raise ValueError(
                f"{name} has classes {unseen.tolist()} that are not in classes_ "
                f"{classes.tolist()}{_unseen_hint(name, incremental)}."
            )

    def _training_weights(self, y, sw):
        """sample_weight × class_weight: the weights training averages with."""
        w = combine_weights(
            sw,
            class_weights(
                self.class_weight, y, self._host_classes(), sw, self._multilabel
            ),
        )
        if w is not None and not w.sum() > 0:
            raise ValueError(
                "sample_weight times class_weight is zero for every sample: "
                "nothing to learn from. Give some class a positive weight."
            )
        return w

    def _out_activation(self):
        """Softmax for a multiclass log-loss; else one sigmoid per output; a
        Loss's own output where it has a meaning for these targets."""
        multiclass = self.n_outputs_ > 1 and not self._multilabel
        if isinstance(self.loss, Loss):
            return _user_output(self.loss, multiclass)
        return "softmax" if self.loss == "log_loss" and multiclass else "logistic"

    def _scorer(self, y, sample_weight):
        """Validation accuracy of logits against labels ``y`` (on the host);
        NaN where a logit is NaN (argmax would silently read class 0)."""

        def accuracy(Z):
            xp, _ = namespace_of(Z)
            if bool(xp.any(xp.isnan(Z))):  # overflowed logits name no class
                return np.nan
            if self._multilabel:
                predicted = _positive(Z, xp)
            else:
                predicted = self._labels(_class_index(Z, xp))
            return accuracy_score(y, to_numpy(predicted), sample_weight=sample_weight)

        return accuracy

    def _labels(self, index):
        """``classes_[index]``: numbers in index's (X's) namespace and on its
        device, wherever ``classes_`` lives (as scikit-learn's array-API
        classifiers do); other labels in NumPy."""
        if is_numpy(index):
            return self._host_classes()[index]
        if is_numpy(self.classes_) and self.classes_.dtype.kind not in "biuf":
            return self.classes_[to_numpy(index)]
        xp, device = namespace_of(index)
        classes = to_namespace(self.classes_, xp=xp, device=device)
        return xp.take(classes, index, axis=0)


def _labels_where(classes, y):
    """``classes`` (NumPy) in y's namespace and on its device when they are
    numbers and y is an array of another namespace (dispatch on), where
    scikit-learn's array-API classifiers keep ``classes_``; else as they are.
    """
    xp, device = namespace_of(y)
    if is_numpy_namespace(xp) or classes.dtype.kind not in "biuf":
        return classes
    return to_namespace(classes, xp=xp, device=device)


def _unseen_hint(name, incremental):
    """What to do about classes of ``name`` the model was not built for."""
    if name != "y":
        return ""
    if incremental:
        return "; pass every class in the first call (partial_fit's classes=...)"
    return (
        "; warm_start=True continues the fitted network, whose outputs are "
        "these classes: fit a new one (warm_start=False) to learn others"
    )


def _user_output(loss, multiclass):
    """A Loss's output, if the classifier can read classes from it.

    Softmax needs one column per class summing to one: three or more classes
    (binary targets are one 0/1 column; labels are independent).
    """
    out = loss.output_activation
    if out == "logistic" or (out == "softmax" and multiclass):
        return out
    need = (
        "three or more classes (binary targets are one column, multilabel "
        "labels are independent); use output_activation='logistic'"
        if out == "softmax"
        else "output_activation 'logistic' or 'softmax' (classes are read from "
        "probabilities); use BackpropRegressor for 'identity' and 'exp'"
    )
    raise InvalidParameterError(
        f"The 'loss' parameter of BackpropClassifier got {loss!r} with "
        f"output_activation={out!r}, which needs {need}."
    )


def _class_index(Z, xp):
    """Index of the predicted class: argmax z, or z > 0 for one output."""
    if Z.shape[1] == 1:
        return xp.astype(Z[:, 0] > 0, xp.int64)
    return xp.argmax(Z, axis=1)


def _positive(Z, xp):
    """Multilabel indicators: z > 0 per label."""
    return xp.astype(Z > 0, xp.int64)


def _is_multilabel(y):
    return np.ndim(y) == 2 and np.shape(y)[1] > 1

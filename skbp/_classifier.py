"""BackpropClassifier: the estimator."""

import functools
import time
import warnings

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import _network, _outputs
from ._backprop import NetSpec, chunked_logits
from ._losses import normalised_weights, output_and_loss
from ._optimizers import make_optimizer
from ._params import (
    BOOL,
    CLASS_WEIGHT,
    HIDDEN_ACTIVATION,
    LAYER_SIZES,
    LOSS,
    RANDOM_STATE,
    VERBOSE,
    Number,
    Options,
    check_param,
)
from ._rollback import atomic
from ._targets import (
    check_sample_weight,
    check_targets,
    class_weights,
    combine_weights,
    encode,
    fit_binarizer,
)
from ._training import DivergenceError, Epochs, batch_size_for, fit_lbfgs

_PARAMS = {
    "hidden_layer_sizes": (LAYER_SIZES,),
    "activation": (HIDDEN_ACTIVATION,),
    "solver": (Options("sgd", "adam", "lbfgs"),),
    "alpha": (Number(0, None),),
    "batch_size": (Options("auto"), Number(1, None, integral=True)),
    "learning_rate": (Options("constant", "invscaling", "adaptive"),),
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
    "loss": (LOSS,),
    "class_weight": (CLASS_WEIGHT,),
}


def _stochastic(est):
    """partial_fit exists for the stochastic solvers only (as in MLPClassifier)."""
    if est.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for the stochastic solvers 'sgd' and "
            "'adam'; solver='lbfgs' fits in full batches."
        )
    return True


class BackpropClassifier(ClassifierMixin, BaseEstimator):
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
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='logistic'
        Hidden activation σ.  The seed's network is 'logistic' (MLPClassifier's
        default is 'relu').
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
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Schedule of the step size for solver='sgd'.
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
        the validation accuracy stalls and restore the best weights.
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
    loss : {'squared_error', 'log_loss'}, default='squared_error'
        'squared_error': the seed's quadratic cost with sigmoid outputs on
        one-hot targets.  'log_loss': cross-entropy with softmax (multiclass)
        or sigmoid (binary, multilabel) outputs — MLPClassifier's model.
    class_weight : None, 'balanced' or dict, default=None
        Weights of the classes, multiplying ``sample_weight``; 'balanced' uses
        n / (n_classes · n_c), with n_c counted by sample weight.  For
        multilabel y only 'balanced' applies: each label's balanced weight,
        from unweighted counts, multiplied over labels
        (``sklearn.utils.class_weight.compute_sample_weight``).  With
        ``partial_fit``, 'balanced' is computed from the y of each call.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or list of it
        Class labels.
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
        Lowest training loss seen (None with early stopping).
    loss_curve_ : list of float
        Loss after each epoch (each L-BFGS iteration for 'lbfgs').
    validation_scores_ : list of float or None
        Validation accuracy after each epoch, when there is validation data.
    validation_loss_curve_ : list of float or None
        Validation loss (data term) after each epoch, when there is
        validation data.
    best_validation_score_ : float or None
        Best validation accuracy.
    n_iter_ : int
        Epochs (or L-BFGS iterations) run by the last call.
    t_ : int
        Training samples seen by the stochastic solvers, all calls together.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
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

    # ------------------------------------------------------------------ fit

    @atomic
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
            Training rows.  float32 trains in float32, anything else in float64.
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
        self._validate_params()
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        if sample_weight_val is not None and X_val is None:
            raise ValueError(
                "sample_weight_val weights the validation samples X_val; it was "
                "given without X_val and y_val."
            )
        first = not (self.warm_start and hasattr(self, "coefs_"))
        X, y, Y, sw = self._prepare(X, y, sample_weight, reset=first, classes=None)
        if not first:
            self._check_same_architecture(X.shape[1], Y.shape[1])
        self._random_state = check_random_state(self.random_state)
        if first:
            self._initialize(X.shape[1], Y.shape[1], X.dtype)
        val = None
        if X_val is not None:
            val = self._validation_data(X_val, y_val, sample_weight_val)
        return self._train(X, y, Y, sw, val, incremental=False)

    @available_if(_stochastic)
    @atomic
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
        self._validate_params()
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: it has no "
                "held-out data to stop on. Set early_stopping=False."
            )
        first = not hasattr(self, "coefs_")
        if first and classes is None and not _is_multilabel(y):
            raise ValueError(
                "classes must be passed on the first call to partial_fit: "
                "every class the stream will contain, e.g. np.unique(y_all)."
            )
        if not first and classes is not None and not self._multilabel:
            if not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={np.unique(classes).tolist()} is not the same as on "
                    f"the first call to partial_fit, {self.classes_.tolist()}."
                )
        X, y, Y, sw = self._prepare(
            X, y, sample_weight, reset=first, classes=classes if first else None
        )
        if not first:
            self._check_same_architecture(X.shape[1], Y.shape[1])
        if first:
            # One generator for the whole stream, so that successive calls
            # shuffle differently (MLPClassifier re-seeds on every call).
            self._random_state = check_random_state(self.random_state)
            self._initialize(X.shape[1], Y.shape[1], X.dtype)
        return self._train(X, y, Y, sw, None, incremental=True)

    # --------------------------------------------------------- prediction

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
        n_cols = len(self.classes_) if self._multilabel else 0
        dtype = int if self._multilabel else self.classes_.dtype
        return self._per_chunk(X, self._decode, n_cols, dtype)

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
        Z = self._per_chunk(X, np.copy, self.n_outputs_)
        return Z.ravel() if Z.shape[1] == 1 and not self._multilabel else Z

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
            lambda Z: _outputs.proba(Z, self.out_activation_, self._multilabel),
            len(self.classes_),
        )

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
            lambda Z: _outputs.log_proba(Z, self.out_activation_, self._multilabel),
            len(self.classes_),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------ helpers

    def _validate_params(self):
        for name, constraints in _PARAMS.items():
            check_param(type(self).__name__, name, getattr(self, name), *constraints)

    def _layer_units(self, n_features, n_outputs):
        sizes = self.hidden_layer_sizes
        hidden = [int(sizes)] if np.ndim(sizes) == 0 else [int(s) for s in sizes]
        return [n_features] + hidden + [n_outputs]

    def _spec(self):
        return NetSpec(
            self.activation, self.out_activation_, self.loss, float(self.alpha)
        )

    def _prepare(self, X, y, sample_weight, *, reset, classes):
        """Validated X, labels y, encoded targets Y and sample weights."""
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        kind = check_targets(y)
        if reset:
            multilabel = kind == "multilabel-indicator"
            self._label_binarizer = fit_binarizer(y, None if multilabel else classes)
            self.classes_ = self._label_binarizer.classes_
        self._check_known_classes(y, kind)
        Y = encode(self._label_binarizer, y)
        sw = check_sample_weight(sample_weight, X.shape[0])
        if sparse.issparse(X):
            X = X.tocsr()
        return X, y, Y, sw

    def _training_weights(self, y, sw):
        """sample_weight × class_weight: the weights training averages with.

        Validation data is scored with its sample weights alone (the
        held-out rows' ``sample_weight``, or ``sample_weight_val``):
        ``class_weight`` shapes what is learned, not how it is judged.
        """
        w = combine_weights(
            sw, class_weights(self.class_weight, y, self.classes_, sw, self._multilabel)
        )
        if w is not None and not w.sum() > 0:
            raise ValueError(
                "sample_weight times class_weight is zero for every sample: "
                "nothing to learn from. Give some class a positive weight."
            )
        return w

    @property
    def _multilabel(self):
        return self._label_binarizer.y_type_ == "multilabel-indicator"

    def _check_known_classes(self, y, kind, name="y"):
        """``y`` (named ``name`` in errors) holds only the model's classes."""
        if self._multilabel != (kind == "multilabel-indicator"):
            raise ValueError(
                f"{name}'s type does not match the model: it was fitted on "
                f"{self._label_binarizer.y_type_!r} targets, {name} is {kind!r}."
            )
        if self._multilabel:
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"{name} has {y.shape[1]} labels; the model has "
                    f"{len(self.classes_)}."
                )
            return
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            hint = (
                "; pass every class in the first call (partial_fit's classes=...)"
                if name == "y"
                else ""
            )
            raise ValueError(
                f"{name} has classes {unseen.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}{hint}."
            )

    def _check_same_architecture(self, n_features, n_outputs):
        """A warm start or partial_fit continues the fitted network, unchanged."""
        units = self._layer_units(n_features, n_outputs)
        fitted = _network.layer_units_of(self.coefs_)
        if units != fitted:
            raise ValueError(
                f"warm_start=True and partial_fit continue the fitted network, whose "
                f"hidden layers are {fitted[1:-1]}; hidden_layer_sizes asks for "
                f"{units[1:-1]}. Set hidden_layer_sizes back, or fit a new network "
                "(warm_start=False, or a fresh estimator for partial_fit)."
            )

    def _initialize(self, n_features, n_outputs, dtype):
        """Fresh weights, attributes and optimizer state."""
        units = self._layer_units(n_features, n_outputs)
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(units)
        params = _network.initial_params(
            units, self.activation, self._random_state, dtype
        )
        self.coefs_, self.intercepts_ = _network.unpack(params, units)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        self._no_improvement_count = 0
        self._optimizer = None
        self._trained_loss = self.loss

    def _set_output(self):
        """The output layer the current ``loss`` asks for.

        A warm start or partial_fit after ``set_params(loss=...)`` keeps the
        weights and trains them under the new cost with its own output
        (softmax for a multiclass log-loss); the best training loss, a value
        of the old cost, starts afresh.
        """
        multiclass = self.n_outputs_ > 1 and not self._multilabel
        self.out_activation_ = (
            "softmax" if self.loss == "log_loss" and multiclass else "logistic"
        )
        if self._trained_loss != self.loss:
            self.best_loss_ = None if self.early_stopping else np.inf
            self._trained_loss = self.loss

    def _validation_data(self, X_val, y_val, sample_weight_val):
        """Checked (X_val, y_val, sample_weight_val); errors name those inputs."""
        X_val = check_array(
            X_val,
            accept_sparse=["csr", "csc"],
            dtype=self.coefs_[0].dtype,
            input_name="X_val",
        )
        y_val = check_array(y_val, ensure_2d=False, dtype=None, input_name="y_val")
        check_consistent_length(X_val, y_val)
        if X_val.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X_val has {X_val.shape[1]} features; the training X has "
                f"{self.n_features_in_}."
            )
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = y_val.ravel()
        self._check_known_classes(y_val, check_targets(y_val), name="y_val")
        sw = check_sample_weight(
            sample_weight_val, X_val.shape[0], name="sample_weight_val"
        )
        return X_val, y_val, sw

    def _split_validation(self, X, y, Y, sw):
        """Hold-out for early stopping, stratified by class where possible.

        Multilabel targets, and classes too small to stratify (a class with
        one sample, or fewer held-out samples than classes), get a plain
        random split, with a warning for the latter.
        """
        if self.validation_fraction == 0:
            raise ValueError(
                "early_stopping=True needs validation_fraction > 0, or X_val and "
                "y_val passed to fit."
            )
        arrays = [X, y, Y] + ([] if sw is None else [sw])
        split = functools.partial(
            train_test_split,
            *arrays,
            test_size=self.validation_fraction,
            random_state=self._random_state,
        )
        try:
            parts = split(stratify=None if self._multilabel else y)
        except ValueError as exc:
            warnings.warn(
                f"early_stopping's validation split is not stratified: {exc}",
                UserWarning,
                stacklevel=5,
            )
            parts = split(stratify=None)
        train, val = parts[0::2], parts[1::2]
        if val[0].shape[0] < 2:
            raise ValueError(
                "early_stopping needs a validation set of at least 2 samples; "
                f"validation_fraction={self.validation_fraction} of "
                f"{X.shape[0]} gives {val[0].shape[0]}. Use more data, a larger "
                "validation_fraction, or pass X_val and y_val."
            )
        if sw is None:
            train.append(None)
            val.append(None)
        return train, (val[0], val[1], val[3])

    def _train(self, X, y, Y, sw, val, incremental):
        self._set_output()
        params = _network.pack(self.coefs_, self.intercepts_)
        units = _network.layer_units_of(self.coefs_)
        X = X.astype(params.dtype, copy=False)  # a warm start keeps its dtype
        self.coefs_, self.intercepts_ = _network.unpack(params, units)
        with np.errstate(
            over="ignore", under="ignore", invalid="ignore", divide="ignore"
        ):
            if self.solver != "lbfgs" and self.early_stopping and val is None:
                (X, y, Y, sw), val = self._split_validation(X, y, Y, sw)
            w = self._training_weights(y, sw)
            if self.solver == "lbfgs":
                self._fit_lbfgs(params, units, X, Y, w, val)
            else:
                self._fit_stochastic(params, units, X, Y, w, val, incremental)
        return self

    def _fit_lbfgs(self, params, units, X, Y, sw, val):
        """Full-batch L-BFGS; one loss (and validation score) per iteration."""
        result, losses = fit_lbfgs(
            params,
            units,
            X,
            Y,
            sw,
            self._spec(),
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
            verbose=self.verbose,
            on_iteration=None if val is None else lambda: self._record_validation(val),
        )
        final = losses[-1] if result is None else float(result.fun)
        if not (np.all(np.isfinite(params)) and np.isfinite(final)):
            raise DivergenceError(
                "L-BFGS produced a non-finite loss or weights. Scale X (e.g. with "
                "StandardScaler) or raise alpha. The model was left as it was "
                "before this call."
            )
        if not losses:  # stopped before a first iteration: record where it is
            losses = [final]
            if val is not None:
                self._record_validation(val)
        self.n_iter_ = len(losses) if result is None else int(result.nit)
        self.loss_ = final
        self.loss_curve_.extend(losses)  # as the stochastic solvers: warm fits append
        self.best_loss_ = min(self.loss_curve_)
        if result is not None:
            self._warn_lbfgs_stop(result)

    def _warn_lbfgs_stop(self, result):
        """ConvergenceWarning at max_iter/max_fun, or on a deceptively small gradient.

        L-BFGS stops when every gradient entry is below ``tol``.  Under the
        quadratic cost, saturated sigmoid outputs have gradients near zero
        long before a minimum (the σ' factor of BP1), so there such a stop is
        usually early: say so rather than report convergence.
        """
        if result.status != 0:
            message = (
                f"lbfgs stopped at max_iter={self.max_iter} or max_fun="
                f"{self.max_fun} before converging ({result.message}). Increase "
                "max_iter or max_fun, or scale the data."
            )
        elif self.loss == "squared_error" and np.max(np.abs(result.jac)) <= self.tol:
            message = (
                f"lbfgs stopped after {result.nit} iterations because every "
                f"gradient entry fell below tol={self.tol}. With the quadratic "
                "cost, saturated sigmoid outputs have tiny gradients long before "
                "a minimum, so this stop is usually early: lower tol (e.g. 1e-8) "
                "or use loss='log_loss'."
            )
        else:
            return
        warnings.warn(message, ConvergenceWarning, stacklevel=6)

    def _fit_stochastic(self, params, units, X, Y, sw, val, incremental):
        self._optimizer = make_optimizer(
            self,
            params.size,
            params.dtype,
            previous=self._optimizer,
            keep_schedule=incremental,
        )
        batch_size = batch_size_for(self.batch_size, X.shape[0])
        epochs = Epochs(X, Y, sw, units, batch_size, self._spec())
        self._start_monitoring(params)
        try:
            with epochs.blas_threads_limited():
                for _ in range(1 if incremental else self.max_iter):
                    if self._epoch(epochs, params, val):
                        break
                else:
                    if not incremental:
                        warnings.warn(
                            f"Stochastic optimizer: max_iter={self.max_iter} epochs "
                            "reached before the loss converged. Increase max_iter.",
                            ConvergenceWarning,
                            stacklevel=5,
                        )
        except KeyboardInterrupt:  # as MLPClassifier: keep what was learned
            warnings.warn("Training interrupted by user.", stacklevel=5)
        if self.early_stopping:
            np.copyto(params, self._best_params)

    def _start_monitoring(self, params):
        """Reset what one training call tracks: epochs, best weights, baselines.

        A warm start's validation split differs from the last call's, so the
        best validation score starts afresh; the training loss keeps its best.
        """
        self.n_iter_ = 0
        self._best_params = params.copy()
        if self.early_stopping:
            self.best_validation_score_ = -np.inf
        elif self.best_loss_ is None:  # early stopping was on in the last call
            self.best_loss_ = np.inf

    def _epoch(self, epochs, params, val):
        """One epoch and its bookkeeping; True when training should stop."""
        start = time.perf_counter()
        try:
            loss = epochs.run(params, self._optimizer, self._random_state, self.shuffle)
        except DivergenceError:
            raise DivergenceError(self._divergence_message()) from None
        self.n_iter_ += 1
        self.t_ += epochs.X.shape[0]
        self.loss_ = loss
        self.loss_curve_.append(loss)
        best_before = self.best_validation_score_
        if val is not None:
            self._record_validation(val, params)
        self._optimizer.epoch_ends(self.t_)
        self._report(time.perf_counter() - start)
        return self._stalled(best_before) and self._optimizer.stalled()

    def _divergence_message(self):
        return (
            f"Training diverged in epoch {self.n_iter_ + 1}: the loss became "
            f"non-finite. Lower learning_rate_init (now {self.learning_rate_init}) "
            "or scale X (e.g. with StandardScaler). The model was left as it was "
            "before this call."
        )

    def _stalled(self, best_score_before):
        """Update the no-improvement count; True once it passes n_iter_no_change."""
        if self.early_stopping:
            best = -np.inf if best_score_before is None else best_score_before
            improved = self.validation_scores_[-1] >= best + self.tol
        else:
            improved = self.loss_curve_[-1] <= self.best_loss_ - self.tol
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
        self._no_improvement_count = 0 if improved else self._no_improvement_count + 1
        if self._no_improvement_count > self.n_iter_no_change:
            self._no_improvement_count = 0
            return True
        return False

    def _record_validation(self, val, params=None):
        X_val, y_val, sw_val = val
        Z = self._map_logits(X_val, np.copy, self.n_outputs_)
        score = accuracy_score(y_val, self._decode(Z), sample_weight=sw_val)
        Y_val = encode(self._label_binarizer, y_val).astype(Z.dtype)
        w, _ = normalised_weights(sw_val, Z.shape[0], Z.dtype)
        loss = output_and_loss(
            self.loss,
            self.out_activation_,
            Z,
            np.empty_like(Z),
            Y_val,
            w,
            np.empty_like(Z),
        )
        if self.validation_scores_ is None:
            self.validation_scores_, self.validation_loss_curve_ = [], []
            self.best_validation_score_ = -np.inf
        self.validation_scores_.append(float(score))
        self.validation_loss_curve_.append(float(loss))
        if score > self.best_validation_score_:
            self.best_validation_score_ = float(score)
            if params is not None:
                self._best_params = params.copy()

    def _report(self, seconds):
        if not self.verbose:
            return
        line = f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}"
        if self.validation_scores_:
            line += f", validation score = {self.validation_scores_[-1]:.6f}"
        print(f"{line}, time = {seconds:.3f}s")

    def _per_chunk(self, X, fn, n_cols, dtype=None):
        """``fn`` of the logits of X (validated here), chunk by chunk."""
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
        )
        if sparse.issparse(X):
            X = X.tocsr()
        return self._map_logits(X, fn, n_cols, dtype)

    def _map_logits(self, X, fn, n_cols, dtype=None):
        """``fn`` of the logits of validated X, chunk by chunk, into one array.

        Computed in the weights' floating dtype (float64 for hand-set integer
        weights), which is also the result's unless ``dtype`` is given.
        Extra memory beyond the result stays bounded however large X is.
        ``n_cols`` = 0 gives a 1-D result.
        """
        coefs, intercepts = _network.as_floating(self.coefs_, self.intercepts_)
        X = X.astype(coefs[0].dtype, copy=False)
        shape = (X.shape[0], n_cols) if n_cols else X.shape[0]
        out = np.empty(shape, dtype or coefs[0].dtype)
        with np.errstate(over="ignore", under="ignore"):
            for rows, Z in chunked_logits(coefs, intercepts, X, self.activation):
                out[rows] = fn(Z)
        return out

    def _decode(self, Z):
        """Labels from logits: argmax z, or z > 0 for one output and multilabel."""
        if self._multilabel:
            return (Z > 0).astype(int)
        if Z.shape[1] == 1:
            return self.classes_[(Z[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(Z, axis=1)]


def _is_multilabel(y):
    return np.ndim(y) == 2 and np.shape(y)[1] > 1

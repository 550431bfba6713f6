"""What a validation set is judged by (``scoring``).

``scoring=None`` is MLPClassifier's and MLPRegressor's metric (accuracy, R²),
computed from the validation logits the loop has already; ``'loss'`` is the
validation data loss (no L2 term), negated so that larger is better, as
HistGradientBoosting stores it; anything else is a scikit-learn scorer — a
name of ``sklearn.metrics.get_scorer_names()`` or a callable
``(estimator, X, y)`` — called with the estimator itself.  During training
the estimator's ``coefs_`` and ``intercepts_`` are views of the weights being
trained, so it predicts as the model stands after the epoch without a copy;
X, y and the weights are handed over where the model lives (array-API
inputs: in its namespace and on its device).  The result is the function
``score(Z, loss)`` that ``_training.validate`` calls after each epoch.
"""

import inspect
import math
import warnings

from sklearn.metrics import get_scorer, get_scorer_names

from ._array_api import is_numpy, namespace_of, to_namespace
from ._params import Options, Predicate
from ._warnings import warn


def _is_scorer_name(value):
    return isinstance(value, str) and value in get_scorer_names()


def _is_scorer_callable(value):
    """A callable that can be called as ``scorer(estimator, X, y)``.

    A metric ``(y_true, y_pred)`` such as ``mean_absolute_error`` cannot: it
    is refused here, before any epoch, rather than failing after the first.
    """
    if not callable(value):
        return False
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):  # a builtin: trust it
        return True
    for weights in ({}, {"sample_weight": None}):  # it may require the weights
        try:
            signature.bind(None, None, None, **weights)
            return True
        except TypeError:
            pass
    return False


#: ``scoring``'s allowed values.
SCORING = (
    Options(None, "loss"),
    Predicate(
        _is_scorer_name,
        "a scikit-learn scorer name (sklearn.metrics.get_scorer_names())",
    ),
    Predicate(
        _is_scorer_callable,
        "a callable scorer(estimator, X, y) (wrap a metric(y_true, y_pred) in "
        "sklearn.metrics.make_scorer)",
    ),
)


def validation_score(scoring, estimator, X, y, sample_weight, default):
    """The function ``score(Z, loss)`` of one epoch's validation.

    Parameters
    ----------
    scoring : None, 'loss', str or callable
        Checked already (``SCORING``).
    estimator : BaseBackprop
        The estimator being trained: a scorer's ``estimator`` argument.
    X : array of shape (n_val, n_features)
        Validation rows, where the model lives.
    y : ndarray of shape (n_val,) or (n_val, n_outputs)
        Their targets as given (labels, values), on the host.
    sample_weight : ndarray of shape (n_val,) or None
    default : callable
        ``default(Z)``: the estimator's own metric of the logits Z.

    Returns
    -------
    score : callable
        ``score(Z, loss)`` → float, larger is better.

    Examples
    --------
    >>> from skbp._scoring import validation_score
    >>> score = validation_score("loss", None, None, None, None, None)
    >>> score(None, 0.25)
    -0.25
    """
    if scoring is None:
        return lambda Z, loss: float(default(Z))
    if scoring == "loss":
        return lambda Z, loss: -float(loss)
    scorer = get_scorer(scoring)
    y, sample_weight = _beside(X, y, sample_weight)
    kwargs = _weights_for(scorer, sample_weight)

    def score(Z, loss):
        if not math.isfinite(loss):  # non-finite predictions: no score
            return math.nan
        with warnings.catch_warnings():
            # X is the validated array; a model fitted on a DataFrame would
            # warn each epoch that it lost its column names.
            warnings.filterwarnings("ignore", "X does not have valid feature names")
            value = scorer(estimator, X, y, **kwargs)
        return _as_score(value, scoring)

    return score


def _as_score(value, scoring):
    """The float a scorer returned, or an error naming ``scoring``."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"scoring={scoring!r} returned {value!r}; a scorer returns one "
            "number (larger is better)."
        ) from None


def _beside(X, y, sample_weight):
    """Numeric targets and weights moved beside X (array-API inputs)."""
    if is_numpy(X):
        return y, sample_weight
    xp, device = namespace_of(X)
    if y.dtype.kind in "biuf":
        y = to_namespace(y, xp=xp, device=device)
    return y, to_namespace(sample_weight, xp=xp, device=device)


def _weights_for(scorer, sample_weight):
    """``{"sample_weight": w}`` for a scorer that takes it, else nothing.

    scikit-learn's scorers do; a plain function ``(estimator, X, y)`` gets
    unweighted validation data, with a warning saying so.
    """
    if sample_weight is None:
        return {}
    try:
        parameters = inspect.signature(scorer).parameters.values()
    except (TypeError, ValueError):  # a builtin: assume it takes the weights
        return {"sample_weight": sample_weight}
    if any(
        p.name == "sample_weight" or p.kind is inspect.Parameter.VAR_KEYWORD
        for p in parameters
    ):
        return {"sample_weight": sample_weight}
    warn(
        f"scoring={scorer!r} takes no sample_weight argument: the validation "
        "samples are scored unweighted."
    )
    return {}

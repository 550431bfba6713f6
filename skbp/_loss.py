"""Your own cost: the public base class ``Loss``, and every cost's look-up.

A user's ``Loss`` states a per-row cost ℓ(y, a) and its output error
ε = ∂ℓ/∂z^(L) (BP1 for one row); ``_UserCost`` adapts it to the protocol of
``_costs`` (averaging over weighted rows, scaling the rows of ε), so that
training, validation, ``loss_and_gradients`` and ``gradient_check`` treat it
as they treat the built-in costs.  ``cost_for`` is the one look-up of a cost
from ``loss``, the output activation and the regression losses' parameters.
"""

from . import _inplace
from ._costs import (
    COSTS,
    _average,
    _Exp,
    _Identity,
    _Logistic,
    _sigmoid,
    _Softmax,
    _weigh_rows,
)
from ._params import InvalidParameterError, Predicate
from ._robust_costs import IdentityAbsolute, IdentityHuber, IdentityQuantile

#: The output activations a Loss may ask for.
OUTPUT_ACTIVATIONS = ("identity", "logistic", "softmax", "exp")


class Loss:
    """Base class of your own cost: its value per row and its output error.

    A subclass sets ``output_activation`` (the output function g, a = g(z))
    and defines two methods of the encoded targets Y and the outputs A, both
    of shape (n_samples, n_outputs):

    - ``loss(Y, A)``: the cost ℓ_i of each row, shape (n_samples,) — or of
      each entry, shape (n_samples, n_outputs), which skbp sums over outputs;
    - ``output_error(Y, A, Z)``: ∂ℓ_i/∂z^(L) for each row (the seed's BP1),
      shape (n_samples, n_outputs), where Z holds the logits, A = g(Z).

    skbp averages ℓ over the rows with the sample weights (and class weights)
    and scales each row of the output error alike, adds the L2 term, and
    back-propagates (BP2–BP4).  ``loss_`` , ``loss_curve_``, the validation
    loss and the stopping rule then use the average.  Y is what the estimator
    encodes: the targets, one column per output, for ``BackpropRegressor``;
    0/1 indicators (one column for a binary problem, one per class or label
    otherwise) for ``BackpropClassifier``.  Neither method may modify its
    arguments.  Written with array operators (or the arrays' namespace, e.g.
    ``sklearn.utils._array_api.get_namespace(A)``) it also trains on PyTorch
    or array-api-strict arrays.

    Check ``output_error`` against ``loss`` with :func:`skbp.gradient_check`
    before training: a wrong BP1 trains silently to a wrong model.

    Attributes
    ----------
    output_activation : {'identity', 'logistic', 'softmax', 'exp'}
        Set by the subclass.  ``BackpropRegressor`` predicts the outputs
        a = g(z); ``BackpropClassifier`` takes 'logistic' (one sigmoid per
        class or label, as its default) or 'softmax' (three or more classes).

    Examples
    --------
    The log-cosh regression loss, ℓ = Σ_j log cosh(a_j − y_j), whose output
    error is tanh(a − y) (identity output, g' = 1):

    >>> import numpy as np
    >>> import skbp
    >>> class LogCosh(skbp.Loss):
    ...     output_activation = "identity"
    ...
    ...     def loss(self, Y, A):
    ...         D = A - Y
    ...         return np.sum(np.logaddexp(D, -D) - np.log(2.0), axis=1)
    ...
    ...     def output_error(self, Y, A, Z):
    ...         return np.tanh(A - Y)
    >>> rng = np.random.RandomState(0)
    >>> coefs = [rng.randn(3, 4), rng.randn(4, 2)]
    >>> intercepts = [rng.randn(4), rng.randn(2)]
    >>> X, Y = rng.randn(6, 3), rng.randn(6, 2)
    >>> skbp.gradient_check(coefs, intercepts, X, Y, loss=LogCosh()) < 1e-7
    True

    A wrong BP1 — here sign(a − y), the output error of the absolute error —
    is caught:

    >>> class WrongLogCosh(LogCosh):
    ...     def output_error(self, Y, A, Z):
    ...         return np.sign(A - Y)
    >>> skbp.gradient_check(coefs, intercepts, X, Y, loss=WrongLogCosh()) > 1e-2
    True
    >>> model = skbp.BackpropRegressor((8,), loss=LogCosh(), random_state=0)
    >>> model.fit(X, Y).predict(X).shape
    (6, 2)
    """

    output_activation = None

    def loss(self, Y, A):
        """The cost of each row, or of each entry.

        Parameters
        ----------
        Y : array of shape (n_samples, n_outputs)
            The encoded targets.
        A : array of shape (n_samples, n_outputs)
            The outputs a = g(z).

        Returns
        -------
        cost : array of shape (n_samples,) or (n_samples, n_outputs)
            ℓ_i per row, or per entry (summed over outputs by skbp).
        """
        raise NotImplementedError(f"{type(self).__name__} must define loss(Y, A).")

    def output_error(self, Y, A, Z):
        """∂ℓ_i/∂z^(L) for each row i: the seed's BP1 for one row.

        Parameters
        ----------
        Y : array of shape (n_samples, n_outputs)
            The encoded targets.
        A : array of shape (n_samples, n_outputs)
            The outputs a = g(z).
        Z : array of shape (n_samples, n_outputs)
            The output layer's logits z^(L).

        Returns
        -------
        output_error : array of shape (n_samples, n_outputs)
            Unweighted: skbp scales row i by the sample's weight.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must define output_error(Y, A, Z)."
        )

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


def _is_complete_loss(value):
    """A Loss instance with a known output and both methods defined."""
    cls = type(value)
    return (
        isinstance(value, Loss)
        and value.output_activation in OUTPUT_ACTIVATIONS
        and cls.loss is not Loss.loss
        and cls.output_error is not Loss.output_error
    )


def _what_is_missing(value):
    """What keeps a Loss instance from being complete, in words (or None)."""
    if not isinstance(value, Loss):
        return None
    cls = type(value)
    output = getattr(value, "output_activation", None)
    missing = [] if output in OUTPUT_ACTIVATIONS else [f"output_activation={output!r}"]
    if cls.loss is Loss.loss:
        missing.append("no loss(Y, A)")
    if cls.output_error is Loss.output_error:
        missing.append("no output_error(Y, A, Z)")
    return f"{cls.__name__} has " + ", ".join(missing)


#: The constraint a ``loss`` parameter adds for user losses.
LOSS_OBJECT = Predicate(
    _is_complete_loss,
    "a skbp.Loss instance whose output_activation is one of "
    + ", ".join(map(repr, OUTPUT_ACTIVATIONS))
    + " and which defines loss(Y, A) and output_error(Y, A, Z)",
    explain=_what_is_missing,
)


# ----------------------------------------------------------------- adapter


class _UserCost:
    """A user's Loss in the protocol of ``_costs``: weighted average, BP1 rows."""

    def __init__(self, user):
        self.user = user
        self.loss = user

    def output_and_loss(self, Z, A, Y, w, scratch, xp):
        self.output(Z, A, xp)
        rows = self.user.loss(Y, A)
        shape = self._checked("loss", rows, A, ((A.shape[0],), tuple(A.shape)))
        if len(shape) == 2:
            rows = xp.sum(rows, axis=1)
        if rows.dtype != A.dtype:
            rows = xp.astype(rows, A.dtype)
        return _average(rows, w, xp)

    def output_error(self, Z, A, Y, w, delta, xp):
        """(BP1) row i of ε^(L) = w_i ∂ℓ_i/∂z^(L), ℓ_i and ∂ from the user."""
        E = self.user.output_error(Y, A, Z)
        self._checked("output_error", E, A, (tuple(delta.shape),))
        _inplace.copy(E, delta, xp)
        _weigh_rows(delta, w)

    def _checked(self, method, value, A, shapes):
        """The shape of what the user's ``method`` returned: one of ``shapes``,
        in an array of A's kind (NumPy functions turn tensors into NumPy)."""
        name = f"{type(self.user).__name__}.{method}"
        shape = getattr(value, "shape", None)
        if shape is None or tuple(shape) not in shapes:
            expected = " or ".join(map(str, shapes))
            raise ValueError(
                f"{name} returned shape {shape}; expected {expected} "
                "(n_samples, n_outputs)."
            )
        if not isinstance(value, type(A)):
            kind = lambda a: f"{type(a).__module__}.{type(a).__name__}"  # noqa: E731
            raise TypeError(
                f"{name} returned a {kind(value)} for {kind(A)} inputs; it must "
                "return an array of its inputs' kind. Write it with array "
                "operators or the inputs' namespace (sklearn.utils._array_api."
                "get_namespace(A)), not NumPy functions, to train on such arrays."
            )
        return tuple(shape)


class _UserIdentity(_UserCost, _Identity):
    """A user's Loss on identity outputs."""


class _UserExp(_UserCost, _Exp):
    """A user's Loss on exp outputs (predictions e^z)."""


class _UserLogistic(_UserCost, _Logistic):
    """A user's Loss on logistic outputs (regression: predictions σ(z))."""

    def values(self, Z, xp):
        return _sigmoid(Z, xp)


class _UserSoftmax(_UserCost, _Softmax):
    """A user's Loss on softmax outputs (regression: rows summing to one)."""

    def values(self, Z, xp):
        return self.proba(Z, False, xp)


_USER_COSTS = {
    "identity": _UserIdentity,
    "exp": _UserExp,
    "logistic": _UserLogistic,
    "softmax": _UserSoftmax,
}

# ------------------------------------------------------------------ look-up

#: The regression costs with parameters: (loss, output) -> factory.
_PARAMETRISED = {
    ("absolute_error", "identity"): lambda huber_delta, quantile: IdentityAbsolute(),
    ("huber", "identity"): lambda huber_delta, quantile: IdentityHuber(huber_delta),
    ("quantile", "identity"): lambda huber_delta, quantile: IdentityQuantile(quantile),
}

#: Every built-in (loss, output activation) pair.
PAIRS = (*COSTS, *_PARAMETRISED)
LOSSES = tuple(dict.fromkeys(loss for loss, _ in PAIRS))


def cost_for(loss, out_activation, *, huber_delta=1.0, quantile=0.5):
    """The cost object of a (loss, output activation) pair.

    ``loss`` is a built-in loss's name or a ``Loss`` instance (whose own
    ``output_activation`` must be ``out_activation``).
    """
    if isinstance(loss, Loss):
        if out_activation != loss.output_activation:
            raise InvalidParameterError(
                f"loss={loss!r} has output_activation="
                f"{loss.output_activation!r}; got out_activation={out_activation!r}."
            )
        return _USER_COSTS[out_activation](loss)
    if (loss, out_activation) in _PARAMETRISED:
        return _PARAMETRISED[loss, out_activation](huber_delta, quantile)
    if (loss, out_activation) in COSTS:
        return COSTS[loss, out_activation]
    pairs = ", ".join(f"({lo!r}, {out!r})" for lo, out in PAIRS)
    raise ValueError(
        f"loss={loss!r} with out_activation={out_activation!r} is not a cost "
        f"skbp defines; the pairs are {pairs}."
    )


def default_output(loss):
    """The output activation a loss takes when none is given: the Loss's own,
    'logistic' for the classification losses, else the one the loss allows."""
    if isinstance(loss, Loss):
        return loss.output_activation
    if loss in ("squared_error", "log_loss"):
        return "logistic"
    return next(out for lo, out in PAIRS if lo == loss)

"""Inverted dropout on the hidden layers' outputs (Srivastava et al., 2014).

During training, each hidden unit's output is zeroed with probability p_l
(its layer's rate) and the survivors are scaled by 1/(1 − p_l):

    Ã^(l) = A^(l) ⊙ D^(l),     D^(l) = M^(l) / (1 − p_l),

with M^(l) a 0/1 matrix shaped like A^(l) (rows are samples), each entry 1
with probability 1 − p_l.  Ã^(l) replaces A^(l) as the next layer's input,
in the forward pass and in (BP3); (BP2) gains the factor D^(l)
(``docs/derivation.md``, "Dropout").  E[D^(l)] = 1, so the whole network,
unscaled, predicts with each unit's expected input: prediction, scoring,
validation and ``transform`` never see a mask.

A mask is drawn where the forward pass is (``_backprop.backprop`` asks its
``NetSpec.dropout`` for one per pass), never in the training loop: a
``RandomMasks`` draws from the estimator's generator, a ``FixedMasks`` holds
the user's masks for ``loss_and_gradients``.  Masks are drawn in NumPy on
the host and moved to the data's namespace and device, so a fit on PyTorch
or array-api-strict arrays draws NumPy's masks, draw for draw.  A layer
whose rate is 0 draws nothing, so ``dropout=0.0`` consumes no random
numbers and computes exactly what a network without dropout does.
"""

import numbers

import numpy as np

from . import _inplace
from ._array_api import host, namespace_of, to_namespace
from ._params import Predicate


def check_rates(dropout, n_hidden, owner="dropout"):
    """The rates per hidden layer, as a tuple of floats of length ``n_hidden``.

    ``dropout`` is a float in [0, 1) for every hidden layer, or a sequence
    with one such float per hidden layer.  ``owner`` names the caller in
    errors.

    Examples
    --------
    >>> from skbp._dropout import check_rates
    >>> check_rates(0.2, 2)
    (0.2, 0.2)
    >>> check_rates([0.5, 0.0], 2)
    (0.5, 0.0)
    """
    if _is_rate(dropout):
        if dropout > 0 and n_hidden == 0:
            # Nothing to drop: a silent no-op would hide a mistaken network.
            raise ValueError(
                f"dropout={dropout!r} of {owner} acts on the hidden layers' "
                "outputs, and the network has no hidden layer "
                "(hidden_layer_sizes=()); set dropout=0.0 or add a hidden layer."
            )
        return (float(dropout),) * n_hidden
    if isinstance(dropout, (str, bytes)) or not _is_rate_list(dropout):
        raise ValueError(
            f"The 'dropout' parameter of {owner} must be a float in [0, 1) or a "
            f"list of such floats, one per hidden layer; got {dropout!r}."
        )
    rates = tuple(float(p) for p in dropout)
    if len(rates) != n_hidden:
        raise ValueError(
            f"The 'dropout' parameter of {owner} has {len(rates)} rates; the "
            f"network has {n_hidden} hidden layers: give one rate per hidden "
            "layer, or one float for all of them."
        )
    return rates


def _is_rate(value):
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
        and 0 <= value < 1
    )


def _is_rate_list(value):
    try:
        return all(_is_rate(p) for p in value)
    except TypeError:
        return False


def is_dropout(value):
    """True for a valid ``dropout`` value (its length is checked at fit)."""
    return _is_rate(value) or (
        not isinstance(value, (str, bytes)) and _is_rate_list(value)
    )


#: The constraint of the estimators' ``dropout`` (its length is checked at fit).
DROPOUT = Predicate(
    is_dropout, "a float in [0, 1) or a list of such floats, one per hidden layer"
)


class Masks:
    """The masks of one forward pass: D^(l) per hidden layer, or None (rate 0).

    They may live in their source's buffers, valid until its next ``draw``:
    one backward pass reads them, then the next pass draws anew.

    Parameters
    ----------
    scaled : list of array or None
        D^(l) = M^(l) / (1 − p_l), shaped like the layer's output.
    outputs : list of array or None
        Buffers receiving Ã^(l) = A^(l) ⊙ D^(l), where a mask is.
    """

    def __init__(self, scaled, outputs):
        self.scaled, self.outputs = scaled, outputs

    def drop(self, l, A):
        """Ã^(l) = A^(l) ⊙ D^(l): hidden layer ``l``'s output as the next
        layer sees it (A itself, kept for σ' in BP2, where the rate is 0)."""
        D = self.scaled[l]
        return A if D is None else _inplace.multiply(A, D, self.outputs[l])

    def output(self, l, A):
        """The (dropped) output of hidden layer ``l`` after ``drop``: BP3's input."""
        return A if self.scaled[l] is None else self.outputs[l]

    def scale_error(self, l, delta):
        """BP2's extra factor: E^(l) ⊙= D^(l), in place."""
        if self.scaled[l] is not None:
            delta *= self.scaled[l]


class _NoMasks:
    """No dropout: every layer's output passes as it is."""

    def drop(self, l, A):
        return A

    def output(self, l, A):
        return A

    def scale_error(self, l, delta):
        pass


NO_MASKS = _NoMasks()


class RandomMasks:
    """Fresh masks for every forward pass, drawn from the estimator's generator.

    One NumPy ``Generator`` (PCG64) per training call is seeded with one draw
    from ``random_state``, so ``random_state`` fixes the masks as it fixes the
    initial weights and the shuffles; PCG64 fills a buffer with uniforms in
    about half MT19937's time.  Row i, unit j of hidden layer l is dropped
    when its uniform u < p_l, drawn layer by layer in row-major order; layers
    with rate 0 draw nothing.

    Parameters
    ----------
    rates : tuple of float
        p_l per hidden layer, in [0, 1).
    random_state : numpy.random.RandomState
        The estimator's generator.
    """

    def __init__(self, rates, random_state):
        self.rates = tuple(rates)
        self.generator = np.random.default_rng(random_state.randint(2**32))
        # Per layer, allocated once per call (NumPy): the uniforms, D^(l) in
        # float32 (float64 draws it over the uniforms), and Ã^(l) beside A.
        self._uniform = [None] * len(self.rates)
        self._scaled = [None] * len(self.rates)
        self._dropped = [None] * len(self.rates)

    def draw(self, A):
        """Masks for the hidden outputs ``A`` (a list of buffers, m rows each)."""
        scaled, outputs = [], []
        for l, (p, a) in enumerate(zip(self.rates, A)):
            if p == 0:
                scaled.append(None)
                outputs.append(None)
                continue
            u = _rows(self._uniform, l, a, np.float64)
            self.generator.random(out=u)
            scaled.append(self._scaled_mask(l, u, p, a))
            outputs.append(_rows(self._dropped, l, a))
        return Masks(scaled, outputs)

    def _scaled_mask(self, l, u, p, a):
        """D^(l) = [u ≥ p] / (1 − p), beside ``a``; in a buffer on NumPy."""
        if not isinstance(a, np.ndarray):
            return _scaled_like(u >= p, p, a)
        D = u if a.dtype == np.float64 else _rows(self._scaled, l, a)
        np.greater_equal(u, p, out=D)
        D *= 1.0 / (1.0 - p)
        return D


def _rows(buffers, l, a, dtype=None):
    """Rows [:m] of ``buffers[l]``, shaped like ``a``, reallocated only for
    more rows: like ``a``, or a NumPy array of ``dtype`` when given."""
    buffer = buffers[l]
    if buffer is None or buffer.shape[0] < a.shape[0]:
        if dtype is not None:
            buffer = np.empty(a.shape, dtype=dtype)
        else:
            buffer = namespace_of(a)[0].empty_like(a)
        buffers[l] = buffer
    return buffer[: a.shape[0], :]


class FixedMasks:
    """The user's 0/1 masks, the same for every forward pass (a gradient check).

    Parameters
    ----------
    rates : tuple of float
        p_l per hidden layer; a layer whose rate is 0 ignores its mask.
    masks : list of array-like
        One 0/1 array of shape (n_samples, units of hidden layer l) per
        hidden layer, unscaled: the 1/(1 − p_l) is applied here.
    """

    def __init__(self, rates, masks):
        self.rates, self.masks = tuple(rates), masks

    def draw(self, A):
        """The scaled masks, beside the hidden outputs ``A``."""
        scaled, outputs = [], []
        for p, M, a in zip(self.rates, self.masks, A):
            if p == 0:
                scaled.append(None)
                outputs.append(None)
                continue
            xp, _ = namespace_of(a)
            scaled.append(_scaled_like(np.asarray(M, dtype=bool), p, a))
            outputs.append(xp.empty_like(a))
        return Masks(scaled, outputs)


def check_masks(dropout_masks, rates, n_samples, hidden_units, owner):
    """The host 0/1 masks ``loss_and_gradients`` was given, checked.

    A rate > 0 needs a mask; a layer whose rate is 0 ignores its entry (which
    may then be None).  Returns a list of boolean NumPy arrays (None where
    the rate is 0).
    """
    if any(rates) and dropout_masks is None:
        raise ValueError(
            f"{owner} with dropout > 0 needs dropout_masks: a list with one 0/1 "
            "array of shape (n_samples, units) per hidden layer, so that the "
            "masks are held fixed while the gradient is checked."
        )
    if dropout_masks is None:
        return [None] * len(rates)
    if not _is_sized(dropout_masks) or len(dropout_masks) != len(rates):
        raise ValueError(
            f"dropout_masks of {owner} must be a list with one array per hidden "
            f"layer ({len(rates)}); got {_describe(dropout_masks)}."
        )
    return [
        None if p == 0 else _check_mask(M, l, (n_samples, units), owner)
        for l, (p, M, units) in enumerate(zip(rates, dropout_masks, hidden_units))
    ]


def _is_sized(value):
    """A list-like of masks: sized, indexable, and not a string."""
    return not isinstance(value, (str, bytes)) and hasattr(value, "__len__")


def _check_mask(M, l, shape, owner):
    M = np.asarray(host(M))
    if M.shape != shape:
        raise ValueError(
            f"dropout_masks[{l}] of {owner} must have shape (n_samples, units) = "
            f"{shape}; got {M.shape}."
        )
    if not np.all((M == 0) | (M == 1)):
        raise ValueError(
            f"dropout_masks[{l}] of {owner} must hold only 0 and 1 (the 1/(1 - p) "
            "scaling is applied inside)."
        )
    return M.astype(bool)


def _describe(value):
    try:
        return f"{type(value).__name__} of length {len(value)}"
    except TypeError:
        return repr(value)


def _scaled_like(keep, p, a):
    """D = keep / (1 − p) in the dtype, namespace and device of ``a``.

    ``keep`` is a boolean NumPy array: masks are drawn on the host, so every
    namespace gets NumPy's masks.
    """
    dtype = np.float32 if "float32" in str(a.dtype) else np.float64
    D = np.multiply(keep, 1.0 / (1.0 - p), dtype=dtype)
    if isinstance(a, np.ndarray):
        return D
    xp, device = namespace_of(a)
    return to_namespace(D, xp=xp, device=device)

"""Robust and quantile regression costs: identity outputs, J and BP1 side by side.

Each is one object per (loss, output) pair, as in ``_costs``, with the
residual d = a − y of one output (a = z, the identity output, so g' = 1 and
BP1 is ∂ℓ/∂a itself):

- ``IdentityAbsolute`` (``'absolute_error'``): ℓ = |d|, ε = sign(d);
- ``IdentityHuber`` (``'huber'``, PyTorch's ``HuberLoss(delta)``): ℓ = ½ d²
  for |d| ≤ δ, δ (|d| − ½ δ) beyond; with c = clip(d, −δ, δ) both pieces are
  ℓ = c (d − ½ c), and ε = c;
- ``IdentityQuantile`` (``'quantile'``, the pinball loss of
  HistGradientBoostingRegressor): ℓ = q (y − a) where y ≥ a, (1 − q) (a − y)
  where y < a, i.e. ℓ = ½ |d| + (½ − q) d, and ε = ½ s + (½ − q) |s| with
  s = sign(d): 1 − q above the target, −q below.

Where ℓ has a kink (d = 0 for the absolute and pinball losses) BP1 takes the
subgradient 0 (sign(0) = 0); the Huber loss has none (its ε is continuous).
Every cost sums over outputs and averages over (weighted) rows, and scales
row i of ε by its weight w_i, as every cost in ``_costs`` does
(docs/derivation.md, section 4).
"""

import numpy as np

from . import _inplace
from ._costs import _average, _Identity, _weigh_rows


def _clip(D, bound, out, xp):
    """out = clip(d, −bound, bound)."""
    if isinstance(out, np.ndarray):
        return np.clip(D, -bound, bound, out=out)
    out[...] = xp.clip(D, min=-bound, max=bound)
    return out


class IdentityAbsolute(_Identity):
    """Absolute error ℓ = Σ_j |a_j − y_j| (the median regressor)."""

    loss = "absolute_error"

    def output_and_loss(self, Z, A, Y, w, scratch, xp):
        self.output(Z, A, xp)
        _inplace.subtract(A, Y, scratch)
        return _average(xp.sum(xp.abs(scratch), axis=1), w, xp)

    def output_error(self, Z, A, Y, w, delta, xp):
        """(BP1) ε^(L) = sign(a − y), 0 at the kink a = y."""
        _inplace.subtract(A, Y, delta)
        _inplace.apply("sign", delta, delta, xp)
        _weigh_rows(delta, w)


class IdentityHuber(_Identity):
    """Huber loss: ½ d² within ``delta`` of the target, linear beyond.

    Parameters
    ----------
    delta : float > 0
        Where the quadratic piece meets the linear one (PyTorch's ``delta``).
    """

    loss = "huber"

    def __init__(self, delta=1.0):
        self.delta = float(delta)

    def output_and_loss(self, Z, A, Y, w, scratch, xp):
        # ℓ = c (d − ½ c), c = clip(d, −δ, δ): ½ d² inside, δ(|d| − ½δ) outside.
        self.output(Z, A, xp)
        D = A - Y
        C = _clip(D, self.delta, scratch, xp)
        return _average(_inplace.row_dot(C, D - 0.5 * C, xp), w, xp)

    def output_error(self, Z, A, Y, w, delta, xp):
        """(BP1) ε^(L) = clip(a − y, −δ, δ)."""
        _inplace.subtract(A, Y, delta)
        _clip(delta, self.delta, delta, xp)
        _weigh_rows(delta, w)


class IdentityQuantile(_Identity):
    """Pinball loss of quantile q: predictions with q of the targets below.

    Parameters
    ----------
    quantile : float in (0, 1)
        The quantile q the outputs estimate (0.5: the median, half the
        absolute error).
    """

    loss = "quantile"

    def __init__(self, quantile=0.5):
        self.quantile = float(quantile)

    def output_and_loss(self, Z, A, Y, w, scratch, xp):
        # ℓ = ½ |d| + (½ − q) d: (1 − q) d above the target, q |d| below.
        self.output(Z, A, xp)
        D = _inplace.subtract(A, Y, scratch)
        rows = xp.sum(0.5 * xp.abs(D) + (0.5 - self.quantile) * D, axis=1)
        return _average(rows, w, xp)

    def output_error(self, Z, A, Y, w, delta, xp):
        """(BP1) ε^(L) = ½ s + (½ − q) |s|, s = sign(a − y): 1 − q, −q or 0."""
        _inplace.subtract(A, Y, delta)
        _inplace.apply("sign", delta, delta, xp)
        _inplace.copy(0.5 * delta + (0.5 - self.quantile) * xp.abs(delta), delta)
        _weigh_rows(delta, w)

"""Gradient clipping by the global L2 norm (``max_grad_norm``).

The rule of ``torch.nn.utils.clip_grad_norm_``: the whole gradient g (every
weight and bias, the L2 term included) is multiplied by
c = max_norm / (‖g‖₂ + 1e-6) when c < 1, so that ‖c g‖₂ < max_norm;
otherwise it is left exactly as it is.  A stochastic optimizer clips each mini-batch's
gradient before its update, so one plain gradient step moves the weights by
at most η · max_norm.
"""

import math

from ._array_api import is_numpy, namespace_of

#: torch's guard against dividing by a zero norm.
EPS = 1e-6


def clip_grad_norm(grad, max_norm):
    """Rescale the flat gradient ``grad`` in place so that ‖grad‖₂ ≤ max_norm.

    Parameters
    ----------
    grad : array of shape (n_params,)
        The flat gradient (``_network``'s layout), overwritten.
    max_norm : float
        Finite and > 0.

    Returns
    -------
    grad : array of shape (n_params,)
        The same array.

    Examples
    --------
    >>> import numpy as np
    >>> from skbp._clipping import clip_grad_norm
    >>> clip_grad_norm(np.array([3.0, 4.0]), 1.0).round(6)   # ‖g‖ = 5
    array([0.6, 0.8])
    >>> clip_grad_norm(np.array([0.3, 0.4]), 1.0)            # within: unchanged
    array([0.3, 0.4])
    """
    if is_numpy(grad):
        coef = max_norm / (math.sqrt(float(grad @ grad)) + EPS)
        if coef < 1.0:
            grad *= coef
        return grad
    # Elsewhere (a GPU) the coefficient stays on the device, clamped to 1
    # and always applied, so that no update waits for the host (torch's way).
    xp, _ = namespace_of(grad)
    coef = max_norm / (xp.sqrt(xp.vecdot(grad, grad)) + EPS)
    grad *= xp.minimum(coef, xp.ones_like(coef))
    return grad

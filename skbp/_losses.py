"""The cost J at the output layer, and the seed's output error (BP1).

Rows are samples.  ``w`` holds the rows' weights normalised to sum to one, or
is None for the plain mean; every function here averages over rows with it.

``squared_error`` is the seed's cost J = ½‖a − y‖², summed over outputs.
``log_loss`` is cross-entropy: categorical with a softmax output, binary
cross-entropy summed over outputs with a logistic output.  Both log-losses
are computed from the logits z, never from log(a), so they stay finite for
huge logits and never take log(0).
"""

import numpy as np

from ._activations import OUTPUT_ACTIVATIONS, logistic_derivative
from ._targets import check_sample_weight

#: (loss, output activation) pairs that define a proper cost.
VALID_PAIRS = {
    ("squared_error", "logistic"),
    ("squared_error", "softmax"),
    ("squared_error", "identity"),
    ("log_loss", "logistic"),
    ("log_loss", "softmax"),
}


def normalised_weights(sample_weight, n_samples, dtype):
    """Row weights summing to one (None when unweighted) and their raw sum."""
    if sample_weight is None:
        return None, float(n_samples)
    sw = check_sample_weight(sample_weight, n_samples)
    total = float(sw.sum())
    return (sw / total).astype(dtype), total


def _average(rows, w):
    """Σ_i w_i rows_i, or the mean of rows when w is None."""
    return float(rows.sum()) / len(rows) if w is None else float(rows @ w)


def _row_dot(U, V):
    """Σ_j U_ij V_ij for each row i, without a temporary."""
    if hasattr(np, "vecdot"):  # NumPy >= 2.0: a gufunc, twice einsum's speed
        return np.vecdot(U, V)
    return np.einsum("ij,ij->i", U, V)


def output_and_loss(loss, out_activation, Z, A, Y, w, scratch):
    """Output a^(L) = g(z^(L)) into ``A``, and the average cost against ``Y``.

    ``Z`` (the logits) and ``Y`` are kept; ``scratch`` is overwritten.
    """
    if loss == "log_loss" and out_activation == "softmax":
        return _softmax_cross_entropy(Z, A, Y, w)
    np.copyto(A, Z)
    OUTPUT_ACTIVATIONS[out_activation](A)
    if loss == "squared_error":
        np.subtract(A, Y, out=scratch)  # J = ½‖a − y‖²
        return 0.5 * _average(_row_dot(scratch, scratch), w)
    # Binary cross-entropy per output, from the logits:
    # −y log σ(z) − (1 − y) log(1 − σ(z)) = log(1 + e^z) − y z.
    np.logaddexp(0, Z, out=scratch)
    return _average(scratch.sum(axis=1) - _row_dot(Y, Z), w)


def _softmax_cross_entropy(Z, A, Y, w):
    """Softmax into ``A`` and −Σ_j y_j log a_j, sharing one pass of exp.

    With s = z − max z (so e^s never overflows) and S = Σ_k e^(s_k):
    a = e^s / S and −log a_j = log S − s_j, finite for any logits.  Rows of
    ``Y`` sum to one (one-hot or a distribution), so −Σ_j y_j log a_j is
    log S − y·s.
    """
    np.subtract(Z, Z.max(axis=1, keepdims=True), out=A)  # s
    y_dot_s = _row_dot(Y, A)
    np.exp(A, out=A)
    S = A.sum(axis=1, keepdims=True)
    A /= S
    return _average(np.log(S[:, 0]) - y_dot_s, w)


def output_error(loss, out_activation, A, Y, w, delta, scratch):
    """(BP1) ε^(L) = ∂J/∂z^(L), each row scaled by its weight; into ``delta``.

    With the seed's quadratic cost ε^(L) = (a − y) ⊙ σ'(z^(L)): the σ' factor
    stays.  With cross-entropy and its canonical output (softmax or
    logistic) the σ' factor cancels and ε^(L) = a − y.
    """
    np.subtract(A, Y, out=delta)
    if loss == "squared_error":
        if out_activation == "logistic":
            logistic_derivative(A, delta, scratch)
        elif out_activation == "softmax":
            # Softmax's Jacobian: (J v)_j = a_j (v_j − Σ_k a_k v_k).
            delta -= _row_dot(delta, A)[:, None]
            delta *= A
    delta *= (1.0 / A.shape[0]) if w is None else w[:, None]

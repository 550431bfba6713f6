"""The costs: one object per (loss, output activation) pair.

As Nielsen's ``network2.py`` keeps a cost's value (``fn``) and its output
error (``delta``) side by side, each cost here holds, in one place:

- ``output_and_loss``: the output a^(L) = g(z^(L)) and the cost J, averaged
  over rows;
- ``output_error``: the seed's (BP1), ε^(L) = ∂J/∂z^(L);
- what the estimator returns from the logits: class probabilities
  (``log_proba``, ``proba``) or predicted values (``values``).

Rows are samples.  ``w`` holds the rows' weights normalised to sum to one, or
is None for the plain mean; every cost averages over rows with it and scales
each row of ε^(L) by it, so that the sums over rows in BP3 and BP4 are the
averaged gradient.  Every cost sums over outputs, as the seed's ½‖a − y‖²
does.  Log-losses are computed from the logits z, never from log(a), so they
stay finite for huge logits.

- ``SigmoidQuadratic``: logistic outputs, J = ½‖a − y‖² (the seed's),
  ε = (a − y) ⊙ σ'(z);
- ``SoftmaxQuadratic``: softmax outputs, J = ½‖a − y‖², ε = Jᵀ(a − y) with
  softmax's Jacobian J;
- ``IdentityQuadratic``: identity outputs (regression), J = ½‖a − y‖²,
  ε = a − y;
- ``SigmoidCrossEntropy``: logistic outputs, J = −Σ y log a + (1 − y)
  log(1 − a), ε = a − y;
- ``SoftmaxCrossEntropy``: softmax outputs, J = −Σ y log a, ε = a − y;
- ``ExpPoisson``: exp outputs (log link), J = Σ y log(y/a) − y + a (half the
  Poisson deviance), ε = a − y.

Where the output is the cost's canonical link (the last four) g'(z) cancels
in BP1; under the seed's quadratic cost with a sigmoid it stays.
"""

import numpy as np
from scipy.special import expit, xlogy

from ._activations import logistic_derivative
from ._targets import check_sample_weight


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


def _weigh_rows(delta, w):
    """Scale each row of ε by its sample's weight (1/m when unweighted)."""
    delta *= (1.0 / delta.shape[0]) if w is None else w[:, None]


def softmax(Z, out):
    """a = e^(z − max z) / S into ``out``; returns log S, shape (m, 1).

    The package's one softmax: training, its cross-entropy and the
    probabilities all go through it.  Shifting by max z keeps e^s ≤ 1.
    """
    np.subtract(Z, Z.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    S = out.sum(axis=1, keepdims=True)
    out /= S
    return np.log(S)


def log_softmax(Z):
    """log softmax(z) = z − max z − log S, finite for any logits."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _log_sigmoid(Z):
    """log σ(z) = −log(1 + e^(−z)), stable for any z."""
    return -np.logaddexp(0, -Z)


# ------------------------------------------------------------------ outputs


class _Logistic:
    """σ outputs: binary (one column), multilabel, or one per class."""

    out_activation = "logistic"

    def output(self, Z, A):
        """a = σ(z), overflow-free through ``scipy.special.expit``."""
        expit(Z, out=A)

    derivative = staticmethod(logistic_derivative)  # delta ⊙= a (1 − a)

    def log_proba(self, Z, multilabel):
        """log P(class | x): [log(1 − σ), log σ] for one output, log σ per
        label for multilabel, else the sigmoids normalised to sum to one."""
        if multilabel:
            return _log_sigmoid(Z)
        if Z.shape[1] == 1:
            return np.hstack([_log_sigmoid(-Z), _log_sigmoid(Z)])
        return log_softmax(_log_sigmoid(Z))

    def proba(self, Z, multilabel):
        """P(class | x); see ``log_proba``."""
        if multilabel:
            return expit(Z)
        if Z.shape[1] == 1:
            return np.hstack([expit(-Z), expit(Z)])
        return np.exp(self.log_proba(Z, multilabel))


class _Softmax:
    """Softmax output: one column per class, rows summing to one."""

    out_activation = "softmax"

    def output(self, Z, A):
        softmax(Z, out=A)

    def derivative(self, A, delta, scratch):
        """delta ← Jᵀ delta with softmax's Jacobian: a_j (v_j − Σ_k a_k v_k)."""
        delta -= _row_dot(delta, A)[:, None]
        delta *= A

    def log_proba(self, Z, multilabel):
        return log_softmax(Z)

    def proba(self, Z, multilabel):
        P = np.empty_like(Z)
        softmax(Z, out=P)
        return P


class _Identity:
    """Identity output: the logits are the predicted values."""

    out_activation = "identity"

    def output(self, Z, A):
        np.copyto(A, Z)

    def values(self, Z):
        return Z


class _Exp:
    """Exponential output (log link): predicted means e^z > 0."""

    out_activation = "exp"

    def output(self, Z, A):
        np.exp(Z, out=A)

    def values(self, Z):
        return np.exp(Z)


# -------------------------------------------------------------------- costs


class _Quadratic:
    """The seed's cost J = ½‖a − y‖², summed over outputs."""

    loss = "squared_error"

    def output_and_loss(self, Z, A, Y, w, scratch):
        self.output(Z, A)
        np.subtract(A, Y, out=scratch)
        return 0.5 * _average(_row_dot(scratch, scratch), w)

    def output_error(self, A, Y, w, delta, scratch):
        """(BP1) ε^(L) = (a − y) ⊙ g'(z): the output's derivative stays."""
        np.subtract(A, Y, out=delta)
        self.derivative(A, delta, scratch)
        _weigh_rows(delta, w)


class _Canonical:
    """A cost whose output is its canonical link: g' cancels in BP1."""

    def output_error(self, A, Y, w, delta, scratch):
        """(BP1) ε^(L) = a − y."""
        np.subtract(A, Y, out=delta)
        _weigh_rows(delta, w)


class SigmoidQuadratic(_Quadratic, _Logistic):
    """The seed's network: sigmoid outputs, quadratic cost."""


class SoftmaxQuadratic(_Quadratic, _Softmax):
    """Softmax outputs under the quadratic cost."""


class IdentityQuadratic(_Canonical, _Quadratic, _Identity):
    """Regression: identity outputs, half squared error (MLPRegressor's)."""


class SigmoidCrossEntropy(_Canonical, _Logistic):
    """Binary cross-entropy per output, from the logits."""

    loss = "log_loss"

    def output_and_loss(self, Z, A, Y, w, scratch):
        # −y log σ(z) − (1 − y) log(1 − σ(z)) = log(1 + e^z) − y z.
        self.output(Z, A)
        np.logaddexp(0, Z, out=scratch)
        return _average(scratch.sum(axis=1) - _row_dot(Y, Z), w)


class SoftmaxCrossEntropy(_Canonical, _Softmax):
    """Categorical cross-entropy; rows of Y sum to one."""

    loss = "log_loss"

    def output_and_loss(self, Z, A, Y, w, scratch):
        # −Σ_j y_j log a_j = log S − y·(z − max z) when rows of Y sum to one.
        log_S = softmax(Z, out=A)
        shifted = np.subtract(Z, Z.max(axis=1, keepdims=True), out=scratch)
        return _average(log_S[:, 0] - _row_dot(Y, shifted), w)


class ExpPoisson(_Canonical, _Exp):
    """Half the Poisson deviance with a log link (MLPRegressor's 'poisson')."""

    loss = "poisson"

    def output_and_loss(self, Z, A, Y, w, scratch):
        # Σ_j y log(y / μ) − y + μ with μ = e^z, log μ = z taken from the logits.
        self.output(Z, A)
        np.multiply(Y, Z, out=scratch)
        np.subtract(A, scratch, out=scratch)  # μ − y z
        scratch += xlogy(Y, Y) - Y
        return _average(scratch.sum(axis=1), w)


COSTS = {
    (cost.loss, cost.out_activation): cost
    for cost in (
        SigmoidQuadratic(),
        SoftmaxQuadratic(),
        IdentityQuadratic(),
        SigmoidCrossEntropy(),
        SoftmaxCrossEntropy(),
        ExpPoisson(),
    )
}


def cost_for(loss, out_activation):
    """The cost object of a (loss, output activation) pair."""
    try:
        return COSTS[loss, out_activation]
    except KeyError:
        pairs = ", ".join(f"({lo!r}, {out!r})" for lo, out in COSTS)
        raise ValueError(
            f"loss={loss!r} with out_activation={out_activation!r} is not a cost "
            f"skbp defines; the pairs are {pairs}."
        ) from None

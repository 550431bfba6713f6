"""The costs: one object per (loss, output activation) pair.

As Nielsen's ``network2.py`` keeps a cost's value (``fn``) and its output
error (``delta``) side by side, each cost here holds, in one place:

- ``output_and_loss``: the output a^(L) = g(z^(L)) and the cost J, averaged
  over rows;
- ``output_error``: the seed's (BP1), ε^(L) = ∂J/∂z^(L), from the logits z,
  the outputs a and the targets y;
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
in BP1; under the seed's quadratic cost with a sigmoid it stays.  The robust
regression costs live in ``_robust_costs``, a user's ``skbp.Loss`` is adapted
to this protocol in ``_loss``, and ``_loss.cost_for`` looks every pair up.

Every method takes the arrays' namespace ``xp`` and writes into the given
buffers through ``_inplace``, so one implementation serves NumPy, PyTorch,
CuPy and array-api-strict.  Losses come back as 0-d arrays on the arrays'
device: reading one on the host is the caller's choice.
"""

import numpy as np
from scipy.special import expit, xlogy

from . import _inplace
from ._activations import logistic_derivative
from ._array_api import is_numpy
from ._targets import check_sample_weight


def normalised_weights(sample_weight, n_samples, dtype):
    """Row weights summing to one (None when unweighted) and their raw sum.

    On the host (NumPy): the caller moves them to the data's device.
    """
    if sample_weight is None:
        return None, float(n_samples)
    sw = check_sample_weight(sample_weight, n_samples)
    total = float(sw.sum())
    return (sw / total).astype(dtype), total


def _average(rows, w, xp):
    """Σ_i w_i rows_i, or the mean of rows when w is None (a 0-d array)."""
    return xp.sum(rows) / rows.shape[0] if w is None else rows @ w


def _weigh_rows(delta, w):
    """Scale each row of ε by its sample's weight (1/m when unweighted)."""
    delta *= (1.0 / delta.shape[0]) if w is None else w[:, None]


def softmax(Z, out, xp, on_shifted=None):
    """a = e^(z − max z) / S into ``out``; returns log S, shape (m, 1).

    The package's one softmax: training, its cross-entropy and the
    probabilities all go through it.  Shifting by max z keeps e^s ≤ 1.
    ``on_shifted(s)``, if given, sees s = z − max z before it is overwritten
    (the cross-entropy's y·s, without a second pass over z).
    """
    _inplace.subtract(Z, _inplace.row_max(Z, xp), out)
    if on_shifted is not None:
        on_shifted(out)
    _inplace.apply("exp", out, out, xp)
    S = _inplace.row_sums(out, xp)
    out /= S
    return xp.log(S)


def log_softmax(Z, xp):
    """log softmax(z) = z − max z − log S, finite for any logits."""
    shifted = Z - _inplace.row_max(Z, xp)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))


def _sigmoid(Z, xp):
    """σ(z), a new array."""
    return expit(Z) if is_numpy(Z) else 1.0 / (1.0 + xp.exp(-Z))


def _log_sigmoid(Z, xp):
    """log σ(z) = −log(1 + e^(−z)), stable for any z."""
    if is_numpy(Z):
        return -np.logaddexp(0, -Z)
    return -xp.logaddexp(xp.zeros_like(Z), -Z)


def _xlogx(Y, xp):
    """y log y, 0 at y = 0."""
    if is_numpy(Y):
        return xlogy(Y, Y)
    safe = xp.where(Y > 0, Y, xp.ones_like(Y))
    return Y * xp.log(safe)


# ------------------------------------------------------------------ outputs


class _Logistic:
    """σ outputs: binary (one column), multilabel, or one per class."""

    out_activation = "logistic"

    def output(self, Z, A, xp):
        """a = σ(z), overflow-free."""
        _inplace.expit(Z, A, xp)

    derivative = staticmethod(logistic_derivative)  # delta ⊙= a (1 − a), in A

    def log_proba(self, Z, multilabel, xp):
        """log P(class | x): [log(1 − σ), log σ] for one output, log σ per
        label for multilabel, else the sigmoids normalised to sum to one."""
        if multilabel:
            return _log_sigmoid(Z, xp)
        if Z.shape[1] == 1:
            return xp.concat([_log_sigmoid(-Z, xp), _log_sigmoid(Z, xp)], axis=1)
        return log_softmax(_log_sigmoid(Z, xp), xp)

    def proba(self, Z, multilabel, xp):
        """P(class | x); see ``log_proba``."""
        if multilabel:
            return _sigmoid(Z, xp)
        if Z.shape[1] == 1:
            return xp.concat([_sigmoid(-Z, xp), _sigmoid(Z, xp)], axis=1)
        return xp.exp(self.log_proba(Z, multilabel, xp))


class _Softmax:
    """Softmax output: one column per class, rows summing to one."""

    out_activation = "softmax"

    def output(self, Z, A, xp):
        softmax(Z, A, xp)

    def derivative(self, A, delta, xp):
        """delta ← Jᵀ delta with softmax's Jacobian: a_j (v_j − Σ_k a_k v_k)."""
        delta -= _inplace.row_dot(delta, A, xp)[:, None]
        delta *= A

    def log_proba(self, Z, multilabel, xp):
        return log_softmax(Z, xp)

    def proba(self, Z, multilabel, xp):
        P = xp.empty_like(Z)
        softmax(Z, P, xp)
        return P


class _Identity:
    """Identity output: the logits are the predicted values."""

    out_activation = "identity"

    def output(self, Z, A, xp):
        _inplace.copy(Z, A)

    def values(self, Z, xp):
        return Z


class _Exp:
    """Exponential output (log link): predicted means e^z > 0."""

    out_activation = "exp"

    def output(self, Z, A, xp):
        _inplace.apply("exp", Z, A, xp)

    def values(self, Z, xp):
        return xp.exp(Z)


# -------------------------------------------------------------------- costs


class _Quadratic:
    """The seed's cost J = ½‖a − y‖², summed over outputs."""

    loss = "squared_error"

    def output_and_loss(self, Z, A, Y, w, scratch, xp):
        self.output(Z, A, xp)
        _inplace.subtract(A, Y, scratch)
        return 0.5 * _average(_inplace.row_dot(scratch, scratch, xp), w, xp)

    def output_error(self, Z, A, Y, w, delta, xp):
        """(BP1) ε^(L) = (a − y) ⊙ g'(z): the output's derivative stays.

        May overwrite the outputs ``A``, read here for the last time.
        """
        _inplace.subtract(A, Y, delta)
        self.derivative(A, delta, xp)
        _weigh_rows(delta, w)


class _Canonical:
    """A cost whose output is its canonical link: g' cancels in BP1."""

    def output_error(self, Z, A, Y, w, delta, xp):
        """(BP1) ε^(L) = a − y."""
        _inplace.subtract(A, Y, delta)
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

    def output_and_loss(self, Z, A, Y, w, scratch, xp):
        # −y log σ(z) − (1 − y) log(1 − σ(z)) = log(1 + e^z) − y z.
        self.output(Z, A, xp)
        _inplace.softplus(Z, scratch, xp)
        rows = _inplace.row_sums(scratch, xp)[:, 0] - _inplace.row_dot(Y, Z, xp)
        return _average(rows, w, xp)


class SoftmaxCrossEntropy(_Canonical, _Softmax):
    """Categorical cross-entropy; rows of Y sum to one."""

    loss = "log_loss"

    def output_and_loss(self, Z, A, Y, w, scratch, xp):
        # −Σ_j y_j log a_j = log S − y·(z − max z) when rows of Y sum to one.
        y_dot_s = []
        log_S = softmax(Z, A, xp, lambda s: y_dot_s.append(_inplace.row_dot(Y, s, xp)))
        return _average(log_S[:, 0] - y_dot_s[0], w, xp)


class ExpPoisson(_Canonical, _Exp):
    """Half the Poisson deviance with a log link (MLPRegressor's 'poisson')."""

    loss = "poisson"

    def output_and_loss(self, Z, A, Y, w, scratch, xp):
        # Σ_j y log(y / μ) − y + μ with μ = e^z, log μ = z taken from the logits.
        self.output(Z, A, xp)
        _inplace.multiply(Y, Z, scratch)
        _inplace.subtract(A, scratch, scratch)  # μ − y z
        scratch += _xlogx(Y, xp) - Y
        return _average(xp.sum(scratch, axis=1), w, xp)


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

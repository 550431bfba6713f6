"""Class probabilities from the output logits, computed in log space.

Working from the logits z rather than from the outputs a keeps every
probability and log-probability finite and rows summing to one even where
sigmoids saturate to exactly 0 or 1.
"""

import numpy as np
from scipy.special import expit, log_softmax


def _log_sigmoid(Z):
    """log σ(z) = −log(1 + e^(−z)), stable for any z."""
    return -np.logaddexp(0, -Z)


def log_proba(Z, out_activation, multilabel):
    """log P(class | x) for each row of logits ``Z``.

    - one output (binary): the columns [log(1 − σ(z)), log σ(z)];
    - multilabel: log σ(z) per label (labels are independent);
    - softmax output: log softmax(z);
    - logistic outputs of a multiclass model (the seed's quadratic cost): the
      sigmoids normalised to sum to one, log σ(z_j) − log Σ_k σ(z_k).
    """
    if Z.shape[1] == 1 and not multilabel:
        return np.hstack([_log_sigmoid(-Z), _log_sigmoid(Z)])
    if multilabel:
        return _log_sigmoid(Z)
    if out_activation == "softmax":
        return log_softmax(Z, axis=1)
    return log_softmax(_log_sigmoid(Z), axis=1)


def proba(Z, out_activation, multilabel):
    """P(class | x) for each row of logits ``Z``; see ``log_proba``."""
    if Z.shape[1] == 1 and not multilabel:
        p = expit(Z)
        return np.hstack([expit(-Z), p])
    if multilabel:
        return expit(Z)
    return np.exp(log_proba(Z, out_activation, multilabel))

"""Hidden activation functions σ and their derivatives σ', in place.

(The output layer's functions belong to the costs, ``_costs``.)

Each activation overwrites its argument ``Z`` (the layer's pre-activations
z) with a = σ(z).  Each derivative multiplies a back-propagated error
``delta`` in place by σ'(z), written in terms of the layer's *output* ``A``
so that z never has to be kept (the trick of scikit-learn's
``neural_network._base``).  ``work`` is scratch space of ``A``'s shape.
"""

import numpy as np
from scipy.special import expit


def identity(Z):
    """a = z."""
    return Z


def logistic(Z):
    """a = 1 / (1 + exp(-z)), overflow-free through ``scipy.special.expit``."""
    return expit(Z, out=Z)


def tanh(Z):
    """a = tanh(z)."""
    return np.tanh(Z, out=Z)


def relu(Z):
    """a = max(z, 0)."""
    return np.maximum(Z, 0, out=Z)


def identity_derivative(A, delta, work):
    """σ'(z) = 1: nothing to do."""


def logistic_derivative(A, delta, work):
    """σ'(z) = a (1 - a)."""
    np.subtract(1, A, out=work)
    work *= A
    delta *= work


def tanh_derivative(A, delta, work):
    """σ'(z) = 1 - a²."""
    np.square(A, out=work)
    np.subtract(1, work, out=work)
    delta *= work


def relu_derivative(A, delta, work):
    """σ'(z) = 1 where a > 0, else 0 (a ≥ 0, so sign(a) is exactly that)."""
    np.sign(A, out=work)
    delta *= work


HIDDEN_ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
}
DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}

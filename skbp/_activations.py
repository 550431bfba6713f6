"""Hidden activation functions σ and their derivatives σ', in place.

(The output layer's functions belong to the costs, ``_costs``.)

Each activation overwrites its argument ``Z`` (the layer's pre-activations
z) with a = σ(z).  Each derivative multiplies a back-propagated error
``delta`` in place by σ'(z), written in terms of the layer's *output* ``A``
so that z never has to be kept (the trick of scikit-learn's
``neural_network._base``), and computed in ``A`` itself: back-propagation
reads a layer's output for the last time just before (BP3), so its buffer is
the scratch and no other is needed.  ``xp`` is the arrays' namespace
(``_inplace`` writes into the buffers).
"""

from . import _inplace


def identity(Z, xp):
    """a = z."""
    return Z


def logistic(Z, xp):
    """a = 1 / (1 + exp(-z)), overflow-free."""
    return _inplace.expit(Z, Z, xp)


def tanh(Z, xp):
    """a = tanh(z)."""
    return _inplace.apply("tanh", Z, Z, xp)


def relu(Z, xp):
    """a = max(z, 0)."""
    return _inplace.relu(Z, Z, xp)


def identity_derivative(A, delta, xp):
    """σ'(z) = 1: nothing to do."""


def logistic_derivative(A, delta, xp):
    """σ'(z) = a (1 - a); overwrites A."""
    delta *= A
    _inplace.subtract(1.0, A, A)
    delta *= A


def tanh_derivative(A, delta, xp):
    """σ'(z) = 1 - a²; overwrites A."""
    _inplace.square(A, A)
    _inplace.subtract(1.0, A, A)
    delta *= A


def relu_derivative(A, delta, xp):
    """σ'(z) = 1 where a > 0, else 0 (a ≥ 0, so sign(a) is exactly that);
    overwrites A."""
    _inplace.apply("sign", A, A, xp)
    delta *= A


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

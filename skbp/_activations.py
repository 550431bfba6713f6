"""Hidden activation functions σ and their derivatives σ', side by side.

(The output layer's functions belong to the costs, ``_costs``.)

Two kinds, by what the derivative needs (``docs/derivation.md`` derives each):

- *From the output* (identity, logistic, tanh, relu, leaky_relu, elu,
  softplus): σ'(z) is a function of a = σ(z) alone.  The activation
  overwrites its argument ``Z`` (the layer's pre-activations z) with a, and
  the derivative multiplies a back-propagated error ``delta`` in place by
  σ'(z) written in terms of the layer's *output* ``A`` — so z never has to be
  kept (the trick of scikit-learn's ``neural_network._base``) — using ``A``
  itself as scratch: back-propagation reads a layer's output for the last
  time just before (BP3), so its buffer is free afterwards.
- *From the input* (silu, gelu, and every user :class:`Activation`): σ'(z)
  is not a function of a (σ is not one-to-one), so the forward pass keeps z
  in a buffer of its own and writes a beside it.

The two tables hold the functions and their derivatives; ``FROM_INPUT`` names
the second kind.  ``xp`` is the arrays' namespace (``_inplace`` writes into
the buffers).  :func:`resolve` turns the estimator's ``activation`` (a name,
an :class:`Activation`, or a list with one per hidden layer) into one object
per hidden layer with the engine's two calls, ``forward(Z, out, xp)`` and
``backward(Z, A, delta, xp)``.  A function of the second kind may be given
``out`` = ``Z`` (prediction keeps no z), so it reads all of z before writing.
"""

import math
import numbers

import numpy as np

from . import _inplace
from ._array_api import host, namespace_of
from ._params import InvalidParameterError, Predicate

LEAKY_SLOPE = 0.01  # PyTorch's LeakyReLU(negative_slope=0.01)
_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715


# ------------------------------------------- σ' from the output a = σ(z)


def identity(Z, xp):
    """a = z (PyTorch: ``Identity``)."""
    return Z


def logistic(Z, xp):
    """a = 1 / (1 + exp(-z)), overflow-free (PyTorch: ``Sigmoid``)."""
    return _inplace.expit(Z, Z, xp)


def tanh(Z, xp):
    """a = tanh(z) (PyTorch: ``Tanh``)."""
    return _inplace.apply("tanh", Z, Z, xp)


def relu(Z, xp):
    """a = max(z, 0) (PyTorch: ``ReLU``)."""
    return _inplace.relu(Z, Z, xp)


def leaky_relu(Z, xp):
    """a = z for z > 0, else 0.01 z (PyTorch: ``LeakyReLU(0.01)``)."""
    return _inplace.copy(xp.where(Z > 0, Z, LEAKY_SLOPE * Z), Z, xp)


def elu(Z, xp):
    """a = z for z > 0, else exp(z) − 1 (PyTorch: ``ELU(alpha=1.0)``).

    exp is taken of min(z, 0) only, so that large z never overflows.
    """
    negative = xp.expm1(xp.clip(Z, max=0.0))
    return _inplace.copy(xp.where(Z > 0, Z, negative), Z, xp)


def softplus(Z, xp):
    """a = log(1 + exp(z)), finite for any z (PyTorch: ``Softplus()``,
    computed exactly where PyTorch switches to a = z above z = 20)."""
    return _inplace.softplus(Z, Z, xp)


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
    """σ'(z) = 1 where a > 0, else 0; overwrites A."""
    _inplace.positive(A, A, xp)
    delta *= A


def leaky_relu_derivative(A, delta, xp):
    """σ'(z) = 1 where a > 0, else 0.01 (a has z's sign)."""
    _inplace.copy(xp.where(A > 0, delta, LEAKY_SLOPE * delta), delta, xp)


def elu_derivative(A, delta, xp):
    """σ'(z) = 1 where a > 0, else exp(z) = a + 1: min(a, 0) + 1."""
    delta *= xp.clip(A, max=0.0) + 1.0


def softplus_derivative(A, delta, xp):
    """σ'(z) = 1 / (1 + exp(-z)) = 1 − exp(−a), as −expm1(−a) (exact for
    small a, where 1 − exp(−a) would cancel)."""
    delta *= -xp.expm1(-A)


# ------------------------------------------------ σ' from the input z


def silu(Z, out, xp):
    """a = z s(z), s the logistic sigmoid (PyTorch: ``SiLU``); into ``out``."""
    s = _inplace.expit(Z, xp.empty_like(Z), xp)
    return _inplace.multiply(Z, s, out)


def gelu(Z, out, xp):
    """a = ½ z (1 + tanh(u)), u = √(2/π) (z + 0.044715 z³): the tanh
    approximation of z Φ(z) (PyTorch: ``GELU(approximate='tanh')``); into
    ``out``."""
    u = _GELU_C * (Z + _GELU_K * (Z * Z * Z))
    return _inplace.copy(0.5 * Z * (1.0 + xp.tanh(u)), out, xp)


def silu_derivative(Z, A, delta, xp):
    """σ'(z) = s(z) (1 + z (1 − s(z))); overwrites A."""
    _inplace.expit(Z, A, xp)  # s
    delta *= A
    _inplace.subtract(1.0, A, A)
    A *= Z
    A += 1.0
    delta *= A


def gelu_derivative(Z, A, delta, xp):
    """σ'(z) = ½ (1 + t) + ½ z (1 − t²) √(2/π) (1 + 3 · 0.044715 z²),
    t = tanh(u)."""
    z2 = Z * Z
    t = xp.tanh(_GELU_C * (Z + _GELU_K * (z2 * Z)))
    du = _GELU_C * (1.0 + 3.0 * _GELU_K * z2)
    delta *= 0.5 * (1.0 + t) + 0.5 * Z * (1.0 - t * t) * du


HIDDEN_ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softplus": softplus,
    "silu": silu,
    "gelu": gelu,
}
DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
    "softplus": softplus_derivative,
    "silu": silu_derivative,
    "gelu": gelu_derivative,
}
#: The names whose derivative needs z (their functions write a into ``out``).
FROM_INPUT = frozenset({"silu", "gelu"})
NAMES = tuple(HIDDEN_ACTIVATIONS)


class _Named:
    """A named σ as the engine calls it: ``forward`` and ``backward``.

    ``needs_z`` says whether the forward pass must keep z in a buffer of
    its own; when it does not, ``forward`` gets ``out`` = ``Z`` and works
    in place, and ``backward`` ignores ``Z``.
    """

    def __init__(self, name):
        self.name = name
        self.needs_z = name in FROM_INPUT
        self._function = HIDDEN_ACTIVATIONS[name]
        self._derivative = DERIVATIVES[name]

    def forward(self, Z, out, xp):
        """a = σ(z), into ``out``; returns ``out``."""
        if self.needs_z:
            return self._function(Z, out, xp)
        return self._function(Z, xp)

    def backward(self, Z, A, delta, xp):
        """delta ⊙= σ'(z), in place; may overwrite ``A`` (and ``Z``)."""
        if self.needs_z:
            self._derivative(Z, A, delta, xp)
        else:
            self._derivative(A, delta, xp)


_NAMED = {name: _Named(name) for name in NAMES}


class Activation:
    """A hidden activation of your own: σ and its derivative σ', by hand.

    Accepted wherever an activation's name is: the estimators' ``activation``
    (alone or in a per-layer list), :func:`~skbp.loss_and_gradients` and
    :func:`~skbp.gradient_check`.  Back-propagation multiplies the error
    arriving at the layer by ``derivative(z, a)`` (equation BP2 of
    ``docs/derivation.md``), so a wrong derivative trains a wrong network
    silently: :func:`~skbp.gradient_check` is how to find out whether it is
    right (see the example).

    Parameters
    ----------
    function : callable
        ``function(z) -> a``: σ applied elementwise to the array ``z`` of
        pre-activations, shape (n_samples, n_units); returns an array of
        the same shape, finite wherever z is (a ValueError naming the
        activation otherwise).
    derivative : callable
        ``derivative(z, a) -> σ'(z)``, elementwise, given z and a = σ(z);
        returns an array of z's shape, finite wherever z and a are.
    name : str, default=None
        A name for messages and ``repr``; ``function.__name__`` if None.

    Notes
    -----
    Both functions receive the arrays the network computes with: NumPy
    arrays, unless ``sklearn.set_config(array_api_dispatch=True)`` is on and
    the data are PyTorch tensors or another array-API namespace's arrays.
    NumPy's functions are fine for NumPy input; written with operators alone
    (``z * z``, ``1 - a``, ``abs(z)``) or with the namespace of ``z``
    (``sklearn.utils._array_api.get_namespace(z)[0]``), they serve every
    namespace.  An estimator holding an :class:`Activation` pickles when both
    functions are importable (defined at a module's top level, not lambdas).
    ``init='auto'`` draws its layer's initial weights as for tanh units
    (Glorot-uniform).  ONNX export refuses it: Python functions have no
    ONNX graph.

    Examples
    --------
    softsign, σ(z) = z / (1 + abs(z)), σ'(z) = 1 / (1 + abs(z))², with operators
    only, so that it serves every array namespace:

    >>> import numpy as np
    >>> from skbp import Activation, BackpropClassifier, gradient_check
    >>> def softsign(z):
    ...     return z / (1 + abs(z))
    >>> def softsign_derivative(z, a):
    ...     return 1 / (1 + abs(z)) ** 2
    >>> softsign = Activation(softsign, softsign_derivative)
    >>> softsign
    Activation(softsign, softsign_derivative, name='softsign')
    >>> rng = np.random.RandomState(0)
    >>> coefs = [rng.randn(3, 4), rng.randn(4, 2)]
    >>> intercepts = [rng.randn(4), rng.randn(2)]
    >>> X, Y = rng.randn(5, 3), np.eye(2)[rng.randint(2, size=5)]
    >>> gradient_check(coefs, intercepts, X, Y, activation=softsign) < 1e-7
    True

    A derivative derived wrongly — tanh's taken as 1 − a instead of
    1 − a² — is caught:

    >>> def tanh_derivative_wrong(z, a):
    ...     return 1 - a
    >>> wrong = Activation(np.tanh, tanh_derivative_wrong)
    >>> gradient_check(coefs, intercepts, X, Y, activation=wrong) > 1e-3
    True
    >>> model = BackpropClassifier((8, 8), [softsign, "relu"], random_state=0)
    >>> model.fit(X, [0, 1, 1, 0, 1]).predict(X).shape
    (5,)
    """

    def __init__(self, function, derivative, name=None):
        for arg, value in (("function", function), ("derivative", derivative)):
            if not callable(value):
                raise TypeError(
                    f"Activation's {arg} must be a callable; got {value!r}."
                )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Activation's name must be a str or None; got {name!r}.")
        self.function = function
        self.derivative = derivative
        if name is None:
            name = getattr(function, "__name__", "activation")
        self.name = name

    def __repr__(self):
        return (
            f"Activation({_qualname(self.function)}, "
            f"{_qualname(self.derivative)}, name={self.name!r})"
        )

    def __eq__(self, other):
        if not isinstance(other, Activation):
            return NotImplemented
        mine = (self.function, self.derivative, self.name)
        return mine == (other.function, other.derivative, other.name)

    def __hash__(self):
        return hash((Activation, self.function, self.derivative, self.name))


def _qualname(function):
    """A function's short name, for ``repr``."""
    for attr in ("__qualname__", "__name__"):
        if isinstance(getattr(function, attr, None), str):
            return getattr(function, attr)
    return repr(function)


class _Custom:
    """A user :class:`Activation` as the engine calls it (σ' needs z)."""

    needs_z = True

    def __init__(self, activation):
        self.activation = activation
        self.name = activation.name

    def forward(self, Z, out, xp):
        """a = function(z), into ``out``."""
        a = self._checked(self.activation.function(Z), Z, "function(z)", Z)
        return _inplace.copy(a, out, xp)

    def backward(self, Z, A, delta, xp):
        """delta ⊙= derivative(z, a)."""
        value = self.activation.derivative(Z, A)
        delta *= self._checked(value, Z, "derivative(z, a)", Z, A)

    def _checked(self, value, Z, call, *inputs):
        shape = getattr(value, "shape", None)
        if shape is None or tuple(shape) != tuple(Z.shape):
            raise ValueError(
                f"Activation {self.name!r}: {call} must return an array of z's "
                f"shape {tuple(Z.shape)}; got {type(value).__name__} of shape "
                f"{shape}."
            )
        self._check_finite(value, call, inputs)
        return value

    def _check_finite(self, value, call, inputs):
        """A non-finite result from finite inputs is the activation's fault
        (otherwise training would stop with a DivergenceError that blames the
        learning rate); non-finite inputs are the training's divergence."""
        vxp, _ = namespace_of(value)
        if bool(vxp.all(vxp.isfinite(value))):
            return
        bad = ~np.isfinite(np.asarray(host(value)))  # rare: look on the host
        for array in inputs:
            bad &= np.isfinite(np.asarray(host(array)))
        if bad.any():
            raise ValueError(
                f"Activation {self.name!r}: {call} returned a non-finite value "
                "(NaN or inf) for a finite z; it must return finite numbers "
                "wherever z is finite."
            )


def _is_one(value):
    return isinstance(value, Activation) or (isinstance(value, str) and value in _NAMED)


def _is_activation(value):
    if isinstance(value, (list, tuple)):
        return all(_is_one(v) for v in value)
    return _is_one(value)


ACTIVATION = Predicate(
    _is_activation,
    "one of " + ", ".join(map(repr, NAMES)) + ", an skbp.Activation, or a list "
    "or tuple of those with one entry per hidden layer",
)


def _engine(activation):
    if isinstance(activation, Activation):
        return _Custom(activation)
    return _NAMED[activation]


def n_hidden_of(hidden_layer_sizes):
    """The number of hidden layers ``hidden_layer_sizes`` asks for."""
    if isinstance(hidden_layer_sizes, numbers.Integral):
        return 1
    return len(list(hidden_layer_sizes))


def check_layers(activation, n_hidden, owner):
    """A list or tuple ``activation`` must have one entry per hidden layer."""
    if isinstance(activation, (list, tuple)) and len(activation) != n_hidden:
        raise InvalidParameterError(
            f"The 'activation' parameter of {owner} has {len(activation)} "
            f"entries; a list or tuple needs one per hidden layer, and the "
            f"network has {n_hidden}: {activation!r}."
        )


def per_layer(activation, n_hidden):
    """``activation`` as a list with one entry per hidden layer."""
    if isinstance(activation, (list, tuple)):
        return list(activation)
    return [activation] * n_hidden


def resolve(activation, n_hidden, owner="activation"):
    """One engine σ (``forward``, ``backward``, ``needs_z``) per hidden layer.

    ``activation`` is a name, an :class:`Activation`, or a list or tuple of
    those, one per hidden layer (checked here: ``owner`` names the caller in
    the error).
    """
    check_layers(activation, n_hidden, owner)
    return tuple(_engine(a) for a in per_layer(activation, n_hidden))

"""Initial weights: today's rule ('auto') and the named initialisers.

Every layer's weights W^(l)ᵀ (shape (fan_in, fan_out)) and biases (fan_out,)
are drawn in NumPy from the estimator's ``random_state``, layer after layer,
output layer included, then moved to the data's namespace and device: the
same seed gives the same weights in every namespace.  ``docs/derivation.md``
("Initial weights") says why each rule keeps the signal's variance.

- ``'auto'``: skbp's rule since its start, unchanged — uniform on [−r, r]
  for the weights *and* the biases, r = √(6 / (fan_in + fan_out)) (Glorot &
  Bengio, 2010) for identity and tanh units, √(2 / (fan_in + fan_out)) for
  logistic units (scikit-learn's factor 2) — MLPClassifier's draws, to the
  bit — and r = √(6 / fan_in) (He et al., 2015; MLPClassifier keeps
  Glorot's) for relu and the other relu-like units (leaky_relu, elu,
  softplus, silu, gelu); a user :class:`~skbp.Activation` gets tanh's rule.
- ``'glorot_uniform'``: weights uniform on ±√(6 / (fan_in + fan_out)).
- ``'he_uniform'``: weights uniform on ±√(6 / fan_in).
- ``'he_normal'``: weights normal, standard deviation √(2 / fan_in).
- ``'lecun_normal'``: weights normal, standard deviation √(1 / fan_in).
- a callable ``init(fan_in, fan_out, random_state) -> (coef, intercept)``.

The named rules start the biases at zero and use plain (not truncated)
normals.
"""

import inspect

import numpy as np

from ._activations import per_layer
from ._network import pack
from ._params import InvalidParameterError, Options, Predicate

#: Units whose 'auto' rule is He's (variance 2 / fan_in), as relu's.
RELU_LIKE = frozenset({"relu", "leaky_relu", "elu", "softplus", "silu", "gelu"})
NAMED = ("glorot_uniform", "he_uniform", "he_normal", "lecun_normal")
INIT = (Options("auto", *NAMED), Predicate(callable, "a callable"))


def auto_bound(fan_in, fan_out, activation):
    """Half-width of the uniform draws of one layer under 'auto'.

    Glorot & Bengio (2010) for logistic, tanh and identity units (and user
    activations), sqrt(6 / (fan_in + fan_out)), with MLPClassifier's factor
    2 instead of 6 for logistic units; He et al. (2015) for relu-like units,
    sqrt(6 / fan_in), whose variance 2 / fan_in keeps a relu layer's output
    variance from halving.
    """
    if isinstance(activation, str) and activation in RELU_LIKE:
        return np.sqrt(6.0 / fan_in)
    factor = 2.0 if activation == "logistic" else 6.0
    return np.sqrt(factor / (fan_in + fan_out))


def _auto(activation):
    def draw(fan_in, fan_out, random_state):
        bound = auto_bound(fan_in, fan_out, activation)
        coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
        return coef, random_state.uniform(-bound, bound, fan_out)

    return draw


def glorot_uniform(fan_in, fan_out, random_state):
    """W uniform on ±√(6 / (fan_in + fan_out)), b = 0 (Glorot & Bengio, 2010)."""
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return random_state.uniform(-bound, bound, (fan_in, fan_out)), np.zeros(fan_out)


def he_uniform(fan_in, fan_out, random_state):
    """W uniform on ±√(6 / fan_in), b = 0 (He et al., 2015)."""
    bound = np.sqrt(6.0 / fan_in)
    return random_state.uniform(-bound, bound, (fan_in, fan_out)), np.zeros(fan_out)


def he_normal(fan_in, fan_out, random_state):
    """W normal with standard deviation √(2 / fan_in), b = 0 (He et al., 2015)."""
    std = np.sqrt(2.0 / fan_in)
    return random_state.normal(0.0, std, (fan_in, fan_out)), np.zeros(fan_out)


def lecun_normal(fan_in, fan_out, random_state):
    """W normal with standard deviation √(1 / fan_in), b = 0 (LeCun et al., 1998)."""
    std = np.sqrt(1.0 / fan_in)
    return random_state.normal(0.0, std, (fan_in, fan_out)), np.zeros(fan_out)


_RULES = {
    "glorot_uniform": glorot_uniform,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "lecun_normal": lecun_normal,
}


def layer_rules(init, activation, n_layers):
    """The draw ``(fan_in, fan_out, random_state) -> (coef, intercept)`` of
    each of the ``n_layers`` weight layers.

    Under 'auto' the weights into a hidden layer follow that layer's σ and
    the output layer's follow the last hidden layer's (with one activation
    for every layer: MLPClassifier's rule); with no hidden layer, the
    ``activation`` name itself.
    """
    if callable(init):
        _check_signature(init)
        return [init] * n_layers
    if init != "auto":
        return [_RULES[init]] * n_layers
    names = per_layer(activation, n_layers - 1)
    if not names:
        names = [activation if isinstance(activation, str) else "identity"]
    return [_auto(names[min(l, len(names) - 1)]) for l in range(n_layers)]


def _check_signature(init):
    """A callable ``init`` must take (fan_in, fan_out, random_state): said
    here by name, not as a TypeError from inside the first draw."""
    try:
        signature = inspect.signature(init)
    except (TypeError, ValueError):  # some builtins have no signature: just call
        return
    try:
        signature.bind(1, 1, np.random.RandomState(0))
    except TypeError:
        raise InvalidParameterError(
            f"The 'init' callable {init!r} must accept three positional "
            f"arguments (fan_in, fan_out, random_state); its signature is "
            f"{signature}."
        ) from None


def initial_params(
    layer_units, activation, random_state, dtype, xp=None, device=None, init="auto"
):
    """A flat vector of initial weights and biases (``_network``'s layout).

    Draws each layer's weights then its biases from ``random_state``, in
    MLPClassifier's order, so that under 'auto' a logistic, tanh or identity
    network starts from MLPClassifier's weights for the same seed.
    """
    pairs = list(zip(layer_units[:-1], layer_units[1:]))
    coefs, intercepts = [], []
    for rule, (fan_in, fan_out) in zip(
        layer_rules(init, activation, len(pairs)), pairs
    ):
        drawn = rule(fan_in, fan_out, random_state)
        coef, intercept = _checked(drawn, fan_in, fan_out, init)
        coefs.append(coef)
        intercepts.append(intercept)
    flat = pack(coefs, intercepts)
    if xp is None:
        return flat.astype(dtype)
    return xp.asarray(flat, dtype=dtype, device=device)


def _checked(drawn, fan_in, fan_out, init):
    """float64 copies of the (coef, intercept) a rule returned; a clear error
    for a callable ``init`` that returns anything else, the wrong shapes or
    non-finite values."""
    if not (isinstance(drawn, (tuple, list)) and len(drawn) == 2):
        raise InvalidParameterError(
            f"The 'init' callable {init!r} must return a pair (coef, intercept); "
            f"got {type(drawn).__name__}."
        )
    try:
        coef = np.array(drawn[0], dtype=np.float64)
        intercept = np.array(drawn[1], dtype=np.float64)
        intercept = np.array(intercept, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError(
            f"The 'init' callable {init!r} must return (coef, intercept), two "
            f"arrays of real numbers; converting them failed: {error}"
        ) from error
    if coef.shape != (fan_in, fan_out) or intercept.shape != (fan_out,):
        raise InvalidParameterError(
            f"The 'init' callable {init!r} must return coef of shape "
            f"(fan_in, fan_out) = {(fan_in, fan_out)} and intercept of shape "
            f"(fan_out,) = {(fan_out,)}; got {coef.shape} and {intercept.shape}."
        )
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise InvalidParameterError(
            f"The 'init' callable {init!r} returned non-finite weights for a "
            f"layer of shape {(fan_in, fan_out)}."
        )
    return coef, intercept

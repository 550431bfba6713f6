"""Parameter layout: the network's weights as views into one flat vector.

``coefs[l]`` has shape (n_units[l], n_units[l+1]) and ``intercepts[l]`` shape
(n_units[l+1],), scikit-learn's MLPClassifier layout: ``coefs[l]`` is the
seed's W^(l) *transposed*, counting layers from 0 (the seed counts from 1, so
it is the seed's W^(l+1)), because rows of X are samples (z = a W + b rather
than z = W a + b).  All coefficients come first in the flat vector, then all
intercepts (MLPClassifier's packing order), so the L2 term is one dot product
and an optimizer updates every parameter with a handful of vector operations.
"""

from ._array_api import namespace_of


def n_params(layer_units):
    """Number of weights and biases of a network with these layer sizes."""
    pairs = list(zip(layer_units[:-1], layer_units[1:]))
    return sum(i * o for i, o in pairs) + sum(o for _, o in pairs)


def n_coefs(layer_units):
    """Number of weights (biases excluded): the leading part of the vector."""
    return sum(i * o for i, o in zip(layer_units[:-1], layer_units[1:]))


def unpack(flat, layer_units):
    """Views of ``flat`` shaped as ``(coefs, intercepts)``, in its namespace."""
    xp, _ = namespace_of(flat)
    coefs, intercepts, start = [], [], 0
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        block = flat[start : start + fan_in * fan_out]
        coefs.append(xp.reshape(block, (fan_in, fan_out)))
        start += fan_in * fan_out
    for fan_out in layer_units[1:]:
        intercepts.append(flat[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def pack(coefs, intercepts, dtype=None):
    """A new flat vector holding ``coefs`` then ``intercepts``, in their namespace."""
    xp, _ = namespace_of(coefs[0])
    parts = [xp.reshape(p, (-1,)) for p in list(coefs) + list(intercepts)]
    flat = xp.concat(parts)
    return flat if dtype is None else xp.astype(flat, dtype, copy=False)


def as_floating(coefs, intercepts):
    """``coefs`` and ``intercepts`` in one floating dtype, copied only if needed.

    Hand-set integer weights become float64, so that prediction never casts
    the input to integers.
    """
    xp, _ = namespace_of(coefs[0])
    dtype = xp.result_type(*coefs, *intercepts)
    if not xp.isdtype(dtype, "real floating"):
        dtype = xp.float64
    return (
        [xp.astype(xp.asarray(c), dtype, copy=False) for c in coefs],
        [xp.astype(xp.asarray(b), dtype, copy=False) for b in intercepts],
    )


def layer_units_of(coefs):
    """Layer sizes [n_features, hidden..., n_outputs] read off ``coefs``."""
    return [coefs[0].shape[0]] + [c.shape[1] for c in coefs]

"""How much of a fit is *not* the input layer's two matrix products.

For bench.py's batch-200 networks (784 inputs, hidden (100,), 10 outputs)
two products do nearly all the arithmetic of an epoch: the input layer's
forward product Z¹ = X W⁽⁰⁾ᵀ and its weight gradient X ᵀE¹ (BP3), each
m × 784 × 100 multiply-adds for a batch of m rows.  Both libraries hand them
to the same BLAS, so a difference in speed comes from the rest — gathering
rows, activations, the cost, the optimizer's step, bookkeeping.  This module
measures that rest directly: during one fit it wraps the function each
library calls for its products (``skbp._inplace.matmul``; scikit-learn's
``safe_sparse_dot`` as ``sklearn.neural_network._multilayer_perceptron``
imports it), adds up the wall time of the calls that are one of those two
products, and returns the share of the fit's wall time spent elsewhere.

Two ``time.perf_counter`` calls per product are the whole overhead (a few
microseconds per mini-batch against milliseconds), and the profiled fit is
never one of the timed runs.

Example
-------
>>> import numpy as np
>>> from products import outside_share
>>> from skbp import BackpropClassifier
>>> X = np.random.default_rng(0).standard_normal((400, 30))
>>> y = (X[:, 0] > 0).astype(int)
>>> model = BackpropClassifier(hidden_layer_sizes=(8,), max_iter=2)
>>> share = outside_share("skbp", lambda: model.fit(X, y), X.shape[1], 8)
>>> 0 < share < 1
True
"""

import contextlib
import time
import warnings

import sklearn.neural_network._multilayer_perceptron as _mlp_module

import skbp._inplace as _skbp_inplace

#: Where each library looks its product function up at call time.
_PRODUCT = {
    "skbp": (_skbp_inplace, "matmul"),
    "mlp": (_mlp_module, "safe_sparse_dot"),
}


def is_input_product(A, B, n_features, n_hidden):
    """True for X W (inner dimension n_features) and Xᵀ E (n_features rows
    out), with W and E of the first hidden layer's width."""
    if len(A.shape) != 2 or len(B.shape) != 2 or B.shape[1] != n_hidden:
        return False
    forward = A.shape[1] == n_features and B.shape[0] == n_features
    gradient = A.shape[0] == n_features and B.shape[0] == A.shape[1]
    return forward or gradient


@contextlib.contextmanager
def timed_products(lib, n_features, n_hidden):
    """Within the block, ``clock["seconds"]`` adds up the wall time of
    ``lib``'s input-layer products (``clock["calls"]`` counts them) and
    ``clock["other_seconds"]`` that of its other products."""
    module, name = _PRODUCT[lib]
    original = getattr(module, name)
    clock = {"seconds": 0.0, "calls": 0, "other_seconds": 0.0}

    def product(A, B, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(A, B, *args, **kwargs)
        finally:
            seconds = time.perf_counter() - start
            if is_input_product(A, B, n_features, n_hidden):
                clock["seconds"] += seconds
                clock["calls"] += 1
            else:
                clock["other_seconds"] += seconds

    setattr(module, name, product)
    try:
        yield clock
    finally:
        setattr(module, name, original)


def outside_share(lib, fit, n_features, n_hidden):
    """The share of ``fit()``'s wall time spent outside the input layer's
    two products, for ``lib`` ('skbp' or 'mlp'), in [0, 1]."""
    with timed_products(lib, n_features, n_hidden) as clock:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            fit()
            total = time.perf_counter() - start
    if clock["calls"] == 0:
        raise RuntimeError(f"no input-layer product of {lib} was seen")
    return 1.0 - clock["seconds"] / total

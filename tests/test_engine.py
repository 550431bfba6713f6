"""The engine's NumPy-only forms (issue 21) compute what the plain forms do.

Each faster form — BLAS axpy for y += a x, relu's derivative as a comparison
— is checked against the arithmetic it replaces, on both of its routes, and
a fit in another thread (NumPy's two passes) against the same fit in the
main thread (BLAS's one pass).
"""

import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network._stochastic_optimizers import (
    AdamOptimizer,
    SGDOptimizer,
)

from skbp import BackpropClassifier, BackpropRegressor, _blas, _inplace
from skbp._activations import relu_derivative
from skbp._optimizers import SGD, Adam


@pytest.fixture(params=["blas", "numpy"])
def route(request):
    """Run the test body with y += a x on BLAS (a fit's limit held in the
    main thread) or on NumPy's two passes (no fit holds it)."""
    if request.param == "blas":
        with _blas.ONE_SCIPY_BLAS_THREAD:
            assert _blas.level1_ready()
            yield request.param
    else:
        if _blas.level1_ready():
            pytest.skip("SciPy shares NumPy's BLAS here: there is one route only")
        yield request.param


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_axpy_adds_a_times_x_in_place(route, dtype):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 1001)).astype(dtype)
    expected = y + dtype(-0.37) * x
    out = _inplace.axpy(-0.37, x, y, np.empty_like(y))
    assert out is y
    rtol = 1e-6 if dtype == np.float32 else 1e-15
    assert_allclose(y, expected, rtol=rtol, atol=rtol)


def test_axpy_on_views_changes_only_the_view(route):
    # The weight decay updates the weights part of the gradient vector.
    grad, params = np.ones(10), np.arange(10.0)
    _inplace.axpy(0.5, params[:6], grad[:6], np.empty(6))
    assert_array_equal(grad, [1, 1.5, 2, 2.5, 3, 3.5, 1, 1, 1, 1])


def test_axpy_scratch_may_be_x():
    x, y = np.full(5, 2.0), np.ones(5)
    _inplace.axpy(3.0, x, y, x)  # NumPy's route overwrites x with 3 x
    assert_array_equal(y, np.full(5, 7.0))


def test_axpy_falls_back_for_strided_vectors():
    y = np.zeros(10)
    with _blas.ONE_SCIPY_BLAS_THREAD:
        _inplace.axpy(2.0, np.arange(10.0)[::2], y[::2], np.empty(5))
    assert_array_equal(y, [0, 0, 4, 0, 8, 0, 12, 0, 16, 0])


def test_level1_is_not_ready_in_another_thread_without_a_shared_blas():
    seen = []
    with _blas.ONE_SCIPY_BLAS_THREAD:
        thread = threading.Thread(target=lambda: seen.append(_blas.level1_ready()))
        thread.start()
        thread.join()
    assert seen == [_blas._scipy_shares_numpys_blas()]


def test_optimizer_steps_equal_mlp_on_both_routes(route):
    rng = np.random.RandomState(4)
    shapes = [(6, 5), (5, 3), (5,), (3,)]
    theirs_sgd = [rng.randn(*s) for s in shapes]
    theirs_adam = [p.copy() for p in theirs_sgd]
    flat = lambda ps: np.concatenate([p.ravel() for p in ps])  # noqa: E731
    ours_sgd, ours_adam = flat(theirs_sgd), flat(theirs_sgd)
    mlp_sgd = SGDOptimizer(theirs_sgd, 0.05, "constant", 0.9, True, 0.5)
    mlp_adam = AdamOptimizer(theirs_adam, 0.01, 0.9, 0.999, 1e-8)
    sgd = SGD(ours_sgd.size, np.float64, 0.05, "constant", 0.9, True, 0.5)
    adam = Adam(ours_adam.size, np.float64, 0.01)
    for _ in range(6):
        grads = [rng.randn(*s) for s in shapes]
        mlp_sgd.update_params(theirs_sgd, grads)
        mlp_adam.update_params(theirs_adam, grads)
        sgd.step(ours_sgd, flat(grads), np.empty_like(ours_sgd))
        adam.step(ours_adam, flat(grads), np.empty_like(ours_adam))
        assert_allclose(ours_sgd, flat(theirs_sgd), rtol=1e-12)
        assert_allclose(ours_adam, flat(theirs_adam), rtol=1e-12)


def test_relu_derivative_is_the_indicator_of_positive_outputs():
    A = np.array([[0.0, 2.0, 1e-300], [3.5, 0.0, 7.0]])
    delta = np.full_like(A, 5.0)
    relu_derivative(A.copy(), delta, np)
    assert_array_equal(delta, np.where(A > 0, 5.0, 0.0))


def test_relu_derivative_in_other_namespaces():
    xp = pytest.importorskip("array_api_strict")
    A = xp.asarray([[0.0, 2.0], [3.5, 0.0]])
    delta = xp.asarray([[5.0, 5.0], [-1.0, 4.0]])
    relu_derivative(A, delta, xp)
    assert_array_equal(np.asarray(delta), [[0.0, 5.0], [-1.0, 0.0]])


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_fit_in_another_thread_equals_the_main_threads_to_rounding(Estimator, solver):
    X, y = make_classification(300, 20, n_informative=5, random_state=0)
    params = dict(solver=solver, hidden_layer_sizes=(300,), batch_size=100, max_iter=5)
    models = [Estimator(random_state=0, **params) for _ in range(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        models[0].fit(X, y)
        models[1].fit(X, y)
        thread = threading.Thread(target=models[2].fit, args=(X, y))
        thread.start()
        thread.join()
    for a, b, c in zip(models[0].coefs_, models[1].coefs_, models[2].coefs_):
        assert_array_equal(a, b)  # the main thread is reproducible bit for bit
        assert_allclose(c, a, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("n_columns", [1, 2, 10, 16, 17, 40])
def test_row_max_and_row_sums_equal_the_reductions(n_columns):
    Z = np.random.default_rng(n_columns).standard_normal((50, n_columns))
    assert_array_equal(_inplace.row_max(Z, np), Z.max(axis=1, keepdims=True))
    assert_allclose(_inplace.row_sums(Z, np), Z.sum(axis=1, keepdims=True))
    assert _inplace.row_max(Z, np).shape == _inplace.row_sums(Z, np).shape == (50, 1)


def test_row_max_and_row_sums_in_other_namespaces():
    xp = pytest.importorskip("array_api_strict")
    Z = xp.asarray([[1.0, -2.0, 3.0], [0.5, 0.25, -4.0]])
    assert_array_equal(np.asarray(_inplace.row_max(Z, xp)), [[3.0], [0.5]])
    assert_allclose(np.asarray(_inplace.row_sums(Z, xp)), [[2.0], [-3.25]])


def test_holding_scipys_blas_at_one_thread_allocates_little():
    # A fit holds the limit; scanning the loaded libraries again at every fit
    # took 0.4 MB for a moment, more than a small fit's own buffers.
    import tracemalloc

    with _blas.ONE_SCIPY_BLAS_THREAD:  # the one scan, outside the measurement
        pass
    tracemalloc.start()
    with _blas.ONE_SCIPY_BLAS_THREAD:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 64 * 2**10, peak

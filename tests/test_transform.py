"""Hidden features: ``transform`` against a forward pass written by hand, the
feature names, pandas output and pipelines that feed another model."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from scipy.special import expit
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier, BackpropRegressor
from skbp._activations import resolve
from skbp._backprop import chunked_hidden

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

GELU_C = np.sqrt(2 / np.pi)
SIGMA = {
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "identity": lambda z: z,
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(GELU_C * (z + 0.044715 * z**3))),
}


def data(kind):
    if kind == "classifier":
        return make_classification(n_samples=60, n_features=5, random_state=0)
    X, y = make_regression(n_samples=60, n_features=5, random_state=0)
    return X, y / y.std()


def make(kind, **params):
    cls = BackpropClassifier if kind == "classifier" else BackpropRegressor
    return cls(**{"max_iter": 5, "random_state": 0, **params})


def by_hand(model, X, names):
    """The last hidden layer's output, layer by layer in NumPy."""
    a = X
    for W, b, name in zip(model.coefs_[:-1], model.intercepts_[:-1], names):
        a = SIGMA[name](a @ W + b)
    return a


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize(
    "sizes, activation",
    [((7,), "logistic"), ((6, 4), "tanh"), ((5, 4, 3), ["relu", "tanh", "gelu"])],
)
def test_transform_is_the_last_hidden_layer_by_hand(kind, sizes, activation):
    X, y = data(kind)
    model = make(kind, hidden_layer_sizes=sizes, activation=activation).fit(X, y)
    names = activation if isinstance(activation, list) else [activation] * len(sizes)
    features = model.transform(X)
    assert features.shape == (60, sizes[-1])
    assert_allclose(features, by_hand(model, X, names), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_fit_transform_equals_fit_then_transform(kind):
    X, y = data(kind)
    a = make(kind, hidden_layer_sizes=(6,)).fit_transform(X, y)
    b = make(kind, hidden_layer_sizes=(6,)).fit(X, y).transform(X)
    assert_array_equal(a, b)


def test_fit_transform_passes_sample_weight_and_fit_params():
    X, y = data("classifier")
    sw = np.random.RandomState(0).uniform(0.5, 2, 60)
    a = make("classifier").fit_transform(X, y, sw, X_val=X[:10], y_val=y[:10])
    b = make("classifier").fit(X, y, sw, X_val=X[:10], y_val=y[:10]).transform(X)
    assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transform_keeps_the_networks_dtype(dtype):
    X, y = data("classifier")
    model = make("classifier").fit(X.astype(dtype), y)
    assert model.transform(X.astype(dtype)).dtype == dtype


def test_sparse_input_and_no_mutation():
    X, y = data("classifier")
    model = make("classifier", hidden_layer_sizes=(4,)).fit(X, y)
    kept = X.copy()
    assert_allclose(model.transform(sparse.csr_matrix(X)), model.transform(X))
    assert_array_equal(X, kept)


def test_chunked_hidden_equals_one_pass():
    X, y = data("regressor")
    model = make("regressor", hidden_layer_sizes=(9, 5), activation="gelu").fit(X, y)
    sigmas = resolve("gelu", 2)
    chunks = list(
        chunked_hidden(model.coefs_, model.intercepts_, X, sigmas, max_bytes=200)
    )
    assert len(chunks) > 5
    stacked = np.vstack([A.copy() for _, A in chunks])
    assert_allclose(stacked, model.transform(X), rtol=1e-14)


@pytest.mark.parametrize(
    "model, prefix",
    [
        (BackpropClassifier(hidden_layer_sizes=(3,)), "backpropclassifier"),
        (BackpropRegressor(hidden_layer_sizes=(8, 3)), "backpropregressor"),
    ],
)
def test_feature_names_follow_the_class_prefix_convention(model, prefix):
    X, y = data("classifier")
    model.set_params(max_iter=3).fit(X, y)
    assert model.get_feature_names_out().tolist() == [f"{prefix}{i}" for i in range(3)]


def test_set_output_pandas():
    X, y = data("classifier")
    frame = pd.DataFrame(X, columns=list("abcde"), index=np.arange(100, 160))
    model = make("classifier", hidden_layer_sizes=(4,)).set_output(transform="pandas")
    out = model.fit(frame, y).transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == [f"backpropclassifier{i}" for i in range(4)]
    assert_array_equal(out.index, frame.index)
    assert_allclose(
        out.to_numpy(), model.set_output(transform="default").transform(frame)
    )
    with pytest.raises(ValueError, match="input_features is not equal"):
        model.get_feature_names_out(["a", "b", "c", "d", "x"])


def test_pipeline_feeds_the_hidden_features_to_another_model():
    X, y = load_digits(return_X_y=True)
    net = BackpropClassifier(hidden_layer_sizes=(64, 32), max_iter=30, random_state=0)
    model = make_pipeline(StandardScaler(), net, LogisticRegression(max_iter=500))
    model.fit(X[:1200], y[:1200])
    assert model.score(X[1200:], y[1200:]) > 0.85
    assert model[-1].coef_.shape == (10, 32)
    names = model[:-1].get_feature_names_out()
    assert names.tolist() == [f"backpropclassifier{i}" for i in range(32)]


def test_regressor_features_feed_a_ridge():
    X, y = data("regressor")
    model = make_pipeline(
        BackpropRegressor(hidden_layer_sizes=(16,), max_iter=50, random_state=0),
        Ridge(),
    )
    assert model.fit(X, y).predict(X).shape == (60,)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_no_hidden_layer_is_a_clear_error(kind):
    X, y = data(kind)
    model = make(kind, hidden_layer_sizes=()).fit(X, y)
    message = r"no hidden layer \(hidden_layer_sizes=\(\)\)"
    with pytest.raises(ValueError, match=message):
        model.transform(X)
    with pytest.raises(ValueError, match="no hidden layer"):
        model.get_feature_names_out()
    with pytest.raises(ValueError, match="no hidden layer"):
        make(kind, hidden_layer_sizes=()).fit_transform(X, y)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_unfitted_transform_raises_not_fitted(kind):
    X, _ = data(kind)
    with pytest.raises(NotFittedError):
        make(kind).transform(X)
    with pytest.raises(NotFittedError):
        make(kind).get_feature_names_out()


def test_transform_checks_the_number_of_features():
    X, y = data("classifier")
    model = make("classifier").fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.transform(X[:, :3])


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_transform_on_a_dask_array_is_blockwise(kind):
    # As predict and predict_proba: a dask array in, a lazy dask array out,
    # chunked like X's rows, never X gathered into memory.
    da = pytest.importorskip("dask.array")
    X, y = data(kind)
    model = make(kind, hidden_layer_sizes=(6, 4)).fit(X, y)
    X_dask = da.from_array(X, chunks=(25, 5))
    features = model.transform(X_dask)
    assert isinstance(features, da.Array)
    assert features.chunks == ((25, 25, 10), (4,))
    assert_allclose(features.compute(), model.transform(X), rtol=1e-12)


def test_transform_on_a_dask_array_without_hidden_layer_is_a_clear_error():
    da = pytest.importorskip("dask.array")
    X, y = data("classifier")
    model = make("classifier", hidden_layer_sizes=()).fit(X, y)
    with pytest.raises(ValueError, match="no hidden layer"):
        model.transform(da.from_array(X, chunks=(25, 5)))

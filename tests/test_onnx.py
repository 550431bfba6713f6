"""skbp.onnx: the ONNX graphs skl2onnx writes for skbp's estimators, run by
onnxruntime, give the estimators' own predictions.

Models are fitted on float32 X, so that they predict in float32 as the ONNX
graphs run: labels must then be equal exactly, probabilities and values to
1e-5.  Every comparison first checks that no row lies within 1e-4 of a
decision boundary (where float32 rounding alone could flip a label), so an
exact match is well defined on every row.
"""

import functools
import inspect
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from onnxruntime import InferenceSession
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skbp
import skbp.onnx
from skbp import BackpropClassifier, BackpropRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOL = 1e-5
MARGIN = 1e-4
ACTIVATIONS = [
    "identity",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "silu",
    "gelu",
]
HIDDEN = [(8,), (8, 6)]
OPTIONS = {
    "zipmap=False": {"zipmap": False},
    "zipmap=True": {"zipmap": True},
    "zipmap=columns": {"zipmap": "columns"},
    "nocl": {"nocl": True, "zipmap": False},
    "nocl+zipmap": {"nocl": True},
}


def data(n=90, n_features=4, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(n, n_features).astype(np.float32)


def targets(kind, X):
    """The targets of each output kind, from float32 rows X."""
    band = np.digitize(X[:, 0] + X[:, 1], [-0.6, 0.6])  # three classes
    if kind == "strings":
        return np.array(["cat", "dog", "emu"])[band]
    if kind in ("softmax", "normalised"):
        return np.array([3, 5, 7])[band]  # labels that are not class indices
    if kind == "binary":
        return X[:, 0] - X[:, 2] > 0  # bool labels
    if kind == "multilabel":
        return (X[:, :3] > 0).astype(int)
    raise ValueError(kind)


KINDS = ["softmax", "normalised", "binary", "multilabel", "strings"]


@functools.lru_cache(maxsize=None)
def classifier(kind, activation="relu", hidden=(8,)):
    """A small classifier of each output kind, fitted on float32 X."""
    X = data()
    loss = "log_loss" if kind == "softmax" else "squared_error"
    model = BackpropClassifier(
        hidden,
        activation,
        loss=loss,
        max_iter=30,
        learning_rate_init=0.05,
        random_state=0,
    )
    return model.fit(X, targets(kind, X))


def session(onx):
    return InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])


def run(onx, X):
    sess = session(onx)
    return sess.run(None, {sess.get_inputs()[0].name: X})


def check_margins(model, X):
    """No row within MARGIN of a decision boundary: labels are well defined.

    ``model``: a classifier or a pipeline ending in one.
    """
    Z = model.decision_function(X)
    net = model[-1] if hasattr(model, "steps") else model
    if Z.ndim == 1 or net._multilabel:  # labels from the sign of each logit
        margin = np.abs(Z)
    else:
        top2 = np.sort(Z, axis=1)[:, -2:]
        margin = top2[:, 1] - top2[:, 0]
    assert margin.min() > MARGIN, "a row lies on a decision boundary: change data"


def onnx_predictions(model, onx, X, options):
    """Labels and an (n, n_classes) probability matrix from the ONNX graph."""
    outputs = run(onx, X)
    label, rest = outputs[0], outputs[1:]
    zipmap = options.get("zipmap", True)
    if zipmap is False:
        (proba,) = rest
    elif zipmap == "columns":
        proba = np.column_stack(rest)
    else:
        (rows,) = rest
        if options.get("nocl"):
            keys = range(len(model.classes_))
        else:
            keys = [c.item() if c.dtype.kind != "b" else int(c) for c in model.classes_]
        assert all(sorted(row) == sorted(keys) for row in rows)
        proba = np.array([[row[k] for k in keys] for row in rows])
    return label, proba


def expected_labels(model, X, options):
    y = model.predict(X)
    if options.get("nocl") and not model._multilabel:
        return np.searchsorted(model.classes_, y)
    return y


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("kind", KINDS)
def test_classifier_output_kinds_and_options(kind, options):
    model = classifier(kind)
    X = data(seed=1)
    check_margins(model, X)
    onx = to_onnx(model, X[:1], options={id(model): options})
    label, proba = onnx_predictions(model, onx, X, options)
    assert_array_equal(label, expected_labels(model, X, options))
    strings = kind == "strings" and not options.get("nocl")
    assert label.dtype == (object if strings else np.int64)
    if options.get("zipmap") is False:
        assert proba.dtype == np.float32
    assert_allclose(proba, model.predict_proba(X), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("kind", ["softmax", "normalised", "binary"])
def test_classifier_hidden_activations_and_depths(kind, activation, hidden):
    model = classifier(kind, activation, hidden)
    X = data(seed=2)
    check_margins(model, X)
    label, proba = run(to_onnx(model, X[:1], options={"zipmap": False}), X)
    assert_array_equal(label, model.predict(X))
    assert_allclose(proba, model.predict_proba(X), rtol=TOL, atol=TOL)


@pytest.mark.parametrize(
    "activation", [("tanh", "relu"), ("identity", "logistic"), ("gelu", "elu")]
)
@pytest.mark.parametrize("kind", ["softmax", "binary"])
def test_classifier_per_layer_activations(kind, activation):
    model = classifier(kind, activation, (8, 6))
    X = data(seed=2)
    check_margins(model, X)
    label, proba = run(to_onnx(model, X[:1], options={"zipmap": False}), X)
    assert_array_equal(label, model.predict(X))
    assert_allclose(proba, model.predict_proba(X), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("dropout", [0.3, [0.5, 0.0]])
def test_a_model_trained_with_dropout_exports_the_whole_network(dropout):
    # Dropout is training only: the graph has no mask and no 1/(1 - p).
    X = data(seed=3)
    model = BackpropClassifier(
        (8, 6),
        ("gelu", "leaky_relu"),
        loss="log_loss",
        dropout=dropout,
        max_iter=30,
        learning_rate_init=0.05,
        random_state=0,
    ).fit(X, targets("softmax", X))
    check_margins(model, X)
    label, proba = run(to_onnx(model, X[:1], options={"zipmap": False}), X)
    assert_array_equal(label, model.predict(X))
    assert_allclose(proba, model.predict_proba(X), rtol=TOL, atol=TOL)


def softsign(z):
    return z / (1 + abs(z))


def softsign_derivative(z, a):
    return 1 / (1 + abs(z)) ** 2


@pytest.mark.parametrize("Estimator", [BackpropClassifier, BackpropRegressor])
def test_a_user_activation_is_refused_at_export_by_name(Estimator):
    mine = skbp.Activation(softsign, softsign_derivative, name="my_softsign")
    X = data()
    model = Estimator((8, 6), ["relu", mine], max_iter=5, random_state=0)
    model.fit(X, targets("binary", X).astype(int))
    with pytest.raises(NotImplementedError, match="user Activation 'my_softsign'"):
        to_onnx(model, X[:1])


def test_classifier_output_class_labels():
    model = classifier("strings")
    X = data(seed=3)
    options = {"zipmap": False, "output_class_labels": True}
    label, proba, class_labels = run(to_onnx(model, X[:1], options=options), X)
    assert_array_equal(class_labels, model.classes_)
    assert_array_equal(label, model.predict(X))


def test_normalised_sigmoids_stay_finite_for_huge_logits():
    """σ(z) underflows in float32 for z ≪ 0; the graph's log-space
    normalisation does not, as predict_proba's does not."""
    model = BackpropClassifier((8,), max_iter=30, random_state=0)
    model.fit(data(), targets("normalised", data()))
    X = data(seed=4)
    model.intercepts_[-1] = model.intercepts_[-1] - np.float32(200.0)
    label, proba = run(to_onnx(model, X[:1], options={"zipmap": False}), X)
    assert np.isfinite(proba).all()
    assert_allclose(proba, model.predict_proba(X), rtol=TOL, atol=TOL)
    assert_array_equal(label, model.predict(X))


def test_pipeline_with_standard_scaler_on_digits():
    X, y = load_digits(return_X_y=True)
    X = X[:400].astype(np.float32)
    y = y[:400]
    pipe = make_pipeline(
        StandardScaler(),
        BackpropClassifier((16,), max_iter=30, learning_rate_init=0.05, random_state=0),
    ).fit(X[:300], y[:300])
    X_test = X[300:]
    check_margins(pipe, X_test)
    for options in [{"zipmap": False}, {"zipmap": True}]:
        onx = to_onnx(pipe, X_test[:1], options={id(pipe[-1]): options})
        label, proba = onnx_predictions(pipe[-1], onx, X_test, options)
        assert_array_equal(label, pipe.predict(X_test))
        assert_allclose(proba, pipe.predict_proba(X_test), rtol=TOL, atol=TOL)


# ---------------------------------------------------------------- regressor


@functools.lru_cache(maxsize=None)
def regressor(loss, activation="relu", hidden=(8,), n_outputs=1, dtype=np.float32):
    X = data().astype(dtype)
    rng = np.random.RandomState(0)
    signal = np.tanh(X @ rng.uniform(-0.7, 0.7, (X.shape[1], n_outputs)))
    y = np.exp(signal) if loss == "poisson" else 2 * signal
    y = y[:, 0] if n_outputs == 1 else y
    model = BackpropRegressor(
        hidden, activation, loss=loss, max_iter=30, random_state=0
    )
    return model.fit(X, y)


@pytest.mark.parametrize("hidden", HIDDEN, ids=str)
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_identity_and_exp_outputs(loss, activation, hidden):
    model = regressor(loss, activation, hidden)
    assert (
        model.out_activation_ == {"squared_error": "identity", "poisson": "exp"}[loss]
    )
    X = data(seed=5)
    (values,) = run(to_onnx(model, X[:1]), X)
    assert values.shape == (len(X), 1) and values.dtype == np.float32
    assert_allclose(values[:, 0], model.predict(X), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_with_two_outputs(loss):
    model = regressor(loss, "tanh", (8, 6), n_outputs=2)
    X = data(seed=6)
    onx = to_onnx(model, X[:1])
    assert onx.graph.output[0].type.tensor_type.shape.dim[1].dim_value == 2
    (values,) = run(onx, X)
    assert values.shape == (len(X), 2)
    assert_allclose(values, model.predict(X), rtol=TOL, atol=TOL)


def test_regressor_in_a_pipeline():
    X = data() * 10 + 3
    pipe = make_pipeline(
        StandardScaler(), BackpropRegressor((8,), max_iter=30, random_state=0)
    ).fit(X, np.sin(X[:, 0] / 10))
    X_test = data(seed=7) * 10 + 3
    (values,) = run(to_onnx(pipe, X_test[:1]), X_test)
    assert_allclose(values[:, 0], pipe.predict(X_test), rtol=TOL, atol=TOL)


# ------------------------------------------------ robust and user losses


class LogCosh(skbp.Loss):
    output_activation = "identity"

    def loss(self, Y, A):
        D = A - Y
        return np.sum(np.logaddexp(D, -D) - np.log(2.0), axis=1)

    def output_error(self, Y, A, Z):
        return np.tanh(A - Y)


class Quadratic(skbp.Loss):
    """½‖a − y‖² on the output the subclass names (BP1 with g' from a)."""

    output_activation = "logistic"

    def loss(self, Y, A):
        return 0.5 * np.sum((A - Y) ** 2, axis=1)

    def output_error(self, Y, A, Z):
        E = A - Y
        if self.output_activation == "softmax":  # Jᵀ(a − y) of the softmax
            return A * (E - np.sum(A * E, axis=1, keepdims=True))
        return E * A * (1 - A)


class SoftmaxQuadratic(Quadratic):
    output_activation = "softmax"


@pytest.mark.parametrize(
    "loss", ["absolute_error", "huber", "quantile", LogCosh(), Quadratic()], ids=str
)
@pytest.mark.parametrize("n_outputs", [1, 2])
def test_regressor_robust_and_user_losses_export(loss, n_outputs):
    X = data()
    y = np.tanh(X[:, :n_outputs] - X[:, 1:2]) / 2 + 0.5  # in (0, 1) for σ outputs
    model = BackpropRegressor(
        (8,), "tanh", loss=loss, quantile=0.3, max_iter=30, random_state=0
    ).fit(X, y[:, 0] if n_outputs == 1 else y)
    X_test = data(seed=9)
    (values,) = run(to_onnx(model, X_test[:1]), X_test)
    assert values.shape == (len(X_test), n_outputs)
    want = model.predict(X_test).reshape(len(X_test), n_outputs)
    assert_allclose(values, want, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("loss", [Quadratic(), SoftmaxQuadratic()], ids=str)
def test_classifier_with_a_user_loss_exports(loss):
    X = data()
    model = BackpropClassifier((8,), loss=loss, max_iter=30, random_state=0)
    model.fit(X, targets("softmax", X))
    assert model.out_activation_ == loss.output_activation
    X_test = data(seed=10)
    check_margins(model, X_test)
    label, proba = run(to_onnx(model, X_test[:1], options={"zipmap": False}), X_test)
    assert_array_equal(label, model.predict(X_test))
    assert_allclose(proba, model.predict_proba(X_test), rtol=TOL, atol=TOL)


# ------------------------------------------------------------ input types


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("kind", ["softmax", "normalised", "binary", "multilabel"])
def test_float64_inputs_give_a_double_graph(kind, activation):
    X = data().astype(np.float64)
    loss = "log_loss" if kind == "softmax" else "squared_error"
    model = BackpropClassifier((8,), activation, loss=loss, max_iter=30, random_state=0)
    model.fit(X, targets(kind, X))
    X_test = data(seed=8).astype(np.float64)
    check_margins(model, X_test)
    label, proba = run(to_onnx(model, X_test[:1], options={"zipmap": False}), X_test)
    assert proba.dtype == np.float64
    assert_array_equal(label, model.predict(X_test))
    assert_allclose(proba, model.predict_proba(X_test), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_float64_regressor(loss):
    reg = regressor(loss, "logistic", (8,), n_outputs=2, dtype=np.float64)
    X_test = data(seed=8).astype(np.float64)
    (values,) = run(to_onnx(reg, X_test[:1]), X_test)
    assert values.dtype == np.float64
    assert_allclose(values, reg.predict(X_test), rtol=1e-10)


def test_integer_inputs_are_cast_to_float():
    X = np.round(data() * 3).astype(np.int64)
    model = BackpropClassifier((8,), max_iter=30, random_state=0)
    model.fit(X.astype(np.float32), targets("normalised", X.astype(np.float32)))
    label, proba = run(to_onnx(model, X[:1], options={"zipmap": False}), X)
    assert_array_equal(label, model.predict(X.astype(np.float32)))
    assert_allclose(proba, model.predict_proba(X.astype(np.float32)), atol=TOL)


def test_float_classes_give_int64_labels():
    X = data()
    y = np.array([0.0, 1.0, 2.0])[np.digitize(X[:, 0], [-0.5, 0.5])]
    model = BackpropClassifier((8,), max_iter=30, random_state=0).fit(X, y)
    check_margins(model, X)
    label, _ = run(to_onnx(model, X[:1], options={"zipmap": False}), X)
    assert label.dtype == np.int64
    assert_array_equal(label, model.predict(X))


# ---------------------------------------------------------------- packaging


def test_import_skbp_does_not_import_skl2onnx():
    code = (
        "import sys, skbp; "
        "assert not {'skl2onnx', 'onnxruntime', 'onnx'} & set(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_converters_are_registered_under_their_aliases():
    from skl2onnx import supported_converters
    from skl2onnx._supported_operators import sklearn_operator_name_map

    assert sklearn_operator_name_map[BackpropClassifier] == "SkbpBackpropClassifier"
    assert sklearn_operator_name_map[BackpropRegressor] == "SkbpBackpropRegressor"
    assert {"SkbpBackpropClassifier", "SkbpBackpropRegressor"} <= set(
        supported_converters()
    )


@pytest.mark.parametrize("name", skbp.onnx.__all__)
def test_public_objects_have_numpydoc_sections(name):
    obj = getattr(skbp.onnx, name)
    if not callable(obj):
        return
    doc = inspect.getdoc(obj)
    lines = doc.splitlines()
    headers = {
        line.strip()
        for line, rule in zip(lines, lines[1:])
        if rule.strip() and set(rule.strip()) == {"-"}
    }
    assert {"Returns", "Examples"} <= headers
    if inspect.signature(obj).parameters:
        assert "Parameters" in headers

"""Export skbp's estimators to ONNX with skl2onnx.

``import skbp.onnx`` registers converters for :class:`~skbp.BackpropClassifier`
and :class:`~skbp.BackpropRegressor` with skl2onnx, so that
``skl2onnx.to_onnx`` converts them, alone or as a step of a Pipeline, as it
converts :class:`~sklearn.neural_network.MLPClassifier` and
:class:`~sklearn.neural_network.MLPRegressor`.  skl2onnx (and onnxruntime, to
run the result) are optional: ``import skbp`` never needs them.

The graph is the network's forward pass, z = a W + b per layer with each
hidden layer's activation in between (every named one, per-layer lists
included; not a user ``Activation``, whose Python functions have no graph),
followed by the estimator's own output functions of the logits z:

- classifier, label: ``classes_[argmax z]`` (multiclass),
  ``classes_[int(z > 0)]`` (binary), or the int64 indicators ``z > 0``
  (multilabel) -- taken from the logits, as ``predict`` does;
- classifier, probabilities: softmax(z) for softmax outputs,
  [σ(−z), σ(z)] for binary models, σ(z) per label for multilabel models,
  and softmax(log σ(z)) = σ(z_j) / Σ_k σ(z_k), the normalised sigmoids, for
  the default multiclass model (quadratic cost, logistic outputs);
- regressor: z (``loss="squared_error"``, the robust losses), or e^z for
  ``loss="poisson"`` -- a :class:`skbp.Loss`'s output g(z) for any of its
  four output activations -- of shape (N, n_outputs) (N × 1 for a single
  output, as skl2onnx's MLPRegressor).  A classifier trained with a
  ``skbp.Loss`` exports as its 'logistic' or 'softmax' output says.

The classifier accepts the options skl2onnx's MLPClassifier converter does:
``zipmap`` (True, the default: probabilities as a list of dicts; False: one
tensor; 'columns': one output per class), ``nocl`` (labels are class indices)
and ``output_class_labels``.  The label output is int64 for integer, boolean
or (integral) float classes and for ``nocl``, a string tensor for string
classes; probabilities and values are float for float (or integer) inputs,
double for double inputs.

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from skl2onnx import to_onnx
>>> import skbp.onnx  # registers the converters
>>> from skbp import BackpropClassifier
>>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]] * 5, dtype=np.float32)
>>> model = BackpropClassifier(solver="lbfgs", tol=1e-8, random_state=0)
>>> model = model.fit(X, np.where(X[:, 0] > 0, "yes", "no"))
>>> onx = to_onnx(model, X[:1], options={"zipmap": False})
>>> session = ort.InferenceSession(
...     onx.SerializeToString(), providers=["CPUExecutionProvider"]
... )
>>> label, proba = session.run(None, {"X": X[:4]})
>>> label
array(['no', 'no', 'yes', 'yes'], dtype=object)
>>> bool(np.allclose(proba, model.predict_proba(X[:4]), atol=1e-5))
True
"""

import numpy as np

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx.algebra.onnx_ops import (
        OnnxAbs,
        OnnxAdd,
        OnnxArgMax,
        OnnxCast,
        OnnxConcat,
        OnnxExp,
        OnnxGather,
        OnnxGreater,
        OnnxIdentity,
        OnnxLog,
        OnnxMatMul,
        OnnxMax,
        OnnxMin,
        OnnxMul,
        OnnxNeg,
        OnnxRelu,
        OnnxReshape,
        OnnxSigmoid,
        OnnxSoftmax,
        OnnxSub,
        OnnxTanh,
    )
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
    )
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from skl2onnx.common.utils_classifier import get_label_classes
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skbp.onnx needs skl2onnx (to convert) and onnxruntime (to run the "
        "result), which skbp itself does not require: "
        "pip install skl2onnx onnxruntime"
    ) from exc

from ._activations import LEAKY_SLOPE, Activation, per_layer
from ._classifier import BackpropClassifier
from ._regressor import BackpropRegressor

__all__ = [
    "CLASSIFIER_ALIAS",
    "REGRESSOR_ALIAS",
    "calculate_backprop_classifier_output_shapes",
    "calculate_backprop_regressor_output_shapes",
    "convert_backprop_classifier",
    "convert_backprop_regressor",
    "register",
]

#: skl2onnx's name for BackpropClassifier's operator.
CLASSIFIER_ALIAS = "SkbpBackpropClassifier"
#: skl2onnx's name for BackpropRegressor's operator.
REGRESSOR_ALIAS = "SkbpBackpropRegressor"

#: The options the classifier's converter accepts: skl2onnx's MLPClassifier's.
CLASSIFIER_OPTIONS = {
    "zipmap": [True, False, "columns"],
    "output_class_labels": [False, True],
    "nocl": [True, False],
}


def _leaky_relu(Z, dtype, opv):
    """max(z, 0.01 z): ONNX's LeakyRelu holds its slope as a float32
    attribute, off by 2e-10 in a double graph."""
    slope = np.array([LEAKY_SLOPE], dtype=dtype)
    return OnnxMax(Z, OnnxMul(Z, slope, op_version=opv), op_version=opv)


def _elu(Z, dtype, opv):
    """max(z, 0) + exp(min(z, 0)) − 1: onnxruntime has no double Elu."""
    zero, one = np.array([0.0], dtype=dtype), np.array([1.0], dtype=dtype)
    negative = OnnxExp(OnnxMin(Z, zero, op_version=opv), op_version=opv)
    negative = OnnxSub(negative, one, op_version=opv)
    return OnnxAdd(OnnxRelu(Z, op_version=opv), negative, op_version=opv)


def _softplus(Z, dtype, opv):
    """max(z, 0) + log(1 + exp(−abs(z))), finite for any z (onnxruntime has no
    double Softplus)."""
    one = np.array([1.0], dtype=dtype)
    tail = OnnxExp(OnnxNeg(OnnxAbs(Z, op_version=opv), op_version=opv), op_version=opv)
    tail = OnnxLog(OnnxAdd(tail, one, op_version=opv), op_version=opv)
    return OnnxAdd(OnnxRelu(Z, op_version=opv), tail, op_version=opv)


def _silu(Z, dtype, opv):
    """z σ(z)."""
    return OnnxMul(Z, OnnxSigmoid(Z, op_version=opv), op_version=opv)


def _gelu(Z, dtype, opv):
    """½ z (1 + tanh(√(2/π) (z + 0.044715 z³))), PyTorch's tanh GELU, from
    the operators of every opset (ONNX's own Gelu needs opset 20)."""
    const = lambda v: np.array([v], dtype=dtype)  # noqa: E731
    mul = lambda a, b: OnnxMul(a, b, op_version=opv)  # noqa: E731
    cubic = mul(mul(Z, Z), Z)
    inner = OnnxAdd(Z, mul(cubic, const(0.044715)), op_version=opv)
    t = OnnxTanh(mul(inner, const(np.sqrt(2.0 / np.pi))), op_version=opv)
    return mul(mul(Z, const(0.5)), OnnxAdd(t, const(1.0), op_version=opv))


_HIDDEN = {
    "identity": lambda Z, dtype, opv: Z,
    "logistic": lambda Z, dtype, opv: OnnxSigmoid(Z, op_version=opv),
    "tanh": lambda Z, dtype, opv: OnnxTanh(Z, op_version=opv),
    "relu": lambda Z, dtype, opv: OnnxRelu(Z, op_version=opv),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "softplus": _softplus,
    "silu": _silu,
    "gelu": _gelu,
}

# ------------------------------------------------------------ the network


def _float_dtype(input_type):
    """float64 for double inputs, float32 for any other (float, integer)."""
    return np.float64 if isinstance(input_type, DoubleTensorType) else np.float32


def _logits(model, X, dtype, opv):
    """The output layer's logits z^(L) of input variable ``X``, in ``dtype``."""
    if not isinstance(X.type, (FloatTensorType, DoubleTensorType)):
        X = OnnxCast(X, to=TensorProto.FLOAT, op_version=opv)
    A = X
    last = len(model.coefs_) - 1
    names = per_layer(model.activation, last)
    for l, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        W = np.asarray(W, dtype=dtype)
        b = np.asarray(b, dtype=dtype).reshape(1, -1)
        Z = OnnxAdd(OnnxMatMul(A, W, op_version=opv), b, op_version=opv)
        if l == last:
            return Z
        A = _hidden(names[l], Z, dtype, opv)


def _hidden(activation, Z, dtype, opv):
    """The graph of a = σ(z) for one hidden layer."""
    if isinstance(activation, Activation):
        raise NotImplementedError(
            f"skbp.onnx cannot convert the user Activation {activation.name!r}: "
            "its Python functions have no ONNX graph. It converts the named "
            f"activations {sorted(_HIDDEN)}."
        )
    if not (isinstance(activation, str) and activation in _HIDDEN):
        raise NotImplementedError(
            f"skbp.onnx cannot convert hidden activation {activation!r}; "
            f"it converts {sorted(_HIDDEN)}."
        )
    return _HIDDEN[activation](Z, dtype, opv)


def _classes_initializer(scope, container, model):
    """The name of a new initializer holding the classes: int64 for numbers
    (booleans and floats included), UTF-8 strings for the rest, or the class
    indices under option ``nocl``."""
    classes = np.asarray(get_label_classes(scope, model))
    if classes.dtype.kind in "biuf":  # scikit-learn's float classes are integral
        proto_type, values = TensorProto.INT64, classes.astype(np.int64).tolist()
    else:
        proto_type = TensorProto.STRING
        values = [str(c).encode("utf-8") for c in classes]
    name = scope.get_unique_variable_name("classes")
    container.add_initializer(name, proto_type, [len(values)], values)
    return name


# ------------------------------------------------------------- converters


def convert_backprop_classifier(scope, operator, container):
    """skl2onnx converter of :class:`~skbp.BackpropClassifier`.

    Writes the forward pass and the label and probability outputs into the
    graph.  Registered by ``import skbp.onnx``; call it only through skl2onnx.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The naming scope of the graph under construction.
    operator : skl2onnx.common._topology.Operator
        The operator to convert: ``operator.raw_operator`` is the fitted
        model; one input, outputs (label, probabilities).
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.

    Returns
    -------
    None
        The nodes are added to ``container``.

    Examples
    --------
    >>> import numpy as np
    >>> from skl2onnx import to_onnx
    >>> import skbp.onnx
    >>> from skbp import BackpropClassifier
    >>> X = np.random.RandomState(0).randn(60, 3).astype(np.float32)
    >>> y = np.digitize(X[:, 0], [-0.5, 0.5])          # three classes
    >>> model = BackpropClassifier((5,), "tanh", max_iter=1000, random_state=0)
    >>> onx = to_onnx(model.fit(X, y), X[:1], options={"zipmap": False})
    >>> [output.name for output in onx.graph.output]
    ['label', 'probabilities']
    """
    model = operator.raw_operator
    opv = container.target_opset
    dtype = _float_dtype(operator.inputs[0].type)
    label_name, proba_name = (
        operator.outputs[0].full_name,
        operator.outputs[1].full_name,
    )

    Z = _logits(model, operator.inputs[0], dtype, opv)
    zero, one = np.zeros((1,), dtype=dtype), np.ones((1,), dtype=dtype)
    multilabel = model._multilabel
    if model.out_activation_ == "softmax":
        proba = OnnxSoftmax(Z, axis=1, op_version=opv, output_names=[proba_name])
    elif multilabel:
        proba = OnnxSigmoid(Z, op_version=opv, output_names=[proba_name])
    elif model.n_outputs_ == 1:
        proba = OnnxConcat(
            OnnxSigmoid(OnnxNeg(Z, op_version=opv), op_version=opv),
            OnnxSigmoid(Z, op_version=opv),
            axis=1,
            op_version=opv,
            output_names=[proba_name],
        )
    else:
        # σ(z_j) / Σ_k σ(z_k) = softmax(log σ(z)), with
        # log σ(z) = min(z, 0) − log(1 + e^(−|z|)): finite however negative the
        # logits (σ underflows, its log does not), in float and double.
        log_sigmoid = OnnxSub(
            OnnxMin(Z, zero, op_version=opv),
            OnnxLog(
                OnnxAdd(
                    OnnxExp(
                        OnnxNeg(OnnxAbs(Z, op_version=opv), op_version=opv),
                        op_version=opv,
                    ),
                    one,
                    op_version=opv,
                ),
                op_version=opv,
            ),
            op_version=opv,
        )
        proba = OnnxSoftmax(
            log_sigmoid, axis=1, op_version=opv, output_names=[proba_name]
        )

    if multilabel:
        label = OnnxCast(
            OnnxGreater(Z, zero, op_version=opv),
            to=TensorProto.INT64,
            op_version=opv,
            output_names=[label_name],
        )
    else:
        if model.n_outputs_ == 1:
            flat = OnnxReshape(Z, np.array([-1], dtype=np.int64), op_version=opv)
            index = OnnxCast(
                OnnxGreater(flat, zero, op_version=opv),
                to=TensorProto.INT64,
                op_version=opv,
            )
        else:
            index = OnnxArgMax(Z, axis=1, keepdims=0, op_version=opv)
        classes = _classes_initializer(scope, container, model)
        label = OnnxGather(
            classes, index, axis=0, op_version=opv, output_names=[label_name]
        )
    proba.add_to(scope, container)
    label.add_to(scope, container)


def convert_backprop_regressor(scope, operator, container):
    """skl2onnx converter of :class:`~skbp.BackpropRegressor`.

    Writes the forward pass and its output function (identity, or exp for
    ``loss="poisson"``, or a ``skbp.Loss``'s logistic or softmax) into the
    graph.  Registered by ``import skbp.onnx``.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The naming scope of the graph under construction.
    operator : skl2onnx.common._topology.Operator
        The operator to convert: ``operator.raw_operator`` is the fitted
        model; one input, one output of shape (N, n_outputs).
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.

    Returns
    -------
    None
        The nodes are added to ``container``.

    Examples
    --------
    >>> import numpy as np
    >>> from skl2onnx import to_onnx
    >>> import skbp.onnx
    >>> from skbp import BackpropRegressor
    >>> X = np.random.RandomState(0).randn(60, 3).astype(np.float32)
    >>> model = BackpropRegressor((5,), random_state=0)
    >>> onx = to_onnx(model.fit(X, X[:, :2]), X[:1])
    >>> [node.op_type for node in onx.graph.node]
    ['MatMul', 'Add', 'Sigmoid', 'MatMul', 'Add', 'Identity']
    """
    model = operator.raw_operator
    opv = container.target_opset
    dtype = _float_dtype(operator.inputs[0].type)
    name = operator.outputs[0].full_name
    Z = _logits(model, operator.inputs[0], dtype, opv)
    out = model.out_activation_
    if out == "exp":
        Y = OnnxExp(Z, op_version=opv, output_names=[name])
    elif out == "identity":
        Y = OnnxIdentity(Z, op_version=opv, output_names=[name])
    elif out == "logistic":  # a skbp.Loss's output
        Y = OnnxSigmoid(Z, op_version=opv, output_names=[name])
    elif out == "softmax":
        Y = OnnxSoftmax(Z, axis=1, op_version=opv, output_names=[name])
    else:
        raise NotImplementedError(
            f"skbp.onnx cannot convert out_activation_ {out!r}; it converts "
            "'identity', 'exp', 'logistic' and 'softmax'."
        )
    Y.add_to(scope, container)


# ------------------------------------------------------- shape calculators


def calculate_backprop_classifier_output_shapes(operator):
    """skl2onnx shape calculator of :class:`~skbp.BackpropClassifier`.

    skl2onnx's linear-classifier shapes -- labels (N,), int64 or string;
    probabilities (N, n_classes) -- except that a multilabel model's labels
    are an int64 matrix (N, n_labels), as its ``predict`` returns.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator whose output types and shapes to set.

    Returns
    -------
    None
        The outputs of ``operator`` are updated in place.

    Examples
    --------
    >>> import numpy as np
    >>> from skl2onnx import to_onnx
    >>> import skbp.onnx
    >>> from skbp import BackpropClassifier
    >>> X = np.random.RandomState(0).randn(60, 3).astype(np.float32)
    >>> Y = (X[:, :2] > 0).astype(int)                 # two labels
    >>> model = BackpropClassifier((5,), max_iter=1000, random_state=0).fit(X, Y)
    >>> onx = to_onnx(model, X[:1], options={"zipmap": False})
    >>> label = onx.graph.output[0].type.tensor_type
    >>> label.elem_type == 7, label.shape.dim[1].dim_value      # int64, 2 labels
    (True, 2)
    """
    calculate_linear_classifier_output_shapes(operator)
    model = operator.raw_operator
    if model._multilabel:
        n = operator.inputs[0].get_first_dimension()
        operator.outputs[0].set_type(Int64TensorType([n, len(model.classes_)]))


def calculate_backprop_regressor_output_shapes(operator):
    """skl2onnx shape calculator of :class:`~skbp.BackpropRegressor`.

    One output of shape (N, n_outputs): float for float or integer inputs,
    double for double inputs.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator whose output type and shape to set.

    Returns
    -------
    None
        The output of ``operator`` is updated in place.

    Examples
    --------
    >>> import numpy as np
    >>> from skl2onnx import to_onnx
    >>> import skbp.onnx
    >>> from skbp import BackpropRegressor
    >>> X = np.random.RandomState(0).randn(60, 3)
    >>> model = BackpropRegressor((5,), random_state=0)
    >>> onx = to_onnx(model.fit(X, X[:, :2]), X[:1])    # float64 in, double out
    >>> out = onx.graph.output[0].type.tensor_type
    >>> out.elem_type == 11, out.shape.dim[1].dim_value
    (True, 2)
    """
    calculate_linear_regressor_output_shapes(operator)
    n = operator.inputs[0].get_first_dimension()
    tensor = type(operator.outputs[0].type)
    operator.outputs[0].set_type(tensor([n, operator.raw_operator.n_outputs_]))


# ------------------------------------------------------------ registration


def register():
    """Register skbp's converters with skl2onnx (done by ``import skbp.onnx``).

    Idempotent: call it again to restore them after something else has
    registered other converters for skbp's classes.

    Returns
    -------
    None

    Examples
    --------
    >>> import skbp.onnx
    >>> from skl2onnx import supported_converters
    >>> skbp.onnx.register()
    >>> skbp.onnx.CLASSIFIER_ALIAS in supported_converters()
    True
    """
    update_registered_converter(
        BackpropClassifier,
        CLASSIFIER_ALIAS,
        calculate_backprop_classifier_output_shapes,
        convert_backprop_classifier,
        options=CLASSIFIER_OPTIONS,
    )
    update_registered_converter(
        BackpropRegressor,
        REGRESSOR_ALIAS,
        calculate_backprop_regressor_output_shapes,
        convert_backprop_regressor,
    )


register()

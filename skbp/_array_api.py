"""The one place skbp uses scikit-learn's array-API helpers.

``sklearn.utils._array_api`` is private: every use of it is here, so that a
change in scikit-learn breaks one small module (``tests/test_array_api.py``
tests it).  With ``sklearn.set_config(array_api_dispatch=True)`` (and
``SCIPY_ARRAY_API=1`` set before SciPy is imported), arrays from PyTorch,
CuPy or array-api-strict keep their namespace and device; without it every
input is converted to NumPy, as before.  Dispatch needs scikit-learn >= 1.9
(older ones mix namespaces and devices in their metrics and label helpers);
skbp refuses it, clearly, on older ones.  scikit-learn 1.7, the oldest skbp
supports, lacks ``move_to`` (1.8): ``move_via_host`` stands in for it there.
"""

import numpy as np
import sklearn
from scipy import sparse
from sklearn import get_config
from sklearn.externals import array_api_compat
from sklearn.utils._array_api import _convert_to_numpy, get_namespace_and_device
from sklearn.utils.fixes import parse_version

try:  # scikit-learn >= 1.8
    from sklearn.utils._array_api import move_to
except ImportError:  # scikit-learn 1.7: no move_to; the stand-in below
    move_to = None

__all__ = [
    "DISPATCH_REFUSAL",
    "as_data",
    "check_fitted_namespace",
    "check_fitted_without_dispatch",
    "dispatch_enabled",
    "dispatch_refusal",
    "host",
    "is_numpy",
    "is_numpy_namespace",
    "move_via_host",
    "namespace_of",
    "to_namespace",
    "to_numpy",
]


def dispatch_refusal(version):
    """Why scikit-learn ``version`` cannot carry skbp's dispatch, or None.

    Examples
    --------
    >>> dispatch_refusal("1.9.1") is None
    True
    >>> print(dispatch_refusal("1.8.0"))  # doctest: +ELLIPSIS
    skbp's array-API engine requires scikit-learn >= 1.9 (found 1.8.0) ...
    """
    if parse_version(version).release[:2] >= (1, 9):
        return None
    return (
        f"skbp's array-API engine requires scikit-learn >= 1.9 (found {version}) "
        "for array_api_dispatch=True: upgrade scikit-learn, or turn dispatch off "
        "(sklearn.set_config(array_api_dispatch=False)) to train in NumPy."
    )


#: The refusal for the installed scikit-learn (None from 1.9 on).
DISPATCH_REFUSAL = dispatch_refusal(sklearn.__version__)


def namespace_of(*arrays):
    """``(xp, device)`` shared by ``arrays`` (NumPy's unless dispatch is on)."""
    if DISPATCH_REFUSAL is not None and dispatch_enabled():
        raise ImportError(DISPATCH_REFUSAL)
    xp, _, device = get_namespace_and_device(*arrays)
    return xp, device


def is_numpy(array):
    """True for NumPy arrays and SciPy sparse matrices: the NumPy fast path."""
    return isinstance(array, np.ndarray) or sparse.issparse(array)


def to_namespace(*arrays, xp, device):
    """``arrays`` moved to ``xp`` and ``device`` (None entries stay None)."""
    return (move_to or move_via_host)(*arrays, xp=xp, device=device)


def to_numpy(array):
    """A NumPy copy (or the array itself) of any array, on the host."""
    if array is None or is_numpy(array):
        return array
    return to_namespace(as_data(array), xp=np, device="cpu")


def host(value):
    """An array of a non-NumPy namespace (dispatch on) moved to NumPy; lists,
    pandas objects, NumPy and sparse arrays as they are."""
    value = as_data(value)
    if value is None or is_numpy(value):
        return value
    xp, _ = namespace_of(value)
    return value if is_numpy_namespace(xp) else to_numpy(value)


def as_data(array):
    """``array`` without an autograd graph: a tensor that requires grad
    (PyTorch's ``requires_grad=True``) detached, a view sharing its memory;
    anything else as it is.

    Inputs are data: skbp derives its gradients by hand, and in-place updates
    on a tensor that records a graph are refused by PyTorch; nor should a
    prediction hand back a graph.
    """
    if getattr(array, "requires_grad", False) is True:
        return array.detach()
    return array


def is_numpy_namespace(xp):
    """True for NumPy itself and its array-API wrapper."""
    return xp.__name__ in ("numpy", "array_api_compat.numpy") or xp.__name__.endswith(
        ".array_api_compat.numpy"
    )


def dispatch_enabled():
    """Whether ``sklearn.set_config(array_api_dispatch=True)`` is in force."""
    return get_config()["array_api_dispatch"]


def check_fitted_namespace(X, fitted, owner, method):
    """X must live where the fitted weights do (with dispatch on).

    Mirrors ``sklearn.utils._array_api.check_same_namespace``, whose message
    scikit-learn's estimator checks look for; the weights here are a list.
    """
    if not dispatch_enabled():
        check_fitted_without_dispatch(fitted, owner, method)
        return
    (w_xp, w_device), (X_xp, X_device) = namespace_of(fitted), namespace_of(X)
    if is_numpy_namespace(w_xp) and is_numpy_namespace(X_xp):
        return
    if w_xp == X_xp and w_device == X_device:
        return
    raise ValueError(
        f"Inputs passed to {owner}.{method}() must use the same namespace and the "
        f"same device as those passed to fit(): the model's weights are "
        f"{w_xp.__name__} arrays on {w_device!r}, X is {X_xp.__name__} on "
        f"{X_device!r}. Pass X where the model was fitted, or refit it on X's "
        "namespace and device."
    )


def check_fitted_without_dispatch(fitted, owner, method):
    """With dispatch off, a model must hold NumPy weights: say what happened
    to one fitted on another namespace, and the two ways out."""
    if dispatch_enabled() or is_numpy(fitted):
        return
    library = type(fitted).__module__.split(".")[0]
    raise ValueError(
        f"{owner}.{method}() was called with array_api_dispatch off, but the "
        f"model's weights are {library} arrays on "
        f"{getattr(fitted, 'device', None)!r} (fitted or moved there with "
        "dispatch on), and with dispatch off skbp takes NumPy only. Either "
        "turn dispatch on (sklearn.set_config(array_api_dispatch=True), or a "
        "sklearn.config_context) and pass "
        f"{library} arrays, or move the model to NumPy: 'from "
        "sklearn.utils._array_api import move_estimator_to; "
        'model = move_estimator_to(model, numpy, "cpu")\'.'
    )


# scikit-learn 1.7 (the oldest skbp supports) has no ``move_to``; it arrived
# in 1.8.  There dispatch is refused (DISPATCH_REFUSAL), so this stand-in
# moves NumPy to NumPy, or a stray array of another library to NumPy.  It
# keeps move_to's contract but goes through NumPy on the host instead of
# DLPack, and does not cast float64 to float32 for devices without float64.
def move_via_host(*arrays, xp, device):
    """``move_to`` of scikit-learn >= 1.8, through a NumPy copy on the host.

    Arrays already in ``xp`` on ``device`` and None entries come back as they
    are; sparse matrices pass through to NumPy and are refused elsewhere.  One
    array in, one array out; several in, a tuple out.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.arange(3.0)
    >>> move_via_host(a, xp=np, device="cpu") is a
    True
    >>> move_via_host(a, None, xp=np, device="cpu")[1] is None
    True
    """
    moved = tuple(_move_one(array, xp, device) for array in arrays)
    return moved[0] if len(moved) == 1 else moved


def _move_one(array, xp, device):
    """One entry of ``move_via_host``."""
    if array is None:
        return None
    if sparse.issparse(array):
        if not is_numpy_namespace(xp):
            raise TypeError(
                "Sparse arrays are only accepted (and passed through) when the "
                "target namespace is Numpy"
            )
        return array
    # The array's own namespace, whatever the dispatch setting says.
    array_xp = array_api_compat.array_namespace(array)
    if array_xp == xp and array_api_compat.device(array) == device:
        return array
    on_host = _convert_to_numpy(array, array_xp)
    return on_host if is_numpy_namespace(xp) else xp.asarray(on_host, device=device)

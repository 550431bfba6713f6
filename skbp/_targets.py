"""Targets: label encoding, class weights and sample weights."""

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target


def check_targets(y):
    """Validate classification targets; returns the target type."""
    check_classification_targets(y)
    kind = type_of_target(y, input_name="y")
    if kind not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(
            f"y must be binary, multiclass or a multilabel indicator matrix; "
            f"got a {kind!r} target."
        )
    return kind


def fit_binarizer(y, classes=None):
    """A LabelBinarizer fitted on ``classes`` (or on y's labels).

    Errors name what the classes were read from: ``y``, or partial_fit's
    ``classes``.
    """
    binarizer = LabelBinarizer()
    binarizer.fit(y if classes is None else classes)
    if binarizer.y_type_ != "multilabel-indicator" and len(binarizer.classes_) < 2:
        if classes is not None:
            raise ValueError(
                f"classes has only one class ({binarizer.classes_[:1].tolist()[0]!r}); "
                "partial_fit's classes must list every class the stream will "
                "contain, at least 2 (e.g. np.unique(y_all))."
            )
        raise ValueError(
            f"y has only one class ({binarizer.classes_[:1].tolist()[0]!r}); a "
            "classifier needs samples of at least 2 classes."
        )
    return binarizer


def encode(kind, classes, y):
    """Targets as a compact 0/1 matrix of uint8, one column per output.

    ``kind`` is the fitted target type (LabelBinarizer's ``y_type_``) and
    ``classes`` the sorted labels, a NumPy array.  One column for binary y
    (1 for ``classes[1]``), one per class for multiclass y (one-hot), and y
    itself for a multilabel indicator matrix: LabelBinarizer's encoding,
    built without its int64 intermediate.  The training loop converts one
    mini-batch at a time to the model's dtype.
    """
    if kind == "multilabel-indicator":
        return np.asarray(y.toarray() if hasattr(y, "toarray") else y, np.uint8)
    index = np.searchsorted(classes, y)
    if len(classes) == 2:
        return (index == 1).astype(np.uint8)[:, None]
    Y = np.zeros((len(index), len(classes)), np.uint8)
    Y[np.arange(len(index)), index] = 1
    return Y


def check_sample_weight(sample_weight, n_samples, name="sample_weight"):
    """A float64 copy of ``sample_weight``, checked: finite, ≥ 0, shape (n,)."""
    if sample_weight is None:
        return None
    sw = np.asarray(sample_weight)
    if sw.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be numeric; got dtype {sw.dtype}.")
    sw = np.array(
        np.broadcast_to(sw, (n_samples,)) if sw.ndim == 0 else sw, dtype=np.float64
    )
    if sw.shape != (n_samples,):
        raise ValueError(f"{name} must have shape ({n_samples},); got {sw.shape}.")
    if not np.all(np.isfinite(sw)) or np.any(sw < 0):
        raise ValueError(f"{name} must be finite and non-negative.")
    if sw.sum() <= 0:
        raise ValueError(f"{name} must not be all zero: their sum is 0.")
    return sw


def class_weights(class_weight, y, classes, sample_weight=None, multilabel=False):
    """Per-sample weights from ``class_weight`` (None when it is None).

    'balanced' gives class c the weight n / (k · n_c) over the k classes
    present in ``y``, counting samples by ``sample_weight`` (so that a weight
    of 2 and a repeated sample stay the same thing); a dict maps class labels
    to weights (classes it omits get 1).
    """
    if class_weight is None:
        return None
    if multilabel:
        if class_weight != "balanced":
            raise ValueError(
                "class_weight for multilabel y must be None or 'balanced'; got a "
                f"{type(class_weight).__name__}."
            )
        return compute_sample_weight("balanced", y)
    if class_weight == "balanced":
        present, inverse = np.unique(y, return_inverse=True)
        sw = np.ones(len(y)) if sample_weight is None else sample_weight
        counts = np.bincount(inverse, weights=sw, minlength=len(present))
        with np.errstate(divide="ignore"):
            per_class = np.where(counts > 0, sw.sum() / (len(present) * counts), 0.0)
        return per_class[inverse]
    unknown = [c for c in class_weight if c not in set(classes.tolist())]
    if unknown:
        raise ValueError(
            f"class_weight has keys {unknown} that are not classes of y; "
            f"the classes are {classes.tolist()}."
        )
    table = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
    return table[np.searchsorted(classes, y)]


def combine_weights(sample_weight, per_class):
    """sample_weight × class weight, either possibly None."""
    if per_class is None:
        return sample_weight
    if sample_weight is None:
        return per_class
    return sample_weight * per_class

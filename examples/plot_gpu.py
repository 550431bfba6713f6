"""
Training on a GPU: PyTorch tensors in, PyTorch tensors out
==========================================================

skbp's engine is written against the array API standard, so with
scikit-learn's array-API dispatch on, ``BackpropClassifier`` trains on the
arrays it is given, where they live: torch tensors on a CUDA device train on
that GPU, and predictions come back as tensors on it. Three lines turn it on:

.. code-block:: python

    os.environ["SCIPY_ARRAY_API"] = "1"  # before SciPy is first imported
    sklearn.set_config(array_api_dispatch=True)
    X, y = torch.asarray(X, device="cuda"), torch.asarray(y, device="cuda")

The first must run before anything imports SciPy (scikit-learn does), so put
it at the top of the script, or set the variable in the shell.

Here we fit ``make_pipeline(StandardScaler(), BackpropClassifier())`` on the
digits as float32 tensors (scikit-learn's ``StandardScaler`` supports the
array API too, so the whole pipeline stays on the device), look at where the
weights live, score on the test tensors, then fit the same pipeline on the
same data as NumPy arrays with the same ``random_state``: both start from the
same weights and see the same mini-batches, so they end with the same weights
up to float32 rounding. The device is ``"cuda"`` when PyTorch sees a GPU and
``"cpu"`` otherwise; 1,347 images of 64 pixels are far too few for a GPU to
pay off (``benchmarks/gpu.py`` times larger networks). Without PyTorch the
example says so and stops.

The loss curves are saved as ``gpu.png`` when matplotlib (the optional
``skbp[plot]`` extra) is installed. ``SKBP_EXAMPLES_QUICK=1`` caps the epochs.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # 1. before SciPy is first imported

import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skbp import BackpropClassifier  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is never required by skbp itself
    torch = None

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
MAX_ITER = 20 if QUICK else 200

if torch is None:
    print(
        "This example trains on PyTorch tensors, and PyTorch is not installed "
        "(pip install torch). Nothing to show: stopping here."
    )
    sys.exit(0)

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
sklearn.set_config(array_api_dispatch=True)  # 2. dispatch on


def make_model():
    return make_pipeline(
        StandardScaler(), BackpropClassifier(max_iter=MAX_ITER, random_state=0)
    )


def fit_timed(model, X, y):
    """``model.fit(X, y)`` and its seconds; in quick mode the
    ConvergenceWarning of an unfinished fit is expected and hidden."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        if QUICK:
            warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - start


# %%
# Data: the digits in float32, split on the host, then moved to the device.


X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X.astype(np.float32), y, test_size=0.25, stratify=y, random_state=0
)
X_train_t, X_test_t, y_train_t, y_test_t = (
    torch.asarray(a, device=DEVICE)  # 3. tensors where training should run
    for a in (X_train, X_test, y_train, y_test)
)
where = torch.cuda.get_device_name() if DEVICE == "cuda" else "no GPU: CPU tensors"
print(f"device: {DEVICE} ({where})")
print(f"X_train: {type(X_train_t).__name__} {tuple(X_train_t.shape)} {X_train_t.dtype}")
print(
    f"y_train: {type(y_train_t).__name__} {tuple(y_train_t.shape)} {y_train_t.dtype}\n"
)

# %%
# Fit and predict on tensors. The scaler's statistics, the network's weights
# and the predictions all stay on the device.

model_t = make_model()
seconds_t = fit_timed(model_t, X_train_t, y_train_t)
net_t = model_t[-1]
y_pred = model_t.predict(X_test_t)
mean, W = model_t[0].mean_, net_t.coefs_[0]
print(f"{'scaler mean_':<24}{type(mean).__name__} {mean.dtype} on {mean.device}")
print(f"{'coefs_[0]':<24}{type(W).__name__} {tuple(W.shape)} {W.dtype} on {W.device}")
print(
    f"{'predict(X_test)':<24}{type(y_pred).__name__} {y_pred.dtype} on {y_pred.device}"
)
print(f"{'epochs run':<24}{net_t.n_iter_}")
print(f"{'fit time (s)':<24}{seconds_t:.2f}")
print(f"{'test accuracy':<24}{model_t.score(X_test_t, y_test_t):.4f}\n")

# %%
# The same pipeline on NumPy arrays (dispatch changes nothing for them):
# the same random_state gives the same initial weights and batch order, so
# the two fits differ only by float32 rounding.

model_np = make_model()
seconds_np = fit_timed(model_np, X_train, y_train)
net_np = model_np[-1]
weights_t = [p.cpu().numpy() for p in (*net_t.coefs_, *net_t.intercepts_)]
weights_np = [*net_np.coefs_, *net_np.intercepts_]
difference = max(float(np.max(np.abs(a - b))) for a, b in zip(weights_t, weights_np))
same_predictions = np.mean(y_pred.cpu().numpy() == model_np.predict(X_test))
print(f"{'NumPy fit time (s)':<24}{seconds_np:.2f}")
print(f"{'NumPy epochs run':<24}{net_np.n_iter_}")
print(f"{'NumPy test accuracy':<24}{model_np.score(X_test, y_test):.4f}")
print(f"{'max |weight difference|':<24}{difference:.1e}")
print(f"{'same predictions':<24}{same_predictions:.1%}")
assert difference < 1e-3, difference

# %%
# The loss per epoch of both fits: one curve drawn over the other.

if plt is not None:
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(net_np.loss_curve_, label="NumPy", linewidth=4, alpha=0.4)
    ax.plot(net_t.loss_curve_, "--", label=f"torch on {DEVICE}")
    ax.set(xlabel="epoch", ylabel="training loss", title="The same fit, two namespaces")
    ax.legend()
    fig.tight_layout()
    fig.savefig("gpu.png", dpi=100)
    print("\nloss curves saved to gpu.png")

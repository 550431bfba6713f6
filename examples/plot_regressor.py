"""
BackpropRegressor against scikit-learn's MLPRegressor
=====================================================

``BackpropRegressor`` is the regression twin of ``BackpropClassifier``: by
default the seed's network for regression — logistic hidden units, the
quadratic cost J = ½‖a − y‖² and an identity output — trained by the same
hand-derived back-propagation. It takes every parameter of scikit-learn's
:class:`~sklearn.neural_network.MLPRegressor`, so we compare the two on two
data sets, Friedman #1 (``make_friedman1``: 1000 samples, 10 features of which
5 matter) and scikit-learn's diabetes data (442 patients, a target in the
hundreds, left unscaled as users pass it), each standardised by a
:class:`~sklearn.preprocessing.StandardScaler` in a pipeline:

* **each one's defaults**: skbp's logistic units and its default solver and
  step size (chosen by ``benchmarks/choose_defaults_regressor.py``) against
  MLPRegressor's relu units and Adam with ``learning_rate_init=0.001``;
* **matched settings**: ``BackpropRegressor(**mlp.get_params())`` for an
  MLPRegressor with ``tanh`` units. With a ``tanh`` (or ``logistic``) hidden
  layer and the same ``random_state`` the two start from the same weights and
  see the mini-batches in the same order, so their predictions should agree
  to rounding error. (With ``relu`` they would differ from the first step:
  skbp initialises relu layers with He et al.'s bound, MLPRegressor with
  Glorot's.)

We print test R² and fit time for each, and the largest difference between
the matched pair's predictions, then plot predicted against true targets for
both libraries' defaults. The figure is saved as ``regressor.png`` when
matplotlib (the optional ``skbp[plot]`` extra) is installed.
``SKBP_EXAMPLES_QUICK=1`` caps the epochs.
"""

import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbp import BackpropRegressor

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
MAX_ITER = 15 if QUICK else 200

DATASETS = {
    "friedman1": make_friedman1(n_samples=1000, noise=1.0, random_state=0),
    "diabetes": load_diabetes(return_X_y=True),
}


def fit_and_score(model, X_train, y_train, X_test, y_test):
    """Fit on the training split; (test R², seconds, converged)."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model.score(X_test, y_test), seconds, converged


default = BackpropRegressor()
print(
    f"skbp defaults: activation={default.activation!r}, loss={default.loss!r}, "
    f"solver={default.solver!r}, learning_rate_init={default.learning_rate_init}"
)
print(
    "MLP defaults:  activation='relu', loss='squared_error', solver='adam', "
    "learning_rate_init=0.001"
)

# %%
# Test R² and fit time, each library's defaults and matched settings.

predictions = {}
for dataset, (X, y) in DATASETS.items():
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    mlp_matched = MLPRegressor(
        activation="tanh", learning_rate_init=0.01, max_iter=MAX_ITER, random_state=0
    )
    models = {
        "skbp, defaults": BackpropRegressor(max_iter=MAX_ITER, random_state=0),
        "MLP, defaults": MLPRegressor(max_iter=MAX_ITER, random_state=0),
        "skbp, matched": BackpropRegressor(**mlp_matched.get_params()),
        "MLP, matched": mlp_matched,
    }
    print(
        f"\n{dataset}: {len(X_train)} training, {len(X_test)} test samples, "
        f"target from {y.min():.1f} to {y.max():.1f}"
    )
    print(f"{'model':<16} {'test R²':>8} {'fit s':>6} {'epochs':>6}  stopped by")
    for name, model in models.items():
        pipeline = make_pipeline(StandardScaler(), model)
        r2, seconds, converged = fit_and_score(
            pipeline, X_train, y_train, X_test, y_test
        )
        predictions[dataset, name] = pipeline.predict(X_test)
        print(
            f"{name:<16} {r2:>8.4f} {seconds:>6.2f} {model.n_iter_:>6}  "
            f"{'no progress' if converged else 'max_iter'}"
        )
    predictions[dataset, "true"] = y_test

    # The matched pair, from the same initial weights and the same batches.
    skbp_pred = predictions[dataset, "skbp, matched"]
    gap = np.max(np.abs(skbp_pred - predictions[dataset, "MLP, matched"]))
    skbp_curve = np.array(models["skbp, matched"].loss_curve_)
    mlp_curve = np.array(models["MLP, matched"].loss_curve_)
    n = min(len(skbp_curve), len(mlp_curve))
    print(
        f"matched settings: largest |difference| between the predictions "
        f"{gap:.2e} (targets' scale {np.std(y_test):.1f}); between the loss "
        f"curves over {n} epochs "
        f"{np.max(np.abs(skbp_curve[:n] - mlp_curve[:n])):.2e}"
    )

# %%
# Predicted against true targets, each library's defaults. On diabetes the
# target is in the hundreds and unscaled: Adam moves each weight by about
# ``learning_rate_init`` per step, so a small step size needs many epochs just
# to reach the target's level.

if plt is not None:
    fig, axes = plt.subplots(1, len(DATASETS), figsize=(11, 4.5))
    for ax, dataset in zip(axes, DATASETS):
        truth = predictions[dataset, "true"]
        for name, marker in [("skbp, defaults", "o"), ("MLP, defaults", "x")]:
            ax.scatter(
                truth,
                predictions[dataset, name],
                marker=marker,
                s=16,
                alpha=0.6,
                label=name,
            )
        lo, hi = truth.min(), truth.max()
        ax.plot([lo, hi], [lo, hi], "k--", linewidth=1, label="predicted = true")
        ax.set(xlabel="true target", ylabel="predicted target", title=dataset)
        ax.legend()
    fig.tight_layout()
    fig.savefig("regressor.png", dpi=100)
    print("\nsaved regressor.png")

"""
Quickstart: fit, predict and score on the digits
================================================

``BackpropClassifier`` is a scikit-learn estimator, so it goes wherever one
goes: here at the end of a :class:`~sklearn.pipeline.Pipeline` that first
standardises the 64 pixel intensities of scikit-learn's bundled 8x8 digits.
With its defaults the network is the seed's: one hidden layer of sigmoid
units trained on the quadratic cost J = ½‖a − y‖², here with Adam.

We fit on three quarters of the images, predict the rest, and print the test
accuracy, per-class precision and recall, and a few predicted probabilities,
and draw the training loss per epoch and the test set's confusion matrix
(``quickstart.png``, with matplotlib: the optional ``skbp[plot]`` extra).
Set ``SKBP_EXAMPLES_QUICK=1`` for a few-second run with fewer epochs.
"""

import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
MAX_ITER = 20 if QUICK else 200

# %%
# Data: 1797 images of 8x8 pixels, 10 classes, split stratified by class.

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
print(
    f"digits: {len(X_train)} training and {len(X_test)} test images, "
    f"{X.shape[1]} features\n"
)

# %%
# Fit. In quick mode training stops at ``max_iter`` before it has converged;
# the ConvergenceWarning that says so is expected there.

model = make_pipeline(
    StandardScaler(), BackpropClassifier(max_iter=MAX_ITER, random_state=0)
)
start = time.perf_counter()
with warnings.catch_warnings():
    if QUICK:
        warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X_train, y_train)
fit_seconds = time.perf_counter() - start
net = model[-1]

# %%
# Predict and score.

y_pred = model.predict(X_test)
print(f"{'hidden units':<24}{net.hidden_layer_sizes}")
print(f"{'activation / loss':<24}{net.activation} / {net.loss}")
print(f"{'epochs run':<24}{net.n_iter_}")
print(f"{'final training loss':<24}{net.loss_:.4f}")
print(f"{'fit time (s)':<24}{fit_seconds:.2f}")
print(f"{'train accuracy':<24}{model.score(X_train, y_train):.4f}")
print(f"{'test accuracy':<24}{model.score(X_test, y_test):.4f}\n")

print(classification_report(y_test, y_pred, digits=3))

# %%
# ``predict_proba`` gives one row per image, columns in the order of
# ``classes_``. With the quadratic cost the ten sigmoid outputs are
# independent, so the estimator normalises them to sum to one.

proba = model.predict_proba(X_test[:5])
print("first five test images: true label, prediction, P(prediction)")
for label, pred, row in zip(y_test[:5], y_pred[:5], proba, strict=True):
    print(f"  {label:>2} {pred:>4}   {row.max():.3f}")
assert np.allclose(proba.sum(axis=1), 1.0)

# %%
# The training loss after each epoch (``loss_curve_``) and where the test
# images' predictions land: most mistakes are between similar-looking digits.

if plt is not None:
    fig, (ax_loss, ax_cm) = plt.subplots(1, 2, figsize=(11, 4.5))
    ax_loss.plot(range(1, net.n_iter_ + 1), net.loss_curve_)
    ax_loss.set(
        xlabel="epoch", ylabel="training loss", yscale="log", title="loss_curve_"
    )
    ConfusionMatrixDisplay.from_predictions(y_test, y_pred, ax=ax_cm, colorbar=False)
    ax_cm.set_title("test set: true vs. predicted digit")
    fig.tight_layout()
    fig.savefig("quickstart.png", dpi=100)
    print("\nsaved quickstart.png")

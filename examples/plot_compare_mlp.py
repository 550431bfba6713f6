"""
BackpropClassifier against scikit-learn's MLPClassifier
=======================================================

Both estimators train a multi-layer perceptron by back-propagation with the
same optimizers and the same hyperparameters, so on the same digits split we
compare them twice:

* **matched settings**: the same hidden layer, activation, solver, learning
  rate, batch size and ``alpha``, and ``loss="log_loss"`` for skbp, whose
  default is the seed's quadratic cost. With a ``tanh`` (or ``logistic``)
  hidden layer and the same ``random_state`` the two even start from the same
  weights and see the mini-batches in the same order, so their loss curves
  should agree to rounding error: an end-to-end check of the hand-derived
  gradients against scikit-learn's. (With ``relu`` they would differ from the
  first step: skbp initialises relu layers with He et al.'s bound,
  MLPClassifier with Glorot's.)
* **each one's defaults**: skbp's logistic units, quadratic cost and
  ``learning_rate_init=0.01`` against MLPClassifier's relu units, log-loss and
  ``learning_rate_init=0.001``.

We print test accuracy, fit time and epochs for each, then the learning
curves: the training loss per epoch (``loss_curve_``) and the validation
accuracy per epoch of the matched pair refitted with ``early_stopping=True``
(``validation_scores_``). The two hold out different 10% validation sets —
skbp stratifies the split by class, MLPClassifier does not for multiclass
targets — so those curves are close but not identical. skbp could instead
take an explicit ``X_val, y_val`` in ``fit``; MLPClassifier cannot.

The figure is saved as ``compare_mlp.png`` when matplotlib (the optional
``skbp[plot]`` extra) is installed. ``SKBP_EXAMPLES_QUICK=1`` caps the epochs.
"""

import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
MAX_ITER = 15 if QUICK else 200

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

MATCHED = dict(
    hidden_layer_sizes=(64,),
    activation="tanh",
    solver="adam",
    learning_rate_init=1e-3,
    batch_size=64,
    alpha=1e-4,
    max_iter=MAX_ITER,
    random_state=0,
)
models = {
    "skbp, matched": BackpropClassifier(**MATCHED, loss="log_loss"),
    "MLP, matched": MLPClassifier(**MATCHED),
    "skbp, defaults": BackpropClassifier(max_iter=MAX_ITER, random_state=0),
    "MLP, defaults": MLPClassifier(max_iter=MAX_ITER, random_state=0),
    "skbp, matched + early stop": BackpropClassifier(
        **MATCHED, loss="log_loss", early_stopping=True
    ),
    "MLP, matched + early stop": MLPClassifier(**MATCHED, early_stopping=True),
}


def fit_and_score(model):
    """Fit on the training split; (test accuracy, seconds, converged)."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model.score(X_test, y_test), seconds, converged


# %%
# Accuracy and time.

print(f"digits: {len(X_train)} training, {len(X_test)} test images\n")
print(
    f"{'model':<28} {'test acc':>8} {'fit s':>6} {'epochs':>6}  "
    f"{'best val':>8}  stopped by"
)
for name, model in models.items():
    accuracy, seconds, converged = fit_and_score(model)
    best_val = model.best_validation_score_
    best_val = "" if best_val is None else f"{best_val:.4f}"
    print(
        f"{name:<28} {accuracy:>8.4f} {seconds:>6.2f} {model.n_iter_:>6}  "
        f"{best_val:>8}  {'no progress' if converged else 'max_iter'}"
    )

# %%
# The matched pair from the same initial weights: how far apart are the
# loss curves?

skbp_curve = np.array(models["skbp, matched"].loss_curve_)
mlp_curve = np.array(models["MLP, matched"].loss_curve_)
n = min(len(skbp_curve), len(mlp_curve))
print(
    f"\nmatched settings: largest |difference| between the two loss curves "
    f"over {n} epochs: {np.max(np.abs(skbp_curve[:n] - mlp_curve[:n])):.2e}"
)
print(
    "defaults: skbp logistic + squared_error + lr 0.01; "
    "MLP relu + log_loss + lr 0.001 (different losses: compare accuracy, "
    "not loss values)"
)

# %%
# Learning curves, first epochs of each run.

print(
    "\nepoch  "
    + "  ".join(
        f"{name:>14}"
        for name in ["skbp loss", "MLP loss", "skbp val acc", "MLP val acc"]
    )
)
skbp_val = models["skbp, matched + early stop"].validation_scores_
mlp_val = models["MLP, matched + early stop"].validation_scores_
for epoch in [1, 2, 5, 10, 20, 50, 100, 200]:
    cells = []
    for series in [skbp_curve, mlp_curve, skbp_val, mlp_val]:
        cells.append(
            f"{series[epoch - 1]:>14.4f}" if epoch <= len(series) else f"{'-':>14}"
        )
    print(f"{epoch:>5}  " + "  ".join(cells))

if plt is not None:
    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(11, 4))
    for name, style in [
        ("skbp, matched", "-"),
        ("MLP, matched", "--"),
        ("skbp, defaults", "-"),
        ("MLP, defaults", "--"),
    ]:
        ax_loss.plot(
            np.arange(1, len(models[name].loss_curve_) + 1),
            models[name].loss_curve_,
            style,
            label=name,
        )
    ax_loss.set(
        xlabel="epoch", ylabel="training loss", yscale="log", title="loss_curve_"
    )
    ax_loss.legend()
    for name, style in [
        ("skbp, matched + early stop", "-"),
        ("MLP, matched + early stop", "--"),
    ]:
        scores = models[name].validation_scores_
        ax_val.plot(np.arange(1, len(scores) + 1), scores, style, label=name)
    ax_val.set(
        xlabel="epoch",
        ylabel="validation accuracy",
        title="validation_scores_ (early_stopping=True)",
    )
    ax_val.legend()
    fig.tight_layout()
    fig.savefig("compare_mlp.png", dpi=100)
    print("\nsaved compare_mlp.png")

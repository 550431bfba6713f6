"""
L2 weight decay: alpha, accuracy and the size of the weights
============================================================

The seed's "future notes" suggest adding the weight decay of the UFLDL
tutorial. ``BackpropClassifier`` has it as ``alpha``, with MLPClassifier's
scaling: the cost of each gradient step is the mean per-sample cost over the
m rows it sees plus

    alpha / (2 m) · Σ_l ‖W^(l)‖²

over the weight matrices (biases are not decayed; with sample weights, m is
the sum of the rows' weights). UFLDL adds (λ / 2) · Σ_l ‖W^(l)‖² to the same
mean cost, so **λ = alpha / m**. For ``solver="lbfgs"`` a step sees the whole
training set, m = n; for the stochastic solvers m is the mini-batch size, so
the same alpha regularises more with smaller batches. Here Adam runs on
mini-batches of 200, so λ = alpha / 200.

To make over-fitting visible we train on only 400 of the digits and sweep
alpha, printing train and test accuracy and the total squared weight norm
Σ‖W‖² of the fitted network. Small alpha fits the training set perfectly;
moderate alpha shrinks the weights several-fold at little or no cost in test
accuracy; large alpha shrinks them to nothing and the network collapses to
predicting one class.

The plot (``regularization.png``) needs matplotlib, the optional
``skbp[plot]`` extra. ``SKBP_EXAMPLES_QUICK=1`` sweeps fewer values for fewer
epochs.
"""

import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
ALPHAS = [0.0, 0.1, 10.0] if QUICK else [0.0, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0, 10.0]
MAX_ITER = 20 if QUICK else 200

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, train_size=400, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
BATCH = 200

# %%
# Sweep alpha. Every fit starts from the same initial weights
# (``random_state=0``), so only alpha changes between rows.

rows = []
start = time.perf_counter()
for alpha in ALPHAS:
    net = BackpropClassifier(
        hidden_layer_sizes=(100,),
        alpha=alpha,
        batch_size=BATCH,
        max_iter=MAX_ITER,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit(X_train, y_train)
    weight_norm = sum(float(np.sum(W**2)) for W in net.coefs_)
    rows.append(
        (alpha, net.score(X_train, y_train), net.score(X_test, y_test), weight_norm)
    )
seconds = time.perf_counter() - start

print(
    f"{len(X_train)} training, {len(X_test)} test digits; one hidden layer "
    f"of 100 sigmoid units, quadratic cost, Adam on batches of {BATCH} "
    f"({seconds:.1f} s in all)\n"
)
print(
    f"{'alpha':>7} {'lambda=alpha/m':>14} {'train acc':>9} {'test acc':>8} "
    f"{'sum ||W||^2':>11}"
)
for alpha, train_acc, test_acc, weight_norm in rows:
    print(
        f"{alpha:>7g} {alpha / BATCH:>14.2e} {train_acc:>9.4f} {test_acc:>8.4f} "
        f"{weight_norm:>11.1f}"
    )

# %%
# Plot accuracy and weight norm against alpha. alpha = 0 cannot sit on a log
# axis, so it is drawn as a dashed reference line.

if plt is not None:
    alphas, train_acc, test_acc, norms = map(np.array, zip(*rows, strict=True))
    positive = alphas > 0
    fig, (ax_acc, ax_norm) = plt.subplots(1, 2, figsize=(10, 4))
    ax_acc.semilogx(alphas[positive], train_acc[positive], "o-", label="train")
    ax_acc.semilogx(alphas[positive], test_acc[positive], "s-", label="test")
    ax_acc.axhline(test_acc[~positive][0], ls="--", c="gray", label="test, alpha = 0")
    ax_acc.set(xlabel="alpha", ylabel="accuracy", title="accuracy")
    ax_acc.legend()
    ax_norm.loglog(alphas[positive], norms[positive], "o-")
    ax_norm.axhline(norms[~positive][0], ls="--", c="gray", label="alpha = 0")
    ax_norm.set(
        xlabel="alpha", ylabel="sum of squared weights", title="total weight norm Σ‖W‖²"
    )
    ax_norm.legend()
    fig.tight_layout()
    fig.savefig("regularization.png", dpi=100)
    print("\nsaved regularization.png")

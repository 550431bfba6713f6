"""
Activations, one per layer, your own, and initial weights
=========================================================

``activation`` takes nine names — MLPClassifier's four and 'leaky_relu',
'elu', 'softplus', 'silu', 'gelu' — a list with one per hidden layer, or an
:class:`skbp.Activation` of your own (σ and σ' as two Python functions,
checked with :func:`skbp.gradient_check`); ``init`` chooses the starting
weights. This example

1. draws each named σ from a network of one hidden unit whose weights are
   set by hand, so that ``predict(z)`` *is* σ(z);
2. checks a user activation's derivative, and catches a wrong one;
3. trains each activation, a per-layer list and a few initialisers on half of
   the digits and prints the test accuracy over three seeds.

The figure (``activations.png``) needs matplotlib, the optional
``skbp[plot]`` extra. ``SKBP_EXAMPLES_QUICK=1`` trains one seed for fewer
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

from skbp import Activation, BackpropClassifier, BackpropRegressor, gradient_check

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
SEEDS = [0] if QUICK else [0, 1, 2]
MAX_ITER = 10 if QUICK else 50
NAMES = [
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

# %%
# 1. σ itself: one input, one hidden unit, W = 1, b = 0, and an identity
# output with W = 1, b = 0, so the prediction for input z is σ(z).

z = np.linspace(-4, 4, 161).reshape(-1, 1)
curves = {}
for name in NAMES:
    unit = BackpropRegressor((1,), name, max_iter=1)
    with warnings.catch_warnings():  # fitted only to be given weights by hand
        warnings.simplefilter("ignore", ConvergenceWarning)
        unit.fit([[0.0], [1.0]], [0.0, 1.0])
    unit.coefs_ = [np.ones((1, 1)), np.ones((1, 1))]
    unit.intercepts_ = [np.zeros(1), np.zeros(1)]
    curves[name] = unit.predict(z)
print("sigma(-1), sigma(0), sigma(1):")
for name, a in curves.items():
    print(f"  {name:>10}: {a[60]: .4f} {a[80]: .4f} {a[100]: .4f}")

# %%
# 2. Your own activation: softsign, σ(z) = z / (1 + abs(z)), with
# σ'(z) = 1 / (1 + abs(z))². The gradient check compares back-propagation with
# finite differences; a derivative derived wrongly (here: the square
# forgotten) is caught.


def softsign(z):
    return z / (1 + abs(z))


def softsign_derivative(z, a):
    return 1 / (1 + abs(z)) ** 2


def softsign_derivative_wrong(z, a):
    return 1 / (1 + abs(z))


rng = np.random.RandomState(0)
coefs = [rng.randn(4, 5), rng.randn(5, 3)]
intercepts = [rng.randn(5), rng.randn(3)]
X_small, Y_small = rng.randn(6, 4), np.eye(3)[rng.randint(3, size=6)]
for derivative in (softsign_derivative, softsign_derivative_wrong):
    mine = Activation(softsign, derivative)
    error = gradient_check(coefs, intercepts, X_small, Y_small, activation=mine)
    verdict = "right" if error < 1e-6 else "WRONG"
    print(f"\n{derivative.__name__}: relative error {error:.1e} ({verdict})")
SOFTSIGN = Activation(softsign, softsign_derivative)

# %%
# 3. Train each on half of the digits (scaled), one hidden layer of 64 units
# (two, 64 and 32, for the lists), cross-entropy, Adam.

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

configs = [(name, "auto") for name in NAMES[1:]]
configs += [
    (("gelu", "tanh"), "auto"),
    ((SOFTSIGN, "relu"), "auto"),
    ("relu", "he_normal"),
    ("tanh", "glorot_uniform"),
    ("tanh", "lecun_normal"),
]
rows = []
start = time.perf_counter()
for activation, init in configs:
    hidden = (64, 32) if isinstance(activation, tuple) else (64,)
    scores = []
    for seed in SEEDS:
        net = BackpropClassifier(
            hidden,
            activation,
            loss="log_loss",
            init=init,
            max_iter=MAX_ITER,
            random_state=seed,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            scores.append(net.fit(X_train, y_train).score(X_test, y_test))
    layers = activation if isinstance(activation, tuple) else (activation,)
    label = "+".join(a if isinstance(a, str) else a.name for a in layers)
    rows.append((label, init, np.mean(scores), np.std(scores)))
seconds = time.perf_counter() - start

print(
    f"\n{len(X_train)} training, {len(X_test)} test digits; {MAX_ITER} epochs; "
    f"{len(SEEDS)} seed(s) ({seconds:.1f} s in all)\n"
)
print(f"{'activation':>16} {'init':>15} {'test accuracy':>16}")
for label, init, mean, std in rows:
    print(f"{label:>16} {init:>15} {mean:>10.3f} ± {std:.3f}")

# %%
# Plot the nine functions and the accuracies.

if plt is not None:
    fig, (ax_sigma, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    for name, a in curves.items():
        ax_sigma.plot(z.ravel(), a, label=name)
    ax_sigma.set(xlabel="z", ylabel="σ(z)", title="named activations", ylim=(-2, 4))
    ax_sigma.legend(fontsize=8)
    labels = [lab if init == "auto" else f"{lab} ({init})" for lab, init, *_ in rows]
    ax_acc.barh(labels, [r[2] for r in rows], xerr=[r[3] for r in rows])
    ax_acc.set(xlabel="test accuracy", xlim=(0.9, 1.0), title="digits, half to train")
    fig.tight_layout()
    fig.savefig("activations.png", dpi=100)
    print("\nsaved activations.png")

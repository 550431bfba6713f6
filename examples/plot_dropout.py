"""
Dropout and per-layer activations on few digits
================================================

A wide network trained on few rows learns its training set by heart: every
training digit is classified correctly, and the test accuracy is what is
left.  Dropout (``dropout=p``) zeroes each hidden unit's output with
probability p at every training step and scales the survivors by 1/(1 − p)
(``docs/derivation.md``, section 11), so that no unit can rely on a
particular other one; prediction uses the whole network, unscaled.

Here a network of two hidden layers of 256 units, relu then leaky relu (one
activation per layer: ``activation=("relu", "leaky_relu")``), learns from 200
digits and is tested on the other 1597, for dropout 0, 0.2 and 0.5 and three
seeds (each seed draws its own training rows, initial weights and masks).
The script prints the train and test accuracy of every fit and the gap
between them, and plots the gap against the rate and the test accuracy
epoch by epoch.

``SKBP_EXAMPLES_QUICK=1`` runs one seed of a smaller network for a few
epochs.  The plot (``dropout.png``) needs matplotlib, the optional
``skbp[plot]`` extra.
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
RATES = [0.0, 0.2, 0.5]
SEEDS = [0] if QUICK else [0, 1, 2]
HIDDEN = (32, 32) if QUICK else (256, 256)
EPOCHS = 10 if QUICK else 100
N_TRAIN = 200

X_all, y_all = load_digits(return_X_y=True)


def split(seed):
    """200 training digits (stratified), the rest for testing; scaled."""
    X_tr, X_te, y_tr, y_te = train_test_split(
        X_all, y_all, train_size=N_TRAIN, stratify=y_all, random_state=seed
    )
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def network(rate, seed):
    """The same network, optimiser and epochs for every rate: only p changes.

    ``tol=0`` and a huge ``n_iter_no_change`` run exactly EPOCHS epochs, so
    that dropout's slower descent of the training loss does not stop it
    later or sooner than the plain network.
    """
    return BackpropClassifier(
        hidden_layer_sizes=HIDDEN,
        activation=("relu", "leaky_relu"),
        loss="log_loss",
        alpha=0.0,
        learning_rate_init=0.001,
        batch_size=50,
        max_iter=EPOCHS,
        tol=0.0,
        n_iter_no_change=10**6,
        dropout=rate,
        random_state=seed,
    )


# %%
# Fit every (seed, rate) pair.  The test rows are passed as ``X_val`` only
# to record the test accuracy after each epoch (``validation_scores_``);
# they take no part in training, and with ``early_stopping=False`` in
# nothing else either.

results = {}
start = time.perf_counter()
for seed in SEEDS:
    X_tr, X_te, y_tr, y_te = split(seed)
    for rate in RATES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            net = network(rate, seed).fit(X_tr, y_tr, X_val=X_te, y_val=y_te)
        train, test = net.score(X_tr, y_tr), net.score(X_te, y_te)
        results[seed, rate] = (train, test, net.validation_scores_)
seconds = time.perf_counter() - start

print(
    f"digits: {N_TRAIN} training rows, {len(X_all) - N_TRAIN} test rows; hidden "
    f"{HIDDEN}, activation ('relu', 'leaky_relu'), adam, {EPOCHS} epochs "
    f"({seconds:.0f} s in all)\n"
)
print(f"{'seed':>4} {'dropout':>7} {'train acc':>9} {'test acc':>8} {'gap':>7}")
for (seed, rate), (train, test, _) in results.items():
    print(f"{seed:>4} {rate:>7.1f} {train:>9.4f} {test:>8.4f} {train - test:>7.4f}")

print(f"\n{'dropout':>7} {'mean gap':>8} {'mean test acc':>13}  gap below p=0 for")
gaps = {r: [results[s, r][0] - results[s, r][1] for s in SEEDS] for r in RATES}
for rate in RATES:
    tests = [results[s, rate][1] for s in SEEDS]
    narrower = sum(g < g0 for g, g0 in zip(gaps[rate], gaps[0.0]))
    note = "" if rate == 0 else f"{narrower} of {len(SEEDS)} seeds"
    print(f"{rate:>7.1f} {np.mean(gaps[rate]):>8.4f} {np.mean(tests):>13.4f}  {note}")

# %%
# Plot the gap against the rate, one line per seed, and the test accuracy
# after each epoch for the first seed.

if plt is not None:
    fig, (ax_gap, ax_curve) = plt.subplots(1, 2, figsize=(10, 4))
    for i, seed in enumerate(SEEDS):
        ax_gap.plot(RATES, [gaps[r][i] for r in RATES], "o-", label=f"seed {seed}")
    ax_gap.set(
        xlabel="dropout rate p",
        ylabel="train accuracy − test accuracy",
        title="the train–test gap",
        xticks=RATES,
    )
    ax_gap.legend()
    for rate in RATES:
        curve = results[SEEDS[0], rate][2]
        ax_curve.plot(np.arange(1, len(curve) + 1), curve, label=f"dropout {rate}")
    # Zoom in on the end, where the rates differ.
    final = min(results[SEEDS[0], r][2][-1] for r in RATES)
    ax_curve.set(
        xlabel="epoch",
        ylabel="test accuracy",
        title=f"test accuracy per epoch (seed {SEEDS[0]})",
        ylim=(final - 0.05, None),
    )
    ax_curve.legend()
    fig.tight_layout()
    fig.savefig("dropout.png", dpi=100)
    print("\nsaved dropout.png")

"""
The first layer's weights, drawn as images
==========================================

Each hidden unit of a network trained on images computes a weighted sum of
the pixels, so its incoming weights — one column of ``coefs_[0]`` — have the
shape of an image and can be drawn as one. As in scikit-learn's "Visualization
of MLP weights on MNIST" example, we train a small network and show each hidden
unit's weights: red pixels push the unit's activation up, blue ones down.

The data is scikit-learn's bundled 8x8 digits (1797 images, no download),
scaled to [0, 1] as the book scales its pixels. The network is skbp's default
model — the seed's sigmoid units and quadratic cost — with 16 hidden units, so
the weights form a 4x4 grid of 8x8 images. Units learn strokes and blobs:
parts of digits, or the contrast between where two digits put ink; a few
units stay pale, close to their small initial weights.

``SKBP_EXAMPLES_QUICK=1`` trains for fewer epochs. The figure needs matplotlib
(the optional ``skbp[plot]`` extra); it is saved as ``first_layer_weights.png``.
"""

import os
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skbp import BackpropClassifier

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra: this example is its figure
    print("This example draws a figure: pip install matplotlib (or '.[plot]').")
    sys.exit(0)

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
MAX_ITER = 30 if QUICK else 200

# %%
# Train on three quarters of the digits, pixels scaled to [0, 1].

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0
)
net = BackpropClassifier(hidden_layer_sizes=(16,), max_iter=MAX_ITER, random_state=0)
with warnings.catch_warnings():
    if QUICK:  # stops at max_iter before converging: expected in quick mode
        warnings.simplefilter("ignore", ConvergenceWarning)
    net.fit(X_train, y_train)
print(f"epochs: {net.n_iter_}, test accuracy: {net.score(X_test, y_test):.4f}")
print(f"coefs_[0]: {net.coefs_[0].shape} (64 pixels x 16 hidden units)")

# %%
# ``coefs_[0][:, j]`` holds the 64 weights into hidden unit ``j``; reshaped to
# 8x8 they line up with the pixels. One colour scale for all units, centred
# on zero, so that the panels compare.

weights = net.coefs_[0]
limit = np.abs(weights).max()
fig, axes = plt.subplots(4, 4, figsize=(6, 6.4))
for j, ax in enumerate(axes.ravel()):
    ax.imshow(weights[:, j].reshape(8, 8), cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set(xticks=(), yticks=(), title=f"unit {j}")
    ax.title.set_fontsize(9)
fig.suptitle("weights into each hidden unit (red: +, blue: −)")
fig.tight_layout()
fig.savefig("first_layer_weights.png", dpi=100)
print("saved first_layer_weights.png")

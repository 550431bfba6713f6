"""
Out-of-core training with partial_fit
=====================================

When the training set does not fit in memory, ``partial_fit`` trains on it a
chunk at a time: each call runs one epoch of mini-batch updates over the rows
it is given and keeps the weights *and* the optimizer's state (Adam's moments)
for the next call. Here the data lives in a ``.npy`` file on disk, opened
with ``np.load(..., mmap_mode="r")`` so that only the chunk being read is
paged into memory. The file is a synthetic 5-class problem from
:func:`~sklearn.datasets.make_classification`, written to a temporary
directory (removed at the end) in float32, in which the network also trains.

The feature scaling costs one extra pass over the file:

1. before training, one pass of ``StandardScaler.partial_fit`` learns each
   feature's mean and variance without loading the file;
2. then each training pass feeds ``scaler.transform(chunk)`` to
   ``BackpropClassifier.partial_fit``; the first call must name every class
   the stream will contain (``classes=...``).

After each pass over the file we score on a held-out test set kept in memory.
``SKBP_EXAMPLES_QUICK=1`` writes a smaller file and makes fewer passes.
"""

import os
import tempfile
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
N_TRAIN = 20_000 if QUICK else 200_000
N_TEST = 5_000
CHUNK = 10_000
PASSES = 2 if QUICK else 8

# %%
# Write the data set to disk. In real use the file would already exist (or be
# several files); ``np.lib.format.open_memmap`` could also write it a chunk at
# a time.

X, y = make_classification(
    n_samples=N_TRAIN + N_TEST,
    n_features=40,
    n_informative=20,
    n_redundant=10,
    n_classes=5,
    class_sep=1.0,
    random_state=0,
)
X_test, y_test = X[N_TRAIN:], y[N_TRAIN:]
workdir = tempfile.TemporaryDirectory()
x_path = os.path.join(workdir.name, "X_train.npy")
y_path = os.path.join(workdir.name, "y_train.npy")
np.save(x_path, X[:N_TRAIN].astype(np.float32))
np.save(y_path, y[:N_TRAIN])
del X, y  # from here on the training data is only on disk

X_disk = np.load(x_path, mmap_mode="r")
y_disk = np.load(y_path, mmap_mode="r")
print(
    f"{x_path.rsplit(os.sep, 1)[-1]}: {X_disk.shape[0]} rows x "
    f"{X_disk.shape[1]} features, {X_disk.dtype}, "
    f"{os.path.getsize(x_path) / 1e6:.1f} MB, read in chunks of {CHUNK}\n"
)


def chunks(X_file, y_file):
    """(X, y) chunks of the on-disk arrays, in file order, read one at a time."""
    for start in range(0, X_file.shape[0], CHUNK):
        yield (
            np.asarray(X_file[start : start + CHUNK]),
            np.asarray(y_file[start : start + CHUNK]),
        )


# %%
# Pass 0: the feature scaling, streamed.

scaler = StandardScaler()
for X_chunk, _ in chunks(X_disk, y_disk):
    scaler.partial_fit(X_chunk)
X_test_scaled = scaler.transform(X_test).astype(np.float32)

# %%
# Training passes. Each call's shuffle of its chunk continues one random
# stream seeded once by ``random_state`` (an int or a ``RandomState``: the
# same weights), where MLPClassifier would re-seed an int every call.

net = BackpropClassifier(
    hidden_layer_sizes=(64,),
    activation="relu",
    loss="log_loss",
    solver="adam",
    learning_rate_init=1e-3,
    batch_size=100,
    alpha=1e-4,
    random_state=0,
)
classes = np.arange(5)  # every class of the stream, known up front

print(
    f"{'pass':>4} {'rows seen':>10} {'mean chunk loss':>15} "
    f"{'test accuracy':>13} {'seconds':>7}"
)
curve = []  # (rows seen, mean chunk loss, test accuracy) after each pass
for n_pass in range(1, PASSES + 1):
    start, losses = time.perf_counter(), []
    for X_chunk, y_chunk in chunks(X_disk, y_disk):
        net.partial_fit(
            scaler.transform(X_chunk).astype(np.float32), y_chunk, classes=classes
        )
        losses.append(net.loss_)
    seconds = time.perf_counter() - start
    curve.append((net.t_, np.mean(losses), net.score(X_test_scaled, y_test)))
    print(
        f"{n_pass:>4} {curve[-1][0]:>10} {curve[-1][1]:>15.4f} "
        f"{curve[-1][2]:>13.4f} {seconds:>7.2f}"
    )

del X_disk, y_disk  # release the memory maps before deleting the files
workdir.cleanup()

# %%
# The learning curve: the mean loss of each pass's chunks and the held-out
# accuracy after it, against the training rows seen so far.

if plt is not None:
    seen, loss, accuracy = map(np.array, zip(*curve))
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(seen, loss, "o-")
    ax_loss.set(xlabel="training rows seen", ylabel="mean chunk loss", title="loss")
    ax_acc.plot(seen, accuracy, "o-", c="C1")
    ax_acc.set(xlabel="training rows seen", ylabel="accuracy", title="test accuracy")
    fig.tight_layout()
    fig.savefig("out_of_core.png", dpi=100)
    print("\nsaved out_of_core.png")

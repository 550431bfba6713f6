"""
Export to ONNX and serve with onnxruntime
=========================================

A fitted ``BackpropClassifier`` -- here at the end of a
:class:`~sklearn.pipeline.Pipeline` that standardises the 8x8 digits -- can be
exported to `ONNX <https://onnx.ai>`_ and served by onnxruntime, without
Python's scikit-learn or skbp on the serving side. ``import skbp.onnx``
registers skbp's converters with `skl2onnx <https://onnx.ai/sklearn-onnx/>`_,
whose ``to_onnx`` then converts the whole pipeline: the scaler with
skl2onnx's own converter, the network with skbp's (its forward pass, the
labels argmax z and the normalised sigmoid probabilities of the default
quadratic-cost model).

We fit on float32 images, so that the model predicts in float32 as the ONNX
graph runs; export; save the graph to a file; load it in an onnxruntime
session; and check that its labels equal ``predict``'s and its probabilities
``predict_proba``'s to float32 rounding. skl2onnx and onnxruntime are optional
(``pip install skl2onnx onnxruntime``); without them the script says so and
stops. The figure (``onnx.png``, with matplotlib) sets the two sets of
probabilities side by side. ``SKBP_EXAMPLES_QUICK=1`` caps the epochs.
"""

import os
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier

try:
    import onnxruntime as ort
    from skl2onnx import to_onnx

    import skbp.onnx  # noqa: F401  (registers skbp's converters with skl2onnx)
except ImportError as exc:  # optional: skbp never requires them
    print(
        f"This example needs skl2onnx and onnxruntime ({exc}).\n"
        "Install them with: pip install skl2onnx onnxruntime"
    )
    sys.exit(0)

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
MAX_ITER = 20 if QUICK else 200

# %%
# Fit a pipeline on float32 digits. (A model fitted on float64 exports just as
# well; its float32 ONNX probabilities then differ from its float64 ones by
# about 1e-7, and a label could differ on an image lying on a decision
# boundary.)

X, y = load_digits(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
model = make_pipeline(
    StandardScaler(), BackpropClassifier(max_iter=MAX_ITER, random_state=0)
)
with warnings.catch_warnings():
    if QUICK:
        warnings.simplefilter("ignore", ConvergenceWarning)
    model.fit(X_train, y_train)
print(f"test accuracy (scikit-learn): {model.score(X_test, y_test):.4f}")

# %%
# Export. ``X_train[:1]`` gives the input's type (float32) and width; the
# batch size stays free. ``zipmap=False`` returns the probabilities as one
# (n, 10) tensor rather than skl2onnx's default list of {class: probability}
# dicts; ``nocl=True`` would return class indices instead of labels.

onx = to_onnx(model, X_train[:1], options={BackpropClassifier: {"zipmap": False}})
print("graph:", " -> ".join(node.op_type for node in onx.graph.node))
print(
    "inputs:",
    [i.name for i in onx.graph.input],
    "outputs:",
    [o.name for o in onx.graph.output],
)

# %%
# Save, reload in an onnxruntime session, and predict the test images.

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "digits.onnx")
    with open(path, "wb") as f:
        f.write(onx.SerializeToString())
    print(f"saved {os.path.getsize(path) / 1024:.1f} KiB to {path}")
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])

start = time.perf_counter()
labels, proba = session.run(None, {"X": X_test})
onnx_ms = 1000 * (time.perf_counter() - start)
start = time.perf_counter()
expected_labels = model.predict(X_test)
expected_proba = model.predict_proba(X_test)
sklearn_ms = 1000 * (time.perf_counter() - start)

# %%
# Compare with the pipeline's own predictions.

same = np.mean(labels == expected_labels)
gap = np.abs(proba - expected_proba).max()
print(f"labels equal to predict's:       {same:.1%} of {len(X_test)} images")
print(f"largest probability difference:  {gap:.2e}")
print(f"onnxruntime {onnx_ms:.1f} ms, predict + predict_proba {sklearn_ms:.1f} ms")
print(f"first five: ONNX {labels[:5].tolist()}, truth {y_test[:5].tolist()}")
assert np.array_equal(labels, expected_labels)
assert gap < 1e-5

# %%
# Every probability of every test image, ONNX against scikit-learn (on the
# diagonal), and how far apart they are: float32 rounding, nothing more.

if plt is not None:
    fig, (ax_pp, ax_gap) = plt.subplots(1, 2, figsize=(10, 4))
    ax_pp.plot(expected_proba.ravel(), proba.ravel(), ".", ms=3, alpha=0.5)
    ax_pp.plot([0, 1], [0, 1], c="gray", lw=0.8)
    ax_pp.set(
        xlabel="predict_proba (scikit-learn)",
        ylabel="ONNX probability",
        title="the same probabilities",
    )
    differences = np.abs(proba - expected_proba).ravel()
    ax_gap.hist(np.log10(np.maximum(differences, 1e-12)), bins=30)
    ax_gap.set(
        xlabel="log10 |ONNX − predict_proba| (0 drawn at −12)",
        ylabel="probabilities",
        title="their differences",
    )
    fig.tight_layout()
    fig.savefig("onnx.png", dpi=100)
    print("\nsaved onnx.png")

"""
Robust, quantile and your own regression losses
===============================================

``BackpropRegressor(loss=...)`` goes beyond MLPRegressor's squared error and
Poisson deviance, each with an identity output, summed over outputs and
averaged over (weighted) rows:

* ``'absolute_error'``, ℓ = abs(a − y): predicts the conditional median, and an
  outlier pulls on it no harder than any other point;
* ``'huber'``, ½ d² within ``huber_delta`` of the target and linear beyond
  (PyTorch's ``HuberLoss``): squared error for the bulk, absolute error for
  the outliers;
* ``'quantile'``, the pinball loss of ``quantile`` q: predictions with about q
  of the targets below them, so two models (q = 0.1 and 0.9) draw an 80%
  prediction band;
* a :class:`skbp.Loss` of your own: here the log-cosh loss, ℓ = s log cosh(d/s),
  with its output error tanh(d/s) checked by :func:`skbp.gradient_check` first.

**Outliers.** scikit-learn's diabetes data (442 patients, a target between 25
and 346) with 15% of the *training* targets moved by 500 to 1500; the test set
is left clean. We print the test MAE of each loss, next to squared error
trained on the clean targets.

**Quantiles.** y = x sin x with noise whose spread grows with x
(heteroscedastic): the share of held-out targets below each quantile model's
predictions, and the band between q = 0.1 and q = 0.9, saved as
``robust_losses.png`` when matplotlib (the optional ``skbp[plot]`` extra) is
installed.  ``SKBP_EXAMPLES_QUICK=1`` caps the epochs.
"""

import os
import warnings

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_absolute_error, mean_pinball_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skbp
from skbp import BackpropRegressor

try:
    import matplotlib.pyplot as plt
except ImportError:  # the optional skbp[plot] extra
    plt = None

QUICK = os.environ.get("SKBP_EXAMPLES_QUICK") == "1"
MAX_ITER = 20 if QUICK else 500
warnings.filterwarnings("ignore", category=ConvergenceWarning)


class LogCosh(skbp.Loss):
    """ℓ = Σ_j s log cosh((a_j − y_j) / s): quadratic within about s, linear
    beyond (as Huber's δ), with a smooth output error."""

    output_activation = "identity"

    def __init__(self, scale=1.0):
        self.scale = scale

    def loss(self, Y, A):
        D = (A - Y) / self.scale
        # log cosh d = logaddexp(d, −d) − log 2, finite for any d.
        return self.scale * np.sum(np.logaddexp(D, -D) - np.log(2.0), axis=1)

    def output_error(self, Y, A, Z):
        return np.tanh((A - Y) / self.scale)  # ∂ℓ/∂z, identity output: g' = 1


# %%
# Check the user loss's BP1 against finite differences before training.
rng = np.random.RandomState(0)
coefs = [rng.randn(3, 4), rng.randn(4, 1)]
intercepts = [rng.randn(4), rng.randn(1)]
error = skbp.gradient_check(coefs, intercepts, rng.randn(5, 3), rng.randn(5, 1),
                            loss=LogCosh(scale=0.5))  # fmt: skip
print(f"gradient_check(LogCosh): relative error {error:.1e}")

# %%
# Outliers in the training targets.
X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
hit = rng.rand(len(y_train)) < 0.15
y_dirty = y_train.copy()
y_dirty[hit] += rng.choice([-1, 1], hit.sum()) * rng.uniform(500, 1500, hit.sum())

# huber_delta and LogCosh's scale are in the target's units: 30 is about half
# the spread of the clean residuals.
models = {
    "squared_error (clean targets)": ("squared_error", y_train),
    "squared_error": ("squared_error", y_dirty),
    "absolute_error": ("absolute_error", y_dirty),
    "huber (δ = 30)": ("huber", y_dirty),
    "quantile (q = 0.5)": ("quantile", y_dirty),
    "LogCosh(scale=30) (your own)": (LogCosh(scale=30.0), y_dirty),
}
print(f"\n{'loss':<30} {'test MAE':>9}")
for name, (loss, target) in models.items():
    model = make_pipeline(
        StandardScaler(),
        BackpropRegressor(
            (20,), loss=loss, huber_delta=30.0, max_iter=MAX_ITER, random_state=0
        ),
    ).fit(X_train, target)
    mae = mean_absolute_error(y_test, model.predict(X_test))
    print(f"{name:<30} {mae:>9.1f}")

# %%
# Quantiles of heteroscedastic data.


def heteroscedastic(n, rng):
    x = rng.uniform(0, 10, n)
    return x, x * np.sin(x) + rng.normal(0, 1, n) * (0.5 + 0.5 * x)


x_train, t_train = heteroscedastic(1000, rng)
x_test, t_test = heteroscedastic(2000, rng)
scale = lambda x: (x / 5 - 1)[:, None]  # noqa: E731
grid = np.linspace(0, 10, 200)
band, on_test = {}, {}
print(f"\n{'quantile q':>10} {'held-out share below':>22} {'pinball loss':>13}")
for q in (0.1, 0.5, 0.9):
    # The pinball loss's output error has one size (q or 1 − q) however far
    # off a prediction is, so the loss creeps; give the stopping rule patience.
    model = BackpropRegressor(
        (30,),
        loss="quantile",
        quantile=q,
        max_iter=MAX_ITER,
        n_iter_no_change=50,
        random_state=0,
    ).fit(scale(x_train), t_train)
    predicted = model.predict(scale(x_test))
    below = np.mean(t_test < predicted)
    pinball = mean_pinball_loss(t_test, predicted, alpha=q)
    print(f"{q:>10} {below:>22.3f} {pinball:>13.3f}")
    band[q], on_test[q] = model.predict(scale(grid)), predicted
inside = np.mean((on_test[0.1] <= t_test) & (t_test < on_test[0.9]))
print(f"held-out share inside the q = 0.1 to 0.9 band: {inside:.3f} (aim: 0.8)")

if plt is not None:
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter(x_test[:400], t_test[:400], s=6, color="0.6", label="held-out data")
    ax.fill_between(grid, band[0.1], band[0.9], alpha=0.3, label="q = 0.1 to 0.9")
    ax.plot(grid, band[0.5], color="C3", label="median (q = 0.5)")
    ax.plot(grid, grid * np.sin(grid), "k--", lw=1, label="x sin x")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("BackpropRegressor(loss='quantile'): an 80% band")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig("robust_losses.png", dpi=100)
    print("\nsaved robust_losses.png")

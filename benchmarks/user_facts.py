"""Facts a user of BackpropClassifier should know, measured on digits.

Prints three groups of markdown tables, on scikit-learn's bundled digits data
(25% stratified test split, ``random_state=seed``; seeds 0, 1, 2):

1. Probability honesty.  The default model (logistic units, quadratic cost,
   sigmoid outputs renormalised to sum to one) against ``loss="log_loss"``,
   MLPClassifier's defaults, and the default model wrapped in
   ``CalibratedClassifierCV(method="temperature")``: test accuracy, test log
   loss, top-label expected calibration error (15 equal-width bins) and the
   mean top predicted probability; mean and min-max over the seeds.  All in
   ``make_pipeline(StandardScaler(), model)``.
2. ``alpha`` under the quadratic cost.  Test accuracy (seed 0, scaled inputs)
   for alpha in 1e-4 ... 10, and whether the L2 term has pushed every weight
   to about zero (largest |weight| below 1e-3).
3. Early epochs on inputs in [0, 1] (``digits.data / 16``, no scaler): test
   accuracy after max_iter = 1 ... 100 epochs (fresh fits, seed 0), and what
   that does to ``HalvingGridSearchCV(resource="max_iter")`` with a small
   ``min_resources``, against remedies.

Run it from the repository root::

    python benchmarks/user_facts.py           # full: about 30 s on 2 cores
    python benchmarks/user_facts.py --quick   # reduced smoke run: about 8 s

BLAS is held to one thread so that timings on a small shared machine stay
steady; the figures themselves do not depend on it beyond rounding.
"""

import argparse
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.metrics import log_loss
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skbp import BackpropClassifier

FULL = dict(
    seeds=(0, 1, 2),
    alphas=(1e-4, 0.1, 1.0, 3.0, 10.0),
    max_iters=(1, 2, 5, 10, 20, 50, 100),
    searches=("min5", "min20", "exhaust", "scaled5", "grid"),
)
QUICK = dict(
    seeds=(0,),
    alphas=(1e-4, 10.0),
    max_iters=(1, 5, 20),
    searches=("min5", "scaled5"),
)
HALVING_GRID = {
    "hidden_layer_sizes": [(50,), (100,)],
    "learning_rate_init": [0.01, 0.003],
}
ZERO_WEIGHT = 1e-3


# ----------------------------------------------------------------- helpers


def split(seed, scale_to_unit=False):
    """Digits train/test split; pixels divided by 16 if ``scale_to_unit``."""
    X, y = load_digits(return_X_y=True)
    if scale_to_unit:
        X = X / 16.0
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)


def top_label_ece(y_true, proba, classes, n_bins=15):
    """Expected calibration error of the top-label confidence.

    Each sample's confidence is its largest predicted probability; samples
    fall into ``n_bins`` equal-width bins of confidence on [0, 1] (the last
    bin closed).  The ECE is the sum over bins of |accuracy - mean
    confidence| in the bin, weighted by the share of samples in the bin.
    """
    confidence = proba.max(axis=1)
    correct = classes[proba.argmax(axis=1)] == np.asarray(y_true)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    ece = 0.0
    for b in np.unique(bins):
        in_bin = bins == b
        gap = abs(correct[in_bin].mean() - confidence[in_bin].mean())
        ece += in_bin.mean() * gap
    return float(ece)


def max_abs_weight(model):
    """Largest |weight| over all layers (intercepts excluded)."""
    return max(float(np.abs(W).max()) for W in model.coefs_)


def spread(values, fmt):
    """'mean (min-max)' of ``values``, or the single value."""
    if len(values) == 1:
        return format(values[0], fmt)
    return (
        f"{format(statistics.mean(values), fmt)} "
        f"({format(min(values), fmt)}-{format(max(values), fmt)})"
    )


def print_table(title, header, rows):
    """Print one markdown table under a bold title."""
    print(f"\n**{title}**\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


# ------------------------------------------------- 1. probability honesty


def probability_models(seed):
    """The four probability models compared, by name."""

    def scaled(model):
        return make_pipeline(StandardScaler(), model)

    return {
        "BP default (squared_error)": scaled(BackpropClassifier(random_state=seed)),
        'BP loss="log_loss"': scaled(
            BackpropClassifier(loss="log_loss", random_state=seed)
        ),
        "MLPClassifier defaults": scaled(MLPClassifier(random_state=seed)),
        "BP default + temperature": CalibratedClassifierCV(
            scaled(BackpropClassifier(random_state=seed)), method="temperature"
        ),
    }


def probability_honesty(seeds):
    """Accuracy, log loss, ECE and mean top probability of each model."""
    scores = {}
    for seed in seeds:
        X_tr, X_te, y_tr, y_te = split(seed)
        for name, model in probability_models(seed).items():
            proba = model.fit(X_tr, y_tr).predict_proba(X_te)
            classes = model.classes_
            scores.setdefault(name, []).append(
                (
                    float(np.mean(classes[proba.argmax(axis=1)] == y_te)),
                    log_loss(y_te, proba, labels=classes),
                    top_label_ece(y_te, proba, classes),
                    float(proba.max(axis=1).mean()),
                )
            )
    rows = [
        [name] + [spread([r[i] for r in runs], ".3f") for i in range(4)]
        for name, runs in scores.items()
    ]
    print_table(
        f"1. Probability honesty, scaled digits, seeds {list(seeds)}: mean (min-max)",
        ["model", "test accuracy", "test log loss", "ECE (15 bins)", "mean max p"],
        rows,
    )


# ------------------------------------------------------------- 2. alpha


def alpha_models(alpha):
    """The three models of the alpha sweep, by name."""
    return {
        "BP default": BackpropClassifier(alpha=alpha, random_state=0),
        "BP log_loss": BackpropClassifier(alpha=alpha, loss="log_loss", random_state=0),
        "MLPClassifier": MLPClassifier(alpha=alpha, random_state=0),
    }


def alpha_cells(model, X_tr, y_tr, X_te, y_te):
    """Accuracy cell and largest-|weight| cell of one scaled fit."""
    pipe = make_pipeline(StandardScaler(), model).fit(X_tr, y_tr)
    n_pred = len(np.unique(pipe.predict(X_te)))
    n_classes = len(model.classes_)
    few = f" (predicts {n_pred}/{n_classes} classes)" if n_pred < n_classes else ""
    w = max_abs_weight(model)
    zero = " all ~0" if w < ZERO_WEIGHT else ""
    return [f"{pipe.score(X_te, y_te):.3f}{few}", f"{w:.2g}{zero}"]


def alpha_sweep(alphas):
    """Test accuracy and largest |weight| against alpha (seed 0)."""
    X_tr, X_te, y_tr, y_te = split(0)
    rows = []
    for alpha in alphas:
        row = [f"{alpha:g}"]
        for model in alpha_models(alpha).values():
            row += alpha_cells(model, X_tr, y_tr, X_te, y_te)
        rows.append(row)
    header = ["alpha"]
    for name in alpha_models(1.0):
        header += [f"{name} acc", f"{name} max abs W"]
    print_table(
        "2. alpha sweep, scaled digits, seed 0: test accuracy and largest "
        f"|weight| ('all ~0': below {ZERO_WEIGHT:g})",
        header,
        rows,
    )


# ------------------------------------------------------ 3. early epochs


def early_epoch_models(max_iter):
    """The four models of the early-epoch table, by name (inputs X/16)."""
    return {
        "BP default": BackpropClassifier(max_iter=max_iter, random_state=0),
        "MLPClassifier": MLPClassifier(max_iter=max_iter, random_state=0),
        "BP + StandardScaler": make_pipeline(
            StandardScaler(), BackpropClassifier(max_iter=max_iter, random_state=0)
        ),
        "BP log_loss": BackpropClassifier(
            max_iter=max_iter, loss="log_loss", random_state=0
        ),
    }


def early_epochs(max_iters):
    """Test accuracy of fresh fits after max_iter epochs on digits / 16."""
    X_tr, X_te, y_tr, y_te = split(0, scale_to_unit=True)
    rows = []
    for max_iter in max_iters:
        models = early_epoch_models(max_iter).values()
        rows.append(
            [max_iter] + [f"{m.fit(X_tr, y_tr).score(X_te, y_te):.3f}" for m in models]
        )
    print_table(
        "3a. Early epochs, X = digits.data / 16 (no scaler unless said), "
        "seed 0: test accuracy",
        ["max_iter"] + list(early_epoch_models(1)),
        rows,
    )


def search(kind):
    """The search named ``kind``, and its description."""
    bp = BackpropClassifier(random_state=0)
    halving = dict(resource="max_iter", max_resources=100, factor=3, random_state=0)
    if kind == "min5":
        return HalvingGridSearchCV(bp, HALVING_GRID, min_resources=5, **halving), (
            "halving, min_resources=5"
        )
    if kind == "min20":
        return HalvingGridSearchCV(bp, HALVING_GRID, min_resources=20, **halving), (
            "halving, min_resources=20"
        )
    if kind == "exhaust":
        return HalvingGridSearchCV(
            bp, HALVING_GRID, min_resources="exhaust", **halving
        ), 'halving, min_resources="exhaust"'
    if kind == "scaled5":
        step = "backpropclassifier__"
        grid = {step + k: v for k, v in HALVING_GRID.items()}
        halving["resource"] = step + "max_iter"
        pipe = make_pipeline(StandardScaler(), bp)
        return HalvingGridSearchCV(pipe, grid, min_resources=5, **halving), (
            "halving, StandardScaler pipeline, min_resources=5"
        )
    bp.set_params(max_iter=100)
    return GridSearchCV(bp, HALVING_GRID), "GridSearchCV, max_iter=100 (reference)"


def _short(params):
    """'(hidden, lr)' of a best_params_ dict, pipeline prefixes dropped."""
    p = {k.split("__")[-1]: v for k, v in params.items()}
    return f"{p['hidden_layer_sizes']}, lr {p['learning_rate_init']}"


def halving_searches(kinds):
    """Which candidate each search picks on digits / 16, and its test score."""
    X_tr, X_te, y_tr, y_te = split(0, scale_to_unit=True)
    rows = []
    for kind in kinds:
        est, label = search(kind)
        start = time.perf_counter()
        est.fit(X_tr, y_tr)
        seconds = time.perf_counter() - start
        final = est.best_estimator_
        final = final[-1] if hasattr(final, "steps") else final
        first = np.asarray(est.cv_results_["mean_test_score"])
        if hasattr(est, "n_resources_"):
            first = first[np.asarray(est.cv_results_["iter"]) == 0]
            resources = str(est.n_resources_)
        else:
            resources = "[100]"
        rows.append(
            [
                label,
                resources,
                f"{first.min():.3f}-{first.max():.3f}",
                _short(est.best_params_),
                final.max_iter,
                f"{est.best_score_:.3f}",
                f"{est.score(X_te, y_te):.3f}",
                f"{seconds:.1f}",
            ]
        )
    print_table(
        "3b. Searching hidden_layer_sizes x learning_rate_init with "
        "resource=max_iter (max 100, factor 3), X = digits.data / 16, seed 0",
        [
            "search",
            "max_iter per round",
            "round-1 CV scores",
            "picked",
            "refit max_iter",
            "best CV",
            "test acc",
            "s",
        ],
        rows,
    )


# ------------------------------------------------------------------ main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a seconds-long reduced run (one seed, fewer values)",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    config = QUICK if args.quick else FULL
    start = time.perf_counter()
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        probability_honesty(config["seeds"])
        alpha_sweep(config["alphas"])
        early_epochs(config["max_iters"])
        halving_searches(config["searches"])
    print(
        f"\n({'quick' if args.quick else 'full'} run: "
        f"{time.perf_counter() - start:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

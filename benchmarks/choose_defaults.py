"""How BackpropClassifier's default solver and learning rate were chosen.

The defaults must keep the seed's network (logistic units, quadratic cost on
one-hot targets) and, in ``make_pipeline(StandardScaler(), ...)``, reach at
least 0.97 mean test accuracy on scikit-learn's digits (25% stratified test
split, seeds 0, 1, 2) within the default max_iter=200, quickly.  This script
trains each candidate and prints accuracy, epochs and fit time, medians and
means over the seeds.

    python benchmarks/choose_defaults.py
"""

import statistics

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbp import BackpropClassifier
from skbp.__main__ import fit_and_score

CANDIDATES = [
    dict(solver="adam", learning_rate_init=0.001),
    dict(solver="adam", learning_rate_init=0.01),
    dict(solver="adam", learning_rate_init=0.05),
    dict(solver="sgd", learning_rate_init=0.1),
    dict(solver="sgd", learning_rate_init=0.5),
    dict(solver="sgd", learning_rate_init=2.0),
]
SEEDS = (0, 1, 2)


def evaluate(params, seed):
    """(test accuracy, epochs, fit seconds, converged) of one candidate."""
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed
    )
    model = make_pipeline(
        StandardScaler(), BackpropClassifier(random_state=seed, **params)
    )
    accuracy, seconds, warning = fit_and_score(model, X_tr, y_tr, X_te, y_te)
    return accuracy, model[-1].n_iter_, seconds, warning is None


def main():
    print(
        f"{'solver':<6} {'lr':>6} {'mean acc':>8} {'min acc':>7} {'epochs':>6} "
        f"{'fit s':>6}  converged"
    )
    for params in CANDIDATES:
        runs = [evaluate(params, seed) for seed in SEEDS]
        acc = [r[0] for r in runs]
        print(
            f"{params['solver']:<6} {params['learning_rate_init']:>6} "
            f"{statistics.mean(acc):>8.4f} {min(acc):>7.4f} "
            f"{statistics.median(r[1] for r in runs):>6.0f} "
            f"{statistics.median(r[2] for r in runs):>6.2f}  "
            f"{sum(r[3] for r in runs)}/{len(runs)}"
        )


if __name__ == "__main__":
    main()

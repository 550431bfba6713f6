"""The main job: train the default BackpropClassifier on scikit-learn's digits.

Prints per-epoch progress, then test accuracy and fit time beside
MLPClassifier's defaults on the same split.  ``python -m skbp --help`` lists
the options.
"""

import argparse
import sys
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._classifier import BackpropClassifier


def parse_args(argv):
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m skbp",
        description="Train BackpropClassifier on scikit-learn's bundled digits "
        "(8x8 images, 10 classes) and compare it with MLPClassifier.",
    )
    parser.add_argument(
        "--hidden",
        type=int,
        nargs="*",
        default=[100],
        metavar="UNITS",
        help="hidden layer sizes (default: 100)",
    )
    parser.add_argument(
        "--solver",
        choices=["adam", "sgd", "lbfgs"],
        default="adam",
        help="optimizer (default: adam)",
    )
    parser.add_argument(
        "--loss",
        choices=["squared_error", "log_loss"],
        default="squared_error",
        help="cost (default: the seed's squared_error)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=200,
        help="max_iter: epochs, or L-BFGS iterations (default: 200)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random_state for the split and both models (default: 0)",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    return parser.parse_args(argv)


def fit_and_score(model, X_train, y_train, X_test, y_test):
    """Fit ``model``; returns (test accuracy, fit seconds, converged)."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model.score(X_test, y_test), seconds, converged


def print_table(rows):
    """The side-by-side summary, one row per model."""
    print(
        f"\n{'model':<20} {'test accuracy':>13} {'fit seconds':>11} "
        f"{'epochs':>6}  converged"
    )
    for name, accuracy, seconds, converged, n_iter in rows:
        status = "yes" if converged else "no (max_iter)"
        print(f"{name:<20} {accuracy:>13.4f} {seconds:>11.2f} {n_iter:>6}  {status}")


def main(argv=None):
    """Run the comparison; returns the exit status."""
    args = parse_args(argv)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    print(
        f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test "
        f"samples, {X.shape[1]} features, 10 classes\n"
    )
    skbp = BackpropClassifier(
        hidden_layer_sizes=tuple(args.hidden),
        solver=args.solver,
        loss=args.loss,
        max_iter=args.epochs,
        random_state=args.seed,
        verbose=not args.quiet,
    )
    mlp = MLPClassifier(max_iter=args.epochs, random_state=args.seed)
    rows = []
    for name, est in [("BackpropClassifier", skbp), ("MLPClassifier", mlp)]:
        if est.verbose:
            print(f"== {name}, per epoch ==")
        model = make_pipeline(StandardScaler(), est)
        result = fit_and_score(model, X_train, y_train, X_test, y_test)
        rows.append((name, *result, est.n_iter_))
    print_table(rows)
    print(
        f"\nBackpropClassifier: {skbp.activation} units, {args.loss}, "
        f"{args.solver}; MLPClassifier: its defaults (relu, log_loss, adam, "
        "learning_rate_init=0.001)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

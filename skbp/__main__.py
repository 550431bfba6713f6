"""The main job: train the default BackpropClassifier on scikit-learn's digits.

Prints per-epoch progress, then test accuracy and fit time beside
MLPClassifier's defaults on the same split.  ``python -m skbp --help`` lists
the options:

``--hidden UNITS [UNITS ...]``
    hidden layer sizes, at least one, each >= 1 (default: 100).
``--solver {adam,sgd,lbfgs}``
    optimizer (default: adam).
``--loss {squared_error,log_loss}``
    cost (default: squared_error).
``--activation {identity,logistic,tanh,relu}``
    hidden units' activation (default: logistic).
``--alpha ALPHA``
    L2 penalty, a finite float >= 0 (default: 1e-4).
``--learning-rate RATE``
    learning_rate_init, a finite float > 0 (default: the estimator's, 0.01).
``--tol TOL``
    tolerance for the optimization, a finite float >= 0 (default: 1e-4).
``--epochs EPOCHS``
    max_iter: epochs, or L-BFGS iterations, an integer >= 1 (default: 200).
``--seed SEED``
    random_state for the split and both models, an integer in [0, 2**32 - 1]
    (default: 0).
``--quiet``
    no per-epoch progress.

The flags other than ``--epochs`` and ``--seed`` configure only
BackpropClassifier; MLPClassifier keeps its defaults.  Bad values are refused
by the parser (exit status 2) before anything is trained.
"""

import argparse
import math
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

MAX_SEED = 2**32 - 1
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def _integer(text, requirement):
    try:
        return int(text)
    except ValueError:
        message = f"must be {requirement}, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None


def _finite_float(text, requirement):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
    return value


def positive_int(text):
    """An argparse ``type``: an integer >= 1."""
    requirement = "an integer >= 1"
    value = _integer(text, requirement)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
    return value


def seed_int(text):
    """An argparse ``type``: an integer in [0, 2**32 - 1] (a NumPy seed)."""
    requirement = f"an integer in [0, {MAX_SEED}] (2**32 - 1)"
    value = _integer(text, requirement)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
    return value


def non_negative_float(text):
    """An argparse ``type``: a finite float >= 0 (not nan or inf)."""
    requirement = "a finite number >= 0"
    value = _finite_float(text, requirement)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
    return value


def positive_float(text):
    """An argparse ``type``: a finite float > 0 (not nan or inf)."""
    requirement = "a finite number > 0"
    value = _finite_float(text, requirement)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
    return value


def parse_args(argv):
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m skbp",
        description="Train BackpropClassifier on scikit-learn's bundled digits "
        "(8x8 images, 10 classes) and compare it with MLPClassifier. "
        "--hidden, --solver, --loss, --activation, --alpha, --learning-rate and "
        "--tol configure BackpropClassifier only; MLPClassifier keeps its defaults.",
    )
    parser.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[100],
        metavar="UNITS",
        help="hidden layer sizes, one or more integers >= 1 (default: 100)",
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
        "--activation",
        choices=ACTIVATIONS,
        default="logistic",
        help="hidden units' activation (default: logistic)",
    )
    parser.add_argument(
        "--alpha",
        type=non_negative_float,
        default=1e-4,
        help="L2 penalty, a finite number >= 0 (default: 1e-4)",
    )
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        default=None,
        metavar="RATE",
        help="learning_rate_init, the step size of sgd and adam, a finite "
        "number > 0 (default: the estimator's, "
        f"{BackpropClassifier().learning_rate_init})",
    )
    parser.add_argument(
        "--tol",
        type=non_negative_float,
        default=1e-4,
        help="tolerance for the optimization, a finite number >= 0 (default: 1e-4)",
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=200,
        help="max_iter: epochs, or L-BFGS iterations, an integer >= 1 (default: 200)",
    )
    parser.add_argument(
        "--seed",
        type=seed_int,
        default=0,
        help="random_state for the split and both models, an integer in "
        "[0, 2**32 - 1] (default: 0)",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    return parser.parse_args(argv)


def build_models(args):
    """The two estimators the options ask for: (BackpropClassifier, MLPClassifier).

    ``args.learning_rate`` of None leaves BackpropClassifier's own default.
    """
    options = {}
    if args.learning_rate is not None:
        options["learning_rate_init"] = args.learning_rate
    skbp = BackpropClassifier(
        hidden_layer_sizes=tuple(args.hidden),
        activation=args.activation,
        solver=args.solver,
        loss=args.loss,
        alpha=args.alpha,
        tol=args.tol,
        max_iter=args.epochs,
        random_state=args.seed,
        verbose=not args.quiet,
        **options,
    )
    mlp = MLPClassifier(max_iter=args.epochs, random_state=args.seed)
    return skbp, mlp


def fit_and_score(model, X_train, y_train, X_test, y_test):
    """Fit ``model``; returns (test accuracy, fit seconds, convergence warning).

    The last is the text of the first ConvergenceWarning, or None when the
    fit converged.
    """
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    warned = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    message = str(warned[0].message) if warned else None
    return model.score(X_test, y_test), seconds, message


def print_table(rows):
    """The side-by-side summary, one row per model."""
    print(
        f"\n{'model':<20} {'test accuracy':>13} {'fit seconds':>11} "
        f"{'epochs':>6}  converged"
    )
    for name, accuracy, seconds, warning, n_iter in rows:
        status = "yes" if warning is None else "no (see below)"
        print(f"{name:<20} {accuracy:>13.4f} {seconds:>11.2f} {n_iter:>6}  {status}")
    for name, _, _, warning, _ in rows:
        if warning is not None:
            print(f"\nNot converged, {name}: {warning}")


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
    skbp, mlp = build_models(args)
    rows = []
    for name, est in [("BackpropClassifier", skbp), ("MLPClassifier", mlp)]:
        if est.verbose:
            print(f"== {name}, per epoch ==")
        model = make_pipeline(StandardScaler(), est)
        result = fit_and_score(model, X_train, y_train, X_test, y_test)
        rows.append((name, *result, est.n_iter_))
    print_table(rows)
    print(
        f"\nBackpropClassifier: {skbp.activation} units, {skbp.loss}, "
        f"{skbp.solver}, alpha={skbp.alpha:g}, "
        f"learning_rate_init={skbp.learning_rate_init:g}, tol={skbp.tol:g}; "
        "MLPClassifier: its defaults (relu, log_loss, adam, "
        "learning_rate_init=0.001)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

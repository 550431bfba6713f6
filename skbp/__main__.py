"""The main job: BackpropClassifier and BackpropRegressor beside scikit-learn's MLPs.

Two tables, each model in ``make_pipeline(StandardScaler(), model)`` on a 25%
test split (``random_state=--seed``):

* classification: BackpropClassifier on scikit-learn's bundled digits beside
  MLPClassifier's defaults: test accuracy, fit seconds, epochs, converged;
* regression: BackpropRegressor beside MLPRegressor's defaults on two data
  sets, ``make_friedman1(n_samples=1000, noise=1.0, random_state=--seed)``
  (generated) and ``load_diabetes()`` (bundled): test R², fit seconds,
  epochs, converged.  Rows are named ``DATA/MODEL``, e.g.
  ``friedman1/BackpropRegressor``.

A model that stopped before converging (or diverged) reads "no (see below)",
and a "Not converged, NAME: message" line below its table says why.
``python -m skbp --help`` lists the options:

``--task {both,classification,regression}``
    which tables to run (default: both).
``--hidden UNITS [UNITS ...]``
    hidden layer sizes, at least one, each >= 1 (default: 100).
``--solver {adam,sgd,lbfgs}``
    optimizer (default: adam).
``--loss {squared_error,log_loss}``
    BackpropClassifier's cost (default: squared_error).
``--regression-loss {squared_error,poisson,absolute_error,huber,quantile}``
    BackpropRegressor's cost (default: squared_error, with an identity
    output; poisson has an exp output and needs non-negative targets, which
    both data sets have; absolute_error, huber (huber_delta=1.0) and
    quantile (quantile=0.5, the median) have identity outputs).
``--activation {identity,logistic,tanh,relu}``
    hidden units' activation (default: logistic).
``--alpha ALPHA``
    L2 penalty, a finite float >= 0 (default: 1e-4).
``--learning-rate RATE``
    learning_rate_init, a finite float > 0 (default: each estimator's own,
    0.01 for BackpropClassifier and 0.03 for BackpropRegressor).
``--tol TOL``
    tolerance for the optimization, a finite float >= 0 (default: 1e-4).
``--epochs EPOCHS``
    max_iter: epochs, or L-BFGS iterations, an integer >= 1 (default: 200).
``--seed SEED``
    random_state for the splits, the friedman1 data and all models, an
    integer in [0, 2**32 - 1] (default: 0).
``--progress {auto,bar,lines,none}``
    how the Backprop models show their progress: ``bar``, scikit-learn's
    callback ``ProgressBar`` (needs scikit-learn >= 1.9 and rich), ``lines``,
    one ``verbose`` line per epoch, ``none``; ``auto`` (the default) is
    ``bar`` where it is available, else ``lines``.  Lines are printed for
    BackpropClassifier, and for BackpropRegressor only when ``--task
    regression`` runs it alone (two data sets of per-epoch lines would bury
    the classification table).
``--quiet``
    the same as ``--progress none``.

``--hidden``, ``--solver``, ``--activation``, ``--alpha``,
``--learning-rate`` and ``--tol`` configure BackpropClassifier and
BackpropRegressor; ``--loss`` only the classifier, ``--regression-loss`` only
the regressor.  MLPClassifier and MLPRegressor keep their defaults but for
``--epochs`` and ``--seed``.  Bad values are refused by the parser (exit
status 2) before anything is trained.
"""

import argparse
import math
import sys
import time
import warnings

from sklearn.datasets import load_diabetes, load_digits, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._classifier import BackpropClassifier
from ._regressor import BackpropRegressor
from ._training import DivergenceError

MAX_SEED = 2**32 - 1
ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]
TASKS = ["both", "classification", "regression"]
REGRESSION_LOSSES = ["squared_error", "poisson", "absolute_error", "huber", "quantile"]


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
        "(8x8 images, 10 classes) beside MLPClassifier, then BackpropRegressor "
        "on make_friedman1 (1000 samples, noise=1.0) and load_diabetes beside "
        "MLPRegressor. --hidden, --solver, --activation, --alpha, "
        "--learning-rate and --tol configure both Backprop estimators; --loss "
        "only BackpropClassifier, --regression-loss only BackpropRegressor. "
        "MLPClassifier and MLPRegressor keep their defaults but for --epochs "
        "and --seed.",
    )
    parser.add_argument(
        "--task",
        choices=TASKS,
        default="both",
        help="which comparison to run: both (default), classification (digits) "
        "or regression (friedman1 and diabetes)",
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
        help="BackpropClassifier's cost (default: the seed's squared_error)",
    )
    parser.add_argument(
        "--regression-loss",
        choices=REGRESSION_LOSSES,
        default="squared_error",
        help="BackpropRegressor's cost (default: squared_error, identity "
        "output; poisson: exp output, for non-negative targets such as "
        "these data sets'; absolute_error, huber and quantile (the median): "
        "identity output)",
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
        "number > 0 (default: each estimator's own, "
        f"{BackpropClassifier().learning_rate_init} for BackpropClassifier, "
        f"{BackpropRegressor().learning_rate_init} for BackpropRegressor)",
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
        help="random_state for the splits, the friedman1 data and all models, "
        "an integer in [0, 2**32 - 1] (default: 0)",
    )
    parser.add_argument(
        "--progress",
        choices=["auto", "bar", "lines", "none"],
        default="auto",
        help="progress of the Backprop models: scikit-learn's ProgressBar "
        "callback (bar: scikit-learn >= 1.9 and rich), one line per epoch "
        "(lines), or none; auto is bar where available, else lines",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress at all (the same as --progress none)",
    )
    args = parser.parse_args(argv)
    if args.progress == "bar" and not progress_bar_available():
        parser.error(
            "argument --progress: 'bar' needs scikit-learn >= 1.9 and rich "
            "(pip install rich)"
        )
    return args


def progress_bar_available():
    """Whether scikit-learn's ProgressBar callback can run here."""
    try:
        import rich  # noqa: F401
        from sklearn.callback import ProgressBar  # noqa: F401
    except ImportError:
        return False
    return True


def progress_mode(args):
    """'bar', 'lines' or 'none', from --progress and --quiet."""
    if args.quiet or args.progress == "none":
        return "none"
    if args.progress == "auto":
        return "bar" if progress_bar_available() else "lines"
    return args.progress


def _shared_options(args):
    """The Backprop estimators' parameters common to both tasks."""
    options = dict(
        hidden_layer_sizes=tuple(args.hidden),
        activation=args.activation,
        solver=args.solver,
        alpha=args.alpha,
        tol=args.tol,
        max_iter=args.epochs,
        random_state=args.seed,
    )
    if args.learning_rate is not None:  # None: the estimator's own default
        options["learning_rate_init"] = args.learning_rate
    return options


def build_models(args):
    """The two estimators the options ask for: (BackpropClassifier, MLPClassifier).

    ``args.learning_rate`` of None leaves BackpropClassifier's own default.
    """
    skbp = BackpropClassifier(
        loss=args.loss,
        verbose=progress_mode(args) == "lines",
        **_shared_options(args),
    )
    mlp = MLPClassifier(max_iter=args.epochs, random_state=args.seed)
    return skbp, mlp


def build_regressors(args):
    """The regression pair the options ask for: (BackpropRegressor, MLPRegressor).

    ``args.learning_rate`` of None leaves BackpropRegressor's own default.
    BackpropRegressor prints per-epoch progress only when the regression
    runs alone (``--task regression``) and ``--quiet`` is not given.
    """
    verbose = (
        progress_mode(args) == "lines" and getattr(args, "task", "both") == "regression"
    )
    skbp = BackpropRegressor(
        loss=args.regression_loss, verbose=verbose, **_shared_options(args)
    )
    mlp = MLPRegressor(max_iter=args.epochs, random_state=args.seed)
    return skbp, mlp


def fit_and_score(model, X_train, y_train, X_test, y_test):
    """Fit ``model``; returns (test score, fit seconds, convergence warning).

    The score is ``model.score``: accuracy for a classifier, R² for a
    regressor.  The last is the text of the first ConvergenceWarning, or None
    when the fit converged.
    """
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    warned = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    message = str(warned[0].message) if warned else None
    return model.score(X_test, y_test), seconds, message


def run_row(name, est, X_train, y_train, X_test, y_test, bar=False):
    """Fit ``est`` after a StandardScaler; one table row.

    Returns (name, score, seconds, warning, epochs).  A Backprop estimator
    that diverged (a non-finite loss) gives a nan score, "-" epochs and the
    divergence message as its warning, rather than ending the job.  With
    ``bar``, scikit-learn's ProgressBar callback shows the pipeline's fit
    (set on the pipeline, it reaches the estimator's epochs).
    """
    if est.verbose:
        print(f"== {name}, per epoch ==")
    model = make_pipeline(StandardScaler(), est)
    if bar:
        from sklearn.callback import ProgressBar

        model.set_callbacks(ProgressBar())
    start = time.perf_counter()
    try:
        result = fit_and_score(model, X_train, y_train, X_test, y_test)
    except DivergenceError as exc:
        return name, math.nan, time.perf_counter() - start, str(exc), "-"
    return (name, *result, est.n_iter_)


def _score(value):
    """A score to 4 decimals; in e-notation when it would not fit (a wild R²)."""
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.3e}"


def print_table(rows, score="test accuracy", width=20):
    """The side-by-side summary, one row per model.

    ``score`` heads the score column, ``width`` is the name column's.
    """
    print(
        f"\n{'model':<{width}} {score:>13} {'fit seconds':>11} {'epochs':>6}  converged"
    )
    for name, value, seconds, warning, n_iter in rows:
        status = "yes" if warning is None else "no (see below)"
        cells = f"{_score(value):>13} {seconds:>11.3f} {n_iter!s:>6}"
        print(f"{name:<{width}} {cells}  {status}")
    for name, _, _, warning, _ in rows:
        if warning is not None:
            print(f"\nNot converged, {name}: {warning}")


def _describe(skbp):
    """A Backprop estimator's settings, for the line under its table."""
    return (
        f"{skbp.activation} units, {skbp.loss}, {skbp.solver}, "
        f"alpha={skbp.alpha:g}, learning_rate_init={skbp.learning_rate_init:g}, "
        f"tol={skbp.tol:g}"
    )


def run_classification(args):
    """The digits table: BackpropClassifier beside MLPClassifier."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=args.seed
    )
    print(
        f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test "
        f"samples, {X.shape[1]} features, 10 classes\n"
    )
    skbp, mlp = build_models(args)
    bar = progress_mode(args) == "bar"
    rows = [
        run_row(name, est, X_train, y_train, X_test, y_test, bar=bar and est is skbp)
        for name, est in [("BackpropClassifier", skbp), ("MLPClassifier", mlp)]
    ]
    print_table(rows)
    print(
        f"\nBackpropClassifier: {_describe(skbp)}; "
        "MLPClassifier: its defaults (relu, log_loss, adam, "
        "learning_rate_init=0.001)."
    )


def regression_data(seed):
    """{name: (X, y)}: make_friedman1 (generated from ``seed``) and diabetes."""
    return {
        "friedman1": make_friedman1(n_samples=1000, noise=1.0, random_state=seed),
        "diabetes": load_diabetes(return_X_y=True),
    }


def run_regression(args):
    """The regression table: BackpropRegressor beside MLPRegressor, per data set."""
    splits = {}
    for data, (X, y) in regression_data(args.seed).items():
        splits[data] = train_test_split(X, y, test_size=0.25, random_state=args.seed)
        X_train, X_test = splits[data][:2]
        print(
            f"{data}: {X_train.shape[0]} training and {X_test.shape[0]} test "
            f"samples, {X.shape[1]} features, target in "
            f"[{y.min():.3g}, {y.max():.3g}]"
        )
    rows = []
    for data, (X_train, X_test, y_train, y_test) in splits.items():
        skbp, mlp = build_regressors(args)  # fresh estimators per data set
        if skbp.verbose:
            print()
        bar = progress_mode(args) == "bar"
        for est in (skbp, mlp):
            name = f"{data}/{type(est).__name__}"
            rows.append(
                run_row(
                    name, est, X_train, y_train, X_test, y_test, bar=bar and est is skbp
                )
            )
    print_table(rows, score="test R^2", width=28)
    output = "exp" if skbp.loss == "poisson" else "identity"
    print(
        f"\nBackpropRegressor: {_describe(skbp)}, {output} output; "
        "MLPRegressor: its defaults (relu, squared_error, adam, "
        "learning_rate_init=0.001)."
    )


def main(argv=None):
    """Run the comparisons; returns the exit status."""
    args = parse_args(argv)
    if args.task in ("both", "classification"):
        run_classification(args)
    if args.task == "both":
        print("\n")
    if args.task in ("both", "regression"):
        run_regression(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

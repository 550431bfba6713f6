"""How BackpropRegressor's default solver and learning rate were chosen.

The regressor's default model is the seed's network for regression: logistic
hidden units, the quadratic cost J = ½‖a − y‖², identity output.  Its solver
and step size are chosen here by measurement, the twin of
``benchmarks/choose_defaults.py`` for the classifier.

Two data sets: scikit-learn's diabetes (442 samples, 10 features, a target in
the hundreds) and Friedman #1 (``make_friedman1(n_samples=1000, noise=1.0,
random_state=0)``, 10 features of which 5 matter, a target of about 5 to 25).
Each is split with ``train_test_split(test_size=0.25, random_state=seed)``
for seeds 0, 1, 2, and every model is ``make_pipeline(StandardScaler(),
model)``.  The targets are used as they are, unscaled, the way users pass
them to MLPRegressor.

The reference row is MLPRegressor's defaults (``MLPRegressor(random_state=
seed)``: relu, adam 0.001, max_iter=200).  Each candidate is
``BackpropRegressor(activation="logistic", loss="squared_error",
max_iter=200, random_state=seed, ...)`` with one solver and step size.  A
candidate that diverges raises ValueError; it is reported as diverged.  A
fit that ends with a ConvergenceWarning counts as not converged.

Per data set the script prints, over the seeds: mean and minimum test R²,
mean epochs (``n_iter_``), mean fit seconds and how many fits converged.
Then it recommends a default: among the candidates that never diverged,
whose mean test R² is at least MLPRegressor-defaults' minus 0.02 on both data
sets and whose mean fit time is no longer than MLPRegressor-defaults' on both
data sets, the one with the highest minimum test R² (the per-data-set
minimum over seeds, averaged over the two data sets).

BLAS is held to one thread so that timings on a small shared machine stay
steady.  Run it from the repository root::

    python benchmarks/choose_defaults_regressor.py          # about 10 s on 2 cores
    python benchmarks/choose_defaults_regressor.py --quick  # seed 0, 2 candidates: 2 s
"""

import argparse
import statistics
import time

from sklearn.datasets import load_diabetes, make_friedman1
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import skbp
from skbp import BackpropRegressor
from skbp.__main__ import fit_and_score

DATASETS = {
    "diabetes": lambda: load_diabetes(return_X_y=True),
    "friedman1": lambda: make_friedman1(n_samples=1000, noise=1.0, random_state=0),
}
REFERENCE = "MLPRegressor defaults"
#: name -> BackpropRegressor parameters (besides the seed's model and seed).
CANDIDATES = {
    "adam 0.001": dict(solver="adam", learning_rate_init=0.001),
    "adam 0.01": dict(solver="adam", learning_rate_init=0.01),
    "adam 0.03": dict(solver="adam", learning_rate_init=0.03),
    "adam 0.1": dict(solver="adam", learning_rate_init=0.1),
    "sgd 0.001": dict(solver="sgd", learning_rate_init=0.001),
    "sgd 0.01": dict(solver="sgd", learning_rate_init=0.01),
    "lbfgs": dict(solver="lbfgs"),
    "lbfgs tol=1e-8": dict(solver="lbfgs", tol=1e-8),
}
QUICK_CANDIDATES = ("adam 0.01", "lbfgs")
SEEDS = (0, 1, 2)
R2_MARGIN = 0.02


def make_model(name, seed):
    """The reference or a candidate, with ``random_state=seed``."""
    if name == REFERENCE:
        return MLPRegressor(random_state=seed)
    return BackpropRegressor(
        activation="logistic",
        loss="squared_error",
        max_iter=200,
        random_state=seed,
        **CANDIDATES[name],
    )


def evaluate(name, data, seed):
    """One fit: a dict of test R², epochs, fit seconds, converged, diverged."""
    X, y = data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed)
    model = make_pipeline(StandardScaler(), make_model(name, seed))
    try:
        r2, seconds, warning = fit_and_score(model, X_tr, y_tr, X_te, y_te)
    except skbp.InvalidParameterError:
        raise  # a bad candidate, not a divergence
    except ValueError as exc:  # skbp stops at the first non-finite loss
        return dict(diverged=True, message=f"seed {seed}: {exc}")
    return dict(
        diverged=False,
        r2=r2,
        epochs=model[-1].n_iter_,
        seconds=seconds,
        converged=warning is None,
    )


def summarise(runs):
    """Mean/min R², mean epochs and seconds over the fits that finished."""
    done = [r for r in runs if not r["diverged"]]
    summary = dict(
        n=len(runs),
        n_diverged=len(runs) - len(done),
        messages=[r["message"] for r in runs if r["diverged"]],
    )
    if done:
        summary.update(
            mean_r2=statistics.mean(r["r2"] for r in done),
            min_r2=min(r["r2"] for r in done),
            epochs=statistics.mean(r["epochs"] for r in done),
            seconds=statistics.mean(r["seconds"] for r in done),
            converged=sum(r["converged"] for r in done),
        )
    return summary


def print_table(dataset, n_train, n_test, results):
    """One markdown table for ``dataset``: a row per model."""
    print(f"\n### {dataset} ({n_train} training, {n_test} test samples)\n")
    print("| model | mean test R² | min R² | epochs | fit s | converged |")
    print("|---|---|---|---|---|---|")
    for name, s in results.items():
        label = name if name == REFERENCE else f"BackpropRegressor {name}"
        if s["n_diverged"] == s["n"]:
            print(f"| {label} | diverged | diverged | – | – | 0/{s['n']} |")
            continue
        status = f"{s['converged']}/{s['n']}"
        if s["n_diverged"]:
            status += f" ({s['n_diverged']} diverged)"
        print(
            f"| {label} | {s['mean_r2']:.4f} | {s['min_r2']:.4f} | "
            f"{s['epochs']:.0f} | {s['seconds']:.2f} | {status} |"
        )
    for name, s in results.items():
        if s["messages"]:
            print(f"\n{name} diverged, first time: {s['messages'][0]}")


def recommend(by_dataset):
    """Print the eligibility table and the recommendation line."""
    names = [n for n in next(iter(by_dataset.values())) if n != REFERENCE]
    print(
        f"\n### Eligibility: mean R² ≥ reference − {R2_MARGIN} and mean fit s ≤ "
        "reference's, on both data sets; no divergence\n"
    )
    header = " | ".join(f"ΔR² {d} | time ratio {d}" for d in by_dataset)
    print(f"| candidate | {header} | mean of min R² | eligible |")
    print("|---|" + "---|" * (2 * len(by_dataset) + 2))
    eligible = {}
    for name in names:
        cells, ok, mins = [], True, []
        for results in by_dataset.values():
            ref, s = results[REFERENCE], results[name]
            if s["n_diverged"]:
                cells.append("diverged | –")
                ok = False
                continue
            delta = s["mean_r2"] - ref["mean_r2"]
            ratio = s["seconds"] / ref["seconds"]
            ok = ok and delta >= -R2_MARGIN and ratio <= 1.0
            mins.append(s["min_r2"])
            cells.append(f"{delta:+.4f} | {ratio:.2f}")
        score = statistics.mean(mins) if len(mins) == len(by_dataset) else None
        if ok:
            eligible[name] = score
        score_text = "–" if score is None else f"{score:.4f}"
        print(
            f"| {name} | {' | '.join(cells)} | {score_text} | {'yes' if ok else 'no'} |"
        )
    if not eligible:
        print("\nrecommendation: none of the candidates is eligible")
        return
    best = max(eligible, key=eligible.get)
    params = ", ".join(f"{k}={v!r}" for k, v in CANDIDATES[best].items())
    print(
        f"\nrecommendation: BackpropRegressor({params}) — eligible on every data "
        f"set, highest mean of per-data-set minimum test R² ({eligible[best]:.4f}) "
        f"among {len(eligible)} eligible of {len(names)} candidates"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: seed 0 only, candidates {', '.join(QUICK_CANDIDATES)}",
    )
    args = parser.parse_args(argv)
    seeds = SEEDS[:1] if args.quick else SEEDS
    names = [REFERENCE, *(QUICK_CANDIDATES if args.quick else CANDIDATES)]

    start = time.perf_counter()
    by_dataset = {}
    with threadpool_limits(1):
        for dataset, load in DATASETS.items():
            data = load()
            n_test = -(-len(data[1]) // 4)  # train_test_split rounds test up
            results = {
                name: summarise([evaluate(name, data, seed) for seed in seeds])
                for name in names
            }
            by_dataset[dataset] = results
            print_table(dataset, len(data[1]) - n_test, n_test, results)
    recommend(by_dataset)
    print(
        f"\n({'quick' if args.quick else 'full'} run: seeds "
        f"{', '.join(map(str, seeds))}; {time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()

"""Benchmark skbp's estimators against sklearn's MLPClassifier and MLPRegressor.

What is measured
----------------
Each configuration trains (or predicts with) both libraries on the same data
with the same settings: solver, batch size, hidden layers, activation,
learning rate, momentum, alpha, random_state.  Classifier rows pair
``BackpropClassifier(loss="log_loss")`` with MLPClassifier, so both minimise
the same cost (softmax + cross-entropy, L2 term alpha/2n); regressor rows
(``reg_*``) pair ``BackpropRegressor(loss="squared_error")`` with MLPRegressor
(½ squared error averaged over rows, identity output, the same L2 term).
Runs alternate — skbp, MLP, skbp, MLP, ... — so that drifts of the machine
(other work, clock boosts) hit both alike, and every number reported is the
median of ``--repeats`` runs.

* **seconds per epoch** (stochastic solvers): ``fit`` with ``max_iter=E``,
  ``tol=0`` and a huge ``n_iter_no_change`` so that it runs exactly E epochs
  (``shuffle=True``); the ``fit`` wall time (``time.perf_counter``) divided by
  ``n_iter_``.  It includes fit's fixed costs (input validation, label
  encoding, weight initialisation), which are small next to E epochs.
  **speedup** = MLP time / skbp time (> 1: skbp is faster), of the medians
  and of the fastest runs.
* **outside products** (mini-batch rows): the share of an epoch's wall time
  spent outside the input layer's two matrix products (X W and Xᵀ E, which
  both libraries hand to the same BLAS), profiled by ``products.py`` in one
  extra, untimed fit of each library: what the library itself costs.
* **%peak**: the achieved GFLOP/s as a percentage of a matrix-multiply peak
  measured at start-up, in the same dtype (2·n³ / median seconds of an n×n
  ``np.matmul``, n = 2048).  The FLOPs of one epoch over n rows count only
  the GEMMs, for a network of layer sizes u_0, ..., u_L (u_L: 10 classes,
  or 1 regression output):
  forward 2·n·u_l·u_{l+1} per layer, weight gradients the same again, and the
  back-propagated errors 2·n·u_l·u_{l+1} for every layer except the first.
  Both libraries are credited with the same count.  Prediction counts the
  forward GEMMs only; L-BFGS counts one full-batch loss-and-gradient
  evaluation per iteration (it usually needs about one).
* **peak MiB**: the peak of ``tracemalloc`` (NumPy reports its array buffers
  to it) during one extra, untimed call — ``fit`` with one epoch (L-BFGS and
  defaults: the whole fit), or the ``predict_proba`` call — with the data
  created beforehand and so excluded.
  tracemalloc slows Python-level allocation, which is why memory has its
  own run and never overlaps a timed one.
* L-BFGS: seconds per iteration and total fit seconds, for a fixed
  ``max_iter`` (SciPy may stop earlier on its own function tolerance; the
  iteration counts are in the notes).
* Defaults: each library's default estimator in
  ``make_pipeline(StandardScaler(), ...)`` fitted to convergence on digits
  (25% stratified test split; test accuracy) or on friedman1 (25% test split;
  test R²): fit seconds, epochs and the test score.

Configurations (``--only`` takes these names)
---------------------------------------------
Synthetic data: ``make_classification`` (10 classes, 50 informative of 784
features), standardised; 60,000 rows (2,000 with ``--smoke``).  The regressor
rows' synthetic data is the same X with a smooth nonlinear target, y = sin(2 t_1)
+ t_2²/2 + t_1 t_2 of two random unit-variance projections t = X·W,
standardised.  friedman1: ``make_friedman1`` (10 features, noise 1.0,
random_state=0).

    sgd64     hidden (100,) relu, SGD Nesterov μ=0.9, lr 0.01, batch 200, float64
    adam64    hidden (100,) relu, Adam lr 0.001, batch 200, float64
    sgd32     as sgd64 in float32
    adam32    as adam64 in float32
    book      hidden (30,) logistic, plain SGD lr 0.1, batch 10, float64
    lbfgs     digits (standardised), hidden (100,) relu, L-BFGS, max_iter 200
    predict   predict_proba on the 60,000 rows, a model with sgd64's settings
    defaults  digits, BackpropClassifier() vs MLPClassifier(), to convergence
    dropout64 as adam64 with dropout=0.2 for skbp (MLP has no dropout); its
              notes give the cost of dropout: skbp's seconds per epoch with
              dropout 0.2 over the same skbp network without it, measured
              in the same alternation

    reg_adam64    synthetic regression, as adam64
    reg_sgd32     synthetic regression, as sgd32
    reg_lbfgs     friedman1, 10,000 rows (X standardised), as lbfgs
    reg_defaults  friedman1, 1,000 rows, BackpropRegressor() vs MLPRegressor()

alpha is 1e-4 (both libraries' default) throughout; random_state=0.

If PyTorch is importable, the stochastic configurations get a PyTorch CPU
column too: an equivalent ``nn.Sequential`` trained with SGD/Adam and
cross-entropy (regressor rows: ½ · mean squared error, identity output) on the
same data and batch size (its L2 term as weight decay on the weights only,
alpha / batch size, MLP's scaling); the time of its training loop over E
epochs, divided by E.  PyTorch is never required.

Usage
-----
    python benchmarks/bench.py          # full run: benchmarks/results.{md,json}
    python benchmarks/bench.py --only sgd64,book --repeats 5
    python benchmarks/bench.py --smoke  # seconds-long check, prints only

``--smoke`` uses tiny data and one epoch: its numbers mean nothing; it exists
so that CI keeps the script working.  It writes files only with ``--out`` and
runs BLAS on one thread (when threadpoolctl is importable), so that it stays
fast on a busy machine: multi-threaded BLAS calls on small arrays slow down
by 10× or more when their threads have to share the cores with other work.
``--blas-threads N`` caps the BLAS threads of a full run likewise.
"""

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.datasets import load_digits, make_classification, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

try:
    import skbp
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import skbp
from skbp import BackpropClassifier, BackpropRegressor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from products import outside_share  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

HERE = Path(__file__).resolve().parent
LIBS = ("skbp", "mlp")
# The estimator pair of each task, and the skbp settings that make it minimise
# the same cost as its MLP counterpart.
ESTIMATORS = {
    "classifier": {"skbp": BackpropClassifier, "mlp": MLPClassifier},
    "regressor": {"skbp": BackpropRegressor, "mlp": MLPRegressor},
}
SAME_COST = {
    "classifier": {"loss": "log_loss"},
    "regressor": {"loss": "squared_error"},
}


# --------------------------------------------------------------- settings


@dataclass(frozen=True)
class Mode:
    """Sizes that differ between a full run and ``--smoke``."""

    smoke: bool
    n_samples: int  # rows of the synthetic data
    epochs_b200: int  # epochs per timed fit at batch 200
    epochs_b10: int  # ... and at batch 10
    gemm_n: int  # size of the peak-measuring GEMM
    lbfgs_max_iter: int
    defaults_max_iter: int | None  # None: the libraries' own default
    friedman_rows: int  # rows of friedman1 for L-BFGS

    @classmethod
    def full(cls):
        return cls(False, 60_000, 3, 2, 2048, 200, None, 10_000)

    @classmethod
    def tiny(cls):
        return cls(True, 2_000, 1, 1, 256, 10, 10, 1_000)


SGD_NESTEROV = dict(
    hidden_layer_sizes=(100,),
    activation="relu",
    solver="sgd",
    batch_size=200,
    learning_rate_init=0.01,
    momentum=0.9,
    nesterovs_momentum=True,
    alpha=1e-4,
)
ADAM = dict(
    hidden_layer_sizes=(100,),
    activation="relu",
    solver="adam",
    batch_size=200,
    learning_rate_init=0.001,
    alpha=1e-4,
)
BOOK = dict(
    hidden_layer_sizes=(30,),
    activation="logistic",
    solver="sgd",
    batch_size=10,
    learning_rate_init=0.1,
    momentum=0.0,
    nesterovs_momentum=False,
    alpha=1e-4,
)
LBFGS = dict(hidden_layer_sizes=(100,), activation="relu", solver="lbfgs", alpha=1e-4)


@dataclass
class Config:
    """One benchmark: what to run (``kind``), on which data, with which settings."""

    name: str  # for --only
    kind: str  # "epochs", "lbfgs", "predict" or "defaults"
    data: str  # "synthetic", "digits" or "friedman1"
    dtype: str = "float64"
    params: dict = field(default_factory=dict)  # shared by both libraries
    task: str = "classifier"  # or "regressor": the estimator pair, the target


CONFIGS = [
    Config("sgd64", "epochs", "synthetic", "float64", SGD_NESTEROV),
    Config("adam64", "epochs", "synthetic", "float64", ADAM),
    Config("sgd32", "epochs", "synthetic", "float32", SGD_NESTEROV),
    Config("adam32", "epochs", "synthetic", "float32", ADAM),
    Config("book", "epochs", "synthetic", "float64", BOOK),
    Config("lbfgs", "lbfgs", "digits", "float64", LBFGS),
    Config("predict", "predict", "synthetic", "float64", SGD_NESTEROV),
    Config("defaults", "defaults", "digits"),
    Config("dropout64", "dropout", "synthetic", "float64", {**ADAM, "dropout": 0.2}),
    Config("reg_adam64", "epochs", "synthetic", "float64", ADAM, "regressor"),
    Config("reg_sgd32", "epochs", "synthetic", "float32", SGD_NESTEROV, "regressor"),
    Config("reg_lbfgs", "lbfgs", "friedman1", "float64", LBFGS, "regressor"),
    Config("reg_defaults", "defaults", "friedman1", task="regressor"),
]


def data_label(cfg):
    """The data a configuration runs on, in words."""
    if cfg.data == "synthetic" and cfg.task == "regressor":
        return "synthetic regression"
    if cfg.data == "friedman1":
        return "friedman1 (1000 rows)" if cfg.kind == "defaults" else "friedman1"
    return cfg.data


def describe(cfg):
    """A short human-readable description of a configuration's settings."""
    p = cfg.params
    if cfg.kind == "defaults":
        return (
            f"{data_label(cfg)}, each library's defaults in "
            "make_pipeline(StandardScaler(), ...), random_state=0"
        )
    solver = p["solver"]
    if solver == "sgd":
        nesterov = " Nesterov" if p["nesterovs_momentum"] else ""
        solver = f"sgd μ={p['momentum']}{nesterov} lr={p['learning_rate_init']}"
    elif solver == "adam":
        solver = f"adam lr={p['learning_rate_init']}"
    batch = f", batch {p['batch_size']}" if "batch_size" in p else ""
    what = "predict_proba, model of sgd64" if cfg.kind == "predict" else solver
    if "dropout" in p:
        what += f", skbp dropout {p['dropout']}"
    return (
        f"{data_label(cfg)}, hidden {p['hidden_layer_sizes']} {p['activation']}, "
        f"{what}{batch}, {cfg.dtype}"
    )


# ------------------------------------------------------------------- data


@lru_cache(maxsize=None)
def synthetic(n_samples, dtype):
    """Standardised make_classification data: n × 784, 10 classes."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=784,
        n_informative=50,
        n_redundant=0,
        n_classes=10,
        random_state=0,
    )
    X = StandardScaler().fit_transform(X).astype(dtype)
    return X, y


@lru_cache(maxsize=None)
def synthetic_regression(n_samples, dtype):
    """The synthetic X (the same array) with a smooth nonlinear target.

    y = sin(2 t_1) + t_2²/2 + t_1 t_2, t = X·W two random projections of unit
    variance, standardised: a scale at which SGD at lr 0.01 does not diverge.
    """
    X, _ = synthetic(n_samples, dtype)
    W = np.random.default_rng(0).standard_normal((X.shape[1], 2))
    t1, t2 = (np.asarray(X, np.float64) @ (W / np.sqrt(X.shape[1]))).T
    y = np.sin(2 * t1) + t2**2 / 2 + t1 * t2
    return X, ((y - y.mean()) / y.std()).astype(dtype)


@lru_cache(maxsize=None)
def digits(dtype):
    """sklearn's bundled digits, standardised: 1797 × 64, 10 classes."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(dtype), y


@lru_cache(maxsize=None)
def friedman1(n_samples, dtype):
    """make_friedman1 (noise 1.0), X standardised: n × 10, 1 output."""
    X, y = make_friedman1(n_samples=n_samples, noise=1.0, random_state=0)
    return StandardScaler().fit_transform(X).astype(dtype), y.astype(dtype)


def dataset(cfg, mode):
    if cfg.data == "digits":
        return digits(cfg.dtype)
    if cfg.data == "friedman1":
        return friedman1(mode.friedman_rows, cfg.dtype)
    if cfg.task == "regressor":
        return synthetic_regression(mode.n_samples, cfg.dtype)
    return synthetic(mode.n_samples, cfg.dtype)


def defaults_split(cfg):
    """Raw (unscaled) train/test split of the defaults rows: X_tr, X_te, y_tr, y_te."""
    if cfg.data == "digits":
        X, y = load_digits(return_X_y=True)
        return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    X, y = make_friedman1(n_samples=1000, noise=1.0, random_state=0)
    return train_test_split(X, y, test_size=0.25, random_state=0)


def n_outputs(task, y):
    """Output units: one per class, or one per regression target."""
    if task == "classifier":
        return len(np.unique(y))
    return 1 if y.ndim == 1 else y.shape[1]


# -------------------------------------------------------------- measuring


def seconds(fn):
    """Wall seconds of ``fn()`` and its result, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak_mib(fn):
    """Peak tracemalloc memory (MiB) allocated while ``fn()`` runs."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / 2**20


def alternate(runs, repeats):
    """Call each of ``runs`` (name → function) in turn, ``repeats`` rounds.

    Returns name → list of the functions' results, in order.
    """
    results = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            results[name].append(run())
    return results


def gemm_peak_gflops(dtype, n, repeats=5):
    """GFLOP/s of an n×n×n np.matmul in ``dtype``: 2n³ / median seconds."""
    rng = np.random.default_rng(0)
    A, B = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    C = np.empty((n, n), dtype)
    np.matmul(A, B, out=C)  # warm-up: thread pool, page faults
    times = [seconds(lambda: np.matmul(A, B, out=C))[0] for _ in range(repeats)]
    return 2 * n**3 / statistics.median(times) / 1e9


def layer_units(params, n_features, n_out):
    return [n_features, *params["hidden_layer_sizes"], n_out]


def gemm_flops(n_rows, units, backward=True):
    """FLOPs of the GEMMs of one pass over ``n_rows`` rows (see the docstring)."""
    sizes = [a * b for a, b in zip(units[:-1], units[1:])]
    forward = 2 * n_rows * sum(sizes)
    if not backward:
        return forward
    return forward + 2 * n_rows * sum(sizes) + 2 * n_rows * sum(sizes[1:])


def config_flops(cfg, X, y, backward=True):
    """GEMM FLOPs of one pass of ``cfg``'s network over the rows of X."""
    units = layer_units(cfg.params, X.shape[1], n_outputs(cfg.task, y))
    return gemm_flops(X.shape[0], units, backward)


# ------------------------------------------------------------- estimators


def estimator(lib, task, params):
    """The library's estimator for ``task`` with ``params`` (skbp: MLP's cost)."""
    same_cost = SAME_COST[task] if lib == "skbp" else {}
    return ESTIMATORS[task][lib](**same_cost, **params)


def exact_epochs(params, epochs):
    """``params`` for a fit of exactly ``epochs`` epochs, reproducibly."""
    return dict(
        params,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        shuffle=True,
        random_state=0,
    )


def fit(lib, task, params, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator(lib, task, params).fit(X, y)


def warm_up(tasks):
    """One tiny fit per library and task, so one-time costs miss the first timed run."""
    data = {"classifier": synthetic, "regressor": synthetic_regression}
    for task in tasks:
        X, y = data[task](200, "float64")
        for lib in LIBS:
            fit(lib, task, exact_epochs(SGD_NESTEROV, 1), X, y)


def torch_model(units, activation, dtype):
    """nn.Sequential of Linear layers of ``units``, ``activation`` between them."""
    nn = torch.nn
    act = {
        "relu": nn.ReLU,
        "logistic": nn.Sigmoid,
        "tanh": nn.Tanh,
        "identity": nn.Identity,
    }[activation]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(units[:-1], units[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(units) - 2:
            layers.append(act())
    return nn.Sequential(*layers).to(dtype)


def torch_target_and_cost(task, X, y):
    """Tensor of y and the cost: cross-entropy, or ½ squared error averaged over
    rows with an identity output (MLPRegressor's, for one output)."""
    if task == "classifier":
        return torch.from_numpy(y.astype(np.int64)), torch.nn.CrossEntropyLoss()
    mse = torch.nn.MSELoss()  # the mean over rows (and outputs)
    yt = torch.from_numpy(np.asarray(y, X.dtype).reshape(len(y), -1))
    return yt, lambda output, target: 0.5 * mse(output, target)


def torch_optimizer(model, params):
    """SGD or Adam with MLP's L2 term as weight decay on the weights only."""
    batch = params["batch_size"]
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    groups = [
        {"params": weights, "weight_decay": params["alpha"] / batch},
        {"params": biases, "weight_decay": 0.0},
    ]
    lr = params["learning_rate_init"]
    if params["solver"] == "sgd":
        mu = params["momentum"]
        return torch.optim.SGD(
            groups, lr=lr, momentum=mu, nesterov=params["nesterovs_momentum"] and mu > 0
        )
    return torch.optim.Adam(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)


def torch_seconds_per_epoch(task, params, X, y, epochs):
    """Seconds per epoch of an equivalent PyTorch CPU training loop."""
    torch.manual_seed(0)
    Xt = torch.from_numpy(X)
    yt, loss_fn = torch_target_and_cost(task, X, y)
    units = layer_units(params, X.shape[1], n_outputs(task, y))
    model = torch_model(units, params["activation"], Xt.dtype)
    opt = torch_optimizer(model, params)
    batch = params["batch_size"]
    gen = torch.Generator().manual_seed(0)

    def train():
        for _ in range(epochs):
            order = torch.randperm(len(Xt), generator=gen)
            for start in range(0, len(Xt), batch):
                idx = order[start : start + batch]
                opt.zero_grad(set_to_none=True)
                loss_fn(model(Xt[idx]), yt[idx]).backward()
                opt.step()

    return seconds(train)[0] / epochs


# ------------------------------------------------------------ benchmarks


def lib_summary(times, flops, peak_gflops, mib, **extra):
    """Median time, GFLOP/s and %peak of one library's runs."""
    median = statistics.median(times)
    summary = {"times": times, "median": median, "fastest": min(times), "peak_mib": mib}
    if flops is not None:
        gflops = flops / median / 1e9
        summary.update(gflops=gflops, pct_peak=100 * gflops / peak_gflops)
    return summary | extra


def bench_epochs(cfg, mode, repeats, peak):
    """Seconds per epoch of both libraries (and PyTorch when available)."""
    X, y = dataset(cfg, mode)
    epochs = mode.epochs_b10 if cfg.params["batch_size"] <= 10 else mode.epochs_b200
    params = exact_epochs(cfg.params, epochs)

    def run(lib):
        t, est = seconds(lambda: fit(lib, cfg.task, params, X, y))
        return t / est.n_iter_, est.n_iter_

    runs = {lib: (lambda lib=lib: run(lib)) for lib in LIBS}
    if torch is not None:
        runs["torch"] = lambda: (
            torch_seconds_per_epoch(cfg.task, cfg.params, X, y, epochs),
            epochs,
        )
    results = alternate(runs, repeats)
    flops = config_flops(cfg, X, y)
    one_epoch = exact_epochs(cfg.params, 1)
    row = {}
    for lib, res in results.items():
        extra = {}
        if lib in LIBS:
            extra["peak_mib"] = peak_mib(
                lambda lib=lib: fit(lib, cfg.task, one_epoch, X, y)
            )
            extra["outside_products"] = outside_share(
                lib,
                lambda lib=lib: fit(lib, cfg.task, params, X, y),
                X.shape[1],
                cfg.params["hidden_layer_sizes"][0],
            )
        row[lib] = lib_summary(
            [t for t, _ in res],
            flops,
            peak,
            extra.pop("peak_mib", None),
            n_iter=[n for _, n in res],
            **extra,
        )
    return dict(unit="s/epoch", epochs=epochs, n_samples=X.shape[0], flops=flops, **row)


def bench_lbfgs(cfg, mode, repeats, peak):
    """Seconds per L-BFGS iteration and per fit, for a fixed max_iter."""
    X, y = dataset(cfg, mode)
    params = dict(cfg.params, max_iter=mode.lbfgs_max_iter, tol=0.0, random_state=0)

    def run(lib):
        t, est = seconds(lambda: fit(lib, cfg.task, params, X, y))
        return t, est.n_iter_

    results = alternate({lib: (lambda lib=lib: run(lib)) for lib in LIBS}, repeats)
    flops = config_flops(cfg, X, y)
    row = {}
    for lib, res in results.items():
        per_iter = [t / n for t, n in res]
        fit_s = statistics.median(t for t, _ in res)
        mib = peak_mib(lambda lib=lib: fit(lib, cfg.task, params, X, y))
        row[lib] = lib_summary(
            per_iter, flops, peak, mib, fit_seconds=fit_s, n_iter=[n for _, n in res]
        )
    notes = (
        f"{X.shape[0]} rows; fit {row['skbp']['fit_seconds']:.3g} s vs "
        f"{row['mlp']['fit_seconds']:.3g} s; iterations "
        f"{row['skbp']['n_iter'][0]} vs {row['mlp']['n_iter'][0]} "
        f"(max_iter {params['max_iter']})"
    )
    return dict(unit="s/iter", n_samples=X.shape[0], flops=flops, notes=notes, **row)


def bench_predict(cfg, mode, repeats, peak):
    """Seconds and memory of predict_proba on the training rows."""
    X, y = dataset(cfg, mode)
    params = exact_epochs(cfg.params, 1)
    models = {lib: fit(lib, cfg.task, params, X, y) for lib in LIBS}
    runs = {
        lib: (lambda m=m: seconds(lambda: m.predict_proba(X))[0])
        for lib, m in models.items()
    }
    results = alternate(runs, repeats)
    flops = config_flops(cfg, X, y, backward=False)
    row = {
        lib: lib_summary(
            times, flops, peak, peak_mib(lambda m=models[lib]: m.predict_proba(X))
        )
        for lib, times in results.items()
    }
    return dict(unit="s/call", n_samples=X.shape[0], flops=flops, **row)


def bench_dropout(cfg, mode, repeats, peak):
    """Seconds per epoch of skbp with dropout, of the same skbp network
    without it, and of MLP (which has no dropout), alternating."""
    X, y = dataset(cfg, mode)
    epochs = mode.epochs_b200
    rate = cfg.params["dropout"]
    plain = exact_epochs(
        {k: v for k, v in cfg.params.items() if k != "dropout"}, epochs
    )
    settings = {"skbp": dict(plain, dropout=rate), "skbp_no_dropout": plain}
    settings["mlp"] = plain

    def run(name):
        lib = "mlp" if name == "mlp" else "skbp"
        t, est = seconds(lambda: fit(lib, cfg.task, settings[name], X, y))
        return t / est.n_iter_

    results = alternate({name: (lambda n=name: run(n)) for name in settings}, repeats)
    flops = config_flops(cfg, X, y)
    row = {}
    for name, times in results.items():
        lib = "mlp" if name == "mlp" else "skbp"
        one_epoch = dict(settings[name], max_iter=1)
        mib = peak_mib(lambda p=one_epoch, lib=lib: fit(lib, cfg.task, p, X, y))
        row[name] = lib_summary(times, flops, peak, mib)
    cost = row["skbp"]["median"] / row["skbp_no_dropout"]["median"]
    notes = (
        f"{X.shape[0]} rows, epochs/fit: {epochs}; dropout {rate} costs "
        f"{cost:.2f}× the same skbp network without it "
        f"({row['skbp']['median']:.3g} vs {row['skbp_no_dropout']['median']:.3g} "
        "s/epoch); MLP runs without dropout"
    )
    return dict(
        unit="s/epoch",
        n_samples=X.shape[0],
        flops=flops,
        dropout_cost=cost,
        notes=notes,
        **row,
    )


# The test score of the defaults rows: its key in the JSON, its name in the notes.
METRIC = {"classifier": ("accuracy", "accuracy"), "regressor": ("r2", "R²")}


def bench_defaults(cfg, mode, repeats, peak):
    """Each library's defaults fitted to convergence on a digits/friedman1 split."""
    X_tr, X_te, y_tr, y_te = defaults_split(cfg)
    cap = {} if mode.defaults_max_iter is None else {"max_iter": mode.defaults_max_iter}

    def pipeline_fit(lib):
        model = ESTIMATORS[cfg.task][lib](random_state=0, **cap)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return make_pipeline(StandardScaler(), model).fit(X_tr, y_tr)

    def run(lib):
        t, model = seconds(lambda: pipeline_fit(lib))
        return t, model[-1].n_iter_, model.score(X_te, y_te)

    results = alternate({lib: (lambda lib=lib: run(lib)) for lib in LIBS}, repeats)
    key, label = METRIC[cfg.task]
    row = {}
    for lib, res in results.items():
        row[lib] = lib_summary(
            [t for t, _, _ in res],
            None,
            peak,
            peak_mib(lambda lib=lib: pipeline_fit(lib)),
            n_iter=[n for _, n, _ in res],
            **{key: [a for _, _, a in res]},
        )
    s, m = row["skbp"], row["mlp"]
    notes = (
        f"epochs {s['n_iter'][0]} vs {m['n_iter'][0]}; test {label} "
        f"{s[key][0]:.4f} vs {m[key][0]:.4f}"
    )
    return dict(unit="s/fit", n_samples=X_tr.shape[0], flops=None, notes=notes, **row)


BENCHES = {
    "epochs": bench_epochs,
    "lbfgs": bench_lbfgs,
    "predict": bench_predict,
    "defaults": bench_defaults,
    "dropout": bench_dropout,
}


def run_config(cfg, mode, repeats, peaks):
    row = BENCHES[cfg.kind](cfg, mode, repeats, peaks[cfg.dtype])
    row["speedup"] = row["mlp"]["median"] / row["skbp"]["median"]
    row["speedup_fastest"] = row["mlp"]["fastest"] / row["skbp"]["fastest"]
    return dict(
        name=cfg.name,
        setting=describe(cfg),
        task=cfg.task,
        kind=cfg.kind,
        dtype=cfg.dtype,
        params={
            k: list(v) if isinstance(v, tuple) else v for k, v in cfg.params.items()
        },
        **row,
    )


# --------------------------------------------------------------- machine


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    keys = (
        "user_api",
        "internal_api",
        "version",
        "num_threads",
        "architecture",
        "threading_layer",
        "filepath",
    )
    return [{k: lib.get(k) for k in keys} for lib in threadpool_info()]


def blas_threads(n):
    """A context capping every BLAS library at ``n`` threads (None: no cap)."""
    if n is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=n, user_api="blas")


def load_average():
    """1-minute load average (None where unknown): other work skews timings."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def machine():
    cores = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu_model(),
        "cores": cores,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "skbp": skbp.__version__,
        "torch": None if torch is None else torch.__version__,
        "blas": blas_info(),
    }


# ---------------------------------------------------------------- output


def fmt(x, spec=".3g", missing="—"):
    return missing if x is None else format(x, spec)


def markdown(report):
    m = report["machine"]
    blas = (
        "; ".join(
            f"{b['internal_api']} {b['version']} (threads={b['num_threads']})"
            for b in (m["blas"] or [])
            if b["user_api"] == "blas"
        )
        or "unknown"
    )
    peaks = ", ".join(
        f"{d} {g:.1f} GFLOP/s" for d, g in report["gemm_peak_gflops"].items()
    )
    smoke = " (SMOKE: numbers meaningless)" if report["smoke"] else ""
    tasks = [t for t in ESTIMATORS if any(r.get("task") == t for r in report["rows"])]
    versus = " and ".join(ESTIMATORS[t]["mlp"].__name__ for t in tasks)
    lines = [
        f"# skbp vs {versus or 'MLP'}{smoke}",
        "",
        f"- date: {report['date']}",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['platform']}, "
        f"Python {m['python']}",
        f"- numpy {m['numpy']}, scipy {m['scipy']}, scikit-learn {m['sklearn']}, "
        f"skbp {m['skbp']}" + (f", torch {m['torch']}" if m["torch"] else ""),
        f"- BLAS: {blas}",
        f"- 1-min load average before / after: {m['load_average']['before']} / "
        f"{m['load_average']['after']} (this run adds about 1-2; more means other "
        "work shared the cores)",
        f"- GEMM peak ({report['gemm_n']}³ matmul): {peaks}",
        f"- medians and fastest of {report['repeats']} alternating runs; speedup = "
        "MLP time / skbp time (of the medians; of the fastest runs); outside "
        "= share of a fit's time spent outside the input layer's two matrix "
        "products (profiled, one untimed fit each); %peak = GEMM GFLOP/s of the "
        "epoch ÷ GEMM peak; MiB = tracemalloc peak of one fit (1 epoch; L-BFGS "
        "and defaults rows: the whole fit) or predict call",
        "",
    ]
    torch_col = any("torch" in r for r in report["rows"])
    head = [
        "config",
        "setting",
        "unit",
        "skbp",
        "MLP",
        "speedup",
        "skbp fastest",
        "MLP fastest",
        "speedup fastest",
        "skbp outside",
        "MLP outside",
        "skbp %peak",
        "MLP %peak",
        "skbp MiB",
        "MLP MiB",
    ]
    head += (["torch s", "torch fastest"] if torch_col else []) + ["notes"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in report["rows"]:
        s, p = r["skbp"], r["mlp"]
        cells = [
            r["name"],
            r["setting"],
            r["unit"],
            fmt(s["median"]),
            fmt(p["median"]),
            f"{r['speedup']:.2f}×",
            fmt(s["fastest"]),
            fmt(p["fastest"]),
            f"{r['speedup_fastest']:.2f}×",
            fmt(s.get("outside_products"), ".0%"),
            fmt(p.get("outside_products"), ".0%"),
            fmt(s.get("pct_peak"), ".1f"),
            fmt(p.get("pct_peak"), ".1f"),
            fmt(s["peak_mib"], ".1f"),
            fmt(p["peak_mib"], ".1f"),
        ]
        if torch_col:
            torch_row = r.get("torch", {})
            cells += [fmt(torch_row.get("median")), fmt(torch_row.get("fastest"))]
        notes = r.get("notes", "")
        if "epochs" in r:
            notes = f"{r['n_samples']} rows, epochs/fit: {r['epochs']}"
        cells.append(notes)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write(report, out):
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "results.md").write_text(markdown(report))


# ------------------------------------------------------------------ main


def parse_args(argv=None):
    names = [c.name for c in CONFIGS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny data, 1 epoch, 1 repeat: checks the script runs",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs per library (default 3; 1 with --smoke)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory for results.md and results.json (default "
        "benchmarks/; --smoke writes nothing unless given)",
    )
    parser.add_argument(
        "--only", default=None, help=f"comma-separated configs among {','.join(names)}"
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="cap BLAS threads (needs threadpoolctl; default: no "
        "cap, 1 with --smoke when threadpoolctl is importable)",
    )
    args = parser.parse_args(argv)
    if args.only:
        unknown = set(args.only.split(",")) - set(names)
        if unknown:
            parser.error(f"unknown config(s) {sorted(unknown)}; choose from {names}")
    if args.repeats is None:
        args.repeats = 1 if args.smoke else 3
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.out is None and not args.smoke:
        args.out = HERE
    if args.blas_threads is None and args.smoke and _has_threadpoolctl():
        args.blas_threads = 1
    return args


def _has_threadpoolctl():
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        return False
    return True


def run_all(configs, mode, repeats):
    """GEMM peaks, then every configuration: (peaks, rows)."""
    peaks = {
        d: gemm_peak_gflops(np.dtype(d), mode.gemm_n)
        for d in sorted({c.dtype for c in configs})
    }
    warm_up(sorted({c.task for c in configs}))
    rows = []
    for cfg in configs:
        print(f"running {cfg.name}: {describe(cfg)}", file=sys.stderr, flush=True)
        rows.append(run_config(cfg, mode, repeats, peaks))
    return peaks, rows


def main(argv=None):
    args = parse_args(argv)
    mode = Mode.tiny() if args.smoke else Mode.full()
    chosen = set(args.only.split(",")) if args.only else None
    configs = [c for c in CONFIGS if chosen is None or c.name in chosen]
    load_before = load_average()
    with blas_threads(args.blas_threads):
        info = machine()  # inside the cap, so that it reports the threads used
        peaks, rows = run_all(configs, mode, args.repeats)
    info["load_average"] = {"before": load_before, "after": load_average()}
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "smoke": mode.smoke,
        "repeats": args.repeats,
        "blas_threads_cap": args.blas_threads,
        "gemm_n": mode.gemm_n,
        "gemm_peak_gflops": peaks,
        "machine": info,
        "rows": rows,
    }
    print(markdown(report))
    if args.out is not None:
        write(report, args.out)
        print(
            f"wrote {args.out / 'results.md'} and {args.out / 'results.json'}",
            file=sys.stderr,
        )
    return report


if __name__ == "__main__":
    main()

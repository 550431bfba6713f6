"""skbp's side of bench.py's rows, timed in two checkouts in one alternating run.

A change must not slow today's rows down.  Run on a shared machine, two
separate ``bench.py`` runs differ by more than the change does, so this
script times only skbp (MLP and PyTorch do not change) for each of
``bench.py``'s configurations, in two checkouts — ``--before`` (e.g. an
export of ``main``) and ``--after`` (this checkout) — alternating:
configuration by configuration, round after round, each timing in a fresh
subprocess that imports that checkout's ``skbp`` and ``bench.py``.  Each
number is bench.py's unit for the row (s/epoch, s/iter, s/call, s/fit) on
bench.py's full data.  ``--clock cpu`` (the default) counts CPU seconds of
the process with BLAS on one thread (``time.process_time``): on cores
shared with other work, wall time varies by tens of percent from run to
run, CPU time much less.  ``--clock wall`` counts wall seconds with the
BLAS threads a user gets (bench.py's own clock), for a quiet machine.  The
table gives, per checkout, the fastest and the median of the rounds and
after/before of each; for the mini-batch rows also the share of an epoch
spent outside the input layer's two matrix products (``products.py``,
profiled in a separate, untimed fit of each round; the median share).

Usage
-----
    git archive main | tar -x -C /tmp/before
    python benchmarks/before_after.py --before /tmp/before --rounds 3
    python benchmarks/before_after.py --before /tmp/before --only sgd64,predict
    python benchmarks/before_after.py --before /tmp/before --rows 10000
    python benchmarks/before_after.py --before /tmp/before --clock wall \
        --rounds 5 --only sgd64,adam64,sgd32,adam32

``--rows`` shrinks the synthetic data (a busy machine); the per-epoch
figures stay comparable between the two checkouts, not with bench.py's.
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Run in a subprocess: one timing of skbp for one configuration of bench.py.
TIMING = r"""
import importlib.util, json, sys, time, warnings
from threadpoolctl import threadpool_limits
spec = importlib.util.spec_from_file_location("bench", sys.argv[1])
bench = importlib.util.module_from_spec(spec)
products_path, clock = sys.argv[2], sys.argv[3]
sys.argv = sys.argv[:1] + sys.argv[4:]
spec.loader.exec_module(bench)
name = sys.argv[1]
cfg = next(c for c in bench.CONFIGS if c.name == name)
import dataclasses
mode = bench.Mode.full()
if int(sys.argv[2]):
    mode = dataclasses.replace(mode, n_samples=int(sys.argv[2]))
bench.warm_up([cfg.task])


def cpu_seconds(fn):
    # CPU seconds of this process with one BLAS thread: other work sharing
    # the cores inflates wall time far more than the CPU time of a fit.
    with threadpool_limits(limits=1):
        start = time.process_time()
        result = fn()
        return time.process_time() - start, result


if clock == "cpu":
    bench.seconds = cpu_seconds
share = None
if cfg.kind == "defaults":
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    X_tr, X_te, y_tr, y_te = bench.defaults_split(cfg)
    def run():
        model = bench.ESTIMATORS[cfg.task]["skbp"](random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make_pipeline(StandardScaler(), model).fit(X_tr, y_tr)
    value = bench.seconds(run)[0]
else:
    X, y = bench.dataset(cfg, mode)
    if cfg.kind == "epochs" or cfg.kind == "dropout":
        epochs = mode.epochs_b10 if cfg.params["batch_size"] <= 10 else mode.epochs_b200
        params = bench.exact_epochs(cfg.params, epochs)
        t, est = bench.seconds(lambda: bench.fit("skbp", cfg.task, params, X, y))
        value = t / est.n_iter_
        spec = importlib.util.spec_from_file_location("products", products_path)
        products = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(products)
        share = products.outside_share(
            "skbp",
            lambda: bench.fit("skbp", cfg.task, params, X, y),
            X.shape[1],
            cfg.params["hidden_layer_sizes"][0],
        )
    elif cfg.kind == "lbfgs":
        params = dict(cfg.params, max_iter=mode.lbfgs_max_iter, tol=0.0, random_state=0)
        t, est = bench.seconds(lambda: bench.fit("skbp", cfg.task, params, X, y))
        value = t / est.n_iter_
    else:
        model = bench.fit("skbp", cfg.task, bench.exact_epochs(cfg.params, 1), X, y)
        value = bench.seconds(lambda: model.predict_proba(X))[0]
print(json.dumps({"value": value, "share": share}))
"""


def time_once(checkout, name, rows, clock="cpu"):
    """One timing of ``name`` in ``checkout``: ``{"value": seconds in the
    row's unit, "share": outside the two products (mini-batch rows) or None}``."""
    script = Path(checkout) / "benchmarks" / "bench.py"
    products = HERE / "products.py"
    command = [sys.executable, "-c", TIMING, str(script), str(products), clock]
    result = subprocess.run(
        [*command, name, str(rows)],
        capture_output=True,
        text=True,
        cwd=checkout,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def config_names(checkout):
    """The configuration names of the checkout's bench.py."""
    code = (
        "import importlib.util, sys\n"
        "s = importlib.util.spec_from_file_location('bench', sys.argv[1])\n"
        "m = importlib.util.module_from_spec(s); s.loader.exec_module(m)\n"
        "print(','.join(c.name for c in m.CONFIGS))"
    )
    script = str(Path(checkout) / "benchmarks" / "bench.py")
    out = subprocess.run(
        [sys.executable, "-c", code, script], capture_output=True, text=True, check=True
    )
    return out.stdout.strip().split(",")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=HERE.parent)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=None)
    parser.add_argument(
        "--rows",
        type=int,
        default=0,
        help="rows of the synthetic data (default 0: bench.py's 60,000)",
    )
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="cpu: CPU seconds, one BLAS thread (default); wall: wall seconds",
    )
    args = parser.parse_args(argv)
    before_names = config_names(args.before)
    names = args.only.split(",") if args.only else before_names
    runs = {(n, v): [] for n in names for v in ("before", "after")}
    for _ in range(args.rounds):
        for name in names:
            for version, checkout in (("before", args.before), ("after", args.after)):
                if version == "before" and name not in before_names:
                    continue
                run = time_once(checkout, name, args.rows, args.clock)
                runs[name, version].append(run)
                print(name, version, f"{run['value']:.4g}", flush=True)
    print(table(names, runs))


def _summary(runs):
    """Fastest and median value, median share (None where not profiled)."""
    if not runs:
        return None, None, None
    values = [r["value"] for r in runs]
    shares = [r["share"] for r in runs if r["share"] is not None]
    share = statistics.median(shares) if shares else None
    return min(values), statistics.median(values), share


def table(names, runs):
    """The markdown table of fastest/median per checkout and after/before."""

    def cell(x, spec=".4g"):
        return "—" if x is None else format(x, spec)

    def ratio(a, b):
        return "—" if a is None or b is None else f"{a / b:.3f}"

    lines = [
        "",
        "| config | before fastest | before median | after fastest | after median "
        "| after/before fastest | after/before median | outside products "
        "before | after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        bf, bm, bs = _summary(runs[name, "before"])
        af, am, as_ = _summary(runs[name, "after"])
        lines.append(
            f"| {name} | {cell(bf)} | {cell(bm)} | {cell(af)} | {cell(am)} | "
            f"{ratio(af, bf)} | {ratio(am, bm)} | {cell(bs, '.0%')} | "
            f"{cell(as_, '.0%')} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Where skbp's epoch goes: milliseconds per epoch of each part of training.

For bench.py's mini-batch rows, one fit of a few epochs with the engine's
parts wrapped in timers: the input layer's two matrix products (X W and
Xᵀ E, the BLAS work both libraries share), the other products, gathering each
mini-batch's rows, the cost (outputs, loss and BP1), the L2 penalty, the
weight decay, the optimizer's step, and the rest (activations and their
derivatives, biases, the loop itself).  Two ``time.perf_counter`` calls per
wrapped call are the overhead; the profiled fit is not a timed one.

Usage
-----
    python benchmarks/profile_epoch.py                    # sgd64,adam64,sgd32,adam32
    python benchmarks/profile_epoch.py --only book --epochs 1
    python benchmarks/profile_epoch.py --smoke            # seconds: checks it runs
"""

import argparse
import collections
import contextlib
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench  # noqa: E402
from products import timed_products  # noqa: E402

import skbp._backprop as _backprop  # noqa: E402
import skbp._optimizers as _optimizers  # noqa: E402
import skbp._training as _training  # noqa: E402
from skbp._costs import COSTS  # noqa: E402

PARTS = (
    "input products",
    "other products",
    "gather rows",
    "cost (outputs, loss, BP1)",
    "L2 penalty",
    "weight decay",
    "optimizer step",
)


@contextlib.contextmanager
def _wrapped(owner, name, clock, part):
    """Add the wall time of ``owner.name(...)`` calls to ``clock[part]``."""
    original, own = getattr(owner, name), name in vars(owner)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            clock[part] += time.perf_counter() - start

    setattr(owner, name, timed)
    try:
        yield
    finally:
        if own:
            setattr(owner, name, original)
        else:  # inherited: uncover the base class's again
            delattr(owner, name)


def profile(cfg, epochs, mode):
    """{part: ms per epoch} of one skbp fit of ``cfg`` (and 'total')."""
    X, y = bench.dataset(cfg, mode)
    params = bench.exact_epochs(cfg.params, epochs)
    bench.warm_up([cfg.task])
    clock = collections.defaultdict(float)
    with contextlib.ExitStack() as stack:
        products = stack.enter_context(
            timed_products("skbp", X.shape[1], cfg.params["hidden_layer_sizes"][0])
        )
        stack.enter_context(_wrapped(_training.Epochs, "_gather", clock, "gather rows"))
        for cost in {type(c) for c in COSTS.values()}:
            for method in ("output_and_loss", "output_error"):
                stack.enter_context(
                    _wrapped(cost, method, clock, "cost (outputs, loss, BP1)")
                )
        stack.enter_context(_wrapped(_backprop, "l2_penalty", clock, "L2 penalty"))
        stack.enter_context(
            _wrapped(_backprop, "_add_weight_decay", clock, "weight decay")
        )
        for optimizer in (_optimizers.SGD, _optimizers.Adam):
            stack.enter_context(_wrapped(optimizer, "step", clock, "optimizer step"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            model = bench.fit("skbp", cfg.task, params, X, y)
            total = time.perf_counter() - start
    clock["input products"] = products["seconds"]
    clock["other products"] = products["other_seconds"]
    per_epoch = {part: 1000 * clock[part] / model.n_iter_ for part in PARTS}
    per_epoch["rest"] = 1000 * total / model.n_iter_ - sum(per_epoch.values())
    per_epoch["total"] = 1000 * total / model.n_iter_
    return per_epoch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="sgd64,adam64,sgd32,adam32")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument(
        "--smoke", action="store_true", help="bench.py's tiny data: checks it runs"
    )
    args = parser.parse_args(argv)
    mode = bench.Mode.tiny() if args.smoke else bench.Mode.full()
    names = args.only.split(",")
    rows = {}
    for name in names:
        cfg = next(c for c in bench.CONFIGS if c.name == name)
        rows[name] = profile(cfg, args.epochs, mode)
    print("| ms per epoch | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for part in (*PARTS, "rest", "total"):
        cells = []
        for name in names:
            ms, total = rows[name][part], rows[name]["total"]
            cells.append(
                f"{ms:.1f}" if part == "total" else f"{ms:.1f} ({ms / total:.0%})"
            )
        print(f"| {part} | " + " | ".join(cells) + " |")
    return rows


if __name__ == "__main__":
    main()

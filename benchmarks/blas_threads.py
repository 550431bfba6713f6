"""Where one BLAS thread beats two, for skbp's mini-batch loop.

Times one epoch of BackpropClassifier (relu, sgd with momentum, float64) on
20,000 random 784-feature rows, for several hidden sizes and batch sizes,
with BLAS on its default threads and capped at one (threadpoolctl).  The
crossover, about a million multiply-adds in a batch's largest layer, is
``skbp._training.SMALL_BATCH_MACS``.  Prints, per setting, the multiply-adds
per batch and the best of two epochs for each.

    python benchmarks/blas_threads.py
"""

import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from skbp import BackpropClassifier, _training

# Measure both thread counts as they are: switch skbp's own choice off.
_training.SMALL_BATCH_MACS = 0


def epoch_seconds(X, y, hidden, batch, limit):
    """Best of two one-epoch fits with BLAS threads capped at ``limit``."""
    params = dict(
        hidden_layer_sizes=(hidden,),
        batch_size=batch,
        solver="sgd",
        momentum=0.9,
        max_iter=1,
        random_state=0,
        learning_rate_init=0.01,
        activation="relu",
        alpha=1e-4,
        loss="log_loss",
    )
    times = []
    with threadpool_limits(limit), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            start = time.perf_counter()
            BackpropClassifier(**params).fit(X, y)
            times.append(time.perf_counter() - start)
    return min(times)


def main():
    rng = np.random.RandomState(0)
    X, y = rng.randn(20000, 784), rng.randint(10, size=20000)
    header = ["hidden", "batch", "MACs/batch", "default s", "1 thread s"]
    print(" ".join(f"{h:>10}" for h in header))
    for hidden in (30, 100):
        for batch in (10, 32, 64, 128, 200):
            default = epoch_seconds(X, y, hidden, batch, None)
            single = epoch_seconds(X, y, hidden, batch, 1)
            macs = f"{batch * 784 * hidden / 1e6:.1f}M"
            print(
                f"{hidden:>10} {batch:>10} {macs:>10} {default:>10.3f} {single:>10.3f}"
            )


if __name__ == "__main__":
    main()

"""Seconds per epoch of skbp on a PyTorch device, beside PyTorch itself.

skbp's engine runs on any array-API namespace through scikit-learn's
dispatch: with ``SCIPY_ARRAY_API=1`` in the environment before SciPy is first
imported and ``sklearn.set_config(array_api_dispatch=True)``, a
``BackpropClassifier`` fitted on torch tensors trains where the tensors live.
This script times one epoch of that against PyTorch doing the same work.

What is measured
----------------
Synthetic data: 60,000 rows (``--rows``) of 784 standard-normal float32
features, 10 classes (the argmax of a random linear teacher plus noise).
Two networks, relu hidden units, softmax cross-entropy:

    A   784 -> 100 -> 10            batch 200
    B   784 -> 1024 -> 1024 -> 10   batch 1024

One solver throughout: SGD, Nesterov momentum 0.9, learning rate 0.01
(constant), alpha=0 (no L2 term, so that no weight-decay convention differs
between the columns), float32, rows reshuffled every epoch.  The columns,
all in one process and on the same data:

    skbp            BackpropClassifier on torch tensors on ``--device``,
                    array_api_dispatch on; one ``partial_fit`` call per epoch
                    (so its per-call work, input validation and label encoding
                    included, is counted).
    hand-written    the same four back-propagation equations written directly
                    in torch ops (torch.addmm / matmul, no autograd), the same
                    Nesterov update; the epoch's loss accumulates on the device
                    and is read once per epoch, as skbp does.
    hand, sync      the same loop reading ``float(loss)`` after every batch,
                    so that the host waits for the device each batch: the cost
                    skbp avoids by reading the loss once per epoch.
    autograd        nn.Sequential + F.cross_entropy + torch.optim.SGD
                    (momentum 0.9, nesterov=True), ``loss.backward()``.
    skbp NumPy      BackpropClassifier on NumPy float32 arrays on the host CPU,
                    dispatch off.

Every column starts from skbp's initial weights (He-uniform for relu, drawn
from ``np.random.RandomState(seed)`` exactly as skbp draws them) and sees
the batches in skbp's order (that generator's ``shuffle`` of the row indices,
once per epoch, sent to the device once per epoch), so all five do the same
arithmetic in different orders: the "same computation" table reports the
largest weight difference after the timed epochs.  It is float32 rounding,
about 1e-7 after a few steps (``--quick``), which SGD amplifies over many
steps (about 1e-2 after 1,800 steps of network A; skbp's NumPy and torch
columns, the same code, drift apart as much as any pair).  Epochs are
interleaved (one of each column, then again) so that drifts of the machine
hit all columns alike; CUDA is synchronised before each clock reading.  Each
figure is the median of ``--repeats`` epochs (5) after one warm-up epoch.

Ratios are of seconds per epoch: skbp / hand-written and skbp / autograd
(> 1: skbp slower), NumPy / skbp (> 1: the device is faster than the host's
NumPy), sync every batch / once per epoch.

Usage
-----
    python benchmarks/gpu.py --quick --device cpu   # seconds: the smoke test
    python benchmarks/gpu.py --device cpu --threads 1   # full size: 3 min, 2 cores
    python benchmarks/gpu.py --device cpu --rows 10000  # a sixth of the rows
    python benchmarks/gpu.py --device cuda --out benchmarks   # on a GPU machine

``--out DIR`` writes ``DIR/results_gpu.md`` and ``DIR/results_gpu.json``;
without it the table is only printed.  ``--quick`` uses 2,000 rows, one
measured epoch and smaller networks (hidden 32; 64, 64): its numbers mean
nothing.  ``--threads N`` caps torch's and the BLAS's CPU threads: on a
machine shared with other work, one thread per process gives steadier CPU
figures than threads that wait for each other.  Without PyTorch the script
says so and exits with status 0.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # read when SciPy is first imported

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

try:
    import skbp
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import skbp
from skbp import BackpropClassifier  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError:  # the script then says so and exits with status 0
    torch = None

NO_TORCH = (
    "PyTorch is not installed: benchmarks/gpu.py compares skbp on torch tensors "
    "with PyTorch, so it has nothing to measure. Install torch "
    "(pip install torch) and run it again."
)

N_FEATURES, N_CLASSES = 784, 10
LEARNING_RATE, MOMENTUM = 0.01, 0.9
#: name: (hidden layer sizes, batch size); --quick shrinks the hidden layers.
NETWORKS = {"A": ((100,), 200), "B": ((1024, 1024), 1024)}
QUICK_NETWORKS = {"A": ((32,), 200), "B": ((64, 64), 1024)}
COLUMNS = {
    "skbp": "skbp torch",
    "hand": "hand-written",
    "hand_sync": "hand, sync every batch",
    "autograd": "autograd",
    "numpy": "skbp NumPy",
}
RATIOS = {
    "skbp / hand": ("skbp", "hand"),
    "NumPy / skbp": ("numpy", "skbp"),
    "skbp / autograd": ("skbp", "autograd"),
    "sync every batch / once": ("hand_sync", "hand"),
}


# ------------------------------------------------------------------ the data


def synthetic(n_rows, seed):
    """float32 X (standard normal) and labels y of a noisy linear teacher."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, N_FEATURES), dtype=np.float32)
    teacher = rng.standard_normal((N_FEATURES, N_CLASSES), dtype=np.float32)
    noise = rng.standard_normal((n_rows, N_CLASSES), dtype=np.float32)
    return X, np.argmax(X @ teacher / 10 + noise, axis=1)


def initial_weights(layer_units, seed):
    """skbp's initial weights for relu and the generator after drawing them.

    He-uniform, bound sqrt(6 / fan_in); each layer's weights, then its
    biases, from ``RandomState(seed)``: skbp's draws, in skbp's order.
    """
    rng = np.random.RandomState(seed)
    weights = []
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        bound = np.sqrt(6.0 / fan_in)
        W = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32)
        b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
        weights.append((W, b))
    return weights, rng


class Orders:
    """skbp's row order: a fresh ``arange`` shuffled by its generator each
    epoch, then moved to the device (one transfer an epoch)."""

    def __init__(self, rng, n_rows, device):
        self.rng, self.n_rows, self.device = rng, n_rows, device

    def next(self):
        order = np.arange(self.n_rows)
        self.rng.shuffle(order)
        return torch.as_tensor(order, device=self.device)


# -------------------------------------------------------------- the columns


class Skbp:
    """One ``partial_fit`` call per epoch: on tensors (dispatch on) or NumPy."""

    def __init__(self, X, y, hidden, batch_size, seed, dispatch):
        self.X, self.y, self.dispatch = X, y, dispatch
        self.model = BackpropClassifier(
            loss="log_loss",
            activation="relu",
            solver="sgd",
            learning_rate_init=LEARNING_RATE,
            momentum=MOMENTUM,
            nesterovs_momentum=True,
            alpha=0.0,
            batch_size=batch_size,
            hidden_layer_sizes=hidden,
            max_iter=1,
            shuffle=True,
            tol=0,
            n_iter_no_change=10**9,
            random_state=seed,
        )
        self.classes = list(range(N_CLASSES))

    def epoch(self):
        with sklearn.config_context(array_api_dispatch=self.dispatch):
            if hasattr(self.model, "coefs_"):
                self.model.partial_fit(self.X, self.y)
            else:  # the first epoch initialises the network
                self.model.partial_fit(self.X, self.y, classes=self.classes)
        return self.model.loss_

    def weights(self):
        as_np = lambda a: np.asarray(a.cpu() if hasattr(a, "cpu") else a)  # noqa: E731
        coefs, intercepts = self.model.coefs_, self.model.intercepts_
        return [(as_np(W), as_np(b)) for W, b in zip(coefs, intercepts)]


class HandWritten:
    """The four equations in torch ops, without autograd.

    Forward Z = A W + b, A = relu(Z); softmax cross-entropy; then (BP1)
    E = (softmax(Z) − Y) / m, (BP3) ∂W = Aᵀ E, (BP4) ∂b = 1ᵀ E, (BP2)
    E ← (E Wᵀ) ⊙ relu'(Z); Nesterov: v ← μ v − η g, θ ← θ − η g + μ v.
    ``sync_every_batch`` reads the loss on the host after each batch.
    """

    def __init__(self, X, Y, weights, orders, batch_size, sync_every_batch):
        device = X.device
        self.X, self.Y, self.orders = X, Y, orders
        self.batch_size, self.sync_every_batch = batch_size, sync_every_batch
        self.params = [
            torch.as_tensor(p, device=device).clone() for pair in weights for p in pair
        ]
        self.velocity = [torch.zeros_like(p) for p in self.params]

    def epoch(self):
        order, n = self.orders.next(), self.X.shape[0]
        total = torch.zeros((), dtype=self.X.dtype, device=self.X.device)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            loss = self.step(self.X.index_select(0, idx), self.Y.index_select(0, idx))
            total += loss * idx.shape[0]
            if self.sync_every_batch:
                float(loss)  # the host waits for the device, every batch
        return float(total) / n

    def step(self, X, Y):
        """One mini-batch: forward, back-propagation, update; the batch loss."""
        Ws, bs = self.params[0::2], self.params[1::2]
        A = [X]
        for l, (W, b) in enumerate(zip(Ws, bs)):
            Z = torch.addmm(b, A[-1], W)  # Z = A W + b
            A.append(Z if l == len(Ws) - 1 else Z.relu_())
        log_p = torch.log_softmax(A[-1], dim=1)
        loss = -(Y * log_p).sum() / X.shape[0]
        E = (log_p.exp() - Y) / X.shape[0]  # BP1
        grads = [None] * len(self.params)
        for l in range(len(Ws) - 1, -1, -1):
            grads[2 * l] = A[l].T @ E  # BP3
            grads[2 * l + 1] = E.sum(dim=0)  # BP4
            if l > 0:
                E = (E @ Ws[l].T) * (A[l] > 0)  # BP2
        for p, g, v in zip(self.params, grads, self.velocity):
            v.mul_(MOMENTUM).add_(g, alpha=-LEARNING_RATE)
            p.add_(g, alpha=-LEARNING_RATE).add_(v, alpha=MOMENTUM)
        return loss

    def weights(self):
        pairs = zip(self.params[0::2], self.params[1::2])
        return [(W.cpu().numpy(), b.cpu().numpy()) for W, b in pairs]


class Autograd:
    """nn.Sequential, cross_entropy and torch.optim.SGD(nesterov=True)."""

    def __init__(self, X, y, weights, orders, batch_size):
        layers = []
        for W, b in weights:
            linear = nn.Linear(*W.shape)
            with torch.no_grad():
                linear.weight.copy_(torch.as_tensor(W.T))
                linear.bias.copy_(torch.as_tensor(b))
            layers += [linear, nn.ReLU()]
        self.model = nn.Sequential(*layers[:-1]).to(X.device)
        self.optimizer = torch.optim.SGD(
            self.model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM, nesterov=True
        )
        self.X, self.y, self.orders, self.batch_size = X, y, orders, batch_size

    def epoch(self):
        order, n = self.orders.next(), self.X.shape[0]
        total = torch.zeros((), dtype=self.X.dtype, device=self.X.device)
        for start in range(0, n, self.batch_size):
            idx = order[start : start + self.batch_size]
            self.optimizer.zero_grad(set_to_none=True)
            logits = self.model(self.X.index_select(0, idx))
            loss = F.cross_entropy(logits, self.y.index_select(0, idx))
            loss.backward()
            self.optimizer.step()
            total += loss.detach() * idx.shape[0]
        return float(total) / n

    def weights(self):
        linears = self.model[0::2]
        return [
            (m.weight.detach().cpu().numpy().T, m.bias.detach().cpu().numpy())
            for m in linears
        ]


# ------------------------------------------------------------ measurement


def make_columns(data, device, hidden, batch_size, seed):
    """The five columns of one network, each at its initial weights."""
    X, y = data
    X_t = torch.as_tensor(X, device=device)
    y_t = torch.as_tensor(y, device=device)
    Y_t = F.one_hot(y_t, N_CLASSES).to(X_t.dtype)
    units = [N_FEATURES, *hidden, N_CLASSES]

    def start():
        """skbp's initial weights and a generator where skbp's would be."""
        weights, rng = initial_weights(units, seed)
        return weights, Orders(rng, X.shape[0], device)

    return {
        "skbp": Skbp(X_t, y_t, hidden, batch_size, seed, dispatch=True),
        "hand": HandWritten(X_t, Y_t, *start(), batch_size, sync_every_batch=False),
        "hand_sync": HandWritten(X_t, Y_t, *start(), batch_size, sync_every_batch=True),
        "autograd": Autograd(X_t, y_t, *start(), batch_size),
        "numpy": Skbp(X, y, hidden, batch_size, seed, dispatch=False),
    }


def synchronize(device):
    """Wait for the device's queued work (CUDA); nothing to wait for on CPU."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_epochs(columns, n_epochs, device):
    """Seconds of each column's epochs, interleaved: one of each, repeated."""
    seconds = {name: [] for name in columns}
    losses = {name: [] for name in columns}
    for _ in range(n_epochs):
        for name, column in columns.items():
            synchronize(device)
            start = time.perf_counter()
            losses[name].append(column.epoch())
            synchronize(device)
            seconds[name].append(time.perf_counter() - start)
    return seconds, losses


def max_difference(a, b):
    """Largest |difference| between two networks' weights and biases."""
    return max(
        float(np.max(np.abs(p - q))) for pa, pb in zip(a, b) for p, q in zip(pa, pb)
    )


def measure_network(name, data, device, hidden, batch_size, args):
    """One row of the table: medians, ratios and the weights' agreement."""
    columns = make_columns(data, device, hidden, batch_size, args.seed)
    seconds, losses = time_epochs(columns, 1 + args.repeats, device)
    median = {k: statistics.median(v[1:]) for k, v in seconds.items()}
    weights = {k: column.weights() for k, column in columns.items()}
    del columns
    if device.type == "cuda":
        torch.cuda.empty_cache()
    n_rows = data[0].shape[0]
    return {
        "network": name,
        "layers": [N_FEATURES, *hidden, N_CLASSES],
        "batch_size": batch_size,
        "batches_per_epoch": -(-n_rows // batch_size),
        "seconds": seconds,
        "median_seconds": median,
        "ratios": {k: median[a] / median[b] for k, (a, b) in RATIOS.items()},
        "losses": losses,
        "max_weight_difference": {
            "skbp torch vs hand-written": max_difference(
                weights["skbp"], weights["hand"]
            ),
            "autograd vs hand-written": max_difference(
                weights["autograd"], weights["hand"]
            ),
            "skbp NumPy vs skbp torch": max_difference(
                weights["numpy"], weights["skbp"]
            ),
        },
    }


# ---------------------------------------------------------------- reporting


def cpu_model():
    """The host CPU's model name (``/proc/cpuinfo``, else ``platform``)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(device):
    """The device, host and library versions, for the table's header."""
    cuda = device.type == "cuda"
    name = torch.cuda.get_device_name(device) if cuda else cpu_model()
    return {
        "device": str(device),
        "device_name": name,
        "host_cpu": f"{cpu_model()} ({os.cpu_count()} logical cores)",
        "torch_threads": torch.get_num_threads(),
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "blas_threads": [
            f"{lib['prefix']} {lib['num_threads']}"
            for lib in threadpool_info()
            if lib["user_api"] == "blas"
        ],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "skbp": skbp.__version__,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def markdown(info, rows, settings):
    """The results as markdown: a header, the timings, the agreement."""
    lines = [
        "# skbp on a PyTorch device: seconds per epoch",
        "",
        f"- device: {info['device']}, {info['device_name']}",
        f"- host CPU (skbp NumPy column): {info['host_cpu']}; CPU threads: torch "
        f"{info['torch_threads']}, BLAS {', '.join(info['blas_threads'])}",
        f"- torch {info['torch']}, numpy {info['numpy']}, scikit-learn "
        f"{info['sklearn']}, skbp {info['skbp']}, Python {info['python']}; "
        f"float32 matmul precision {info['float32_matmul_precision']!r}",
        f"- {settings['rows']} rows x {N_FEATURES} features, {N_CLASSES} classes, "
        f"float32; SGD Nesterov momentum {MOMENTUM}, lr {LEARNING_RATE}, alpha 0, "
        "relu, softmax cross-entropy",
        f"- median of {settings['repeats']} epochs after 1 warm-up epoch; "
        f"{info['date']}"
        + (" (--quick: numbers mean nothing)" if settings["quick"] else ""),
        "",
    ]
    header = ["network", "layers", "batch", "batches/epoch"]
    header += [f"{label} (s)" for label in COLUMNS.values()] + list(RATIOS)
    lines += [_row(header), _row(["---"] * len(header))]
    for r in rows:
        cells = [r["network"], "-".join(map(str, r["layers"])), r["batch_size"]]
        cells += [r["batches_per_epoch"]]
        cells += [f"{r['median_seconds'][k]:.4g}" for k in COLUMNS]
        cells += [f"{r['ratios'][k]:.2f}" for k in RATIOS]
        lines.append(_row(cells))
    lines += [
        "",
        "Same computation: largest |weight difference| after the timed epochs",
        "",
    ]
    pairs = list(rows[0]["max_weight_difference"])
    lines += [_row(["network", *pairs]), _row(["---"] * (1 + len(pairs)))]
    for r in rows:
        diffs = r["max_weight_difference"]
        lines.append(_row([r["network"], *(f"{diffs[p]:.1e}" for p in pairs)]))
    return "\n".join(lines) + "\n"


def _row(cells):
    return "| " + " | ".join(str(c) for c in cells) + " |"


# --------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", help="torch device (default: cuda if available)")
    parser.add_argument("--rows", type=int, help="rows of data (default 60,000)")
    parser.add_argument("--repeats", type=int, help="measured epochs (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, help="CPU threads of torch and of NumPy's BLAS"
    )
    parser.add_argument("--quick", action="store_true", help="seconds-long smoke run")
    parser.add_argument("--out", type=Path, help="write results_gpu.{md,json} here")
    return parser.parse_args(argv)


def resolve(args):
    """Fill in the defaults that depend on --quick and on the machine."""
    if args.device is None:
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"--device {args.device}: CUDA is not available to this PyTorch.")
    if args.rows is None:
        args.rows = 2_000 if args.quick else 60_000
    if args.repeats is None:
        args.repeats = 1 if args.quick else 5
    return device


def measure_all(args, device):
    """The table's rows, one network after the other."""
    data = synthetic(args.rows, args.seed)
    networks = QUICK_NETWORKS if args.quick else NETWORKS
    rows = []
    for name, (hidden, batch_size) in networks.items():
        start = time.perf_counter()
        rows.append(measure_network(name, data, device, hidden, batch_size, args))
        print(f"network {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return rows


def main(argv=None):
    args = parse_args(argv)
    if torch is None:
        print(NO_TORCH)
        return 0
    device = resolve(args)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):  # None: leave the BLAS as it is
        rows = measure_all(args, device)
        info = machine(device)
    settings = {
        "rows": args.rows,
        "repeats": args.repeats,
        "quick": args.quick,
        "threads": args.threads,
    }
    table = markdown(info, rows, settings)
    print(table)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results_gpu.md").write_text(table)
        result = {"machine": info, "settings": settings, "rows": rows}
        (args.out / "results_gpu.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark script keeps working (a seconds-long smoke run; no timings
are asserted)."""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.neural_network import MLPClassifier

from skbp import BackpropClassifier

ROOT = Path(__file__).resolve().parents[1]
#: The scripts import this checkout's skbp, not an installed one (as
#: tests/test_examples.py does).
ENV = dict(
    os.environ,
    PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    ),
)


def run_script(name, *args):
    """Run ``benchmarks/<name>`` with ``args``; its CompletedProcess."""
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )


def test_benchmark_smoke_run_writes_its_tables(tmp_path):
    result = run_script("bench.py", "--smoke", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    table = (tmp_path / "results.md").read_text()
    for config in (
        "sgd64",
        "adam64",
        "sgd32",
        "adam32",
        "book",
        "lbfgs",
        "predict",
        "defaults",
        "dropout64",
        "reg_adam64",
        "reg_sgd32",
        "reg_lbfgs",
        "reg_defaults",
    ):
        assert f"| {config} |" in table
    assert "test R²" in table
    assert "| skbp fastest | MLP fastest | speedup fastest |" in table
    assert "| skbp outside | MLP outside |" in table
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["machine"] and len(data["rows"]) == 13
    tasks = [row["task"] for row in data["rows"]]
    assert tasks == ["classifier"] * 9 + ["regressor"] * 4
    for row in data["rows"]:
        for lib in ("skbp", "mlp"):
            assert row[lib]["fastest"] == min(row[lib]["times"])
        if row["kind"] == "epochs":  # profiled: a share of the fit's time
            assert 0 < row["skbp"]["outside_products"] < 1
            assert 0 < row["mlp"]["outside_products"] < 1
    dropout = next(row for row in data["rows"] if row["name"] == "dropout64")
    assert dropout["dropout_cost"] > 0 and "skbp_no_dropout" in dropout
    assert "costs" in dropout["notes"]


def test_user_facts_quick_run_prints_its_tables():
    result = run_script("user_facts.py", "--quick")
    assert result.returncode == 0, result.stderr
    for heading in ("Probability honesty", "alpha", "Early epochs"):
        assert heading in result.stdout


def test_choose_defaults_regressor_quick_run_prints_its_recommendation():
    result = run_script("choose_defaults_regressor.py", "--quick")
    assert result.returncode == 0, result.stderr
    assert "recommendation:" in result.stdout


def test_scaling_smoke_run_writes_its_json(tmp_path):
    result = run_script("scaling.py", "--smoke", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "scaling.json").read_text())
    assert data["machine"]["cpu"] and [row["rows"] for row in data["rows"]] == [
        400,
        800,
    ]
    for row in data["rows"]:
        for library in ("skbp", "mlp"):
            assert row[library]["median"] > 0 and row[library]["peak_mib"] > 0


def test_products_profiler_sees_both_libraries_input_products():
    # benchmarks/products.py wraps each library's product function; a fit's
    # time splits into the input layer's two products and the rest.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from products import outside_share, timed_products
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))

    X = np.random.default_rng(0).standard_normal((300, 40))
    y = (X[:, 0] > 0).astype(int)
    for lib, model in (
        ("skbp", BackpropClassifier(hidden_layer_sizes=(7,), max_iter=2)),
        ("mlp", MLPClassifier(hidden_layer_sizes=(7,), max_iter=2)),
    ):
        with timed_products(lib, 40, 7) as clock:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(X, y)
        # 2 epochs of 2 batches (200 + 100 rows): X W and Xᵀ E per batch are
        # the input layer's products; the output layer's are the others.
        assert clock["calls"] == 2 * 2 * 2, lib
        assert clock["other_seconds"] > 0, lib
        assert 0 < outside_share(lib, lambda m=model: m.fit(X, y), 40, 7) < 1


def test_profile_epoch_smoke_run_accounts_for_the_whole_epoch():
    result = run_script(
        "profile_epoch.py", "--smoke", "--only", "sgd64,adam32", "--epochs", "1"
    )
    assert result.returncode == 0, result.stderr
    for part in ("input products", "gather rows", "optimizer step", "rest", "total"):
        assert f"| {part} |" in result.stdout

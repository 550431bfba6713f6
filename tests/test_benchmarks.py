"""The benchmark script keeps working (a seconds-long smoke run; no timings
are asserted)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The scripts import this checkout's skbp, not an installed one (as
#: tests/test_examples.py does).
ENV = dict(
    os.environ,
    PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    ),
)


def test_benchmark_smoke_run_writes_its_tables(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench.py"),
            "--smoke",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
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
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["machine"] and len(data["rows"]) == 13
    tasks = [row["task"] for row in data["rows"]]
    assert tasks == ["classifier"] * 9 + ["regressor"] * 4
    dropout = next(row for row in data["rows"] if row["name"] == "dropout64")
    assert dropout["dropout_cost"] > 0 and "skbp_no_dropout" in dropout
    assert "costs" in dropout["notes"]


def test_user_facts_quick_run_prints_its_tables():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "user_facts.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert result.returncode == 0, result.stderr
    for heading in ("Probability honesty", "alpha", "Early epochs"):
        assert heading in result.stdout


def test_choose_defaults_regressor_quick_run_prints_its_recommendation():
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "choose_defaults_regressor.py"),
            "--quick",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "recommendation:" in result.stdout


def test_scaling_smoke_run_writes_its_json(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "scaling.py"),
            "--smoke",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "scaling.json").read_text())
    assert data["machine"]["cpu"] and [row["rows"] for row in data["rows"]] == [
        400,
        800,
    ]
    for row in data["rows"]:
        for library in ("skbp", "mlp"):
            assert row[library]["median"] > 0 and row[library]["peak_mib"] > 0

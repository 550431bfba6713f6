"""The main job, ``python -m skbp``."""

import subprocess
import sys


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "skbp", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_main_job_compares_with_mlpclassifier():
    result = run("--epochs", "5", "--hidden", "20")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Iteration 1, loss = " in out  # per-epoch progress
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    for name in ("BackpropClassifier", "MLPClassifier"):
        accuracy, seconds = float(lines[name][1]), float(lines[name][2])
        assert 0 <= accuracy <= 1 and seconds > 0


def test_main_job_help_lists_its_options():
    result = run("--help")
    assert result.returncode == 0
    for option in ("--hidden", "--solver", "--loss", "--epochs", "--seed"):
        assert option in result.stdout


def test_main_job_rejects_bad_options():
    result = run("--solver", "newton")
    assert result.returncode != 0 and "invalid choice" in result.stderr

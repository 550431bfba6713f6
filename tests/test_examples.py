"""Every script in examples/ runs to completion in quick mode and draws a figure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_example_runs_and_draws(script, tmp_path):
    """Run ``script`` with SKBP_EXAMPLES_QUICK=1 in a scratch directory.

    Each example saves its figures there (the gallery shows them, and a page
    without one gets sphinx-gallery's placeholder thumbnail): at least one PNG.
    """
    env = dict(os.environ, SKBP_EXAMPLES_QUICK="1", MPLBACKEND="Agg")
    # The examples import skbp: make the checkout importable even when it is
    # not installed.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{script.name} exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}\n"
        f"--- stderr ---\n{result.stderr[-5000:]}"
    )
    figures = sorted(path.name for path in tmp_path.rglob("*.png"))
    assert figures, (
        f"{script.name} saved no figure (PNG) in its working directory; every "
        f"gallery example draws at least one\n--- stdout ---\n{result.stdout[-2000:]}"
    )

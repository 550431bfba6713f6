"""benchmarks/gpu.py keeps working: a seconds-long run on CPU tensors, and a
clear message (exit status 0) where PyTorch is missing.  No timing is asserted."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu.py"
NO_TORCH = "PyTorch is not installed"
COLUMNS = (
    "skbp torch (s)",
    "hand-written (s)",
    "hand, sync every batch (s)",
    "autograd (s)",
    "skbp NumPy (s)",
    "skbp / hand",
    "NumPy / skbp",
    "skbp / autograd",
    "sync every batch / once",
)


def _run(args, tmp_path):
    env = dict(os.environ)
    env.pop("SCIPY_ARRAY_API", None)  # the script must set it itself
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p
    )
    return subprocess.run(
        [sys.executable, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_quick_run_writes_its_table(tmp_path):
    out = tmp_path / "out"
    result = _run(
        [str(SCRIPT), "--quick", "--device", "cpu", "--out", str(out)], tmp_path
    )
    assert result.returncode == 0, result.stderr[-5000:]
    if importlib.util.find_spec("torch") is None:
        assert NO_TORCH in result.stdout
        assert not out.exists()
        return
    table = (out / "results_gpu.md").read_text()
    assert table in result.stdout
    header = next(line for line in table.splitlines() if line.startswith("| network"))
    for column in COLUMNS:
        assert f"| {column} |" in header + " |"
    assert "| A | 784-32-10 | 200 | 10 |" in table
    assert "| B | 784-64-64-10 | 1024 | 2 |" in table
    assert "device: cpu" in table and "torch " in table and "skbp " in table
    data = json.loads((out / "results_gpu.json").read_text())
    assert data["settings"] == {
        "rows": 2000,
        "repeats": 1,
        "quick": True,
        "threads": None,
    }
    assert [row["network"] for row in data["rows"]] == ["A", "B"]
    for row in data["rows"]:
        # one warm-up and one measured epoch of each of the five columns
        assert all(len(s) == 2 for s in row["seconds"].values())
        assert len(row["seconds"]) == 5
        # the five columns compute the same thing: the same weights, to
        # float32 rounding, after the same epochs from the same start
        assert max(row["max_weight_difference"].values()) < 1e-4


#: Run in a child: makes ``import torch`` fail as on a machine without PyTorch
#: (nothing in sys.modules, which SciPy and scikit-learn inspect), then runs
#: the script.
BLOCK_TORCH_AND_RUN = """
import runpy, sys

class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoTorch())
sys.argv = [sys.argv[1], "--quick", "--out", "out"]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_without_torch_it_says_so_and_exits_0(tmp_path):
    """The same script with ``import torch`` failing, installed or not."""
    result = _run(["-c", BLOCK_TORCH_AND_RUN, str(SCRIPT)], tmp_path)
    assert result.returncode == 0, result.stderr[-5000:]
    assert NO_TORCH in result.stdout
    assert "pip install torch" in result.stdout
    assert not (tmp_path / "out").exists()

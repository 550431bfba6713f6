"""README's Python snippets run, and so do those of the user-guide pages that
continue them (they use README's ``X_train``, ``model``, ...); README's
Quickstart is what CI runs."""

import os
import re
from pathlib import Path

import pytest
from sklearn.base import clone

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
#: User-guide pages whose Python blocks run after README's, in this order.
CONTINUING_PAGES = ["persistence.md", "gpu.md", "callbacks.md", "onnx.md"]


@pytest.fixture(scope="module")
def readme(tmp_path_factory):
    """The namespace left by running README's Python blocks in order, once."""
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("readme"))  # the skops snippet writes a file
    try:
        namespace = {}
        blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
        assert len(blocks) >= 3
        for block in blocks:
            exec(compile(block, "README.md", "exec"), namespace)
        for name in CONTINUING_PAGES:
            page = (ROOT / "docs" / "user_guide" / name).read_text()
            blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
            assert blocks, name
            for block in blocks:
                exec(compile(block, name, "exec"), namespace)
    finally:
        os.chdir(here)
    return namespace


def test_readme_python_blocks_run(readme):
    assert readme["model"].predict(readme["X_test"][:5]).shape == (5,)


def test_readme_scoring_monitor_example_gives_one_score_per_epoch(readme):
    # The log's first row scores the whole fit (the final model); the
    # example keeps the epoch rows: scores[k] is the model after epoch k + 1.
    net, scores = readme["net"], readme["scores"]
    X, y = readme["X_train"], readme["y_train"]
    assert len(scores) == net.n_iter_ > 1
    one_epoch = clone(net).set_callbacks().set_params(max_iter=1).fit(X, y)
    assert scores[0] == pytest.approx(one_epoch.score(X, y))
    assert scores[-1] == pytest.approx(net.score(X, y))


def test_quickstart_has_exactly_two_commands_and_ci_runs_the_second():
    block = re.search(r"## Quickstart\n\n```bash\n(.*?)```", README, flags=re.S)
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert "python -m skbp" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "sed -n 2p" in ci  # .ci/run reads the second command from README

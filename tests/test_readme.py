"""README's Python snippets run, and its Quickstart is what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the skops snippet writes a file
    namespace = {}
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert len(blocks) >= 3
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["model"].predict(namespace["X_test"][:5]).shape == (5,)


def test_quickstart_has_exactly_two_commands_and_ci_runs_the_second():
    block = re.search(r"## Quickstart\n\n```bash\n(.*?)```", README, flags=re.S)
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert "python -m skbp" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "sed -n 2p" in ci  # .ci/run reads the second command from README

"""House style: ruff finds nothing in the package, tests, tools, benchmarks and notebooks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed: pip install -r requirements.txt")
    result = subprocess.run(
        [ruff, "check", "--no-cache", "lstm_helpers", "tests", "tools", "benchmarks", "notebooks", "conftest.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr

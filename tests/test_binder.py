"""Binder's configuration: pins in step with requirements.txt, the CPU-only torch, and repo2docker's own reading."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def _pins(path):
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_binder_pins_equal_the_main_pins():
    main, binder = _pins(ROOT / "requirements.txt"), _pins(BINDER / "requirements.txt")
    assert binder.pop("torch") == main["torch"] + "+cpu", "Binder takes the CPU-only torch build, tagged +cpu"
    for name, version in binder.items():
        assert name in main, f"binder/requirements.txt pins {name}, which requirements.txt does not"
        assert main[name] == version, f"{name}: binder pins {version}, requirements.txt pins {main[name]}"
    for needed in ("numpy", "matplotlib", "ipywidgets", "tqdm", "jupyterlab"):
        assert needed in binder, f"Binder needs {needed}"


def test_binder_files():
    text = (BINDER / "requirements.txt").read_text()
    assert re.search(r"^--extra-index-url https://download\.pytorch\.org/whl/cpu$", text, re.M)
    assert "-e ." not in text, "binder/requirements.txt is installed before the repo is copied: no -e ."
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post_build = (BINDER / "postBuild").read_text()
    assert "set -euo pipefail" in post_build and "-e ." in post_build
    assert os.access(BINDER / "postBuild", os.X_OK) and os.access(BINDER / "start", os.X_OK)


def _repo2docker():
    exe = shutil.which("jupyter-repo2docker") or str(Path(sys.executable).with_name("jupyter-repo2docker"))
    return exe if Path(exe).exists() else None


def test_repo2docker_reads_binder_as_intended():
    exe = _repo2docker()
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("jupyter-repo2docker is missing; it is pinned in requirements.txt")
        pytest.skip("jupyter-repo2docker is not installed: pip install -r requirements.txt")
    # --no-build only prints the Dockerfile: no Docker daemon and no network needed
    result = subprocess.run([exe, "--no-build", "--debug", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "python=3.11" in output
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in output
    assert "RUN ./binder/postBuild" in output
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in output

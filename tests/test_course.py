"""The course's structure: layout, generated navigation and contents, README commands, CI, package hygiene."""

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402  (tools/course.py)

TOP_LEVEL = {
    "README.md",
    "requirements.txt",
    "pyproject.toml",
    "conftest.py",
    "notebooks",
    "lstm_helpers",
    "tests",
    "binder",
    "benchmarks",
    "tools",
    ".ci",
    ".gitignore",
    ".git",
}


def test_top_level_holds_only_known_entries():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    unknown = {path.split("/")[0] for path in tracked} - TOP_LEVEL
    assert not unknown, f"unexpected top-level entries: {unknown}; explain them in the README or move them"


def test_navigation_and_contents_are_up_to_date():
    problems = course.stale_parts()
    assert not problems, "\n".join(problems) + "\nRun: python tools/course.py nav"


def test_notebooks_follow_the_house_format():
    paths = course.notebook_paths()
    assert paths[0].name == "00_start_here.ipynb"
    for path in paths:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
        nb = json.loads(path.read_text())
        cells = nb["cells"]
        first = "".join(cells[0]["source"])
        assert first.startswith("# ") and course.binder_url(path) in first, f"{path.name}: title and badge"
        assert "You will learn" in first, f"{path.name}: 'You will learn' belongs in the first cell"
        headings = ["".join(c["source"]).split("\n")[0] for c in cells if c["cell_type"] == "markdown"]
        for heading in ("## Setup", "## Summary", "## Exercises"):
            assert heading in headings, f"{path.name}: missing '{heading}'"
        assert "navigation" in cells[-1].get("metadata", {}).get("tags", []), f"{path.name}: navigation last"
        code = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        assert all(c["execution_count"] is not None for c in code), f"{path.name}: stored unexecuted"
        assert not any(o["output_type"] == "error" for c in code for o in c["outputs"]), f"{path.name}: error"
        assert "widgets" not in nb["metadata"], f"{path.name}: widget state should be stripped"


def _readme_commands():
    text = (ROOT / "README.md").read_text()
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", quick)


def test_readme_has_exactly_two_quick_start_commands():
    commands = _readme_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert "jupyter lab notebooks/00_start_here.ipynb" in commands[0]
    assert commands[1].endswith("-m pytest")
    for command in commands:
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && ")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci, ".ci/run should read the command that follows <!-- test-command --> in README.md"
    text = (ROOT / "README.md").read_text()
    command = re.search(r"<!-- test-command -->\n```bash\n(.+?)\n```", text).group(1)
    assert command == _readme_commands()[1]


def test_requirements_are_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][^ ]*", line), f"not pinned exactly: {line}"


def test_package_modules_have_all_and_name_their_notebook():
    for path in sorted((ROOT / "lstm_helpers").glob("*.py")):
        tree = ast.parse(path.read_text())
        doc = ast.get_docstring(tree) or ""
        assert doc, f"{path.name}: module docstring missing"
        names = [
            t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
        ]
        assert "__all__" in names, f"{path.name}: explicit __all__ missing"
        if path.name in ("__init__.py",) or path.name.startswith("_"):
            continue
        assert re.search(r"notebook \d\d", doc), f"{path.name}: its docstring should name the notebook that teaches it"
        module = importlib.import_module(f"lstm_helpers.{path.stem}")
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj):
                assert obj.__doc__, f"lstm_helpers.{path.stem}.{name} has no docstring"


def test_importing_the_package_has_no_side_effects():
    code = (
        "import random, torch, matplotlib as mpl\n"
        "before = (torch.initial_seed(), random.getstate(), dict(mpl.rcParams))\n"
        "import lstm_helpers, pkgutil, importlib\n"
        "for m in pkgutil.iter_modules(lstm_helpers.__path__): importlib.import_module('lstm_helpers.' + m.name)\n"
        "assert (torch.initial_seed(), random.getstate(), dict(mpl.rcParams)) == before\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", f"importing lstm_helpers printed: {result.stdout!r}"

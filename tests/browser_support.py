"""Machinery for the real-browser tests in ``test_browser.py``: a private JupyterLab server and headless Chromium.

The server serves a temporary COPY of ``notebooks/`` (running the tests never touches the committed notebooks), on
127.0.0.1 with a free port and a random token, with HOME and every Jupyter/IPython/Matplotlib directory inside the
temporary folder so the user's own settings can neither break nor be changed by the test. The browser is Debian's
Chromium driven by Python playwright (sync API).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
RESULTS_DIR = REPO_ROOT / "results" / "browser"  # gitignored (results/)

INSTALL_HINT = (
    "install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`) and the Python package playwright "
    "(`pip install -r requirements.txt`), or point CHROMIUM_PATH at a Chromium binary"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SERVER_START_TIMEOUT_S = 90
KERNEL_IDLE_TIMEOUT_MS = 90_000
RUN_ALL_TIMEOUT_MS = 120_000  # generous: the machine is shared; notebooks themselves take ~10 s
UI_TIMEOUT_MS = 30_000


def find_chromium() -> str | None:
    """Path of a Chromium binary: $CHROMIUM_PATH, else `chromium` / `chromium-browser` on PATH, else None."""
    override = os.environ.get("CHROMIUM_PATH")
    if override:
        return override if Path(override).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here (None when playwright and Chromium are both available)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"the Python package playwright is not installed: {INSTALL_HINT}"
    if find_chromium() is None:
        return f"no Chromium browser found: {INSTALL_HINT}"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LabServer:
    """A running ``jupyter lab`` process serving a copy of the notebooks."""

    process: subprocess.Popen
    port: int
    token: str
    workdir: Path
    log_path: Path
    _log_file: object = field(repr=False, default=None)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 10) -> object:
        """Call the server's REST API; returns the decoded JSON body (None when empty)."""
        headers = {"Authorization": f"token {self.token}", "Content-Type": "application/json"}
        request = urllib.request.Request(f"{self.base_url}{path}", method=method, headers=headers)
        if method in ("POST", "PUT", "PATCH"):
            request.data = json.dumps(body).encode() if body is not None else b""
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, n_chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n_chars:]
        except OSError:
            return "(no server log)"

    def start_kernel_for(self, notebook_name: str) -> None:
        """Start the notebook's session (a fresh kernel) now; JupyterLab connects to it when it opens the notebook.

        Kernels start in the background while the browser launches and earlier tests run, which saves several
        seconds per notebook; the kernel has executed nothing when the test runs all cells.
        """
        path = f"notebooks/{notebook_name}"
        body = {"path": path, "name": notebook_name, "type": "notebook", "kernel": {"name": "python3"}}
        self.api("POST", "/api/sessions", body=body, timeout=60)

    def shutdown_kernel_of(self, notebook_name: str) -> None:
        """Delete the notebook's session and so its kernel (frees its memory before the next notebook runs)."""
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            for session in self.api("GET", "/api/sessions") or []:
                if session.get("path") == f"notebooks/{notebook_name}":
                    self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)

    def stop(self) -> None:
        """POST /api/shutdown and wait for the process; terminate, then kill, if it does not go."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
                self.api("POST", "/api/shutdown")
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()


def _isolated_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    dirs = {
        "HOME": tmp / "home",
        "JUPYTER_CONFIG_DIR": tmp / "jupyter_config",
        "JUPYTER_RUNTIME_DIR": tmp / "jupyter_runtime",
        "JUPYTER_DATA_DIR": tmp / "jupyter_data",
        "IPYTHONDIR": tmp / "ipython",
        "MPLCONFIGDIR": tmp / "matplotlib",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    # Without this JupyterLab shows a "get notified about Jupyter news?" toast over the notebook.
    settings = dirs["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # Render every cell (no windowing), so widgets far down a long notebook are in the page to be found.
    notebook_settings = settings.parent / "notebook-extension"
    notebook_settings.mkdir(parents=True, exist_ok=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_TOKEN", None)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silences a debugger warning in the server log
    return env


def start_lab_server(tmp: Path) -> LabServer:
    """Copy notebooks/ into ``tmp`` and start JupyterLab there, with this test run's own Python."""
    import secrets

    root = tmp / "root"
    shutil.copytree(NOTEBOOKS_DIR, root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = _isolated_env(tmp)
    port, token = free_port(), secrets.token_hex(24)
    log_path = tmp / "jupyter-lab.log"
    log_file = open(log_path, "w")  # closed by LabServer.stop()
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    server = LabServer(process, port, token, tmp, log_path, log_file)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"jupyter lab exited with code {process.returncode}:\n{server.log_tail()}")
        try:
            server.api("GET", "/api/status", timeout=2)
            return server
        except (OSError, urllib.error.URLError, ValueError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"jupyter lab did not answer within {SERVER_START_TIMEOUT_S} s:\n{server.log_tail()}")
        time.sleep(0.25)


@contextlib.contextmanager
def sigterm_exits() -> Iterator[None]:
    """Turn SIGTERM (e.g. from `timeout`) into a pytest exit, so fixtures' cleanup still runs."""
    import pytest

    def on_sigterm(signum, frame):
        # pytest.exit raises an exception pytest does not swallow as a test failure (sys.exit's SystemExit inside a
        # test would be): the session stops and module fixtures are torn down, shutting down server and browser.
        pytest.exit("received SIGTERM; shutting down the JupyterLab server and the browser", returncode=128 + signum)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class BrowserSession:
    """One JupyterLab server, one headless Chromium and one JupyterLab page shared by a module's browser tests.

    Loading JupyterLab's page costs seconds of CPU, so tests open their notebooks in the same page; after a failure
    the page is replaced by a fresh one, so one broken test cannot break the next.
    """

    def __init__(self, server: LabServer, browser) -> None:
        self.server = server
        self.browser = browser
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self._page = None

    def lab_page(self):
        """The shared JupyterLab page, loaded (and the app restored) on first use."""
        if self._page is None or self._page.is_closed():
            page = self.context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.goto(f"{self.server.base_url}/lab?token={self.server.token}")
            page.wait_for_function("() => !!window.jupyterapp", timeout=KERNEL_IDLE_TIMEOUT_MS)
            page.evaluate("async () => { await window.jupyterapp.restored; return true; }")
            self._page = page
        return self._page

    def discard_page(self) -> None:
        if self._page is not None:
            with contextlib.suppress(Exception):
                self._page.close()
        self._page = None


@contextlib.contextmanager
def browser_session(notebooks: list[str]) -> Iterator[BrowserSession]:
    """Start server (and a kernel for each of ``notebooks``) and browser; always shut all down afterwards."""
    from concurrent.futures import ThreadPoolExecutor

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="lstm-course-browser-"))
    server = playwright = browser = None
    try:
        with sigterm_exits():
            server = start_lab_server(tmp)
            with ThreadPoolExecutor(max_workers=max(1, len(notebooks))) as pool:
                # Kernels boot while the browser starts and loads JupyterLab.
                starting = [pool.submit(server.start_kernel_for, name) for name in notebooks]
                playwright = sync_playwright().start()
                browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
                session = BrowserSession(server, browser)
                session.lab_page()
                for future in starting:
                    future.result()
            yield session
    finally:
        if browser is not None:
            with contextlib.suppress(Exception):
                browser.close()
        if playwright is not None:
            with contextlib.suppress(Exception):
                playwright.stop()
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- JupyterLab page helpers (run in the browser)

_NOTEBOOK_STATE_JS = """
(path) => {
  const app = window.jupyterapp;
  const widget = app && app.shell.currentWidget;
  if (!widget || !widget.context || widget.context.path !== path || !widget.content || !widget.content.model) {
    return {ready: false};
  }
  const session = widget.sessionContext && widget.sessionContext.session;
  const kernel = session && session.kernel;
  const cells = widget.content.model.cells;
  let code = 0, pending = 0;
  const errors = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    code += 1;
    if (cell.executionCount === null) pending += 1;
    const tags = cell.getMetadata('tags') || [];
    const outputs = cell.outputs.toJSON();
    for (const out of outputs) {
      if (out.output_type === 'error' && !tags.includes('raises-exception')) {
        errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
      }
    }
  }
  return {ready: true, kernel: kernel ? kernel.status : null, code, pending, errors};
}
"""


def notebook_state(page, path: str) -> dict:
    """Kernel status, number of code cells not yet executed and error outputs of the notebook at ``path``."""
    return page.evaluate(_NOTEBOOK_STATE_JS, path)


def open_notebook_and_run_all(page, notebook_name: str) -> None:
    """Open the notebook, wait for its kernel, clear outputs, run all cells and wait until every cell has run.

    Raises AssertionError listing the cells that raised, if any did.
    """
    path = f"notebooks/{notebook_name}"
    started = time.monotonic()
    page.evaluate(
        "async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); return true; }", path
    )
    # `.jp-Notebook-ExecutionIndicator[data-status='idle']` says idle before a kernel exists; ask the app instead.
    page.wait_for_function(
        "(path) => { const w = window.jupyterapp.shell.currentWidget;"
        " const k = w && w.context && w.context.path === path && w.sessionContext.session"
        " && w.sessionContext.session.kernel; return !!k && k.status === 'idle'; }",
        arg=path,
        timeout=KERNEL_IDLE_TIMEOUT_MS,
    )
    kernel_ready = time.monotonic()
    # Clearing also empties every execution count, so "all counts set" below means "all cells ran in this kernel",
    # and stale widget views from the stored outputs cannot be mistaken for live ones.
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
    page.wait_for_function(
        "(path) => { const s = (" + _NOTEBOOK_STATE_JS + ")(path); return s.ready && s.pending === s.code; }",
        arg=path,
        timeout=UI_TIMEOUT_MS,
    )
    # Fire and forget: awaiting the command's promise from page.evaluate can hang the test.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(
        "(path) => { const s = (" + _NOTEBOOK_STATE_JS + ")(path);"
        " return s.ready && (s.errors.length > 0 || (s.pending === 0 && s.kernel === 'idle')); }",
        arg=path,
        timeout=RUN_ALL_TIMEOUT_MS,
        polling=250,
    )
    state = notebook_state(page, path)
    # Shown by pytest when a test fails (or with -s): where the time went.
    print(
        f"{notebook_name}: opened with an idle kernel in {kernel_ready - started:.1f} s, "
        f"ran all {state['code']} code cells in {time.monotonic() - kernel_ready:.1f} s"
    )
    assert not state["errors"], f"{notebook_name} raised while running all cells: {state['errors']}"


def close_notebook(page, notebook_name: str) -> None:
    """Close the notebook's tab without a "save changes?" dialog (the served files are a throw-away copy)."""
    page.evaluate(
        "(path) => { for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) {"
        " if (w.context && w.context.path === path) { w.dispose(); } } }",
        f"notebooks/{notebook_name}",
    )


def displayed(locator) -> dict:
    """What an output area shows: its text and the `src` of its images (a redrawn figure gets a new src)."""
    return locator.evaluate(
        "(el) => ({text: el.textContent.trim(), images: Array.from(el.querySelectorAll('img')).map(i => i.src)})"
    )


def wait_for_display_change(page, locator, before: dict, timeout_ms: int = UI_TIMEOUT_MS) -> dict:
    """Wait until the output shown by ``locator`` differs from ``before`` and is not empty; return the new view."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        now = displayed(locator)
        if now != before and (now["text"] or now["images"]):
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"the output did not change within {timeout_ms / 1000:.0f} s; it still shows {now}")
        page.wait_for_timeout(100)


def nudge_slider(slider) -> str:
    """Move a noUiSlider-based ipywidgets slider one step with the keyboard; returns the key pressed.

    ``slider`` is a locator for the slider widget (or any element holding exactly one slider handle).
    """
    handle = slider.locator(".noUi-handle").first
    now, top = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
    key = "ArrowLeft" if now is not None and top is not None and float(now) >= float(top) else "ArrowRight"
    handle.focus()
    handle.press(key)
    return key


def save_failure_artifacts(page, server: LabServer, name: str) -> Path:
    """Screenshot of the page and the server log, under results/browser/; returns the screenshot path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    shot = RESULTS_DIR / f"{name}.png"
    with contextlib.suppress(Exception):
        page.screenshot(path=str(shot), full_page=True)
    with contextlib.suppress(OSError):
        shutil.copyfile(server.log_path, RESULTS_DIR / f"{name}.server.log")
    return shot


@contextlib.contextmanager
def notebook_page(session: BrowserSession, notebook_name: str) -> Iterator[object]:
    """The JupyterLab page with the notebook open and all its cells run (see open_notebook_and_run_all).

    On failure saves a screenshot and the server log under results/browser/ and discards the page; always closes
    the notebook and shuts down its kernel.
    """
    page = session.lab_page()
    try:
        open_notebook_and_run_all(page, notebook_name)
        yield page
        close_notebook(page, notebook_name)
    except BaseException:
        shot = save_failure_artifacts(page, session.server, Path(notebook_name).stem)
        print(f"browser test of {notebook_name} failed; screenshot: {shot}", file=sys.stderr)
        session.discard_page()
        raise
    finally:
        session.server.shutdown_kernel_of(notebook_name)


SERIOUS = ("serious", "critical")

_UNNAMED_JS = """
(scope) => {
  const areas = Array.from(document.querySelectorAll(scope));
  const all = (selector) => areas.flatMap(area => Array.from(area.querySelectorAll(selector)));
  return {
    handles: all('.noUi-handle').length,
    unnamedHandles: all('.noUi-handle').filter(h => !(h.getAttribute('aria-label') || '').trim())
      .map(h => h.outerHTML.slice(0, 120)),
    images: all('img').length,
    imagesWithoutAlt: all('img').filter(i => !(i.getAttribute('alt') || '').trim()).map(i => {
      const cell = i.closest('[data-windowed-list-index]');
      const mime = i.closest('[data-mime-type]');
      return `cell ${cell ? cell.dataset.windowedListIndex : '?'} ${mime ? mime.dataset.mimeType : i.className}`;
    }),
  };
}
"""


OUTPUT_AREAS = ".jp-OutputArea"


def unnamed_controls(page, scope: str = OUTPUT_AREAS) -> dict:
    """Slider handles without an accessible name and pictures without alt text, inside ``scope`` (output areas)."""
    return page.evaluate(_UNNAMED_JS, scope)


def axe_check(page, name: str, scope: str = OUTPUT_AREAS) -> dict:
    """Run axe-core (bundled by axe-playwright-python) on the notebook's output areas and on the whole page.

    Saves both reports to results/browser/axe-<name>.json and returns ``{"outputs": [...], "page": [...]}``, each a
    list of ``(rule id, impact, number of nodes)``. Only the output areas are the course's; the rest of the page is
    JupyterLab's own chrome, reported but out of the course's hands.
    """
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    outputs = axe.run(page, context=scope).response["violations"]
    whole = axe.run(page).response["violations"]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"axe-{name}.json").write_text(json.dumps({"outputs": outputs, "page": whole}, indent=1))

    def summary(violations):
        return [(v["id"], v["impact"], len(v["nodes"])) for v in violations]

    found = {"outputs": summary(outputs), "page": summary(whole)}
    print(f"axe {name}: output areas {found['outputs']}; whole page {found['page']}", file=sys.stderr)
    return found


def serious_in_outputs(found: dict) -> list:
    """The serious or critical axe violations inside notebook output areas (what the course must fix)."""
    return [violation for violation in found["outputs"] if violation[1] in SERIOUS]

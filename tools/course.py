"""Maintainers' tool: regenerate navigation and contents, and re-execute notebooks in place.

    python tools/course.py refresh                  # every notebook
    python tools/course.py refresh 03 06            # only these (by number or file name)
    python tools/course.py nav                      # navigation, badges and contents only (no execution)
    python tools/course.py check                    # exit 1 if any navigation or contents table is stale
    python tools/course.py renumber 08:11 07:08     # move notebooks to new numbers, with their exercise keys
    python tools/course.py portable [03 06]         # nbval under changed numeric code paths (other CPUs)

``refresh`` runs each notebook top to bottom in a fresh kernel (the one this Python provides), keeps outputs and
execution counts, strips noisy metadata (widget state, timings) and writes it back. Generated parts:
the Binder badge line in each notebook's first cell, the navigation cell at the end of each notebook
(tagged ``navigation``), the contents cell of notebook 00 (tagged ``contents``) and the table in README.md
between ``<!-- contents:start -->`` and ``<!-- contents:end -->``.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
REPOSITORY = "lstm-course/lstm-course"  # GitHub owner/name the Binder links point at; forks change this line
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
NAV_TAG, CONTENTS_TAG = "navigation", "contents"
CONTENTS_START, CONTENTS_END = "<!-- contents:start -->", "<!-- contents:end -->"
NOISY_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")


def notebook_paths():
    """The course notebooks ``NN_name.ipynb``, in order."""
    return sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def binder_url(path):
    return f"https://mybinder.org/v2/gh/{REPOSITORY}/HEAD?urlpath=lab/tree/notebooks/{path.name}"


def binder_badge(path):
    return f"[![Open in Binder]({BINDER_BADGE})]({binder_url(path)})"


def title_and_subtitle(nb, path):
    """The H1 title and the one-line subtitle under it, from the notebook's first cell."""
    first = nb.cells[0] if nb.cells else None
    lines = [line.strip() for line in (first.source if first and first.cell_type == "markdown" else "").splitlines()]
    if not lines or not lines[0].startswith("# "):
        raise SystemExit(f"{path.name}: the first cell must be markdown starting with '# Title'.")
    title = lines[0][2:].strip()
    rest = [line for line in lines[1:] if line and not line.startswith("[![")]
    if not rest:
        raise SystemExit(f"{path.name}: put a one-line subtitle under the title in the first cell.")
    subtitle = rest[0]
    if not (len(subtitle) > 2 and subtitle[0] == subtitle[-1] == "*"):
        raise SystemExit(f"{path.name}: the subtitle under the title must be one italic line, *like this*.")
    return title, subtitle.strip("*_ ")


def _number(path):
    return path.name[:2]


# A notebook's working time (reading + exercises) is one italic line in its first cell, under the subtitle:
# "*About 45 minutes: 25 of reading, 20 for the exercises.*" Notebooks without it show "–" in the contents.
WORKING_TIME = re.compile(r"^\*About (\d+) minutes\b[^\n]*\*[ \t]*$", re.MULTILINE)


def working_minutes(path):
    """The estimated working time in minutes from the "*About N minutes...*" line of the first cell, or None."""
    nb = nbformat.read(path, as_version=4)
    match = WORKING_TIME.search(nb.cells[0].source) if nb.cells else None
    return int(match.group(1)) if match else None


def contents_rows(entries, link_prefix):
    rows = ["| # | Notebook | What you do | Time |", "|---|---|---|---|"]
    for path, title, subtitle in entries:
        minutes = working_minutes(path)
        time = f"{minutes} min" if minutes else "–"
        rows.append(f"| {_number(path)} | [{title}]({link_prefix}{path.name}) | {subtitle} | {time} |")
    return "\n".join(rows)


def navigation_source(entries, index):
    parts = []
    if index > 0:
        prev_path, prev_title, _ = entries[index - 1]
        parts.append(f"[← Previous: {_number(prev_path)} {prev_title}]({prev_path.name})")
    parts.append(f"[Contents]({entries[0][0].name}#Contents)")
    if index + 1 < len(entries):
        next_path, next_title, _ = entries[index + 1]
        parts.append(f"[Next: {_number(next_path)} {next_title} →]({next_path.name})")
    return "---\n" + " | ".join(parts)


def _with_badge(source, path):
    lines = source.splitlines()
    lines = [line for line in lines if not line.startswith("[![Open in Binder]")]
    # place the badge after the title and subtitle (first two non-empty lines)
    seen, insert_at = 0, len(lines)
    for k, line in enumerate(lines):
        if line.strip():
            seen += 1
            if seen == 2:
                insert_at = k + 1
                break
    lines[insert_at:insert_at] = ["", binder_badge(path), ""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _tagged(cell, tag):
    return tag in cell.get("metadata", {}).get("tags", [])


def generated_notebook_sources(entries):
    """For each notebook, its cells with the generated parts brought up to date (sources only)."""
    result = {}
    for index, (path, _, _) in enumerate(entries):
        nb = nbformat.read(path, as_version=4)
        nb.cells[0].source = _with_badge(nb.cells[0].source, path)
        nav = navigation_source(entries, index)
        nav_cells = [c for c in nb.cells if _tagged(c, NAV_TAG)]
        if nav_cells:
            for cell in nav_cells:
                cell.source = nav
        else:
            nb.cells.append(nbformat.v4.new_markdown_cell(nav, metadata={"tags": [NAV_TAG]}))
        for cell in nb.cells:
            if _tagged(cell, CONTENTS_TAG):
                cell.source = "## Contents\n\n" + contents_rows(entries, "")
        result[path] = nb
    return result


def generated_readme(entries):
    text = README.read_text()
    if CONTENTS_START not in text or CONTENTS_END not in text:
        raise SystemExit(f"README.md must contain {CONTENTS_START} and {CONTENTS_END} around the contents table.")
    head, rest = text.split(CONTENTS_START, 1)
    _, tail = rest.split(CONTENTS_END, 1)
    return f"{head}{CONTENTS_START}\n{contents_rows(entries, 'notebooks/')}\n{CONTENTS_END}{tail}"


def _entries():
    entries = []
    for path in notebook_paths():
        nb = nbformat.read(path, as_version=4)
        entries.append((path, *title_and_subtitle(nb, path)))
    return entries


def stale_parts():
    """Human-readable list of generated parts that differ from what ``nav`` would write (empty when up to date)."""
    entries = _entries()
    problems = []
    for path, nb in generated_notebook_sources(entries).items():
        stored = nbformat.read(path, as_version=4)
        if [c.source for c in stored.cells] != [c.source for c in nb.cells]:
            problems.append(f"{path.relative_to(ROOT)}: navigation, badge or contents is stale")
    if README.read_text() != generated_readme(entries):
        problems.append("README.md: the contents table is stale")
    return problems


IGNORE_TAG = "nbval-ignore-output"  # nbval reads it: the cell runs, its output is not compared
IGNORE_COMMENT = re.compile(r"\A# NBVAL_IGNORE_OUTPUT[^\n]*\n?")
PROGRESS_TEXT = re.compile(r"\d+%\|")
RETINA = '%config InlineBackend.figure_formats = ["retina"]  # sharp figures on high-density screens'


def tidy(nb):
    """Keep test scaffolding out of the learner's sight: an ``# NBVAL_IGNORE_OUTPUT`` first line becomes the cell tag
    ``nbval-ignore-output`` (which nbval reads), so authors may write either and learners see neither."""
    for cell in nb.cells:
        if cell.cell_type == "code" and IGNORE_COMMENT.match(cell.source):
            cell.source = IGNORE_COMMENT.sub("", cell.source, count=1)
            tags = cell.metadata.setdefault("tags", [])
            if IGNORE_TAG not in tags:
                tags.append(IGNORE_TAG)
        if cell.cell_type == "code":
            bars = [o for o in cell.get("outputs", []) if _is_progress_widget(o)]
            if bars and IGNORE_TAG not in cell.metadata.get("tags", []):
                raise SystemExit(f"A cell with a progress bar must have the tag {IGNORE_TAG}: {cell.source[:80]!r}")
            cell.outputs = [o for o in cell.get("outputs", []) if not _is_progress_widget(o)]
    return nb


def _is_progress_widget(output):
    """A tqdm bar shown as a widget: its stored form can only be the bar at 0% (the widget's state at creation), which
    reads as a stalled run on GitHub, so the stored notebook drops it; the cell's own printed summary remains."""
    data = output.get("data", {})
    plain = data.get("text/plain", "")
    plain = "".join(plain) if isinstance(plain, list) else plain
    return "application/vnd.jupyter.widget-view+json" in data and PROGRESS_TEXT.search(plain) is not None


def strip_noise(nb):
    """Remove metadata that changes on every run (widget state, timings) and tidy test markers into tags."""
    tidy(nb)
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    # Keep the kernel's full language_info: JupyterLab writes it into the notebook when the kernel starts, and a
    # notebook whose stored language_info differs opens with the unsaved-changes dot. (Only a learner on another
    # Python patch release still sees the dot: the version is part of language_info.)
    nb.metadata.setdefault("language_info", {"name": "python"})
    for cell in nb.cells:
        for key in NOISY_CELL_METADATA:
            cell.metadata.pop(key, None)
    return nb


def write_generated(entries, only=None):
    """Write the generated parts into the notebooks in ``only`` (default: all) and into README.md."""
    for path, nb in generated_notebook_sources(entries).items():
        if only is not None and path not in only:
            continue
        stored = nbformat.read(path, as_version=4)
        if [c.source for c in stored.cells] != [c.source for c in nb.cells]:
            nbformat.write(strip_noise(nb), path)
            print(f"updated navigation in {path.relative_to(ROOT)}")
    readme = generated_readme(entries)
    if README.read_text() != readme:
        README.write_text(readme)
        print("updated the contents table in README.md")


def notebook_client(nb, timeout=600):
    """An nbclient client that runs ``nb`` in a fresh ``python3`` kernel (this Python's), from ``notebooks/``."""
    from nbclient import NotebookClient

    # The course's models are tiny: one thread is fastest, and several threads on busy shared cores are
    # pathologically slow (measured: a 30-step LSTM 7.9 ms on 1 thread vs 1.8 s on 2 threads under load).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    return NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})


def execute(path, timeout=600):
    """Run a notebook top to bottom in a fresh kernel and store it with its outputs. Returns seconds taken."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    notebook_client(nb, timeout).execute()
    seconds = time.perf_counter() - start
    nbformat.validate(nb)
    nbformat.write(strip_noise(nb), path)
    return seconds


def select(names):
    """Notebook paths matching numbers ('03') or file names ('03_lstm_cell_from_scratch.ipynb'); all if empty."""
    paths = notebook_paths()
    if not names:
        return paths
    chosen = []
    for name in names:
        matches = [p for p in paths if p.name == Path(name).name or p.name.startswith(f"{name}_") or p.stem == name]
        if not matches:
            raise SystemExit(f"No notebook matches {name!r}. Known: {', '.join(p.name for p in paths)}")
        chosen.extend(matches)
    return chosen


TEXT_FILES = ("notebooks/*.ipynb", "lstm_helpers/**/*.py", "tests/*.py", "tests/*.cfg", "benchmarks/*.py", "tools/*.py",
              "README.md", "binder/*", ".ci/*")


def renumber(mapping):
    """Move notebooks to new numbers all at once (``{"08": "11", "07": "08"}``) and rewrite every reference.

    Renames ``notebooks/OLD_name.ipynb``, ``lstm_helpers/exercises/nbOLD.py`` and ``tests/test_exercises_OLD.py``,
    and rewrites, in the notebooks, the package, the tests, the benchmarks, the tools and the README: file names
    (``OLD_name``), exercise keys (``"OLD.name"``), ``list_exercises("OLD")``, module names (``nbOLD``,
    ``test_exercises_OLD``) and prose (``notebook OLD``). Run ``nav`` (or ``refresh``) afterwards.
    """
    for old, new in mapping.items():
        if not (re.fullmatch(r"\d\d", old) and re.fullmatch(r"\d\d", new)):
            raise SystemExit(f"Numbers are two digits, such as 07:08 (got {old}:{new}).")
    paths = {p.name[:2]: p for p in notebook_paths()}
    missing = [old for old in mapping if old not in paths]
    if missing:
        raise SystemExit(f"No notebook numbered {', '.join(missing)}.")
    staying = set(paths) - set(mapping)
    clash = [new for new in mapping.values() if new in staying]
    if clash:
        raise SystemExit(f"Notebook number(s) {', '.join(clash)} are taken by notebooks that do not move.")
    stems = {old: paths[old].stem[3:] for old in mapping}
    alternatives = "|".join(sorted(mapping))
    pattern = re.compile(
        rf"\b(?P<file>(?:{alternatives})_(?:{'|'.join(re.escape(s) for s in stems.values())}))\b"
        rf"|(?P<key>(?<=[\"'])(?:{alternatives})(?=\.[A-Za-z_]))"
        rf"|(?P<list>(?<=list_exercises\([\"'])(?:{alternatives})(?=[\"']))"
        rf"|(?P<module>(?<=\bnb)(?:{alternatives})\b|(?<=test_exercises_)(?:{alternatives})\b)"
        rf"|(?P<prose>(?<=\b[Nn]otebook )(?:{alternatives})\b|(?<=\b[Nn]otebooks )(?:{alternatives})\b)"
    )

    def replace(match):
        text = match.group(0)
        return mapping[text[:2]] + text[2:]

    files = sorted({p for glob in TEXT_FILES for p in ROOT.glob(glob) if p.is_file()})
    for path in files:
        text = path.read_text()
        new_text = pattern.sub(replace, text)
        if new_text != text:
            path.write_text(new_text)
            print(f"rewrote references in {path.relative_to(ROOT)}")
    moves = []
    for old, new in mapping.items():
        moves.append((paths[old], NOTEBOOKS / f"{new}_{stems[old]}.ipynb"))
        for folder, name in (("lstm_helpers/exercises", "nb{}.py"), ("tests", "test_exercises_{}.py")):
            source = ROOT / folder / name.format(old)
            if source.exists():
                moves.append((source, ROOT / folder / name.format(new)))
    temporary = [(src, src.with_name(src.name + ".renumbering"), dst) for src, dst in moves]
    for src, tmp, _ in temporary:
        src.rename(tmp)
    for src, tmp, dst in temporary:
        tmp.rename(dst)
        print(f"moved {src.relative_to(ROOT)} -> {dst.relative_to(ROOT)}")


# Numeric code-path profiles for the portability check. Each makes this machine compute the way other CPUs do
# (different SIMD widths, summation orders and MKL/oneDNN kernels), so a stored output that depends on the last
# bits of floating point fails here instead of on a learner's machine. Chosen by experiment: see README,
# "For maintainers", for which stored-output failures each caught.
PROFILES = {
    "mkl-compatible": {"MKL_CBWR": "COMPATIBLE"},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "sse4": {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41"},
}
DEFAULT_PROFILES = ("mkl-compatible", "sse4", "avx2")
HOW_TO_FIX = (
    "The stored output depends on the last bits of floating point, so it differs on other CPUs. Fix the cell "
    "(README, For maintainers, 'Portable outputs'): print a bound that holds everywhere ('< 1e-6', not '3e-08'); "
    "print training or exploding results far coarser than their spread; or give the cell the "
    "tag nbval-ignore-output and assert the lesson with a margin in a visible check cell. Then re-run "
    "tools/course.py refresh NN and tools/course.py portable NN."
)


def _failed_cells(output):
    """``[(notebook, cell number)]`` from pytest's ``FAILED notebooks/NN.ipynb::Cell K`` summary lines."""
    return re.findall(r"^FAILED (\S+\.ipynb)::Cell (\d+)", output, flags=re.MULTILINE)


def _cell_first_line(notebook, number):
    """The first line of code cell ``number`` (counting code cells from 0, as nbval does)."""
    nb = nbformat.read(ROOT / notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    lines = code[int(number)].source.strip().splitlines() if int(number) < len(code) else []
    return lines[0] if lines else ""


def portable(paths, profiles=DEFAULT_PROFILES, python=sys.executable, jobs=None):
    """Run nbval on ``paths`` once per numeric profile; print which cells differ and how to fix them.

    Returns the number of (profile, cell) failures. Each run is a fresh ``pytest --nbval`` whose kernels inherit the
    profile's environment variables (and ``OMP_NUM_THREADS=1``, as everywhere in the course's tests). Up to ``jobs``
    profiles run at once (default: one per CPU core; each kernel uses one thread), and each reports when it ends.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    command = [python, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider"]
    command += [str(p.relative_to(ROOT)) for p in paths]
    waiting, running, failures = list(profiles), {}, 0
    while waiting or running:
        while waiting and len(running) < jobs:
            name = waiting.pop(0)
            env = dict(os.environ, OMP_NUM_THREADS="1", **PROFILES[name])
            settings = " ".join(f"{k}={v}" for k, v in PROFILES[name].items())
            print(f"=== portability profile {name!r} ({settings}) on {len(paths)} notebook(s)", flush=True)
            log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: a full pipe would stall pytest
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
            running[name] = (process, log, settings, time.perf_counter())
        finished = next((n for n, (proc, *_) in running.items() if proc.poll() is not None), None)
        if finished is None:
            time.sleep(0.5)
            continue
        process, log, settings, start = running.pop(finished)
        log.seek(0)
        stdout = log.read()
        log.close()
        seconds = time.perf_counter() - start
        if process.returncode == 0:
            print(f"    {finished!r} passed in {seconds:.0f} s: {stdout.strip().splitlines()[-1]}", flush=True)
            continue
        cells = _failed_cells(stdout)
        failures += max(1, len(cells))
        print(stdout[-6000:])
        print(f"!!! portability profile {finished!r} FAILED in {seconds:.0f} s ({settings}):")
        for notebook, number in cells:
            print(f"    {notebook} code cell {number} (first line: {_cell_first_line(notebook, number)!r})")
        if not cells:
            print("    (no notebook cell named: see pytest's output above)")
        print("    " + HOW_TO_FIX, flush=True)
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    refresh = sub.add_parser("refresh", help="regenerate navigation, then execute notebooks in place")
    refresh.add_argument("notebooks", nargs="*", help="numbers or file names (default: all)")
    sub.add_parser("nav", help="regenerate navigation, badges and contents only")
    sub.add_parser("check", help="fail if navigation or contents is stale")
    move = sub.add_parser("renumber", help="move notebooks to new numbers (OLD:NEW ...), with exercise keys")
    move.add_argument("moves", nargs="+", help="pairs such as 08:11 07:08 06:07, applied all at once")
    check = sub.add_parser("portable", help="run nbval under numeric profiles that mimic other CPUs")
    check.add_argument("notebooks", nargs="*", help="numbers or file names (default: all)")
    check.add_argument(
        "--profile", action="append", choices=sorted(PROFILES), help=f"default: {', '.join(DEFAULT_PROFILES)}"
    )
    args = parser.parse_args(argv)

    if args.command == "portable":
        return 1 if portable(select(args.notebooks), tuple(args.profile or DEFAULT_PROFILES)) else 0
    if args.command == "renumber":
        renumber(dict(pair.split(":", 1) for pair in args.moves))
        write_generated(_entries())
        return 0

    if args.command == "check":
        problems = stale_parts()
        for problem in problems:
            print(problem)
        if problems:
            print("Run: python tools/course.py nav")
        return 1 if problems else 0
    chosen = select(args.notebooks) if args.command == "refresh" else None
    write_generated(_entries(), only=chosen)
    if args.command == "refresh":
        for path in chosen:
            print(f"executing {path.name} ...", flush=True)
            print(f"  done in {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

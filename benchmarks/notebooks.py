"""Run every notebook (or the ones named) in a fresh kernel and report wall time and the kernel's peak memory.

    python benchmarks/notebooks.py            # all notebooks
    python benchmarks/notebooks.py 05 06      # only these

Targets for the course (reported against, never asserted in tests): each notebook <= 15 s and the whole series
(14 notebooks) <= 100 s on 2 idle CPU cores here, so that a learner's CPU 1.8x slower stays within 25 s a notebook;
peak kernel memory <= 1 GB per notebook (Binder gives about 2 GB). Time runs from starting the
kernel to the last cell's output (the kernel's shutdown is reported beside it). The notebooks are executed in
memory; nothing is written back.
"""

import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import course  # noqa: E402  (tools/course.py: the same way notebooks are executed for the course)

TARGET_SECONDS, TARGET_TOTAL_SECONDS, TARGET_MB = 15, 100, 1024


def target_seconds(path):
    """The time target of one notebook."""
    return TARGET_SECONDS


class PeakMemory(threading.Thread):
    """Polls the kernel process (and its children) every 20 ms and keeps the largest resident set size."""

    def __init__(self, client):
        super().__init__(daemon=True)
        self.client, self.peak, self.done = client, 0, threading.Event()

    def _pid(self):
        km = getattr(self.client, "km", None)
        provisioner = getattr(km, "provisioner", None) if km is not None else None
        return getattr(provisioner, "pid", None) if provisioner is not None else None

    def run(self):
        while not self.done.is_set():
            pid = self._pid()
            if pid:
                try:
                    proc = psutil.Process(pid)
                    rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                    self.peak = max(self.peak, rss)
                except psutil.Error:
                    pass
            self.done.wait(0.02)


def measure(path):
    """Execute one notebook; return (seconds to its last output, seconds including kernel shutdown, peak MB).

    The first is what a learner waits for after "Restart Kernel and Run All": the kernel's start and every cell. The
    second adds the kernel's graceful shutdown (about 0.8 s once torch is imported), which nobody waits for in
    JupyterLab; it is the number this benchmark reported before 2026-12-07, kept for comparison.
    """
    nb = nbformat.read(path, as_version=4)
    client = course.notebook_client(nb)
    last_output = []
    client.on_cell_executed = lambda **_: last_output.append(time.perf_counter())
    sampler = PeakMemory(client)
    sampler.start()
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        total = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
    return (last_output[-1] if last_output else start + total) - start, total, sampler.peak / 2**20


def main(argv):
    paths = course.select(argv)
    print(f"{'notebook':<40} {'time (s)':>9} {'+shutdown':>10} {'peak (MB)':>10}  within targets")
    total, total_with_shutdown, worst = 0.0, 0.0, 0.0
    for path in paths:
        seconds, with_shutdown, megabytes = measure(path)
        total += seconds
        total_with_shutdown += with_shutdown
        worst = max(worst, megabytes)
        ok = "yes" if seconds <= target_seconds(path) and megabytes <= TARGET_MB else "NO"
        print(f"{path.name:<40} {seconds:>9.1f} {with_shutdown:>10.1f} {megabytes:>10.0f}  {ok}", flush=True)
    ok = "yes" if total <= TARGET_TOTAL_SECONDS else "NO"
    name = f"whole series ({len(paths)} notebooks)"
    print(f"{name:<40} {total:>9.1f} {total_with_shutdown:>10.1f} {worst:>10.0f}  {ok}")
    print(
        f"time: kernel start to the last cell's output; +shutdown: also the kernel's graceful shutdown. Targets: "
        f"<= {TARGET_SECONDS} s each, <= {TARGET_TOTAL_SECONDS} s in all, <= {TARGET_MB} MB peak"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

"""Run every notebook (or the ones named) in a fresh kernel and report wall time and the kernel's peak memory.

    python benchmarks/notebooks.py            # all notebooks
    python benchmarks/notebooks.py 05 06      # only these

Targets for the course (reported against, never asserted in tests): each notebook <= 15 s (the capstone
notebooks 09 and 10, which train and load a real language model, <= 25 s), the whole series <= 90 s on 2 CPU
cores, peak kernel memory <= 1 GB per notebook (Binder gives about 2 GB). Wall time includes
starting the kernel. The notebooks are executed in memory; nothing is written back.
"""

import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import course  # noqa: E402  (tools/course.py: the same way notebooks are executed for the course)

TARGET_SECONDS, TARGET_TOTAL_SECONDS, TARGET_MB = 15, 90, 1024
CAPSTONE_SECONDS = {"09": 25, "10": 25}  # notebook number -> its own time target


def target_seconds(path):
    """The time target of one notebook."""
    return CAPSTONE_SECONDS.get(path.name[:2], TARGET_SECONDS)


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
    """Execute one notebook; return (seconds, peak MB)."""
    nb = nbformat.read(path, as_version=4)
    client = course.notebook_client(nb)
    sampler = PeakMemory(client)
    sampler.start()
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        seconds = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
    return seconds, sampler.peak / 2**20


def main(argv):
    paths = course.select(argv)
    print(f"{'notebook':<40} {'time (s)':>9} {'peak (MB)':>10}  within targets")
    total, worst = 0.0, 0.0
    for path in paths:
        seconds, megabytes = measure(path)
        total += seconds
        worst = max(worst, megabytes)
        ok = "yes" if seconds <= target_seconds(path) and megabytes <= TARGET_MB else "NO"
        print(f"{path.name:<40} {seconds:>9.1f} {megabytes:>10.0f}  {ok}", flush=True)
    ok = "yes" if total <= TARGET_TOTAL_SECONDS else "NO"
    print(f"{'whole series (' + str(len(paths)) + ' notebooks)':<40} {total:>9.1f} {worst:>10.0f}  {ok}")
    print(
        f"targets: <= {TARGET_SECONDS} s each (09 and 10: <= 25 s), <= {TARGET_TOTAL_SECONDS} s in all, "
        f"<= {TARGET_MB} MB peak"
    )


if __name__ == "__main__":
    main(sys.argv[1:])

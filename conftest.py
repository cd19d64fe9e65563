"""Test-wide settings. The course's models are tiny, and on busy shared cores several threads per process are
pathologically slow, so tests, notebook kernels started by nbval and the browser test's server use one thread."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

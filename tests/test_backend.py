"""backend.py helpers that need no Keras backend (run once, in the NumPy pass)."""

import subprocess
import sys

import pytest

from mlfoundations import backend as mlf_backend

# Allocate, touch and free a 64 MiB NumPy array ten times and count the minor page faults
# (pages the kernel had to find and zero). glibc serves blocks this large with a fresh
# mmap each time unless reuse_freed_memory() turned that off. A child process, so that the
# malloc settings of the test process itself are left alone.
FAULTS = """
import resource, sys
import numpy as np
from mlfoundations.backend import reuse_freed_memory
applied = reuse_freed_memory() if sys.argv[1] == "reuse" else None
np.ones(8 << 20).sum()  # the first allocation may fault either way
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    np.ones(8 << 20).sum()  # 8 Mi float64 = 64 MiB, freed at once
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", FAULTS, mode], capture_output=True, text=True, check=True
    )
    applied, count = done.stdout.split()
    return applied, int(count)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_reuse_freed_memory_stops_the_page_faults_of_a_repeated_large_buffer():
    applied, with_reuse = faults("reuse")
    _, without = faults("default")
    if applied != "True":
        pytest.skip("no glibc mallopt here (e.g. musl)")
    # 10 × 64 MiB of fresh pages: 163,840 faults at 4 KiB, 320 with 2 MiB huge pages
    assert without >= 300, without
    assert with_reuse * 20 < without, (with_reuse, without)


def test_reuse_freed_memory_rejects_a_negative_size():
    with pytest.raises(ValueError, match="keep_bytes must be an integer >= 0, got -1"):
        mlf_backend.reuse_freed_memory(-1)


@pytest.mark.parametrize("bad", [1.5, "1GB", True])
def test_reuse_freed_memory_rejects_a_size_that_is_not_an_integer(bad):
    with pytest.raises(TypeError, match="keep_bytes must be an integer"):
        mlf_backend.reuse_freed_memory(bad)

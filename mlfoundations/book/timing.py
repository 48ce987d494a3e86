"""Wall-clock timing for chapters and benchmarks: the best of several repeats.

The minimum, not the mean, is the honest estimate of what a piece of code costs on a
shared machine: other work can only make a run slower, never faster.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..checks import check_positive_int


def best_seconds(fn: Callable[[], object], repeats: int = 5, *, warmup: bool = True) -> float:
    """Fastest of ``repeats`` calls of ``fn()``, in seconds.

    Parameters
    ----------
    fn : callable
        Called with no arguments; its result is ignored.
    repeats : int, default 5
        Timed calls (>= 1).
    warmup : bool, default True
        Call ``fn`` once untimed first, so tracing, compilation and allocation on the
        first call are not counted.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    repeats = check_positive_int(repeats, "repeats")
    if warmup:
        fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best

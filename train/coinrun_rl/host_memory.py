"""Keeps freed host memory in the process, so that a CPU training step does not fault its
activations in page by page again on every pass.

Why: glibc's malloc serves each block above its mmap threshold (at most 32 MiB) with a fresh
mmap and unmaps it on free, and a thread's own arena maps big blocks regardless. One CPU
forward+backward of the IMPALA-CNN allocates activations of hundreds of MiB per layer, so the
kernel zero-fills every page of them again on every pass: 1.5 million minor page faults and
more than half of the time of a 2,048-sample minibatch on a 2-core machine
(docs/performance.md, "Where the time goes"). With mmap off, a single arena, and the top of
the heap trimmed only above 2 GiB, the next pass reuses the pages of the last one as they are.
The arithmetic is untouched; the process keeps the memory its peak needed anyway.
"""

from __future__ import annotations

import ctypes
import platform

# mallopt's parameter numbers, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
# mallopt takes an int: the largest trim threshold it can set.
_TRIM_THRESHOLD = 2**31 - 1


def keep_freed_memory() -> bool:
    """Tunes glibc's malloc as above; True when it took effect, False on other C libraries.

    Call it before any worker thread allocates: a thread picks its arena at its first
    allocation, and only threads that share the main arena follow the no-mmap rule."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(None)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return all(
        mallopt(param, value) == 1
        for param, value in ((_M_ARENA_MAX, 1), (_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    )

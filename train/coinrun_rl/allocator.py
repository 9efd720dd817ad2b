"""Runs CPU training under jemalloc, which keeps freed memory for the next pass instead of
handing it back to the kernel.

Why: glibc's malloc serves every block above 32 MiB with a fresh mmap and unmaps it on free.
One CPU forward+backward of the IMPALA-CNN allocates activations of hundreds of MiB per layer,
so the kernel zero-fills every page of them again on every pass: 1.5 million minor page faults
and more than half the time of a 2,048-sample minibatch on a 2-core machine
(docs/performance.md, "Where the time goes"). jemalloc with purging off reuses the pages of the
last pass as they are; the process keeps the memory its peak needed anyway, and the
arithmetic is untouched. (glibc's own knobs, mallopt without mmap, fragment instead: a freed
block is too small for the next aligned request of the same size, so the heap grows.)

An allocator must be in place before the first allocation, so the script restarts itself
once with jemalloc preloaded (`restart_under_jemalloc`), and drops the preload from its
environment again at start so that the engine and other children run with their own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# Never purge freed pages: the next pass reuses them without faulting them in again.
JEMALLOC_CONF = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
# Set for the restarted process only: the preload it had to restore the caller's own.
_RESTORED = "COINRUN_PRELOAD_BEFORE_JEMALLOC"
INSTALL_HINT = "install it with `sudo apt-get install libjemalloc2` (scripts/setup.sh does)"


def jemalloc_active() -> bool:
    """True when this process allocates through jemalloc."""
    return hasattr(ctypes.CDLL(None), "mallctl")


def find_jemalloc() -> str | None:
    """The name of the jemalloc shared library the dynamic linker finds, or None."""
    return ctypes.util.find_library("jemalloc")


def restart_under_jemalloc() -> str | None:
    """Restarts this script with jemalloc preloaded, unless it already runs under it.

    Returns None when it is active (or the platform is not Linux, where glibc's behaviour
    above does not apply), else why not (the caller prints it); does not return when it
    restarts. Only for a script's entry point: it replaces the running process."""
    if sys.platform != "linux" or jemalloc_active():
        return None
    if _RESTORED in os.environ:
        return "jemalloc was preloaded but is not active (another allocator preloaded first?)"
    lib = find_jemalloc()
    if lib is None:
        return f"jemalloc not found: {INSTALL_HINT}"
    env = dict(os.environ)
    env[_RESTORED] = env.get("LD_PRELOAD", "")
    env["LD_PRELOAD"] = " ".join(p for p in (lib, env[_RESTORED]) if p)
    env["MALLOC_CONF"] = ",".join(c for c in (env.get("MALLOC_CONF", ""), JEMALLOC_CONF) if c)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
    return None  # not reached


def drop_preload_from_environment() -> None:
    """In the restarted process: children (the engine, evaluation workers) get the caller's
    own LD_PRELOAD and MALLOC_CONF back."""
    before = os.environ.pop(_RESTORED, None)
    if before is None:
        return
    if before:
        os.environ["LD_PRELOAD"] = before
    else:
        os.environ.pop("LD_PRELOAD", None)
    conf = os.environ.get("MALLOC_CONF", "").removesuffix(JEMALLOC_CONF).rstrip(",")
    if conf:
        os.environ["MALLOC_CONF"] = conf
    else:
        os.environ.pop("MALLOC_CONF", None)

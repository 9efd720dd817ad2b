"""The doorbell of a local session (docs/protocol.md, "Doorbell").

A step is posted in the doorbell block of the session's segment; the engine answers in the
same block. Both sides spin briefly on the other's sequence word before they sleep on a
futex, so a step of a few envs in a tight loop costs no system call and no thread wake-up.
The block's layout, the atomics and the futex calls live in a small native library built
with the engine (``libcoinrun_doorbell.so``, compiled from the engine's own definition of
the block) and called through ctypes, which releases the GIL while it waits.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .errors import EngineDied

LIBRARY_NAME = "libcoinrun_doorbell.so"
_ABI = 1
# Each wait returns after this long to let the caller check that the engine still lives.
_SLICE_NS = 250_000_000
# How long either side may spin before it sleeps (the spin adapts below this cap; 0 = never).
DEFAULT_SPIN_US = 200

OK, ERROR, CANCELLED = 1, 2, 3
_TIMED_OUT, _CLOSED = 0, -1


class DoorbellClosed(EngineDied):
    """The engine closed the session (or exited); the caller finds out why."""


class DoorbellCancelled(Exception):
    """A step posted behind one that failed: the engine ran nothing."""


def _candidates(engine_dir: Path | None) -> list[Path]:
    env = os.environ.get("COINRUN_DOORBELL_LIB")
    if env:
        return [Path(env)]
    here = Path(__file__).resolve().parent
    dirs = [engine_dir] if engine_dir is not None else []
    dirs += [here / "bin", here / "_bin", here.parent.parent / "build"]
    return [d / LIBRARY_NAME for d in dirs]


@functools.cache
def load_library(engine_dir: Path | None = None) -> ctypes.CDLL | None:
    """The native helper, or None when there is none (the client then steps over ZeroMQ)."""
    for path in _candidates(engine_dir):
        if not path.is_file():
            continue
        lib = ctypes.CDLL(str(path))
        if lib.coinrun_doorbell_abi() != _ABI:
            continue  # from another version of the engine
        vp, u32, u64, i64 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int64
        u64p = ctypes.POINTER(ctypes.c_uint64)
        lib.coinrun_doorbell_set_spin.argtypes = [vp, u32]
        lib.coinrun_doorbell_post.argtypes = [vp, u64, u32, u32]
        lib.coinrun_doorbell_post.restype = u64
        lib.coinrun_doorbell_wait.argtypes = [vp, u64, i64, u64p]
        lib.coinrun_doorbell_step.argtypes = [vp, u64, u32, u32, i64, u64p]
        lib.coinrun_doorbell_reply_len.argtypes = [vp]
        lib.coinrun_doorbell_reply_len.restype = u32
        lib.coinrun_doorbell_reply.argtypes = [vp]
        lib.coinrun_doorbell_reply.restype = vp
        lib.coinrun_doorbell_bytes.restype = u32
        return lib
    return None


class Doorbell:
    """One session's doorbell block, at ``offset`` in the mapped segment ``mapping``."""

    def __init__(self, lib: ctypes.CDLL, mapping: np.ndarray, offset: int, nbytes: int, spin_us: int) -> None:
        if lib.coinrun_doorbell_bytes() != nbytes:
            raise EngineDied(
                f"the engine's doorbell block has {nbytes} bytes, {LIBRARY_NAME} expects "
                f"{lib.coinrun_doorbell_bytes()}: engine and library come from different builds; rebuild with `make`"
            )
        self._block = mapping[offset : offset + nbytes]  # keeps the mapping alive
        self._ptr = ctypes.c_void_p(self._block.ctypes.data)
        self._lib = lib
        self._wait = lib.coinrun_doorbell_wait
        self._post = lib.coinrun_doorbell_post
        self._step = lib.coinrun_doorbell_step
        self.last_post = 0  # posts so far (the library counts them the same way)
        self._step_us = ctypes.c_uint64(0)
        self._step_us_ref = ctypes.byref(self._step_us)
        lib.coinrun_doorbell_set_spin(self._ptr, int(spin_us))

    @property
    def step_us(self) -> int:
        """The engine's time for the last step waited for, in microseconds."""
        return int(self._step_us.value)

    def step(self, seq: int, slot: int, n: int) -> int:
        """Posts step ``seq`` and waits one slice for it: OK, or anything else (then ``wait``
        for post ``last_post`` says what happened)."""
        status = self._step(self._ptr, seq, slot, n, _SLICE_NS, self._step_us_ref)
        self.last_post += 1
        return status

    def post(self, seq: int, slot: int, n: int) -> int:
        """Posts step ``seq`` (staged in ``slot``); returns the post's number for ``wait``."""
        self.last_post = int(self._post(self._ptr, seq, slot, n))
        return self.last_post

    def wait(
        self, post: int, timeout_s: float, check_alive: Callable[[], None], on_timeout: Callable[[], None]
    ) -> bytes | None:
        """None when post number ``post`` succeeded, else the engine's msgpack error map.
        Raises DoorbellCancelled (posted behind a failed step) or DoorbellClosed."""
        left_ns = int(timeout_s * 1e9)
        while True:
            status = self._wait(self._ptr, post, min(left_ns, _SLICE_NS), self._step_us_ref)
            if status == OK:
                return None
            if status == ERROR:
                n = self._lib.coinrun_doorbell_reply_len(self._ptr)
                return ctypes.string_at(self._lib.coinrun_doorbell_reply(self._ptr), n)
            if status == CANCELLED:
                raise DoorbellCancelled(post)
            if status == _CLOSED:
                raise DoorbellClosed("coinrun-engine closed the session's doorbell")
            check_alive()
            left_ns -= _SLICE_NS
            if left_ns <= 0:
                on_timeout()  # raises

    def close(self) -> None:
        self._block = None  # type: ignore[assignment]
        self._ptr = ctypes.c_void_p(0)

"""The FIFO doorbell of a local session (docs/protocol.md, "Doorbell").

A step is posted in the segment's doorbell block and announced by one byte on a FIFO; the
engine answers in the same block and with one byte on the reply FIFO. That is two thread
wake-ups per step instead of the eight of a ZeroMQ round trip (client and engine I/O
threads in each direction). Every wait is a poll in short slices with a liveness check.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Callable

import numpy as np

from .errors import EngineDied

_PENDING = 0xFFFFFFFF


class DoorbellClosed(EngineDied):
    """The engine closed its end of the doorbell; the caller finds out why."""


_SLICE_MS = 250


class Doorbell:
    def __init__(self, mapping: np.ndarray, offset: int, request_path: str, reply_path: str) -> None:
        self._req = os.open(request_path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            self._rsp = os.open(reply_path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            os.close(self._req)
            raise
        # Both ends are open now: the names are no longer needed, so nothing is left behind.
        for p in (request_path, reply_path):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p)
        blk = mapping[offset : offset + 2048]
        self._seq = blk[0:8].view(np.uint64)
        self._slot = blk[8:12].view(np.uint32)
        self._n = blk[12:16].view(np.uint32)
        self._status = blk[16:20].view(np.uint32)
        self._reply_len = blk[20:24].view(np.uint32)
        self.step_us = blk[24:32].view(np.uint64)
        self._reply = blk[32:]
        self._poller = select.poll()
        self._poller.register(self._rsp, select.POLLIN)

    def ring(self, seq: int, slot: int, n: int) -> None:
        self._seq[0] = seq
        self._slot[0] = slot
        self._n[0] = n
        self._status[0] = _PENDING
        os.write(self._req, b"\x01")

    def wait(self, timeout_s: float, check_alive: Callable[[], None], on_timeout: Callable[[], None]) -> bytes | None:
        """None when the step succeeded, else the engine's msgpack error map."""
        deadline = time.monotonic() + timeout_s
        while True:
            if self._poller.poll(_SLICE_MS):
                try:
                    data = os.read(self._rsp, 64)
                except BlockingIOError:
                    data = b"\x00"
                status = int(self._status[0])
                if status != _PENDING:
                    return None if status == 0 else bytes(self._reply[: int(self._reply_len[0])])
                if not data:
                    # End of file: the engine closed its end (it exited, or closed the session).
                    raise DoorbellClosed("coinrun-engine closed the doorbell")
                # Otherwise a late byte from an earlier, abandoned request: keep waiting.
            check_alive()
            if time.monotonic() >= deadline:
                on_timeout()

    def close(self) -> None:
        for fd in (self._req, self._rsp):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._seq = self._slot = self._n = self._status = self._reply_len = self.step_us = self._reply = None  # type: ignore[assignment]

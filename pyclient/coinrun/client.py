"""EngineClient: a DEALER socket talking protocol 1.0 with timeouts everywhere.

Every wait is a poll in short slices; between slices the client checks that a launched
engine is still alive, so a dead engine is reported within about a quarter of a second
and no call blocks forever.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import zmq

from . import protocol
from .errors import EngineDied, EngineError, EngineTimeout
from .launcher import EngineProcess

DEFAULT_TIMEOUT_S = 60.0
# How often a wait checks whether a launched engine died.
_POLL_SLICE_MS = 250


class EngineClient:
    """Request/reply over DEALER. Pass ``process`` when this client launched the engine."""

    def __init__(
        self,
        endpoint: str,
        process: EngineProcess | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        client_name: str = "coinrun-py",
    ) -> None:
        self.endpoint = endpoint
        self.process = process
        self.timeout_s = float(timeout_s)
        self._ctx = zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.DEALER)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.setsockopt(zmq.RCVTIMEO, _POLL_SLICE_MS)
        self._sock.connect(endpoint)
        self._next_id = 1
        self._closed = False
        self.hello = self.request(protocol.hello(client_name))
        protocol.check_hello_reply(self.hello)

    @property
    def is_local(self) -> bool:
        return self.endpoint.startswith("ipc://") or self.process is not None

    @staticmethod
    def hostname() -> str:
        return socket.gethostname()

    def send(self, msg: dict[str, Any], frames: tuple[bytes | memoryview, ...] = ()) -> int:
        """Sends one request; returns its id (match it with ``recv``)."""
        if self._closed:
            raise EngineError("this client is closed", code="NO_SESSION", hint="create a new env")
        rid = self._next_id
        self._next_id += 1
        msg["id"] = rid
        msg.setdefault("v", protocol.PROTOCOL_MAJOR)
        data = protocol.encode(msg)
        if frames:
            self._sock.send(data, zmq.SNDMORE)
            for f in frames[:-1]:
                self._sock.send(f, zmq.SNDMORE, copy=False)
            self._sock.send(frames[-1], copy=False)
        else:
            self._sock.send(data)
        return rid

    def recv(self, rid: int, timeout_s: float | None = None) -> tuple[dict[str, Any], list[zmq.Frame]]:
        """The reply to request ``rid`` (older stray replies are dropped); raises on error."""
        timeout = self.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        sock = self._sock
        while True:
            # A blocking recv bounded by RCVTIMEO is one call on the hot path (poll + recv
            # would be two); frame 0 is small, so copying it is cheaper than a zmq.Frame.
            try:
                head = sock.recv()
            except zmq.Again:
                if time.monotonic() >= deadline:
                    self._raise_timeout(timeout)
                if self.process is not None and not self.process.alive():
                    raise EngineDied(self.process.death_message()) from None
                continue
            extra: list[zmq.Frame] = []
            while sock.getsockopt(zmq.RCVMORE):
                extra.append(sock.recv(copy=False))
            reply = protocol.decode(head)
            if reply.get("id") != rid:
                continue  # the late answer to a request that already timed out
            if reply.get("type") == "error":
                raise protocol.error_from_reply(reply)
            return reply, extra

    def request(
        self,
        msg: dict[str, Any],
        frames: tuple[bytes | memoryview, ...] = (),
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        reply, _ = self.recv(self.send(msg, frames), timeout_s)
        return reply

    def request_frames(
        self, msg: dict[str, Any], frames: tuple[bytes | memoryview, ...] = (), timeout_s: float | None = None
    ) -> tuple[dict[str, Any], list[zmq.Frame]]:
        return self.recv(self.send(msg, frames), timeout_s)

    def _raise_timeout(self, timeout: float) -> None:
        if self.process is not None:
            if not self.process.alive():
                raise EngineDied(self.process.death_message())
            raise EngineTimeout(
                f"coinrun-engine (pid {self.process.proc.pid}) did not answer within {timeout:.1f} s; "
                f"it is still running (log: {self.process.log_tail(500)}). Raise the `timeout` option "
                "if steps are legitimately this slow"
            )
        raise EngineTimeout(
            f"no reply from the engine at {self.endpoint} within {timeout:.1f} s; check that it is "
            "running and reachable, or raise the `timeout` option"
        )

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._sock.close(linger=0)


def client_identity() -> dict[str, Any]:
    """The fields of a create request that let the engine reclaim a dead client's session."""
    return {"client_pid": os.getpid(), "client_host": socket.gethostname()}

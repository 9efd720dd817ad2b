"""EngineClient: a DEALER socket talking protocol 1.x with timeouts everywhere.

Every wait is a poll in short slices; between slices the client checks that a launched
engine is still alive, so a dead engine is reported within about a quarter of a second
and no call blocks forever. With credentials (credentials.py) every request carries the
token, and a known engine key makes the socket a CURVE client (encrypted connection); a
refused handshake is reported as soon as ZeroMQ sees it, not at the timeout.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import Any

import zmq
from zmq.utils.monitor import recv_monitor_message

from . import protocol
from .credentials import Credentials
from .errors import AuthenticationError, EngineDied, EngineError, EngineTimeout
from .launcher import EngineProcess

DEFAULT_TIMEOUT_S = 60.0
# How often a wait checks whether a launched engine died.
_POLL_SLICE_MS = 250
# ZeroMQ's events for a connection whose security handshake failed (mechanism mismatch,
# undecryptable CURVE hello: a missing or wrong engine key).
_HANDSHAKE_FAILED = (
    zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_AUTH
)


class EngineClient:
    """Request/reply over DEALER. Pass ``process`` when this client launched the engine."""

    def __init__(
        self,
        endpoint: str,
        process: EngineProcess | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        client_name: str = "coinrun-py",
        credentials: Credentials | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.process = process
        self.timeout_s = float(timeout_s)
        creds = credentials or Credentials()
        self.credentials = creds
        self._token = creds.token
        self.encrypted = creds.engine_key is not None
        self._ctx = zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.DEALER)
        self._sock.setsockopt(zmq.LINGER, 0)
        self._sock.setsockopt(zmq.RCVTIMEO, _POLL_SLICE_MS)
        # A DEALER blocks a send while it has no connection to queue on (a refused handshake
        # drops it until the next reconnect): bounded like every wait, see send().
        self._sock.setsockopt(zmq.SNDTIMEO, _POLL_SLICE_MS)
        if creds.engine_key is not None:
            public, secret = zmq.curve_keypair()  # this client's own pair, new each time
            self._sock.curve_serverkey = creds.engine_key.encode()
            self._sock.curve_publickey = public
            self._sock.curve_secretkey = secret
        monitor = self._sock.get_monitor_socket(_HANDSHAKE_FAILED) if process is None else None
        self._next_id = 1
        self._closed = False
        try:
            try:
                self._sock.connect(endpoint)
                self.hello = self._hello(client_name, monitor)
            finally:
                if monitor is not None:
                    self._sock.disable_monitor()
                    monitor.close(linger=0)
        except BaseException:
            self.close()
            raise
        protocol.check_hello_reply(self.hello)

    def _hello(self, client_name: str, monitor: zmq.Socket | None) -> dict[str, Any]:
        """The hello round trip; a failed security handshake reported by ``monitor`` ends
        it at once with AuthenticationError."""

        def check_handshake() -> None:
            while monitor is not None and monitor.poll(0):
                if recv_monitor_message(monitor)["event"] & _HANDSHAKE_FAILED:
                    raise self._handshake_error()

        rid = self.send(protocol.hello(client_name), while_blocked=check_handshake)
        if monitor is not None:
            poller = zmq.Poller()
            poller.register(self._sock, zmq.POLLIN)
            poller.register(monitor, zmq.POLLIN)
            deadline = time.monotonic() + self.timeout_s
            while time.monotonic() < deadline:
                ready = dict(poller.poll(_POLL_SLICE_MS))
                if self._sock in ready:
                    break
                if monitor in ready:
                    check_handshake()
        reply, _ = self.recv(rid)
        return reply

    def _handshake_error(self) -> AuthenticationError:
        if self.encrypted:
            what = "this client's engine_key is not the engine's public key, or the engine does not encrypt"
        else:
            what = "the engine encrypts (CURVE) and this client has no engine_key"
        return AuthenticationError(
            f"the engine at {self.endpoint} refused the connection handshake: {what}",
            code="HANDSHAKE",
            hint="pass engine_key= the engine's public key or its KEYFILE.pub path (the engine prints it at "
            "start), or set COINRUN_ENGINE_KEY; engines on loopback or ipc:// without --key-file take no key",
        )

    @property
    def is_local(self) -> bool:
        return self.endpoint.startswith("ipc://") or self.process is not None

    @staticmethod
    def hostname() -> str:
        return socket.gethostname()

    def child_environment(self) -> dict[str, str]:
        """The environment for a viewer attached through this client (it reads the token and
        the engine key from COINRUN_TOKEN and COINRUN_ENGINE_KEY)."""
        env = dict(os.environ)
        if self.credentials.token is not None:
            env["COINRUN_TOKEN"] = self.credentials.token
        if self.credentials.engine_key is not None:
            env["COINRUN_ENGINE_KEY"] = self.credentials.engine_key
        return env

    def send(
        self,
        msg: dict[str, Any],
        frames: tuple[bytes | memoryview, ...] = (),
        while_blocked: Callable[[], None] | None = None,
    ) -> int:
        """Sends one request; returns its id (match it with ``recv``)."""
        if self._closed:
            raise EngineError("this client is closed", code="NO_SESSION", hint="create a new env")
        rid = self._next_id
        self._next_id += 1
        msg["id"] = rid
        msg.setdefault("v", protocol.PROTOCOL_MAJOR)
        if self._token is not None:
            msg["token"] = self._token
        data = protocol.encode(msg)
        self._send_first(data, zmq.SNDMORE if frames else 0, while_blocked)
        if frames:
            for f in frames[:-1]:
                self._sock.send(f, zmq.SNDMORE, copy=False)
            self._sock.send(frames[-1], copy=False)
        return rid

    def _send_first(self, data: bytes, flags: int, while_blocked: Callable[[], None] | None) -> None:
        """The first frame of a message, waiting at most timeout_s for a connection to take
        it (once it is taken, the rest of a multipart message follows without blocking)."""
        try:
            self._sock.send(data, flags)  # the usual case: one call
            return
        except zmq.Again:
            pass
        deadline = time.monotonic() + self.timeout_s - _POLL_SLICE_MS / 1000
        while True:
            if while_blocked is not None:
                while_blocked()
            if time.monotonic() >= deadline:
                self._raise_timeout(self.timeout_s)
            try:
                self._sock.send(data, flags)
                return
            except zmq.Again:
                continue

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
        if not getattr(self, "_closed", True):
            self._closed = True
            self._sock.close(linger=0)


def client_identity() -> dict[str, Any]:
    """The fields of a create request that let the engine reclaim a dead client's session."""
    return {"client_pid": os.getpid(), "client_host": socket.gethostname()}

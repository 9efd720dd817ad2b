"""How a vector env's sequenced requests reach its session and its results come back
(docs/python-api.md, "Transports"). One transport per env, chosen once at creation:

- ``DoorbellTransport``: a local engine; results in the shared-memory segment, steps posted
  on the doorbell block (doorbell.py), reset and set_state as ZeroMQ messages.
- ``ShmTransport``: a local engine without the native doorbell helper; every request is a
  ZeroMQ message, results in the segment.
- ``InlineTransport``: a remote engine; every request is a ZeroMQ message and the results
  come back as the reply's payload (the slot's bytes).

The env stages actions (and env ids) in ``slots[slot]``, posts, and later waits for the
ticket, in posting order; it never needs to know which transport it holds.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import numpy as np

from . import protocol
from .client import EngineClient
from .doorbell import OK, Doorbell, DoorbellCancelled, DoorbellClosed
from .errors import EngineDied, EngineError
from .shm import ShmSession, SlotViews, build_slot, regions_from_reply


class Ticket(NamedTuple):
    """One posted request: its seq and slot, its batch size, and its ZeroMQ request id or
    (when it went through the doorbell) its doorbell post number. (A tuple: one is made per
    step, and a frozen dataclass costs a microsecond to build.)"""

    seq: int
    slot: int
    n: int
    rid: int | None
    post: int | None = None


class Transport:
    """Sequenced requests as ZeroMQ messages; results in the session's shared memory."""

    name = "shm"

    def __init__(self, client: EngineClient, session: int, slots: list[SlotViews]) -> None:
        self.client = client
        self.session = session
        self.slots = slots

    def post_step(self, seq: int, slot: int, n: int, subset: bool) -> Ticket:
        """Posts a step whose actions (and env ids, for a subset) are staged in ``slots[slot]``."""
        msg: dict[str, Any] = {"type": "step", "session": self.session, "seq": seq, "slot": slot}
        if subset:
            msg["n"] = n
        return Ticket(seq, slot, n, self.client.send(msg, self._step_frames(slot, n, subset)))

    def post(self, msg: dict[str, Any], seq: int, slot: int, n: int) -> Ticket:
        """Posts another sequenced request (reset, set_state)."""
        msg.update(session=self.session, seq=seq, slot=slot)
        return Ticket(seq, slot, n, self.client.send(msg))

    def run_step(self, seq: int, slot: int, n: int, subset: bool) -> SlotViews:
        """post_step and wait in one (a synchronous step)."""
        return self.wait(self.post_step(seq, slot, n, subset))

    def wait(self, ticket: Ticket) -> SlotViews:
        """The results of ``ticket``; raises the engine's error (the request changed nothing)."""
        assert ticket.rid is not None
        reply, frames = self.client.recv(ticket.rid)
        if reply.get("seq") != ticket.seq or reply.get("slot") != ticket.slot:
            raise EngineError(
                f"reply for seq {reply.get('seq')} slot {reply.get('slot')}, expected {ticket.seq}/{ticket.slot}",
                code="BAD_SEQUENCE",
            )
        return self._views(ticket.slot, frames)

    def close(self) -> None:
        self.slots = []

    def _step_frames(self, slot: int, n: int, subset: bool) -> tuple[bytes, ...]:
        return ()

    def _views(self, slot: int, frames: list[Any]) -> SlotViews:
        return self.slots[slot]


class ShmTransport(Transport):
    """A local session's segment, every request over ZeroMQ."""

    def __init__(self, client: EngineClient, session: int, shm: ShmSession) -> None:
        super().__init__(client, session, shm.slots)
        self.shm = shm

    def close(self) -> None:
        super().close()
        self.shm.close()


class DoorbellTransport(ShmTransport):
    """A local session's segment, steps through the doorbell."""

    name = "doorbell"

    def __init__(self, client: EngineClient, session: int, shm: ShmSession, bell: Doorbell) -> None:
        super().__init__(client, session, shm)
        self.bell = bell

    def post_step(self, seq: int, slot: int, n: int, subset: bool) -> Ticket:
        return Ticket(seq, slot, n, None, self.bell.post(seq, slot, n))

    def run_step(self, seq: int, slot: int, n: int, subset: bool) -> SlotViews:
        # Post and the first wait slice in one native call: the usual step costs one call.
        status = self.bell.step(seq, slot, n)
        if status == OK:
            return self.slots[slot]
        return self._finish_wait(Ticket(seq, slot, n, None, self.bell.last_post))

    def wait(self, ticket: Ticket) -> SlotViews:
        if ticket.rid is not None:
            return super().wait(ticket)
        return self._finish_wait(ticket)

    def _check_alive(self) -> None:
        client = self.client
        if client.process is not None:
            if not client.process.alive():
                raise EngineDied(client.process.death_message())
        elif not _pid_alive(self.shm.engine_pid):
            # A running engine this client connected to: it is local (shared memory), so its
            # pid tells whether it still lives, long before the request timeout.
            raise EngineDied(
                f"coinrun-engine (pid {self.shm.engine_pid}) at {client.endpoint} exited; its sessions are "
                "gone. Create a new env once an engine serves that address again"
            )

    def _on_timeout(self) -> None:
        self.client._raise_timeout(self.client.timeout_s)

    def _finish_wait(self, ticket: Ticket) -> SlotViews:
        client = self.client
        try:
            assert ticket.post is not None
            err = self.bell.wait(ticket.post, client.timeout_s, self._check_alive, self._on_timeout)
        except DoorbellCancelled:
            raise EngineError(
                f"step {ticket.seq} was not run: an earlier step in flight failed", code="BAD_SEQUENCE"
            ) from None
        except DoorbellClosed:
            self._diagnose_closed(client)
            raise
        if err is not None:
            raise protocol.error_from_reply(protocol.decode(err))
        return self.slots[ticket.slot]

    def _diagnose_closed(self, client: EngineClient) -> None:
        """Raises the reason the engine closed the session, when it can be found out."""
        proc = client.process
        if proc is not None:
            try:
                proc.proc.wait(timeout=1.0)
            except Exception:  # noqa: BLE001 - still running: ask it instead
                pass
            if not proc.alive():
                raise EngineDied(proc.death_message()) from None
        # A running engine closes a session on lease expiry: a ping names the session and
        # gets NO_SESSION back.
        client.request({"type": "ping", "session": self.session}, timeout_s=min(5.0, client.timeout_s))

    def close(self) -> None:
        self.bell.close()
        super().close()


class InlineTransport(Transport):
    """Every request over ZeroMQ; results arrive as each reply's payload (remote engines)."""

    name = "inline"

    def __init__(self, client: EngineClient, session: int, reply: dict[str, Any], num_envs: int) -> None:
        self._regions = regions_from_reply(reply["regions"])
        self._slot_bytes = int(reply["slot_bytes"])
        self._num_envs = num_envs
        self._obs_shape = tuple(int(x) for x in reply["spaces"]["obs_shape"])
        # Staging: the client's actions and env ids live here.
        slots = [
            build_slot(np.zeros(self._slot_bytes, np.uint8), self._regions, num_envs, self._obs_shape)
            for _ in range(int(reply["ring_depth"]))
        ]
        super().__init__(client, session, slots)

    def _step_frames(self, slot: int, n: int, subset: bool) -> tuple[bytes, ...]:
        staged = self.slots[slot]
        return (staged.actions[:n].tobytes(),) + ((staged.env_ids[:n].tobytes(),) if subset else ())

    def _views(self, slot: int, frames: list[Any]) -> SlotViews:
        if not frames or len(frames[0]) != self._slot_bytes:
            raise EngineError("inline reply without the slot payload", code="BAD_MESSAGE")
        staged = self.slots[slot]
        views = build_slot(
            np.frombuffer(frames[0].buffer, dtype=np.uint8), self._regions, self._num_envs, self._obs_shape
        )
        views.actions, views.env_ids = staged.actions, staged.env_ids
        return views


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def open_transport(
    client: EngineClient,
    reply: dict[str, Any],
    num_envs: int,
    bell_lib: Any,
    spin_us: int,
) -> Transport:
    """The transport for a session from its create reply."""
    session = int(reply["session"])
    if reply.get("transport", "shm") == "inline":
        return InlineTransport(client, session, reply, num_envs)
    shm_info = reply["shm"]
    obs_shape = tuple(int(x) for x in reply["spaces"]["obs_shape"])
    shm = ShmSession(
        shm_info["name"],
        int(shm_info["bytes"]),
        int(shm_info["session_id"]),
        num_envs,
        int(reply["ring_depth"]),
        obs_shape,
    )
    try:
        db = reply.get("doorbell")
        if db is None or bell_lib is None:
            return ShmTransport(client, session, shm)
        bell = Doorbell(bell_lib, shm.buffer, int(db["offset"]), int(db["bytes"]), spin_us)
        return DoorbellTransport(client, session, shm, bell)
    except BaseException:
        shm.close()
        raise

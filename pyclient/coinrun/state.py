"""Per-env state save/restore on the vector env (protocol 1.1, docs/state.md).

A state is the engine's versioned, portable byte string for one env: restoring it and
replaying the same actions gives the same observations, rewards and dones bit for bit, in
another engine process and with another thread count. Mixed into ``CoinRunVectorEnv``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import CoinRunError, InvalidState
from .gym_compat import step_infos

if TYPE_CHECKING:
    from .vector_env import CoinRunVectorEnv


def _env_ids(venv: CoinRunVectorEnv, env_ids: Iterable[int] | None) -> list[int] | None:
    if env_ids is None:
        return None
    ids = [int(i) for i in np.asarray(list(env_ids)).reshape(-1)]
    if not ids:
        raise InvalidState("env_ids is empty", hint="leave env_ids out to address every env")
    bad = [i for i in ids if not 0 <= i < venv.num_envs]
    if bad:
        raise InvalidState(
            f"env id {bad[0]} is out of range [0, {venv.num_envs})", hint="pass env ids in [0, num_envs)"
        )
    if len(set(ids)) != len(ids):
        raise InvalidState("env_ids has repeated ids", hint="pass each env id at most once")
    return ids


class StateMixin:
    """``get_state`` / ``set_state`` for ``CoinRunVectorEnv``."""

    def get_state(self: CoinRunVectorEnv, env_ids: Iterable[int] | None = None) -> list[bytes]:
        """The states of ``env_ids`` (default: every env, in order) as bytes. Changes nothing."""
        if self._pending or self._bell_inflight:
            raise CoinRunError("get_state() while async batches are in flight; call recv()/step_wait() first")
        msg: dict[str, Any] = {"type": "get_state", "session": self.session}
        ids = _env_ids(self, env_ids)
        if ids is not None:
            msg["env_ids"] = ids
        reply = self._require_client().request(msg)
        return [bytes(s) for s in reply["states"]]

    def set_state(
        self: CoinRunVectorEnv, states: Sequence[bytes], env_ids: Iterable[int] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Restores ``states[j]`` into env ``env_ids[j]`` (default: one state per env, in
        order) and returns ``(obs, infos)`` like ``reset``. The other envs keep going
        unchanged. Raises ``InvalidState`` (and changes nothing) for any bad state."""
        ids = _env_ids(self, env_ids)
        blobs: list[bytes] = []
        for j, s in enumerate(states):
            if not isinstance(s, (bytes, bytearray, memoryview)):
                raise InvalidState(
                    f"state {j} is a {type(s).__name__}, not bytes", hint="pass the bytes that get_state returned"
                )
            blobs.append(bytes(s))
        want = self.num_envs if ids is None else len(ids)
        if len(blobs) != want:
            raise InvalidState(
                f"{len(blobs)} states for {want} envs",
                hint="pass one state per env, or one per id in env_ids",
            )
        self._drain()
        self._reset_buffer = None
        client = self._require_client()
        seq, slot = self._next_slot()
        msg: dict[str, Any] = {"type": "set_state", "session": self.session, "seq": seq, "slot": slot, "states": blobs}
        if ids is not None:
            msg["env_ids"] = ids
        entry = (client.send(msg), seq, slot, self.num_envs)
        self._pending.append(entry)
        views = self._recv_one(entry)
        self._started(views)
        return views.obs, step_infos(views, self.num_envs, False)

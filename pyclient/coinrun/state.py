"""Checks of the arguments of ``CoinRunVectorEnv.get_state`` / ``set_state`` (protocol 1.1,
docs/state.md): bad env ids or states are refused here with a clear error before anything
is sent, so nothing changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .errors import InvalidState


def checked_env_ids(env_ids: Iterable[int] | None, num_envs: int) -> list[int] | None:
    """``env_ids`` as a list of distinct ids in [0, num_envs), or None for every env."""
    if env_ids is None:
        return None
    ids = [int(i) for i in np.asarray(list(env_ids)).reshape(-1)]
    if not ids:
        raise InvalidState("env_ids is empty", hint="leave env_ids out to address every env")
    bad = [i for i in ids if not 0 <= i < num_envs]
    if bad:
        raise InvalidState(f"env id {bad[0]} is out of range [0, {num_envs})", hint="pass env ids in [0, num_envs)")
    if len(set(ids)) != len(ids):
        raise InvalidState("env_ids has repeated ids", hint="pass each env id at most once")
    return ids


def checked_states(states: Sequence[bytes], ids: list[int] | None, num_envs: int) -> list[bytes]:
    """The states as bytes, one per env (ids None) or one per id."""
    blobs: list[bytes] = []
    for j, s in enumerate(states):
        if not isinstance(s, (bytes, bytearray, memoryview)):
            raise InvalidState(
                f"state {j} is a {type(s).__name__}, not bytes", hint="pass the bytes that get_state returned"
            )
        blobs.append(bytes(s))
    want = num_envs if ids is None else len(ids)
    if len(blobs) != want:
        raise InvalidState(
            f"{len(blobs)} states for {want} envs", hint="pass one state per env, or one per id in env_ids"
        )
    return blobs

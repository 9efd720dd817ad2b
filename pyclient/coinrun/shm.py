"""Attach to a session's shared-memory segment and build numpy views of its ring slots.

The segment is opened with ``os.open`` + ``mmap``, not ``multiprocessing.shared_memory``,
which before Python 3.13 registers the segment with the resource tracker and unlinks it at
exit (CPython gh-82300). Right after mapping, the client unlinks the name itself: the
mapping stays valid, and no exit path of engine or client can leave a segment behind.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from . import protocol
from .errors import EngineError, VersionMismatch

HEADER_BYTES = 4096
_REGION_TABLE_OFFSET = 128
_REGION_ENTRY = struct.Struct("<16sIIQQ")
_SLOT_SEQ_OFFSET = 1024
# magic, layout_version, header_bytes, total_bytes, session_id, engine_pid, num_envs,
# ring_depth, obs_h, obs_w, obs_c, n_actions, state, heartbeat, num_regions, reserved,
# slots_offset, slot_bytes
_HEADER = struct.Struct("<8sIIQQIIIIIIIIQIIQQ")


@dataclass(frozen=True)
class RegionInfo:
    name: str
    dtype: np.dtype
    env_stride: int
    offset: int
    nbytes: int


def regions_from_reply(entries: list[dict[str, Any]]) -> dict[str, RegionInfo]:
    out = {}
    for e in entries:
        out[e["name"]] = RegionInfo(
            e["name"],
            np.dtype(protocol.DTYPES[int(e["dtype"])]),
            int(e["env_stride"]),
            int(e["offset"]),
            int(e["bytes"]),
        )
    return out


class SlotHead(NamedTuple):
    """Views of a slot's first n rows: read-only outputs, and the client's inputs."""

    infos: dict[str, Any]
    env_ids: np.ndarray
    obs: np.ndarray
    reward: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    level_seed: np.ndarray
    done: np.ndarray
    prev_level_seed: np.ndarray
    actions_in: np.ndarray  # written by the client before a step
    env_ids_in: np.ndarray  # written by the client before a step


@dataclass
class SlotViews:
    """Numpy views of one ring slot. Outputs are read-only; ``actions``/``env_ids`` are
    written by the client before a step."""

    obs: np.ndarray
    actions: np.ndarray
    env_ids: np.ndarray
    reward: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    level_seed: np.ndarray
    prev_level_complete: np.ndarray
    episode_return: np.ndarray
    episode_length: np.ndarray
    done: np.ndarray  # terminated | truncated
    # The level seed each env played before this request (Procgen's prev_level_seed); equal
    # to level_seed except where a level ended.
    prev_level_seed: np.ndarray
    # On a same-step done row: the finished episode's last frame (engines since final_obs).
    final_obs: np.ndarray | None = None
    infos: dict[str, Any] = field(default_factory=dict)
    # Views over the first n rows, built once per batch size: async batches of a fixed size
    # then cost no view construction per call (the views stay valid; their data changes).
    head_cache: dict[int, SlotHead] = field(default_factory=dict)

    def head(self, n: int) -> SlotHead:
        """Views of the first n rows."""
        got = self.head_cache.get(n)
        if got is None:

            def ro(a: np.ndarray) -> np.ndarray:
                v = a[:n].view()
                v.flags.writeable = False
                return v

            got = SlotHead(
                slot_infos(self, n),
                ro(self.env_ids),
                ro(self.obs),
                ro(self.reward),
                ro(self.terminated),
                ro(self.truncated),
                ro(self.level_seed),
                ro(self.done),
                ro(self.prev_level_seed),
                self.actions[:n],
                self.env_ids[:n],
            )
            self.head_cache[n] = got
        return got


def build_slot(buf: np.ndarray, regions: dict[str, RegionInfo], num_envs: int, obs_shape: tuple[int, ...]) -> SlotViews:
    """Views over one slot's bytes (``buf``: a 1-D uint8 array of slot_bytes)."""

    def view(name: str, writable: bool = False) -> np.ndarray:
        r = regions[name]
        if r.offset + r.nbytes > buf.size or r.nbytes != r.env_stride * num_envs:
            raise EngineError(f"region {name} does not fit the slot", code="BAD_MESSAGE")
        a = buf[r.offset : r.offset + r.nbytes].view(r.dtype)
        if not writable:
            a.flags.writeable = False
        return a

    obs = view("obs").reshape((num_envs, *obs_shape))
    s = SlotViews(
        obs=obs,
        actions=view("actions", writable=True),
        env_ids=view("env_ids", writable=True),
        reward=view("reward"),
        terminated=view("terminated").view(np.bool_),
        truncated=view("truncated").view(np.bool_),
        level_seed=view("level_seed"),
        prev_level_complete=view("prev_complete").view(np.bool_),
        episode_return=view("episode_return"),
        episode_length=view("episode_length"),
        done=view("done").view(np.bool_),
        prev_level_seed=view("prev_level_seed"),
    )
    if "final_obs" in regions:
        s.final_obs = view("final_obs").reshape((num_envs, *obs_shape))
    s.infos = slot_infos(s, num_envs)
    return s


def slot_infos(s: SlotViews, n: int) -> dict[str, Any]:
    """The infos of the first ``n`` rows of a slot, as read-only views (docs/python-api.md).

    Our own episode statistics live under ``coinrun_episode`` so that gymnasium's
    RecordEpisodeStatistics can own ``episode``.
    """

    def ro(a: np.ndarray) -> np.ndarray:
        v = a[:n].view()
        v.flags.writeable = False
        return v

    return {
        "level_seed": ro(s.level_seed),
        "prev_level_seed": ro(s.prev_level_seed),
        "prev_level_complete": ro(s.prev_level_complete),
        "coinrun_episode": {"r": ro(s.episode_return), "l": ro(s.episode_length)},
        "_coinrun_episode": ro(s.done),
    }


class ShmSession:
    """The mapping of one session's segment and prebuilt views for every slot."""

    def __init__(
        self, name: str, nbytes: int, session_id: int, num_envs: int, ring_depth: int, obs_shape: tuple[int, ...]
    ) -> None:
        path = "/dev/shm/" + name.lstrip("/")
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            if size != nbytes:
                raise EngineError(f"segment {name} has {size} bytes, the engine announced {nbytes}", code="BAD_MESSAGE")
            self._mm = mmap.mmap(fd, nbytes, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        self.name = name
        self._buf = np.frombuffer(self._mm, dtype=np.uint8)
        h = _HEADER.unpack_from(self._mm, 0)
        (
            magic,
            layout,
            header_bytes,
            total,
            sid,
            _pid,
            n,
            ring,
            oh,
            ow,
            oc,
            _na,
            _state,
            _hb,
            nreg,
            _res,
            slots_offset,
            slot_bytes,
        ) = h
        self.engine_pid = int(_pid)
        if magic != protocol.SHM_MAGIC:
            raise EngineError(f"segment {name} has bad magic {magic!r}", code="BAD_MESSAGE")
        if layout != protocol.LAYOUT_VERSION:
            raise VersionMismatch(
                f"segment layout {layout}, client expects {protocol.LAYOUT_VERSION}",
                code="VERSION_MISMATCH",
                hint="install the package and engine from the same checkout",
            )
        if (header_bytes, total, sid, n, ring) != (HEADER_BYTES, nbytes, session_id, num_envs, ring_depth):
            raise EngineError(f"segment {name} header does not match the session", code="BAD_MESSAGE")
        if (oh, ow, oc) != tuple(obs_shape):
            raise EngineError(f"segment obs shape {(oh, ow, oc)} != {obs_shape}", code="BAD_MESSAGE")
        regions = {}
        for i in range(nreg):
            raw_name, dtype, stride, off, nb = _REGION_ENTRY.unpack_from(
                self._mm, _REGION_TABLE_OFFSET + i * _REGION_ENTRY.size
            )
            rname = raw_name.rstrip(b"\0").decode()
            regions[rname] = RegionInfo(rname, np.dtype(protocol.DTYPES[dtype]), stride, off, nb)
        self.regions = regions
        self.slot_bytes = int(slot_bytes)
        self.slot_seq = self._buf[_SLOT_SEQ_OFFSET : _SLOT_SEQ_OFFSET + 8 * ring].view(np.uint64)
        self.slot_seq.flags.writeable = False
        self.slots = [
            build_slot(
                self._buf[slots_offset + k * slot_bytes : slots_offset + (k + 1) * slot_bytes],
                regions,
                num_envs,
                obs_shape,
            )
            for k in range(ring)
        ]

    @property
    def buffer(self) -> np.ndarray:
        return self._buf

    def close(self) -> None:
        self.slots = []
        self.slot_seq = None  # type: ignore[assignment]
        self._buf = None  # type: ignore[assignment]
        try:
            self._mm.close()
        except BufferError:
            # The caller still holds observation views; the mapping goes when they do.
            pass

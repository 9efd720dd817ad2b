#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (tools/fuzz/corpus/{decoder,session}).

Decoder seeds are single request frames; session seeds are record lists (u16 header
length, u16 payload length, header, payload; see fuzz_session.cpp) that create a session
(referred to as session 0) and drive it through reset, step, render and close.
"""

from __future__ import annotations

import struct
from pathlib import Path

import msgpack

OUT = Path(__file__).resolve().parent / "corpus"


def m(**kw) -> bytes:
    kw.setdefault("v", 1)
    kw.setdefault("id", 1)
    return msgpack.packb(kw, use_bin_type=True)


def rec(head: bytes, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", len(head), len(payload)) + head + payload


def acts(n: int, v: int = 0) -> bytes:
    return struct.pack(f"<{n}i", *([v] * n))


DECODER = {
    "hello": m(type="hello", protocol=[1, 0], client="seed"),
    "create": m(
        type="create",
        options={"num_envs": 4, "game": "standard", "seed": 3},
        ring_depth=2,
        transport="inline",
        lease_s=1.5,
        label="x",
    ),
    "reset": m(type="reset", session=1, seq=1, slot=1, seed=5, mask=b"\x01\x00", level_seeds=[1]),
    "step": m(type="step", session=1, seq=2, slot=0, n=2),
    "render": m(type="render", session=1, env=0, width=64, height=64),
    "ping": m(type="ping", session=1),
    "list": m(type="list_sessions"),
    "close": m(type="close", session=1),
    "get_state": m(type="get_state", session=1, env_ids=[0]),
    "garbage": b"\xc1\xde\xad",
    "nested": msgpack.packb({"v": 1, "type": "x", "options": {"a": [[[[1]]]]}}),
}

SESSION = {
    "lifecycle": rec(m(type="create", options={"num_envs": 2, "seed": 1}, transport="inline"))
    + rec(m(type="reset", session=0, seq=1, slot=1))
    + rec(m(type="step", session=0, seq=2, slot=0), acts(2, 1))
    + rec(m(type="step", session=0, seq=2, slot=0), acts(2, 1))
    + rec(m(type="render", session=0, env=1, width=128, height=64))
    + rec(m(type="close", session=0)),
    "bad_seq": rec(m(type="create", options={"num_envs": 3}, transport="inline"))
    + rec(m(type="step", session=0, seq=5, slot=0), acts(3))
    + rec(m(type="reset", session=0, seq=1, slot=9))
    + rec(m(type="reset", session=0, seq=1, slot=0, mask=b"\x01\x00\x01", level_seeds=[4, 5])),
    "shm_doorbell": rec(m(type="create", options={"num_envs": 2, "game": "maze"}, doorbell=True))
    + rec(m(type="reset", session=0, seq=1, slot=1, seed=9))
    + rec(m(type="step", session=0, seq=2, slot=0))
    + rec(m(type="list_sessions")),
    "state": rec(m(type="create", options={"num_envs": 2, "game": "platform"}, transport="inline"))
    + rec(m(type="reset", session=0, seq=1, slot=1))
    + rec(m(type="get_state", session=0, env_ids=[1]))
    + rec(m(type="set_state", session=0, seq=2, slot=0, env_ids=[0], states=[b"CRSTATE\x00" + b"\x00" * 40])),
    "two_sessions": rec(m(type="create", options={"num_envs": 1}, transport="inline"))
    + rec(m(type="create", options={"num_envs": 2}, transport="inline", ring_depth=3))
    + rec(m(type="reset", session=1, seq=1, slot=1))
    + rec(m(type="step", session=1, seq=2, slot=2), acts(2, 6))
    + rec(m(type="close", session=0))
    + rec(m(type="ping", session=0)),
    "garbage": rec(b"\x93\x01\x02\x03") + rec(b"") + rec(m(type="step"), b"\x00" * 3),
}


def main() -> None:
    for name, corpus in (("decoder", DECODER), ("session", SESSION)):
        d = OUT / name
        d.mkdir(parents=True, exist_ok=True)
        for k, v in corpus.items():
            (d / f"seed_{k}").write_bytes(v)


if __name__ == "__main__":
    main()

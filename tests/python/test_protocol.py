"""Protocol 1.0: client-side encoding and error mapping (no engine), then raw requests
straight to an engine socket: malformed bytes, wrong versions, unknown types, spectators."""

from __future__ import annotations

import subprocess

import coinrun
import msgpack
import numpy as np
import pytest
from coinrun import protocol
from coinrun.errors import EngineError, InvalidAction, InvalidOption, VersionMismatch
from coinrun.shm import build_slot, regions_from_reply
from conftest import ask, dealer, needs_engine, req, serve_engine, stop_engine

# --- pure ----------------------------------------------------------------------------------


def test_encode_decode_roundtrip():
    msg = {"v": 1, "type": "step", "id": 7, "session": 2**62 + 5, "seq": 3, "slot": 1, "mask": b"\x00\x01"}
    assert protocol.decode(protocol.encode(msg)) == msg


@pytest.mark.parametrize("data", [b"\xc1", b"\x93\x01\x02\x03", b"", b"\xda\xff\xff"])
def test_decode_rejects_non_maps_and_garbage(data):
    with pytest.raises(EngineError) as ei:
        protocol.decode(data)
    assert ei.value.code == "BAD_MESSAGE"


@pytest.mark.parametrize(
    "code,cls",
    [
        ("BAD_ACTION", InvalidAction),
        ("BAD_OPTION", InvalidOption),
        ("UNKNOWN_GAME", InvalidOption),
        ("VERSION_MISMATCH", VersionMismatch),
        ("NO_SESSION", EngineError),
        ("BAD_SEQUENCE", EngineError),
        ("BAD_MESSAGE", EngineError),
        ("RESOURCE", EngineError),
        ("INTERNAL", EngineError),
        ("SOMETHING_NEW", EngineError),
    ],
)
def test_error_codes_map_to_exceptions(code, cls):
    e = protocol.error_from_reply(
        {
            "type": "error",
            "code": code,
            "message": "m",
            "hint": "do x",
            "details": {"env": 3, "value": 9, "low": 0, "high": 7},
        }
    )
    assert type(e) is cls and e.code == code and "m" in str(e) and "do x" in str(e)
    if cls is InvalidAction:
        assert (e.env, e.value, e.valid) == (3, 9, (0, 7))


def test_hello_reply_version_checks():
    protocol.check_hello_reply({"protocol": [1, 0], "layout_version": 2})
    protocol.check_hello_reply({"protocol": [1, 5], "layout_version": 2})  # minor bumps are compatible
    with pytest.raises(VersionMismatch, match="protocol"):
        protocol.check_hello_reply({"protocol": [2, 0], "layout_version": 2})
    with pytest.raises(VersionMismatch, match="layout"):
        protocol.check_hello_reply({"protocol": [1, 0], "layout_version": 9})


def test_build_slot_views_follow_region_table():
    n = 2
    regions = regions_from_reply(
        [
            {"name": "obs", "dtype": 1, "env_stride": 12288, "offset": 0, "bytes": 24576},
            {"name": "actions", "dtype": 2, "env_stride": 4, "offset": 24576, "bytes": 8},
            {"name": "env_ids", "dtype": 2, "env_stride": 4, "offset": 24640, "bytes": 8},
            {"name": "reward", "dtype": 4, "env_stride": 4, "offset": 24704, "bytes": 8},
            {"name": "terminated", "dtype": 1, "env_stride": 1, "offset": 24768, "bytes": 2},
            {"name": "truncated", "dtype": 1, "env_stride": 1, "offset": 24832, "bytes": 2},
            {"name": "level_seed", "dtype": 3, "env_stride": 4, "offset": 24896, "bytes": 8},
            {"name": "prev_complete", "dtype": 1, "env_stride": 1, "offset": 24960, "bytes": 2},
            {"name": "episode_return", "dtype": 4, "env_stride": 4, "offset": 25024, "bytes": 8},
            {"name": "episode_length", "dtype": 2, "env_stride": 4, "offset": 25088, "bytes": 8},
            {"name": "done", "dtype": 1, "env_stride": 1, "offset": 25152, "bytes": 2},
            {"name": "prev_level_seed", "dtype": 3, "env_stride": 4, "offset": 25216, "bytes": 8},
        ]
    )
    buf = np.zeros(28672, dtype=np.uint8)
    buf[24704:24712] = np.array([1.5, -2.0], dtype=np.float32).view(np.uint8)
    buf[24768] = 1
    buf[25152] = 1
    buf[25216:25224] = np.array([7, 9], dtype=np.uint32).view(np.uint8)
    s = build_slot(buf, regions, n, (64, 64, 3))
    assert s.obs.shape == (2, 64, 64, 3) and not s.obs.flags.writeable
    assert s.reward.tolist() == [1.5, -2.0] and s.terminated.tolist() == [True, False]
    assert s.done.tolist() == [True, False] and s.prev_level_seed.tolist() == [7, 9]
    assert not s.done.flags.writeable and not s.prev_level_seed.flags.writeable
    assert s.actions.flags.writeable and np.shares_memory(s.actions, buf)
    assert set(s.infos) == {
        "level_seed", "prev_level_seed", "prev_level_complete", "coinrun_episode", "_coinrun_episode"
    }


# --- raw requests to a running engine -------------------------------------------------------


@pytest.fixture
def engine(engine_path, tmp_path):
    proc, endpoint = serve_engine(engine_path, f"ipc://{tmp_path}/e.sock", stderr=subprocess.DEVNULL)
    sock = dealer(endpoint)
    yield endpoint, sock
    sock.close()
    assert stop_engine(proc) == 0


def assert_alive(sock):
    r, _ = ask(sock, req(type="ping"))
    assert r["type"] == "pong"


@needs_engine
@pytest.mark.parametrize(
    "garbage",
    [
        b"\xc1\xc1\xc1",
        b"not msgpack at all",
        b"\x92\x01\x02",
        b"\xdd\xff\xff\xff\xff",
        b"\xdf\xff\xff\xff\xff",
        b"",
        b"\x00" * 100000,
    ],
)
def test_garbage_bytes_get_bad_message_and_engine_survives(engine, garbage):
    _, sock = engine
    r, _ = ask(sock, garbage)
    assert r["type"] == "error" and r["code"] == "BAD_MESSAGE" and r["message"]
    assert_alive(sock)


@needs_engine
def test_envelope_errors(engine):
    _, sock = engine
    r, _ = ask(sock, req(type="frobnicate", id=42))
    assert (r["type"], r["code"], r["id"]) == ("error", "UNKNOWN_TYPE", 42)
    r, _ = ask(sock, req(type="ping", v=2))
    assert r["code"] == "VERSION_MISMATCH" and r["details"] == {"engine": 1, "client": 2}
    r, _ = ask(sock, req(type="hello", protocol=[3, 0]))
    assert r["code"] == "VERSION_MISMATCH" and "pip install" in r["hint"]
    r, _ = ask(sock, msgpack.packb({"type": "ping"}))
    assert r["code"] == "BAD_MESSAGE" and "'v'" in r["message"]
    r, _ = ask(sock, req(type=5))
    assert r["code"] == "BAD_MESSAGE"
    r, _ = ask(sock, req(type="step", session=12345, seq=1, slot=0))
    assert r["code"] == "NO_SESSION"
    r, _ = ask(sock, req(type="ping"), b"a", b"b", b"c", b"d")
    assert r["code"] == "BAD_MESSAGE"
    assert_alive(sock)


@needs_engine
def test_hello_describes_games_and_options(engine):
    _, sock = engine
    r, _ = ask(sock, req(type="hello", protocol=[1, 0], client="test"))
    assert r["type"] == "hello_ok" and r["protocol"] == [1, 2] and r["layout_version"] == 2
    assert {g["name"] for g in r["games"]} == {"standard", "platform", "maze"}
    names = {o["name"] for o in r["options"]}
    assert {"num_levels", "set_seed", "paint_vel_info", "autoreset_mode"} <= names
    assert {"list_sessions", "spectator_render", "inline_transport"} <= set(r["features"])


@needs_engine
def test_create_errors_change_nothing(engine):
    _, sock = engine
    r, _ = ask(sock, req(type="create", options={"game": "pong", "num_envs": 2}))
    assert r["code"] == "UNKNOWN_GAME" and "standard" in r["message"]
    r, _ = ask(sock, req(type="create", options={"num_envs": 2, "colour": 1}))
    assert r["code"] == "BAD_OPTION" and "num_levels" in r["message"]
    r, _ = ask(sock, req(type="create", options={"num_envs": 0}))
    assert r["code"] == "BAD_OPTION"
    r, _ = ask(sock, req(type="create", options={"num_envs": 1}, ring_depth=99))
    assert r["code"] == "BAD_OPTION"
    r, _ = ask(sock, req(type="list_sessions"))
    assert r["sessions"] == []


@needs_engine
def test_sequence_retry_and_spectators(engine):
    endpoint, sock = engine
    r, _ = ask(sock, req(type="create", options={"num_envs": 3, "seed": 1}, transport="inline", label="t"))
    assert r["type"] == "create_ok"
    sid, slot_bytes = r["session"], r["slot_bytes"]
    r, p = ask(sock, req(type="reset", session=sid, seq=1, slot=1))
    assert r["type"] == "reset_ok" and len(p[0]) == slot_bytes
    acts = np.array([1, 1, 1], dtype=np.int32).tobytes()
    r1, p1 = ask(sock, req(type="step", session=sid, seq=2, slot=0), acts)
    assert r1["type"] == "step_ok"
    # a retry of the last seq gets the same reply and does not step again
    r2, p2 = ask(sock, req(type="step", session=sid, seq=2, slot=0), acts)
    assert r2["seq"] == 2 and p2[0] == p1[0]
    r, _ = ask(sock, req(type="step", session=sid, seq=5, slot=1), acts)
    assert r["code"] == "BAD_SEQUENCE" and r["details"]["expected"] == 3
    r, _ = ask(sock, req(type="step", session=sid, seq=3, slot=7), acts)
    assert r["code"] == "BAD_SEQUENCE"
    r, _ = ask(sock, req(type="step", session=sid, seq=3, slot=1), acts[:4])
    assert r["code"] == "BAD_MESSAGE"
    bad = np.array([1, 8, 1], dtype=np.int32).tobytes()
    r, _ = ask(sock, req(type="step", session=sid, seq=3, slot=1), bad)
    assert r["code"] == "BAD_ACTION" and r["details"]["env"] == 1 and r["details"]["value"] == 8
    # subset with a duplicate env id is refused
    r, _ = ask(
        sock, req(type="step", session=sid, seq=3, slot=1, n=2), acts[:8], np.array([2, 2], dtype=np.int32).tobytes()
    )
    assert r["code"] == "BAD_ACTION" and "twice" in r["message"]
    r, _ = ask(sock, req(type="step", session=sid, seq=3, slot=1), acts)
    assert r["type"] == "step_ok"

    # a second client: list sessions and watch env 2 at any size, read-only
    spectator = dealer(endpoint)
    try:
        r, _ = ask(spectator, req(type="list_sessions"))
        (s,) = r["sessions"]
        assert (s["session"], s["num_envs"], s["label"], s["steps"]) == (sid, 3, "t", 2)
        # The spectators' renderer runs at nice +10 by design (sessions' steps come first), and
        # its first frame at a new size scales the sprites: on a loaded 2-core machine that
        # took over 5 s once, so this wait is longer than the usual one.
        r, frames = ask(spectator, req(type="render", session=sid, env=2, width=256, height=200), timeout_ms=30000)
        assert r["type"] == "render_ok" and len(frames[0]) == 256 * 200 * 3
        r, _ = ask(spectator, req(type="render", session=sid, env=3))
        assert r["code"] == "BAD_MESSAGE" and "out of range" in r["message"]
        r, _ = ask(spectator, req(type="render", session=sid, env=0, width=100000))
        assert r["code"] == "BAD_MESSAGE"
    finally:
        spectator.close()
    # spectating did not disturb the session's sequence
    r, _ = ask(sock, req(type="step", session=sid, seq=4, slot=0), acts)
    assert r["type"] == "step_ok"
    r, _ = ask(sock, req(type="close", session=sid))
    assert r["type"] == "close_ok"
    r, _ = ask(sock, req(type="step", session=sid, seq=5, slot=1), acts)
    assert r["code"] == "NO_SESSION"


@needs_engine
def test_version_mismatch_from_client(engine, monkeypatch):
    endpoint, _ = engine
    monkeypatch.setattr(protocol, "PROTOCOL_MAJOR", 9)
    with pytest.raises(coinrun.VersionMismatch, match="pip install"):
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, address=endpoint)

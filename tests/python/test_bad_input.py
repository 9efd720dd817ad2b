"""Bad input, request by request: missing fields, wrong types, out-of-range values, huge
sizes and random bytes each get an error reply, change nothing (the victim session's
sequence and step count are untouched), and the engine keeps serving another client.
Also the security surface: private socket and segments, loopback-only tcp, tokens, and
engine-wide resource limits.

test_protocol.py already covers a few envelope errors and garbage frames; this file is the
exhaustive table.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
from pathlib import Path

import msgpack
import numpy as np
import pytest
import zmq
from conftest import ENGINE, ask, dealer, needs_engine, req, serve_engine, stop_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = [needs_engine, pytest.mark.timeout(120)]

N = 3


class Engine:
    """A served engine with one connected DEALER socket."""

    def __init__(self, engine_path: Path, bind: str, *extra: str, env: dict | None = None) -> None:
        self.proc, self.endpoint = serve_engine(engine_path, bind, *extra, env=env)
        self.sock = self.connect()

    def connect(self) -> zmq.Socket:
        return dealer(self.endpoint)

    def stop(self) -> None:
        self.sock.close()
        assert stop_engine(self.proc) == 0


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    e = Engine(ENGINE, f"ipc://{tmp_path_factory.mktemp('bad')}/e.sock")
    yield e
    e.stop()


def make_victim(engine: Engine) -> dict:
    """An inline session that has done reset (seq 1) and one step (seq 2)."""
    r, _ = ask(engine.sock, req(type="create", options={"num_envs": N, "seed": 3}, transport="inline"))
    assert r["type"] == "create_ok", r
    sid = r["session"]
    assert ask(engine.sock, req(type="reset", session=sid, seq=1, slot=1))[0]["type"] == "reset_ok"
    acts = np.zeros(N, dtype=np.int32).tobytes()
    assert ask(engine.sock, req(type="step", session=sid, seq=2, slot=0), acts)[0]["type"] == "step_ok"
    # seq and slot of its last sequenced request, and that request's reply type: a retry of
    # the last seq gets this reply again.
    return {"sid": sid, "seq": 2, "slot": 0, "ok": "step_ok"}


@pytest.fixture(scope="module")
def victim(engine):
    return make_victim(engine)


@pytest.fixture
def moving_victim(engine):
    """A victim of its own for a test whose legal requests may move its sequence on."""
    v = make_victim(engine)
    yield v
    assert ask(engine.sock, req(type="close", session=v["sid"]))[0]["type"] == "close_ok"


def snapshot(engine: Engine) -> list:
    r, _ = ask(engine.sock, req(type="list_sessions"))
    return sorted((s["session"], s["num_envs"], s["steps"]) for s in r["sessions"])


def assert_unchanged_and_serving(engine: Engine, victim: dict, before: list) -> None:
    assert snapshot(engine) == before, "an error reply changed the engine's state"
    # The victim's sequence did not move: a retry of its last seq is still a cached retry...
    acts = np.zeros(N, dtype=np.int32).tobytes()
    r, _ = ask(engine.sock, req(type="step", session=victim["sid"], seq=victim["seq"], slot=victim["slot"]), acts)
    assert r["type"] == victim["ok"] and r["seq"] == victim["seq"], r
    # ...and another client is served.
    other = engine.connect()
    try:
        assert ask(other, req(type="ping"))[0]["type"] == "pong"
    finally:
        other.close()


def bad_requests(sid: int) -> list[tuple[str, dict, tuple[bytes, ...], str]]:
    """(label, request map, payload frames, expected code). Sequence numbers 3 = next."""
    acts = np.zeros(N, dtype=np.int32).tobytes()
    cases = [
        # envelope
        ("no type", {"v": 1}, (), "BAD_MESSAGE"),
        ("type int", {"type": 3}, (), "BAD_MESSAGE"),
        ("type list", {"type": ["step"]}, (), "BAD_MESSAGE"),
        ("v string", {"type": "ping", "v": "1"}, (), "BAD_MESSAGE"),
        ("v huge", {"type": "ping", "v": 2**63}, (), "BAD_MESSAGE"),
        ("v negative", {"type": "ping", "v": -1}, (), "VERSION_MISMATCH"),
        ("unknown type", {"type": "rm -rf"}, (), "UNKNOWN_TYPE"),
        # hello
        ("hello protocol str", {"type": "hello", "protocol": "1.0"}, (), "BAD_MESSAGE"),
        ("hello protocol major 0", {"type": "hello", "protocol": [0, 0]}, (), "VERSION_MISMATCH"),
        # create
        ("create options list", {"type": "create", "options": [1, 2]}, (), "BAD_MESSAGE"),
        ("create num_envs str", {"type": "create", "options": {"num_envs": "4"}}, (), "BAD_OPTION"),
        ("create num_envs float", {"type": "create", "options": {"num_envs": 2.5}}, (), "BAD_OPTION"),
        ("create num_envs -1", {"type": "create", "options": {"num_envs": -1}}, (), "BAD_OPTION"),
        ("create num_envs 2^31", {"type": "create", "options": {"num_envs": 2**31}}, (), "BAD_OPTION"),
        ("create num_envs 2^63", {"type": "create", "options": {"num_envs": 2**63}}, (), "BAD_OPTION"),
        (
            "create num_envs huge legal",
            {"type": "create", "options": {"num_envs": 65536}, "ring_depth": 16},
            (),
            "RESOURCE",
        ),
        (
            "create num_threads huge",
            {"type": "create", "options": {"num_envs": 1, "num_threads": 10**6}},
            (),
            "BAD_OPTION",
        ),
        ("create game int", {"type": "create", "options": {"game": 1}}, (), "BAD_OPTION"),
        ("create ring 0", {"type": "create", "options": {"num_envs": 1}, "ring_depth": 0}, (), "BAD_OPTION"),
        ("create ring str", {"type": "create", "options": {"num_envs": 1}, "ring_depth": "2"}, (), "BAD_MESSAGE"),
        (
            "create transport",
            {"type": "create", "options": {"num_envs": 1}, "transport": "carrier-pigeon"},
            (),
            "BAD_OPTION",
        ),
        ("create lease -1", {"type": "create", "options": {"num_envs": 1}, "lease_s": -1.0}, (), "BAD_OPTION"),
        ("create label huge", {"type": "create", "options": {"num_envs": 1}, "label": "x" * 70000}, (), "BAD_MESSAGE"),
        # reset
        ("reset no session", {"type": "reset", "seq": 3, "slot": 1}, (), "BAD_MESSAGE"),
        ("reset no seq", {"type": "reset", "session": sid, "slot": 1}, (), "BAD_MESSAGE"),
        ("reset session str", {"type": "reset", "session": str(sid), "seq": 3, "slot": 1}, (), "BAD_MESSAGE"),
        ("reset bad seq", {"type": "reset", "session": sid, "seq": 99, "slot": 1}, (), "BAD_SEQUENCE"),
        ("reset seq huge", {"type": "reset", "session": sid, "seq": 2**64 - 1, "slot": 1}, (), "BAD_MESSAGE"),
        ("reset slot -1", {"type": "reset", "session": sid, "seq": 3, "slot": -1}, (), "BAD_SEQUENCE"),
        ("reset slot big", {"type": "reset", "session": sid, "seq": 3, "slot": 2**40}, (), "BAD_SEQUENCE"),
        ("reset seed neg", {"type": "reset", "session": sid, "seq": 3, "slot": 1, "seed": -1}, (), "BAD_OPTION"),
        ("reset seed 2^40", {"type": "reset", "session": sid, "seq": 3, "slot": 1, "seed": 2**40}, (), "BAD_OPTION"),
        (
            "reset mask short",
            {"type": "reset", "session": sid, "seq": 3, "slot": 1, "mask": b"\x01"},
            (),
            "BAD_MESSAGE",
        ),
        ("reset mask type", {"type": "reset", "session": sid, "seq": 3, "slot": 1, "mask": 5}, (), "BAD_MESSAGE"),
        (
            "reset level_seeds long",
            {"type": "reset", "session": sid, "seq": 3, "slot": 1, "level_seeds": list(range(50))},
            (),
            "BAD_OPTION",
        ),
        (
            "reset level_seeds str",
            {"type": "reset", "session": sid, "seq": 3, "slot": 1, "level_seeds": ["a"] * N},
            (),
            "BAD_OPTION",
        ),
        ("reset unknown session", {"type": "reset", "session": 2**62, "seq": 1, "slot": 1}, (), "NO_SESSION"),
        # step
        ("step no payload", {"type": "step", "session": sid, "seq": 3, "slot": 1}, (), "BAD_MESSAGE"),
        ("step short payload", {"type": "step", "session": sid, "seq": 3, "slot": 1}, (acts[:5],), "BAD_MESSAGE"),
        ("step long payload", {"type": "step", "session": sid, "seq": 3, "slot": 1}, (acts * 100,), "BAD_MESSAGE"),
        ("step n 0", {"type": "step", "session": sid, "seq": 3, "slot": 1, "n": 0}, (acts,), "BAD_MESSAGE"),
        ("step n > N", {"type": "step", "session": sid, "seq": 3, "slot": 1, "n": N + 1}, (acts,), "BAD_MESSAGE"),
        ("step n str", {"type": "step", "session": sid, "seq": 3, "slot": 1, "n": "3"}, (acts,), "BAD_MESSAGE"),
        (
            "step action -1",
            {"type": "step", "session": sid, "seq": 3, "slot": 1},
            (np.array([0, -1, 0], np.int32).tobytes(),),
            "BAD_ACTION",
        ),
        (
            "step action 2^31-1",
            {"type": "step", "session": sid, "seq": 3, "slot": 1},
            (np.array([0, 0, 2**31 - 1], np.int32).tobytes(),),
            "BAD_ACTION",
        ),
        (
            "step env id out of range",
            {"type": "step", "session": sid, "seq": 3, "slot": 1, "n": 1},
            (acts[:4], np.array([N], np.int32).tobytes()),
            "BAD_ACTION",
        ),
        (
            "step env id negative",
            {"type": "step", "session": sid, "seq": 3, "slot": 1, "n": 1},
            (acts[:4], np.array([-7], np.int32).tobytes()),
            "BAD_ACTION",
        ),
        ("step seq float", {"type": "step", "session": sid, "seq": 3.0, "slot": 1}, (acts,), "BAD_MESSAGE"),
        ("step seq 2^63", {"type": "step", "session": sid, "seq": 2**63, "slot": 1}, (acts,), "BAD_MESSAGE"),
        # render
        ("render no env", {"type": "render", "session": sid}, (), "BAD_MESSAGE"),
        ("render env -1", {"type": "render", "session": sid, "env": -1}, (), "BAD_MESSAGE"),
        ("render width 0", {"type": "render", "session": sid, "env": 0, "width": 0}, (), "BAD_MESSAGE"),
        ("render width huge", {"type": "render", "session": sid, "env": 0, "width": 2**31}, (), "BAD_MESSAGE"),
        ("render height huge", {"type": "render", "session": sid, "env": 0, "height": 4096}, (), "BAD_MESSAGE"),
        ("render width str", {"type": "render", "session": sid, "env": 0, "width": "512"}, (), "BAD_MESSAGE"),
        ("render no such session", {"type": "render", "session": 1, "env": 0}, (), "NO_SESSION"),
        # ping / close / shutdown
        ("ping session str", {"type": "ping", "session": "x"}, (), "BAD_MESSAGE"),
        ("close no session", {"type": "close"}, (), "BAD_MESSAGE"),
        ("close unknown", {"type": "close", "session": 12345}, (), "NO_SESSION"),
        ("close session list", {"type": "close", "session": [sid]}, (), "BAD_MESSAGE"),
        # get_state / set_state (when the engine has them)
        ("get_state env_ids -1", {"type": "get_state", "session": sid, "env_ids": [-1]}, (), "BAD_MESSAGE"),
        (
            "set_state garbage",
            {"type": "set_state", "session": sid, "env": 0, "seq": 3, "slot": 1},
            (b"\xff" * 64,),
            "BAD_MESSAGE",
        ),
    ]
    return cases


CASE_LABELS = [c[0] for c in bad_requests(1)]


@pytest.mark.parametrize("label", CASE_LABELS)
def test_bad_request_gets_error_and_changes_nothing(engine, victim, label):
    case = {c[0]: c for c in bad_requests(victim["sid"])}[label]
    _, msg, frames, code = case
    msg = dict(msg)
    msg.setdefault("v", 1)
    msg.setdefault("id", 99)
    before = snapshot(engine)
    r, _ = ask(engine.sock, msgpack.packb(msg, use_bin_type=True), *frames)
    assert r["type"] == "error", f"{label}: accepted: {r}"
    if msg.get("type") in ("get_state", "set_state") and r["code"] == "UNKNOWN_TYPE":
        pytest.skip("engine without get_state/set_state")
    # set_state decoders may classify a corrupt blob as a bad option; any clear error is fine
    allowed = {code} | ({"BAD_OPTION", "BAD_SEQUENCE"} if msg.get("type") == "set_state" else set())
    assert r["code"] in allowed, f"{label}: {r}"
    # A frame that does not decode has no readable id: the reply carries 0.
    assert r["message"] and r["id"] in (99, 0), r
    assert_unchanged_and_serving(engine, victim, before)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=512), extra=st.lists(st.binary(max_size=64), max_size=4))
def test_random_bytes(engine, victim, data, extra):
    before = snapshot(engine)
    r, _ = ask(engine.sock, data, *extra)
    # Random bytes are occasionally a valid msgpack map; whatever they are, the reply is an
    # error (no random map is a complete valid request that mutates something).
    assert r["type"] == "error" or r["type"] in ("pong", "sessions", "hello_ok"), r
    assert_unchanged_and_serving(engine, victim, before)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.dictionaries(
        st.sampled_from(["session", "seq", "slot", "n", "env", "width", "height", "seed", "mask", "options"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-(2**63), 2**64 - 1),
            st.floats(),
            st.text(max_size=8),
            st.binary(max_size=8),
            st.lists(st.integers(-5, 5), max_size=4),
        ),
    ),
    rtype=st.sampled_from(["reset", "step", "render", "close", "ping", "create", "hello", "get_state"]),
)
def test_random_fields(engine, moving_victim, fields, rtype):
    """Random typed fields on real request types, aimed at the victim's future seq."""
    victim = moving_victim
    before = snapshot(engine)
    msg = {"v": 1, "id": 5, "type": rtype, **fields}
    future = victim["seq"] + 1
    if rtype in ("reset", "step"):
        msg["session"] = victim["sid"]
        if not isinstance(msg.get("seq"), int) or msg["seq"] in (victim["seq"], future):
            msg["seq"] = future
    elif rtype == "close" and msg.get("session") == victim["sid"]:
        msg["session"] = 1  # closing the victim is a legal request; this test wants bad ones
    if rtype == "create":
        msg["options"] = {"num_envs": msg.get("n", 1)} if not isinstance(msg.get("options"), dict) else {}
    r, frames = ask(engine.sock, msgpack.packb(msg, use_bin_type=True))
    if r["type"] == "error":
        assert r["message"] and r["code"]
        assert_unchanged_and_serving(engine, victim, before)
    elif r["type"] in ("reset_ok", "step_ok"):
        # Random fields can make a legal request (e.g. a reset with a valid slot): it must be
        # the victim's next seq, and the victim then answers that seq's retry.
        assert r["seq"] == future, r
        victim.update(seq=future, slot=r["slot"], ok=r["type"])
        assert_unchanged_and_serving(engine, victim, snapshot(engine))
    elif r["type"] == "create_ok":  # a legal create: close it again
        assert ask(engine.sock, req(type="close", session=r["session"]))[0]["type"] == "close_ok"
    else:
        assert r["type"] in ("pong", "render_ok", "hello_ok", "get_state_ok", "state"), r
        assert snapshot(engine) == before


# ---- security --------------------------------------------------------------------------------


def test_ipc_socket_and_segment_permissions(engine_path, tmp_path):
    import coinrun

    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, seed=1, doorbell=False)
    try:
        d = env._process.dir
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
        sock_path = Path(env._process.endpoint[len("ipc://") :])
        assert stat.S_IMODE(os.stat(sock_path).st_mode) & 0o077 == 0
    finally:
        env.close()
    # Segments: create on a raw socket (no client unlinks the name), then look at the mode.
    e = Engine(engine_path, f"ipc://{tmp_path}/e.sock")
    try:
        r, _ = ask(e.sock, req(type="create", options={"num_envs": 1}, doorbell=True))
        assert r["type"] == "create_ok"
        seg = Path("/dev/shm") / r["shm"]["name"].lstrip("/")
        assert stat.S_IMODE(os.stat(seg).st_mode) == 0o600
        assert r["doorbell"]["offset"] == 2048  # the doorbell lives in the private segment
    finally:
        e.stop()
    assert not seg.exists()


def test_wildcard_tcp_binds_loopback_only(engine_path):
    e = Engine(engine_path, "tcp://*:0")
    try:
        assert e.endpoint.startswith("tcp://127.0.0.1:"), e.endpoint
    finally:
        e.stop()


def _non_loopback_ip() -> str | None:
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("10.255.255.255", 1))  # no packet is sent; picks the outgoing interface
        ip = s.getsockname()[0]
        s.close()
        return None if ip.startswith("127.") else ip
    except OSError:
        return None


@pytest.mark.parametrize("bind_args", [["tcp://0.0.0.0:0"], ["tcp://*:0", "--allow-remote"]])
def test_public_bind_without_token_is_refused(engine_path, bind_args):
    env = {k: v for k, v in os.environ.items() if k != "COINRUN_TOKEN"}
    p = subprocess.run(
        [str(engine_path), "serve", "--bind", *bind_args], capture_output=True, text=True, timeout=10, env=env
    )
    assert p.returncode == 2 and "without authentication" in p.stderr, p.stderr


def test_token_file_must_be_private(engine_path, tmp_path):
    tok = tmp_path / "token"
    tok.write_text("s3cret-token-0123456789\n")
    tok.chmod(0o644)
    p = subprocess.run(
        [str(engine_path), "serve", "--bind", "tcp://0.0.0.0:0", "--token-file", str(tok)],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert p.returncode == 2 and "chmod 600" in p.stderr


def test_token_required_on_every_request(engine_path, tmp_path):
    tok = tmp_path / "token"
    tok.write_text("s3cret-token-0123456789\n")
    tok.chmod(0o600)
    key = tmp_path / "engine.key"
    e = Engine(engine_path, "tcp://0.0.0.0:0", "--token-file", str(tok), "--key-file", str(key))
    try:
        port = e.endpoint.rsplit(":", 1)[1]
        e.sock.close()
        # A public endpoint is a CURVE server: the raw socket needs the engine's public key.
        e.sock = zmq.Context.instance().socket(zmq.DEALER)
        e.sock.setsockopt(zmq.LINGER, 0)
        e.sock.curve_serverkey = Path(f"{key}.pub").read_text().strip().encode()
        e.sock.curve_publickey, e.sock.curve_secretkey = zmq.curve_keypair()
        e.sock.connect(f"tcp://127.0.0.1:{port}")
        for bad in ({}, {"token": "wrong"}, {"token": "s3cret-token-012345678"}, {"token": 5}):
            r, _ = ask(e.sock, req(type="create", options={"num_envs": 1}, **bad))
            assert r["type"] == "error" and r["code"] == "UNAUTHORIZED" and "token" in r["message"], r
        r, _ = ask(e.sock, req(type="list_sessions", token="s3cret-token-0123456789"))
        assert r["type"] == "sessions" and r["sessions"] == []
        r, _ = ask(e.sock, req(type="ping", token="s3cret-token-0123456789"))
        assert r["type"] == "pong"
    finally:
        e.stop()


def test_session_count_is_limited(engine_path, tmp_path):
    e = Engine(engine_path, f"ipc://{tmp_path}/e.sock")
    try:
        made = []
        for _ in range(200):
            r, _ = ask(e.sock, req(type="create", options={"num_envs": 1, "num_threads": 1}, transport="inline"))
            if r["type"] != "create_ok":
                break
            made.append(r["session"])
        assert r["type"] == "error" and r["code"] == "RESOURCE" and "sessions" in r["message"], r
        assert 1 <= len(made) < 200
        # closing one frees a place
        assert ask(e.sock, req(type="close", session=made[0]))[0]["type"] == "close_ok"
        r, _ = ask(e.sock, req(type="create", options={"num_envs": 1, "num_threads": 1}, transport="inline"))
        assert r["type"] == "create_ok"
    finally:
        e.stop()


def test_distinct_render_sizes_are_limited(engine_path, tmp_path):
    # The renderer keeps sprites scaled for every frame size it has drawn, so the engine caps
    # the number of distinct sizes: a client cycling through sizes cannot grow it without limit.
    e = Engine(engine_path, f"ipc://{tmp_path}/e.sock")
    try:
        r, _ = ask(e.sock, req(type="create", options={"num_envs": 1, "num_threads": 1}, transport="inline"))
        sid = r["session"]
        served = 0
        for side in range(16, 16 + 200):
            r, frames = ask(e.sock, req(type="render", session=sid, env=0, width=side, height=side))
            if r["type"] != "render_ok":
                break
            assert len(frames[0]) == side * side * 3
            served += 1
        assert r["type"] == "error" and r["code"] == "RESOURCE" and "sizes" in r["message"], r
        assert 1 <= served < 200
        # Sizes drawn before are still served; the session is unharmed.
        r, frames = ask(e.sock, req(type="render", session=sid, env=0, width=16, height=16))
        assert r["type"] == "render_ok" and len(frames[0]) == 16 * 16 * 3
        assert ask(e.sock, req(type="ping"))[0]["type"] == "pong"
    finally:
        e.stop()

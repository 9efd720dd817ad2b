"""A protected engine on a public endpoint (docs/reliability.md, "Threat model"): the client
presents the token (option, file or environment) and the engine's CURVE public key; a client
without them is refused with a clear error within 5 s and changes nothing; what crosses the
network is encrypted (a capture of the TCP stream holds neither the token nor observation
bytes, while the same capture of a plain loopback engine holds both).
"""

from __future__ import annotations

import json
import os
import select
import socket
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import coinrun
import imageio.v3 as iio
import numpy as np
import pytest
import zmq
from coinrun import AuthenticationError
from conftest import ENGINE, needs_engine, serve_engine, stop_engine

pytestmark = [needs_engine, pytest.mark.timeout(120)]

TOKEN = "s3cret-token-0123456789-remote"
N = 3


def private_file(path: Path, text: str) -> Path:
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


class Served:
    """An engine on tcp://0.0.0.0:0 with a token file and a CURVE key file."""

    def __init__(self, tmp: Path, *, curve: bool = True, bind: str = "tcp://0.0.0.0:0") -> None:
        self.token_file = private_file(tmp / "token", TOKEN)
        self.key_file = tmp / "keys" / "engine.key"
        extra = ["--token-file", str(self.token_file)]
        if curve:
            extra += ["--key-file", str(self.key_file)]
        self.proc, endpoint = serve_engine(ENGINE, bind, *extra)
        self.port = int(endpoint.rsplit(":", 1)[1])
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.pub_file = Path(str(self.key_file) + ".pub")

    def client(self, **options) -> coinrun.CoinRunVectorEnv:
        opts = {"token_file": self.token_file, "engine_key": self.pub_file, "seed": 5, "timeout": 20, **options}
        return coinrun.make_vec("coinrun/CoinRun-v0", num_envs=N, address=self.address, **opts)

    def sessions(self) -> list:
        with self.client() as env:
            reply = env._require_client().request({"type": "list_sessions"})
            others = [s for s in reply["sessions"] if s["session"] != env.session]
            return sorted((s["session"], s["num_envs"], s["steps"]) for s in others)

    def stop(self) -> None:
        assert stop_engine(self.proc) == 0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = Served(tmp_path)
    yield s
    s.stop()


ACTIONS = np.random.default_rng(7).integers(0, 7, size=(25, N)).astype(np.int32)


def play(env) -> list[np.ndarray]:
    obs, _ = env.reset(seed=11)
    frames = [obs.copy()]
    for a in ACTIONS:
        obs, rew, term, trunc, _ = env.step(a)
        frames.append(np.concatenate([obs.reshape(N, -1), rew.view(np.uint8).reshape(N, -1),
                                      term.reshape(N, 1).view(np.uint8), trunc.reshape(N, 1).view(np.uint8)], axis=1))
    return frames


@pytest.fixture(scope="module")
def reference() -> list[np.ndarray]:
    """The same play on an engine the client launches itself (private ipc://)."""
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=N, seed=5) as env:
        return play(env)


def test_key_pair_is_written_private_and_reused(served: Served, tmp_path: Path) -> None:
    assert stat.S_IMODE(served.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(served.key_file.parent.stat().st_mode) == 0o700
    pub = served.pub_file.read_text().strip()
    assert len(pub) == 40 and pub != served.key_file.read_text().strip()
    again, endpoint = serve_engine(ENGINE, "tcp://0.0.0.0:0", "--token-file", str(served.token_file),
                                   "--key-file", str(served.key_file))
    try:
        assert served.pub_file.read_text().strip() == pub  # the same pair, not a new one
    finally:
        assert stop_engine(again) == 0
    served.key_file.chmod(0o644)
    p = subprocess.run([str(ENGINE), "serve", "--bind", "tcp://0.0.0.0:0", "--token-file", str(served.token_file),
                        "--key-file", str(served.key_file)], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "chmod 600" in p.stderr, p.stderr


@pytest.mark.parametrize("transport", ["inline", "shm"])
def test_client_with_token_and_key_is_served_bit_exact(served: Served, reference, transport: str) -> None:
    with served.client(transport=transport) as env:
        assert env.transport == transport and env._client.encrypted
        got = play(env)
    assert all(np.array_equal(a, b) for a, b in zip(got, reference, strict=True))


def test_token_and_key_from_every_source(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    key_text = served.pub_file.read_text().strip()
    cases = [
        {"token": TOKEN, "engine_key": key_text},
        {"token_file": str(served.token_file), "engine_key": str(served.pub_file)},
    ]
    for opts in cases:
        with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, address=served.address, **opts) as env:
            env.reset()
    for env_vars in ({"COINRUN_TOKEN": TOKEN, "COINRUN_ENGINE_KEY": key_text},
                     {"COINRUN_TOKEN_FILE": str(served.token_file), "COINRUN_ENGINE_KEY": str(served.pub_file)}):
        with monkeypatch.context() as m:
            for k, v in env_vars.items():
                m.setenv(k, v)
            with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, address=served.address) as env:
                env.reset()


REFUSED = {
    "no token": ({"token_file": None}, "token"),
    "wrong token": ({"token": "s3cret-token-0123456789-wrong"}, "token"),
    "no engine key": ({"engine_key": None}, "engine_key"),
    "wrong engine key": ({"engine_key": zmq.curve_keypair()[0].decode()}, "engine_key"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_clients_get_a_clear_error_within_5s(served: Served, case: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("COINRUN_TOKEN", "COINRUN_TOKEN_FILE", "COINRUN_ENGINE_KEY"):
        monkeypatch.delenv(var, raising=False)
    with served.client() as victim:
        victim.reset()
        victim.step(ACTIONS[0])
        before = served.sessions()
        override, named = REFUSED[case]
        t0 = time.monotonic()
        with pytest.raises(AuthenticationError) as err:
            served.client(**override)
        assert time.monotonic() - t0 < 5.0
        assert named in str(err.value)
        assert served.sessions() == before  # nothing created, nothing stepped
        victim.step(ACTIONS[1])  # the victim is still served


def test_refused_client_whose_send_waits_for_a_connection(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    # A refused handshake can leave the client's DEALER without a connection when it sends
    # its hello, and such a send blocks; IMMEDIATE makes every send wait so. The handshake
    # failure must still end it at once, not a hang.
    for var in ("COINRUN_TOKEN", "COINRUN_TOKEN_FILE", "COINRUN_ENGINE_KEY"):
        monkeypatch.delenv(var, raising=False)
    connect = zmq.Socket.connect

    def connect_immediate(sock: zmq.Socket, addr: str) -> None:
        sock.setsockopt(zmq.IMMEDIATE, 1)
        connect(sock, addr)

    monkeypatch.setattr(zmq.Socket, "connect", connect_immediate)
    t0 = time.monotonic()
    with pytest.raises(AuthenticationError, match="engine_key"):
        served.client(engine_key=None)
    assert time.monotonic() - t0 < 5.0


def test_client_token_file_must_be_private(served: Served) -> None:
    served.token_file.chmod(0o644)
    with pytest.raises(coinrun.InvalidOption, match="chmod 600"):
        served.client()


class Relay:
    """A TCP relay on loopback that records every byte in both directions: the capture."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self.captured = bytearray()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                a, _ = self.listener.accept()
            except TimeoutError:
                continue
            b = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        with a, b:
            while not self.stop.is_set():
                ready, _, _ = select.select([a, b], [], [], 0.1)
                for s in ready:
                    data = s.recv(1 << 16)
                    if not data:
                        return
                    with self.lock:
                        self.captured += data
                    peer[s].sendall(data)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


def capture_play(served: Served, **options) -> tuple[bytes, list[bytes]]:
    """Plays through the relay with the inline transport (observations over TCP); returns
    the capture and some observation rows the client received."""
    relay = Relay(served.port)
    try:
        opts = {"token_file": served.token_file, "seed": 5, "timeout": 20, "transport": "inline", **options}
        rows: list[bytes] = []
        with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=N, address=f"tcp://127.0.0.1:{relay.port}", **opts) as env:
            obs, _ = env.reset(seed=11)
            for a in ACTIONS[:5]:
                obs, *_ = env.step(a)
                rows += [obs[e, 20:24].tobytes() for e in range(N)]  # 4 image rows, 768 bytes
        time.sleep(0.2)
        with relay.lock:
            return bytes(relay.captured), rows
    finally:
        relay.close()


def test_capture_holds_no_token_and_no_observation_bytes(served: Served, tmp_path: Path) -> None:
    captured, rows = capture_play(served, engine_key=served.pub_file)
    assert len(captured) > 5 * N * 64 * 64 * 3  # the observations did cross the relay
    assert TOKEN.encode() not in captured
    assert not [r for r in rows if r in captured]
    # Control: the same capture of a plain (loopback, token only) engine shows both in clear,
    # so the check above can see them when they are there.
    (tmp_path / "plain").mkdir()
    plain = Served(tmp_path / "plain", curve=False, bind="tcp://127.0.0.1:0")
    try:
        captured, rows = capture_play(plain)
        assert TOKEN.encode() in captured
        assert all(r in captured for r in rows)
    finally:
        plain.stop()


def test_viewer_attaches_to_a_protected_engine(served: Served, tmp_path: Path) -> None:
    """``coinrun-viewer --attach`` (and so ``watch`` and ``render_mode="human"``, which pass the
    env's credentials on) reads the token and key from the environment."""
    from coinrun.interactive import ViewerNotFound, find_viewer

    try:
        viewer = find_viewer()
    except ViewerNotFound:
        pytest.skip("no coinrun-viewer (needs Qt 6)")
    base = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(tmp_path)}
    for var in ("COINRUN_TOKEN", "COINRUN_TOKEN_FILE", "COINRUN_ENGINE_KEY"):
        base.pop(var, None)
    with served.client(label="watched") as env:
        env.reset()
        good = env._client.child_environment()
        assert good["COINRUN_TOKEN"] == TOKEN and good["COINRUN_ENGINE_KEY"] == served.pub_file.read_text().strip()
        p = subprocess.run([str(viewer), "--attach", served.address, "--list"], capture_output=True, text=True,
                           timeout=60, env={**base, "COINRUN_TOKEN": TOKEN, "COINRUN_ENGINE_KEY": str(served.pub_file)})
        assert p.returncode == 0, p.stderr
        assert [s["session"] for s in json.loads(p.stdout)] == [env.session]
        shot = tmp_path / "frame.png"
        p = subprocess.run([str(viewer), "--attach", served.address, "--session", str(env.session), "--raw",
                            "--screenshot", str(shot)], capture_output=True, text=True, timeout=60,
                           env={**base, "COINRUN_TOKEN_FILE": str(served.token_file),
                                "COINRUN_ENGINE_KEY": str(served.pub_file)})
        assert p.returncode == 0, p.stderr
        assert np.array_equal(iio.imread(shot), env.render_env(0, 512, 512))
        p = subprocess.run([str(viewer), "--attach", served.address, "--list"], capture_output=True, text=True,
                           timeout=60, env={**base, "COINRUN_TOKEN": TOKEN})
        assert p.returncode != 0 and "COINRUN_ENGINE_KEY" in p.stderr

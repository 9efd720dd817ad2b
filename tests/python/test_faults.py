"""Process faults: the engine killed at every phase, clients killed under a shared engine,
the engine restarted under a client, and signals. Every test is bounded in time; the
session fixture in conftest checks that the run leaves no segment and no engine behind.

What test_client_errors.py already covers is not repeated here (SIGKILL mid-step on a
launched engine, SIGSTOP timeout, killed client with a launched engine, remote lease).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import coinrun
import numpy as np
import pytest
from conftest import REPO, needs_engine, serve_engine, shm_segments, stop_engine, wait_until

pytestmark = [needs_engine, pytest.mark.timeout(60)]

DIED_WITHIN_S = 2.0


def start_engine(engine_path: Path, sock_dir: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    return serve_engine(engine_path, f"ipc://{sock_dir}/e.sock", *extra)


def engine_segments(pid: int) -> set[str]:
    return {s for s in shm_segments() if s.startswith(f"coinrun.{pid}.")}


def assert_engine_died(env: coinrun.CoinRunVectorEnv, action) -> None:
    t0 = time.monotonic()
    with pytest.raises(coinrun.EngineDied) as ei:
        action()
    elapsed = time.monotonic() - t0
    assert elapsed < DIED_WITHIN_S, f"EngineDied after {elapsed:.2f} s"
    msg = str(ei.value)
    assert "signal 9" in msg or "SIGKILL" in msg or "killed" in msg, msg
    assert f"pid {env._process.proc.pid}" in msg, msg


@pytest.mark.parametrize("doorbell", [True, False])
def test_sigkill_between_steps(doorbell):
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=1, doorbell=doorbell)
    try:
        env.reset()
        env.step(np.zeros(2, dtype=np.int32))
        os.kill(env._process.proc.pid, signal.SIGKILL)
        env._process.proc.wait(timeout=5)
        assert_engine_died(env, lambda: env.step(np.zeros(2, dtype=np.int32)))
        # The env stays dead: every later call raises the same way, quickly.
        assert_engine_died(env, lambda: env.reset())
    finally:
        env.close()


def test_engine_died_message_says_how_to_recover():
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, seed=1)
    try:
        env.reset()
        os.kill(env._process.proc.pid, signal.SIGKILL)
        env._process.proc.wait(timeout=5)  # dead before the step, not a moment after
        with pytest.raises(coinrun.EngineDied) as ei:
            env.step(np.zeros(1, dtype=np.int32))
        msg = str(ei.value).lower()
        assert any(w in msg for w in ("create a new", "make_vec", "restart", "new env")), msg
    finally:
        env.close()


def _kill_soon(pid: int, delay_s: float) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(delay_s), os.kill(pid, signal.SIGKILL)), daemon=True)
    t.start()
    return t


@pytest.mark.parametrize("doorbell", [True, False])
def test_sigkill_mid_step(doorbell):
    # Many envs make a step long enough (tens of ms) for the kill to land inside it.
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=256, seed=1, doorbell=doorbell, num_threads=1)
    try:
        env.reset()
        pid = env._process.proc.pid
        killer = _kill_soon(pid, 0.05)
        t_kill = time.monotonic() + 0.05

        def step_forever():
            while True:
                env.step(np.zeros(256, dtype=np.int32))

        with pytest.raises(coinrun.EngineDied) as ei:
            step_forever()
        assert time.monotonic() - t_kill < DIED_WITHIN_S
        assert "signal 9" in str(ei.value)
        killer.join()
    finally:
        env.close()


def test_sigkill_mid_reset():
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=256, seed=1, num_threads=1)
    try:
        env.reset()
        killer = _kill_soon(env._process.proc.pid, 0.05)
        t_kill = time.monotonic() + 0.05
        with pytest.raises(coinrun.EngineDied, match="signal 9"):
            while True:
                env.reset(seed=int(time.monotonic_ns() % 2**31))
        assert time.monotonic() - t_kill < DIED_WITHIN_S
        killer.join()
    finally:
        env.close()


def test_killed_client_session_reclaimed_by_shared_engine(engine_path, tmp_path):
    """A client with a session on a shared engine is SIGKILLed: the engine closes that
    session and unlinks its segment (pid check about once a second), and keeps serving."""
    proc, endpoint = start_engine(engine_path, tmp_path)
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(REPO / "pyclient")!r})
        import numpy as np, coinrun
        env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=3, seed=1, address={endpoint!r}, lease_s=0)
        env.reset()
        print(getattr(env._transport, "shm", None) and env._transport.shm.name or "-", flush=True)
        while True:
            env.step(np.zeros(3, dtype=np.int32))
        """
    )
    other = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, seed=2, address=endpoint, lease_s=0)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        other.reset()
        child.stdout.readline()
        sessions = other._client.request({"type": "list_sessions"})["sessions"]
        assert len(sessions) == 2
        child.kill()
        child.wait(timeout=5)
        t0 = time.monotonic()

        def reclaimed():
            return len(other._client.request({"type": "list_sessions"})["sessions"]) == 1

        assert wait_until(reclaimed, 5.0, 0.1), "dead client's session not reclaimed within 5 s"
        assert time.monotonic() - t0 < 5.0
        assert not engine_segments(proc.pid)  # the survivor's name is unlinked by its client
        other.step(np.zeros(1, dtype=np.int32))  # the engine still serves the other client
    finally:
        if child.poll() is None:
            child.kill()
        other.close()
        stop_engine(proc)


def test_engine_restarted_under_a_client(engine_path, tmp_path):
    proc, endpoint = start_engine(engine_path, tmp_path)
    env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=1, address=endpoint, timeout=2.0)
    env.reset()
    proc.kill()
    proc.wait()
    proc2, endpoint2 = start_engine(engine_path, tmp_path)  # same endpoint, new process
    try:
        assert endpoint2 == endpoint
        t0 = time.monotonic()
        with pytest.raises(coinrun.CoinRunError) as ei:
            env.step(np.zeros(2, dtype=np.int32))
        assert time.monotonic() - t0 < 5.0
        # The old engine's death is seen through its pid (doorbell), or the new engine says
        # the session is unknown (ZeroMQ).
        assert isinstance(ei.value, (coinrun.EngineError, coinrun.EngineDied)), ei.value
        env.close()  # closing an orphaned handle must not raise
        env2 = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=1, address=endpoint)
        obs, *_ = env2.reset()
        assert obs.shape == (2, 64, 64, 3)
        env2.step(np.zeros(2, dtype=np.int32))
        env2.close()
    finally:
        stop_engine(proc2)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_gives_clean_exit_and_no_segment(engine_path, tmp_path, sig):
    proc, endpoint = start_engine(engine_path, tmp_path)
    # Sessions created on a raw socket so that no client unlinks the names: the engine must.
    import msgpack
    import zmq

    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    try:
        for i in range(3):
            sock.send(msgpack.packb({"v": 1, "id": i, "type": "create", "options": {"num_envs": 2}}))
            assert sock.poll(10000)
            r = msgpack.unpackb(sock.recv_multipart()[0])
            assert r["type"] == "create_ok", r
        assert len(engine_segments(proc.pid)) == 3
        proc.send_signal(sig)
        assert proc.wait(timeout=5) == 0
        assert not engine_segments(proc.pid)
    finally:
        sock.close()
        stop_engine(proc)


def test_parent_death_stops_a_served_engine(engine_path, tmp_path):
    """--parent-pid: the engine notices its parent's death and exits, unlinking segments."""
    code = textwrap.dedent(
        f"""
        import subprocess, sys, time
        p = subprocess.Popen([{str(engine_path)!r}, "serve", "--bind", "ipc://{tmp_path}/e.sock",
                              "--parent-pid", str(__import__("os").getpid())], stdout=subprocess.PIPE, text=True)
        print(p.stdout.readline().split()[1], p.pid, flush=True)
        time.sleep(60)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        endpoint, pid = parent.stdout.readline().split()
        pid = int(pid)
        import msgpack
        import zmq

        sock = zmq.Context.instance().socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint)
        sock.send(msgpack.packb({"v": 1, "id": 1, "type": "create", "options": {"num_envs": 1}}))
        assert sock.poll(10000)
        assert msgpack.unpackb(sock.recv_multipart()[0])["type"] == "create_ok"
        sock.close()
        parent.kill()
        parent.wait()

        def gone():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            try:
                return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
            except OSError:
                return True

        assert wait_until(gone, 5.0), "engine outlived its --parent-pid"
        assert wait_until(lambda: not engine_segments(pid), 2.0)
    finally:
        if parent.poll() is None:
            parent.kill()

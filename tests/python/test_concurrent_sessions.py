"""Several clients on one engine (docs/protocol.md, "Transport"): every session has a worker
thread of its own, so a 1-env session stepping next to a 256-env one is not made to wait for
the big steps (tools/bench_concurrent.py measures by how much), both stay bit-exact, and one
client's malformed requests or death never disturb another's session."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import coinrun
import numpy as np
import pytest
from conftest import ENGINE, REPO, ask, dealer, needs_engine, req, serve_engine, stop_engine

sys.path.insert(0, str(REPO / "tools"))
from bench_concurrent import HASHED_STEPS, finish_big, go, measure, run_small, start_big  # noqa: E402

pytestmark = [needs_engine, pytest.mark.timeout(240)]

WINDOW_S = 0.5  # one stepping window (throughput itself is measured by tools/bench_concurrent.py)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[str]:
    proc, endpoint = serve_engine(ENGINE, f"ipc://{tmp_path}/e.sock")
    yield endpoint
    assert stop_engine(proc) == 0


def actions(n: int, steps: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 7, size=(steps, n)).astype(np.int32)


def test_two_clients_stepping_together_stay_bit_exact(engine: str) -> None:
    """A 1-env session steps while another client's 256-env session steps beside it: each
    session's bytes equal those of its runs alone. (How much the small one slows down is a
    benchmark: tools/bench_concurrent.py.)"""
    r = measure(engine, WINDOW_S, repeats=2)
    assert len(r["small_hashes"]) == 1, "the 1-env session's bytes depend on the other session"
    # The big session alone, for its reference bytes.
    big = start_big(engine, 0.0)
    go(big)
    r["big_hashes"].add(finish_big(big)[1])
    assert len(r["big_hashes"]) == 1, "the 256-env session's bytes depend on the other session"


def test_malformed_requests_and_a_dead_client_leave_other_sessions_alone(engine: str) -> None:
    ref = run_small(engine, 0.0)[1]
    # A client that creates a session, then dies in the middle of sending garbage.
    code = f"""
import msgpack, zmq, os, signal
s = zmq.Context().socket(zmq.DEALER); s.connect({engine!r})
s.send(msgpack.packb({{"v": 1, "id": 1, "type": "create", "options": {{"num_envs": 64}}, "transport": "inline",
                       "client_pid": os.getpid(), "client_host": os.uname().nodename}}))
assert s.poll(20000); s.recv()
for frame in (b"\\xc1garbage", msgpack.packb({{"v": 1, "type": "step", "session": 12345}}), b""):
    s.send(frame)
os.kill(os.getpid(), signal.SIGKILL)
"""
    victim = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, address=engine, seed=3, num_threads=1)
    try:
        victim.reset()
        acts = actions(1, HASHED_STEPS, 3)
        h = hashlib.sha256()
        for k in range(HASHED_STEPS):
            if k == 10:
                p = subprocess.run([sys.executable, "-c", code], timeout=60)
                assert p.returncode == -signal.SIGKILL
            if k == 20:  # malformed requests aimed at the victim's own session from a stranger
                sock = dealer(engine)
                r, _ = ask(sock, req(type="step", session=victim.session, seq=999, slot=0))
                assert r["type"] == "error" and r["code"] == "BAD_SEQUENCE"
                r, _ = ask(sock, req(type="render", session=victim.session, env=5))
                assert r["type"] == "error"
                sock.close()
            obs, rew, term, trunc, _ = victim.step(acts[k])
            h.update(obs.tobytes() + rew.tobytes() + term.tobytes() + trunc.tobytes())
        assert h.hexdigest() == ref
        # The dead client's session is reclaimed (pid check), the victim's is not.
        sock = dealer(engine)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            sessions = ask(sock, req(type="list_sessions"))[0]["sessions"]
            if [s["session"] for s in sessions] == [victim.session]:
                break
            time.sleep(0.1)
        sock.close()
        assert [s["session"] for s in sessions] == [victim.session]
    finally:
        victim.close()

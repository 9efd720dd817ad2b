"""Shared fixtures: locate the engine binary and make sure the run leaves nothing behind.

The engine is found through ``COINRUN_ENGINE`` or ``<repo>/build/coinrun-engine`` (what
``make`` builds); tests that need it are skipped with a clear reason when there is none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

try:
    import coinrun  # noqa: F401
except ImportError:  # a checkout without the .pth file: use the source tree
    sys.path.insert(0, str(REPO / "pyclient"))


def _find_engine() -> Path | None:
    env = os.environ.get("COINRUN_ENGINE")
    if env and Path(env).is_file():
        return Path(env)
    p = REPO / "build" / "coinrun-engine"
    return p if p.is_file() else None


ENGINE = _find_engine()
if ENGINE is not None:
    os.environ["COINRUN_ENGINE"] = str(ENGINE)

needs_engine = pytest.mark.skipif(ENGINE is None, reason="no coinrun-engine: run `make` or set COINRUN_ENGINE")


def shm_segments() -> set[str]:
    try:
        return {n for n in os.listdir("/dev/shm") if n.startswith("coinrun.")}
    except FileNotFoundError:
        return set()


def engine_children() -> list[int]:
    """Pids of live (not zombie) coinrun-engine processes whose parent is this process."""
    me = os.getpid()
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if comm.startswith("coinrun-engine") and int(fields[1]) == me and fields[0] != "Z":
            out.append(int(d))
    return out


def wait_until(pred, timeout_s: float = 5.0, interval_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval_s)
    return pred()


def serve_engine(
    engine_path: Path, bind: str, *extra: str, env: dict | None = None, stderr=subprocess.PIPE
) -> tuple[subprocess.Popen, str]:
    """Starts ``coinrun-engine serve --bind BIND EXTRA...`` and waits for its ``READY endpoint``
    line; returns the process and the endpoint it listens on (a ``:0`` port resolved)."""
    proc = subprocess.Popen(
        [str(engine_path), "serve", "--bind", bind, *extra],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        stop_engine(proc)
        err = proc.stderr.read() if proc.stderr else ""
        pytest.fail(f"engine did not start: {line} {err}")
    return proc, line[1]


def stop_engine(proc: subprocess.Popen) -> int:
    """Terminates a served engine (killing it after 10 s) and returns its exit status."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def dealer(endpoint: str):
    """A zmq DEALER socket connected to ``endpoint``, for raw protocol requests."""
    import zmq

    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    return sock


def req(**kw) -> bytes:
    """One request envelope (docs/protocol.md): ``v`` 1 and ``id`` 1 unless given."""
    import msgpack

    kw.setdefault("v", 1)
    kw.setdefault("id", 1)
    return msgpack.packb(kw, use_bin_type=True)


def ask(sock, *frames: bytes, timeout_ms: int = 5000) -> tuple[dict, list[bytes]]:
    """Sends one multipart request; returns the decoded reply and its extra frames."""
    import msgpack

    sock.send_multipart(list(frames))
    assert sock.poll(timeout_ms), "engine did not answer (hang)"
    parts = sock.recv_multipart()
    if parts[0] == b"" and len(parts) > 1:  # an empty first frame reads as a REQ delimiter: echoed
        parts = parts[1:]
    return msgpack.unpackb(parts[0], raw=False), parts[1:]


@pytest.fixture
def engine_path() -> Path:
    if ENGINE is None:
        pytest.skip("no coinrun-engine: run `make` or set COINRUN_ENGINE")
    return ENGINE


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind():
    """After the whole run: no segment created during it and no engine child still alive."""
    before = shm_segments()
    yield
    import gc

    gc.collect()
    assert wait_until(lambda: not engine_children(), 10.0), f"engine processes left: {engine_children()}"
    assert wait_until(lambda: not (shm_segments() - before), 5.0), f"segments left: {shm_segments() - before}"

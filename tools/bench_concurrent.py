#!/usr/bin/env python3
"""Two clients on one engine: a 1-env session stepped flat out alone, and again while a
256-env session of another client steps flat out beside it (interleaved repeats, medians,
the machine's load printed). The ratio says whether the small session is starved by the big
one (docs/reliability.md, "Several clients"). tests/python/test_concurrent_sessions.py uses
the same sessions to check that both stay bit-exact.

    .venv/bin/python tools/bench_concurrent.py --engine build/coinrun-engine --repeats 5
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "pyclient"))

import coinrun  # noqa: E402  (after the sys.path insert)

HASHED_STEPS = 40  # steps of the small session whose bytes are hashed
BIG_HASHED_STEPS = 8  # few: hashing costs CPU the other session needs
ACTION_ROWS = 4096  # random actions, drawn once and cycled


def actions(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 7, size=(ACTION_ROWS, n)).astype(np.int32)


def run_small(address: str, seconds: float, seed: int = 3) -> tuple[float, str]:
    """A 1-env session stepped flat out for `seconds`: (steps/s, hash of its first steps)."""
    acts = actions(1, seed)
    h = hashlib.sha256()
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, address=address, seed=seed, num_threads=1) as env:
        env.reset()
        k = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds or k < HASHED_STEPS:
            obs, rew, term, trunc, _ = env.step(acts[k % ACTION_ROWS])
            if k < HASHED_STEPS:
                h.update(obs.tobytes() + rew.tobytes() + term.tobytes() + trunc.tobytes())
            k += 1
        return k / (time.perf_counter() - t0), h.hexdigest()


BIG = f"""
import hashlib, sys, time
import numpy as np
import coinrun
address, seconds, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
acts = np.random.default_rng(5).integers(0, 7, size=({ACTION_ROWS}, n)).astype(np.int32)
h = hashlib.sha256()
with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, address=address, seed=5, num_threads=1) as env:
    env.reset()
    print("READY", flush=True)
    sys.stdin.readline()
    k = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds or k < {BIG_HASHED_STEPS}:
        obs, rew, term, trunc, _ = env.step(acts[k % {ACTION_ROWS}])
        if k < {BIG_HASHED_STEPS}:
            h.update(obs.tobytes() + rew.tobytes() + term.tobytes() + trunc.tobytes())
        k += 1
    print(k, h.hexdigest(), flush=True)
"""


def start_big(address: str, seconds: float, n: int = 256) -> subprocess.Popen:
    """Another client's n-env session, created; it steps for `seconds` once told to (go())."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "pyclient")}
    p = subprocess.Popen(
        [sys.executable, "-c", BIG, address, str(seconds), str(n)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert p.stdout is not None and p.stdout.readline().strip() == "READY"
    return p


def go(p: subprocess.Popen) -> None:
    assert p.stdin is not None
    p.stdin.write("go\n")
    p.stdin.flush()


def finish_big(p: subprocess.Popen) -> tuple[int, str]:
    """(steps it made, hash of its first steps)."""
    out, _ = p.communicate(timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"the big session's client failed with status {p.returncode}")
    steps, digest = out.split()
    return int(steps), digest


def measure(address: str, window_s: float, repeats: int) -> dict[str, object]:
    """Interleaved solo / together windows: rates, the ratio of medians, and the hashes seen."""
    solo, together, small_hashes, big_hashes = [], [], set(), set()
    for _ in range(repeats):
        rate, digest = run_small(address, window_s)
        solo.append(rate)
        small_hashes.add(digest)
        big = start_big(address, window_s + 1.0)
        go(big)
        time.sleep(0.5)  # the big session is stepping, past its hashed steps
        rate, digest = run_small(address, window_s)
        together.append(rate)
        small_hashes.add(digest)
        steps, digest = finish_big(big)
        big_hashes.add(digest)
    return {
        "solo": solo,
        "together": together,
        "ratio": statistics.median(together) / statistics.median(solo),
        "small_hashes": small_hashes,
        "big_hashes": big_hashes,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", default=str(REPO / "build" / "coinrun-engine"))
    p.add_argument("--seconds", type=float, default=1.5, help="length of one measurement window")
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args()
    d = tempfile.mkdtemp(prefix="bench-concurrent-")
    proc = subprocess.Popen(
        [a.engine, "serve", "--bind", f"ipc://{d}/e.sock"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        if len(line) < 2 or line[0] != "READY":
            sys.exit(f"{a.engine} did not start: {line}")
        load0 = os.getloadavg()[0]
        r = measure(line[1], a.seconds, a.repeats)
        solo, together = r["solo"], r["together"]
        print(
            f"1-env steps/s alone (median of {a.repeats}): {statistics.median(solo):,.0f}  {[round(x) for x in solo]}"
        )
        print(f"next to a 256-env session:          {statistics.median(together):,.0f}  {[round(x) for x in together]}")
        print(
            f"ratio {r['ratio']:.2f} (at least 0.5: not starved); load average {load0:.2f} -> {os.getloadavg()[0]:.2f}"
        )
        exact = len(r["small_hashes"]) == 1 and len(r["big_hashes"]) == 1
        print("both sessions bit-exact across runs" if exact else "BYTES DIFFER between runs")
        return 0 if exact else 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())

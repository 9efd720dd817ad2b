#!/usr/bin/env python3
"""What watching a session costs it: a 32-env CoinRun session (num_threads=1) stepped flat
out from Python, alone and while a spectator process renders one of its envs at 512x512
(15 frames/s, and as fast as it can), for one or more engine binaries in ONE run (repeats
interleaved, medians reported, the machine's load printed beside them).

    .venv/bin/python tools/bench_spectator.py --engine build/coinrun-engine --seconds 3 --repeats 3

docs/viewer.md ("Cost to the session") quotes its output.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "pyclient"))

import coinrun  # noqa: E402  (after the sys.path insert)

SPECTATOR = """
import sys, time, msgpack, zmq
endpoint, session, fps, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
sock = zmq.Context().socket(zmq.DEALER)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(endpoint)
frames, t0 = 0, time.perf_counter()
while time.perf_counter() - t0 < seconds:
    t = time.perf_counter()
    sock.send(msgpack.packb({"v": 1, "id": frames + 1, "type": "render", "session": session, "env": 0,
                            "width": 512, "height": 512}))
    if not sock.poll(10_000):
        sys.exit("no render reply within 10 s")
    reply = msgpack.unpackb(sock.recv_multipart()[0])
    assert reply["type"] == "render_ok", reply
    frames += 1
    if fps > 0:
        time.sleep(max(0.0, 1.0 / fps - (time.perf_counter() - t)))
print(frames / (time.perf_counter() - t0))
"""

SCENARIOS = {"alone": None, "spectator 512x512 at 15 fps": 15.0, "spectator 512x512 flat out": 0.0}


def measure(engine: str, fps: float | None, seconds: float) -> tuple[float, float]:
    """(env-steps/s of the session, frames/s the spectator got) on a fresh engine."""
    os.environ["COINRUN_ENGINE"] = engine
    acts = np.random.default_rng(0).integers(0, 7, size=(64, 32)).astype(np.int32)
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=32, seed=1, num_threads=1) as env:
        env.reset()
        for i in range(20):
            env.step(acts[i % 64])
        env.render_env(0)  # the first hi-res frame builds the sprite sets: not part of the cost
        spectator = None
        if fps is not None:
            spectator = subprocess.Popen(
                [sys.executable, "-c", SPECTATOR, env._client.endpoint, str(env.session), str(fps), str(seconds + 1)],
                stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)
        k, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            env.step(acts[k % 64])
            k += 1
        rate = k * 32 / (time.perf_counter() - t0)
        frames = 0.0
        if spectator is not None:
            out, _ = spectator.communicate(timeout=60)
            if spectator.returncode != 0:
                raise SystemExit(f"spectator failed ({spectator.returncode})")
            frames = float(out)
    return rate, frames


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", action="append", required=True, help="an engine binary (repeat to compare)")
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    engines = [str(Path(e).resolve()) for e in args.engine]
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    loads = []
    for _ in range(args.repeats):
        for engine in engines:
            for name, fps in SCENARIOS.items():
                results.setdefault((engine, name), []).append(measure(engine, fps, args.seconds))
                loads.append(os.getloadavg()[0])
    print(f"load average during the run: {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores\n")
    print("| engine | what else runs | session env-steps/s (median) | vs alone | spectator frames/s |")
    print("| --- | --- | ---: | ---: | ---: |")
    for engine in engines:
        alone = statistics.median(r for r, _ in results[(engine, "alone")])
        for name in SCENARIOS:
            rates = [r for r, _ in results[(engine, name)]]
            fps = statistics.median(f for _, f in results[(engine, name)])
            rate = statistics.median(rates)
            print(f"| {engine} | {name} | {rate:,.0f} | {rate / alone - 1:+.0%} | {fps:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

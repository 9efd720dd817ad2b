#!/usr/bin/env python3
"""Soak test: one shared engine, several client sessions doing random steps, resets,
renders, closes and reconnects for a given time; samples the engine's RSS and open file
descriptors and fails when either grows (a leak per session or per request).

    nice -n 10 .venv/bin/python tools/soak.py --minutes 20 --csv soak.csv

Exit status 0: flat; 1: growth beyond the tolerances below; 2: the engine died.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "pyclient"))
import coinrun  # noqa: E402

# Growth tolerances: after warm-up (allocator pools, thread stacks, zmq buffers all
# reach their steady size), the mean RSS of the last quarter of samples may exceed the
# warm-up baseline by at most this much; open fds may not grow by more than a few (one
# session's socket can be open at the moment of a sample).
RSS_GROWTH_MB = 24.0
RSS_GROWTH_FRAC = 0.15
FD_GROWTH = 8
WARMUP_FRAC = 0.2
RENDER_SIDES = (64, 256, 512)


@dataclass
class SoakConfig:
    minutes: float = 20.0
    sessions: int = 4
    max_envs: int = 16
    sample_s: float = 10.0
    engine: str = ""
    csv: str = ""
    seed: int = 0


def proc_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def proc_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def make_session(endpoint: str, rng: random.Random) -> coinrun.CoinRunVectorEnv:
    n = rng.randint(1, SOAK.max_envs)
    env = coinrun.make_vec(
        "coinrun/CoinRun-v0",
        num_envs=n,
        address=endpoint,
        seed=rng.randrange(2**31),
        doorbell=rng.random() < 0.5,
        timeout=30.0,
        lease_s=0.0,
    )
    env.reset()
    return env


SOAK = SoakConfig()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=SOAK.minutes)
    p.add_argument("--sessions", type=int, default=SOAK.sessions)
    p.add_argument("--max-envs", type=int, default=SOAK.max_envs)
    p.add_argument("--sample-s", type=float, default=SOAK.sample_s)
    p.add_argument("--engine", default=os.environ.get("COINRUN_ENGINE", str(REPO / "build" / "coinrun-engine")))
    p.add_argument("--csv", default="")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    SOAK.minutes, SOAK.sessions, SOAK.max_envs = a.minutes, a.sessions, a.max_envs
    SOAK.sample_s, SOAK.engine, SOAK.csv, SOAK.seed = a.sample_s, a.engine, a.csv, a.seed
    rng = random.Random(SOAK.seed)

    tmp = tempfile.mkdtemp(prefix="coinrun-soak-")
    proc = subprocess.Popen(
        [SOAK.engine, "serve", "--bind", f"ipc://{tmp}/e.sock", "--threads", "1", "--parent-pid", str(os.getpid())],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    endpoint = proc.stdout.readline().split()[1]
    samples: list[tuple[float, int, int, int]] = []  # (t, rss_kb, fds, ops)
    envs: list[coinrun.CoinRunVectorEnv | None] = [None] * SOAK.sessions
    ops = reconnects = 0
    t0 = time.monotonic()
    end = t0 + SOAK.minutes * 60
    next_sample = t0
    status = 0
    try:
        while time.monotonic() < end:
            if proc.poll() is not None:
                print(f"engine died with status {proc.returncode}", file=sys.stderr)
                return 2
            i = rng.randrange(SOAK.sessions)
            env = envs[i]
            if env is None:
                envs[i] = make_session(endpoint, rng)
                reconnects += 1
                continue
            r = rng.random()
            if r < 0.02:
                env.close()
                envs[i] = None
            elif r < 0.07:
                env.reset(seed=rng.randrange(2**31))
            elif r < 0.08:
                # A viewer's sizes. Arbitrary sizes grow the renderer's per-size sprite cache
                # without bound (reported in docs/reliability.md), which is not what this
                # soak measures.
                side = rng.choice(RENDER_SIDES)
                env.render_env(rng.randrange(env.num_envs), side, side)
            else:
                for _ in range(20):
                    env.step(
                        np.array(
                            [rng.randrange(int(env.single_action_space.n)) for _ in range(env.num_envs)], dtype=np.int32
                        )
                    )
            ops += 1
            now = time.monotonic()
            if now >= next_sample:
                samples.append((now - t0, proc_rss_kb(proc.pid), proc_fds(proc.pid), ops))
                print(
                    f"t={now - t0:7.1f}s rss={samples[-1][1] / 1024:7.1f} MB fds={samples[-1][2]} ops={ops} "
                    f"reconnects={reconnects}",
                    flush=True,
                )
                next_sample = now + SOAK.sample_s
    finally:
        for env in envs:
            if env is not None:
                env.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if SOAK.csv:
        with open(SOAK.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["t_s", "rss_kb", "fds", "ops"])
            w.writerows(samples)
    if len(samples) < 4:
        print("too few samples to judge growth; run longer", file=sys.stderr)
        return 1
    warm = samples[max(1, int(len(samples) * WARMUP_FRAC))]
    tail = samples[-max(1, len(samples) // 4) :]
    rss_base = warm[1] / 1024
    rss_tail = sum(s[1] for s in tail) / len(tail) / 1024
    fd_tail = max(s[2] for s in tail)
    limit = max(rss_base * (1 + RSS_GROWTH_FRAC), rss_base + RSS_GROWTH_MB)
    print(
        f"RSS baseline {rss_base:.1f} MB (t={warm[0]:.0f}s), tail mean {rss_tail:.1f} MB (limit {limit:.1f}); "
        f"fds baseline {warm[2]}, tail max {fd_tail}; {ops} ops, {reconnects} sessions opened; "
        f"engine exit status {proc.returncode}"
    )
    if rss_tail > limit:
        print("FAIL: engine RSS grew", file=sys.stderr)
        status = 1
    if fd_tail > warm[2] + FD_GROWTH:
        print("FAIL: engine open fds grew", file=sys.stderr)
        status = 1
    if proc.returncode not in (0, None):
        status = status or 2
    return status


if __name__ == "__main__":
    sys.exit(main())

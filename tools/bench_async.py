#!/usr/bin/env python3
"""Async ``send``/``recv`` against sync ``step``, paired: both in one process, in alternating
short windows, so that a machine whose speed drifts (a shared VM) slows both alike.

For each batch size N it makes two envs of N CoinRun envs (one engine each): a sync one
stepped with ``step`` and an async one in EnvPool's loop with ``batch_size = N / 2`` (recv a
half, send its actions, recv the other half, ...; ``--parts K``: N / K, K batches in
flight). Rounds alternate which goes first; half the rounds run with the sync env created
first, half with the async one (on this machine the env created second ran 0-5% faster,
identical envs included). With
``--work-us W`` the caller also does W microseconds of its own work per env-step received (a
busy loop holding the GIL, standing in for a policy's forward pass): sync steps, then works
on the whole batch; async works on one half while the engine steps the other.

    .venv/bin/python tools/bench_async.py --envs 16,64,256 --work-us 0,2 --rounds 20
    .venv/bin/python tools/bench_async.py --envs 64,256 --work-us 0 --parts 2,4,8

Prints, per (N, W): median env-steps/s of each, the median of the per-round ratios
async / sync, how many rounds async won, and the CPU both processes used (in cores: a
figure near the machine's core count means the loop kept every core busy, and then async
can only win by doing less work per step, not by overlapping). It also splits that CPU:
the client's per call (a sync ``step``, or an async ``recv`` + ``send``) and the engine's
per env-step, which is what async / sync comes down to when every core is busy
(docs/performance.md, "Async against sync, paired").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "pyclient"))
# The optimized build when there is one (docs/performance.md says how to make it), as
# tools/bench_throughput.py uses; else the engine the client finds by itself.
if (ROOT / "build-perf" / "coinrun-engine").exists():
    os.environ.setdefault("COINRUN_ENGINE", str(ROOT / "build-perf" / "coinrun-engine"))

import coinrun  # noqa: E402
from bench_throughput import ACTION_BANK, process_cpu_s  # noqa: E402 (tools/, this script's folder)


def _work(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


class Loop:
    """One env and the step function of its loop; ``step(i)`` returns the env-steps it got."""

    def __init__(self, mode: str, n: int, work_s_per_env: float, parts: int = 2) -> None:
        bank = np.random.default_rng(0).integers(0, 7, size=(ACTION_BANK, n), dtype=np.int32)
        if mode == "sync":
            env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, seed=0)
            env.reset(seed=0)

            def step(i: int) -> int:
                env.step(bank[i % ACTION_BANK])
                if work_s_per_env:
                    _work(work_s_per_env * n)
                return n

        else:
            env = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, batch_size=max(1, n // parts), seed=0)
            env.async_reset(seed=0)
            for _ in range(-(-n // env.batch_size)):
                *_, info = env.recv()
                env.send(bank[0][: len(info["env_id"])], info["env_id"])

            def step(i: int) -> int:
                *_, info = env.recv()
                ids = info["env_id"]
                if work_s_per_env:
                    _work(work_s_per_env * len(ids))
                env.send(bank[i % ACTION_BANK][: len(ids)], ids)
                return len(ids)

        self.env, self.step, self.i = env, step, 0
        self.engine_pid = env._process.proc.pid

    def window(self, seconds: float) -> Window:
        """One timed window after a short warm-up."""
        t_end = time.perf_counter() + 0.05
        while time.perf_counter() < t_end:
            self.step(self.i)
            self.i += 1
        c0, e0 = time.process_time(), process_cpu_s(self.engine_pid)
        steps, calls, t0 = 0, 0, time.perf_counter()
        now = t0
        while now - t0 < seconds:
            steps += self.step(self.i)
            self.i += 1
            calls += 1
            now = time.perf_counter()
        client_s, engine_s = time.process_time() - c0, process_cpu_s(self.engine_pid) - e0
        return Window(steps / (now - t0), (client_s + engine_s) / (now - t0), client_s / calls, engine_s / steps)


class Window(NamedTuple):
    rate: float  # env-steps/s
    cores: float  # CPU of client and engine together, in cores
    client_s_per_call: float  # the client's CPU per step(), or per recv() + send()
    engine_s_per_step: float  # the engine's CPU per env-step (its idle spinning included)


def measure(n: int, work_us: float, rounds: int, window_s: float, parts: int = 2) -> dict[str, Any]:
    windows: dict[str, list[Window]] = {"sync": [], "async": []}
    # The env created second runs 0-5% faster here (seen with two identical envs), whatever
    # the reason: half the rounds create sync first, half async first.
    for first, second, count in (("sync", "async", (rounds + 1) // 2), ("async", "sync", rounds // 2)):
        if count == 0:
            continue
        loops = {m: Loop(m, n, work_us * 1e-6, parts) for m in (first, second)}
        try:
            for r in range(count):
                for m in ("sync", "async") if r % 2 == 0 else ("async", "sync"):
                    windows[m].append(loops[m].window(window_s))
        finally:
            for loop in loops.values():
                loop.env.close()
    ratios = [a.rate / s.rate for a, s in zip(windows["async"], windows["sync"], strict=True)]

    def median(mode: str, field: str, scale: float = 1.0) -> float:
        return statistics.median(getattr(w, field) for w in windows[mode]) * scale

    return {
        "n": n,
        "parts": parts,
        "work_us": work_us,
        "sync": median("sync", "rate"),
        "async": median("async", "rate"),
        "ratio": statistics.median(ratios),
        "async_won": sum(x > 1 for x in ratios),
        "rounds": rounds,
        **{f"{m}_cores": median(m, "cores") for m in ("sync", "async")},
        **{f"{m}_client_us_per_call": median(m, "client_s_per_call", 1e6) for m in ("sync", "async")},
        **{f"{m}_engine_us_per_step": median(m, "engine_s_per_step", 1e6) for m in ("sync", "async")},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--envs", default="16,64,256", help="batch sizes N (async uses N/2)")
    ap.add_argument("--work-us", default="0,2", help="the caller's own work per env-step, microseconds")
    ap.add_argument("--parts", default="2", help="async batch = N / parts, every part in flight (comma-separated)")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--window", type=float, default=0.3, help="seconds per window")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    try:
        ns = [int(x) for x in args.envs.split(",")]
        works = [float(x) for x in args.work_us.split(",")]
        parts = [int(x) for x in args.parts.split(",")]
    except ValueError:
        ap.error("--envs, --work-us and --parts take comma-separated numbers, e.g. --envs 16,64 --work-us 0,2")
    if any(n < 2 for n in ns) or any(w < 0 for w in works) or args.rounds < 1 or args.window <= 0:
        ap.error("--envs must be >= 2 (async steps halves), --work-us >= 0, --rounds >= 1, --window > 0")
    if any(k < 2 or k > 15 or any(n % k for n in ns) for k in parts):
        ap.error("--parts must be in [2, 15] (a ring holds at most 16 slots) and divide every N")
    load0 = os.getloadavg()[0]
    results = []
    for w in works:
        for k in parts:
            for n in ns:
                res = measure(n, w, args.rounds, args.window, k)
                results.append(res)
                print(f"  N={n} batch N/{k} work={w:g}us: ratio {res['ratio']:.3f}", file=sys.stderr, flush=True)
    print(
        f"{os.cpu_count()} cores, {args.rounds} rounds of {args.window:g} s windows, "
        f"load {load0:.2f} -> {os.getloadavg()[0]:.2f}\n",
        flush=True,
    )
    print(
        "| N | async batch | caller work / env-step | sync | async | async / sync (median of rounds) "
        "| rounds async won | cores used, sync / async | client CPU per call, sync / async "
        "| engine CPU per env-step, sync / async |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['n']} | N/{r['parts']} | {r['work_us']:g} us | {r['sync'] / 1e3:.1f}k | {r['async'] / 1e3:.1f}k | "
            f"**{r['ratio']:.2f}** | {r['async_won']}/{r['rounds']} | {r['sync_cores']:.2f} / {r['async_cores']:.2f} "
            f"| {r['sync_client_us_per_call']:.1f} / {r['async_client_us_per_call']:.1f} us "
            f"| {r['sync_engine_us_per_step']:.2f} / {r['async_engine_us_per_step']:.2f} us |"
        )
    if args.json:
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "results": results}, indent=1))


if __name__ == "__main__":
    main()

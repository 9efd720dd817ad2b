#!/usr/bin/env python3
"""Side-by-side throughput of this engine and its peers, in ONE run.

Each (implementation, num_envs) measurement runs in its own subprocess, in the venv that
implementation needs: ours in ``.venv`` (numpy 2), Procgen and EnvPool in ``.venv-peers``
(numpy<2; created by ``tools/install_peers.sh``). Repeats are interleaved (repeat r of
every measurement runs before repeat r+1 of any) and medians are reported, because the
machine is shared and noisy.

    .venv/bin/python tools/bench_throughput.py --seconds 3 --repeats 3 \
        --json docs/img/throughput.json

Prints a markdown table, the ratios against the faster peer, IPC overhead against bare
round trips, peak RSS per env and maze/platform throughput. Random actions, 64x64 RGB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OURS_PY = ROOT / ".venv" / "bin" / "python"
PEERS_PY = ROOT / ".venv-peers" / "bin" / "python"
# Random actions are drawn up front and cycled, so that the RNG is not what is measured.
ACTION_BANK = 64
WARMUP_S = 0.3


# ---------------------------------------------------------------------------------------
# Workers: run inside the implementation's venv, print one JSON line.


def _rss_kib_of(pid: int) -> int:
    """Peak resident set (VmHWM) of another live process, KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _self_peak_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _timed_loop(step: Any, seconds: float, per_call_envs: int) -> tuple[float, list[float]]:
    """Runs ``step(i)`` for ``seconds`` after a warm-up; env-steps/s and per-call times (s)."""
    t_end = time.perf_counter() + WARMUP_S
    i = 0
    while time.perf_counter() < t_end:
        step(i)
        i += 1
    times: list[float] = []
    t0 = time.perf_counter()
    last = t0
    calls = 0
    while last - t0 < seconds:
        step(i)
        i += 1
        calls += 1
        now = time.perf_counter()
        times.append(now - last)
        last = now
    return calls * per_call_envs / (last - t0), times


def worker_ours(impl: str, n: int, seconds: float, game_id: str) -> dict[str, Any]:
    import coinrun
    import gymnasium as gym
    import numpy as np

    rng = np.random.default_rng(0)
    out: dict[str, Any] = {}
    # ours_sync_nospin: the doorbell without spinning (spin_us=0), every wait sleeps.
    spin = {"spin_us": 0} if impl.endswith("_nospin") else {}
    if impl == "ours_idle":
        return worker_idle(game_id)
    if impl.startswith("ours_sync"):
        envs = gym.make_vec(game_id, num_envs=n, seed=0, **spin)
        base = envs.unwrapped if hasattr(envs, "unwrapped") else envs
        envs.reset(seed=0)
        bank = rng.integers(0, 7, size=(ACTION_BANK, n), dtype=np.int32)
        bell = base._transport.bell if base.uses_doorbell else None
        engine_us: list[float] = []

        def step(i: int) -> None:
            envs.step(bank[i % ACTION_BANK])
            if bell is not None:
                engine_us.append(float(bell.step_us))

        rate, times = _timed_loop(step, seconds, n)
        client_us = statistics.median(times) * 1e6
        out["client_step_us"] = client_us
        if engine_us:
            eng = statistics.median(engine_us[-len(times) :])
            out["engine_step_us"] = eng
            out["ipc_overhead_us"] = client_us - eng
        out["transport"] = "doorbell" if bell is not None else "zmq"
    else:  # ours_async: EnvPool-style send/recv, batch_size = n/2
        bs = max(1, n // 2)
        envs = coinrun.make_vec(game_id, num_envs=n, batch_size=bs, seed=0, **spin)
        base = envs
        envs.async_reset()
        bank = rng.integers(0, 7, size=(ACTION_BANK, bs), dtype=np.int32)
        # Prime the pipeline: every env's reset rows come back through recv first.
        for _ in range(max(1, n // bs)):
            _o, _r, _t, _u, info = envs.recv()
            envs.send(bank[0][: len(info["env_id"])], info["env_id"])

        def step(i: int) -> None:
            _o, _r, _t, _u, info = envs.recv()
            ids = info["env_id"]
            envs.send(bank[i % ACTION_BANK][: len(ids)], ids)

        rate, times = _timed_loop(step, seconds, bs)
        out["batch_size"] = bs
    proc = getattr(base, "_process", None)
    engine_pid = proc.proc.pid if proc is not None else None
    out["engine_peak_kib"] = _rss_kib_of(engine_pid) if engine_pid else 0
    out["client_peak_kib"] = _self_peak_kib()
    out["steps_per_s"] = rate
    envs.close()
    return out


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_idle(game_id: str, idle_s: float = 5.0) -> dict[str, Any]:
    """CPU use of a created, reset and briefly stepped env left alone for idle_s: the
    engine's (all its threads) and this client's, in percent of one core."""
    import gymnasium as gym
    import numpy as np

    envs = gym.make_vec(game_id, num_envs=1, seed=0)
    base = envs.unwrapped if hasattr(envs, "unwrapped") else envs
    envs.reset(seed=0)
    for _ in range(2000):  # a tight loop first, so that both sides have learned to spin
        envs.step(np.zeros(1, dtype=np.int32))
    pid = base._process.proc.pid
    e0, c0, t0 = process_cpu_s(pid), time.process_time(), time.perf_counter()
    time.sleep(idle_s)
    e1, c1, t1 = process_cpu_s(pid), time.process_time(), time.perf_counter()
    envs.close()
    return {"engine_idle_cpu_pct": 100 * (e1 - e0) / (t1 - t0), "client_idle_cpu_pct": 100 * (c1 - c0) / (t1 - t0)}


def worker_procgen(impl: str, n: int, seconds: float, game: str) -> dict[str, Any]:
    import numpy as np
    from procgen import ProcgenGym3Env

    threads = int(impl.split("_t")[1])
    env = ProcgenGym3Env(num=n, env_name=game, distribution_mode="hard", num_threads=threads)
    bank = np.random.default_rng(0).integers(0, 15, size=(ACTION_BANK, n), dtype=np.int32)

    def step(i: int) -> None:
        env.act(bank[i % ACTION_BANK])
        env.observe()

    rate, _ = _timed_loop(step, seconds, n)
    return {"steps_per_s": rate, "peak_kib": _self_peak_kib(), "threads": threads}


def worker_envpool(impl: str, n: int, seconds: float, task: str) -> dict[str, Any]:
    import envpool
    import numpy as np

    asyn = impl == "envpool_async"
    bs = max(1, n // 2) if asyn else n
    env = envpool.make(
        task, env_type="gymnasium", num_envs=n, batch_size=bs, num_threads=2, channel_first=False, seed=0
    )
    bank = np.random.default_rng(0).integers(0, 15, size=(ACTION_BANK, n), dtype=np.int32)
    if asyn:
        env.async_reset()

        def step(i: int) -> None:
            _o, _r, _t, _u, info = env.recv()
            ids = info["env_id"]
            env.send(bank[i % ACTION_BANK][: len(ids)], ids)
    else:
        env.reset()

        def step(i: int) -> None:
            env.step(bank[i % ACTION_BANK])

    rate, _ = _timed_loop(step, seconds, bs)
    return {"steps_per_s": rate, "peak_kib": _self_peak_kib(), "threads": 2, "batch_size": bs}


def worker_rtt(kind: str, n: int, seconds: float) -> dict[str, Any]:
    """Bare round trips between two processes, the cost the IPC overhead is judged against.
    ``zmq``: REQ/REP over ipc:// with a request of n*4 + 64 bytes and a 64-byte reply (the
    control messages of a shared-memory step). ``fifo``: one byte each way over a pair of
    FIFOs (the doorbell's wake-ups)."""
    import tempfile

    d = tempfile.mkdtemp(prefix="rtt")
    if kind == "zmq":
        import zmq

        addr = f"ipc://{d}/s"
        pid = os.fork()
        if pid == 0:
            ctx = zmq.Context()
            s = ctx.socket(zmq.REP)
            s.bind(addr)
            s.setsockopt(zmq.RCVTIMEO, 5000)
            reply = b"r" * 64
            try:
                while True:
                    m = s.recv()
                    if m == b"quit":
                        s.send(b"")
                        break
                    s.send(reply)
                # Flush the last reply before leaving: os._exit would drop it.
                s.close(linger=1000)
                ctx.term()
            finally:
                os._exit(0)
        ctx = zmq.Context()
        c = ctx.socket(zmq.REQ)
        c.setsockopt(zmq.RCVTIMEO, 5000)
        c.connect(addr)
        msg = b"q" * (n * 4 + 64)

        def step(i: int) -> None:
            c.send(msg)
            c.recv()

        _, times = _timed_loop(step, seconds, 1)
        c.send(b"quit")
        c.recv()
        os.waitpid(pid, 0)
    else:
        req, rsp = f"{d}/req", f"{d}/rsp"
        os.mkfifo(req)
        os.mkfifo(rsp)
        pid = os.fork()
        if pid == 0:
            a = os.open(req, os.O_RDONLY)
            b = os.open(rsp, os.O_WRONLY)
            try:
                while True:
                    x = os.read(a, 1)
                    if not x or x == b"q":
                        break
                    os.write(b, b"\x01")
            finally:
                os._exit(0)
        w = os.open(req, os.O_WRONLY)
        r = os.open(rsp, os.O_RDONLY)

        def step(i: int) -> None:
            os.write(w, b"\x01")
            os.read(r, 1)

        _, times = _timed_loop(step, seconds, 1)
        os.write(w, b"q")
        os.waitpid(pid, 0)
    return {"rtt_us": statistics.median(times) * 1e6, "p99_us": sorted(times)[int(len(times) * 0.99)] * 1e6}


def run_worker(args: argparse.Namespace) -> None:
    impl, n, s, game = args.worker, args.n, args.seconds, args.game
    if impl.startswith("ours"):
        gid = {
            "standard": "coinrun/CoinRun-v0",
            "maze": "coinrun/RandomMazes-v0",
            "platform": "coinrun/CoinRunPlatforms-v0",
        }[game]
        res = worker_ours(impl, n, s, gid)
    elif impl.startswith("procgen"):
        res = worker_procgen(impl, n, s, {"standard": "coinrun", "maze": "maze"}[game])
    elif impl.startswith("envpool"):
        res = worker_envpool(impl, n, s, {"standard": "CoinrunHard-v0", "maze": "MazeHard-v0"}[game])
    elif impl.startswith("rtt_"):
        res = worker_rtt(impl[4:], n, s)
    else:
        raise SystemExit(f"unknown worker {impl}")
    print("RESULT " + json.dumps(res), flush=True)


# ---------------------------------------------------------------------------------------
# Orchestrator


@dataclass
class Job:
    impl: str
    n: int
    game: str = "standard"
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def python(self) -> Path:
        return OURS_PY if self.impl.startswith(("ours", "rtt_")) else PEERS_PY

    def key(self) -> str:
        return f"{self.impl}/{self.game}/{self.n}"


def run_job(job: Job, seconds: float) -> None:
    cmd = [
        str(job.python),
        str(Path(__file__).resolve()),
        "--worker",
        job.impl,
        "--n",
        str(job.n),
        "--seconds",
        str(seconds),
        "--game",
        job.game,
    ]
    env = dict(os.environ)
    env.setdefault("COINRUN_ENGINE", str(ROOT / "build-perf" / "coinrun-engine"))
    env["PYTHONPATH"] = str(ROOT / "pyclient")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 3 + 60, env=env)
    except subprocess.TimeoutExpired:
        print(f"  {job.key()}: timed out", file=sys.stderr)
        return
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            job.runs.append(json.loads(line[7:]))
            return
    print(f"  {job.key()}: failed rc={p.returncode}: {p.stderr[-600:]}", file=sys.stderr)


def med(job: Job, k: str) -> float | None:
    vals = [r[k] for r in job.runs if k in r]
    return statistics.median(vals) if vals else None


def bench_engine(binary: Path, envs: list[int], seconds: float, repeats: int, games: list[str]) -> list[dict[str, Any]]:
    out = []
    for g in games:
        for extra in ([], ["--no-render"]):
            if extra and g != "standard":
                continue
            cmd = [
                str(binary),
                "--game",
                g,
                "--envs",
                ",".join(map(str, envs)),
                "--threads",
                "1,2",
                "--seconds",
                str(seconds),
                "--repeats",
                str(repeats),
                *extra,
            ]
            try:
                p = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=len(envs) * 2 * (seconds * repeats + 2) + 60
                )
            except subprocess.TimeoutExpired:
                continue
            if p.returncode != 0:
                print(f"bench_engine {' '.join(extra)} failed: {p.stderr[-300:]}", file=sys.stderr)
                continue
            for line in p.stdout.splitlines():
                if line.startswith("{"):
                    d = json.loads(line)
                    d["render"] = not extra
                    out.append(d)
    return out


def fmt(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x / 1000:.1f}k" if x >= 1000 else f"{x:.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=64, help=argparse.SUPPRESS)
    ap.add_argument("--game", default="standard", help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--envs", default="1,16,64,256")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--no-engine", action="store_true", help="skip bench_engine")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.worker:
        run_worker(args)
        return

    ns = [int(x) for x in args.envs.split(",")]
    impls = ["ours_sync", "ours_async", "ours_sync_nospin"]
    peers_ok = PEERS_PY.exists() and not args.no_peers
    if not peers_ok and not args.no_peers:
        print("no .venv-peers: run tools/install_peers.sh (peers skipped)", file=sys.stderr)
    if peers_ok:
        impls += ["procgen_t0", "procgen_t4", "envpool_sync", "envpool_async"]
    jobs = [Job(i, n) for n in ns for i in impls]
    # Bare round trips at the same sizes, and the other games at 64 envs.
    jobs += [Job(f"rtt_{k}", n) for n in ns for k in ("zmq", "fifo")]
    jobs.append(Job("ours_idle", 1))
    side_n = 64 if 64 in ns else ns[-1]
    jobs += [Job("ours_sync", side_n, g) for g in ("maze", "platform")]
    if peers_ok:
        jobs += [Job("procgen_t4", side_n, "maze"), Job("envpool_sync", side_n, "maze")]
    load0 = os.getloadavg()
    t_start = time.time()
    for r in range(args.repeats):
        for job in jobs:
            run_job(job, args.seconds)
        print(
            f"repeat {r + 1}/{args.repeats} done ({time.time() - t_start:.0f}s, load {os.getloadavg()[0]:.2f})",
            file=sys.stderr,
            flush=True,
        )
    load1 = os.getloadavg()
    by = {j.key(): j for j in jobs}

    def rate(impl: str, n: int, game: str = "standard") -> float | None:
        j = by.get(f"{impl}/{game}/{n}")
        return med(j, "steps_per_s") if j else None

    engine: list[dict[str, Any]] = []
    binary = ROOT / "build-perf" / "bench_engine"
    if not args.no_engine and binary.exists():
        engine = bench_engine(binary, ns, min(args.seconds, 2.0), args.repeats, ["standard", "maze", "platform"])

    def eng(n: int, render: bool = True, game: str = "standard") -> float | None:
        v = [d["steps_per_s"] for d in engine if d["envs"] == n and d["render"] == render and d["game"] == game]
        return max(v) if v else None

    def floor(n: int) -> float | None:
        # Floor = frame write + logic with rendering off: 1 / (1/write + 1/logic), best threads.
        v = [d for d in engine if d["envs"] == n and not d["render"] and d["game"] == "standard"]
        if not v:
            return None
        best = max(v, key=lambda d: d["steps_per_s"])
        return 1.0 / (1.0 / best["steps_per_s"] + 1.0 / best["frame_write_floor_steps_per_s"])

    lines = []
    lines.append("| env-steps/s (median) | " + " | ".join(f"{n} env{'s' if n > 1 else ''}" for n in ns) + " |")
    lines.append("|---|" + "---:|" * len(ns))
    rows = [
        ("**ours, sync** (`gymnasium.make_vec`, engine process)", lambda n: rate("ours_sync", n)),
        ("**ours, async** (send/recv, batch N/2)", lambda n: rate("ours_async", n)),
        ("ours, sync, doorbell without spinning (`spin_us=0`)", lambda n: rate("ours_sync_nospin", n)),
    ]
    if peers_ok:
        rows += [
            ("Procgen, gym3, num_threads=0", lambda n: rate("procgen_t0", n)),
            ("Procgen, gym3, num_threads=4 (default)", lambda n: rate("procgen_t4", n)),
            ("EnvPool, sync, 2 threads", lambda n: rate("envpool_sync", n)),
            ("EnvPool, async (batch N/2), 2 threads", lambda n: rate("envpool_async", n)),
        ]
    if engine:
        rows += [
            ("engine only (bench_engine, best of 1/2 threads)", lambda n: eng(n)),
            ("floor: frame write + logic, rendering off", floor),
        ]
    for name, f in rows:
        lines.append(f"| {name} | " + " | ".join(fmt(f(n)) for n in ns) + " |")

    def best_peer(n: int) -> float | None:
        v = [x for x in (rate(i, n) for i in ("procgen_t0", "procgen_t4", "envpool_sync", "envpool_async")) if x]
        return max(v) if v else None

    summary: dict[str, Any] = {"ratios": {}}
    if peers_ok:
        lines.append("")
        lines.append("| ratio vs the faster peer | " + " | ".join(str(n) for n in ns) + " |")
        lines.append("|---|" + "---:|" * len(ns))
        for impl in ("ours_sync", "ours_async"):
            cells = []
            for n in ns:
                a, b = rate(impl, n), best_peer(n)
                r_ = a / b if a and b else None
                summary["ratios"][f"{impl}/{n}"] = r_
                cells.append(f"{r_:.2f}x" if r_ else "—")
            lines.append(f"| {impl} | " + " | ".join(cells) + " |")
    if engine:
        lines.append("")
        lines.append("| engine vs floor | " + " | ".join(str(n) for n in ns) + " |")
        lines.append("|---|" + "---:|" * len(ns))
        lines.append(
            "| floor / engine (target <= 1.5) | "
            + " | ".join(f"{floor(n) / eng(n):.2f}" if floor(n) and eng(n) else "—" for n in ns)
            + " |"
        )

    lines.append("")
    lines.append("| IPC per sync batch step (median us) | " + " | ".join(str(n) for n in ns) + " |")
    lines.append("|---|" + "---:|" * len(ns))
    for name, k, impl in (
        ("client step time", "client_step_us", "ours_sync"),
        ("engine-reported step time", "engine_step_us", "ours_sync"),
        ("overhead = client - engine", "ipc_overhead_us", "ours_sync"),
        ("bare FIFO 1-byte ping-pong (doorbell equivalent)", "rtt_us", "rtt_fifo"),
        ("bare ZeroMQ ipc REQ/REP (n*4+64 B / 64 B)", "rtt_us", "rtt_zmq"),
    ):
        cells = []
        for n in ns:
            j = by.get(f"{impl}/standard/{n}")
            v = med(j, k) if j else None
            cells.append(f"{v:.0f}" if v is not None else "—")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    lines.append("")
    lines.append(
        "| async / sync (target >= 1 at 16+ envs, >= 0.9 at 1) | "
        + " | ".join(
            f"{rate('ours_async', n) / rate('ours_sync', n):.2f}"
            if rate("ours_async", n) and rate("ours_sync", n)
            else "—"
            for n in ns
        )
        + " |"
    )
    idle = by.get("ours_idle/standard/1")
    if idle and idle.runs:
        e, c = med(idle, "engine_idle_cpu_pct"), med(idle, "client_idle_cpu_pct")
        summary["idle_cpu_pct"] = {"engine": e, "client": c}
        lines.append("")
        lines.append(
            f"Idle env (1 env stepped 2000 times, then left alone 5 s): engine {e:.2f}% of a core, client {c:.2f}%."
        )

    big = max(ns)
    lines.append("")
    lines.append(f"| peak RSS at {big} envs | total MiB | KiB per env |")
    lines.append("|---|---:|---:|")
    for impl in ("ours_sync", "ours_async", "procgen_t0", "procgen_t4", "envpool_sync", "envpool_async"):
        j = by.get(f"{impl}/standard/{big}")
        if not j or not j.runs:
            continue
        if impl.startswith("ours"):
            kib = med(j, "client_peak_kib") + med(j, "engine_peak_kib")
            label = f"{impl} (client + engine process)"
        else:
            kib = med(j, "peak_kib")
            label = impl
        summary[f"rss_kib_per_env/{impl}"] = kib / big
        lines.append(f"| {label} | {kib / 1024:.0f} | {kib / big:.0f} |")

    lines.append("")
    lines.append(f"| other games at {side_n} envs | env-steps/s | vs CoinRun |")
    lines.append("|---|---:|---:|")
    base_ = rate("ours_sync", side_n)
    for g in ("maze", "platform"):
        v = rate("ours_sync", side_n, g)
        lines.append(
            f"| ours sync, {g} | {fmt(v)} | {v / base_:.2f} |" if v and base_ else f"| ours sync, {g} | — | — |"
        )
        e, es = eng(side_n, True, g), eng(side_n)
        if e and es:
            lines.append(f"| engine only, {g} | {fmt(e)} | {e / es:.2f} |")
    for impl in ("procgen_t4", "envpool_sync"):
        v, b = rate(impl, side_n, "maze"), rate(impl, side_n)
        if v and b:
            lines.append(f"| {impl}, maze | {fmt(v)} | {v / b:.2f} |")

    text = "\n".join(lines)
    print(text)
    print(
        f"\nload average before {load0[0]:.2f}, after {load1[0]:.2f}; {args.repeats} interleaved repeats of "
        f"{args.seconds:g} s; {time.time() - t_start:.0f} s in all"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "machine": {
                        "nproc": os.cpu_count(),
                        "platform": platform.platform(),
                        "load_before": load0,
                        "load_after": load1,
                    },
                    "args": {"seconds": args.seconds, "repeats": args.repeats, "envs": ns},
                    "jobs": {j.key(): j.runs for j in jobs},
                    "engine": engine,
                    "summary": summary,
                    "table_md": text,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()

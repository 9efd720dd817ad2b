"""Time get_state / set_state of 64 envs through the Python client, and the state size
(docs/state.md, "Figures"). Run: COINRUN_ENGINE=build/coinrun-engine python tools/bench_state.py"""

from __future__ import annotations

import argparse
import statistics
import time

import coinrun
import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--num-envs", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--warmup-steps", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    for game in ("coinrun/CoinRun-v0", "coinrun/CoinRunPlatforms-v0", "coinrun/RandomMazes-v0"):
        for aug in (False, True):
            venv = coinrun.make_vec(
                game, num_envs=args.num_envs, num_levels=500, use_data_augmentation=aug, num_threads=args.threads
            )
            try:
                venv.reset(seed=0)
                rng = np.random.default_rng(0)
                for _ in range(args.warmup_steps):
                    venv.step(rng.integers(0, 7, size=args.num_envs))
                get_t, set_t = [], []
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    states = venv.get_state()
                    t1 = time.perf_counter()
                    venv.set_state(states)
                    t2 = time.perf_counter()
                    get_t.append(t1 - t0)
                    set_t.append(t2 - t1)
                sizes = [len(s) for s in states]
                print(
                    f"{game:30s} aug={int(aug)} n={args.num_envs} threads={args.threads} "
                    f"size mean {statistics.mean(sizes):7.0f} B max {max(sizes):5d} B total "
                    f"{sum(sizes) / 1024:6.1f} KiB | get {1e3 * statistics.median(get_t):6.2f} ms "
                    f"set {1e3 * statistics.median(set_t):6.2f} ms (median of {args.repeats})",
                    flush=True,
                )
            finally:
                venv.close()


if __name__ == "__main__":
    main()

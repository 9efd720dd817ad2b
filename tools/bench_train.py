"""Training throughput, side by side: train/ppo.py against CleanRL's ppo_procgen.py on
Procgen CoinRun, same configuration (IMPALA-CNN, 64 games x 256 steps, 8 minibatches,
3 epochs by default), back to back on the same machine. Prints the env-steps/s of each after
the same number of updates and the ratio. A benchmark, not a test: run it on a quiet machine
and quote medians over --repeats.

CleanRL's script is a peer, not part of this project: get `cleanrl/ppo_procgen/ppo_procgen.py`
from https://github.com/vwxyzjn/cleanrl and a Python that runs it (numpy<2, procgen2==0.10.7,
gym==0.23.1, torch, tyro, tensorboard; docs/performance.md has the line), then

    python tools/bench_train.py --cleanrl /path/to/ppo_procgen.py --cleanrl-python /path/to/venv/bin/python
    python tools/bench_train.py ... --device cuda --updates 5        # the GPU figure
    python tools/bench_train.py ... --ours-only --ours-args "--bf16 on"   # one of our variants
"""

from __future__ import annotations

import argparse
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUR_SPS = re.compile(r"^step ([\d,]+) .* sps (\d+)", re.MULTILINE)
CLEANRL_SPS = re.compile(r"^SPS: (\d+)", re.MULTILINE)


def run(cmd: list[str], cwd: Path, pattern: re.Pattern[str], updates: int, timeout: float) -> tuple[float, float]:
    """Runs one trainer; returns (env-steps/s after `updates` updates, wall seconds)."""
    print("$", shlex.join(cmd), flush=True)
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.time() - t0
    out = proc.stdout + proc.stderr
    found = [float(m.groups()[-1]) for m in pattern.finditer(out)]
    if proc.returncode != 0 or len(found) < updates:
        sys.exit(f"{cmd[1]} failed (exit {proc.returncode}, {len(found)} of {updates} updates):\n{out[-3000:]}")
    return found[updates - 1], wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cleanrl", type=Path, help="path of CleanRL's ppo_procgen.py (unchanged)")
    p.add_argument("--cleanrl-python", default=sys.executable, help="Python that has procgen2 and gym 0.23")
    p.add_argument("--python", default=sys.executable, help="Python of this project (its .venv)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--updates", type=int, default=2, help="PPO updates per run; the figure is the cumulative "
                   "env-steps/s after the last one, as both scripts print it")
    p.add_argument("--repeats", type=int, default=1, help="alternating runs of each; medians are reported")
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--num-steps", type=int, default=256)
    p.add_argument("--num-minibatches", type=int, default=8)
    p.add_argument("--update-epochs", type=int, default=3)
    p.add_argument("--ours-args", default="", help="extra flags for train/ppo.py (e.g. \"--bf16 on\")")
    p.add_argument("--ours-only", action="store_true", help="skip CleanRL")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    a = p.parse_args()
    if not a.ours_only and (a.cleanrl is None or not a.cleanrl.is_file()):
        p.error("--cleanrl PATH/ppo_procgen.py is required (see the top of this file for where to get it), "
                "or pass --ours-only")
    steps = a.updates * a.num_envs * a.num_steps
    shared = ["--num-envs", str(a.num_envs), "--num-steps", str(a.num_steps), "--num-minibatches",
              str(a.num_minibatches), "--update-epochs", str(a.update_epochs), "--total-timesteps", str(steps)]
    ours = [a.python, str(REPO / "train" / "ppo.py"), *shared, "--architecture", "impala", "--num-levels", "0",
            "--device", a.device, "--no-progress", "--no-final-eval", "--save-interval", "0", "--overwrite",
            "--run-id", "bench_train", *shlex.split(a.ours_args)]
    cleanrl = [a.cleanrl_python, str(a.cleanrl), *shared, "--env-id", "coinrun",
               *(["--no-cuda"] if a.device == "cpu" else ["--cuda"])]
    print(f"configuration: IMPALA-CNN, {a.num_envs} games x {a.num_steps} steps, {a.num_minibatches} "
          f"minibatches, {a.update_epochs} epochs, {a.updates} updates ({steps:,} env-steps) per run, on {a.device}")
    results: dict[str, list[float]] = {"ours": [], "cleanrl": []}
    with tempfile.TemporaryDirectory(prefix="bench_train_") as tmp:
        for r in range(a.repeats):
            sps, wall = run(ours, Path(tmp), OUR_SPS, a.updates, a.timeout)
            results["ours"].append(sps)
            print(f"  [{r + 1}/{a.repeats}] ours: {sps:,.0f} env-steps/s ({wall:.0f} s wall)", flush=True)
            if not a.ours_only:
                sps, wall = run(cleanrl, Path(tmp), CLEANRL_SPS, a.updates, a.timeout)
                results["cleanrl"].append(sps)
                print(f"  [{r + 1}/{a.repeats}] CleanRL: {sps:,.0f} env-steps/s ({wall:.0f} s wall)", flush=True)
    ours_med = statistics.median(results["ours"])
    print(f"ours:    {ours_med:,.0f} env-steps/s (median of {a.repeats}: {results['ours']})")
    if not a.ours_only:
        clean_med = statistics.median(results["cleanrl"])
        print(f"CleanRL: {clean_med:,.0f} env-steps/s (median of {a.repeats}: {results['cleanrl']})")
        print(f"ratio ours / CleanRL: {ours_med / clean_med:.2f}")


if __name__ == "__main__":
    main()

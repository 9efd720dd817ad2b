"""The paper's generalization experiment as one command (Cobbe et al. 2018, docs/reproducing.md §5):
one PPO agent per (number of training levels, architecture, seed), each evaluated on its
training levels and on unseen high-difficulty test levels with 95% intervals, next to a
random agent; a results JSON and the paper-style figure (% solved against the number of
training levels, log axis, unlimited at the right).

    python train/sweep.py --num-levels 25 100 500 0 --architectures nature --total-timesteps 500000
    python train/sweep.py --help

Resumable: finished runs are skipped, an interrupted one resumes from its checkpoint (saved
every --save-interval updates), so re-running the same command continues the sweep. A finished
run evaluated with fewer or more episodes than --num-eval x --rep asks is evaluated again from
its checkpoint (no training), so tighter intervals cost only evaluation time. Runs go one
after another, --jobs N at a time, or are spread over processes or machines with --rank/--world-size
(or torchrun's RANK/WORLD_SIZE): rank r takes runs r, r+W, ... With a shared --out-dir every rank
writes its results there; `--aggregate-only` then writes the JSON and figure from whatever is done.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
import tyro
from coinrun_rl.checkpoints import LOG_DIR, CheckpointError, checkpoint_path, resolve_checkpoint
from coinrun_rl.config import Args, GameType, finalize_args
from coinrun_rl.evaluation import load_agent, train_test_evaluation
from coinrun_rl.figures import draw_figure

PPO = Path(__file__).resolve().parent / "ppo.py"
# The sweep may itself be one rank of a torchrun; its runs are single-process training jobs
# that must not join a process group.
TORCHRUN_VARIABLES = (
    "RANK",
    "WORLD_SIZE",
    "LOCAL_RANK",
    "LOCAL_WORLD_SIZE",
    "GROUP_RANK",
    "ROLE_RANK",
    "MASTER_ADDR",
    "MASTER_PORT",
    "TORCHELASTIC_RUN_ID",
)


@dataclass
class SweepArgs:
    """Train and evaluate one agent per setting of a grid; write the results and the figure."""

    num_levels: list[int] = field(default_factory=lambda: [25, 100, 500, 0])
    """training-set sizes (0 = unlimited levels)"""
    architectures: list[Literal["nature", "impala", "impalalarge"]] = field(default_factory=lambda: ["nature"])
    """networks to compare"""
    seeds: list[int] = field(default_factory=lambda: [1])
    """training seeds (one run per seed)"""
    total_timesteps: int = 500_000
    """env steps per run (the paper: 256M on GPUs)"""
    game_type: GameType = "standard"  # type: ignore[valid-type]
    """which game"""
    name: str = "generalization"
    """sweep name: run ids are <name>__<architecture>__lv<N>__s<seed>"""
    out_dir: Path = Path("runs/sweeps")
    """where per-run results go (<out_dir>/<name>/<run>.json)"""
    results: Path | None = None
    """results JSON (default <out_dir>/<name>.json)"""
    figure: Path | None = None
    """figure PNG (default next to the results JSON)"""
    num_eval: int = 100
    """evaluation: parallel games per split"""
    rep: int = 5
    """evaluation: episodes per game (num_eval x rep episodes per split and run)"""
    random_baseline: bool = True
    """also evaluate a uniformly random agent on each training set and on the test levels"""
    jobs: int = 1
    """runs at once on this machine (each gets cores / jobs torch threads)"""
    rank: int = int(os.environ.get("RANK", "0"))
    """this process's share of the grid: runs rank, rank + world_size, ..."""
    world_size: int = int(os.environ.get("WORLD_SIZE", "1"))
    """number of processes sharing the grid"""
    aggregate_only: bool = False
    """train nothing; write the JSON and figure from the finished runs"""
    save_interval: int = 5
    """checkpoint every this many updates, so an interrupted run loses little"""
    device: str = "auto"
    """device of every run"""
    extra: str = ""
    """more train/ppo.py flags for every run, e.g. "--num-envs 64" """


@dataclass(frozen=True)
class Run:
    num_levels: int
    architecture: str
    seed: int

    def run_id(self, sweep: SweepArgs) -> str:
        return f"{sweep.name}__{self.architecture}__lv{self.num_levels}__s{self.seed}"


def grid(sweep: SweepArgs) -> list[Run]:
    return [Run(n, a, s) for a in sweep.architectures for n in sweep.num_levels for s in sweep.seeds]


def result_path(sweep: SweepArgs, run_id: str) -> Path:
    return sweep.out_dir / sweep.name / f"{run_id}.json"


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in TORCHRUN_VARIABLES}


def run_device(sweep: SweepArgs) -> str:
    """With several GPUs, the processes of one machine take one each (torchrun's LOCAL_RANK)."""
    if sweep.device in ("auto", "cuda") and torch.cuda.device_count() > 1:
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0')) % torch.cuda.device_count()}"
    return sweep.device


def train_command(sweep: SweepArgs, run: Run, threads: int) -> list[str]:
    run_id = run.run_id(sweep)
    cmd = [
        sys.executable,
        str(PPO),
        "--run-id",
        run_id,
        "--no-progress",
        "--device",
        run_device(sweep),
        "--save-interval",
        str(sweep.save_interval),
        "--num-eval",
        str(sweep.num_eval),
        "--rep",
        str(sweep.rep),
        "--total-timesteps",
        str(sweep.total_timesteps),
        "--no-random-baseline",  # the sweep evaluates the random agent once per training set
    ]
    if threads:
        cmd += ["--torch-threads", str(threads)]
    try:
        resolve_checkpoint(run_id)
        return cmd + ["--restore-id", run_id]  # resume: everything else comes from the checkpoint
    except CheckpointError:
        pass
    return cmd + [
        "--overwrite",
        "--num-levels",
        str(run.num_levels),
        "--architecture",
        run.architecture,
        "--seed",
        str(run.seed),
        "--game-type",
        sweep.game_type,
        *sweep.extra.split(),
    ]


def do_run(sweep: SweepArgs, run: Run, threads: int, progress: Any) -> dict[str, Any]:
    """Train (or resume) one run in its own process, following its steps on the sweep's bar."""
    run_id = run.run_id(sweep)
    cmd = train_command(sweep, run, threads)
    started, last_step = time.time(), 0
    log = sweep.out_dir / sweep.name / f"{run_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(log, "a") as f,
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=child_env()) as p,
    ):
        assert p.stdout is not None
        for line in p.stdout:
            f.write(line)
            f.flush()
            if line.startswith("resumed "):  # steps already done count as done
                last_step = int(line.split("step ")[1].replace(",", ""))
                progress.update(last_step)
            elif line.startswith("step "):
                step = int(line.split()[1].replace(",", ""))
                progress.update(step - last_step)
                last_step = step
    if p.returncode != 0:
        raise RuntimeError(
            f"run {run_id} failed (exit {p.returncode}); its output is in {log}; re-run the sweep to resume it"
        )
    final = json.loads((LOG_DIR / run_id / "final_eval.json").read_text())
    result = {
        "run_id": run_id,
        **row(run.num_levels, run.architecture, final["global_step"], run.seed, sweep, final),
        "wall_seconds": round(time.time() - started),
        "checkpoint": str(checkpoint_path(run_id)),
    }
    path = result_path(sweep, run_id)
    path.write_text(json.dumps(result, indent=2))
    return result


def evaluated_as_asked(sweep: SweepArgs, result: dict[str, Any]) -> bool:
    episodes = sweep.num_eval * sweep.rep
    return result["train_episodes"] == episodes and result["test_episodes"] == episodes


def reevaluate(sweep: SweepArgs, run: Run) -> dict[str, Any]:
    """Evaluate a finished run again from its checkpoint with the sweep's episode count."""
    path = result_path(sweep, run.run_id(sweep))
    result = json.loads(path.read_text())
    device = torch.device(run_device(sweep).replace("auto", "cuda" if torch.cuda.is_available() else "cpu"))
    agent, args = load_agent(result["checkpoint"], device)
    agent.eval()
    started = time.time()
    res = train_test_evaluation(
        agent, args, num_eval=sweep.num_eval, rep=sweep.rep, device=device, seed=args.seed + 7919, show_progress=False
    )
    result.update(row(run.num_levels, run.architecture, result["steps"], run.seed, sweep, res))
    result["eval_wall_seconds"] = round(time.time() - started)
    path.write_text(json.dumps(result, indent=2))
    return result


def row(
    num_levels: int, architecture: str, steps: int, seed: int, sweep: SweepArgs, evaluation: dict[str, Any]
) -> dict[str, Any]:
    """One line of the results JSON from a train/test evaluation."""
    out: dict[str, Any] = {
        "num_levels": num_levels,
        "architecture": architecture,
        "steps": steps,
        "seed": seed,
        "game_type": sweep.game_type,
    }
    for split in ("train", "test"):
        out.update(
            {
                f"{split}_solved": evaluation[split]["percent_solved"],
                f"{split}_ci": evaluation[split]["percent_solved_ci95"],
                f"{split}_episodes": evaluation[split]["episodes"],
            }
        )
    return out


def random_baselines(sweep: SweepArgs) -> list[dict[str, Any]]:
    """A uniformly random agent on each training set and on the test levels (cached)."""
    out = []
    for n in sweep.num_levels:
        path = sweep.out_dir / sweep.name / f"random__lv{n}.json"
        if not path.exists() or not evaluated_as_asked(sweep, json.loads(path.read_text())):
            args = finalize_args(Args(num_levels=n, game_type=sweep.game_type, run_id="random"), 1, torch.device("cpu"))
            res = train_test_evaluation(
                None,
                args,
                num_eval=sweep.num_eval,
                rep=sweep.rep,
                device=torch.device("cpu"),
                seed=4242,
                show_progress=False,
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(row(n, "random", 0, 4242, sweep, res), indent=2))
        out.append(json.loads(path.read_text()))
    return out


def aggregate(sweep: SweepArgs) -> Path:
    """Collect the finished runs into the results JSON and draw the figure."""
    runs = [json.loads(p.read_text()) for r in grid(sweep) if (p := result_path(sweep, r.run_id(sweep))).exists()]
    baselines = random_baselines(sweep) if sweep.random_baseline else []
    results = sweep.results or sweep.out_dir / f"{sweep.name}.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(
        json.dumps(
            {
                "runs": runs,
                "random": baselines,
                "grid": {
                    "num_levels": sweep.num_levels,
                    "architectures": sweep.architectures,
                    "seeds": sweep.seeds,
                    "total_timesteps": sweep.total_timesteps,
                },
                "evaluation": {"num_eval": sweep.num_eval, "rep": sweep.rep},
            },
            indent=2,
        )
        + "\n"
    )
    figure = sweep.figure or results.with_suffix(".png")
    draw_figure(runs, baselines, figure)
    print(f"wrote {results} ({len(runs)} of {len(grid(sweep))} runs) and {figure}")
    return results


def main(sweep: SweepArgs) -> None:
    if sweep.world_size < 1 or not 0 <= sweep.rank < sweep.world_size:
        sys.exit(f"sweep.py: rank {sweep.rank} is not in 0..world_size-1 ({sweep.world_size})")
    if sweep.jobs < 1:
        sys.exit(f"sweep.py: --jobs must be >= 1, got {sweep.jobs}")
    if not sweep.aggregate_only:
        mine = grid(sweep)[sweep.rank :: sweep.world_size]
        todo = [r for r in mine if not result_path(sweep, r.run_id(sweep)).exists()]
        stale = [
            r
            for r in mine
            if r not in todo
            and not evaluated_as_asked(sweep, json.loads(result_path(sweep, r.run_id(sweep)).read_text()))
        ]
        print(
            f"sweep {sweep.name}: {len(grid(sweep))} runs in the grid, {len(mine)} for rank {sweep.rank}, "
            f"{len(mine) - len(todo)} done, {len(todo)} to do ({sweep.total_timesteps:,} steps each)"
            + (
                f", {len(stale)} to evaluate again with {sweep.num_eval * sweep.rep} episodes per split"
                if stale
                else ""
            ),
            flush=True,
        )
        for r in stale:
            result = reevaluate(sweep, r)
            print(
                f"{result['run_id']}: evaluated again: train {result['train_solved']:.1f}% "
                f"test {result['test_solved']:.1f}% ({result['eval_wall_seconds']} s)",
                flush=True,
            )
        from tqdm import tqdm

        threads = max(1, (os.cpu_count() or 1) // sweep.jobs) if sweep.jobs > 1 else 0
        with (
            tqdm(
                total=len(todo) * sweep.total_timesteps, unit="step", unit_scale=True, dynamic_ncols=True, desc="sweep"
            ) as bar,
            ThreadPoolExecutor(sweep.jobs) as pool,
        ):
            for result in pool.map(lambda r: do_run(sweep, r, threads, bar), todo):
                tqdm.write(
                    f"{result['run_id']}: train {result['train_solved']:.1f}% test "
                    f"{result['test_solved']:.1f}% ({result['wall_seconds']} s)"
                )
    if sweep.rank == 0:
        aggregate(sweep)


if __name__ == "__main__":
    main(tyro.cli(SweepArgs))

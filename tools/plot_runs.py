"""Learning curves and generalization gaps from train/ppo.py runs, as PNG.

    python tools/plot_runs.py runs/myrun --out docs/img/learning_curve.png
    python tools/plot_runs.py runs/nlev100 runs/nlev500 runs/nlev2000 \\
        --out curves.png --gap-out docs/img/generalization_gap.png

Learning curve: train (solid) and test (dashed, runs with --test) "% levels solved" over
the last 100 episodes, against environment steps, read from the TensorBoard logs. Final
evaluations (runs/<id>/final_eval.json) are drawn as markers at the end, and a random
agent's result (an evaluate.py JSON) as horizontal lines.

Generalization gap: final train and test % solved against --num-levels, one point per run
(the runs need final_eval.json); the paper's Figure 2 in small.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt
from tensorboard.backend.event_processing.event_accumulator import (
    EventAccumulator,
)

TRAIN_TAG = {"solved": "charts/levels_solved", "return": "charts/episodic_return"}
TEST_TAG = {"solved": "test/levels_solved", "return": "test/episodic_return"}
YLABEL = {"solved": "% levels solved (last 100 episodes)", "return": "mean episode return"}
EVAL_KEY = {"solved": "percent_solved", "return": "mean_return"}


@dataclass
class Run:
    path: Path
    name: str
    train: tuple[list[int], list[float]] = field(default_factory=lambda: ([], []))
    test: tuple[list[int], list[float]] = field(default_factory=lambda: ([], []))
    final: dict | None = None


def ema(values: list[float], weight: float) -> list[float]:
    """TensorBoard-style exponential smoothing (weight 0 = none)."""
    out, last = [], None
    for v in values:
        last = v if last is None else weight * last + (1 - weight) * v
        out.append(last)
    return out


def load_run(path: Path, metric: str) -> Run:
    if not path.is_dir():
        raise SystemExit(f"{path}: not a run directory (expected runs/<run_id>)")
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0})
    acc.Reload()
    tags = set(acc.Tags().get("scalars", []))
    run = Run(path=path, name=path.name)
    for attr, tag in (("train", TRAIN_TAG[metric]), ("test", TEST_TAG[metric])):
        if tag in tags:
            events = acc.Scalars(tag)
            setattr(run, attr, ([e.step for e in events], [e.value for e in events]))
    if not tags:
        raise SystemExit(f"{path}: no TensorBoard scalars (is it a train/ppo.py log directory?)")
    if not run.train[0]:
        # A very short run may end before any episode does; its final evaluation still plots.
        print(f"{path}: no '{TRAIN_TAG[metric]}' points yet (no episode finished during training)")
    final = path / "final_eval.json"
    if final.exists():
        run.final = json.loads(final.read_text())
    return run


def plot_curves(runs: list[Run], metric: str, out: Path, smooth: float,
                random_eval: dict | None, title: str) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, run in enumerate(runs):
        c = colors[i % len(colors)]
        ax.plot(run.train[0], ema(run.train[1], smooth), color=c, label=f"{run.name} train")
        if run.test[0]:
            ax.plot(run.test[0], ema(run.test[1], smooth), color=c, ls="--",
                    label=f"{run.name} test (unseen, hard)")
        if run.final is not None:
            step = run.final.get("global_step", run.train[0][-1] if run.train[0] else 0)
            for mode, marker in (("train", "o"), ("test", "s")):
                if mode in run.final:
                    ax.plot([step], [run.final[mode][EVAL_KEY[metric]]], marker=marker, color=c,
                            ms=7, ls="none", label=f"{run.name} final {mode} eval")
    if random_eval is not None:
        for mode, ls in (("train", ":"), ("test", "-.")):
            if mode in random_eval:
                ax.axhline(random_eval[mode][EVAL_KEY[metric]], color="gray", ls=ls,
                           label=f"random agent, {mode} levels")
    ax.set_xlabel("environment steps")
    ax.set_ylabel(YLABEL[metric])
    if metric == "solved":
        ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    print(f"wrote {out}")


def plot_gap(runs: list[Run], out: Path) -> None:
    """The paper-style figure of train/sweep.py (train/coinrun_rl/figures.py), from the final
    evaluations of these runs."""
    from coinrun_rl.figures import draw_figure

    rows = []
    for run in runs:
        if run.final is None or "train" not in run.final or "test" not in run.final:
            print(f"skipping {run.name} in the gap plot: no final_eval.json with train and test")
            continue
        args = run.final.get("args", {})
        num_levels = args.get("num_levels", run.final["train"]["env"]["num_levels"])
        row = {"num_levels": num_levels, "architecture": args.get("architecture", "impala"),
               "steps": run.final.get("global_step", 0), "seed": args.get("seed", 0)}
        for split in ("train", "test"):
            row[f"{split}_solved"] = run.final[split]["percent_solved"]
            row[f"{split}_ci"] = run.final[split]["percent_solved_ci95"]
        rows.append(row)
    if not rows:
        raise SystemExit("--gap-out: none of the runs has a final_eval.json")
    draw_figure(rows, [], out)
    print(f"wrote {out}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("runs", nargs="+", type=Path, help="run log directories (runs/<run_id>)")
    p.add_argument("--out", type=Path, default=Path("learning_curve.png"), help="curve PNG")
    p.add_argument("--gap-out", type=Path, default=None,
                   help="also write the generalization figure (train/test %% solved vs num_levels)")
    p.add_argument("--metric", choices=sorted(TRAIN_TAG), default="solved")
    p.add_argument("--smooth", type=float, default=0.6, help="EMA weight in [0, 1)")
    p.add_argument("--random", type=Path, default=None,
                   help="evaluate.py --random-agent JSON, drawn as baselines")
    p.add_argument("--title", default="CoinRun PPO")
    a = p.parse_args()
    if not 0 <= a.smooth < 1:
        p.error(f"--smooth must be in [0, 1), got {a.smooth}")
    runs = [load_run(path, a.metric) for path in a.runs]
    random_eval = json.loads(a.random.read_text()) if a.random else None
    plot_curves(runs, a.metric, a.out, a.smooth, random_eval, a.title)
    if a.gap_out is not None:
        plot_gap(runs, a.gap_out)


if __name__ == "__main__":
    main()

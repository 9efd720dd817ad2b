"""The paper-style generalization figure: % of levels solved on training and on unseen test
levels against the number of training levels (log axis, unlimited at the right), one colour
per architecture, train dashed and test solid, 95% intervals as bars, the random agent grey."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

COLOURS = {"nature": "tab:blue", "impala": "tab:orange", "impalalarge": "tab:green", "random": "0.5"}


def level_axis(values: list[int]) -> tuple[dict[int, float], list[float], list[str]]:
    """x position of each num_levels; 0 (unlimited) one decade right of the largest."""
    finite = sorted({v for v in values if v > 0}) or [1]
    unlimited_x = 10 ** (math.log10(max(finite)) + 1)
    pos = {v: float(v) if v > 0 else unlimited_x for v in set(values)}
    ticks = sorted(pos.values())
    labels = [str(v) if v > 0 else "unlimited" for v in sorted(pos, key=lambda v: pos[v])]
    return pos, ticks, labels


def draw_figure(runs: list[dict[str, Any]], baselines: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = runs + baselines
    if not rows:
        raise SystemExit(f"no finished runs to draw into {out}")
    pos, ticks, labels = level_axis([r["num_levels"] for r in rows])
    fig, ax = plt.subplots(figsize=(7, 4.8), dpi=120)
    for arch in [a for a in COLOURS if any(r["architecture"] == a for r in rows)]:
        mine = [r for r in rows if r["architecture"] == arch]
        # Seeds of one setting are averaged; the bar spans the widest of their intervals.
        by_levels: dict[int, list[dict[str, Any]]] = {}
        for r in mine:
            by_levels.setdefault(r["num_levels"], []).append(r)
        levels = sorted(by_levels, key=lambda v: pos[v])
        xs = [pos[v] for v in levels]
        for split, style, marker in (("train", "--", "o"), ("test", "-", "s")):
            ys = [sum(r[f"{split}_solved"] for r in by_levels[v]) / len(by_levels[v]) for v in levels]
            lo = [y - min(r[f"{split}_ci"][0] for r in by_levels[v]) for y, v in zip(ys, levels, strict=True)]
            hi = [max(r[f"{split}_ci"][1] for r in by_levels[v]) - y for y, v in zip(ys, levels, strict=True)]
            name = "random agent" if arch == "random" else f"{arch}-CNN"
            ax.errorbar(
                xs,
                ys,
                yerr=[lo, hi],
                fmt=style,
                marker=marker,
                capsize=3,
                color=COLOURS[arch],
                alpha=0.6 if arch == "random" else 1.0,
                label=f"{name}, {split}",
            )
    steps = sorted({r["steps"] for r in runs})
    ax.set_xscale("log")
    ax.set_xticks(ticks, labels)
    ax.minorticks_off()
    ax.set_xlabel("number of training levels")
    ax.set_ylabel("% levels solved (95% CI)")
    ax.set_ylim(0, 100)
    budget = f"{steps[0]:,} steps per run" if len(steps) == 1 else "steps per run vary"
    ax.set_title(f"CoinRun generalization: train vs unseen test levels ({budget})", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)

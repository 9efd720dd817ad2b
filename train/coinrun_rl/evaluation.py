"""Scoring a policy (docs/rules.md §10.8): N games each play until K episodes have finished,
the first K of each are counted; % of levels solved with a Wilson 95% interval. Used by the
final evaluation of train/ppo.py, by train/evaluate.py and by train/sweep.py."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from .checkpoints import LOG_DIR, load_checkpoint
from .config import Args
from .envs import env_kwargs, finished_episodes, make_envs, obs_to_device
from .networks import Agent, build_agent

# Longest episode is 1002 steps (§6); an evaluation that runs far past rep x that is stuck.
MAX_EPISODE_STEPS = 1002
STEP_GUARD_FACTOR = 3
Z95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; stays inside [0, 1] even at 0% or 100%."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Exact ends at 0 and n (the formula leaves rounding dust there).
    lo = 0.0 if successes <= 0 else max(0.0, centre - half)
    hi = 1.0 if successes >= n else min(1.0, centre + half)
    return (lo, hi)


def summarize(returns: np.ndarray, lengths: np.ndarray, solved: np.ndarray) -> dict[str, Any]:
    """Aggregate per-episode results. Every game contributes exactly K episodes, so the mean
    over episodes equals the original's mean over games of (sum of K returns)/K."""
    returns = np.asarray(returns, dtype=np.float64).ravel()
    lengths = np.asarray(lengths, dtype=np.float64).ravel()
    solved = np.asarray(solved, dtype=bool).ravel()
    n = returns.size
    lo, hi = wilson_interval(float(solved.sum()), n)
    sem = returns.std(ddof=1) / math.sqrt(n) if n > 1 else float("nan")
    return {
        "episodes": int(n),
        "percent_solved": 100.0 * float(solved.mean()) if n else float("nan"),
        "percent_solved_ci95": [100.0 * lo, 100.0 * hi],
        "mean_return": float(returns.mean()) if n else float("nan"),
        "mean_return_ci95": [float(returns.mean() - Z95 * sem), float(returns.mean() + Z95 * sem)],
        "mean_length": float(lengths.mean()) if n else float("nan"),
        "episodes_detail": {
            "returns": returns.tolist(),
            "lengths": lengths.astype(int).tolist(),
            "solved": solved.tolist(),
        },
    }


def format_result(mode: str, res: dict[str, Any]) -> str:
    lo, hi = res["percent_solved_ci95"]
    return (
        f"[{mode}] {res['percent_solved']:.1f}% solved (95% CI {lo:.1f}-{hi:.1f}), "
        f"mean return {res['mean_return']:.2f}, mean length {res['mean_length']:.0f}, "
        f"{res['episodes']} episodes"
    )


def with_settings(res: dict[str, Any], args: Args, test: bool, **extra: Any) -> dict[str, Any]:
    """A `summarize` result plus what was evaluated: the split and the engine options."""
    res.update({**extra, "test": test, "env": {"game_type": args.game_type, **env_kwargs(args, test=test)}})
    return res


def eval_args(args: Args) -> Args:
    """Evaluation plays without the training-time regularisers that live outside the
    network (augmentation and epsilon-greedy default to off in the original's enjoy)."""
    return dataclasses.replace(args, use_data_augmentation=False, epsilon_greedy=0.0)


class Policy:
    """Acts for a batch of games: the agent's sampled action (§10.2), or uniform random
    actions when there is no agent (the baseline)."""

    def __init__(self, agent: Agent | None, num_envs: int, num_actions: int, device: torch.device, seed: int):
        self.agent, self.num_envs, self.num_actions, self.device = agent, num_envs, num_actions, device
        self.rng = np.random.default_rng(seed)
        self.state = agent.initial_state(num_envs, device) if agent is not None else None
        self.done = torch.zeros(num_envs, device=device)

    def act(self, obs_np: Any) -> np.ndarray:
        if self.agent is None:
            return self.rng.integers(0, self.num_actions, size=self.num_envs)
        with torch.inference_mode():
            action, _, _, _, self.state = self.agent.get_action_and_value(
                obs_to_device(obs_np, self.device), self.state, self.done
            )
        return action.cpu().numpy()

    def observe_done(self, term: np.ndarray, trunc: np.ndarray) -> None:
        if self.agent is not None:
            self.done = torch.as_tensor(np.logical_or(term, trunc), device=self.device, dtype=torch.float32)


def evaluate_policy(
    agent: Agent | None,
    args: Args,
    *,
    test: bool,
    num_eval: int,
    rep: int,
    device: torch.device,
    seed: int,
    progress: Any = None,
) -> dict[str, Any]:
    """Run `num_eval` games until each has finished `rep` episodes; count the first `rep`
    of each (§10.8). `agent=None` plays uniformly at random. `progress`, a tqdm bar or None,
    advances by one per counted episode. Returns `summarize(...)` plus the settings."""
    if num_eval < 1 or rep < 1:
        raise ValueError(f"num_eval and rep must be >= 1, got {num_eval} and {rep}")
    args = eval_args(args)
    envs = make_envs(args, num_eval, test=test, seed=seed)
    returns = np.zeros((num_eval, rep), np.float32)
    lengths = np.zeros((num_eval, rep), np.int32)
    solved = np.zeros((num_eval, rep), bool)
    counts = np.zeros(num_eval, np.int64)
    try:
        policy = Policy(agent, num_eval, int(envs.single_action_space.n), device, seed)
        obs_np, _ = envs.reset(seed=seed)
        max_steps = STEP_GUARD_FACTOR * rep * MAX_EPISODE_STEPS
        for _ in range(max_steps):
            obs_np, _, term, trunc, infos = envs.step(policy.act(obs_np))
            policy.observe_done(term, trunc)
            idx, r, length, ok = finished_episodes(args, infos)
            keep = counts[idx] < rep
            if keep.any():
                idx, col = idx[keep], counts[idx[keep]]
                returns[idx, col], lengths[idx, col], solved[idx, col] = r[keep], length[keep], ok[keep]
                counts[idx] += 1
                if progress is not None:
                    progress.update(int(keep.sum()))
            if (counts >= rep).all():
                break
        else:
            raise RuntimeError(
                f"evaluation did not finish {rep} episodes per game within "
                f"{max_steps} steps (counts {counts.tolist()}); the environment "
                f"is not ending episodes"
            )
    finally:
        envs.close()
    return with_settings(summarize(returns, lengths, solved), args, test, num_eval=num_eval, rep=rep)


def evaluate_level_seeds(
    agent: Agent | None, args: Args, seeds: list[int], *, test: bool, num_eval: int, device: torch.device, seed: int
) -> dict[str, Any]:
    """Play each level of `seeds` once: env i starts seeds[i]; when an env's episode ends it
    is reset (reset_mask) onto the next unplayed seed, until every seed has been played."""
    args = eval_args(args)
    n = min(num_eval, len(seeds))
    envs = make_envs(args, n, test=test, seed=seed)
    playing = list(range(n))  # index into `seeds` that env i plays; -1 when idle
    next_i = n
    results: dict[int, tuple[float, int, bool]] = {}
    try:
        policy = Policy(agent, n, int(envs.single_action_space.n), device, seed)
        obs_np, infos = envs.reset(seed=seed, options={"level_seeds": seeds[:n]})
        got = np.asarray(infos["level_seed"]).tolist()
        if got != seeds[:n]:
            raise RuntimeError(f"engine started levels {got}, asked for {seeds[:n]}")
        for _ in range(STEP_GUARD_FACTOR * MAX_EPISODE_STEPS * (len(seeds) // n + 1)):
            obs_np, _, term, trunc, infos = envs.step(policy.act(obs_np))
            policy.observe_done(term, trunc)
            mask = np.zeros(n, bool)
            for i, r, length, ok in zip(*finished_episodes(args, infos), strict=True):
                if playing[i] < 0:
                    continue
                results[playing[i]] = (float(r), int(length), bool(ok))
                playing[i] = next_i if next_i < len(seeds) else -1
                next_i += playing[i] >= 0
                mask[i] = playing[i] >= 0
            if len(results) == len(seeds):
                break
            if mask.any():
                nxt = [seeds[playing[i]] for i in np.flatnonzero(mask)]
                obs_np, _ = envs.reset(options={"reset_mask": mask, "level_seeds": nxt})
        else:
            raise RuntimeError(f"played {len(results)} of {len(seeds)} levels within the step guard")
    finally:
        envs.close()
    order = range(len(seeds))
    res = summarize(
        np.array([results[k][0] for k in order]),
        np.array([results[k][1] for k in order]),
        np.array([results[k][2] for k in order]),
    )
    return with_settings(res, args, test, level_seeds=seeds, num_eval=n)


def load_agent(restore_id: str, device: torch.device) -> tuple[Agent, Args]:
    ckpt, args = load_checkpoint(restore_id, device)
    probe = make_envs(args, 1, test=False, seed=0)
    try:
        obs_shape = probe.single_observation_space.shape
        num_actions = int(probe.single_action_space.n)
    finally:
        probe.close()
    agent = build_agent(args, obs_shape, num_actions).to(device)
    agent.load_state_dict(ckpt["model"])
    return agent, args


def train_test_evaluation(
    agent: Agent | None,
    args: Args,
    *,
    num_eval: int,
    rep: int,
    device: torch.device,
    seed: int,
    show_progress: bool = True,
) -> dict[str, dict[str, Any]]:
    """Both halves of the paper's measurement: the run's training levels and unseen
    high-difficulty test levels, with a progress bar over the episodes counted."""
    bar = None
    if show_progress:
        from tqdm import tqdm

        who = "random agent" if agent is None else "agent"
        bar = tqdm(
            total=2 * num_eval * rep, unit="episode", desc=f"evaluating the {who}", dynamic_ncols=True, leave=False
        )
    try:
        return {
            mode: evaluate_policy(
                agent, args, test=(mode == "test"), num_eval=num_eval, rep=rep, device=device, seed=seed, progress=bar
            )
            for mode in ("train", "test")
        }
    finally:
        if bar is not None:
            bar.close()


def final_evaluation(
    args: Args,
    agent: Agent,
    device: torch.device,
    rank: int,
    world_size: int,
    is_main: bool,
    writer: Any,
    global_step: int,
) -> dict[str, Any]:
    """Train and test % solved with 95% intervals (§10.8), next to a random agent's on the
    same levels; pooled over ranks; written to runs/<run_id>/final_eval.json."""
    agent.eval()
    results: dict[str, Any] = {}
    seed = args.seed + 7919 + 1000 * rank
    players: list[tuple[str, Agent | None]] = [("agent", agent)]
    if args.random_baseline:
        players.append(("random", None))
    for who, player in players:
        res = train_test_evaluation(
            player,
            args,
            num_eval=args.num_eval,
            rep=args.rep,
            device=device,
            seed=seed,
            show_progress=is_main and args.progress,
        )
        for mode in ("train", "test"):
            if world_size > 1:
                # P x N x K episodes in all, as the original's MPI evaluation (§10.8).
                gathered: list[Any] = [None] * world_size
                dist.all_gather_object(gathered, res[mode]["episodes_detail"])
                res[mode].update(
                    summarize(*(np.concatenate([g[k] for g in gathered]) for k in ("returns", "lengths", "solved")))
                )
            if is_main:
                print(format_result(f"{mode}, {who}", res[mode]), flush=True)
                writer.add_scalar(
                    f"eval/{mode}_levels_solved{'' if who == 'agent' else '_random'}",
                    res[mode]["percent_solved"],
                    global_step,
                )
        if who == "agent":
            results.update(res)
        else:
            results["random"] = res
    if is_main:
        out = LOG_DIR / args.run_id / "final_eval.json"
        out.write_text(
            json.dumps(
                {"run_id": args.run_id, "global_step": global_step, "args": dataclasses.asdict(args), **results},
                indent=2,
            )
        )
        print(f"wrote {out}", flush=True)
    return results

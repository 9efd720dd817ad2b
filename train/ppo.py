# PPO for CoinRun, in the style of CleanRL's ppo_procgen.py: rollout, GAE, clipped update,
# logging, read top to bottom in `main`. Docs: docs/reproducing.md; the original's protocol
# and defaults: docs/rules.md §9-§10. Settings: train/coinrun_rl/config.py (`--help`).
#
# Multi-process: `torchrun --nproc-per-node K train/ppo.py ...`. Every rank drives its own
# engine session with `num_envs` games; gradients are averaged over ranks before clipping
# and the Adam step, so the copies stay identical (this replaces the original's MPI).
# Global batch per update = K x num_envs x num_steps; global minibatch = that / num_minibatches.
from __future__ import annotations

import dataclasses
import os
import random
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.distributed as dist
from coinrun_rl.allocator import drop_preload_from_environment, restart_under_jemalloc
from coinrun_rl.checkpoints import (
    LOG_DIR,
    CheckpointError,
    checkpoint_path,
    claim_run_id,
    resolve_run_args,
    save_checkpoint,
)
from coinrun_rl.config import SNAPSHOT_STEPS, Args, UsageError, describe, device_from_arg
from coinrun_rl.distributed import all_mean, check_ranks_identical, window_stats
from coinrun_rl.envs import finished_episodes, make_envs, obs_to_device
from coinrun_rl.evaluation import final_evaluation
from coinrun_rl.networks import Agent, LstmState, build_agent, l2_penalty
from coinrun_rl.parallel import ShardPool, default_workers
from coinrun_rl.rollout import Games, Rollout, policy_step
from torch import nn


# --------------------------------------------------------------------------------------
# Rollout: the games, stepped as one batch or as two halves that overlap with inference
# --------------------------------------------------------------------------------------
def collect_rollout(
    args: Args,
    pool: ShardPool,
    agent: Agent,
    games: Games,
    rollout: Rollout,
    np_rng: np.random.Generator,
    autocast: Any,
    progress: Any,
    steps_per_tick: int,
) -> float:
    """Play `num_steps` steps of every game with the current policy into `rollout`.
    Returns the seconds spent waiting for the engine."""
    num_actions = int(games.envs[0].single_action_space.n)
    rollout.initial_state = None if games.state is None else (games.state[0].clone(), games.state[1].clone())
    env_time = 0.0
    pending = [False] * len(games.envs)
    for step in range(args.num_steps):
        # One coin per step for the whole vector (§10.4 quirk); the stored action stays the
        # policy's own sample.
        explore = args.epsilon_greedy > 0 and np_rng.random() < args.epsilon_greedy
        for h, (envs, sl) in enumerate(zip(games.envs, games.slices, strict=True)):
            if pending[h]:
                t0 = time.perf_counter()
                games.next_obs[h], reward, term, trunc, infos = envs.step_wait()
                env_time += time.perf_counter() - t0
                record_step(args, games, rollout, step - 1, h, reward, term, trunc, infos)
            x = games.upload(h, rollout.obs[step, sl])
            rollout.dones[step, sl] = games.next_done[sl]
            action, logprob, value, state = policy_step(
                agent, pool, x, games.half_state(h), games.next_done[sl], autocast, not args.use_batch_norm
            )
            games.set_half_state(h, state)
            rollout.values[step, sl] = value.flatten().float()
            rollout.actions[step, sl] = action
            rollout.logprobs[step, sl] = logprob.float()
            executed = action.cpu().numpy()
            if explore:
                executed = np_rng.integers(0, num_actions, size=sl.stop - sl.start)
            t0 = time.perf_counter()
            if len(games.envs) == 1:  # nothing to overlap with: step at once
                games.next_obs[h], reward, term, trunc, infos = envs.step(executed)
                env_time += time.perf_counter() - t0
                record_step(args, games, rollout, step, h, reward, term, trunc, infos)
            else:
                envs.step_async(executed)
                pending[h] = True
                env_time += time.perf_counter() - t0
        if progress is not None:
            progress.update(steps_per_tick)
    for h, envs in enumerate(games.envs):
        if pending[h]:
            t0 = time.perf_counter()
            games.next_obs[h], reward, term, trunc, infos = envs.step_wait()
            env_time += time.perf_counter() - t0
            record_step(args, games, rollout, args.num_steps - 1, h, reward, term, trunc, infos)
    return env_time


def record_step(
    args: Args,
    games: Games,
    rollout: Rollout,
    step: int,
    h: int,
    reward: np.ndarray,
    term: np.ndarray,
    trunc: np.ndarray,
    infos: dict,
) -> None:
    sl = games.slices[h]
    device = rollout.rewards.device
    rollout.rewards[step, sl] = torch.as_tensor(reward, dtype=torch.float32).to(device, non_blocking=True)
    games.next_done[sl] = torch.as_tensor(np.logical_or(term, trunc), dtype=torch.float32).to(device)
    _, r, length, solved = finished_episodes(args, infos)
    games.window.extend(zip(r.tolist(), length.tolist(), solved.tolist(), strict=True))


def play_test_games(args: Args, agent: Agent, games: Games, autocast: Any) -> None:
    """--test: the same number of steps on unseen test levels, for the test/ curves."""
    for _ in range(args.num_steps):
        x = obs_to_device(games.next_obs[0], games.next_done.device)
        with torch.inference_mode(), autocast():
            action, _, _, _, games.state = agent.get_action_and_value(x, games.state, games.next_done)
        games.next_obs[0], _, term, trunc, infos = games.envs[0].step(action.cpu().numpy())
        games.next_done = torch.as_tensor(
            np.logical_or(term, trunc), device=games.next_done.device, dtype=torch.float32
        )
        _, r, length, solved = finished_episodes(args, infos)
        games.window.extend(zip(r.tolist(), length.tolist(), solved.tolist(), strict=True))


def bootstrap_value(agent: Agent, games: Games, autocast: Any, device: torch.device) -> torch.Tensor:
    obs = torch.cat([obs_to_device(o, device) for o in games.next_obs])
    with torch.inference_mode(), autocast():
        return agent.get_value(obs, games.state, games.next_done).reshape(1, -1).float()


# --------------------------------------------------------------------------------------
# Advantages and the PPO update (§10.3)
# --------------------------------------------------------------------------------------
def compute_advantages(
    args: Args, rollout: Rollout, next_value: torch.Tensor, next_done: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE; done flags cut the bootstrap."""
    advantages = torch.zeros_like(rollout.rewards)
    lastgaelam = torch.zeros_like(next_done)
    for t in reversed(range(args.num_steps)):
        if t == args.num_steps - 1:
            nextnonterminal, nextvalues = 1.0 - next_done, next_value
        else:
            nextnonterminal, nextvalues = 1.0 - rollout.dones[t + 1], rollout.values[t + 1]
        delta = rollout.rewards[t] + args.gamma * nextvalues * nextnonterminal - rollout.values[t]
        advantages[t] = lastgaelam = delta + args.gamma * args.gae_lambda * nextnonterminal * lastgaelam
    return advantages, advantages + rollout.values


def ppo_loss(
    args: Args,
    agent: Agent,
    clip: float,
    obs: torch.Tensor,
    actions: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    old_values: torch.Tensor,
    state: LstmState | None,
    dones: torch.Tensor | None,
    bf16: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The clipped PPO objective of one minibatch (or shard of one; advantages arrive already
    normalised over the whole minibatch). Returns (loss, [pg, v, entropy, kl, clipfrac])."""
    with torch.autocast(obs.device.type, dtype=torch.bfloat16, enabled=bf16):
        _, newlogprob, entropy, newvalue, _ = agent.get_action_and_value(obs, state, dones, actions)
    newlogprob, entropy, newvalue = newlogprob.float(), entropy.float(), newvalue.float().view(-1)
    logratio = newlogprob - old_logprobs
    ratio = logratio.exp()
    pg_loss = torch.max(-advantages * ratio, -advantages * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()
    v_unclipped = (newvalue - returns) ** 2
    v_clipped = old_values + torch.clamp(newvalue - old_values, -clip, clip)
    v_loss = 0.5 * torch.max(v_unclipped, (v_clipped - returns) ** 2).mean()
    entropy_loss = entropy.mean()
    loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef
    with torch.no_grad():
        approx_kl = ((ratio - 1) - logratio).mean()
        clipfrac = ((ratio - 1.0).abs() > clip).float().mean()
    return loss, torch.stack([pg_loss.detach(), v_loss.detach(), entropy_loss.detach(), approx_kl, clipfrac])


@dataclass
class Minibatch:
    """One minibatch of the flattened rollout: sample indices (time-major for the LSTM, whose
    minibatches are whole games), those games, and advantages normalised over all of it."""

    inds: torch.Tensor
    envs: np.ndarray | None
    advantages: torch.Tensor


def minibatch_gradients(
    args: Args,
    agent: Agent,
    loss_fn: Any,
    pool: ShardPool,
    flat: dict[str, torch.Tensor],
    initial_state: Any,
    mb: Minibatch,
    clip: float,
) -> torch.Tensor:
    """Accumulates the minibatch's gradient into param.grad, shard by shard on the pool's
    threads; returns the minibatch's mean statistics [pg, v, entropy, kl, clipfrac]."""
    total = mb.inds.numel()

    def shard(sl: slice) -> torch.Tensor:
        state, dones = None, None
        if mb.envs is not None:  # LSTM: a shard is some of the games, all their steps
            pos = np.arange(total).reshape(args.num_steps, len(mb.envs))[:, sl].ravel()
            at = torch.from_numpy(pos).to(mb.inds.device)
            state = (initial_state[0][:, mb.envs[sl]], initial_state[1][:, mb.envs[sl]])
        else:
            at = torch.arange(sl.start, sl.stop, device=mb.inds.device)
        idx = mb.inds[at]
        if mb.envs is not None:
            dones = flat["dones"][idx]
        loss, stats = loss_fn(
            args,
            agent,
            clip,
            flat["obs"][idx],
            flat["actions"][idx],
            flat["logprobs"][idx],
            mb.advantages[at],
            flat["returns"][idx],
            flat["values"][idx],
            state,
            dones,
            args.bf16 == "on",
        )
        share = idx.numel() / total
        (loss * share).backward()
        return stats.float().cpu() * share

    n = len(mb.envs) if mb.envs is not None else total
    return torch.stack(pool.map(shard, n, enabled=not args.use_batch_norm)).sum(0)


def update(
    args: Args,
    agent: Agent,
    loss_fn: Any,
    optimizer: torch.optim.Optimizer,
    params: list[nn.Parameter],
    rollout: Rollout,
    advantages: torch.Tensor,
    returns: torch.Tensor,
    clip: float,
    np_rng: np.random.Generator,
    world_size: int,
    pool: ShardPool,
) -> dict[str, float]:
    """`update_epochs` passes of `num_minibatches` minibatches over the rollout; each minibatch
    is cut into shards that run forward and backward on the pool's threads."""
    flat = {
        "obs": rollout.obs.reshape((-1,) + tuple(rollout.obs.shape[2:])),
        "logprobs": rollout.logprobs.reshape(-1),
        "actions": rollout.actions.reshape(-1),
        "advantages": advantages.reshape(-1),
        "returns": returns.reshape(-1),
        "values": rollout.values.reshape(-1),
        "dones": rollout.dones.reshape(-1),
    }
    device = rollout.obs.device
    local_batch = args.num_envs * args.num_steps
    local_mb = local_batch // args.num_minibatches
    envs_per_mb = args.num_envs // args.num_minibatches
    flat_inds = np.arange(local_batch).reshape(args.num_steps, args.num_envs)
    totals = torch.zeros(6)
    stats = totals
    epochs_done = 0
    for _ in range(args.update_epochs):
        epochs_done += 1
        if args.use_lstm:  # minibatches of whole games, so the LSTM replays their sequences
            env_perm = np_rng.permutation(args.num_envs)
        else:
            b_inds = np_rng.permutation(local_batch)
        for start in range(args.num_minibatches):
            mb_envs = None
            if args.use_lstm:
                mb_envs = env_perm[start * envs_per_mb : (start + 1) * envs_per_mb]
                mb_inds = flat_inds[:, mb_envs].ravel()
            else:
                mb_inds = b_inds[start * local_mb : (start + 1) * local_mb]
            inds = torch.from_numpy(mb_inds).to(device)
            mb_adv = flat["advantages"][inds]
            if args.norm_adv:  # over the whole minibatch, before it is cut into shards
                mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
            optimizer.zero_grad(set_to_none=False)
            mb_stats = minibatch_gradients(
                args, agent, loss_fn, pool, flat, rollout.initial_state, Minibatch(inds, mb_envs, mb_adv), clip
            )
            l2_loss = torch.zeros(())
            if args.l2_weight > 0:  # once per minibatch, not per shard
                l2_loss = l2_penalty(agent)
                (args.l2_weight * l2_loss).backward()
            if world_size > 1:
                # One flat all-reduce per minibatch: the mean gradient over ranks.
                grads = torch.cat([p.grad.reshape(-1) for p in params])
                dist.all_reduce(grads)
                grads /= world_size
                torch.nn.utils.vector_to_parameters(grads, [p.grad for p in params])
            nn.utils.clip_grad_norm_(params, args.max_grad_norm)
            optimizer.step()
            stats = torch.cat([mb_stats, l2_loss.detach().float().cpu().view(1)])
            totals += stats
        if args.target_kl is not None:  # the last minibatch's KL decides, as in CleanRL
            if all_mean([stats[3].item()], world_size)[0] > args.target_kl:
                break
    agent.resample_dropout()  # §10.2: a new mask after each update
    n = args.num_minibatches * epochs_done
    pg, vl, ent, kl, cf, l2 = all_mean((totals / n).tolist(), world_size)
    return {
        "losses/policy_loss": pg,
        "losses/value_loss": vl,
        "losses/entropy": ent,
        "losses/approx_kl": kl,
        "losses/clipfrac": cf,
        "losses/l2_loss": l2,
    }


# --------------------------------------------------------------------------------------
# Multi-process helpers and logging
# --------------------------------------------------------------------------------------
def log_update(
    writer: Any, progress: Any, scalars: dict[str, float], global_step: int, train: tuple, test: tuple | None
) -> None:
    ret, length, solved, count = train
    if count:
        scalars.update(
            {"charts/episodic_return": ret, "charts/episodic_length": length, "charts/levels_solved": solved}
        )
    if test is not None and test[3]:
        scalars.update(
            {"test/episodic_return": test[0], "test/episodic_length": test[1], "test/levels_solved": test[2]}
        )
    for k, v in scalars.items():
        writer.add_scalar(k, v, global_step)
    if progress is not None:
        postfix = {"ret": f"{ret:.2f}", "solved%": f"{solved:.0f}"}
        if test is not None:
            postfix["test%"] = f"{test[2]:.0f}"
        progress.set_postfix(postfix, refresh=False)
    else:
        print(f"step {global_step:,} return {ret:.2f} solved {solved:.1f}% sps {scalars['charts/SPS']:.0f}", flush=True)


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------
def speed_setup(args: Args, agent: Agent, device: torch.device) -> tuple[Any, torch.optim.Optimizer, Any]:
    """Memory layout, optimiser, compilation and autocast: how fast, never what is computed
    (bf16 aside, which is a flag)."""
    if args.channels_last:
        agent.to(memory_format=torch.channels_last)
    try:  # one fused kernel for the whole Adam step where this torch build has it
        optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=args.adam_eps, fused=True)
    except (RuntimeError, TypeError):
        optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=args.adam_eps)
    loss_fn = ppo_loss
    if args.compile == "on":
        loss_fn = torch.compile(ppo_loss)

    def autocast() -> Any:
        if args.bf16 != "on":
            return nullcontext()
        return torch.autocast(device.type, dtype=torch.bfloat16)

    return loss_fn, optimizer, autocast


def main(args: Args) -> dict[str, Any]:
    # ---- processes and device ----
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = device_from_arg(args.device)
    if device.type == "cuda" and device.index is None and world_size > 1:
        device = torch.device("cuda", local_rank % torch.cuda.device_count())
    if world_size > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if args.torch_threads > 0:
        torch.set_num_threads(args.torch_threads)
    elif device.type == "cpu" and world_size > 1:
        # Ranks share the cores: keep torch from oversubscribing them.
        torch.set_num_threads(max(1, torch.get_num_threads() // world_size))
    args, ckpt = resolve_run_args(args, world_size, device)
    if world_size > 1 and args.run_id is not None:  # one run id for all ranks (rank 0's clock)
        ids = [args.run_id]
        dist.broadcast_object_list(ids, src=0)
        args.run_id = ids[0]
    is_main = rank == 0
    if is_main:
        claim_run_id(args)
    assert args.run_id is not None and args.num_envs is not None

    # ---- seeding ----
    random.seed(args.seed + 1000 * rank)
    np.random.seed(args.seed + 1000 * rank)
    torch.manual_seed(args.seed)  # same initial weights on every rank (also broadcast below)
    torch.backends.cudnn.deterministic = args.torch_deterministic
    np_rng = np.random.default_rng(args.seed + 1000 * rank)

    # ---- logging ----
    writer = None
    if is_main:
        from torch.utils.tensorboard import SummaryWriter

        if args.track:
            import wandb

            wandb.init(
                project=args.wandb_project_name,
                entity=args.wandb_entity,
                sync_tensorboard=True,
                config=vars(args),
                name=args.run_id,
                save_code=True,
            )
        writer = SummaryWriter(str(LOG_DIR / args.run_id))
        table = "\n".join(f"|{k}|{v}|" for k, v in vars(args).items())
        writer.add_text("hyperparameters", f"|param|value|\n|-|-|\n{table}")
        print(describe(args, device), flush=True)

    # ---- agent, optimiser and games ----
    probe = make_envs(args, 1, test=False, seed=0)
    obs_shape = probe.single_observation_space.shape
    assert isinstance(probe.single_action_space, gym.spaces.Discrete), "only discrete actions"
    num_actions = int(probe.single_action_space.n)
    probe.close()
    agent = build_agent(args, obs_shape, num_actions).to(device)
    loss_fn, optimizer, autocast = speed_setup(args, agent, device)
    start_iteration, global_step = 1, 0
    curve: list[tuple[int, float]] = []
    if ckpt is not None:
        agent.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        start_iteration, global_step = ckpt["iteration"] + 1, ckpt["global_step"]
        curve = list(ckpt.get("curve", []))
        torch.set_rng_state(ckpt["torch_rng"])
        np_rng.bit_generator.state = ckpt["numpy_rng"][rank]
        agent.resample_dropout()
        if is_main:
            print(f"resumed {args.restore_id} at update {start_iteration - 1}, step {global_step:,}", flush=True)
    else:
        torch.manual_seed(args.seed + rank)  # per-rank action sampling and dropout masks
    if world_size > 1:
        for p in agent.parameters():
            dist.broadcast(p.data, src=0)  # rank 0's parameters everywhere (§10.1)
    params = [p for p in agent.parameters() if p.requires_grad]
    pool = ShardPool(args.cpu_shards or default_workers(device))
    if is_main:
        print(f"{pool.workers} shard(s) per batch, {torch.get_num_threads()} torch thread(s) each", flush=True)
    seed = args.seed + 1000 * rank
    games = Games.start(
        args, agent, args.num_envs, test=False, seed=seed, halves=args.async_envs == "on", device=device
    )
    test_games = (
        Games.start(args, agent, args.num_envs, test=True, seed=seed + 500, halves=False, device=device)
        if args.test
        else None
    )
    rollout = Rollout.allocate(args.num_steps, args.num_envs, obs_shape, device)

    def save(tag: str = "") -> None:
        # Every rank takes part in the gather of the numpy RNG states.
        numpy_states = [np_rng.bit_generator.state]
        if world_size > 1:
            numpy_states = [None] * world_size if is_main else None
            dist.gather_object(np_rng.bit_generator.state, numpy_states, dst=0)
        if is_main:
            save_checkpoint(
                checkpoint_path(args.run_id, tag),
                {
                    "args": dataclasses.asdict(args),
                    "model": agent.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "iteration": iteration,
                    "global_step": global_step,
                    "curve": curve,
                    "torch_rng": torch.get_rng_state(),
                    "numpy_rng": numpy_states,
                },
            )

    progress = None
    if is_main and args.progress:
        from tqdm import tqdm

        progress = tqdm(
            total=args.num_iterations * args.batch_size,
            initial=global_step,
            unit="step",
            unit_scale=True,
            dynamic_ncols=True,
            smoothing=0.05,
        )

    # ---- training loop ----
    start_time, steps_at_start = time.time(), global_step
    iteration = start_iteration - 1
    for iteration in range(start_iteration, args.num_iterations + 1):
        frac = 1.0 - (iteration - 1.0) / args.num_iterations if args.anneal_lr else 1.0
        optimizer.param_groups[0]["lr"] = frac * args.learning_rate
        clip = frac * args.clip_coef

        env_time = collect_rollout(
            args, pool, agent, games, rollout, np_rng, autocast, progress, args.num_envs * world_size
        )
        global_step += args.batch_size
        if test_games is not None:
            play_test_games(args, agent, test_games, autocast)
        next_value = bootstrap_value(agent, games, autocast, device)
        advantages, returns = compute_advantages(args, rollout, next_value, games.next_done)

        t_learn = time.perf_counter()
        scalars = update(
            args, agent, loss_fn, optimizer, params, rollout, advantages, returns, clip, np_rng, world_size, pool
        )
        learn_time = time.perf_counter() - t_learn

        train_stats = window_stats(games.window, world_size)
        test_stats = window_stats(test_games.window, world_size) if test_games is not None else None
        if train_stats[3]:
            curve.append((global_step, train_stats[0]))
        if is_main:
            elapsed = time.time() - start_time
            scalars.update(
                {
                    "charts/learning_rate": optimizer.param_groups[0]["lr"],
                    "charts/clip_range": clip,
                    "charts/SPS": (global_step - steps_at_start) / max(elapsed, 1e-9),
                    "perf/env_time_fraction": env_time / max(env_time + learn_time, 1e-9),
                    "perf/learn_seconds": learn_time,
                }
            )
            log_update(writer, progress, scalars, global_step, train_stats, test_stats)
        if args.save_interval > 0 and iteration % args.save_interval == 0:
            save()
        for threshold, tag in SNAPSHOT_STEPS.items():
            if global_step - args.batch_size < threshold <= global_step:
                save(tag)

    save()
    if progress is not None:
        progress.close()
    check_ranks_identical(params, world_size, is_main)
    games.close()
    if test_games is not None:
        test_games.close()
    if is_main:
        elapsed = time.time() - start_time
        print(
            f"trained {global_step - steps_at_start:,} steps in {elapsed:.0f} s "
            f"({(global_step - steps_at_start) / max(elapsed, 1e-9):.0f} steps/s); "
            f"checkpoint {checkpoint_path(args.run_id)}",
            flush=True,
        )
    results: dict[str, Any] = {}
    if args.final_eval and args.num_eval > 0:
        results = final_evaluation(args, agent, device, rank, world_size, is_main, writer, global_step)
    if writer is not None:
        writer.close()
    if world_size > 1:
        # Every rank is past its last collective before any tears the group down: a rank
        # that leaves first can make another's teardown abort (a gloo thread sees the peer
        # gone).
        dist.barrier()
        dist.destroy_process_group()
    return results


if __name__ == "__main__":
    import tyro

    try:
        cli_args = tyro.cli(Args)
        if cli_args.jemalloc and device_from_arg(cli_args.device).type == "cpu":
            why_not = restart_under_jemalloc()  # returns only when it does not restart
            if why_not:
                print(f"ppo.py: {why_not}; CPU training runs about 2x slower without it", file=sys.stderr)
        drop_preload_from_environment()
        main(cli_args)
    except (CheckpointError, UsageError) as e:
        sys.exit(f"ppo.py: {e}")

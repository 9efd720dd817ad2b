# Evaluate a CoinRun checkpoint on training or unseen test levels (game-rules.md §10.8),
# record a high-resolution video of it, or watch it in the Qt viewer.
#
#   python train/evaluate.py --restore-id myrun --train-eval --test-eval --num-eval 20 --rep 5
#   python train/evaluate.py --random-agent --num-levels 500 --train-eval --test-eval
#   python train/evaluate.py --restore-id myrun --record agent.gif
#   python train/evaluate.py --random-agent --level-seeds seeds.txt   # exactly these levels
#
# The agent class and environment options come from train/ppo.py (imported, not copied).
from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ppo import (
    GAME_IDS,
    LOG_DIR,
    Agent,
    Args,
    build_agent,
    device_from_arg,
    env_kwargs,
    episode_solved,
    load_checkpoint,
    make_envs,
    obs_to_device,
)

# Longest episode is 1002 steps (§6); an evaluation that runs far past rep x that is stuck.
MAX_EPISODE_STEPS = 1002
STEP_GUARD_FACTOR = 3
Z95 = 1.959963984540054  # two-sided 95% normal quantile
WATCH_SLEEP_S = 0.02  # the original's pause per step when watching (§10.8)
DEFAULT_RECORD_FPS = 30  # the original's recordings are 30 fps (§10.9)


@dataclass
class EvalArgs:
    """Evaluate a trained agent (or a uniform random one) on CoinRun."""

    restore_id: str | None = None
    """run id (saved_models/sav_<id>_0.pt) or path of a .pt checkpoint"""
    train_eval: bool = False
    """evaluate on the run's training levels (its num_levels and set_seed)"""
    test_eval: bool = False
    """evaluate on unlimited high-difficulty levels (unseen)"""
    num_eval: int = 20
    """N: parallel evaluation games"""
    rep: int = 1
    """K: episodes counted per game (the first K that finish)"""
    seed: int = 12345
    """seed of level picking and action sampling"""
    device: str = "auto"
    """"auto", "cpu", "cuda", ..."""
    num_threads: int = 0
    """engine worker threads (0: the engine's choice)"""
    output: str | None = None
    """JSON file to write (default runs/<run_id>/eval.json)"""
    random_agent: bool = False
    """evaluate a uniform random policy instead of a checkpoint (a baseline)"""
    game_type: str = "standard"
    """(random agent only) game: standard, platform or maze"""
    num_levels: int = 500
    """(random agent only) training-set size for --train-eval"""
    set_seed: int = -1
    """(random agent only) training-set seed"""
    high_difficulty: bool = False
    """(random agent only) high-difficulty training levels"""
    record: str | None = None
    """write a 512x512 video of the agent to this .gif or .mp4 file (mp4 needs imageio-ffmpeg)"""
    record_episodes: int = 1
    """episodes to record"""
    record_max_steps: int = 2000
    """stop recording after this many frames (a 512x512 frame is 768 KiB in memory)"""
    record_fps: int = DEFAULT_RECORD_FPS
    """frames per second of the video"""
    record_test: bool = False
    """record on test levels instead of training levels"""
    watch: bool = False
    """play forever and show the game in coinrun-viewer (attached to this process's engine)"""
    viewer: str = "coinrun-viewer"
    """viewer executable (looked up in PATH, then in build*/ of the repository)"""
    level_seeds: str | None = None
    """evaluate on exactly these levels: a file with a JSON list or whitespace/comma-separated
    level seeds; each level is played once (docs/state.md)"""
    level_seeds_test: bool = False
    """with --level-seeds: play them with the test options (high difficulty) instead of the
    run's training options"""


# --------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------
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
        "episodes_detail": {"returns": returns.tolist(), "lengths": lengths.astype(int).tolist(),
                            "solved": solved.tolist()},
    }


def format_result(mode: str, res: dict[str, Any]) -> str:
    lo, hi = res["percent_solved_ci95"]
    return (f"[{mode}] {res['percent_solved']:.1f}% solved (95% CI {lo:.1f}-{hi:.1f}), "
            f"mean return {res['mean_return']:.2f}, mean length {res['mean_length']:.0f}, "
            f"{res['episodes']} episodes")


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------
def eval_args(args: Args) -> Args:
    """Evaluation plays without the training-time regularisers that live outside the
    network (augmentation and epsilon-greedy default to off in the original's enjoy)."""
    return dataclasses.replace(args, use_data_augmentation=False, epsilon_greedy=0.0)


def evaluate_policy(agent: Agent | None, args: Args, *, test: bool, num_eval: int, rep: int,
                    device: torch.device, seed: int) -> dict[str, Any]:
    """Run `num_eval` games until each has finished `rep` episodes; count the first `rep`
    of each (§10.8). `agent=None` plays uniformly at random. Returns `summarize(...)`."""
    if num_eval < 1 or rep < 1:
        raise ValueError(f"num_eval and rep must be >= 1, got {num_eval} and {rep}")
    args = eval_args(args)
    envs = make_envs(args, num_eval, test=test, seed=seed)
    rng = np.random.default_rng(seed)
    returns = np.zeros((num_eval, rep), np.float32)
    lengths = np.zeros((num_eval, rep), np.int32)
    solved = np.zeros((num_eval, rep), bool)
    counts = np.zeros(num_eval, np.int64)
    rows = np.arange(num_eval)
    try:
        obs_np, _ = envs.reset(seed=seed)
        obs = obs_to_device(obs_np, device)
        state = agent.initial_state(num_eval, device) if agent is not None else None
        done = torch.zeros(num_eval, device=device)
        max_steps = STEP_GUARD_FACTOR * rep * MAX_EPISODE_STEPS
        for _ in range(max_steps):
            if agent is None:
                action = rng.integers(0, envs.single_action_space.n, size=num_eval)
            else:
                with torch.no_grad():
                    a, _, _, _, state = agent.get_action_and_value(obs, state, done)
                action = a.cpu().numpy()
            obs_np, _, term, trunc, infos = envs.step(action)
            obs = obs_to_device(obs_np, device)
            done = torch.as_tensor(np.logical_or(term, trunc), device=device, dtype=torch.float32)
            take = infos["_episode"] & (counts < rep)
            if take.any():
                idx, col = rows[take], counts[take]
                r = infos["episode"]["r"][take]
                returns[idx, col] = r
                lengths[idx, col] = infos["episode"]["l"][take]
                solved[idx, col] = episode_solved(args, r, infos["prev_level_complete"][take])
                counts[take] += 1
            if (counts >= rep).all():
                break
        else:
            raise RuntimeError(f"evaluation did not finish {rep} episodes per game within "
                               f"{max_steps} steps (counts {counts.tolist()}); the environment "
                               f"is not ending episodes")
    finally:
        envs.close()
    res = summarize(returns, lengths, solved)
    res.update({"num_eval": num_eval, "rep": rep, "test": test,
                "env": {"game_type": args.game_type, **env_kwargs(args, test=test)}})
    return res


def read_level_seeds(path: str) -> list[int]:
    """A JSON list of ints, or ints separated by whitespace or commas (# starts a comment)."""
    text = Path(path).read_text()
    try:
        seeds = json.loads(text)
    except json.JSONDecodeError:
        words = " ".join(line.split("#")[0] for line in text.splitlines()).replace(",", " ").split()
        seeds = [int(w, 0) for w in words]
    if not isinstance(seeds, list) or not seeds or not all(isinstance(x, int) for x in seeds):
        raise SystemExit(f"{path}: expected a non-empty list of integer level seeds")
    # Negative seeds name their two's-complement 32-bit value (docs/state.md).
    return [x % 2**32 for x in seeds]


def evaluate_level_seeds(agent: Agent | None, args: Args, seeds: list[int], *, test: bool,
                         num_eval: int, device: torch.device, seed: int) -> dict[str, Any]:
    """Play each level of `seeds` once: env i starts seeds[i]; when an env's episode ends it
    is reset (reset_mask) onto the next unplayed seed, until every seed has been played."""
    args = eval_args(args)
    n = min(num_eval, len(seeds))
    envs = make_envs(args, n, test=test, seed=seed)
    rng = np.random.default_rng(seed)
    playing = list(range(n))  # index into `seeds` that env i plays; -1 when idle
    next_i = n
    results: dict[int, tuple[float, int, bool]] = {}
    try:
        obs_np, infos = envs.reset(seed=seed, options={"level_seeds": seeds[:n]})
        got = np.asarray(infos["level_seed"]).tolist()
        if got != seeds[:n]:
            raise RuntimeError(f"engine started levels {got}, asked for {seeds[:n]}")
        obs = obs_to_device(obs_np, device)
        state = agent.initial_state(n, device) if agent is not None else None
        done = torch.zeros(n, device=device)
        for _ in range(STEP_GUARD_FACTOR * MAX_EPISODE_STEPS * (len(seeds) // n + 1)):
            if agent is None:
                action = rng.integers(0, envs.single_action_space.n, size=n)
            else:
                with torch.no_grad():
                    a, _, _, _, state = agent.get_action_and_value(obs, state, done)
                action = a.cpu().numpy()
            obs_np, _, term, trunc, infos = envs.step(action)
            d = np.logical_or(term, trunc)
            mask = np.zeros(n, bool)
            for i in np.flatnonzero(infos["_episode"]):
                if playing[i] < 0:
                    continue
                r = float(infos["episode"]["r"][i])
                ok = bool(episode_solved(args, np.array([r]), infos["prev_level_complete"][i:i + 1])[0])
                results[playing[i]] = (r, int(infos["episode"]["l"][i]), ok)
                playing[i] = next_i if next_i < len(seeds) else -1
                next_i += playing[i] >= 0
                mask[i] = playing[i] >= 0
            if len(results) == len(seeds):
                break
            if mask.any():
                nxt = [seeds[playing[i]] for i in np.flatnonzero(mask)]
                obs_np, _ = envs.reset(options={"reset_mask": mask, "level_seeds": nxt})
            obs = obs_to_device(obs_np, device)
            done = torch.as_tensor(d, device=device, dtype=torch.float32)
        else:
            raise RuntimeError(f"played {len(results)} of {len(seeds)} levels within the step guard")
    finally:
        envs.close()
    order = range(len(seeds))
    res = summarize(np.array([results[k][0] for k in order]), np.array([results[k][1] for k in order]),
                    np.array([results[k][2] for k in order]))
    res.update({"level_seeds": seeds, "test": test, "num_eval": n,
                "env": {"game_type": args.game_type, **env_kwargs(args, test=test)}})
    return res


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


# --------------------------------------------------------------------------------------
# Recording and watching
# --------------------------------------------------------------------------------------
def open_video_writer(path: str, fps: int) -> Any:
    import imageio.v2 as imageio

    suffix = Path(path).suffix.lower()
    if suffix == ".gif":
        return imageio.get_writer(path, mode="I", duration=1000.0 / fps, loop=0)
    if suffix == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError as e:
            raise SystemExit(f"--record {path}: writing .mp4 needs the imageio-ffmpeg package "
                             f"(pip install imageio-ffmpeg); .gif works without it") from e
        return imageio.get_writer(path, fps=fps, macro_block_size=1)
    raise SystemExit(f"--record {path}: use a .gif or .mp4 file name")


def record_video(agent: Agent | None, args: Args, path: str, *, test: bool, episodes: int,
                 max_steps: int, fps: int, seed: int, device: torch.device) -> dict[str, Any]:
    """Play `episodes` episodes in one game; the policy sees the 64x64 observation, the
    video gets the 512x512 render of the same state."""
    args = eval_args(args)
    env = gym.make(GAME_IDS[args.game_type], render_mode="rgb_array", **env_kwargs(args, test=test))
    writer = open_video_writer(path, fps)
    rng = np.random.default_rng(seed)
    ep_returns: list[float] = []
    frames = 0
    try:
        obs, _ = env.reset(seed=seed)
        state = agent.initial_state(1, device) if agent is not None else None
        done = torch.zeros(1, device=device)
        ep_return = 0.0
        writer.append_data(np.asarray(env.render()))
        while len(ep_returns) < episodes and frames < max_steps:
            if agent is None:
                action = int(rng.integers(0, env.action_space.n))
            else:
                x = obs_to_device(np.asarray(obs)[None], device)
                with torch.no_grad():
                    a, _, _, _, state = agent.get_action_and_value(x, state, done)
                action = int(a.item())
            obs, reward, term, trunc, _ = env.step(action)
            ep_return += float(reward)
            done = torch.full((1,), float(term or trunc), device=device)
            writer.append_data(np.asarray(env.render()))
            frames += 1
            if term or trunc:
                ep_returns.append(ep_return)
                ep_return = 0.0
                if len(ep_returns) < episodes:
                    # The single env autoresets NEXT_STEP: the terminal frame was shown,
                    # now start the next level (done=1 clears the LSTM state).
                    obs, _ = env.reset()
                    writer.append_data(np.asarray(env.render()))
    finally:
        writer.close()
        env.close()
    return {"file": path, "frames": frames, "episode_returns": ep_returns}


def find_viewer(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    repo = Path(__file__).resolve().parent.parent
    for candidate in sorted(repo.glob(f"build*/{name}")) + sorted(repo.glob(f"build*/*/{name}")):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise SystemExit(f"--watch: viewer executable {name!r} not found in PATH or {repo}/build*/; "
                     f"build it with `cmake --build build --target coinrun-viewer` (needs Qt 6) "
                     f"or pass --viewer /path/to/coinrun-viewer")


def engine_endpoint(envs: Any) -> str:
    """The endpoint of the engine behind a coinrun vector env (for the viewer's --attach)."""
    for obj in (envs, getattr(envs, "unwrapped", None)):
        for attr in ("endpoint", "engine_endpoint"):
            value = getattr(obj, attr, None)
            if isinstance(value, str):
                return value
        client = getattr(obj, "client", None) or getattr(obj, "_client", None)
        value = getattr(client, "endpoint", None)
        if isinstance(value, str):
            return value
    raise SystemExit("--watch: this coinrun client does not expose its engine endpoint")


def watch(agent: Agent | None, args: Args, viewer: str, *, test: bool, seed: int,
          device: torch.device) -> None:
    """The original's watch mode (§10.8): one game, forever, 0.02 s per step, with the
    viewer attached to our engine as a spectator."""
    exe = find_viewer(viewer)
    args = eval_args(args)
    envs = make_envs(args, 1, test=test, seed=seed)
    cmd = [exe, "--attach", engine_endpoint(envs)]
    session = getattr(envs.unwrapped, "session", None)
    if session is not None:
        cmd += ["--session", str(session), "--env", "0"]
    print("watching with:", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd)
    rng = np.random.default_rng(seed)
    try:
        obs_np, _ = envs.reset(seed=seed)
        obs = obs_to_device(obs_np, device)
        state = agent.initial_state(1, device) if agent is not None else None
        done = torch.zeros(1, device=device)
        while proc.poll() is None:
            if agent is None:
                action = rng.integers(0, envs.single_action_space.n, size=1)
            else:
                with torch.no_grad():
                    a, _, _, _, state = agent.get_action_and_value(obs, state, done)
                action = a.cpu().numpy()
            obs_np, _, term, trunc, infos = envs.step(action)
            obs = obs_to_device(obs_np, device)
            done = torch.as_tensor(np.logical_or(term, trunc), device=device, dtype=torch.float32)
            if infos["_episode"][0]:
                print(f"episode return {infos['episode']['r'][0]:.1f}", flush=True)
            time.sleep(WATCH_SLEEP_S)
    except KeyboardInterrupt:
        pass
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)
        envs.close()


def main(eargs: EvalArgs) -> dict[str, Any]:
    device = device_from_arg(eargs.device)
    torch.manual_seed(eargs.seed)
    if eargs.random_agent:
        agent = None
        args = Args(game_type=eargs.game_type, num_levels=eargs.num_levels,  # type: ignore[arg-type]
                    set_seed=eargs.set_seed, high_difficulty=eargs.high_difficulty, run_id="random")
        run_id = f"random_{eargs.game_type}_{eargs.num_levels}"
    elif eargs.restore_id is not None:
        agent, args = load_agent(eargs.restore_id, device)
        run_id = args.run_id
    else:
        raise SystemExit("give --restore-id RUN (a checkpoint) or --random-agent")
    args.num_threads = eargs.num_threads

    if eargs.watch:
        watch(agent, args, eargs.viewer, test=eargs.test_eval, seed=eargs.seed, device=device)
        return {}

    out: dict[str, Any] = {"run_id": run_id, "checkpoint": eargs.restore_id}
    modes = [m for m, on in (("train", eargs.train_eval), ("test", eargs.test_eval)) if on]
    if eargs.level_seeds is not None:
        modes.append("levels")
    if not modes and eargs.record is None:
        raise SystemExit("nothing to do: give --train-eval, --test-eval, --level-seeds FILE, "
                         "--record FILE or --watch")
    for mode in modes:
        if mode == "levels":
            out[mode] = evaluate_level_seeds(agent, args, read_level_seeds(eargs.level_seeds or ""),
                                             test=eargs.level_seeds_test, num_eval=eargs.num_eval,
                                             device=device, seed=eargs.seed)
            print(format_result(mode, out[mode]), flush=True)
            continue
        res = evaluate_policy(agent, args, test=(mode == "test"), num_eval=eargs.num_eval,
                              rep=eargs.rep, device=device, seed=eargs.seed)
        print(format_result(mode, res), flush=True)
        out[mode] = res
    if eargs.record is not None:
        rec = record_video(agent, args, eargs.record, test=eargs.record_test,
                           episodes=eargs.record_episodes, max_steps=eargs.record_max_steps,
                           fps=eargs.record_fps, seed=eargs.seed, device=device)
        print(f"recorded {rec['frames']} frames to {rec['file']} "
              f"(episode returns {rec['episode_returns']})")
        out["record"] = rec
    if modes:
        path = Path(eargs.output) if eargs.output else LOG_DIR / run_id / "eval.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=2))
        print(f"wrote {path}")
    return out


if __name__ == "__main__":
    import tyro

    main(tyro.cli(EvalArgs))

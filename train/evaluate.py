# Evaluate a CoinRun checkpoint on training or unseen test levels (docs/rules.md §10.8),
# record a high-resolution video of it, or watch it in the Qt viewer.
#
#   python train/evaluate.py --restore-id myrun --train-eval --test-eval --num-eval 20 --rep 5
#   python train/evaluate.py --random-agent --num-levels 500 --train-eval --test-eval
#   python train/evaluate.py --restore-id myrun --record agent.gif
#   python train/evaluate.py --random-agent --level-seeds seeds.txt   # exactly these levels
#
# The agent, environment options and the measurement come from train/coinrun_rl/.
from __future__ import annotations

import json
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
from coinrun_rl.checkpoints import LOG_DIR, CheckpointError
from coinrun_rl.config import GAME_ENV_IDS, Args, device_from_arg
from coinrun_rl.envs import env_kwargs, make_envs, obs_to_device
from coinrun_rl.evaluation import (
    eval_args,
    evaluate_level_seeds,
    evaluate_policy,
    format_result,
    load_agent,
)
from coinrun_rl.networks import Agent

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
# Evaluation (the measurement itself lives in coinrun_rl/evaluation.py)
# --------------------------------------------------------------------------------------
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
            raise SystemExit(
                f"--record {path}: writing .mp4 needs the imageio-ffmpeg package "
                f"(pip install imageio-ffmpeg); .gif works without it"
            ) from e
        return imageio.get_writer(path, fps=fps, macro_block_size=1)
    raise SystemExit(f"--record {path}: use a .gif or .mp4 file name")


def record_video(
    agent: Agent | None,
    args: Args,
    path: str,
    *,
    test: bool,
    episodes: int,
    max_steps: int,
    fps: int,
    seed: int,
    device: torch.device,
) -> dict[str, Any]:
    """Play `episodes` episodes in one game; the policy sees the 64x64 observation, the
    video gets the 512x512 render of the same state."""
    args = eval_args(args)
    env = gym.make(GAME_ENV_IDS[args.game_type], render_mode="rgb_array", **env_kwargs(args, test=test))
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
    raise SystemExit(
        f"--watch: viewer executable {name!r} not found in PATH or {repo}/build*/; "
        f"build it with `cmake --build build --target coinrun-viewer` (needs Qt 6) "
        f"or pass --viewer /path/to/coinrun-viewer"
    )


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


def watch(agent: Agent | None, args: Args, viewer: str, *, test: bool, seed: int, device: torch.device) -> None:
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
            if infos["_coinrun_episode"][0]:
                print(f"episode return {infos['coinrun_episode']['r'][0]:.1f}", flush=True)
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
        args = Args(
            game_type=eargs.game_type,
            num_levels=eargs.num_levels,  # type: ignore[arg-type]
            set_seed=eargs.set_seed,
            high_difficulty=eargs.high_difficulty,
            run_id="random",
        )
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
        raise SystemExit("nothing to do: give --train-eval, --test-eval, --level-seeds FILE, --record FILE or --watch")
    for mode in modes:
        if mode == "levels":
            out[mode] = evaluate_level_seeds(
                agent,
                args,
                read_level_seeds(eargs.level_seeds or ""),
                test=eargs.level_seeds_test,
                num_eval=eargs.num_eval,
                device=device,
                seed=eargs.seed,
            )
            print(format_result(mode, out[mode]), flush=True)
            continue
        res = evaluate_policy(
            agent, args, test=(mode == "test"), num_eval=eargs.num_eval, rep=eargs.rep, device=device, seed=eargs.seed
        )
        print(format_result(mode, res), flush=True)
        out[mode] = res
    if eargs.record is not None:
        rec = record_video(
            agent,
            args,
            eargs.record,
            test=eargs.record_test,
            episodes=eargs.record_episodes,
            max_steps=eargs.record_max_steps,
            fps=eargs.record_fps,
            seed=eargs.seed,
            device=device,
        )
        print(f"recorded {rec['frames']} frames to {rec['file']} (episode returns {rec['episode_returns']})")
        out["record"] = rec
    if modes:
        path = Path(eargs.output) if eargs.output else LOG_DIR / run_id / "eval.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=2))
        print(f"wrote {path}")
    return out


if __name__ == "__main__":
    import tyro

    try:
        main(tyro.cli(EvalArgs))
    except CheckpointError as e:
        sys.exit(f"evaluate.py: {e}")

"""Creating the training, test and evaluation batches of games, moving observations to the
device, and reading finished episodes out of the vector env's infos (docs/rules.md §9.4)."""

from __future__ import annotations

import os
import warnings
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from .config import GAME_ENV_IDS, SOLVED_RETURN, UsageError

# The engine's observation views are read-only on purpose; torch warns about wrapping one even
# though it is only ever copied from here.
warnings.filterwarnings("ignore", message="The given NumPy array is not writable")

# The client's own per-episode statistics (gymnasium's RecordEpisodeStatistics owns "episode").
EPISODE_KEY = "coinrun_episode"


def resolved_paint_vel_info(args: Any) -> bool:
    """§9.4: -1 means on for standard, off for the others."""
    if args.paint_vel_info == -1:
        return args.game_type == "standard"
    return bool(args.paint_vel_info)


def env_kwargs(args: Any, *, test: bool) -> dict[str, Any]:
    """Engine options of a training batch, or of a test batch (§9.4: unlimited
    high-difficulty levels, no augmentation)."""
    return {
        "num_levels": 0 if test else args.num_levels,
        "set_seed": args.set_seed,
        "high_difficulty": True if test else args.high_difficulty,
        "use_data_augmentation": False if test else args.use_data_augmentation,
        "paint_vel_info": resolved_paint_vel_info(args),
        "use_black_white": args.use_black_white,
    }


def engine_address_for_rank(addresses: str | None, rank: int) -> str | None:
    """--engine-address: rank r takes entry r % count of the comma-separated endpoints."""
    if not addresses:
        return None
    entries = [a.strip() for a in addresses.split(",") if a.strip()]
    bad = [a for a in entries if not a.startswith(("tcp://", "ipc://"))]
    if not entries or bad:
        raise UsageError(f"--engine-address {addresses!r}: each entry must be tcp://HOST:PORT or ipc://PATH")
    return entries[rank % len(entries)]


def make_envs(args: Any, num_envs: int, *, test: bool, seed: int) -> gym.vector.VectorEnv:
    kwargs = env_kwargs(args, test=test)
    if args.num_threads > 0:
        kwargs["num_threads"] = args.num_threads
    # torchrun's RANK: this process's index (0 when run without torchrun).
    address = engine_address_for_rank(getattr(args, "engine_address", None), int(os.environ.get("RANK", "0")))
    if address is not None:
        kwargs["address"] = address
    return gym.make_vec(GAME_ENV_IDS[args.game_type], num_envs=num_envs, seed=seed, **kwargs)


def obs_to_device(obs: Any, device: torch.device, out: torch.Tensor | None = None) -> torch.Tensor:
    """Copy the engine's read-only observation view (valid only until the next-but-one step)
    to the device, once. It stays uint8; the network divides by 255. With `out` (a rollout
    slot, or a pinned staging buffer on CUDA) the copy lands there without an allocation."""
    view = torch.from_numpy(np.asarray(obs))
    if out is None:
        return view.to(device, copy=True)
    out.copy_(view, non_blocking=out.device.type == "cuda")
    return out


def episode_solved(args: Any, returns: np.ndarray, prev_complete: np.ndarray) -> np.ndarray:
    """A level counts as solved when its return is 10 in standard/maze (§10.8); Platforms
    also pays +1 coins, so there the engine's level-complete flag decides."""
    if args.game_type == "platform":
        return prev_complete.astype(bool)
    return returns >= SOLVED_RETURN


def finished_episodes(args: Any, infos: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(env indices, returns, lengths, solved) of the episodes that ended this step."""
    mask = infos.get("_" + EPISODE_KEY)
    if mask is None or not mask.any():
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty.astype(np.int64), empty.astype(bool)
    idx = np.flatnonzero(mask)
    r = np.asarray(infos[EPISODE_KEY]["r"])[idx]
    length = np.asarray(infos[EPISODE_KEY]["l"])[idx]
    solved = episode_solved(args, r, np.asarray(infos["prev_level_complete"])[idx])
    return idx, r, length, solved

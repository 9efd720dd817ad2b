"""The original's vector env API, for people porting code: ``coinrun.make("standard", 16)``.

``step(actions)`` returns ``(obs, rews, dones, infos)`` as the original's baselines VecEnv
did; ``step_async``/``step_wait``, ``get_images``, ``reset`` and ``close`` are there too.
Settings come from ``coinrun.config.Config`` (see ``setup_utils.setup_and_load``).
"""

from __future__ import annotations

import random
from typing import Any

import gymnasium as gym
import numpy as np

from .config import Config
from .errors import InvalidOption
from .vector_env import CoinRunVectorEnv

game_versions = {"standard": 1000, "platform": 1001, "maze": 1002}

_threads = 0
_rand_seed: int | None = None


def init_args_and_threads(cpu_count: int = 4, monitor_csv_policy: str = "all", rand_seed: int | None = None) -> None:
    """The original's one-time init: sets the engine thread count and the pool seed of the
    envs created afterwards (``monitor_csv_policy`` is accepted and ignored)."""
    global _threads, _rand_seed
    _threads = int(cpu_count)
    _rand_seed = rand_seed


class CoinRunVecEnv:
    """``num_envs`` envs of ``game_type``; obs (N, 64, 64, C) uint8, rews float32, dones bool.

    The arrays are views valid until the ring slot comes round again (two steps);
    ``infos`` is a list of empty dicts, as in the original.
    """

    def __init__(
        self, game_type: str, num_envs: int, lump_n: int = 0, default_zoom: float = 5.0, **options: Any
    ) -> None:
        self.metadata = {"render.modes": []}
        self.reward_range = (-float("inf"), float("inf"))
        opts: dict[str, Any] = {
            "num_levels": int(Config.NUM_LEVELS),
            "set_seed": int(Config.SET_SEED),
            "high_difficulty": bool(Config.HIGH_DIFFICULTY),
            "paint_vel_info": int(Config.PAINT_VEL_INFO) if game_type == Config.GAME_TYPE else -1,
            "use_data_augmentation": bool(Config.USE_DATA_AUGMENTATION),
            "use_black_white": bool(Config.USE_BLACK_WHITE),
            "is_high_res": bool(Config.IS_HIGH_RES),
            "default_zoom": float(default_zoom),
        }
        if _threads:
            opts["num_threads"] = _threads
        seed = _rand_seed if _rand_seed is not None else random.SystemRandom().randint(0, 1000000000)
        opts["seed"] = int(seed)
        opts.update(options)
        self._env = CoinRunVectorEnv(num_envs=num_envs, game=game_type, **opts)
        self.num_envs = num_envs
        self.hires_render = bool(Config.IS_HIGH_RES)
        self.observation_space = self._env.single_observation_space
        self.action_space = gym.spaces.Discrete(self._env.n_actions)
        self.NUM_ACTIONS = self._env.n_actions
        self.RES_W = self.RES_H = self._env.obs_shape[0]
        self.VIDEORES = 512
        self.dummy_info: list[dict[str, Any]] = [{} for _ in range(num_envs)]
        # The original starts playing at creation and ignores resets.
        self._obs, _ = self._env.reset()
        self._pending = False

    def reset(self) -> np.ndarray:
        """Returns the current observations (the original ignores resets too)."""
        return self._obs

    def step_async(self, actions: np.ndarray) -> None:
        self._env.step_async(actions)
        self._pending = True

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        self._pending = False
        obs, rew, term, trunc, infos = self._env.step_wait()
        self._obs = obs
        return obs, rew, infos["_coinrun_episode"], self.dummy_info

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        self.step_async(actions)
        return self.step_wait()

    def get_images(self) -> np.ndarray:
        """512x512 frames of every env with ``is_high_res``, else the 64x64 observations."""
        if self.hires_render:
            return np.stack([self._env.render_env(i) for i in range(self.num_envs)])
        return self._obs

    def close(self) -> None:
        self._env.close()

    @property
    def unwrapped(self) -> CoinRunVecEnv:
        return self


def make(env_id: str, num_envs: int, **kwargs: Any) -> CoinRunVecEnv:
    """The original's ``make``: ``env_id`` is one of 'standard', 'platform', 'maze'."""
    if env_id not in game_versions:
        raise InvalidOption(
            f'cannot find environment "{env_id}", maybe you mean one of {list(game_versions)}', code="UNKNOWN_GAME"
        )
    return CoinRunVecEnv(env_id, num_envs, **kwargs)

"""CoinRunEnv: one env as a ``gymnasium.Env`` (``gymnasium.make("coinrun/CoinRun-v0")``).

It is a 1-env session of the engine with NEXT_STEP autoreset, so the observation of a
terminal step is the terminal frame and ``reset()`` starts the next episode, as a single
gymnasium env should behave. Observations are copies (12 KB), not views.

``gymnasium.make`` builds ``GymCoinRunEnv``: there the time limit is gymnasium's TimeLimit
wrapper (the registered 1002 steps, or ``make``'s ``max_episode_steps``), so the engine's
own limit is off and any length is honoured.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from .errors import InvalidAction
from .vector_env import CoinRunVectorEnv

# The engine's largest limit: in effect none.
NO_TIME_LIMIT = 2**31 - 1


class CoinRunEnv(gym.Env):
    metadata: dict[str, Any] = {"render_modes": ["rgb_array", "human"], "render_fps": 15}

    def __init__(
        self,
        game: str = "standard",
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        **options: Any,
    ) -> None:
        options.setdefault("autoreset_mode", "next_step")
        self._vec = CoinRunVectorEnv(
            num_envs=1, game=game, render_mode=render_mode, max_episode_steps=max_episode_steps, **options
        )
        self.render_mode = render_mode
        self.observation_space = self._vec.single_observation_space
        self.action_space = self._vec.single_action_space
        self._act = np.zeros(1, dtype=np.int32)

    @property
    def options(self) -> dict[str, Any]:
        return self._vec.options

    @property
    def max_episode_steps(self) -> int:
        """The engine's time limit for this env (episodes truncate at this length)."""
        return self._vec.max_episode_steps

    def _info(self, v: dict[str, Any], done: bool) -> dict[str, Any]:
        info: dict[str, Any] = {
            "level_seed": int(v["level_seed"][0]),
            "prev_level_seed": int(v["prev_level_seed"][0]),
            "prev_level_complete": bool(v["prev_level_complete"][0]),
        }
        if done:
            ep = v["coinrun_episode"]
            info["coinrun_episode"] = {"r": float(ep["r"][0]), "l": int(ep["l"][0])}
        return info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        obs, infos = self._vec.reset(seed=seed, options=options)
        return obs[0].copy(), self._info(infos, False)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        a = np.asarray(action)
        if a.size != 1:
            raise InvalidAction(
                f"expected one action, got shape {a.shape}", env=0, value=a.shape, valid=(0, self._vec.n_actions)
            )
        obs, rew, term, trunc, infos = self._vec.step(a.reshape(1))
        done = bool(term[0] or trunc[0])
        return obs[0].copy(), float(rew[0]), bool(term[0]), bool(trunc[0]), self._info(infos, done)

    def get_state(self) -> bytes:
        """This env's state (docs/state.md): restore it with ``set_state``, here or in
        another CoinRunEnv with the same options."""
        return self._vec.get_state()[0]

    def set_state(self, state: bytes) -> tuple[np.ndarray, dict[str, Any]]:
        """Restores ``state``; returns ``(obs, info)`` like ``reset``. Raises InvalidState
        (and changes nothing) for bytes that are not a state of this game and options."""
        obs, infos = self._vec.set_state([state])
        return obs[0].copy(), self._info(infos, False)

    def render(self) -> np.ndarray | None:
        """The current frame at 512x512 (``rgb_array``); None with ``human``, whose viewer
        window follows the env by itself."""
        if self.render_mode != "rgb_array":
            return None
        return self._vec.render_env(0)

    def close(self) -> None:
        self._vec.close()
        super().close()


class GymCoinRunEnv(CoinRunEnv):
    """The entry point of ``gymnasium.make``: gymnasium's TimeLimit wrapper owns the time
    limit (1002 steps as registered, the engine's default, or ``make(max_episode_steps=M)``)."""

    def __init__(
        self,
        game: str = "standard",
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(game, render_mode, max_episode_steps=max_episode_steps or NO_TIME_LIMIT, **options)

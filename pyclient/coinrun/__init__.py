"""CoinRun: the engine as a server, and a gymnasium API to it.

    import gymnasium, coinrun
    envs = gymnasium.make_vec("coinrun/CoinRun-v0", num_envs=64, num_levels=500)
    env = gymnasium.make("coinrun/CoinRun-v0", render_mode="rgb_array")

The original's API is kept for porting: ``from coinrun import setup_utils, make``.
"""

from __future__ import annotations

from typing import Any

from .coinrunenv import CoinRunVecEnv, init_args_and_threads, make
from .env import CoinRunEnv
from .errors import (
    AuthenticationError,
    CoinRunError,
    EngineDied,
    EngineError,
    EngineTimeout,
    InvalidAction,
    InvalidOption,
    InvalidState,
    ResetNeeded,
    VersionMismatch,
)
from .registration import GAME_IDS, register_envs
from .vector_env import CoinRunVectorEnv

__version__ = "0.1.0"

register_envs()


def make_vec(env_id: str = "coinrun/CoinRun-v0", num_envs: int = 1, **options: Any) -> CoinRunVectorEnv:
    """A vector env without going through gymnasium (same as ``gymnasium.make_vec``)."""
    if env_id in GAME_IDS:
        game = GAME_IDS[env_id]
    elif env_id in GAME_IDS.values():
        game = env_id
    else:
        raise InvalidOption(f"unknown env id {env_id!r}; valid ids are {sorted(GAME_IDS)}", code="UNKNOWN_GAME")
    return CoinRunVectorEnv(num_envs=num_envs, game=game, **options)


__all__ = [
    "GAME_IDS",
    "AuthenticationError",
    "CoinRunEnv",
    "CoinRunError",
    "CoinRunVecEnv",
    "CoinRunVectorEnv",
    "EngineDied",
    "EngineError",
    "EngineTimeout",
    "InvalidAction",
    "InvalidOption",
    "InvalidState",
    "ResetNeeded",
    "VersionMismatch",
    "__version__",
    "init_args_and_threads",
    "make",
    "make_vec",
]

"""gymnasium ids of the engine's games, each with the single-env and the vector entry point.

The ids come from the engine's own game list (``coinrun-engine games``, the list the hello
reply sends), so a game added to the engine is registered without a change here.
"""

from __future__ import annotations

import json
import subprocess
import warnings

import gymnasium

from .errors import EngineDied
from .launcher import find_engine

# gymnasium id -> engine game name (the original's config names), filled from the engine.
GAME_IDS: dict[str, str] = {}


def truncation_length(tick_limit: int) -> int:
    """The episode length at which a game's time limit truncates: the level ends once its age
    exceeds ``tick_limit`` ticks (what the engine reports as ``max_episode_steps``), and done
    comes one step after the event (docs/rules.md §6): 1002 for CoinRun, 502 for the maze."""
    return int(tick_limit) + 2


# Listing the games starts the binary once, without serving; this bounds a broken binary.
LIST_GAMES_TIMEOUT_S = 30.0


def engine_games() -> list[dict]:
    """The engine's games ({name, title, env_id, engine_id, max_episode_steps} each)."""
    binary = find_engine()
    out = subprocess.run(
        [str(binary), "games"], capture_output=True, text=True, check=True, timeout=LIST_GAMES_TIMEOUT_S
    )
    return list(json.loads(out.stdout)["games"])


def register_envs() -> None:
    try:
        games = engine_games()
    except (EngineDied, OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        warnings.warn(f"coinrun: no env ids registered, the engine's game list is unavailable: {e}", stacklevel=2)
        return
    limits = {}
    for g in games:
        GAME_IDS[g["env_id"]] = g["name"]
        limits[g["env_id"]] = truncation_length(g["max_episode_steps"])
    for env_id, game in GAME_IDS.items():
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(
            id=env_id,
            entry_point="coinrun.env:GymCoinRunEnv",
            vector_entry_point="coinrun.vector_env:CoinRunVectorEnv",
            kwargs={"game": game},
            # The game's own limit; make_vec passes it to the engine, make wraps the single
            # env in gymnasium's TimeLimit with it.
            max_episode_steps=limits[env_id],
        )

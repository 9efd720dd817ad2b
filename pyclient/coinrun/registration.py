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


DEFAULT_MAX_EPISODE_STEPS = 1002
# Listing the games starts the binary once, without serving; this bounds a broken binary.
LIST_GAMES_TIMEOUT_S = 30.0


def engine_games() -> list[dict]:
    """The engine's games ({name, title, env_id, engine_id, max_episode_steps} each)."""
    binary = find_engine()
    out = subprocess.run([str(binary), "games"], capture_output=True, text=True, check=True,
                         timeout=LIST_GAMES_TIMEOUT_S)
    return list(json.loads(out.stdout)["games"])


def register_envs() -> None:
    try:
        games = engine_games()
    except (EngineDied, OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        warnings.warn(f"coinrun: no env ids registered, the engine's game list is unavailable: {e}",
                      stacklevel=2)
        return
    for g in games:
        GAME_IDS[g["env_id"]] = g["name"]
    for env_id, game in GAME_IDS.items():
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(
            id=env_id,
            entry_point="coinrun.env:GymCoinRunEnv",
            vector_entry_point="coinrun.vector_env:CoinRunVectorEnv",
            kwargs={"game": game},
            # The original's limit: 1000 ticks, done one step late (docs/rules.md §6). make_vec
            # passes it to the engine; make wraps the single env in TimeLimit with it.
            max_episode_steps=DEFAULT_MAX_EPISODE_STEPS,
        )

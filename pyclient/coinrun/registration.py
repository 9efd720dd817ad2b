"""gymnasium ids of the three games, each with the single-env and the vector entry point."""

from __future__ import annotations

import gymnasium

# gymnasium id -> engine game name (the original's config names).
GAME_IDS: dict[str, str] = {
    "coinrun/CoinRun-v0": "standard",
    "coinrun/CoinRunPlatforms-v0": "platform",
    "coinrun/RandomMazes-v0": "maze",
}


def register_envs() -> None:
    for env_id, game in GAME_IDS.items():
        if env_id in gymnasium.registry:
            continue
        gymnasium.register(
            id=env_id,
            entry_point="coinrun.env:CoinRunEnv",
            vector_entry_point="coinrun.vector_env:CoinRunVectorEnv",
            kwargs={"game": game},
            # The engine owns the time limit (game-rules.md §6); no TimeLimit wrapper.
            max_episode_steps=None,
        )

"""gymnasium ids of the three games, each with the single-env and the vector entry point."""

from __future__ import annotations

import gymnasium

# gymnasium id -> engine game name (the original's config names).
GAME_IDS: dict[str, str] = {
    "coinrun/CoinRun-v0": "standard",
    "coinrun/CoinRunPlatforms-v0": "platform",
    "coinrun/RandomMazes-v0": "maze",
}


DEFAULT_MAX_EPISODE_STEPS = 1002


def register_envs() -> None:
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

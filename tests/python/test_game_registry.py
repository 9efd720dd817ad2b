"""The game list is the engine's: Python registers the gymnasium ids the engine lists
(``coinrun-engine games``, the same list as the hello reply), so a game that only the engine
knows, here the test-only toy game of the test build (tests/cpp/toy_game.cpp, listed in
engine/games/registry.cpp under COINRUN_TEST_GAMES), is created from Python unchanged."""

from __future__ import annotations

from pathlib import Path

import coinrun
import gymnasium
import numpy as np
import pytest
from coinrun import registration
from conftest import REPO, needs_engine

TOY_ENGINE = REPO / "build" / "coinrun-engine-with-test-games"
TOY_ID = "coinrun/ToyCorridor-v0"
RIGHT = 1  # docs/rules.md §5.2


@needs_engine
def test_registered_ids_are_the_engines_games() -> None:
    games = registration.engine_games()
    assert {g["env_id"]: g["name"] for g in games} == coinrun.GAME_IDS
    assert all(env_id in gymnasium.registry for env_id in coinrun.GAME_IDS)


@pytest.mark.skipif(not TOY_ENGINE.is_file(), reason="no build/coinrun-engine-with-test-games: build the tests")
def test_a_game_only_the_engine_lists_is_created_from_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COINRUN_ENGINE", str(TOY_ENGINE))
    try:
        registration.register_envs()
        assert coinrun.GAME_IDS[TOY_ID] == "toy_corridor"
        envs = gymnasium.make_vec(TOY_ID, num_envs=2)
        try:
            envs.reset(seed=3)
            total = np.zeros(2, dtype=np.float32)
            # The coin lies at most 8 cells right of the spawn: walking right takes it.
            for _ in range(9):
                _, rewards, _, _, _ = envs.step(np.full(2, RIGHT, dtype=np.int64))
                total += rewards
            assert (total >= 10.0).all()  # after the coin, autoreset may take the next one
        finally:
            envs.close()
    finally:
        coinrun.GAME_IDS.pop(TOY_ID, None)
        gymnasium.registry.pop(TOY_ID, None)


def test_without_an_engine_nothing_is_registered_and_that_is_said(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("COINRUN_ENGINE", str(tmp_path / "missing"))
    with pytest.warns(UserWarning, match="game list is unavailable"):
        registration.register_envs()

"""The original CoinRun API: setup_utils, make, the README's random agent."""

from __future__ import annotations

import coinrun
import numpy as np
import pytest
from coinrun import setup_utils
from coinrun.config import Config
from conftest import needs_engine

pytestmark = needs_engine


def test_readme_random_agent_runs_as_written():
    import numpy as np
    from coinrun import make, setup_utils

    setup_utils.setup_and_load(use_cmd_line_args=False)
    env = make("standard", num_envs=16)
    for _ in range(100):
        acts = np.array([env.action_space.sample() for _ in range(env.num_envs)])
        _obs, _rews, _dones, _infos = env.step(acts)
    env.close()
    assert _obs.shape == (16, 64, 64, 3) and _rews.shape == (16,) and _dones.dtype == np.bool_
    assert isinstance(_infos, list) and len(_infos) == 16


def test_setup_and_load_flags_reach_the_env():
    args = setup_utils.setup_and_load(use_cmd_line_args=False, num_levels=7, set_seed=13, high_difficulty=True)
    assert args.num_levels == 7 and Config.NUM_LEVELS == 7 and Config.PAINT_VEL_INFO == 1
    env = coinrun.make("standard", num_envs=2)
    try:
        assert env._env.options["num_levels"] == 7
        assert env._env.options["set_seed"] == 13
        assert env._env.options["high_difficulty"] is True
    finally:
        env.close()
        setup_utils.setup_and_load(use_cmd_line_args=False)


def test_setup_and_load_rejects_unknown_settings():
    with pytest.raises(coinrun.InvalidOption, match="num_levelz"):
        setup_utils.setup_and_load(use_cmd_line_args=False, num_levelz=3)


def test_make_unknown_game():
    with pytest.raises(coinrun.InvalidOption, match="maybe you mean one of"):
        coinrun.make("bogus", num_envs=1)


def test_step_async_wait_get_images_and_black_white():
    setup_utils.setup_and_load(use_cmd_line_args=False, use_black_white=1, is_high_res=True)
    env = coinrun.make("maze", num_envs=2)
    try:
        assert env.observation_space.shape == (64, 64, 1)
        env.step_async(np.array([1, 2]))
        obs, rews, dones, infos = env.step_wait()
        assert obs.shape == (2, 64, 64, 1)
        imgs = env.get_images()
        assert imgs.shape == (2, 512, 512, 3)
        assert env.reset().shape == (2, 64, 64, 1)
    finally:
        env.close()
        setup_utils.setup_and_load(use_cmd_line_args=False)

"""gymnasium conventions: gymnasium's own wrappers with default arguments on our single and
vector envs, final_info, render types, human rendering, time limits and spec, refused
actions and steps before reset, and seeding (docs/gymnasium.md)."""

from __future__ import annotations

from pathlib import Path

import coinrun
import gymnasium as gym
import numpy as np
import pytest
from conftest import needs_engine

pytestmark = [needs_engine, pytest.mark.timeout(300)]

MAZE = "coinrun/RandomMazes-v0"
# Maze level 0 has its coin away from the start: noop never ends its episodes, time limits do.
LEVEL0 = {"num_levels": 1}


# ---------------------------------------------------------------------------------------
# wrappers


def test_record_episode_statistics_single_env():
    env = gym.wrappers.RecordEpisodeStatistics(gym.make(MAZE, max_episode_steps=25, **LEVEL0))
    try:
        env.reset(seed=0)
        steps = 0
        term = trunc = False
        while not (term or trunc):
            _, _, term, trunc, info = env.step(0)
            steps += 1
        assert (steps, trunc, term) == (25, True, False)
        assert info["episode"]["l"] == 25 and info["episode"]["r"] == 0.0
    finally:
        env.close()


def test_record_episode_statistics_vector_env_matches_ours():
    envs = gym.wrappers.vector.RecordEpisodeStatistics(
        gym.make_vec("coinrun/CoinRun-v0", num_envs=8, seed=3, max_episode_steps=30)
    )
    try:
        envs.reset(seed=3)
        rng = np.random.default_rng(0)
        ended = 0
        for _ in range(90):  # three episode ends per env: the first must not break the next
            _, _, term, trunc, infos = envs.step(rng.integers(0, 7, 8))
            done = term | trunc
            if done.any():
                ended += int(done.sum())
                assert np.array_equal(infos["_episode"], done)
                assert np.array_equal(infos["episode"]["l"][done], infos["coinrun_episode"]["l"][done])
                assert np.allclose(infos["episode"]["r"][done], infos["coinrun_episode"]["r"][done])
        assert ended >= 24
    finally:
        envs.close()


def test_transform_normalize_and_frame_stack_single_env():
    env = gym.make("coinrun/CoinRun-v0")
    env = gym.wrappers.TransformReward(env, lambda r: 2 * r)
    env = gym.wrappers.NormalizeReward(env)
    env = gym.wrappers.NormalizeObservation(env)
    env = gym.wrappers.FrameStackObservation(env, 4)
    try:
        obs, _ = env.reset(seed=1)
        assert obs.shape == (4, 64, 64, 3) and obs.dtype == np.float32
        for _ in range(5):
            obs, rew, *_ = env.step(env.action_space.sample())
        assert obs.shape == (4, 64, 64, 3) and np.isfinite(obs).all() and np.isfinite(rew)
    finally:
        env.close()


def test_vector_wrappers_with_default_arguments():
    # gymnasium's vector observation wrappers refuse same-step autoreset (they could not
    # transform final_obs), for its own envs as for ours: they need next_step.
    with pytest.raises(ValueError, match="NEXT_STEP"):
        gym.wrappers.vector.NormalizeObservation(gym.make_vec("coinrun/CoinRun-v0", num_envs=1, seed=2)).close()
    envs = gym.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=2, autoreset_mode="next_step")
    envs = gym.wrappers.vector.RecordEpisodeStatistics(envs)
    envs = gym.wrappers.vector.TransformReward(envs, lambda r: 0.1 * r)
    envs = gym.wrappers.vector.NormalizeReward(envs)
    envs = gym.wrappers.vector.NormalizeObservation(envs)
    envs = gym.wrappers.vector.ClipReward(envs, -5, 5)
    try:
        obs, _ = envs.reset(seed=2)
        assert obs.shape == (4, 64, 64, 3) and obs.dtype == np.float32
        for _ in range(10):
            obs, rew, *_ = envs.step(envs.action_space.sample())
        assert np.isfinite(obs).all() and np.all(np.abs(rew) <= 5)
    finally:
        envs.close()


def test_dict_info_to_list_sees_per_env_finals():
    envs = gym.wrappers.vector.DictInfoToList(
        gym.make_vec("coinrun/CoinRun-v0", num_envs=3, seed=0, max_episode_steps=4)
    )
    try:
        envs.reset()
        for _ in range(4):
            *_, infos = envs.step(np.zeros(3, np.int64))
        assert isinstance(infos, list) and len(infos) == 3
        for info in infos:
            assert info["final_obs"].shape == (64, 64, 3)
            assert info["final_info"]["coinrun_episode"]["l"] == 4 and info["coinrun_episode"]["l"] == 4
    finally:
        envs.close()


def test_time_limit_wrapper_and_longer_limits_single_env():
    # gymnasium.make's TimeLimit owns the single env's limit, shorter or longer than 1002.
    for limit in (7, 1100):
        env = gym.make(MAZE, max_episode_steps=limit, **LEVEL0)
        try:
            assert env.spec.max_episode_steps == limit
            env.reset(seed=0)
            n = 0
            while True:
                n += 1
                _, _, term, trunc, _ = env.step(0)
                if term or trunc:
                    break
            assert (n, trunc, term) == (limit, True, False)
        finally:
            env.close()
    env = gym.wrappers.TimeLimit(coinrun.CoinRunEnv(game="maze", **LEVEL0), 5)
    try:
        env.reset(seed=0)
        assert [env.step(0)[3] for _ in range(5)] == [False] * 4 + [True]
    finally:
        env.close()


def test_record_video_vector_and_single(tmp_path: Path):
    pytest.importorskip("moviepy")
    envs = gym.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=0, render_mode="rgb_array")
    envs = gym.wrappers.vector.RecordVideo(envs, str(tmp_path / "vec"), step_trigger=lambda s: s == 0, video_length=4)
    try:
        envs.reset(seed=0)
        for _ in range(6):
            envs.step(envs.action_space.sample())
    finally:
        envs.close()
    env = gym.wrappers.RecordVideo(
        gym.make("coinrun/CoinRun-v0", render_mode="rgb_array"),
        str(tmp_path / "one"),
        step_trigger=lambda s: s == 0,
        video_length=4,
    )
    try:
        env.reset(seed=0)
        for _ in range(6):
            env.step(env.action_space.sample())
    finally:
        env.close()
    for d in ("vec", "one"):
        videos = list((tmp_path / d).glob("*.mp4"))
        assert videos and videos[0].stat().st_size > 1000, f"no video written in {d}"


# ---------------------------------------------------------------------------------------
# autoreset, render, human


def test_same_step_final_obs_and_final_info():
    # Same seed and actions in both modes: up to the first episode end they are the same run,
    # so same-step's final_obs must be the frame that next-step returns on its done step.
    rng = np.random.default_rng(3)
    actions = rng.integers(0, 7, (1002, 8))
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=8, seed=4) as same,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=8, seed=4, autoreset_mode="next_step") as nxt,
    ):
        _, infos = same.reset()
        before = infos["level_seed"].copy()
        nxt.reset()
        for a in actions:
            _, _, term, trunc, infos = same.step(a)
            obs_n, _, term_n, trunc_n, infos_n = nxt.step(a)
            done = term | trunc
            assert np.array_equal(done, term_n | trunc_n)
            if done.any():
                break
        assert done.any() and "final_obs" not in infos_n and "final_info" not in infos_n
        assert np.array_equal(infos["_final_obs"], done) and np.array_equal(infos["_final_info"], done)
        assert infos["final_obs"].shape == (8, 64, 64, 3)
        assert np.array_equal(infos["final_obs"][done], obs_n[done]), "final_obs is the episode's last frame"
        fi = infos["final_info"]
        assert np.array_equal(fi["level_seed"][done], before[done])
        assert np.array_equal(fi["coinrun_episode"]["l"][done], infos_n["coinrun_episode"]["l"][done])
        assert np.array_equal(infos["prev_level_seed"], before)
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=1, max_episode_steps=3, use_black_white=True) as e:
        e.reset()
        for _ in range(3):
            *_, infos = e.step(np.zeros(2, np.int32))
        assert infos["final_obs"].shape == (2, 64, 64, 1) and infos["_final_obs"].all()


def test_vector_render_returns_a_tuple_of_frames():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=3, seed=0, render_mode="rgb_array") as envs:
        envs.reset()
        frames = envs.render()
        assert isinstance(frames, tuple) and len(frames) == 3
        assert all(f.shape == (512, 512, 3) and f.dtype == np.uint8 and f.any() for f in frames)
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=0) as envs:
        envs.reset()
        assert envs.render() is None


def test_human_render_without_display_is_a_clear_error(monkeypatch):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(coinrun.CoinRunError, match="no display"):
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, render_mode="human")
    with pytest.raises(coinrun.CoinRunError, match="xvfb-run"):
        gym.make("coinrun/CoinRun-v0", render_mode="human")


def test_human_render_opens_the_viewer_on_the_session(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    try:
        coinrun.gym_compat.find_viewer()
    except coinrun.CoinRunError:
        pytest.skip("coinrun-viewer was not built (no Qt 6)")
    env = gym.make("coinrun/CoinRun-v0", render_mode="human")
    viewer = env.unwrapped._vec._viewer
    try:
        env.reset(seed=0)
        for _ in range(20):
            env.step(env.action_space.sample())
        assert env.render() is None
        assert viewer.alive(), viewer.log_tail()
        assert "--attach" in viewer.proc.args and str(env.unwrapped._vec.session) in viewer.proc.args
    finally:
        env.close()
    assert viewer.proc.poll() is not None, "close() must stop the viewer"


# ---------------------------------------------------------------------------------------
# time limits and spec


def test_max_episode_steps_honoured_and_spec_truthful():
    envs = gym.make_vec(MAZE, num_envs=2, seed=0, **LEVEL0)
    try:
        assert envs.spec.max_episode_steps == 502 == envs.unwrapped.max_episode_steps  # the maze's own
        envs.reset()
        n = 0
        while True:
            n += 1
            _, _, term, trunc, _ = envs.step(np.zeros(2, np.int32))
            if (term | trunc).any():
                break
        assert n == 502 and trunc.all() and not term.any()
    finally:
        envs.close()
    envs = gym.make_vec(MAZE, num_envs=2, seed=0, max_episode_steps=40, **LEVEL0)
    try:
        assert envs.spec.max_episode_steps == 40 == envs.unwrapped.max_episode_steps
        envs.reset()
        trunc_at = [t for t in range(1, 81) if envs.step(np.zeros(2, np.int32))[3].all()]
        assert trunc_at == [40, 80]
    finally:
        envs.close()
    for env_id, limit in (("coinrun/CoinRun-v0", 1002), ("coinrun/CoinRunPlatforms-v0", 1002), (MAZE, 502)):
        assert gym.spec(env_id).max_episode_steps == limit
        env = gym.make(env_id)
        try:
            assert env.spec.max_episode_steps == limit
        finally:
            env.close()
    with pytest.raises(coinrun.InvalidOption, match="max_episode_steps"):
        coinrun.make_vec(MAZE, num_envs=1, max_episode_steps=1)


# ---------------------------------------------------------------------------------------
# refused actions and steps before reset, in every API


def test_non_integer_actions_are_refused_everywhere():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=0) as envs:
        envs.reset()
        for bad in (np.array([1.0, 2.0]), np.array([True, False]), np.array([0.5, 1.0], np.float32)):
            with pytest.raises(coinrun.InvalidAction, match="integers"):
                envs.step(bad)
            with pytest.raises(coinrun.InvalidAction, match="integers"):
                envs.step_async(bad)
        envs.step(np.array([1, 2], np.uint8))
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=0, batch_size=2) as envs:
        envs.async_reset()
        envs.recv()
        with pytest.raises(coinrun.InvalidAction, match="integers"):
            envs.send(np.array([1.0, 1.0]), np.array([0, 1]))
    env = coinrun.CoinRunEnv()
    try:
        env.reset(seed=0)
        with pytest.raises(coinrun.InvalidAction, match="integers"):
            env.step(1.0)
        env.step(np.int64(1))
        env.step(3)
    finally:
        env.close()
    old = coinrun.make("standard", num_envs=2)
    try:
        with pytest.raises(coinrun.InvalidAction, match="integers"):
            old.step(np.array([1.0, 2.0]))
    finally:
        old.close()


def test_step_before_reset_is_an_error_everywhere():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=0) as envs:
        for call in (lambda: envs.step(np.zeros(2, np.int32)), lambda: envs.step_async(np.zeros(2, np.int32))):
            with pytest.raises(coinrun.ResetNeeded, match="reset"):
                call()
        with pytest.raises(gym.error.ResetNeeded):
            envs.send(np.zeros(2, np.int32))
        envs.reset()
        envs.step(np.zeros(2, np.int32))
    env = coinrun.CoinRunEnv()
    try:
        with pytest.raises(coinrun.ResetNeeded):
            env.step(0)
    finally:
        env.close()
    env = gym.make("coinrun/CoinRun-v0")
    try:
        with pytest.raises(gym.error.ResetNeeded):
            env.step(0)
    finally:
        env.close()
    # The original API starts playing at creation (its reset is a no-op): creation is the reset.
    old = coinrun.make("standard", num_envs=2)
    try:
        old.step(np.zeros(2, np.int32))
    finally:
        old.close()


# ---------------------------------------------------------------------------------------
# seeding


def test_seed_at_creation_equals_seed_at_reset():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=11) as a:
        obs_a, ia = a.reset()
        obs_a, seeds_a = obs_a.copy(), ia["level_seed"].copy()
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=99) as b:
        obs_b, ib = b.reset(seed=11)
        assert np.array_equal(seeds_a, ib["level_seed"]) and np.array_equal(obs_a, obs_b)
        b.step(np.ones(4, np.int32))
        obs_c, ic = b.reset(seed=11)  # and again later, after play
        assert np.array_equal(seeds_a, ic["level_seed"]) and np.array_equal(obs_a, obs_c)
    env = gym.make("coinrun/CoinRun-v0", seed=11)
    try:
        _, info = env.reset()
        first = info["level_seed"]
        _, info = env.reset(seed=11)
        assert info["level_seed"] == first
    finally:
        env.close()

"""Gymnasium API of the vector and single envs: spaces, seeding, autoreset modes, infos,
determinism across engine thread counts, async batches, remote engines."""

from __future__ import annotations

import subprocess

import coinrun
import gymnasium as gym
import numpy as np
import pytest
from conftest import needs_engine, serve_engine
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

pytestmark = needs_engine

MAX_STEPS = 1100  # beyond every game's time limit (docs/rules.md §6)


def run_until_done(env, rng, max_steps=MAX_STEPS):
    """Steps with random actions until some env is done; returns (step index, outputs)."""
    prev = None
    for t in range(max_steps):
        out = env.step(rng.integers(0, 7, size=env.num_envs))
        obs, rew, term, trunc, infos = out
        if np.any(term | trunc):
            return t, out, prev
        prev = (infos["level_seed"].copy(),)
    raise AssertionError("no episode ended within the time limit")


def test_spaces_and_metadata():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=3, seed=1) as env:
        assert env.single_observation_space == gym.spaces.Box(0, 255, (64, 64, 3), np.uint8)
        assert env.single_action_space == gym.spaces.Discrete(7)
        assert env.observation_space.shape == (3, 64, 64, 3)
        assert env.action_space == gym.spaces.MultiDiscrete([7, 7, 7])
        assert env.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
        assert env.action_names[0] == "noop" and len(env.action_names) == 7
        obs, infos = env.reset()
        assert obs.shape == (3, 64, 64, 3) and obs.dtype == np.uint8
        assert env.observation_space.contains(obs)
        assert set(infos) == {
            "level_seed", "prev_level_seed", "prev_level_complete", "coinrun_episode", "_coinrun_episode"
        }
        assert infos["level_seed"].dtype == np.uint32
        assert infos["coinrun_episode"]["r"].dtype == np.float32 and infos["coinrun_episode"]["l"].dtype == np.int32
        assert infos["_coinrun_episode"].dtype == np.bool_ and not infos["_coinrun_episode"].any()
        obs, rew, term, trunc, infos = env.step(np.zeros(3, dtype=np.int64))
        assert rew.dtype == np.float32 and term.dtype == np.bool_ and trunc.dtype == np.bool_


def test_black_white_obs_shape():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=2, seed=1, use_black_white=True) as env:
        obs, _ = env.reset()
        assert obs.shape == (2, 64, 64, 1)
        assert env.single_observation_space.shape == (64, 64, 1)


@pytest.mark.parametrize("env_id", sorted(coinrun.GAME_IDS))
def test_gymnasium_make_vec_all_games(env_id):
    env = gym.make_vec(env_id, num_envs=2, seed=3)
    try:
        assert env.unwrapped.game == coinrun.GAME_IDS[env_id]
        obs, _ = env.reset(seed=5)
        assert obs.shape == (2, 64, 64, 3) and obs.any(), "blank observation"
        obs, *_ = env.step(np.array([1, 2]))
        assert obs.shape == (2, 64, 64, 3)
    finally:
        env.close()


def test_single_env_checker_and_render():
    env = gym.make("coinrun/CoinRun-v0", render_mode="rgb_array", seed=4)
    try:
        check_env(env.unwrapped, skip_render_check=False)
        env.reset(seed=1)
        frame = env.render()
        assert frame.shape == (512, 512, 3) and frame.dtype == np.uint8 and frame.any()
    finally:
        env.close()


def test_seeding_reproduces_and_differs():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=1) as env:
        a, ia = env.reset(seed=123)
        a, sa = a.copy(), ia["level_seed"].copy()
        b, ib = env.reset(seed=123)
        assert np.array_equal(a, b) and np.array_equal(sa, ib["level_seed"])
        c, ic = env.reset(seed=124)
        assert not np.array_equal(sa, ic["level_seed"])
        # envs of one pool play different levels
        assert len(set(sa.tolist())) > 1


def test_num_levels_restricts_level_seeds():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=8, seed=9, num_levels=3) as env:
        _, infos = env.reset()
        assert set(infos["level_seed"].tolist()) <= {0, 1, 2}
        assert env.options["num_levels"] == 3


def _trajectory(num_threads: int, steps: int = 60, **kw) -> list[bytes]:
    rng = np.random.default_rng(0)
    out = []
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=6, seed=77, num_threads=num_threads, **kw) as env:
        obs, _ = env.reset(seed=77)
        out.append(obs.tobytes())
        for _ in range(steps):
            obs, rew, term, trunc, _ = env.step(rng.integers(0, 7, size=6))
            out.append(obs.tobytes() + rew.tobytes() + term.tobytes() + trunc.tobytes())
    return out


def test_determinism_across_thread_counts():
    one = _trajectory(1)
    two = _trajectory(2)
    assert one == two
    assert one == _trajectory(1), "same seed and actions must give the same bytes"


def test_same_step_autoreset_infos():
    rng = np.random.default_rng(1)
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=16, seed=5, num_levels=0) as env:
        _, infos = env.reset(seed=5)
        assert np.array_equal(infos["prev_level_seed"], infos["level_seed"])
        for _ in range(MAX_STEPS):
            seeds_before = infos["level_seed"].copy()
            obs, rew, term, trunc, infos = env.step(rng.integers(0, 7, size=16))
            done = term | trunc
            if done.any():
                break
        assert done.any()
        assert np.array_equal(infos["_coinrun_episode"], done)
        # gymnasium's same-step convention: the finished episode's info under final_info
        assert np.array_equal(infos["_final_info"], done)
        assert np.array_equal(infos["final_info"]["level_seed"][done], seeds_before[done])
        assert np.array_equal(infos["prev_level_seed"], seeds_before)
        i = int(np.flatnonzero(done)[0])
        # SAME_STEP: the returned row already belongs to the next episode's level
        assert infos["level_seed"][i] != seeds_before[i] or env.options["num_levels"] == 1
        assert infos["coinrun_episode"]["l"][i] >= 1
        assert infos["prev_level_complete"][i] == (term[i] and infos["coinrun_episode"]["r"][i] > 0)
        # the next step is an ordinary step of the new episode
        _, rew2, term2, trunc2, infos2 = env.step(np.zeros(16, dtype=np.int32))
        assert not term2[i] and not trunc2[i]


def test_next_step_autoreset():
    rng = np.random.default_rng(2)
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=16, seed=6, autoreset_mode="next_step") as env:
        assert env.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
        env.reset(seed=6)
        for _ in range(MAX_STEPS):
            obs, rew, term, trunc, infos = env.step(rng.integers(0, 7, size=16))
            done = term | trunc
            if done.any():
                break
        assert done.any()
        i = int(np.flatnonzero(done)[0])
        seed_at_done = int(infos["level_seed"][i])
        ep_len = int(infos["coinrun_episode"]["l"][i])
        assert ep_len >= 1
        # NEXT_STEP: the following step starts the new episode: reward 0, not done
        obs2, rew2, term2, trunc2, infos2 = env.step(rng.integers(0, 7, size=16))
        assert rew2[i] == 0 and not term2[i] and not trunc2[i]
        assert int(infos2["level_seed"][i]) != seed_at_done


def test_reset_mask_and_level_seeds():
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=2) as env:
        obs0, info0 = env.reset(options={"level_seeds": [10, 11, 12, 13]})
        assert info0["level_seed"].tolist() == [10, 11, 12, 13]
        first = obs0.copy()
        mask = np.array([False, True, False, False])
        obs1, info1 = env.reset(options={"reset_mask": mask, "level_seeds": [42]})
        assert info1["level_seed"].tolist() == [10, 42, 12, 13]
        assert np.array_equal(obs1[0], first[0]) and np.array_equal(obs1[2], first[2])
        with pytest.raises(coinrun.InvalidOption, match="unknown reset option"):
            env.reset(options={"bogus": 1})


def test_step_async_wait_matches_step():
    rng = np.random.default_rng(3)
    acts = rng.integers(0, 7, size=(30, 4))
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=8) as a,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=8) as b,
    ):
        a.reset(seed=8)
        b.reset(seed=8)
        for t in range(30):
            oa, ra, *_ = a.step(acts[t])
            b.step_async(acts[t])
            ob, rb, *_ = b.step_wait()
            assert np.array_equal(oa, ob) and np.array_equal(ra, rb)


def test_send_recv_subset_batches():
    n, bs = 8, 4
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, batch_size=bs, seed=11) as env,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, seed=11) as ref,
    ):
        ref_obs, _ = ref.reset(seed=11)
        env.async_reset(seed=11)
        seen = []
        for _ in range(2):
            obs, rew, term, trunc, info = env.recv()
            assert obs.shape == (bs, 64, 64, 3)
            seen.extend(info["env_id"].tolist())
            assert np.array_equal(obs, ref_obs[info["env_id"]])
        assert sorted(seen) == list(range(n))
        # pipelined: two batches in flight, results in order, rows belong to their env ids
        env.send(np.full(bs, 1), np.arange(bs))
        env.send(np.full(bs, 1), np.arange(bs, n))
        o1, *_, i1 = env.recv()
        o1 = o1.copy()
        assert i1["env_id"].tolist() == list(range(bs))
        o2, *_, i2 = env.recv()
        assert i2["env_id"].tolist() == list(range(bs, n))
        ref_step, *_ = ref.step(np.full(n, 1))
        assert np.array_equal(o1, ref_step[:bs]) and np.array_equal(o2, ref_step[bs:])
        with pytest.raises(coinrun.CoinRunError, match="nothing in flight"):
            env.recv()


def test_whole_batch_send_recv_loop_matches_sync_steps():
    # EnvPool's loop with batch_size == num_envs: the env ids recv() hands back go straight
    # into send(), and the step is a plain one; rows, ids and levels match sync stepping.
    n = 3
    acts = np.random.default_rng(2).integers(0, 7, size=(60, n))
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, batch_size=n, seed=12, max_episode_steps=20) as env,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, seed=12, max_episode_steps=20) as ref,
    ):
        env.async_reset(seed=12)
        ref.reset(seed=12)
        _, _, _, _, info = env.recv()
        ids = info["env_id"]
        ended = 0
        for t in range(60):
            env.send(acts[t], ids)
            obs, rew, term, trunc, info = env.recv()
            robs, rrew, rterm, rtrunc, rinfo = ref.step(acts[t])
            assert info["env_id"].tolist() == list(range(n))
            ids = info["env_id"]
            assert np.array_equal(obs, robs) and np.array_equal(rew, rrew)
            assert np.array_equal(term, rterm) and np.array_equal(trunc, rtrunc)
            assert np.array_equal(info["prev_level_seed"], rinfo["prev_level_seed"])
            assert np.array_equal(info["_coinrun_episode"], rinfo["_coinrun_episode"])
            ended += int(info["_coinrun_episode"].sum())
        assert ended >= n  # episodes of at most 20 steps: every env finished one in the 60


@pytest.mark.parametrize("render_in_flight", [False, True])
def test_half_batch_send_recv_loop_matches_sync_steps(render_in_flight):
    # EnvPool's loop with batch_size == num_envs / 2: the env ids recv() hands back (views
    # the client checked when it staged them) go straight into send(). Every env's rows match
    # sync stepping with the same per-env actions. With render_in_flight, a ZeroMQ request
    # (render_env) comes between the doorbell's batches in flight: the engine finishes them
    # first, and the rows stay the same.
    n, bs, steps = 6, 3, 30
    acts = np.random.default_rng(5).integers(0, 7, size=(steps, n))
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, batch_size=bs, seed=14, max_episode_steps=12) as env,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=n, seed=14, max_episode_steps=12) as ref,
    ):
        env.async_reset(seed=14)
        ref.reset(seed=14)
        for _ in range(2):
            _, _, _, _, info = env.recv()
            env.send(acts[0][info["env_id"]], info["env_id"])
        got = {}
        for t in range(1, 2 * steps - 1):
            obs, rew, _, _, info = env.recv()
            ids = info["env_id"]
            k = (t + 1) // 2 - 1  # the step these rows answer: batches alternate halves
            for j, e in enumerate(ids.tolist()):
                got[(k, e)] = (obs[j].copy(), float(rew[j]))
            env.send(acts[k + 1][ids], ids)  # k + 1 < steps: the loop stops short of the last
            if render_in_flight and t % 3 == 0:
                assert env.render_env(int(ids[0]), 32, 32).shape == (32, 32, 3)
        for k in range(steps - 1):
            robs, rrew, *_ = ref.step(acts[k])
            for e in range(n):
                o, r = got[(k, e)]
                assert np.array_equal(o, robs[e]) and r == rrew[e], (k, e)


@pytest.mark.parametrize("transport", ["shm", "inline"])
def test_the_handed_back_id_view_the_client_remembers_is_the_last_and_goes_on_close(transport):
    # Inline replies bring new views every time: the client remembers only the last one, not
    # one per recv(), and forgets it on close (it must not keep a segment mapped).
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, batch_size=2, seed=4, transport=transport) as env:
        env.async_reset()
        for _ in range(2):
            *_, info = env.recv()
            env.send(np.zeros(2, np.int32), info["env_id"])
        for _ in range(50):
            *_, info = env.recv()
            env.send(np.zeros(2, np.int32), info["env_id"])
        assert env._last_env_ids is info["env_id"]
        env.close()
        assert env._last_env_ids is None


def test_a_stale_handed_back_id_view_is_refused_by_the_engine():
    # A view recv() handed out, kept past its slot's reuse, shows that slot's newest ids,
    # here env 1 twice; the engine refuses them (the client checks no duplicates itself).
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, batch_size=2, ring_depth=2, seed=3) as env:
        env.reset(seed=3)
        env.send(np.zeros(2, np.int32), np.array([0, 1]))
        _, _, _, _, info = env.recv()
        stale = info["env_id"]
        assert stale.tolist() == [0, 1]
        for _ in range(2):  # the second lands in the stale view's slot
            env.send(np.zeros(1, np.int32), np.array([1]))
            env.recv()
        assert stale.tolist() == [1, 1]
        env.send(np.zeros(2, np.int32), stale)
        with pytest.raises(coinrun.CoinRunError, match="twice"):
            env.recv()
        env.send(np.zeros(2, np.int32), np.array([2, 3]))  # still usable
        obs, *_ = env.recv()
        assert obs.shape == (2, 64, 64, 3)


def _serve(engine, port_file_endpoint="tcp://127.0.0.1:0"):
    proc, endpoint = serve_engine(engine, port_file_endpoint, stderr=subprocess.DEVNULL)
    assert endpoint.startswith("tcp://127.0.0.1:"), endpoint
    return proc, endpoint


@pytest.mark.parametrize("transport", ["shm", "inline"])
def test_remote_engine_over_tcp(engine_path, transport):
    proc, endpoint = _serve(engine_path)
    try:
        rng = np.random.default_rng(4)
        acts = rng.integers(0, 7, size=(20, 3))
        with (
            coinrun.make_vec(
                "coinrun/CoinRun-v0", num_envs=3, seed=21, address=endpoint, transport=transport, max_episode_steps=8
            ) as remote,
            coinrun.make_vec("coinrun/CoinRun-v0", num_envs=3, seed=21, max_episode_steps=8) as local,
        ):
            assert remote.transport == transport
            ro, _ = remote.reset(seed=21)
            lo, _ = local.reset(seed=21)
            assert np.array_equal(ro, lo)
            for t in range(20):
                ro, rr, rt, rtr, ri = remote.step(acts[t])
                lo, lr, lt, ltr, li = local.step(acts[t])
                assert np.array_equal(ro, lo) and np.array_equal(rr, lr) and np.array_equal(rt, lt)
                assert np.array_equal(ri["level_seed"], li["level_seed"])
                assert np.array_equal(ri["prev_level_seed"], li["prev_level_seed"])
                if (lt | ltr).any():  # every 8 steps: the last frames travel too
                    m = li["_final_obs"]
                    assert np.array_equal(ri["_final_obs"], m) and m.any()
                    assert np.array_equal(ri["final_obs"][m], li["final_obs"][m])
            assert remote.render_env(0, 128, 96).shape == (96, 128, 3)
        assert proc.poll() is None, "closing a remote session must not stop the engine"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_doorbell_and_zeromq_paths_agree():
    rng = np.random.default_rng(6)
    acts = rng.integers(0, 7, size=(40, 5))
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=5, seed=31, doorbell=True) as a,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=5, seed=31, doorbell=False) as b,
    ):
        assert a.uses_doorbell and not b.uses_doorbell
        a.reset(seed=31)
        b.reset(seed=31)
        for t in range(40):
            oa, ra, ta, tra, ia = a.step(acts[t])
            ob, rb, tb, trb, ib = b.step(acts[t])
            assert np.array_equal(oa, ob) and np.array_equal(ra, rb) and np.array_equal(ta | tra, tb | trb)
            assert np.array_equal(ia["level_seed"], ib["level_seed"])
        # the ZeroMQ path still works on a doorbell session (shared seq numbers)
        a.step_async(acts[0])
        a.step_wait()
        a.send(acts[1])
        a.recv()
        a.step(acts[2])

"""Per-env state save/restore and chosen levels through the server and the Python client
(protocol 1.1, docs/state.md): round trips, bit-exact replay after a restore in another
engine process with another thread count, refused bytes that change nothing, level seeds,
and ``train/evaluate.py --level-seeds``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import coinrun
import numpy as np
import pytest
from coinrun import CoinRunError, InvalidState
from conftest import REPO, needs_engine

pytestmark = needs_engine

N = 8
STEPS = 120


def actions(seed: int, steps: int = STEPS, n: int = N) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 7, size=(steps, n)).astype(np.int32)


def rollout(venv: coinrun.CoinRunVectorEnv, acts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Copies of obs, rewards, dones and level seeds of every step."""
    obs, rew, done, seeds = [], [], [], []
    for a in acts:
        o, r, te, tr, info = venv.step(a)
        obs.append(o.copy())
        rew.append(r.copy())
        done.append(np.logical_or(te, tr))
        seeds.append(info["level_seed"].copy())
    return np.stack(obs), np.stack(rew), np.stack(done), np.stack(seeds)


def assert_same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> None:
    for x, y, what in zip(a, b, ("obs", "rewards", "dones", "level seeds"), strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y), f"{what} differ after restore"


def make(num_envs: int = N, **kw: object) -> coinrun.CoinRunVectorEnv:
    kw.setdefault("num_levels", 50)
    return coinrun.make_vec("coinrun/CoinRun-v0", num_envs=num_envs, **kw)


def test_round_trip_in_process_is_bit_exact() -> None:
    with make(num_threads=2) as venv:
        venv.reset(seed=3)
        rollout(venv, actions(1, 40))
        states = venv.get_state()
        assert len(states) == N and all(isinstance(s, bytes) and s[:8] == b"CRSTATE\0" for s in states)
        obs0 = venv.get_state(env_ids=[5, 2])
        assert obs0 == [states[5], states[2]]
        first = rollout(venv, actions(2))
        obs, infos = venv.set_state(states)
        assert obs.shape == (N, 64, 64, 3) and not np.any(infos["_coinrun_episode"])
        assert venv.get_state() == states  # restore then save gives the same bytes
        assert_same(first, rollout(venv, actions(2)))


def test_restore_in_another_engine_process_with_other_threads() -> None:
    with make(num_threads=1) as a:
        a.reset(seed=11)
        rollout(a, actions(3, 60))
        states = a.get_state()
        want = rollout(a, actions(4))
    with make(num_threads=4, seed=999) as b:  # a fresh engine process, other pool seed
        b.reset(seed=0)
        b.set_state(states)
        assert_same(want, rollout(b, actions(4)))


def test_set_state_of_chosen_envs_keeps_the_others() -> None:
    with make() as venv, make() as ref:
        venv.reset(seed=5)
        ref.reset(seed=5)
        rollout(venv, actions(6, 30))
        rollout(ref, actions(6, 30))
        root = venv.get_state(env_ids=[0])[0]
        obs, infos = venv.set_state([root] * 3, env_ids=[7, 1, 4])
        ref_a = actions(7, 1)
        ref_a[0, [1, 4, 7]] = ref_a[0, 1]
        ref_obs = rollout(ref, ref_a)[0][0]
        # The branches start from env 0's moment; env 3 (not restored) still matches `ref`
        # one step later.
        states = venv.get_state()
        assert states[7] == states[1] == states[4] == root
        assert infos["level_seed"][7] == infos["level_seed"][0]
        a = actions(7, 1)
        a[0, [1, 4, 7]] = a[0, 1]  # the three branches take the same action
        nxt = rollout(venv, a)[0][0]
        assert np.array_equal(nxt[3], ref_obs[3])
        assert np.array_equal(nxt[1], nxt[4]) and np.array_equal(nxt[1], nxt[7])


def test_branching_rollouts_same_actions_same_future() -> None:
    with make() as venv:
        venv.reset(seed=8)
        rollout(venv, actions(9, 50))
        root = venv.get_state(env_ids=[2])[0]
        venv.set_state([root] * N)
        same = np.repeat(actions(10, 80, 1), N, axis=1)
        obs, rew, done, _ = rollout(venv, same)
        for i in range(1, N):
            assert np.array_equal(obs[:, i], obs[:, 0]) and np.array_equal(rew[:, i], rew[:, 0])


def test_single_env_search_from_a_state() -> None:
    env = coinrun.CoinRunEnv(num_levels=10)
    try:
        env.reset(seed=1)
        root = env.get_state()
        plans = [np.random.default_rng(k).integers(0, 7, size=60) for k in range(4)]

        def value(plan: np.ndarray) -> tuple[float, bytes]:
            env.set_state(root)
            ret = 0.0
            for a in plan:
                _, r, term, trunc, _ = env.step(int(a))
                ret += r
                if term or trunc:
                    break
            return ret, env.get_state()

        scores = [value(p) for p in plans]
        assert [value(p) for p in plans] == scores  # each line replays exactly
        obs, info = env.set_state(root)
        assert obs.shape == (64, 64, 3) and isinstance(info["level_seed"], int)
    finally:
        env.close()


BAD = {
    "truncated": lambda s: s[: len(s) // 2],
    "empty": lambda s: b"",
    "flipped byte": lambda s: s[:40] + bytes([s[40] ^ 0x5A]) + s[41:],
    "bad magic": lambda s: b"XXSTATE\0" + s[8:],
    "newer version": lambda s: s[:8] + (99).to_bytes(2, "little") + s[10:],
    "garbage": lambda s: bytes(range(256)) * 4,
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_bytes_are_refused_and_change_nothing(kind: str) -> None:
    with make() as venv, make() as ref:
        venv.reset(seed=21)
        ref.reset(seed=21)
        rollout(venv, actions(12, 25))
        rollout(ref, actions(12, 25))
        states = venv.get_state()
        bad = list(states)
        bad[3] = BAD[kind](states[3])
        with pytest.raises(InvalidState) as ei:
            venv.set_state(bad)
        assert isinstance(ei.value, CoinRunError) and ei.value.code == "BAD_STATE"
        assert ei.value.index == 3 and "state 3" in str(ei.value)
        assert venv.get_state() == states
        assert_same(rollout(ref, actions(13, 30)), rollout(venv, actions(13, 30)))


def test_foreign_game_and_other_options_are_refused() -> None:
    with coinrun.make_vec("coinrun/RandomMazes-v0", num_envs=2, num_levels=50) as maze:
        maze.reset(seed=1)
        foreign = maze.get_state()
    with make(num_envs=2) as venv, make(num_envs=2, num_levels=0) as other:
        venv.reset(seed=1)
        other.reset(seed=1)
        before = venv.get_state()
        with pytest.raises(InvalidState) as ei:
            venv.set_state(foreign)
        assert ei.value.reason == "wrong_game" and ei.value.index == 0
        with pytest.raises(InvalidState) as ei:
            venv.set_state(other.get_state())
        assert ei.value.reason == "option_mismatch" and "num_levels" in str(ei.value)
        with pytest.raises(InvalidState):
            venv.set_state(before[:1])  # one state for two envs
        with pytest.raises(InvalidState):
            venv.set_state(before, env_ids=[0, 0])
        with pytest.raises(InvalidState):
            venv.set_state(["not bytes", before[1]])  # type: ignore[list-item]
        assert venv.get_state() == before
        venv.set_state(before)  # the session is still usable after refusals
        venv.step(np.zeros(2, np.int32))


def test_level_seeds_reset_plays_those_levels() -> None:
    seeds = [7, 123456, 2**31 + 5, 0, 42, 42, 99, 3]
    with make(num_levels=0) as venv:
        _, infos = venv.reset(seed=0, options={"level_seeds": seeds})
        assert infos["level_seed"].tolist() == seeds
        obs_a = venv.get_state()
        _, infos = venv.reset(seed=77, options={"level_seeds": seeds})
        assert infos["level_seed"].tolist() == seeds
        # The same seed is the same level whatever the pool seed: identical first frames.
        o1, _ = venv.reset(seed=1, options={"level_seeds": [5] * N})
        assert all(np.array_equal(o1[i], o1[0]) for i in range(N))
        # Chosen envs, given out of order: seeds follow the ids.
        _, infos = venv.reset(options={"env_ids": [6, 1], "level_seeds": [600, 100]})
        assert infos["level_seed"][6] == 600 and infos["level_seed"][1] == 100
        mask = np.zeros(N, bool)
        mask[[2, 5]] = True
        _, infos = venv.reset(options={"reset_mask": mask, "level_seeds": [222, 555]})
        assert infos["level_seed"][2] == 222 and infos["level_seed"][5] == 555
        assert infos["level_seed"][6] == 600
        assert len(obs_a) == N


def test_get_state_refuses_bad_env_ids() -> None:
    with make(num_envs=2) as venv:
        venv.reset(seed=0)
        with pytest.raises(InvalidState):
            venv.get_state(env_ids=[2])
        with pytest.raises(InvalidState):
            venv.get_state(env_ids=[])


def test_evaluate_level_seeds_writes_json(tmp_path: Path) -> None:
    seeds_file = tmp_path / "seeds.txt"
    seeds = [3, 14, 15, 92, 65]
    seeds_file.write_text("3, 14 15\n92  # comment\n65\n")
    out = tmp_path / "eval.json"
    cmd = [sys.executable, str(REPO / "train" / "evaluate.py"), "--random-agent", "--num-levels", "0",
           "--level-seeds", str(seeds_file), "--num-eval", "2", "--output", str(out), "--device", "cpu"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(out.read_text())["levels"]
    assert res["level_seeds"] == seeds and res["episodes"] == len(seeds) and res["num_eval"] == 2
    assert len(res["episodes_detail"]["returns"]) == len(seeds)


def test_debug_a_bad_episode_alone_in_a_single_env() -> None:
    """An env's episode-start state from a vector env, replayed in a fresh single env with
    one thread, gives the same frames, rewards and end step."""
    with make(num_threads=2) as venv:
        venv.reset(seed=4)
        rollout(venv, actions(30, 20))
        start = venv.get_state(env_ids=[5])[0]
        acts = actions(31, 200)
        obs, rew, done, _ = rollout(venv, acts)
    end = int(np.flatnonzero(done[:, 5])[0]) if done[:, 5].any() else len(acts) - 1
    env = coinrun.CoinRunEnv(num_levels=50, num_threads=1, autoreset_mode="same_step")
    try:
        env.set_state(start)
        for t in range(end + 1):
            o, r, term, trunc, _ = env.step(int(acts[t, 5]))
            assert np.array_equal(o, obs[t, 5]) and r == rew[t, 5] and (term or trunc) == done[t, 5]
    finally:
        env.close()


def test_a_retried_set_state_is_answered_again_not_run_twice() -> None:
    with make(num_envs=2) as venv:
        venv.reset(seed=2)
        a = venv.get_state()
        venv.step(np.ones(2, np.int32))
        b = venv.get_state()
        venv.set_state(a)
        seq = venv._seq
        client = venv._require_client()
        client._next_id -= 1  # a true retry: same request id (the cached reply carries it)
        reply = client.request(
            {"type": "set_state", "session": venv.session, "seq": seq, "slot": seq % venv.ring_depth, "states": b}
        )
        assert reply["type"] == "set_state_ok" and reply["seq"] == seq
        assert venv.get_state() == a  # the retry ran nothing
        reply = client.request({"type": "get_state", "session": venv.session, "env_ids": [1]})
        assert reply["states"] == [a[1]]

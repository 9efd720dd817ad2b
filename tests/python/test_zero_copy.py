"""Observations and outputs are read-only views on the session's shared memory, prebuilt
per ring slot: no copy and no new buffer per step."""

from __future__ import annotations

import tracemalloc

import coinrun
import numpy as np
import pytest
from conftest import needs_engine

pytestmark = needs_engine


@pytest.fixture
def env():
    e = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=8, seed=3)
    yield e
    e.close()


def test_outputs_share_memory_with_segment(env):
    seg = env._transport.shm.buffer
    obs, infos = env.reset()
    assert np.shares_memory(obs, seg)
    obs, rew, term, trunc, infos = env.step(np.zeros(8, dtype=np.int32))
    for a in (
        obs,
        rew,
        term,
        trunc,
        infos["level_seed"],
        infos["prev_level_complete"],
        infos["coinrun_episode"]["r"],
        infos["coinrun_episode"]["l"],
    ):
        assert np.shares_memory(a, seg)
    assert obs.base is not None and not obs.flags.owndata


def test_views_are_read_only(env):
    obs, _ = env.reset()
    with pytest.raises(ValueError):
        obs[0, 0, 0, 0] = 1
    _, rew, term, *_ = env.step(np.zeros(8, dtype=np.int32))
    with pytest.raises(ValueError):
        rew[0] = 1.0
    with pytest.raises(ValueError):
        term[0] = True


def test_ring_slots_alternate_and_are_reused(env):
    env.reset()
    outs = [env.step(np.full(8, 1))[0] for _ in range(4)]
    assert env.ring_depth == 2
    assert outs[0] is outs[2] and outs[1] is outs[3], "views are prebuilt per slot"
    assert not np.shares_memory(outs[0], outs[1])


def test_no_per_step_array_allocation(env):
    env.reset()
    acts = np.ones(8, dtype=np.int32)
    for _ in range(5):
        env.step(acts)
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    for _ in range(50):
        env.step(acts)
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename") if s.size_diff > 0)
    # 50 steps of 8 observations are 4.9 MB; what stays allocated must be tiny
    assert grown < 64 * 1024, f"{grown} bytes retained over 50 steps"


def test_actions_are_copied_into_the_segment(env):
    env.reset()
    acts = np.arange(8, dtype=np.int64) % 7
    env.step(acts)
    slot = env._seq % env.ring_depth
    assert np.array_equal(env._transport.slots[slot].actions, acts)
    assert np.shares_memory(env._transport.slots[slot].actions, env._transport.shm.buffer)

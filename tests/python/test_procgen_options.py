"""Procgen's option names on our envs: each one's effect, and each one deterministic
(docs/gymnasium.md, "Procgen options")."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import coinrun
import numpy as np
import pytest
from conftest import ENGINE, needs_engine

pytestmark = [needs_engine, pytest.mark.timeout(300)]

# Level 3 of CoinRun has agent look 4, ground theme 2 and background 12; level 1388 has
# look 0, theme 0, background 0 and no monsters (checked below against the engine).
THEMED, PLAIN = 3, 1388


def level(seed: int, game: str = "standard") -> dict[str, Any]:
    out = subprocess.run(
        [str(ENGINE), "level", "--game", game, "--seed", str(seed)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def first_frames(seeds: list[int], game: str = "coinrun/CoinRun-v0", **opts: Any) -> np.ndarray:
    """The first frame of each level in ``seeds``, one env per level."""
    opts.setdefault("seed", opts.get("rand_seed", 0))
    with coinrun.make_vec(game, num_envs=len(seeds), **opts) as env:
        obs, infos = env.reset(options={"level_seeds": seeds})
        assert infos["level_seed"].tolist() == seeds
        return obs.copy()


def play(steps: int, num_envs: int = 4, **opts: Any) -> list[bytes]:
    """Bytes of every observation, reward and done of a seeded random run."""
    rng = np.random.default_rng(0)
    out = []
    opts.setdefault("seed", opts.get("rand_seed", 5))
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=num_envs, **opts) as env:
        obs, infos = env.reset()
        out.append(obs.tobytes() + infos["level_seed"].tobytes())
        for _ in range(steps):
            obs, rew, term, trunc, infos = env.step(rng.integers(0, 7, num_envs))
            out.append(obs.tobytes() + rew.tobytes() + term.tobytes() + trunc.tobytes() + infos["level_seed"].tobytes())
    return out


@pytest.mark.parametrize(
    "opts",
    [
        {"start_level": 50, "num_levels": 3},
        {"use_sequential_levels": True},
        {"restrict_themes": True},
        {"use_backgrounds": False},
        {"use_monochrome_assets": True},
        {"center_agent": False},
        {"distribution_mode": "easy"},
        {"rand_seed": 7},
        {"max_episode_steps": 20},
    ],
    ids=lambda o: next(iter(o)),
)
def test_every_option_is_deterministic(opts):
    assert play(60, **opts) == play(60, **opts)


def test_start_level_offsets_the_training_levels():
    seen: set[int] = set()
    with coinrun.make_vec(
        "coinrun/CoinRun-v0", num_envs=8, seed=1, num_levels=5, start_level=1000, max_episode_steps=3
    ) as env:
        _, infos = env.reset()
        seen.update(infos["level_seed"].tolist())
        for _ in range(30):
            *_, infos = env.step(np.zeros(8, np.int32))
            seen.update(infos["level_seed"].tolist())
    assert seen == {1000, 1001, 1002, 1003, 1004}
    # As in Procgen, unlimited levels ignore start_level.
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=2, start_level=9) as a,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=4, seed=2) as b,
    ):
        assert np.array_equal(a.reset()[1]["level_seed"], b.reset()[1]["level_seed"])
    with pytest.raises(coinrun.InvalidOption, match="start_level"):
        coinrun.make_vec("coinrun/CoinRun-v0", num_levels=5, set_seed=3, start_level=10)


def test_rand_seed_is_seed():
    a = first_frames([1, 2], rand_seed=4)
    with (
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=3, rand_seed=4) as x,
        coinrun.make_vec("coinrun/CoinRun-v0", num_envs=3, seed=4) as y,
    ):
        assert np.array_equal(x.reset()[1]["level_seed"], y.reset()[1]["level_seed"])
        assert x.options["seed"] == 4
    assert a.shape == (2, 64, 64, 3)
    with pytest.raises(coinrun.InvalidOption, match="rand_seed"):
        coinrun.make_vec("coinrun/CoinRun-v0", rand_seed=1, seed=2)


def test_distribution_mode_maps_onto_the_original_settings():
    seeds = [THEMED, 10, 11]
    assert np.array_equal(first_frames(seeds, distribution_mode="hard"), first_frames(seeds))
    assert np.array_equal(first_frames(seeds, distribution_mode="easy"), first_frames(seeds, restrict_themes=True))
    extreme = first_frames(seeds, distribution_mode="extreme")
    assert np.array_equal(extreme, first_frames(seeds, high_difficulty=True))
    assert not np.array_equal(extreme, first_frames(seeds))
    with coinrun.make_vec("coinrun/CoinRun-v0", distribution_mode="extreme") as env:
        assert env.options["high_difficulty"] is True
    for bad, match in (({"distribution_mode": "memory"}, "not available"), ({"distribution_mode": 1}, "valid")):
        with pytest.raises(coinrun.InvalidOption, match=match):
            coinrun.make_vec("coinrun/CoinRun-v0", **bad)
    with pytest.raises(coinrun.InvalidOption, match="high_difficulty"):
        coinrun.make_vec("coinrun/CoinRun-v0", distribution_mode="extreme", high_difficulty=False)


def test_use_sequential_levels_continues_the_episode_on_the_next_level():
    # Maze level 0: right, right, up takes the coin on step 3; done comes on step 4.
    actions = [1, 1, 3, 0]
    for sequential in (False, True):
        with coinrun.make_vec(
            "coinrun/RandomMazes-v0", num_envs=1, seed=0, use_sequential_levels=sequential, max_episode_steps=30
        ) as env:
            env.reset(options={"level_seeds": [0]})
            rewards = []
            for a in actions:
                _, rew, term, trunc, infos = env.step(np.array([a], np.int32))
                rewards.append(float(rew[0]))
            assert rewards == [0, 0, 10, 0]
            assert bool(infos["prev_level_complete"][0]) and infos["prev_level_seed"][0] == 0
            if not sequential:
                assert term[0] and infos["coinrun_episode"]["l"][0] == 4
                continue
            assert not term[0] and not trunc[0] and not infos["_coinrun_episode"][0]
            assert infos["level_seed"][0] == 997  # Procgen's next level in sequence
            n = 4
            while not (term[0] or trunc[0]):
                _, rew, term, trunc, infos = env.step(np.zeros(1, np.int32))
                n += 1
            ep = infos["coinrun_episode"]
            assert ep["l"][0] == n > 4 and ep["r"][0] >= 10, "the episode spans both levels"


def test_restrict_themes_draws_look_zero():
    assert (level(PLAIN)["look"], level(PLAIN)["ground"], level(PLAIN)["bg"]) == (0, 0, 0)
    assert level(THEMED)["look"] != 0 and level(THEMED)["ground"] != 0
    plain, themed = first_frames([PLAIN, THEMED], restrict_themes=True)
    default_plain, default_themed = first_frames([PLAIN, THEMED])
    assert np.array_equal(plain, default_plain), "a level of look 0 is drawn as it is"
    assert not np.array_equal(themed, default_themed), "other looks are replaced by look 0"


def test_use_backgrounds_false_leaves_black_behind_the_scene():
    nobg = first_frames([THEMED, PLAIN], use_backgrounds=False, paint_vel_info=0)
    bg = first_frames([THEMED, PLAIN], paint_vel_info=0)
    for a, b in zip(nobg, bg, strict=True):
        black = (a == 0).all(axis=-1)
        assert black.mean() > 0.3, "most of the frame is background"
        assert (b == 0).all(axis=-1).mean() < 0.01, "the default frame has a picture there"
        # Where something is drawn, it is drawn as with a background (bar blended edges).
        assert (a[~black] == b[~black]).all(axis=-1).mean() > 0.9


def test_use_monochrome_assets_draws_flat_colours():
    mono = first_frames([THEMED, PLAIN, 20], use_monochrome_assets=True, use_backgrounds=False, paint_vel_info=0)
    default = first_frames([THEMED, PLAIN, 20], paint_vel_info=0)
    for a, b in zip(mono, default, strict=True):
        assert len(np.unique(a.reshape(-1, 3), axis=0)) <= 12
        assert len(np.unique(b.reshape(-1, 3), axis=0)) > 100


def test_center_agent_false_shows_the_whole_level():
    # Without centering, flat colours and no background, the 64 x 64 frame is the level map
    # (the engine's level JSON lists grid rows top first, as the frame does).
    drawn = set("ASab#$&%^|P=12")
    for seed in (THEMED, PLAIN):
        frame = first_frames(
            [seed], center_agent=False, use_monochrome_assets=True, use_backgrounds=False, paint_vel_info=0
        )[0]
        grid = level(seed)["grid"]
        expect = np.array([[c in drawn for c in row] for row in grid])
        got = frame.any(axis=-1)
        assert (got != expect).sum() <= 2, "the frame is the level map (bar the agent's 1 x 2 pixels)"
    # and the map does not move when the agent does
    with coinrun.make_vec("coinrun/CoinRun-v0", num_envs=1, seed=0, center_agent=False, paint_vel_info=0) as env:
        obs, _ = env.reset(options={"level_seeds": [PLAIN]})
        first = obs.copy()
        for _ in range(8):
            obs, *_ = env.step(np.array([1], np.int32))
        moved = (first != obs).any(axis=-1)
        assert 0 < moved.sum() < 20, "only the agent's pixels change"

"""Real RL clients on our envs, as their users run them: Stable-Baselines3's PPO with its
CnnPolicy on ``make_vec_env``, and a CleanRL-style PPO on ``gymnasium.make_vec`` with
gymnasium's vector wrappers (examples/). Small sizes: a few hundred steps each."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from conftest import REPO, needs_engine

pytestmark = [needs_engine, pytest.mark.timeout(600)]


def run_example(script: str, *args: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run(
        [sys.executable, str(REPO / "examples" / script), *args],
        capture_output=True,
        text=True,
        timeout=500,
        cwd=REPO,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_stable_baselines3_ppo_cnn_policy():
    pytest.importorskip("stable_baselines3")
    out = run_example(
        "sb3_ppo.py", "--n-envs", "2", "--n-steps", "128", "--total-timesteps", "512", "--max-episode-steps", "60"
    )
    assert out["timesteps"] == 512
    assert out["episodes"] >= 4 and out["mean_length"] <= 60
    assert len(out["actions"]) == 2 and all(0 <= a < 7 for a in out["actions"])


def test_cleanrl_style_ppo_with_gymnasium_vector_wrappers():
    out = run_example(
        "cleanrl_ppo.py",
        "--num-envs",
        "4",
        "--num-steps",
        "64",
        "--total-timesteps",
        "512",
        "--max-episode-steps",
        "50",
    )
    assert out["global_step"] == 512
    # RecordEpisodeStatistics reported every finished episode (4 envs x 128 steps / 50)
    assert out["episodes"] >= 8 and out["mean_return"] is not None
    assert math.isfinite(out["loss"])

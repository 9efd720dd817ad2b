"""train/sweep.py end to end at a tiny size: two settings trained, evaluated, aggregated into
the results JSON and the figure; a re-run skips finished runs and resumes an interrupted one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO, needs_engine

SWEEP = REPO / "train" / "sweep.py"
TINY = ["--total-timesteps", "2048", "--num-eval", "3", "--rep", "2", "--save-interval", "8",
        "--extra=--num-envs 4 --num-steps 16 --num-minibatches 2 --update-epochs 1", "--name", "tiny"]


def sweep(tmp_path: Path, *extra: str) -> str:
    proc = subprocess.run([sys.executable, str(SWEEP), "--num-levels", "10", "0", *TINY, *extra], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def test_help() -> None:
    out = subprocess.run([sys.executable, str(SWEEP), "--help"], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    for flag in ("--num-levels", "--architectures", "--seeds", "--rank", "--world-size", "--aggregate-only"):
        assert flag in out


@needs_engine
def test_tiny_sweep_runs_resumes_and_aggregates(tmp_path: Path) -> None:
    out = sweep(tmp_path)
    assert "2 to do" in out
    results = json.loads((tmp_path / "runs" / "sweeps" / "tiny.json").read_text())
    runs = {r["num_levels"]: r for r in results["runs"]}
    assert set(runs) == {10, 0}
    for r in runs.values():
        assert r["architecture"] == "nature" and r["steps"] == 2048 and r["seed"] == 1
        assert r["train_episodes"] == r["test_episodes"] == 6
        for split in ("train", "test"):
            lo, hi = r[f"{split}_ci"]
            assert 0.0 <= lo <= r[f"{split}_solved"] <= hi <= 100.0
    assert {b["num_levels"] for b in results["random"]} == {10, 0}
    assert (tmp_path / "runs" / "sweeps" / "tiny.png").stat().st_size > 10_000

    # Interrupted: the unlimited run's result is gone but its checkpoint (step 2048) stays.
    (tmp_path / "runs" / "sweeps" / "tiny" / "tiny__nature__lv0__s1.json").unlink()
    out = sweep(tmp_path)
    assert "1 done, 1 to do" in out
    log = (tmp_path / "runs" / "sweeps" / "tiny" / "tiny__nature__lv0__s1.log").read_text()
    assert "resumed tiny__nature__lv0__s1 at update 32, step 2,048" in log
    assert len(json.loads((tmp_path / "runs" / "sweeps" / "tiny.json").read_text())["runs"]) == 2

    # Split over two ranks: rank 1 owns the second run only, and it is done.
    out = sweep(tmp_path, "--rank", "1", "--world-size", "2")
    assert "1 for rank 1, 1 done, 0 to do" in out


def test_runs_do_not_inherit_the_sweeps_torchrun_rank(monkeypatch) -> None:
    """Under torchrun the sweep is one rank; its training runs are single-process jobs."""
    import sys as _sys

    _sys.path.insert(0, str(REPO / "train"))
    import sweep as sweep_module

    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("COINRUN_ENGINE", "/x")
    env = sweep_module.child_env()
    assert not {"RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"} & set(env)
    assert env["COINRUN_ENGINE"] == "/x"

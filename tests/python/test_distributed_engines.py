"""Distributed training as users run it (docs/reproducing.md §2): torchrun ranks, each on an
engine of its own given by --engine-address (one engine per host), reached over TCP with the
token and the engines' CURVE key from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ENGINE, REPO, needs_engine, serve_engine, stop_engine

sys.path.insert(0, str(REPO / "train"))
from coinrun_rl.config import UsageError  # noqa: E402  (after the sys.path insert)
from coinrun_rl.envs import engine_address_for_rank  # noqa: E402

PPO = REPO / "train" / "ppo.py"
TINY = ["--num-envs", "4", "--num-steps", "16", "--num-minibatches", "2", "--update-epochs", "1",
        "--no-progress", "--num-levels", "50", "--architecture", "nature", "--no-final-eval"]


def test_each_rank_takes_its_entry() -> None:
    two = "tcp://10.0.0.1:5555, tcp://10.0.0.2:5555"
    assert [engine_address_for_rank(two, r) for r in range(4)] == ["tcp://10.0.0.1:5555", "tcp://10.0.0.2:5555"] * 2
    assert engine_address_for_rank("ipc:///run/e.sock", 3) == "ipc:///run/e.sock"
    assert engine_address_for_rank(None, 1) is None and engine_address_for_rank("", 0) is None
    for bad in ("10.0.0.1:5555", "tcp://a:1,http://b:2", " , "):
        with pytest.raises(UsageError, match="engine-address"):
            engine_address_for_rank(bad, 0)


@needs_engine
@pytest.mark.timeout(300)
def test_torchrun_ranks_on_their_own_authenticated_engines(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token-0123456789-ddp\n")
    token.chmod(0o600)
    key = tmp_path / "engine.key"  # one key file for both engines, as when it is copied to each host
    engines = []
    try:
        for _ in range(2):
            proc, endpoint = serve_engine(ENGINE, "tcp://0.0.0.0:0", "--token-file", str(token),
                                          "--key-file", str(key), "--threads", "1")
            engines.append((proc, f"tcp://127.0.0.1:{endpoint.rsplit(':', 1)[1]}"))
        env = dict(os.environ)
        env.pop("COINRUN_TOKEN", None)
        env.update({
            "PYTHONPATH": os.pathsep.join([str(REPO / "pyclient"), str(REPO / "train"), env.get("PYTHONPATH", "")]),
            "OMP_NUM_THREADS": "1",
            "COINRUN_TOKEN_FILE": str(token),
            "COINRUN_ENGINE_KEY": f"{key}.pub",
        })
        torchrun = Path(sys.executable).parent / "torchrun"
        cmd = [str(torchrun)] if torchrun.exists() else [sys.executable, "-m", "torch.distributed.run"]
        addresses = ",".join(address for _, address in engines)
        p = subprocess.run([*cmd, "--standalone", "--nproc-per-node", "2", str(PPO), *TINY,
                            "--total-timesteps", "128", "--run-id", "remote", "--engine-address", addresses],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
        out = p.stdout + p.stderr
        assert p.returncode == 0, out[-4000:]
        assert "parameters identical on all 2 ranks" in out
    finally:
        logs = []
        for proc, _ in engines:
            assert stop_engine(proc) == 0
            logs.append(proc.stderr.read())
    # Each engine served one rank's 4 training games (and nothing was launched locally: the
    # ranks would then have left these logs empty).
    for log in logs:
        assert "CURVE encryption on" in log
        assert sum("created: standard x4" in line for line in log.splitlines()) == 1, log
    ckpt = torch.load(tmp_path / "saved_models" / "sav_remote_0.pt", weights_only=False)
    assert ckpt["args"]["engine_address"] == addresses and ckpt["global_step"] == 128

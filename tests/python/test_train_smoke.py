"""train/ppo.py, train/evaluate.py and tools/plot_runs.py against the real engine.

End-to-end runs are tiny (4 games x 16 steps, Nature-CNN unless the flag under test needs
IMPALA) so the whole file stays well under a minute or two on 2 cores. Network-level
properties (dropout mask, batch norm, L2, shapes) are checked in-process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import needs_engine

REPO = Path(__file__).resolve().parents[2]
PPO = REPO / "train" / "ppo.py"
EVALUATE = REPO / "train" / "evaluate.py"
PLOT = REPO / "tools" / "plot_runs.py"
RUN_TIMEOUT_S = 240  # generous for a loaded 2-core machine; a healthy run takes seconds
TINY = ["--num-envs", "4", "--num-steps", "16", "--num-minibatches", "2", "--update-epochs", "1",
        "--num-eval", "2", "--rep", "1", "--no-progress", "--num-levels", "50"]

sys.path.insert(0, str(REPO / "train"))
from coinrun_rl import checkpoints, config, evaluation, networks  # noqa: E402  (after the sys.path insert)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "pyclient"), str(REPO / "train"), env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"  # 2 cores shared: no thread oversubscription in tests
    return env


def run(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(args, check=False, cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{out[-4000:]}"
    return out


def check_eval_block(res: dict, episodes: int) -> None:
    assert res["episodes"] == episodes
    assert 0.0 <= res["percent_solved"] <= 100.0
    lo, hi = res["percent_solved_ci95"]
    assert 0.0 <= lo <= res["percent_solved"] <= hi <= 100.0
    lo, hi = res["mean_return_ci95"]
    assert lo <= res["mean_return"] <= hi or np.isnan(lo)
    # CoinRun: every episode returns 0 or 10 and lasts 1 .. 1002 steps (docs/rules.md §6).
    assert set(res["episodes_detail"]["returns"]) <= {0.0, 10.0}
    assert all(1 <= n <= ppo_max_len() for n in res["episodes_detail"]["lengths"])
    assert res["percent_solved"] == pytest.approx(10.0 * res["mean_return"])


def ppo_max_len() -> int:
    return evaluation.MAX_EPISODE_STEPS


# --------------------------------------------------------------------------------------
# End to end
# --------------------------------------------------------------------------------------
@needs_engine
def test_tiny_run_checkpoint_resume_and_evaluate(tmp_path: Path) -> None:
    out = run([sys.executable, PPO, *TINY, "--architecture", "nature", "--total-timesteps", "128",
               "--save-interval", "1", "--run-id", "tiny", "--test"], tmp_path)
    assert "global batch 64 = 1 x 4 envs x 16 steps" in out
    assert "jemalloc" in out.split("speed:")[1].splitlines()[0], "the CPU run did not restart under jemalloc"
    ckpt = torch.load(tmp_path / "saved_models" / "sav_tiny_0.pt", weights_only=False)
    assert (ckpt["iteration"], ckpt["global_step"]) == (2, 128)
    assert ckpt["args"]["architecture"] == "nature" and ckpt["args"]["num_levels"] == 50
    adam_steps = {int(s["step"]) for s in ckpt["optimizer"]["state"].values()}
    assert adam_steps == {2 * 2}  # 2 updates x 1 epoch x 2 minibatches
    assert list((tmp_path / "runs" / "tiny").glob("events.out.tfevents.*"))
    final = json.loads((tmp_path / "runs" / "tiny" / "final_eval.json").read_text())
    check_eval_block(final["train"], 2)
    check_eval_block(final["test"], 2)
    assert final["test"]["env"]["high_difficulty"] and final["test"]["env"]["num_levels"] == 0
    assert final["train"]["env"]["num_levels"] == 50

    # Exact resume: the saved args win (architecture here), counters and Adam state continue.
    out = run([sys.executable, PPO, "--restore-id", "tiny", "--run-id", "tiny2",
               "--total-timesteps", "256", "--no-final-eval", "--no-progress"], tmp_path)
    assert "resumed tiny at update 2, step 128" in out
    ckpt2 = torch.load(tmp_path / "saved_models" / "sav_tiny2_0.pt", weights_only=False)
    assert (ckpt2["iteration"], ckpt2["global_step"]) == (4, 256)
    assert ckpt2["args"]["architecture"] == "nature" and ckpt2["args"]["num_envs"] == 4
    assert {int(s["step"]) for s in ckpt2["optimizer"]["state"].values()} == {4 * 2}
    assert not any(torch.equal(ckpt["model"][k], ckpt2["model"][k]) for k in ckpt["model"]
                   if k.endswith("weight")), "resumed training did not change the weights"

    out = run([sys.executable, EVALUATE, "--restore-id", "tiny2", "--train-eval", "--test-eval",
               "--num-eval", "3", "--rep", "1", "--output", "eval.json", "--device", "cpu",
               "--record", "clip.gif", "--record-max-steps", "40"], tmp_path)
    res = json.loads((tmp_path / "eval.json").read_text())
    check_eval_block(res["train"], 3)
    check_eval_block(res["test"], 3)
    assert (res["train"]["num_eval"], res["train"]["rep"]) == (3, 1)
    import imageio.v3 as iio

    frames = iio.imread(tmp_path / "clip.gif")
    assert frames.shape[1:3] == (512, 512) and 2 <= frames.shape[0] <= 41
    assert frames.std() > 0, "recorded frames are blank"

    # Learning curve from the logs.
    run([sys.executable, PLOT, "runs/tiny", "--out", "curve.png", "--gap-out", "gap.png"], tmp_path)
    assert (tmp_path / "curve.png").stat().st_size > 1000
    assert (tmp_path / "gap.png").stat().st_size > 1000


def test_restart_under_jemalloc_and_children_get_the_callers_environment() -> None:
    from coinrun_rl import allocator

    assert allocator.find_jemalloc(), f"libjemalloc2 is missing: {allocator.INSTALL_HINT}"
    script = (
        "import json, os, sys; sys.path.insert(0, sys.argv[1]); from coinrun_rl import allocator as a; "
        "why = a.restart_under_jemalloc(); a.drop_preload_from_environment(); "
        "print(json.dumps([why, a.jemalloc_active(), os.environ.get('LD_PRELOAD'), "
        "os.environ.get('MALLOC_CONF'), sys.argv[2:]]))"
    )
    for conf in (None, "narenas:2"):
        env = {k: v for k, v in _env().items() if k not in ("LD_PRELOAD", "MALLOC_CONF")}
        if conf:
            env["MALLOC_CONF"] = conf
        proc = subprocess.run([sys.executable, "-c", script, str(REPO / "train"), "a b", "c"], env=env,
                              capture_output=True, text=True, timeout=60, check=True)
        # Restarted once (the same arguments), jemalloc in place, the caller's settings back.
        assert json.loads(proc.stdout) == [None, True, None, conf, ["a b", "c"]], proc.stdout + proc.stderr


def test_without_jemalloc_the_reason_and_the_fix_are_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from coinrun_rl import allocator

    monkeypatch.setattr(allocator, "jemalloc_active", lambda: False)
    monkeypatch.setattr(allocator, "find_jemalloc", lambda: None)
    why = allocator.restart_under_jemalloc()  # returns instead of restarting
    assert why is not None and "apt-get install libjemalloc2" in why


@needs_engine
def test_random_agent_evaluation(tmp_path: Path) -> None:
    run([sys.executable, EVALUATE, "--random-agent", "--train-eval", "--num-levels", "10",
         "--num-eval", "4", "--output", "random.json"], tmp_path)
    res = json.loads((tmp_path / "random.json").read_text())
    check_eval_block(res["train"], 4)
    assert res["train"]["env"]["num_levels"] == 10


@needs_engine
def test_torchrun_two_processes(tmp_path: Path) -> None:
    torchrun = Path(sys.executable).parent / "torchrun"
    cmd = [str(torchrun)] if torchrun.exists() else [sys.executable, "-m", "torch.distributed.run"]
    out = run([*cmd, "--standalone", "--nproc-per-node", "2", str(PPO), *TINY,
               "--architecture", "nature", "--total-timesteps", "256", "--run-id", "ddp",
               "--test"], tmp_path)
    assert "2 process(es)" in out and "global batch 128 = 2 x 4 envs x 16 steps" in out
    assert "parameters identical on all 2 ranks" in out
    ckpt = torch.load(tmp_path / "saved_models" / "sav_ddp_0.pt", weights_only=False)
    assert ckpt["args"]["world_size"] == 2 and ckpt["global_step"] == 256
    assert len(ckpt["numpy_rng"]) == 2  # every rank's sampler state, for exact resume
    final = json.loads((tmp_path / "runs" / "ddp" / "final_eval.json").read_text())
    check_eval_block(final["train"], 4)  # P x N x K = 2 x 2 x 1


FLAG_CASES = {
    # Every regulariser and option of the paper, in four runs to keep the file fast.
    "impala-dropout-batchnorm-l2": (
        ["--architecture", "impala", "--dropout", "0.2", "--use-batch-norm", "--l2-weight", "1e-4"],
        {"architecture": "impala", "dropout": 0.2, "use_batch_norm": True, "l2_weight": 1e-4}),
    "nature-lstm-epsgreedy-augmentation": (
        ["--architecture", "nature", "--use-lstm", "--epsilon-greedy", "0.5",
         "--use-data-augmentation"],
        {"use_lstm": True, "epsilon_greedy": 0.5, "use_data_augmentation": True}),
    "impalalarge-bw-entropy": (
        ["--architecture", "impalalarge", "--use-black-white", "--ent-coef", "0.05"],
        {"architecture": "impalalarge", "use_black_white": True, "ent_coef": 0.05}),
    "maze-setseed-highd": (
        ["--architecture", "nature", "--game-type", "maze", "--set-seed", "13", "--high-difficulty"],
        {"game_type": "maze", "set_seed": 13, "high_difficulty": True}),
}


@needs_engine
@pytest.mark.parametrize("case", list(FLAG_CASES))
def test_flag_runs(tmp_path: Path, case: str) -> None:
    flags, expected = FLAG_CASES[case]
    run([sys.executable, PPO, *TINY, "--total-timesteps", "64", "--no-final-eval",
         "--run-id", "flag", *flags], tmp_path)
    ckpt = torch.load(tmp_path / "saved_models" / "sav_flag_0.pt", weights_only=False)
    assert ckpt["global_step"] == 64 and ckpt["iteration"] == 1
    for key, value in expected.items():
        assert ckpt["args"][key] == value, (key, ckpt["args"][key], value)
    assert all(torch.isfinite(t).all() for t in ckpt["model"].values())


# --------------------------------------------------------------------------------------
# The network and the statistics, in-process
# --------------------------------------------------------------------------------------
OBS = (64, 64, 3)


def batch(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, *OBS), dtype=torch.uint8, generator=g)


@pytest.mark.parametrize("arch,features", [("impala", 2048), ("impalalarge", 256), ("nature", 1024)])
def test_architecture_shapes(arch: str, features: int) -> None:
    agent = networks.Agent(OBS, 7, arch)
    dense = [m for m in agent.encoder.modules() if isinstance(m, torch.nn.Linear)]
    assert dense[0].in_features == features  # docs/rules.md §10.2 spatial sizes
    action, logprob, entropy, value, _ = agent.get_action_and_value(batch(5))
    assert action.shape == (5,) and value.shape == (5, 1)
    assert ((0 <= action) & (action < 7)).all() and (logprob <= 0).all()
    assert torch.allclose(entropy, torch.full((5,), float(np.log(7))), atol=0.05)  # gain 0.01


def test_dropout_mask_shared_over_batch_and_redrawn_only_on_resample() -> None:
    torch.manual_seed(0)
    agent = networks.Agent(OBS, 7, "impala", dropout=0.5)
    x = batch(1).repeat(3, 1, 1, 1)
    v1 = agent.get_value(x)
    assert torch.equal(v1[0], v1[1]) and torch.equal(v1[1], v1[2])  # same mask for every sample
    assert torch.equal(agent.get_value(x), v1)  # unchanged until resampled
    masks = [m.mask.clone() for m in agent.modules() if isinstance(m, networks.SharedDropout)]
    assert len(masks) == 3 * 5  # after every conv of the 3 stacks
    kept = torch.cat([m.flatten() for m in masks])
    assert set(kept.unique().tolist()) <= {0.0, 2.0}  # kept values scaled by 1/(1-p)
    assert 0.4 < (kept == 0).float().mean().item() < 0.6
    agent.resample_dropout()
    assert not torch.equal(agent.get_value(x), v1)
    assert "mask" not in "".join(agent.state_dict())  # masks are not checkpointed


def test_batch_norm_always_uses_batch_statistics() -> None:
    torch.manual_seed(0)
    agent = networks.Agent(OBS, 7, "impala", use_batch_norm=True).eval()
    x = batch(4)
    alone = agent.get_value(x[:2])
    with_others = agent.get_value(x)[:2]
    assert not torch.allclose(alone, with_others)  # depends on the batch, even in eval()
    assert not any(isinstance(b, torch.Tensor) and b.numel() and "running" in n
                   for n, b in agent.named_buffers())


def test_l2_penalty_skips_biases() -> None:
    agent = networks.Agent(OBS, 7, "nature")
    with torch.no_grad():
        for name, p in agent.named_parameters():
            p.fill_(0.0 if "weight" in name else 3.0)
    assert networks.l2_penalty(agent).item() == 0.0
    with torch.no_grad():
        agent.critic.weight.fill_(2.0)
    assert networks.l2_penalty(agent).item() == pytest.approx(0.5 * 4.0 * agent.critic.weight.numel())


def test_lstm_state_resets_on_done() -> None:
    torch.manual_seed(0)
    agent = networks.Agent(OBS, 7, "nature", use_lstm=True)
    x = batch(2)
    state = agent.initial_state(2, torch.device("cpu"))
    _, _, _, v0, state = agent.get_action_and_value(x, state, torch.zeros(2))
    _, _, _, v_cont, _ = agent.get_action_and_value(x, state, torch.zeros(2))
    _, _, _, v_reset, _ = agent.get_action_and_value(x, state, torch.ones(2))
    assert torch.allclose(v_reset, v0) and not torch.allclose(v_cont, v0)


def test_wilson_interval_and_summary() -> None:
    assert evaluation.wilson_interval(0, 10)[0] == 0.0 and evaluation.wilson_interval(10, 10)[1] == 1.0
    lo, hi = evaluation.wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)
    s = evaluation.summarize(np.array([10.0, 0.0, 10.0, 10.0]), np.array([50, 1002, 70, 90]),
                           np.array([True, False, True, True]))
    assert s["percent_solved"] == 75.0 and s["mean_return"] == 7.5 and s["mean_length"] == 303.0
    assert s["episodes"] == 4


def test_bad_settings_are_clear_errors() -> None:
    cpu = torch.device("cpu")
    with pytest.raises(config.UsageError, match="num_minibatches 3"):
        config.finalize_args(config.Args(num_envs=4, num_steps=16, num_minibatches=3), 1, cpu)
    with pytest.raises(config.UsageError, match="num_envs 6 must be divisible"):
        config.finalize_args(config.Args(num_envs=6, num_steps=16, num_minibatches=4, use_lstm=True), 1, cpu)
    with pytest.raises(checkpoints.CheckpointError, match="no checkpoint"):
        checkpoints.load_checkpoint("no-such-run-anywhere")
    args = config.finalize_args(config.Args(), 2, cpu)
    assert (args.batch_size, args.minibatch_size) == (2 * 32 * 256, 2 * 32 * 256 // 8)
    # Without a GPU the 20-minute CPU recipe fills what the command line left unset.
    assert (args.total_timesteps, args.architecture, args.num_levels) == (
        config.CPU_BUDGET.total_timesteps, config.CPU_BUDGET.architecture, config.CPU_BUDGET.num_levels)
    assert args.run_id is not None and args.run_id.startswith("standard__nature__1__")
    assert (args.compile, args.bf16, args.async_envs) == ("off", "off", "off")  # CUDA-only defaults
    gpu = config.finalize_args(config.Args(), 1, torch.device("cuda"))
    assert (gpu.total_timesteps, gpu.architecture, gpu.num_levels) == (256_000_000, "impala", 500)
    assert (gpu.compile, gpu.bf16, gpu.async_envs) == ("on", "on", "on")


@needs_engine
def test_runs_are_never_overwritten_silently(tmp_path: Path) -> None:
    base = [sys.executable, PPO, *TINY, "--architecture", "nature", "--total-timesteps", "64",
            "--no-final-eval"]
    run([*base, "--run-id", "mine"], tmp_path)
    before = (tmp_path / "saved_models" / "sav_mine_0.pt").read_bytes()
    proc = subprocess.run([*base, "--run-id", "mine"], cwd=tmp_path, env=_env(), capture_output=True,
                          text=True, timeout=RUN_TIMEOUT_S)
    assert proc.returncode != 0 and "run id 'mine' exists already" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "saved_models" / "sav_mine_0.pt").read_bytes() == before
    run([*base, "--run-id", "mine", "--overwrite"], tmp_path)
    # Two runs without --run-id get distinct ids (game__architecture__seed__time).
    ids = {line.split()[1].rstrip(":") for line in run(base, tmp_path).splitlines() if line.startswith("run ")}
    assert len(ids) == 1 and next(iter(ids)).startswith("standard__nature__1__")
    # A missing checkpoint is one line that names the file.
    proc = subprocess.run([sys.executable, PPO, "--restore-id", "nope"], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "sav_nope_0.pt" in proc.stderr


@needs_engine
def test_double_buffered_rollout(tmp_path: Path) -> None:
    """--async-envs: two halves, each stepped while the network acts on the other; every
    step of every game is still recorded once (64 steps = 1 update of 4 games x 16)."""
    out = run([sys.executable, PPO, *TINY, "--architecture", "nature", "--total-timesteps", "128",
               "--async-envs", "on", "--run-id", "halves", "--use-lstm", "--num-minibatches", "2"], tmp_path)
    assert "async_envs" in out
    ckpt = torch.load(tmp_path / "saved_models" / "sav_halves_0.pt", weights_only=False)
    assert ckpt["global_step"] == 128 and ckpt["args"]["async_envs"] == "on"
    final = json.loads((tmp_path / "runs" / "halves" / "final_eval.json").read_text())
    check_eval_block(final["train"], 2)
    check_eval_block(final["random"]["test"], 2)


@pytest.mark.parametrize("use_lstm", [False, True])
def test_sharded_minibatch_gradient_equals_the_whole(use_lstm: bool) -> None:
    """Shards on threads (train/coinrun_rl/parallel.py) compute the minibatch's own gradient
    and statistics, for plain minibatches and for the LSTM's whole-game minibatches."""
    sys.path.insert(0, str(REPO / "train"))
    import ppo
    from coinrun_rl.parallel import ShardPool

    steps, envs = 8, 4
    args = config.finalize_args(config.Args(num_envs=envs, num_steps=steps, num_minibatches=1, use_lstm=use_lstm,
                                            architecture="impala"), 1, torch.device("cpu"))
    g = torch.Generator().manual_seed(3)
    n = steps * envs
    flat = {"obs": torch.randint(0, 256, (n, *OBS), dtype=torch.uint8, generator=g),
            "actions": torch.randint(0, 7, (n,), generator=g), "logprobs": -torch.rand(n, generator=g) * 2,
            "returns": torch.randn(n, generator=g), "values": torch.randn(n, generator=g),
            "dones": (torch.rand(n, generator=g) < 0.2).float()}
    torch.manual_seed(0)
    agent = networks.Agent(OBS, 7, "impala", use_lstm=use_lstm)
    state = agent.initial_state(envs, torch.device("cpu"))
    mb_envs = np.array([2, 0, 3, 1]) if use_lstm else None
    inds = (torch.from_numpy(np.arange(n).reshape(steps, envs)[:, mb_envs].ravel()) if use_lstm
            else torch.randperm(n, generator=g))
    mb = ppo.Minibatch(inds, mb_envs, torch.randn(n, generator=g))
    results = []
    threads = torch.get_num_threads()
    for workers in (1, 2):
        pool = ShardPool(workers)
        agent.zero_grad()
        stats = ppo.minibatch_gradients(args, agent, ppo.ppo_loss, pool, flat, state, mb, 0.2)
        results.append((stats, [p.grad.clone() for p in agent.parameters()]))
        pool.close()
        torch.set_num_threads(threads)
    (s1, g1), (s2, g2) = results
    assert torch.allclose(s1, s2, rtol=1e-5, atol=1e-6)
    for a, b in zip(g1, g2, strict=True):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-6)

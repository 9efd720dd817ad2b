"""The settings of a PPO run (`Args`), the two budgets a run picks from (GPU: the paper's;
CPU: one that shows learning in about 20 minutes on 2 cores), and their validation.

Every flag of the original (docs/rules.md §9-§10) is here in long form; `python train/ppo.py
--help` prints this file's docstrings."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import torch
from coinrun import GAME_IDS

from .allocator import jemalloc_active

# Game names (the original's `--game-type`) -> gymnasium ids, from the client's registry, so
# a game registered there is a valid choice here with no change to train/.
GAME_ENV_IDS: dict[str, str] = {game: env_id for env_id, game in GAME_IDS.items()}
GameType = Literal[tuple(GAME_ENV_IDS)]  # type: ignore[valid-type]
# A speed setting: "auto" picks by device (on for CUDA, off on a CPU); resolved at start.
Switch = Literal["auto", "on", "off"]

# Permanent snapshots written the first time the global step passes these (§10.7).
SNAPSHOT_STEPS = {32_000_000: "32M", 64_000_000: "64M"}
SOLVED_RETURN = 10.0  # a solved standard/maze level returns exactly 10 (§6, §10.8)
RETURN_WINDOW = 100  # episodes averaged for the logged return (§10.6)


class UsageError(ValueError):
    """Settings that cannot run together; the message names the values."""


@dataclass(frozen=True)
class Budget:
    """What a run does when the command line does not say: the paper's configuration on a
    GPU; on a CPU, a recipe that shows learning in about 20 minutes on 2 cores."""

    name: str
    total_timesteps: int
    architecture: str
    num_levels: int
    num_envs: int
    description: str


GPU_BUDGET = Budget("gpu (the paper's)", 256_000_000, "impala", 500, 32, "IMPALA-CNN, 500 levels, 256M steps")
# Measured on a 2-core VM (docs/reproducing.md §4): the Nature-CNN trains at about 1,000
# steps/s there, so 500k steps plus the final evaluation take about 10-20 minutes depending on
# what else runs; 200 levels are few enough to be learned in that budget and leave a visible
# generalization gap.
CPU_BUDGET = Budget("cpu (20-minute recipe)", 500_000, "nature", 200, 32, "Nature-CNN, 200 levels, 500k steps")


@dataclass
class Args:
    """PPO on CoinRun. Defaults are the original's (docs/rules.md §9-§10) unless noted."""

    # ---- run bookkeeping ----
    run_id: str | None = None
    """name of checkpoint files (saved_models/sav_<run_id>_0.pt) and logs (runs/<run_id>);
    default: a new unique <game>__<architecture>__<seed>__<unix time>. An existing run id is
    refused unless --restore-id resumes it or --overwrite says so"""
    restore_id: str | None = None
    """resume exactly from saved_models/sav_<restore_id>_0.pt (model, optimiser, step, args)"""
    overwrite: bool = False
    """allow --run-id to name a run that exists already (its checkpoint and logs are replaced)"""
    save_interval: int = 10
    """rewrite the checkpoint every this many updates (0: only at the end)"""
    seed: int = 1
    """seed of torch/numpy/python and of the engines' level picking (rank r adds 1000*r)"""
    torch_deterministic: bool = True
    """sets torch.backends.cudnn.deterministic"""
    device: str = "auto"
    """"auto" (cuda if available, else cpu), "cpu", "cuda", "cuda:1", ..."""
    num_threads: int = 0
    """engine worker threads per env batch (0: the engine's choice)"""
    engine_address: str | None = None
    """use running engines instead of launching one per process: comma-separated endpoints
    (tcp://HOST:PORT, ipc://PATH), rank r takes entry r % count; token and key from
    COINRUN_TOKEN / COINRUN_TOKEN_FILE and COINRUN_ENGINE_KEY (docs/reproducing.md §2)"""
    torch_threads: int = 0
    """torch CPU threads per process (0: torch's default divided by the number of ranks)"""
    track: bool = False
    """also log to Weights & Biases (needs the wandb package)"""
    wandb_project_name: str = "coinrun"
    """the wandb project"""
    wandb_entity: str | None = None
    """the wandb team"""
    progress: bool = True
    """show a tqdm progress bar (steps/s, ETA) on rank 0"""
    final_eval: bool = True
    """after training, evaluate on training and test levels and write runs/<run_id>/final_eval.json"""
    num_eval: int = 50
    """final evaluation: parallel games per rank"""
    rep: int = 4
    """final evaluation: episodes counted per game"""
    random_baseline: bool = True
    """final evaluation: also evaluate a uniformly random agent on the same levels"""

    # ---- speed (none of these changes the algorithm's maths) ----
    cpu_shards: int = 0
    """cut each batch into this many shards that run forward/backward on their own threads with
    one torch thread each, gradients summed (train/coinrun_rl/parallel.py); 0: one per torch
    thread on a CPU, 1 on CUDA; 1 leaves the parallelism to torch's own intra-op threads"""
    channels_last: bool = True
    """run the convolutions in NHWC (channels_last) memory layout, the engine's own layout"""
    jemalloc: bool = True
    """on a CPU, restart once under jemalloc with purging off, so that each pass reuses the
    memory of the last instead of faulting its activations in again (about 2x on 2 cores;
    train/coinrun_rl/allocator.py); without libjemalloc2 it says so and runs on"""
    compile: Switch = "auto"
    """torch.compile the network; default: on for CUDA, off on a CPU (where its minutes of
    compile time cost more than it saves in a short run)"""
    bf16: Switch = "auto"
    """bfloat16 autocast for forward passes; default: on for CUDA (tensor cores), off on a CPU"""
    async_envs: Switch = "auto"
    """double-buffered rollout: the games are two halves; the engine steps one half while the
    network acts on the other (EnvPool-style). Default: on for CUDA, off on a CPU (where the
    network and the engine share the same cores)"""

    # ---- environment (§9.1) ----
    game_type: GameType = "standard"  # type: ignore[valid-type]
    """which game"""
    num_envs: int | None = None
    """games per process (default 32; 32 on the CPU recipe)"""
    num_levels: int | None = None
    """training levels, 0 = unlimited (default: 500, the paper's benchmark, on a GPU; 200 on the
    CPU recipe)"""
    set_seed: int = -1
    """seed that generates the training set; -1: level seeds 0..num_levels-1"""
    high_difficulty: bool = False
    """only maximum-difficulty training levels"""
    paint_vel_info: int = -1
    """1 draw velocity squares, 0 don't, -1: 1 for standard, 0 otherwise"""
    use_data_augmentation: bool = False
    """regulariser: the engine draws random rectangles on every training frame (§7.8)"""
    use_black_white: bool = False
    """grayscale single-channel observations"""
    epsilon_greedy: float = 0.0
    """regulariser: per step, with this probability all training games act uniformly at random"""
    test: bool = False
    """also run a second batch of num_envs games on unseen high-difficulty levels with the
    current policy (no gradient) and log their curves under test/"""

    # ---- network (§10.2) ----
    architecture: Literal["impala", "nature", "impalalarge"] | None = None
    """the CNN (default: impala on a GPU, nature on the CPU recipe)"""
    use_lstm: bool = False
    """add a 256-unit LSTM after the CNN"""
    dropout: float = 0.0
    """regulariser: dropout after every conv (IMPALA variants), mask shared over the batch and
    re-drawn after each update"""
    use_batch_norm: bool = False
    """regulariser: batch norm after every conv (IMPALA variants), always batch statistics"""

    # ---- PPO (§10.3) ----
    total_timesteps: int | None = None
    """environment steps over all ranks; default 256M on a GPU, 500k on the CPU recipe (with
    --restore-id: the checkpoint's, unless given)"""
    learning_rate: float = 5e-4
    """Adam step size, annealed linearly to 0"""
    anneal_lr: bool = True
    """anneal the learning rate and the clip range"""
    num_steps: int = 256
    """rollout length per game per update"""
    gamma: float = 0.999
    """discount"""
    gae_lambda: float = 0.95
    """GAE lambda"""
    num_minibatches: int = 8
    """minibatches per epoch (with the LSTM: num_envs must be divisible by it)"""
    update_epochs: int = 3
    """passes over each rollout"""
    norm_adv: bool = True
    """normalise advantages within each minibatch"""
    clip_coef: float = 0.2
    """PPO clip range; also clips the value prediction"""
    ent_coef: float = 0.01
    """entropy bonus weight"""
    vf_coef: float = 0.5
    """value-loss weight"""
    max_grad_norm: float = 0.5
    """global gradient-norm clip, after averaging over ranks"""
    adam_eps: float = 1e-5
    """Adam epsilon"""
    l2_weight: float = 0.0
    """regulariser: l2_weight * sum(w^2)/2 over all weights except biases and BN offsets"""
    target_kl: float | None = None
    """stop the epochs of an update early when the approximate KL exceeds this"""

    # ---- filled in at run time ----
    budget: str = ""
    """(computed) which default budget filled the unset settings"""
    world_size: int = 1
    """(computed) number of torchrun processes"""
    batch_size: int = 0
    """(computed) global samples per update"""
    minibatch_size: int = 0
    """(computed) global samples per minibatch"""
    num_iterations: int = 0
    """(computed) number of updates"""


# Settings that --restore-id never takes from the checkpoint: they describe this session
# (where to write, on which hardware), not the run being resumed.
SESSION_FIELDS = (
    "run_id",
    "restore_id",
    "overwrite",
    "device",
    "track",
    "wandb_project_name",
    "wandb_entity",
    "save_interval",
    "final_eval",
    "num_threads",
    "engine_address",
    "torch_threads",
    "progress",
    "compile",
    "bf16",
    "async_envs",
    "channels_last",
    "jemalloc",
    "cpu_shards",
    "num_eval",
    "rep",
    "random_baseline",
)


def device_from_arg(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def default_run_id(args: Args) -> str:
    """CleanRL's style, unique per start: <game>__<architecture>__<seed>__<unix time>."""
    return f"{args.game_type}__{args.architecture}__{args.seed}__{int(time.time())}"


def budget_for(device: torch.device) -> Budget:
    return GPU_BUDGET if device.type == "cuda" else CPU_BUDGET


def finalize_args(args: Args, world_size: int, device: torch.device) -> Args:
    """Fill in the unset settings from the device's budget and the computed fields, then
    validate; every message names the values."""
    budget = budget_for(device)
    args.budget = budget.name
    for field in ("total_timesteps", "architecture", "num_levels", "num_envs"):
        if getattr(args, field) is None:
            setattr(args, field, getattr(budget, field))
    cuda = device.type == "cuda"
    for flag in ("compile", "bf16", "async_envs"):
        if getattr(args, flag) == "auto":
            setattr(args, flag, "on" if cuda else "off")
    if args.run_id is None:
        args.run_id = default_run_id(args)
    assert args.num_envs is not None and args.total_timesteps is not None
    if args.num_envs < 1 or args.num_steps < 1 or args.num_minibatches < 1:
        raise UsageError(
            f"num_envs ({args.num_envs}), num_steps ({args.num_steps}) and "
            f"num_minibatches ({args.num_minibatches}) must be >= 1"
        )
    if args.async_envs == "on" and args.num_envs < 2:
        raise UsageError(f"--async-envs splits the games into two halves: num_envs must be >= 2, got {args.num_envs}")
    args.world_size = world_size
    args.batch_size = world_size * args.num_envs * args.num_steps
    if args.batch_size % args.num_minibatches:
        raise UsageError(
            f"batch {args.batch_size} (= {world_size} ranks x {args.num_envs} envs x "
            f"{args.num_steps} steps) is not divisible by num_minibatches "
            f"{args.num_minibatches}"
        )
    if args.use_lstm and args.num_envs % args.num_minibatches:
        raise UsageError(
            f"with --use-lstm, num_envs {args.num_envs} must be divisible by "
            f"num_minibatches {args.num_minibatches} (minibatches are whole games)"
        )
    if not 0.0 <= args.dropout < 1.0:
        raise UsageError(f"dropout must be in [0, 1), got {args.dropout}")
    if not 0.0 <= args.epsilon_greedy <= 1.0:
        raise UsageError(f"epsilon_greedy must be in [0, 1], got {args.epsilon_greedy}")
    args.minibatch_size = args.batch_size // args.num_minibatches
    args.num_iterations = max(1, args.total_timesteps // args.batch_size)
    return args


def describe(args: Args, device: torch.device) -> str:
    """Printed at start, so a user knows which configuration runs and what the other is."""
    mine, other = (GPU_BUDGET, CPU_BUDGET) if device.type == "cuda" else (CPU_BUDGET, GPU_BUDGET)
    speed = [
        name for name in ("channels_last", "compile", "bf16", "async_envs") if getattr(args, name) in (True, "on")
    ] + (["jemalloc"] if jemalloc_active() else [])
    levels = "unlimited" if args.num_levels == 0 else args.num_levels
    return (
        f"run {args.run_id}: {args.architecture} on {args.game_type}, {levels} training levels, "
        f"{args.total_timesteps:,} steps on {device} ({args.world_size} process(es)); global batch "
        f"{args.batch_size} = {args.world_size} x {args.num_envs} envs x {args.num_steps} steps, "
        f"{args.num_iterations} updates; speed: {', '.join(speed) or 'plain'}\n"
        f"defaults for unset settings: budget {mine.name} = {mine.description} "
        f"(the {other.name.split()[0]} budget would be {other.description})"
    )

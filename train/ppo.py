# PPO for CoinRun, in the style of CleanRL's ppo_procgen.py.
# Docs: docs/reproducing.md. Protocol and defaults: game-rules.md §9-§10.
#
# Single file, importable: everything that runs lives under `if __name__ == "__main__":`;
# `train/evaluate.py` imports `Agent`, `Args`, `make_envs` and the checkpoint helpers from here.
#
# Multi-process: `torchrun --nproc-per-node K train/ppo.py ...`. Every rank drives its own
# engine session with `num_envs` games; gradients are averaged over ranks before clipping
# and the Adam step, so the copies stay identical (this replaces the original's MPI).
# Global batch per update = K x num_envs x num_steps; global minibatch = that / num_minibatches.
from __future__ import annotations

import dataclasses
import json
import os
import random
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.distributions.categorical import Categorical

GAME_IDS = {
    "standard": "coinrun/CoinRun-v0",
    "platform": "coinrun/CoinRunPlatforms-v0",
    "maze": "coinrun/RandomMazes-v0",
}
CHECKPOINT_DIR = Path("saved_models")  # fixed, as in the original (§9.4)
LOG_DIR = Path("runs")
# Permanent snapshots written the first time the global step passes these (§10.7).
SNAPSHOT_STEPS = {32_000_000: "32M", 64_000_000: "64M"}
# Without --total-timesteps: the original's 256M on a GPU; on a CPU a budget that 2 free
# cores finish in under an hour with the default IMPALA-CNN (168 steps/s measured) and in
# about 6 minutes with the Nature-CNN (docs/reproducing.md §4).
DEFAULT_TIMESTEPS_GPU = 256_000_000
DEFAULT_TIMESTEPS_CPU = 500_000
SOLVED_RETURN = 10.0  # a solved standard/maze level returns exactly 10 (§6, §10.8)
LSTM_SIZE = 256  # §9.4
RETURN_WINDOW = 100  # episodes averaged for the logged return (§10.6)

# Settings that --restore-id never takes from the checkpoint: they describe this session
# (where to write, on which hardware), not the run being resumed.
SESSION_FIELDS = (
    "run_id", "restore_id", "device", "track", "wandb_project_name", "wandb_entity",
    "save_interval", "final_eval", "num_threads", "torch_threads", "progress",
)


@dataclass
class Args:
    """PPO on CoinRun. Defaults are the original's (game-rules.md §9-§10) unless noted."""

    # ---- run bookkeeping ----
    run_id: str = "tmp"
    """name of checkpoint files (saved_models/sav_<run_id>_0.pt) and logs (runs/<run_id>)"""
    restore_id: str | None = None
    """resume exactly from saved_models/sav_<restore_id>_0.pt (model, optimiser, step, args)"""
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
    torch_threads: int = 0
    """torch CPU threads per process (0: torch's default divided by the number of ranks).
    On a shared, loaded machine 1 is several times faster than 2 (docs/reproducing.md)"""
    track: bool = False
    """also log to Weights & Biases (needs the wandb package)"""
    wandb_project_name: str = "coinrun"
    """the wandb project"""
    wandb_entity: str | None = None
    """the wandb team"""
    progress: bool = True
    """show a tqdm progress bar (steps/s, ETA) on rank 0"""
    final_eval: bool = True
    """after training, evaluate on training and test levels (train/evaluate.py) and write JSON"""
    num_eval: int = 20
    """final evaluation: parallel games per rank"""
    rep: int = 1
    """final evaluation: episodes counted per game"""

    # ---- environment (§9.1) ----
    game_type: Literal["standard", "platform", "maze"] = "standard"
    """which game"""
    num_envs: int = 32
    """games per process"""
    num_levels: int = 500
    """training levels, 0 = unlimited. Default is the paper's benchmark (the original's was 0)"""
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
    architecture: Literal["impala", "nature", "impalalarge"] = "impala"
    """the CNN"""
    use_lstm: bool = False
    """add a 256-unit LSTM after the CNN"""
    dropout: float = 0.0
    """regulariser: dropout after every conv (IMPALA variants), mask shared over the batch and
    re-drawn after each update"""
    use_batch_norm: bool = False
    """regulariser: batch norm after every conv (IMPALA variants), always batch statistics"""

    # ---- PPO (§10.3) ----
    total_timesteps: int | None = None
    """environment steps over all ranks; default 256M on a GPU, 500k on a CPU (with
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
    world_size: int = 1
    """(computed) number of torchrun processes"""
    batch_size: int = 0
    """(computed) global samples per update"""
    minibatch_size: int = 0
    """(computed) global samples per minibatch"""
    num_iterations: int = 0
    """(computed) number of updates"""


# --------------------------------------------------------------------------------------
# Environments
# --------------------------------------------------------------------------------------
def resolved_paint_vel_info(args: Args) -> bool:
    """§9.4: -1 means on for standard, off for the others."""
    if args.paint_vel_info == -1:
        return args.game_type == "standard"
    return bool(args.paint_vel_info)


def env_kwargs(args: Args, *, test: bool) -> dict[str, Any]:
    """Engine options of a training batch, or of a test batch (§9.4: unlimited
    high-difficulty levels, no augmentation)."""
    return {
        "num_levels": 0 if test else args.num_levels,
        "set_seed": args.set_seed,
        "high_difficulty": True if test else args.high_difficulty,
        "use_data_augmentation": False if test else args.use_data_augmentation,
        "paint_vel_info": resolved_paint_vel_info(args),
        "use_black_white": args.use_black_white,
    }


def make_envs(args: Args, num_envs: int, *, test: bool, seed: int) -> gym.vector.VectorEnv:
    import coinrun  # noqa: F401  (registers the ids)

    kwargs = env_kwargs(args, test=test)
    if args.num_threads > 0:
        kwargs["num_threads"] = args.num_threads
    return gym.make_vec(GAME_IDS[args.game_type], num_envs=num_envs, seed=seed, **kwargs)


def obs_to_device(obs: Any, device: torch.device) -> torch.Tensor:
    """Copy the engine's read-only observation view (valid only until the next-but-one
    step) straight to the device. It stays uint8; the network divides by 255."""
    return torch.tensor(np.asarray(obs), device=device)


def episode_solved(args: Args, returns: np.ndarray, prev_complete: np.ndarray) -> np.ndarray:
    """A level counts as solved when its return is 10 in standard/maze (§10.8); Platforms
    also pays +1 coins, so there the engine's level-complete flag decides."""
    if args.game_type == "platform":
        return prev_complete.astype(bool)
    return returns >= SOLVED_RETURN


# --------------------------------------------------------------------------------------
# Networks (§10.2)
# --------------------------------------------------------------------------------------
def layer_init(layer: nn.Module, std: float = np.sqrt(2), bias_const: float = 0.0) -> nn.Module:
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


def glorot_init(layer: nn.Module) -> nn.Module:
    """The original's IMPALA layers use TensorFlow's default: Glorot-uniform, zero bias."""
    torch.nn.init.xavier_uniform_(layer.weight)
    torch.nn.init.zeros_(layer.bias)
    return layer


class SharedDropout(nn.Module):
    """Dropout whose mask has the shape of one feature map and is shared by every sample in
    the batch. The mask is a buffer, re-drawn only by `resample()` (after each PPO update),
    so acting and all minibatches of one update see the same mask. Not checkpointed."""

    def __init__(self, p: float, shape: tuple[int, int, int]):
        super().__init__()
        self.p = p
        self.register_buffer("mask", torch.ones(shape), persistent=False)
        self.resample()

    @torch.no_grad()
    def resample(self) -> None:
        keep = (torch.rand(self.mask.shape, device=self.mask.device) > self.p).float()
        self.mask.copy_(keep / (1.0 - self.p))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.mask


class ConvLayer(nn.Module):
    """IMPALA conv: 3x3 same conv, then dropout, then batch norm (the original's order)."""

    def __init__(self, in_ch: int, out_ch: int, hw: int, dropout: float, batch_norm: bool):
        super().__init__()
        self.conv = glorot_init(nn.Conv2d(in_ch, out_ch, 3, padding=1))
        self.drop = SharedDropout(dropout, (out_ch, hw, hw)) if dropout > 0 else nn.Identity()
        # track_running_stats=False: always normalise with the current batch (§10.2 quirk).
        self.norm = nn.BatchNorm2d(out_ch, track_running_stats=False) if batch_norm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.drop(self.conv(x)))


class ResidualBlock(nn.Module):
    def __init__(self, ch: int, hw: int, dropout: float, batch_norm: bool):
        super().__init__()
        self.conv0 = ConvLayer(ch, ch, hw, dropout, batch_norm)
        self.conv1 = ConvLayer(ch, ch, hw, dropout, batch_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(F.relu(self.conv0(F.relu(x))))


class ConvSequence(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, hw: int, dropout: float, batch_norm: bool):
        super().__init__()
        self.conv = ConvLayer(in_ch, out_ch, hw, dropout, batch_norm)
        self.out_hw = (hw + 1) // 2  # 3x3 max-pool, stride 2, same padding
        self.res0 = ResidualBlock(out_ch, self.out_hw, dropout, batch_norm)
        self.res1 = ResidualBlock(out_ch, self.out_hw, dropout, batch_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.conv(x), kernel_size=3, stride=2, padding=1)
        return self.res1(self.res0(x))


IMPALA_DEPTHS = {"impala": (16, 32, 32), "impalalarge": (32, 64, 64, 64, 64)}
IMPALA_HIDDEN = 256
NATURE_HIDDEN = 512


def impala_cnn(obs_shape: tuple[int, ...], depths: tuple[int, ...], dropout: float,
               batch_norm: bool) -> tuple[nn.Module, int]:
    h, _, c = obs_shape
    layers: list[nn.Module] = []
    for depth in depths:
        seq = ConvSequence(c, depth, h, dropout, batch_norm)
        layers.append(seq)
        c, h = depth, seq.out_hw
    layers += [nn.Flatten(), nn.ReLU(), glorot_init(nn.Linear(c * h * h, IMPALA_HIDDEN)), nn.ReLU()]
    return nn.Sequential(*layers), IMPALA_HIDDEN


def nature_cnn(obs_shape: tuple[int, ...]) -> tuple[nn.Module, int]:
    h, _, c = obs_shape
    for k, s in ((8, 4), (4, 2), (3, 1)):  # valid padding: 64 -> 15 -> 6 -> 4
        h = (h - k) // s + 1
    net = nn.Sequential(
        layer_init(nn.Conv2d(c, 32, 8, stride=4)), nn.ReLU(),
        layer_init(nn.Conv2d(32, 64, 4, stride=2)), nn.ReLU(),
        layer_init(nn.Conv2d(64, 64, 3, stride=1)), nn.ReLU(),
        nn.Flatten(), layer_init(nn.Linear(64 * h * h, NATURE_HIDDEN)), nn.ReLU(),
    )
    return net, NATURE_HIDDEN


LstmState = tuple[torch.Tensor, torch.Tensor]


class Agent(nn.Module):
    """Actor-critic. Takes uint8 NHWC observations (already on the device) and divides by
    255 inside, so rollouts store bytes, not floats."""

    def __init__(self, obs_shape: tuple[int, ...], num_actions: int, architecture: str = "impala",
                 use_lstm: bool = False, dropout: float = 0.0, use_batch_norm: bool = False):
        super().__init__()
        if architecture == "nature":
            # §10.2: dropout and batch norm are not applied to the Nature-CNN.
            self.encoder, hidden = nature_cnn(obs_shape)
        else:
            self.encoder, hidden = impala_cnn(obs_shape, IMPALA_DEPTHS[architecture], dropout,
                                              use_batch_norm)
        self.lstm: nn.LSTM | None = None
        if use_lstm:
            self.lstm = nn.LSTM(hidden, LSTM_SIZE)
            for name, param in self.lstm.named_parameters():
                if "bias" in name:
                    nn.init.constant_(param, 0)
                elif "weight" in name:
                    nn.init.orthogonal_(param, 1.0)
            hidden = LSTM_SIZE
        self.actor = layer_init(nn.Linear(hidden, num_actions), std=1.0 if use_lstm else 0.01)
        self.critic = layer_init(nn.Linear(hidden, 1), std=1.0)

    def initial_state(self, num_envs: int, device: torch.device) -> LstmState | None:
        if self.lstm is None:
            return None
        zeros = torch.zeros(self.lstm.num_layers, num_envs, self.lstm.hidden_size, device=device)
        return (zeros, zeros.clone())

    def resample_dropout(self) -> None:
        for m in self.modules():
            if isinstance(m, SharedDropout):
                m.resample()

    def _features(self, x: torch.Tensor, state: LstmState | None,
                  done: torch.Tensor | None) -> tuple[torch.Tensor, LstmState | None]:
        hidden = self.encoder(x.permute(0, 3, 1, 2).float() / 255.0)
        if self.lstm is None:
            return hidden, None
        assert state is not None and done is not None
        # x is time-major: (T * B) rows with B = the number of games in the state.
        batch = state[0].shape[1]
        hidden = hidden.reshape((-1, batch, self.lstm.input_size))
        done = done.reshape((-1, batch))
        outputs = []
        for h, d in zip(hidden, done, strict=True):
            keep = (1.0 - d).view(1, -1, 1)  # zero the state where a new episode starts
            h, state = self.lstm(h.unsqueeze(0), (keep * state[0], keep * state[1]))
            outputs.append(h)
        return torch.flatten(torch.cat(outputs), 0, 1), state

    def get_value(self, x: torch.Tensor, state: LstmState | None = None,
                  done: torch.Tensor | None = None) -> torch.Tensor:
        return self.critic(self._features(x, state, done)[0])

    def get_action_and_value(
        self, x: torch.Tensor, state: LstmState | None = None, done: torch.Tensor | None = None,
        action: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, LstmState | None]:
        hidden, state = self._features(x, state, done)
        probs = Categorical(logits=self.actor(hidden))
        if action is None:
            action = probs.sample()  # sampled, in training and evaluation alike (§10.2)
        return action, probs.log_prob(action), probs.entropy(), self.critic(hidden), state


def build_agent(args: Args, obs_shape: tuple[int, ...], num_actions: int) -> Agent:
    return Agent(obs_shape, num_actions, args.architecture, args.use_lstm, args.dropout,
                 args.use_batch_norm)


def l2_penalty(agent: nn.Module) -> torch.Tensor:
    """Σw²/2 over every weight except biases; BN offsets are `bias` in torch (§10.3)."""
    return sum(0.5 * (p**2).sum() for n, p in agent.named_parameters() if "bias" not in n)


# --------------------------------------------------------------------------------------
# Checkpoints (§10.7)
# --------------------------------------------------------------------------------------
def checkpoint_path(run_id: str, tag: str = "") -> Path:
    return CHECKPOINT_DIR / f"sav_{run_id}{'_' + tag if tag else ''}_0.pt"


def load_checkpoint(run_id_or_path: str, device: torch.device | str = "cpu") -> tuple[dict, Args]:
    """Load `saved_models/sav_<id>_0.pt` (or an explicit .pt path); returns (ckpt, args)."""
    path = Path(run_id_or_path)
    if not (path.suffix == ".pt" and path.exists()):
        path = checkpoint_path(run_id_or_path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint {path} (looked for run id {run_id_or_path!r} "
                                f"under {CHECKPOINT_DIR.resolve()})")
    ckpt = torch.load(path, map_location=device, weights_only=False)
    return ckpt, Args(**ckpt["args"])


def device_from_arg(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def finalize_args(args: Args, world_size: int, device: torch.device) -> Args:
    """Fill in the computed fields and validate; the message names the values."""
    if args.total_timesteps is None:
        args.total_timesteps = DEFAULT_TIMESTEPS_GPU if device.type == "cuda" else DEFAULT_TIMESTEPS_CPU
    args.world_size = world_size
    args.batch_size = world_size * args.num_envs * args.num_steps
    if args.batch_size % args.num_minibatches:
        raise ValueError(f"batch {args.batch_size} (= {world_size} ranks x {args.num_envs} envs x "
                         f"{args.num_steps} steps) is not divisible by num_minibatches "
                         f"{args.num_minibatches}")
    if args.use_lstm and args.num_envs % args.num_minibatches:
        raise ValueError(f"with --use-lstm, num_envs {args.num_envs} must be divisible by "
                         f"num_minibatches {args.num_minibatches} (minibatches are whole games)")
    if not 0.0 <= args.dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {args.dropout}")
    if not 0.0 <= args.epsilon_greedy <= 1.0:
        raise ValueError(f"epsilon_greedy must be in [0, 1], got {args.epsilon_greedy}")
    args.minibatch_size = args.batch_size // args.num_minibatches
    args.num_iterations = max(1, args.total_timesteps // args.batch_size)
    return args


# --------------------------------------------------------------------------------------
# Multi-process helpers
# --------------------------------------------------------------------------------------
def all_mean(values: list[float], world_size: int) -> list[float]:
    """Average a few scalars over ranks (identity when single-process)."""
    if world_size == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t)
    return (t / world_size).tolist()


def window_stats(window: deque, world_size: int) -> tuple[float, float, float, int]:
    """(mean return, mean length, % solved, count) over the last episodes of every rank."""
    arr = np.asarray(window, dtype=np.float64).reshape(-1, 3)
    local = [arr[:, 0].sum(), arr[:, 1].sum(), arr[:, 2].sum(), float(len(arr))]
    if world_size > 1:
        t = torch.tensor(local, dtype=torch.float64)
        dist.all_reduce(t)
        local = t.tolist()
    n = local[3]
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    return local[0] / n, local[1] / n, 100.0 * local[2] / n, int(n)


def record_episodes(args: Args, infos: dict, window: deque) -> None:
    """Append (return, length, solved) of the episodes that ended this step; vectorised."""
    mask = infos.get("_episode")
    if mask is None or not mask.any():
        return
    r = infos["episode"]["r"][mask]
    solved = episode_solved(args, r, infos["prev_level_complete"][mask])
    window.extend(zip(r.tolist(), infos["episode"]["l"][mask].tolist(), solved.tolist(), strict=True))


if __name__ == "__main__":
    import tyro
    from torch.utils.tensorboard import SummaryWriter

    args = tyro.cli(Args)

    # ---- processes and device ----
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = device_from_arg(args.device)
    if device.type == "cuda" and device.index is None and world_size > 1:
        device = torch.device("cuda", local_rank % torch.cuda.device_count())
    if world_size > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    if args.torch_threads > 0:
        torch.set_num_threads(args.torch_threads)
    elif device.type == "cpu" and world_size > 1:
        # Ranks share the cores: keep torch from oversubscribing them.
        torch.set_num_threads(max(1, torch.get_num_threads() // world_size))

    # ---- restore (exact resume) ----
    ckpt: dict | None = None
    if args.restore_id is not None:
        ckpt, saved = load_checkpoint(args.restore_id, device)
        session = {k: getattr(args, k) for k in SESSION_FIELDS}
        if args.total_timesteps is not None:
            # An explicit budget extends (or shortens) the run; the annealing follows it.
            session["total_timesteps"] = args.total_timesteps
        args = dataclasses.replace(saved, **session)
        if saved.world_size != world_size:
            raise ValueError(f"checkpoint {args.restore_id!r} was trained with {saved.world_size} "
                             f"processes, this run has {world_size}; exact resume needs the same")
    args = finalize_args(args, world_size, device)
    is_main = rank == 0

    # ---- seeding ----
    random.seed(args.seed + 1000 * rank)
    np.random.seed(args.seed + 1000 * rank)
    torch.manual_seed(args.seed)  # same initial weights on every rank (also broadcast below)
    torch.backends.cudnn.deterministic = args.torch_deterministic
    np_rng = np.random.default_rng(args.seed + 1000 * rank)

    # ---- logging ----
    writer = None
    if is_main:
        if args.track:
            import wandb

            wandb.init(project=args.wandb_project_name, entity=args.wandb_entity,
                       sync_tensorboard=True, config=vars(args), name=args.run_id,
                       save_code=True)
        writer = SummaryWriter(str(LOG_DIR / args.run_id))
        table = "\n".join(f"|{k}|{v}|" for k, v in vars(args).items())
        writer.add_text("hyperparameters", f"|param|value|\n|-|-|\n{table}")
        print(f"run {args.run_id}: {world_size} process(es) on {device}, global batch "
              f"{args.batch_size} = {world_size} x {args.num_envs} envs x {args.num_steps} steps, "
              f"{args.num_iterations} updates, {args.total_timesteps:,} steps")

    # ---- environments ----
    envs = make_envs(args, args.num_envs, test=False, seed=args.seed + 1000 * rank)
    test_envs = (make_envs(args, args.num_envs, test=True, seed=args.seed + 1000 * rank + 500)
                 if args.test else None)
    assert isinstance(envs.single_action_space, gym.spaces.Discrete), "only discrete actions"
    obs_shape = envs.single_observation_space.shape
    num_actions = int(envs.single_action_space.n)

    # ---- agent and optimiser ----
    agent = build_agent(args, obs_shape, num_actions).to(device)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=args.adam_eps)
    start_iteration, global_step = 1, 0
    curve: list[tuple[int, float]] = []
    if ckpt is not None:
        agent.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        start_iteration, global_step = ckpt["iteration"] + 1, ckpt["global_step"]
        curve = list(ckpt.get("curve", []))
        torch.set_rng_state(ckpt["torch_rng"])
        np_rng.bit_generator.state = ckpt["numpy_rng"][rank]
        agent.resample_dropout()
        if is_main:
            print(f"resumed {args.restore_id} at update {start_iteration - 1}, step {global_step:,}")
    else:
        torch.manual_seed(args.seed + rank)  # per-rank action sampling and dropout masks
    if world_size > 1:
        for p in agent.parameters():
            dist.broadcast(p.data, src=0)  # rank 0's parameters everywhere (§10.1)
    params = [p for p in agent.parameters() if p.requires_grad]

    # ---- rollout storage (observations stay uint8 on the device) ----
    obs = torch.zeros((args.num_steps, args.num_envs) + obs_shape, dtype=torch.uint8, device=device)
    actions = torch.zeros((args.num_steps, args.num_envs), dtype=torch.long, device=device)
    logprobs = torch.zeros((args.num_steps, args.num_envs), device=device)
    rewards = torch.zeros((args.num_steps, args.num_envs), device=device)
    dones = torch.zeros((args.num_steps, args.num_envs), device=device)
    values = torch.zeros((args.num_steps, args.num_envs), device=device)

    train_window: deque = deque(maxlen=RETURN_WINDOW)
    test_window: deque = deque(maxlen=RETURN_WINDOW)

    def save(tag: str = "") -> None:
        if not is_main:
            return
        numpy_states = [np_rng.bit_generator.state]
        if world_size > 1:
            numpy_states = [None] * world_size
            dist.gather_object(np_rng.bit_generator.state, numpy_states, dst=0)
        CHECKPOINT_DIR.mkdir(parents=True, exist_ok=True)
        path = checkpoint_path(args.run_id, tag)
        tmp = path.with_suffix(".tmp")
        torch.save({"args": dataclasses.asdict(args), "model": agent.state_dict(),
                    "optimizer": optimizer.state_dict(), "iteration": iteration,
                    "global_step": global_step, "curve": curve,
                    "torch_rng": torch.get_rng_state(), "numpy_rng": numpy_states}, tmp)
        os.replace(tmp, path)  # never leave a half-written checkpoint

    def maybe_save(tag: str = "") -> None:
        # Every rank takes part in the gather of the numpy RNG states.
        if world_size > 1 and not is_main:
            dist.gather_object(np_rng.bit_generator.state, None, dst=0)
            return
        save(tag)

    next_obs_np, _ = envs.reset(seed=args.seed + 1000 * rank)
    next_obs = obs_to_device(next_obs_np, device)
    next_done = torch.zeros(args.num_envs, device=device)
    next_state = agent.initial_state(args.num_envs, device)
    if test_envs is not None:
        test_obs_np, _ = test_envs.reset(seed=args.seed + 1000 * rank + 500)
        test_obs = obs_to_device(test_obs_np, device)
        test_done = torch.zeros(args.num_envs, device=device)
        test_state = agent.initial_state(args.num_envs, device)

    progress = None
    if is_main and args.progress:
        from tqdm import tqdm

        progress = tqdm(total=args.num_iterations * args.batch_size, initial=global_step,
                        unit="step", unit_scale=True, dynamic_ncols=True, smoothing=0.1)

    start_time = time.time()
    steps_at_start = global_step
    iteration = start_iteration - 1
    for iteration in range(start_iteration, args.num_iterations + 1):
        # ---- annealing (§10.3) ----
        frac = 1.0 - (iteration - 1.0) / args.num_iterations if args.anneal_lr else 1.0
        optimizer.param_groups[0]["lr"] = frac * args.learning_rate
        clip = frac * args.clip_coef
        initial_state = None if next_state is None else (next_state[0].clone(), next_state[1].clone())

        # ---- rollout ----
        env_time = 0.0
        for step in range(args.num_steps):
            global_step += args.num_envs * world_size
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value, next_state = agent.get_action_and_value(
                    next_obs, next_state, next_done)
                values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            executed = action.cpu().numpy()
            if args.epsilon_greedy > 0 and np_rng.random() < args.epsilon_greedy:
                # §10.4 quirk: one coin for the whole vector; the stored action stays the
                # policy's own sample.
                executed = np_rng.integers(0, num_actions, size=args.num_envs)
            t0 = time.perf_counter()
            next_obs_np, reward, term, trunc, infos = envs.step(executed)
            env_time += time.perf_counter() - t0
            next_obs = obs_to_device(next_obs_np, device)
            next_done = torch.as_tensor(np.logical_or(term, trunc), device=device, dtype=torch.float32)
            rewards[step] = torch.tensor(reward, device=device, dtype=torch.float32)
            record_episodes(args, infos, train_window)

            if test_envs is not None:
                with torch.no_grad():
                    t_action, _, _, _, test_state = agent.get_action_and_value(
                        test_obs, test_state, test_done)
                t0 = time.perf_counter()
                test_obs_np, _, t_term, t_trunc, t_infos = test_envs.step(t_action.cpu().numpy())
                env_time += time.perf_counter() - t0
                test_obs = obs_to_device(test_obs_np, device)
                test_done = torch.as_tensor(np.logical_or(t_term, t_trunc), device=device,
                                            dtype=torch.float32)
                record_episodes(args, t_infos, test_window)

        # ---- GAE: done flags cut the bootstrap ----
        with torch.no_grad():
            next_value = agent.get_value(next_obs, next_state, next_done).reshape(1, -1)
            advantages = torch.zeros_like(rewards)
            lastgaelam = 0
            for t in reversed(range(args.num_steps)):
                if t == args.num_steps - 1:
                    nextnonterminal = 1.0 - next_done
                    nextvalues = next_value
                else:
                    nextnonterminal = 1.0 - dones[t + 1]
                    nextvalues = values[t + 1]
                delta = rewards[t] + args.gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = delta + args.gamma * args.gae_lambda * nextnonterminal * lastgaelam
            returns = advantages + values

        # ---- flatten (time-major, so LSTM minibatches can take whole games) ----
        b_obs = obs.reshape((-1,) + obs_shape)
        b_logprobs = logprobs.reshape(-1)
        b_actions = actions.reshape(-1)
        b_advantages = advantages.reshape(-1)
        b_returns = returns.reshape(-1)
        b_values = values.reshape(-1)
        b_dones = dones.reshape(-1)

        # ---- optimise policy and value ----
        t_learn = time.perf_counter()
        local_batch = args.num_envs * args.num_steps
        local_mb = local_batch // args.num_minibatches
        envs_per_mb = args.num_envs // args.num_minibatches
        flat_inds = np.arange(local_batch).reshape(args.num_steps, args.num_envs)
        clipfracs, stats = [], np.zeros(6)
        approx_kl = torch.zeros(())
        stop_early = False
        for _epoch in range(args.update_epochs):
            if args.use_lstm:
                env_perm = np_rng.permutation(args.num_envs)
            else:
                b_inds = np_rng.permutation(local_batch)
            for start in range(args.num_minibatches):
                if args.use_lstm:
                    mb_envs = env_perm[start * envs_per_mb:(start + 1) * envs_per_mb]
                    mb_inds = flat_inds[:, mb_envs].ravel()
                    mb_state = (initial_state[0][:, mb_envs], initial_state[1][:, mb_envs])
                    _, newlogprob, entropy, newvalue, _ = agent.get_action_and_value(
                        b_obs[mb_inds], mb_state, b_dones[mb_inds], b_actions[mb_inds])
                else:
                    mb_inds = b_inds[start * local_mb:(start + 1) * local_mb]
                    _, newlogprob, entropy, newvalue, _ = agent.get_action_and_value(
                        b_obs[mb_inds], action=b_actions[mb_inds])
                logratio = newlogprob - b_logprobs[mb_inds]
                ratio = logratio.exp()
                with torch.no_grad():
                    approx_kl = ((ratio - 1) - logratio).mean()
                    clipfracs.append(((ratio - 1.0).abs() > clip).float().mean().item())

                mb_adv = b_advantages[mb_inds]
                if args.norm_adv:
                    mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio,
                                    -mb_adv * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()

                newvalue = newvalue.view(-1)
                v_unclipped = (newvalue - b_returns[mb_inds]) ** 2
                v_clipped = b_values[mb_inds] + torch.clamp(newvalue - b_values[mb_inds], -clip, clip)
                v_loss = 0.5 * torch.max(v_unclipped, (v_clipped - b_returns[mb_inds]) ** 2).mean()
                entropy_loss = entropy.mean()
                l2_loss = l2_penalty(agent) if args.l2_weight > 0 else torch.zeros((), device=device)
                loss = (pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef
                        + args.l2_weight * l2_loss)

                optimizer.zero_grad(set_to_none=False)
                loss.backward()
                if world_size > 1:
                    # One flat all-reduce per minibatch: the mean gradient over ranks.
                    flat = torch.cat([p.grad.reshape(-1) for p in params])
                    dist.all_reduce(flat)
                    flat /= world_size
                    torch.nn.utils.vector_to_parameters(flat, [p.grad for p in params])
                nn.utils.clip_grad_norm_(params, args.max_grad_norm)
                optimizer.step()
                stats += np.array([pg_loss.item(), v_loss.item(), entropy_loss.item(),
                                   approx_kl.item(), l2_loss.item(), 1.0])
            if args.target_kl is not None:
                kl = all_mean([approx_kl.item()], world_size)[0]
                stop_early = kl > args.target_kl
                if stop_early:
                    break
        agent.resample_dropout()  # §10.2: a new mask after each update
        learn_time = time.perf_counter() - t_learn

        # ---- logging (§10.6) ----
        pg, vl, ent, kl, l2, n = stats
        pg, vl, ent, kl, l2, cf = all_mean(
            [pg / n, vl / n, ent / n, kl / n, l2 / n, float(np.mean(clipfracs))], world_size)
        ret, length, solved, count = window_stats(train_window, world_size)
        if test_envs is not None:
            t_ret, t_len, t_solved, t_count = window_stats(test_window, world_size)
        elapsed = time.time() - start_time
        sps = (global_step - steps_at_start) / max(elapsed, 1e-9)
        if count:
            curve.append((global_step, ret))
        if is_main:
            assert writer is not None
            scalars = {
                "charts/learning_rate": optimizer.param_groups[0]["lr"], "charts/clip_range": clip,
                "losses/policy_loss": pg, "losses/value_loss": vl, "losses/entropy": ent,
                "losses/approx_kl": kl, "losses/clipfrac": cf, "losses/l2_loss": l2,
                "charts/SPS": sps, "perf/env_time_fraction": env_time / max(env_time + learn_time, 1e-9),
            }
            if count:
                scalars.update({"charts/episodic_return": ret, "charts/episodic_length": length,
                                "charts/levels_solved": solved})
            if test_envs is not None and t_count:
                scalars.update({"test/episodic_return": t_ret, "test/episodic_length": t_len,
                                "test/levels_solved": t_solved})
            for k, v in scalars.items():
                writer.add_scalar(k, v, global_step)
            if progress is not None:
                progress.update(global_step - progress.n)
                postfix = {"ret": f"{ret:.2f}", "solved%": f"{solved:.0f}"}
                if test_envs is not None:
                    postfix["test%"] = f"{t_solved:.0f}"
                progress.set_postfix(postfix, refresh=False)
            else:
                print(f"update {iteration}/{args.num_iterations} step {global_step:,} "
                      f"return {ret:.2f} solved {solved:.1f}% sps {sps:.0f}", flush=True)
        if args.save_interval > 0 and iteration % args.save_interval == 0:
            maybe_save()
        for threshold, tag in SNAPSHOT_STEPS.items():
            if global_step - args.batch_size < threshold <= global_step:
                maybe_save(tag)

    maybe_save()
    if progress is not None:
        progress.close()
    if world_size > 1:
        # Invariant of the gradient all-reduce: every rank holds the same parameters.
        with torch.no_grad():
            checksum = torch.stack([p.double().sum() for p in params]).sum()
        spread = torch.stack([checksum, -checksum]).cpu()
        dist.all_reduce(spread, op=dist.ReduceOp.MAX)
        if spread[0].item() != -spread[1].item():
            raise RuntimeError(f"rank parameters diverged: checksums span "
                               f"{-spread[1].item()} .. {spread[0].item()}")
        if is_main:
            print(f"parameters identical on all {world_size} ranks (checksum {checksum.item():.6f})")
    envs.close()
    if test_envs is not None:
        test_envs.close()
    if is_main:
        elapsed = time.time() - start_time
        print(f"trained {global_step - steps_at_start:,} steps in {elapsed:.0f} s "
              f"({(global_step - steps_at_start) / max(elapsed, 1e-9):.0f} steps/s); "
              f"checkpoint {checkpoint_path(args.run_id)}")

    # ---- final train/test evaluation (train/evaluate.py) ----
    if args.final_eval and args.num_eval > 0:
        from evaluate import evaluate_policy, format_result, summarize

        results = {}
        for mode in ("train", "test"):
            res = evaluate_policy(agent, args, test=(mode == "test"), num_eval=args.num_eval,
                                  rep=args.rep, device=device, seed=args.seed + 7919 + 1000 * rank)
            if world_size > 1:
                # P x N x K episodes in all, as the original's MPI evaluation (§10.8).
                gathered: list[Any] = [None] * world_size
                dist.all_gather_object(gathered, res["episodes_detail"])
                res.update(summarize(*(np.concatenate([g[k] for g in gathered])
                                       for k in ("returns", "lengths", "solved"))))
            results[mode] = res
            if is_main:
                print(format_result(mode, res), flush=True)
                assert writer is not None
                writer.add_scalar(f"eval/{mode}_levels_solved", res["percent_solved"], global_step)
                writer.add_scalar(f"eval/{mode}_mean_return", res["mean_return"], global_step)
        if is_main:
            out = LOG_DIR / args.run_id / "final_eval.json"
            out.write_text(json.dumps({"run_id": args.run_id, "global_step": global_step,
                                       "args": dataclasses.asdict(args), **results},
                                      indent=2))
            print(f"wrote {out}")

    if writer is not None:
        writer.close()
    if world_size > 1:
        dist.destroy_process_group()

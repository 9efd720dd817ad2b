"""The actor-critic networks of docs/rules.md §10.2: IMPALA-CNN (and its large variant) and
the Nature-CNN, an optional LSTM, and the original's regularisers (shared dropout, batch
norm, L2). Observations arrive as uint8 NHWC and are divided by 255 inside, so rollouts
store bytes, not floats; NHWC permuted to NCHW is exactly PyTorch's channels_last layout,
which is why `Agent.to_channels_last()` makes the convolutions copy-free and faster."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions.categorical import Categorical

LSTM_SIZE = 256  # docs/rules.md §9.4


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


def impala_cnn(
    obs_shape: tuple[int, ...], depths: tuple[int, ...], dropout: float, batch_norm: bool
) -> tuple[nn.Module, int]:
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
        layer_init(nn.Conv2d(c, 32, 8, stride=4)),
        nn.ReLU(),
        layer_init(nn.Conv2d(32, 64, 4, stride=2)),
        nn.ReLU(),
        layer_init(nn.Conv2d(64, 64, 3, stride=1)),
        nn.ReLU(),
        nn.Flatten(),
        layer_init(nn.Linear(64 * h * h, NATURE_HIDDEN)),
        nn.ReLU(),
    )
    return net, NATURE_HIDDEN


LstmState = tuple[torch.Tensor, torch.Tensor]


class Agent(nn.Module):
    """Actor-critic. Takes uint8 NHWC observations (already on the device) and divides by
    255 inside, so rollouts store bytes, not floats."""

    def __init__(
        self,
        obs_shape: tuple[int, ...],
        num_actions: int,
        architecture: str = "impala",
        use_lstm: bool = False,
        dropout: float = 0.0,
        use_batch_norm: bool = False,
    ):
        super().__init__()
        if architecture == "nature":
            # §10.2: dropout and batch norm are not applied to the Nature-CNN.
            self.encoder, hidden = nature_cnn(obs_shape)
        else:
            self.encoder, hidden = impala_cnn(obs_shape, IMPALA_DEPTHS[architecture], dropout, use_batch_norm)
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

    def _features(
        self, x: torch.Tensor, state: LstmState | None, done: torch.Tensor | None
    ) -> tuple[torch.Tensor, LstmState | None]:
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

    def get_value(
        self, x: torch.Tensor, state: LstmState | None = None, done: torch.Tensor | None = None
    ) -> torch.Tensor:
        return self.critic(self._features(x, state, done)[0])

    def get_action_and_value(
        self,
        x: torch.Tensor,
        state: LstmState | None = None,
        done: torch.Tensor | None = None,
        action: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, LstmState | None]:
        logits, value, state = self.logits_and_value(x, state, done)
        probs = Categorical(logits=logits)
        if action is None:
            action = probs.sample()  # sampled, in training and evaluation alike (§10.2)
        return action, probs.log_prob(action), probs.entropy(), value, state

    def logits_and_value(
        self, x: torch.Tensor, state: LstmState | None = None, done: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, LstmState | None]:
        """The deterministic part of a step (no sampling), which shards can run in parallel."""
        hidden, state = self._features(x, state, done)
        return self.actor(hidden), self.critic(hidden), state


def build_agent(args: Any, obs_shape: tuple[int, ...], num_actions: int) -> Agent:
    return Agent(obs_shape, num_actions, args.architecture, args.use_lstm, args.dropout, args.use_batch_norm)


def l2_penalty(agent: nn.Module) -> torch.Tensor:
    """Σw²/2 over every weight except biases; BN offsets are `bias` in torch (§10.3)."""
    return sum(0.5 * (p**2).sum() for n, p in agent.named_parameters() if "bias" not in n)

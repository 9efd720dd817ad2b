"""Rollout storage and the batch of games a policy is playing: one vector env, or two halves
stepped by the engine while the network acts on the other half (EnvPool-style double
buffering). The loop that fills them is `collect_rollout` in train/ppo.py."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch.distributions.categorical import Categorical

from .config import RETURN_WINDOW, Args
from .envs import make_envs, obs_to_device
from .networks import Agent, LstmState
from .parallel import ShardPool


@dataclass
class Rollout:
    """One update's samples, time-major. Observations stay uint8 on the device."""

    obs: torch.Tensor
    actions: torch.Tensor
    logprobs: torch.Tensor
    rewards: torch.Tensor
    dones: torch.Tensor
    values: torch.Tensor
    initial_state: LstmState | None = None

    @classmethod
    def allocate(cls, num_steps: int, num_envs: int, obs_shape: tuple[int, ...], device: torch.device) -> Rollout:
        def zeros(dtype: torch.dtype = torch.float32) -> torch.Tensor:
            return torch.zeros((num_steps, num_envs), dtype=dtype, device=device)

        obs = torch.zeros((num_steps, num_envs) + obs_shape, dtype=torch.uint8, device=device)
        return cls(obs, zeros(torch.long), zeros(), zeros(), zeros(), zeros())


@dataclass
class Games:
    """A batch of games being played by the current policy: the vector env(s), the next
    observation, done flags and LSTM state. With `halves` the games are two vector envs;
    while the network acts on one half, the engine steps the other (EnvPool-style)."""

    envs: list[gym.vector.VectorEnv]
    slices: list[slice]
    next_obs: list[Any]  # the engines' observation views, one per half
    next_done: torch.Tensor
    state: LstmState | None
    window: deque = field(default_factory=lambda: deque(maxlen=RETURN_WINDOW))
    staging: torch.Tensor | None = None  # pinned host buffer for the host-to-device copy

    @classmethod
    def start(
        cls, args: Args, agent: Agent, num_envs: int, *, test: bool, seed: int, halves: bool, device: torch.device
    ) -> Games:
        sizes = [num_envs // 2, num_envs - num_envs // 2] if halves else [num_envs]
        bounds = np.cumsum([0] + sizes)
        envs = [make_envs(args, n, test=test, seed=seed + 100_003 * h) for h, n in enumerate(sizes)]
        next_obs = [e.reset(seed=seed + 100_003 * h)[0] for h, e in enumerate(envs)]
        staging = None
        if device.type == "cuda":
            shape = (num_envs,) + envs[0].single_observation_space.shape
            staging = torch.empty(shape, dtype=torch.uint8, pin_memory=True)
        return cls(
            envs,
            [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
            next_obs,
            torch.zeros(num_envs, device=device),
            agent.initial_state(num_envs, device),
            staging=staging,
        )

    def upload(self, h: int, out: torch.Tensor) -> torch.Tensor:
        """The one copy of half h's observations, from the engine's view into `out`."""
        if self.staging is None:
            return obs_to_device(self.next_obs[h], out.device, out=out)
        host = self.staging[self.slices[h]]
        host.copy_(torch.from_numpy(np.asarray(self.next_obs[h])))
        out.copy_(host, non_blocking=True)
        return out

    def half_state(self, h: int) -> LstmState | None:
        if self.state is None:
            return None
        sl = self.slices[h]
        return (self.state[0][:, sl], self.state[1][:, sl])

    def set_half_state(self, h: int, state: LstmState | None) -> None:
        if self.state is not None and state is not None:
            sl = self.slices[h]
            self.state[0][:, sl] = state[0]
            self.state[1][:, sl] = state[1]

    def close(self) -> None:
        for e in self.envs:
            e.close()


def policy_step(
    agent: Agent,
    pool: ShardPool,
    x: torch.Tensor,
    state: LstmState | None,
    done: torch.Tensor,
    autocast: Any,
    shardable: bool,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, LstmState | None]:
    """The network on the pool's shards of the batch; then one sample for the whole batch on
    this thread, so the random stream is the same however many shards there are."""

    def shard(sl: slice) -> tuple[torch.Tensor, torch.Tensor, LstmState | None]:
        part = None if state is None else (state[0][:, sl], state[1][:, sl])
        with torch.inference_mode(), autocast():
            return agent.logits_and_value(x[sl], part, done[sl])

    parts = pool.map(shard, x.shape[0], enabled=shardable)
    logits = torch.cat([p[0] for p in parts]).float()
    value = torch.cat([p[1] for p in parts])
    new_state = None
    if state is not None:
        new_state = (torch.cat([p[2][0] for p in parts], 1), torch.cat([p[2][1] for p in parts], 1))  # type: ignore[index]
    with torch.inference_mode():
        probs = Categorical(logits=logits)
        action = probs.sample()  # sampled, in training and evaluation alike (§10.2)
        return action, probs.log_prob(action), value, new_state

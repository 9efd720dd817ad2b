"""CoinRunVectorEnv: a gymnasium VectorEnv whose envs live in a ``coinrun-engine`` process.

Observations, rewards, dones and infos are read-only numpy views on shared memory: no copy
per step. **Lifetime:** the arrays returned by ``reset``/``step``/``recv`` for ring slot *s*
stay valid until the request that reuses *s*, i.e. ``ring_depth`` (default 2) calls later.
Copy them (``obs.copy()``, or move them to the GPU) to keep them longer.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import os
import random
import re
from collections.abc import Iterable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from .client import EngineClient, client_identity
from .credentials import CREDENTIAL_OPTIONS, pop_credentials
from .doorbell import DEFAULT_SPIN_US, load_library
from .errors import CoinRunError, EngineDied, EngineError, InvalidAction, InvalidOption, ResetNeeded
from .gym_compat import HumanViewer, check_actions, outside_range, step_infos, translate_options
from .launcher import EngineProcess, find_engine
from .registration import truncation_length
from .reset_request import reset_fields
from .shm import SlotViews
from .state import checked_env_ids, checked_states
from .transport import Ticket, Transport, open_transport

# Options handled by the client itself (everything else goes to the engine, which checks it
# against its own schema).
CLIENT_OPTIONS = (
    *("doorbell", "spin_us", "lease_s", "address", "timeout", "ring_depth", "batch_size", "transport", "label"),
    *CREDENTIAL_OPTIONS,
)
# Procgen's names that the client translates (gym_compat.translate_options).
PROCGEN_ALIASES = ("rand_seed", "distribution_mode")
DEFAULT_RING_DEPTH = 2
# How long a remote engine keeps the session of a silent client (see ping()).
DEFAULT_REMOTE_LEASE_S = 3600.0
_LOOPBACK = re.compile(r"^tcp://(127\.[0-9.]+|localhost|\[::1\]):\d+$")


def _doorbell_library() -> Any:
    """The native doorbell helper next to the engine binary (or in the package), or None."""
    try:
        engine_dir = find_engine().parent
    except EngineDied:
        engine_dir = None
    return load_library(engine_dir)


def _plain(v: Any) -> Any:
    """numpy scalars and enums to plain msgpack-able values."""
    if isinstance(v, AutoresetMode):
        return {AutoresetMode.SAME_STEP: "same_step", AutoresetMode.NEXT_STEP: "next_step"}.get(v, str(v.value))
    if isinstance(v, np.generic):
        return v.item()
    return v


class CoinRunVectorEnv(VectorEnv):
    """``num_envs`` envs of one game, stepped in one batch by the engine.

    Options (the original's names): ``num_levels``, ``set_seed``, ``high_difficulty``,
    ``paint_vel_info``, ``use_data_augmentation``, ``use_black_white``, ``is_high_res``,
    ``default_zoom``, ``num_threads``; plus ``seed`` (pool seed; random when omitted),
    ``autoreset_mode`` (``"same_step"`` default or ``"next_step"``), ``address`` (connect to
    a running engine instead of launching one; ``token``, ``token_file``, ``engine_key``: its
    credentials, see credentials.py), ``timeout`` (seconds per request),
    ``ring_depth``, ``batch_size`` (async ``send``/``recv``), ``transport`` (``"shm"`` or
    ``"inline"``; default: shm for local engines, inline for remote ones), ``doorbell``
    (default True: local steps through the doorbell), ``spin_us`` (how long client and
    engine may spin before sleeping, default 200; 0 never spins), ``label`` (shown to
    spectators). Procgen's names: ``start_level``, ``distribution_mode``, ``rand_seed``,
    ``use_sequential_levels``, ``restrict_themes``, ``use_backgrounds``,
    ``use_monochrome_assets``, ``center_agent``; and ``max_episode_steps`` (docs/gymnasium.md).
    """

    metadata: dict[str, Any] = {
        "render_modes": ["rgb_array", "human"],
        "render_fps": 15,
        "autoreset_mode": AutoresetMode.SAME_STEP,
    }

    def __init__(
        self, num_envs: int = 1, game: str = "standard", render_mode: str | None = None, **options: Any
    ) -> None:
        if render_mode not in (None, "rgb_array", "human"):
            raise InvalidOption(
                f"render_mode {render_mode!r} is not supported; use 'rgb_array', 'human' or None", code="BAD_OPTION"
            )
        self._viewer: HumanViewer | None = None
        # The read-only env id view the last recv() of a subset handed out: sent straight
        # back (EnvPool's loop), it needs no second check.
        self._last_env_ids: np.ndarray | None = None
        self._needs_reset = True
        self._client: EngineClient | None = None
        self._process: EngineProcess | None = None
        self._transport: Transport | None = None
        self._closed = False
        self.render_mode = render_mode
        opts = translate_options({k: _plain(v) for k, v in options.items()})
        if opts.get("max_episode_steps") is None:
            opts.pop("max_episode_steps", None)  # None: the game's own limit
        address = opts.pop("address", None)
        credentials = pop_credentials(opts, address)
        timeout = float(opts.pop("timeout", 60.0))
        batch_size = opts.pop("batch_size", None)
        transport = opts.pop("transport", None)
        label = str(opts.pop("label", ""))
        ring_depth = opts.pop("ring_depth", None)
        lease_s = opts.pop("lease_s", DEFAULT_REMOTE_LEASE_S)
        use_doorbell = bool(opts.pop("doorbell", True))
        # The environment variable sets the default for every env of a process (e.g. a
        # training script measured with and without spinning).
        spin_us = opts.pop("spin_us", None)
        if spin_us is None:
            spin_us = os.environ.get("COINRUN_SPIN_US", DEFAULT_SPIN_US)
            with contextlib.suppress(ValueError):
                spin_us = int(spin_us)
        if isinstance(spin_us, bool) or not isinstance(spin_us, (int, np.integer)) or not 0 <= spin_us <= 10_000:
            raise InvalidOption(f"spin_us must be an integer in [0, 10000], got {spin_us!r}", code="BAD_OPTION")
        if not isinstance(num_envs, (int, np.integer)) or isinstance(num_envs, bool) or num_envs < 1:
            raise InvalidOption(f"num_envs must be a positive integer, got {num_envs!r}", code="BAD_OPTION")
        num_envs = int(num_envs)
        if batch_size is None:
            batch_size = num_envs
        batch_size = int(batch_size)
        if not 1 <= batch_size <= num_envs:
            raise InvalidOption(f"batch_size {batch_size} must be in [1, num_envs={num_envs}]", code="BAD_OPTION")
        if ring_depth is None:
            # One slot per batch that can be in flight, plus the one whose views the caller holds.
            ring_depth = DEFAULT_RING_DEPTH if batch_size == num_envs else min(16, -(-num_envs // batch_size) + 1)
        if "seed" not in opts:
            opts["seed"] = random.SystemRandom().randrange(2**31)
        for key, value in opts.items():
            # msgpack cannot encode integers outside [-2**63, 2**64): refuse them by name.
            if isinstance(value, int) and not -(2**63) <= value < 2**64:
                raise InvalidOption(f"option {key!r} = {value} is out of range", code="BAD_OPTION")

        try:
            if address is None:
                self._process = EngineProcess()
                address = self._process.endpoint
            self._client = EngineClient(address, process=self._process, timeout_s=timeout, credentials=credentials)
            hello = self._client.hello
            engine_names = [o["name"] for o in hello["options"]]
            valid = sorted(set(engine_names) - {"game", "num_envs"} | set(CLIENT_OPTIONS) | set(PROCGEN_ALIASES))
            unknown = sorted(set(opts) - set(engine_names) - {"game", "num_envs"})
            if unknown or "game" in opts or "num_envs" in opts:
                bad = unknown or [k for k in ("game", "num_envs") if k in opts]
                raise InvalidOption(
                    f"unknown option(s) {', '.join(map(repr, bad))}; valid options are: {', '.join(valid)}",
                    code="BAD_OPTION",
                    hint="game and num_envs are arguments, not options",
                )
            if transport is None:
                transport = "shm" if (address.startswith("ipc://") or _LOOPBACK.match(address)) else "inline"
            # Looked up once: the create request asks for a doorbell only when it can be used.
            bell_lib = _doorbell_library() if use_doorbell and transport == "shm" else None
            req = {
                "type": "create",
                "options": {**opts, "game": game, "num_envs": num_envs},
                "ring_depth": int(ring_depth),
                "transport": transport,
                "doorbell": bell_lib is not None,
                "label": label,
                **client_identity(),
            }
            if not self._client.is_local:
                # The engine cannot see a remote client's pid: a lease reclaims the session
                # if this process vanishes. Every request renews it; so does ping().
                req["lease_s"] = float(lease_s)
            reply = self._client.request(req)
        except BaseException:
            self.close()
            raise
        self._create_reply = reply
        self.session: int = reply["session"]
        self.num_envs = num_envs
        self.batch_size = batch_size
        self.ring_depth = int(reply["ring_depth"])
        # The reply lists the options it knows; options it does not echo are as requested.
        self.options: dict[str, Any] = {**opts, **reply["options"]}
        self.game = game
        spaces = reply["spaces"]
        self.obs_shape = tuple(int(x) for x in spaces["obs_shape"])
        self.n_actions = int(spaces["n_actions"])
        self.action_names = list(spaces["action_names"])
        # Episodes truncate at exactly this length (the engine reports its tick limit).
        requested = opts.get("max_episode_steps")
        self.max_episode_steps = int(requested) if requested else truncation_length(reply["max_episode_steps"])
        self.autoreset_mode = (
            AutoresetMode.SAME_STEP if reply["autoreset_mode"] == "same_step" else AutoresetMode.NEXT_STEP
        )
        self.metadata = {**type(self).metadata, "autoreset_mode": self.autoreset_mode}
        self.single_observation_space = gym.spaces.Box(0, 255, shape=self.obs_shape, dtype=np.uint8)
        self.single_action_space = gym.spaces.Discrete(self.n_actions)
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, num_envs)
        try:
            self._transport = open_transport(self._client, reply, num_envs, bell_lib, int(spin_us))
        except BaseException:
            self.close()
            raise
        self.transport: str = reply.get("transport", transport)  # "shm" or "inline"
        # Local steps go through the doorbell (doorbell.py) unless it was turned off or its
        # native helper is missing; then they are ZeroMQ messages.
        self.uses_doorbell = self._transport.name == "doorbell"
        self._seq = 0
        self._pending: collections.deque[Ticket] = collections.deque()
        self._reset_buffer: dict[str, Any] | None = None
        self._all_env_ids = np.arange(num_envs, dtype=np.int32)
        self._all_env_ids.flags.writeable = False
        self._same_step = self.autoreset_mode == AutoresetMode.SAME_STEP
        if render_mode == "human":
            try:
                self._viewer = HumanViewer(address, self.session, environ=self._client.child_environment())
            except BaseException:
                self.close()
                raise

    @property
    def spec(self) -> gym.envs.registration.EnvSpec | None:
        """gymnasium's spec, with the time limit this env really has."""
        return getattr(self, "_spec", None)

    @spec.setter
    def spec(self, value: gym.envs.registration.EnvSpec | None) -> None:
        if value is not None and hasattr(self, "max_episode_steps"):
            value = dataclasses.replace(value, max_episode_steps=self.max_episode_steps)
        self._spec = value

    # ----------------------------------------------------------------------------------
    # gymnasium API

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Starts new episodes. ``seed`` re-seeds every env's level picker; ``options`` may
        hold ``reset_mask`` (bool[num_envs], only those envs) or ``env_ids`` (only those
        envs), and ``level_seeds`` (one per reset env, in the order of ``env_ids`` or of the
        mask: play exactly these levels)."""
        views = self._sequenced(self._reset_request(seed, options))
        return views.obs, step_infos(views, self.num_envs, False)

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Steps every env. Returns read-only views valid for ``ring_depth`` calls."""
        if self._pending:
            raise CoinRunError("step() while async batches are in flight; call recv()/step_wait() first")
        transport = self._require_transport()
        seq, slot, n, subset = self._stage_step(transport, actions, None)
        try:
            v = transport.run_step(seq, slot, n, subset)
        except EngineError:
            self._seq = seq - 1  # the engine accepted nothing
            raise
        return v.obs, v.reward, v.terminated, v.truncated, step_infos(v, self.num_envs, self._same_step)

    def render(self) -> tuple[np.ndarray, ...] | None:
        """gymnasium's vector render: a tuple of every env's 512x512 RGB frame (``rgb_array``);
        None with ``human`` (the viewer window follows env 0 by itself) or without a mode."""
        if self.render_mode != "rgb_array":
            if self.render_mode is None:
                gym.logger.warn("render() called without render_mode='rgb_array'")
            return None
        return tuple(self.render_env(i) for i in range(self.num_envs))

    def render_env(self, env: int, width: int = 512, height: int = 512) -> np.ndarray:
        """One env's current state drawn at any size (does not change what the agent sees)."""
        client = self._require_client()
        reply, frames = client.request_frames(
            {"type": "render", "session": self.session, "env": int(env), "width": int(width), "height": int(height)}
        )
        if not frames:
            raise EngineError("render reply has no frame", code="BAD_MESSAGE")
        h, w = int(reply["height"]), int(reply["width"])
        return np.frombuffer(frames[0].buffer, dtype=np.uint8).reshape(h, w, 3).copy()

    def ping(self) -> float:
        """Checks the engine is there and renews this session's lease; returns its uptime (s)."""
        reply = self._require_client().request({"type": "ping", "session": self.session})
        return float(reply["uptime_s"])

    # ----------------------------------------------------------------------------------
    # per-env state save/restore (protocol 1.1, docs/state.md)

    def get_state(self, env_ids: Iterable[int] | None = None) -> list[bytes]:
        """The states of ``env_ids`` (default: every env, in order) as bytes. Changes nothing.
        A state is the engine's versioned, portable byte string for one env: restoring it
        and replaying the same actions gives the same results bit for bit, in another engine
        process and with another thread count."""
        if self._pending:
            raise CoinRunError("get_state() while async batches are in flight; call recv()/step_wait() first")
        msg: dict[str, Any] = {"type": "get_state", "session": self.session}
        ids = checked_env_ids(env_ids, self.num_envs)
        if ids is not None:
            msg["env_ids"] = ids
        return [bytes(s) for s in self._require_client().request(msg)["states"]]

    def set_state(
        self, states: Sequence[bytes], env_ids: Iterable[int] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Restores ``states[j]`` into env ``env_ids[j]`` (default: one state per env, in
        order) and returns ``(obs, infos)`` like ``reset``. The other envs keep going
        unchanged. Raises ``InvalidState`` (and changes nothing) for any bad state."""
        ids = checked_env_ids(env_ids, self.num_envs)
        msg: dict[str, Any] = {"type": "set_state", "states": checked_states(states, ids, self.num_envs)}
        if ids is not None:
            msg["env_ids"] = ids
        views = self._sequenced(msg)
        return views.obs, step_infos(views, self.num_envs, False)

    def close_extras(self, **kwargs: Any) -> None:
        self._close()

    def close(self, **kwargs: Any) -> None:
        self._close()

    def __enter__(self) -> CoinRunVectorEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def __del__(self) -> None:
        try:
            self._close()
        except Exception:  # noqa: BLE001 - interpreter teardown
            pass

    # ----------------------------------------------------------------------------------
    # async: gymnasium-style step_async/step_wait and EnvPool-style send/recv

    def step_async(self, actions: Any) -> None:
        self.send(actions)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        obs, rew, term, trunc, infos = self.recv()
        infos.pop("env_id", None)
        return obs, rew, term, trunc, infos

    def async_reset(self, seed: int | None = None) -> None:
        """Resets every env; the following ``recv`` calls return them ``batch_size`` at a time."""
        views = self._sequenced(self._reset_request(seed, None))
        ids = np.arange(self.num_envs, dtype=np.int32)
        # Copied once: the reset rows are handed out over several recv calls while later
        # batches reuse the ring slots.
        self._reset_buffer = {
            "obs": views.obs.copy(),
            "reward": views.reward.copy(),
            "terminated": views.terminated.copy(),
            "truncated": views.truncated.copy(),
            "level_seed": views.level_seed.copy(),
            "prev_level_seed": views.prev_level_seed.copy(),
            "prev_level_complete": views.prev_level_complete.copy(),
            "r": views.episode_return.copy(),
            "l": views.episode_length.copy(),
            "done": views.done.copy(),
            "env_id": ids,
            "pos": 0,
        }

    def send(self, actions: Any, env_ids: Any = None) -> None:
        """Queues one batch: ``actions[j]`` for env ``env_ids[j]`` (all envs when omitted)."""
        if len(self._pending) >= self.ring_depth - 1:
            raise CoinRunError(
                f"{len(self._pending)} batches already in flight (ring_depth {self.ring_depth}); "
                "call recv() first or create the env with a larger ring_depth"
            )
        self._send_step(actions, env_ids)

    def recv(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Results of the oldest batch in flight (or of the pending reset): ``obs, reward,
        terminated, truncated, infos`` with ``infos["env_id"]`` naming each row's env."""
        rb = self._reset_buffer
        if rb is not None:
            p, n = rb["pos"], self.batch_size
            sl = slice(p, min(p + n, self.num_envs))
            rb["pos"] = sl.stop
            if rb["pos"] >= self.num_envs:
                self._reset_buffer = None
            infos = {
                "env_id": rb["env_id"][sl],
                "level_seed": rb["level_seed"][sl],
                "prev_level_seed": rb["prev_level_seed"][sl],
                "prev_level_complete": rb["prev_level_complete"][sl],
                "coinrun_episode": {"r": rb["r"][sl], "l": rb["l"][sl]},
                "_coinrun_episode": rb["done"][sl],
            }
            return rb["obs"][sl], rb["reward"][sl], rb["terminated"][sl], rb["truncated"][sl], infos
        if not self._pending:
            raise CoinRunError("recv() with nothing in flight; call send() or async_reset() first")
        n = self._pending[0].n
        v = self._recv_one(self._pending[0])
        if n == self.num_envs:
            infos = step_infos(v, n, self._same_step)
            infos["env_id"] = self._all_env_ids
            return v.obs, v.reward, v.terminated, v.truncated, infos
        h = v.head(n)
        infos = step_infos(v, n, self._same_step)
        infos["env_id"] = self._last_env_ids = h.env_ids
        return h.obs, h.reward, h.terminated, h.truncated, infos

    # ----------------------------------------------------------------------------------
    # internals

    def _require_client(self) -> EngineClient:
        if self._client is None or self._closed:
            raise CoinRunError("this env is closed; create a new one")
        return self._client

    def _require_transport(self) -> Transport:
        self._require_client()
        assert self._transport is not None
        return self._transport

    def _next_slot(self) -> tuple[int, int]:
        self._seq += 1
        return self._seq, self._seq % self.ring_depth

    def _check_actions(self, actions: Any, n: int) -> np.ndarray:
        if self._needs_reset:
            raise ResetNeeded("step before reset: call reset() (or async_reset()) first, as every gymnasium env needs")
        return check_actions(actions, n, self.n_actions, self.action_names)

    def _send_step(self, actions: Any, env_ids: Any) -> Ticket:
        transport = self._require_transport()
        seq, slot, n, subset = self._stage_step(transport, actions, env_ids)
        try:
            ticket = transport.post_step(seq, slot, n, subset)
        except BaseException:
            self._seq = seq - 1  # nothing was posted
            raise
        self._pending.append(ticket)
        return ticket

    def _stage_step(self, transport: Transport, actions: Any, env_ids: Any) -> tuple[int, int, int, bool]:
        """Checks a batch and writes it into the next slot: (seq, slot, n, subset)."""
        # recv() of a whole batch names every env with this read-only array: sending it back
        # (the EnvPool loop, and async with batch_size == num_envs) is a plain step.
        if env_ids is None or env_ids is self._all_env_ids:
            n = self.num_envs
            ids = None
        elif env_ids is self._last_env_ids:
            # Ids recv() handed back: a view of ids this client checked when it staged them
            # (the engine checks every batch again).
            ids = env_ids
            n = int(ids.size)
        else:
            ids = np.asarray(env_ids)
            if ids.ndim != 1 or ids.dtype.kind not in "iu" or not 1 <= ids.size <= self.num_envs:
                raise InvalidAction(
                    f"env_ids must be a 1-D integer array of 1..{self.num_envs} ids, "
                    f"got shape {ids.shape} dtype {ids.dtype}",
                    valid=(0, self.num_envs),
                )
            if outside_range(ids, self.num_envs):
                bad = int(np.flatnonzero((ids < 0) | (ids >= self.num_envs))[0])
                raise InvalidAction(
                    f"env id {ids[bad]} at position {bad} is out of range [0, {self.num_envs})",
                    env=bad,
                    value=ids[bad].item(),
                    valid=(0, self.num_envs),
                )
            n = int(ids.size)
        a = self._check_actions(actions, n)
        seq, slot = self._next_slot()
        staged = transport.slots[slot]
        # Item assignment casts like copyto(casting="unsafe") (the values were checked in
        # range above) at a fifth of its cost on a step's small arrays.
        if ids is None:
            staged.actions[...] = a
        else:
            head = staged.head(n)
            head.actions_in[...] = a
            head.env_ids_in[...] = ids
        return seq, slot, n, ids is not None

    def _send_sequenced(self, msg: dict[str, Any]) -> Ticket:
        """Posts a reset or set_state (every env's row comes back)."""
        seq, slot = self._next_slot()
        ticket = self._require_transport().post(msg, seq, slot, self.num_envs)
        self._pending.append(ticket)
        return ticket

    def _sequenced(self, msg: dict[str, Any]) -> SlotViews:
        """Runs a reset or set_state after everything in flight: its views, every env started."""
        self._drain()
        self._reset_buffer = None
        views = self._recv_one(self._send_sequenced(msg))
        self._needs_reset = False  # every env started
        return views

    def _reset_request(self, seed: Any, options: dict[str, Any] | None) -> dict[str, Any]:
        if seed is None and self._needs_reset:
            # The first reset replays the creation seed, so that make_vec(seed=S) + reset()
            # and reset(seed=S) start the same levels (docs/gymnasium.md, Seeding).
            seed = self.options.get("seed")
        return {"type": "reset", **reset_fields(seed, options, self.num_envs)}

    def _recv_one(self, ticket: Ticket) -> SlotViews:
        """Waits for the oldest ticket in flight: its slot's views."""
        transport = self._require_transport()
        try:
            views = transport.wait(ticket)
        except EngineError:
            # An error reply means the engine accepted nothing: later requests in flight
            # skip this seq and fail too. Collect them and take the seq back, so that the
            # session stays usable after a bad request.
            self._pending.popleft()
            while self._pending:
                later = self._pending.popleft()
                with contextlib.suppress(EngineError):
                    transport.wait(later)
            self._seq = ticket.seq - 1
            raise
        except BaseException:
            self._pending.popleft()
            raise
        self._pending.popleft()
        return views

    def _drain(self) -> None:
        while self._pending:
            try:
                self._recv_one(self._pending[0])
            except EngineError:
                pass

    def _close(self) -> None:
        if getattr(self, "_closed", True):
            return
        self._closed = True
        if getattr(self, "_viewer", None) is not None:
            self._viewer.close()
            self._viewer = None
        self._last_env_ids = None  # a view into the segment: it must not keep it mapped
        client, process, transport = self._client, self._process, self._transport
        if client is not None:
            try:
                if hasattr(self, "session"):
                    client.request({"type": "close", "session": self.session}, timeout_s=5.0)
                if process is not None and process.alive():
                    client.request({"type": "shutdown"}, timeout_s=5.0)
            except CoinRunError:
                pass
            client.close()
        if transport is not None:
            transport.close()
        if process is not None:
            process.stop()
        self._client = self._process = self._transport = None

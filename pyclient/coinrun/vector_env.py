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
import random
import re
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from . import protocol
from .client import EngineClient, client_identity
from .credentials import CREDENTIAL_OPTIONS, pop_credentials
from .doorbell import Doorbell, DoorbellClosed
from .errors import CoinRunError, EngineDied, EngineError, InvalidAction, InvalidOption, ResetNeeded
from .gym_compat import HumanViewer, check_actions, step_infos, translate_options
from .launcher import EngineProcess
from .registration import truncation_length
from .reset_request import reset_fields
from .shm import ShmSession, SlotViews, build_slot, regions_from_reply, slot_infos
from .state import StateMixin

# Options handled by the client itself (everything else goes to the engine, which checks it
# against its own schema).
CLIENT_OPTIONS = (
    *("doorbell", "lease_s", "address", "timeout", "ring_depth", "batch_size", "transport", "label"),
    *CREDENTIAL_OPTIONS,
)
# Procgen's names that the client translates (gym_compat.translate_options).
PROCGEN_ALIASES = ("rand_seed", "distribution_mode")
DEFAULT_RING_DEPTH = 2
# How long a remote engine keeps the session of a silent client (see ping()).
DEFAULT_REMOTE_LEASE_S = 3600.0
_LOOPBACK = re.compile(r"^tcp://(127\.[0-9.]+|localhost|\[::1\]):\d+$")


def _plain(v: Any) -> Any:
    """numpy scalars and enums to plain msgpack-able values."""
    if isinstance(v, AutoresetMode):
        return {AutoresetMode.SAME_STEP: "same_step", AutoresetMode.NEXT_STEP: "next_step"}.get(v, str(v.value))
    if isinstance(v, np.generic):
        return v.item()
    return v


class CoinRunVectorEnv(StateMixin, VectorEnv):
    """``num_envs`` envs of one game, stepped in one batch by the engine.

    Options (the original's names): ``num_levels``, ``set_seed``, ``high_difficulty``,
    ``paint_vel_info``, ``use_data_augmentation``, ``use_black_white``, ``is_high_res``,
    ``default_zoom``, ``num_threads``; plus ``seed`` (pool seed; random when omitted),
    ``autoreset_mode`` (``"same_step"`` default or ``"next_step"``), ``address`` (connect to
    a running engine instead of launching one; ``token``, ``token_file``, ``engine_key``: its
    credentials, see credentials.py), ``timeout`` (seconds per request),
    ``ring_depth``, ``batch_size`` (async ``send``/``recv``), ``transport`` (``"shm"`` or
    ``"inline"``; default: shm for local engines, inline for remote ones), ``label`` (shown to
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
        self._needs_reset = True
        self._client: EngineClient | None = None
        self._process: EngineProcess | None = None
        self._shm: ShmSession | None = None
        self._bell: Doorbell | None = None
        self._bell_inflight: tuple[int, int] | None = None
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
            req = {
                "type": "create",
                "options": {**opts, "game": game, "num_envs": num_envs},
                "ring_depth": int(ring_depth),
                "transport": transport,
                "doorbell": use_doorbell and transport == "shm",
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
        self.transport = reply.get("transport", transport)
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
        self._regions = regions_from_reply(reply["regions"])
        self._slot_bytes = int(reply["slot_bytes"])
        try:
            if self.transport == "shm":
                shm = reply["shm"]
                self._shm = ShmSession(
                    shm["name"], int(shm["bytes"]), int(shm["session_id"]), num_envs, self.ring_depth, self.obs_shape
                )
                self._slots: list[SlotViews] = self._shm.slots
                if "doorbell" in reply:
                    db = reply["doorbell"]
                    self._bell = Doorbell(self._shm.buffer, int(db["offset"]), db["request"], db["reply"])
            else:
                # Inline: views are rebuilt over each reply's payload; actions are staged here.
                self._slots = [
                    build_slot(np.zeros(self._slot_bytes, np.uint8), self._regions, num_envs, self.obs_shape)
                    for _ in range(self.ring_depth)
                ]
        except BaseException:
            self.close()
            raise
        self._seq = 0
        self._pending: collections.deque[tuple[int, int, int, int]] = collections.deque()  # rid, seq, slot, n
        self._reset_buffer: dict[str, Any] | None = None
        self._last: SlotViews | None = None
        self._async_full: bool = False
        self._level_seed_now = np.zeros(num_envs, dtype=np.uint32)  # for prev_level_seed
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
        mask: play exactly these levels). ``get_state``/``set_state``: see state.py."""
        self._drain()
        self._reset_buffer = None
        views = self._recv_one(self._send_reset(seed, options))
        self._started(views)
        return views.obs, step_infos(views, self.num_envs, False)

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Steps every env. Returns read-only views valid for ``ring_depth`` calls."""
        if self._pending or self._bell_inflight:
            raise CoinRunError("step() while async batches are in flight; call recv()/step_wait() first")
        if self._bell is not None:
            self._ring(actions)
            v = self._bell_wait()
        else:
            v = self._recv_one(self._send_step(actions, None))
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
        if self._bell is not None and not self._pending and not self._bell_inflight:
            self._ring(actions)
        else:
            self.send(actions)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        if self._bell_inflight:
            v = self._bell_wait()
            return v.obs, v.reward, v.terminated, v.truncated, step_infos(v, self.num_envs, self._same_step)
        obs, rew, term, trunc, infos = self.recv()
        infos.pop("env_id", None)
        return obs, rew, term, trunc, infos

    def async_reset(self, seed: int | None = None) -> None:
        """Resets every env; the following ``recv`` calls return them ``batch_size`` at a time."""
        self._drain()
        views = self._recv_one(self._send_reset(seed, None))
        self._started(views)
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
        if self._bell_inflight:
            raise CoinRunError("send() while step_async() is in flight; call step_wait() first")
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
        _, _, _, n = self._pending[0]
        v = self._recv_one(self._pending[0])
        if n == self.num_envs:
            infos = step_infos(v, n, self._same_step)
            infos["env_id"] = np.arange(self.num_envs, dtype=np.int32)
            return v.obs, v.reward, v.terminated, v.truncated, infos
        ids = v.env_ids[:n].view()
        ids.flags.writeable = False
        infos = {"env_id": ids, **step_infos(v, n, self._same_step)}
        return v.obs[:n], v.reward[:n], v.terminated[:n], v.truncated[:n], infos

    # ----------------------------------------------------------------------------------
    # internals

    def _require_client(self) -> EngineClient:
        if self._client is None or self._closed:
            raise CoinRunError("this env is closed; create a new one")
        return self._client

    def _next_slot(self) -> tuple[int, int]:
        self._seq += 1
        return self._seq, self._seq % self.ring_depth

    def _check_actions(self, actions: Any, n: int) -> np.ndarray:
        if self._needs_reset:
            raise ResetNeeded("step before reset: call reset() (or async_reset()) first, as every gymnasium env needs")
        return check_actions(actions, n, self.n_actions, self.action_names)

    def _send_step(self, actions: Any, env_ids: Any) -> tuple[int, int, int, int]:
        client = self._require_client()
        if env_ids is None:
            n = self.num_envs
            ids = None
        else:
            ids = np.asarray(env_ids)
            if ids.ndim != 1 or ids.dtype.kind not in "iu" or not 1 <= ids.size <= self.num_envs:
                raise InvalidAction(
                    f"env_ids must be a 1-D integer array of 1..{self.num_envs} ids, "
                    f"got shape {ids.shape} dtype {ids.dtype}",
                    valid=(0, self.num_envs),
                )
            if ids.min() < 0 or ids.max() >= self.num_envs:
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
        views = self._slots[slot]
        msg: dict[str, Any] = {"type": "step", "session": self.session, "seq": seq, "slot": slot}
        subset = n < self.num_envs
        if subset:
            msg["n"] = n
        np.copyto(views.actions[:n], a, casting="unsafe")
        if subset:
            np.copyto(views.env_ids[:n], ids, casting="unsafe")
        frames: tuple[Any, ...] = ()
        if self.transport == "inline":
            frames = (views.actions[:n].tobytes(),) + ((views.env_ids[:n].tobytes(),) if subset else ())
        rid = client.send(msg, frames)
        entry = (rid, seq, slot, n)
        self._pending.append(entry)
        return entry

    def _ring(self, actions: Any) -> None:
        self._require_client()
        a = self._check_actions(actions, self.num_envs)
        seq, slot = self._next_slot()
        np.copyto(self._slots[slot].actions, a, casting="unsafe")
        assert self._bell is not None
        try:
            self._bell.ring(seq, slot, self.num_envs)
        except BrokenPipeError:
            self._seq = seq - 1
            self._diagnose_closed_doorbell(self._require_client())
            raise EngineDied("coinrun-engine closed the doorbell: it exited or was killed") from None
        self._bell_inflight = (seq, slot)

    def _bell_wait(self) -> SlotViews:
        client = self._require_client()
        assert self._bell is not None and self._bell_inflight is not None
        seq, slot = self._bell_inflight

        def check_alive() -> None:
            if client.process is not None and not client.process.alive():
                raise EngineDied(client.process.death_message())

        try:
            err = self._bell.wait(client.timeout_s, check_alive, lambda: client._raise_timeout(client.timeout_s))
        except DoorbellClosed:
            self._diagnose_closed_doorbell(client)
            raise
        finally:
            self._bell_inflight = None
        if err is not None:
            self._seq = seq - 1  # the engine accepted nothing
            raise protocol.error_from_reply(protocol.decode(err))
        views = self._slots[slot]
        np.logical_or(views.terminated, views.truncated, out=views.done)
        np.copyto(views.prev_level_seed, self._level_seed_now)
        np.copyto(self._level_seed_now, views.level_seed)
        self._last = views
        return views

    def _diagnose_closed_doorbell(self, client: EngineClient) -> None:
        """Raises the reason the engine closed the doorbell, when it can be found out."""
        proc = client.process
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.proc.wait(timeout=1.0)
            if not proc.alive():
                raise EngineDied(proc.death_message()) from None
        # A running engine closes the doorbell when it closes the session (lease expiry):
        # a ping names the session and gets NO_SESSION back.
        client.request({"type": "ping", "session": self.session}, timeout_s=min(5.0, client.timeout_s))

    def _send_reset(self, seed: Any, options: dict[str, Any] | None) -> tuple[int, int, int, int]:
        client = self._require_client()
        if seed is None and self._needs_reset:
            # The first reset replays the creation seed, so that make_vec(seed=S) + reset()
            # and reset(seed=S) start the same levels (docs/gymnasium.md, Seeding).
            seed = self.options.get("seed")
        msg: dict[str, Any] = {"type": "reset", "session": self.session, **reset_fields(seed, options, self.num_envs)}
        seq, slot = self._next_slot()
        msg["seq"], msg["slot"] = seq, slot
        rid = client.send(msg)
        entry = (rid, seq, slot, self.num_envs)
        self._pending.append(entry)
        return entry

    def _recv_one(self, entry: tuple[int, int, int, int]) -> SlotViews:
        client = self._require_client()
        rid, seq, slot, n = entry
        try:
            reply, frames = client.recv(rid)
        except EngineError:
            # An error reply means the engine accepted nothing: later requests in flight
            # skip this seq and fail too. Collect them and take the seq back, so that the
            # session stays usable after a bad request.
            self._pending.popleft()
            while self._pending:
                later = self._pending.popleft()
                with contextlib.suppress(EngineError):
                    client.recv(later[0])
            self._seq = seq - 1
            raise
        except BaseException:
            self._pending.popleft()
            raise
        self._pending.popleft()
        if reply.get("seq") != seq or reply.get("slot") != slot:
            raise EngineError(
                f"reply for seq {reply.get('seq')} slot {reply.get('slot')}, expected {seq}/{slot}", code="BAD_SEQUENCE"
            )
        if self.transport == "inline":
            if not frames or len(frames[0]) != self._slot_bytes:
                raise EngineError("inline reply without the slot payload", code="BAD_MESSAGE")
            staged = self._slots[slot]
            views = build_slot(
                np.frombuffer(frames[0].buffer, dtype=np.uint8), self._regions, self.num_envs, self.obs_shape
            )
            views.actions, views.env_ids = staged.actions, staged.env_ids
            views.prev_level_seed = staged.prev_level_seed
            views.infos = slot_infos(views, self.num_envs)
        else:
            views = self._slots[slot]
        if n == self.num_envs:
            np.logical_or(views.terminated, views.truncated, out=views.done)
            np.copyto(views.prev_level_seed, self._level_seed_now)
            np.copyto(self._level_seed_now, views.level_seed)
        else:
            np.logical_or(views.terminated[:n], views.truncated[:n], out=views.done[:n])
            ids = views.env_ids[:n]
            views.prev_level_seed[:n] = self._level_seed_now[ids]
            self._level_seed_now[ids] = views.level_seed[:n]
        self._last = views
        return views

    def _started(self, views: SlotViews) -> None:
        """After reset/set_state: every env's previous level is its current one."""
        np.copyto(self._level_seed_now, views.level_seed)
        np.copyto(views.prev_level_seed, views.level_seed)
        self._needs_reset = False

    def _drain(self) -> None:
        if self._bell_inflight:
            with contextlib.suppress(EngineError):
                self._bell_wait()
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
        client, process, shm = self._client, self._process, self._shm
        self._slots = []
        self._last = None
        if client is not None:
            try:
                if hasattr(self, "session"):
                    client.request({"type": "close", "session": self.session}, timeout_s=5.0)
                if process is not None and process.alive():
                    client.request({"type": "shutdown"}, timeout_s=5.0)
            except CoinRunError:
                pass
            client.close()
        if self._bell is not None:
            self._bell.close()
            self._bell = None
        if shm is not None:
            shm.close()
        if process is not None:
            process.stop()
        self._client = self._process = self._shm = None

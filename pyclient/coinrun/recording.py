"""Recorded episode files: options, level seed and actions of one episode (JSON).

``coinrun-viewer --replay FILE`` replays such a file exactly, at any resolution, because the
engine is deterministic: level seed + options + actions give the same states bit for bit.
The format ("coinrun-episode", version 1) is described in ``docs/viewer.md``.

Recording the episodes of a vector env::

    envs = coinrun.make_vec("coinrun/CoinRun-v0", num_envs=8, num_levels=500)
    rec = EpisodeRecorder(envs, directory="episodes", env_ids=[0])
    obs, infos = envs.reset()
    rec.on_reset(infos)
    while ...:
        actions = policy(obs)
        obs, rewards, terminated, truncated, infos = envs.step(actions)
        for path in rec.on_step(actions, rewards, terminated, truncated, infos):
            print("saved", path)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "coinrun-episode"
VERSION = 1
# The options that decide what a replay shows; everything else (num_envs, threads, transport)
# is irrelevant to one replayed episode.
REPLAY_OPTIONS = (
    "high_difficulty",
    "paint_vel_info",
    "use_data_augmentation",
    "use_black_white",
    "num_levels",
    "set_seed",
    "seed",
)
NUM_ACTIONS = 7  # docs/rules.md §5.2


class EpisodeFileError(ValueError):
    """A recorded episode file that cannot be read, with the path and the reason."""


@dataclass
class EpisodeResult:
    """How the episode ended (written when it ended by itself, not when it was cut)."""

    length: int
    episode_return: float
    terminated: bool
    truncated: bool
    level_complete: bool
    agent: dict[str, float] | None = None  # x, y, vx, vy: only the viewer can see these


@dataclass
class EpisodeRecording:
    """One episode: everything the viewer needs to replay it."""

    game: str
    level_seed: int
    actions: list[int] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    zoom: float | None = None  # camera zoom at the start; None: the game's own
    result: EpisodeResult | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "game": self.game,
            "options": {k: _plain(v) for k, v in self.options.items() if k in REPLAY_OPTIONS},
            "level_seed": int(self.level_seed),
            "actions": [int(a) for a in self.actions],
        }
        if self.zoom is not None:
            out["zoom"] = float(self.zoom)
        if self.result is not None:
            r = asdict(self.result)
            r["return"] = float(r.pop("episode_return"))
            if r["agent"] is None:
                del r["agent"]
            out["result"] = r
        return out

    def save(self, path: str | Path) -> Path:
        """Writes the file atomically (a temporary file renamed into place)."""
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n")
        tmp.replace(p)
        return p

    @classmethod
    def from_json(cls, data: Any, source: str = "<data>") -> EpisodeRecording:
        def fail(why: str) -> EpisodeFileError:
            return EpisodeFileError(f"{source}: {why}")

        if not isinstance(data, dict):
            raise fail("the top level must be a JSON object")
        if data.get("format") != FORMAT:
            raise fail(f'not a recorded episode ("format" must be "{FORMAT}")')
        if data.get("version") != VERSION:
            raise fail(f"format version {data.get('version')!r} is not supported (this reads {VERSION})")
        game = data.get("game")
        if not isinstance(game, str):
            raise fail('"game" must be a string')
        seed = data.get("level_seed")
        if not isinstance(seed, int) or isinstance(seed, bool) or not -(2**31) <= seed < 2**32:
            raise fail('"level_seed" must be an integer in [-2^31, 2^32)')
        raw = data.get("actions")
        if isinstance(raw, str):
            raw = [int(c) if c.isdigit() else -1 for c in raw]
        if not isinstance(raw, list):
            raise fail('"actions" must be a list of integers 0..6 or a digit string')
        for i, a in enumerate(raw):
            if not isinstance(a, int) or isinstance(a, bool) or not 0 <= a < NUM_ACTIONS:
                raise fail(f"action {a!r} at index {i} is outside [0, {NUM_ACTIONS})")
        result = None
        if isinstance(data.get("result"), dict):
            r = data["result"]
            result = EpisodeResult(
                length=int(r.get("length", 0)),
                episode_return=float(r.get("return", 0.0)),
                terminated=bool(r.get("terminated", False)),
                truncated=bool(r.get("truncated", False)),
                level_complete=bool(r.get("level_complete", False)),
                agent=r.get("agent"),
            )
        zoom = data.get("zoom")
        return cls(
            game=game,
            level_seed=seed,
            actions=list(raw),
            options=dict(data.get("options") or {}),
            zoom=float(zoom) if zoom is not None else None,
            result=result,
        )

    @classmethod
    def load(cls, path: str | Path) -> EpisodeRecording:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise EpisodeFileError(f"{path}: {e}") from e
        return cls.from_json(data, str(path))


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


class EpisodeRecorder:
    """Records the episodes of some envs of a vector env and writes one file per episode.

    Works with both autoreset modes. With SAME_STEP (the default) the step that reports
    ``done`` already belongs to the next level, whose seed ``infos["level_seed"]`` holds; with
    NEXT_STEP the step after ``done`` only resets and its action is not part of any episode.
    Returns are summed in float32 in step order, as the engine does, so a replay's return
    matches bit for bit.
    """

    def __init__(
        self,
        envs: Any,
        directory: str | Path,
        env_ids: list[int] | None = None,
        max_episodes: int | None = None,
        prefix: str = "episode",
    ) -> None:
        self.game: str = envs.game
        self.options: dict[str, Any] = dict(getattr(envs, "options", {}))
        mode = getattr(envs, "autoreset_mode", None)
        self.next_step = getattr(mode, "name", str(mode)).upper() == "NEXT_STEP"
        self.env_ids = list(range(envs.num_envs)) if env_ids is None else [int(i) for i in env_ids]
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_episodes = max_episodes
        self.prefix = prefix
        self.saved: list[Path] = []
        self._episodes: dict[int, EpisodeRecording | None] = {}
        self._returns: dict[int, np.float32] = {}

    def _begin(self, env: int, level_seed: int) -> None:
        self._episodes[env] = EpisodeRecording(game=self.game, level_seed=int(level_seed), options=self.options)
        self._returns[env] = np.float32(0.0)

    def on_reset(self, infos: dict[str, Any]) -> None:
        """Call after ``reset()``: starts an episode for every recorded env."""
        seeds = np.asarray(infos["level_seed"])
        for env in self.env_ids:
            self._begin(env, int(seeds[env]))

    def on_step(self, actions: Any, rewards: Any, terminated: Any, truncated: Any, infos: dict[str, Any]) -> list[Path]:
        """Call after every ``step()``; returns the files written on this step."""
        actions, rewards = np.asarray(actions), np.asarray(rewards, dtype=np.float32)
        terminated, truncated = np.asarray(terminated), np.asarray(truncated)
        seeds = np.asarray(infos["level_seed"])
        complete = np.asarray(infos.get("prev_level_complete", np.zeros(len(actions), bool)))
        written = []
        for env in self.env_ids:
            ep = self._episodes.get(env)
            if ep is None:  # NEXT_STEP: this step only started the next level
                self._begin(env, int(seeds[env]))
                continue
            ep.actions.append(int(actions[env]))
            self._returns[env] = np.float32(self._returns[env] + rewards[env])
            if not (terminated[env] or truncated[env]):
                continue
            ep.result = EpisodeResult(
                length=len(ep.actions),
                episode_return=float(self._returns[env]),
                terminated=bool(terminated[env]),
                truncated=bool(truncated[env]),
                level_complete=bool(complete[env]),
            )
            if self.max_episodes is None or len(self.saved) < self.max_episodes:
                path = self.directory / f"{self.prefix}_env{env}_{len(self.saved):05d}.json"
                self.saved.append(ep.save(path))
                written.append(path)
            if self.next_step:
                self._episodes[env] = None
            else:
                self._begin(env, int(seeds[env]))
        return written

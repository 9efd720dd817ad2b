"""What makes the envs a drop-in for gymnasium and Procgen users (docs/gymnasium.md).

- ``translate_options``: Procgen's option names that the client maps itself
  (``rand_seed``, ``distribution_mode``); the others are engine options of the same name.
- ``step_infos``: the infos dict of one step, fresh per call (gymnasium wrappers add keys to
  it), with ``final_info`` on same-step autoreset.
- ``HumanViewer``: ``render_mode="human"`` as a ``coinrun-viewer`` attached to the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from . import launcher
from .errors import CoinRunError, InvalidAction, InvalidOption
from .shm import SlotViews

# Procgen's distribution_mode on the original's settings. CoinRun in Procgen has "easy" and
# "hard" only; "hard" is the original's level distribution (difficulties 1-3 mixed, monsters,
# random looks). "easy" fixes the looks as Procgen's easy mode does (its other change, no
# walking monsters, has no counterpart in the original's generator: levels stay the
# original's). "extreme" gives the original's high_difficulty.
DISTRIBUTION_MODES: dict[str, dict[str, Any]] = {
    "easy": {"restrict_themes": True},
    "hard": {},
    "extreme": {"high_difficulty": True},
}


def translate_options(opts: dict[str, Any]) -> dict[str, Any]:
    """Maps Procgen's ``rand_seed`` and ``distribution_mode`` onto our options (a new dict);
    a conflict with an explicit option of ours is an error."""
    out = dict(opts)
    if "rand_seed" in out:
        rs = out.pop("rand_seed")
        if "seed" in out and out["seed"] != rs:
            raise InvalidOption(
                f"rand_seed={rs!r} and seed={out['seed']!r} disagree: they are the same option (Procgen's name and "
                "ours); give one",
                code="BAD_OPTION",
            )
        out["seed"] = rs
    if "distribution_mode" in out:
        mode = out.pop("distribution_mode")
        if mode not in DISTRIBUTION_MODES:
            raise InvalidOption(
                f"distribution_mode={mode!r} is not available; valid: {', '.join(map(repr, DISTRIBUTION_MODES))} "
                "(Procgen's 'memory' and 'exploration' modes do not exist for CoinRun; docs/gymnasium.md)",
                code="BAD_OPTION",
            )
        for key, value in DISTRIBUTION_MODES[mode].items():
            if key in out and bool(out[key]) != value:
                raise InvalidOption(
                    f"distribution_mode={mode!r} sets {key}={value}, but {key}={out[key]!r} was given too",
                    code="BAD_OPTION",
                )
            out[key] = value
    return out


def step_infos(v: SlotViews, n: int, same_step: bool) -> dict[str, Any]:
    """A fresh infos dict over the first ``n`` rows of ``v`` (views, no copies). On same-step
    autoreset, the rows that ended an episode also get gymnasium's ``final_obs`` (the
    episode's last frame: an (n, 64, 64, C) view whose rows are valid where ``_final_obs``)
    and ``final_info``/``_final_info`` (the finished level's seed and completion, and our
    episode statistics)."""
    base = v.infos if n == v.done.size else v.head(n).infos
    # A fresh dict per call (callers may change it); the nested dict is the only mutable value.
    infos = dict(base)
    infos["coinrun_episode"] = dict(base["coinrun_episode"])
    done = base["_coinrun_episode"]  # the first n rows of v.done
    # count_nonzero: a fifth of the time of done.any() on small arrays, and this runs per step.
    if same_step and np.count_nonzero(done):
        if v.final_obs is not None:
            final = v.final_obs[:n].view()
            final.flags.writeable = False
            infos["final_obs"], infos["_final_obs"] = final, done
        infos["final_info"] = {
            "level_seed": infos["prev_level_seed"],
            "prev_level_complete": infos["prev_level_complete"],
            "coinrun_episode": dict(infos["coinrun_episode"]),
            "_coinrun_episode": done,
        }
        infos["_final_info"] = done
    return infos


def _has_display() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return True  # offscreen, minimal, eglfs, vnc...: Qt needs no display server
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def find_viewer() -> Path:
    """The ``coinrun-viewer`` binary, or a CoinRunError saying how to get it."""
    path = launcher.find_viewer() or (Path(p) if (p := shutil.which("coinrun-viewer")) else None)
    if path is None:
        raise CoinRunError(
            "render_mode='human' needs coinrun-viewer, which was not built (it needs Qt 6: install "
            "qt6-base-dev and rebuild, or `pip install .` again); use render_mode='rgb_array' instead"
        )
    return path


class HumanViewer:
    """``coinrun-viewer --attach`` on one env of a session: the window follows the env live."""

    def __init__(
        self, endpoint: str, session: int, env: int = 0, fps: int = 15, environ: dict[str, str] | None = None
    ) -> None:
        if not _has_display():
            raise CoinRunError(
                "render_mode='human' opens a window, but there is no display (DISPLAY and WAYLAND_DISPLAY "
                "are unset); run under `xvfb-run`, set QT_QPA_PLATFORM=offscreen, or use render_mode='rgb_array'"
            )
        if not endpoint.startswith(("ipc://", "tcp://")):
            raise CoinRunError(f"render_mode='human' cannot attach a viewer to {endpoint!r}")
        cmd = [str(find_viewer()), "--attach", endpoint, "--session", str(session), "--env", str(env)]
        cmd += ["--fps", str(fps)]
        # A file, not a pipe: a long session must never block the viewer on a full pipe.
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log, env=environ
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, n: int = 2000) -> str:
        """The end of what the viewer wrote to stderr."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-n:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# Signed integer dtype -> the unsigned one of its width (in the machine's byte order), and the
# first bound that a negative entry, seen as unsigned, can fall under (2 ** (bits - 1)).
_UNSIGNED = {np.dtype(f"i{k}"): (np.dtype(f"u{k}"), 2 ** (8 * k - 1)) for k in (1, 2, 4, 8)}


def outside_range(a: np.ndarray, hi: int) -> bool:
    """True when some entry of the non-empty 1-D integer array ``a`` lies outside [0, hi).
    One pass, on every step: seen as unsigned, a negative entry is at least 2 ** (bits - 1),
    so it is out of range whenever hi is not above that. (``argmax`` rather than ``max``: on
    the small arrays of a step it costs a fifth of a ufunc reduction.)"""
    if a.dtype.kind == "i":
        unsigned = _UNSIGNED.get(a.dtype)
        if unsigned is None or hi > unsigned[1]:  # the other byte order, or a bound too large for
            return bool(a.min() < 0 or a.max() >= hi)  # the trick (int8 ids of 300 envs): two passes
        a = a.view(unsigned[0])
    return bool(a[a.argmax()] >= hi)


def check_actions(actions: Any, n: int, n_actions: int, action_names: list[str]) -> np.ndarray:
    """``actions`` as an integer array of shape (n,) with values in [0, n_actions); raises
    InvalidAction otherwise (any non-integer dtype, bool and integral floats included)."""
    a = np.asarray(actions)
    if a.shape != (n,):
        if a.size == n and a.ndim == 2 and 1 in a.shape:
            a = a.reshape(n)
        else:
            raise InvalidAction(
                f"actions must have shape ({n},), got {a.shape}",
                env=-1,
                value=a.shape,
                valid=(0, n_actions),
                hint="pass one integer action per env",
            )
    if a.dtype.kind not in "iu":
        raise InvalidAction(
            f"actions must be integers, got dtype {a.dtype}",
            env=-1,
            value=str(a.dtype),
            valid=(0, n_actions),
            hint="cast with actions.astype(np.int32)",
        )
    if n == 0:
        return a
    if outside_range(a, n_actions):
        bad = int(np.flatnonzero((a < 0) | (a >= n_actions))[0])
        raise InvalidAction(
            f"invalid action {a[bad]} for env {bad}: valid actions are 0..{n_actions - 1}",
            env=bad,
            value=a[bad].item(),
            valid=(0, n_actions),
            code="BAD_ACTION",
            hint="actions index " + ", ".join(action_names),
        )
    return a

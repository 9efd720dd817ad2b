"""Play CoinRun with the keyboard: ``python -m coinrun.interactive`` (as in the original).

Opens ``coinrun-viewer``. Accepts the original's flags (``--game-type``/``-gamet``,
``--num-levels``/``-nlev``, ``--set-seed``, ``--paint-vel-info``/``-pvi``, ``--highd``) and
the viewer's own (``--seed`` to play one level, ``--fps``, ``--replay FILE``,
``--attach ENDPOINT``); anything after ``--`` goes to the viewer unchanged.

Keys (docs/rules.md §10.9): arrows move (up jumps, down crouches / drops through crates),
Return ends the episode, F1/F2 window or agent (64x64) view, F5-F8 zoom 1/2/3/5, R starts
or stops a 512x512 PNG frame export. ``watch(envs, env)`` opens a live view of a running
vector env (what ``train/evaluate.py --watch`` uses).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .registration import GAME_IDS

VIEWER_NAME = "coinrun-viewer"


class ViewerNotFound(RuntimeError):
    """No coinrun-viewer binary: says how to build or point to one."""


def find_viewer() -> Path:
    """Path of the viewer binary.

    Search order: ``$COINRUN_VIEWER``; ``coinrun/bin/coinrun-viewer`` in the installed
    package; ``<repo>/build/coinrun-viewer`` and ``<repo>/build-viewer/coinrun-viewer`` in a
    checkout; ``coinrun-viewer`` on ``PATH``.
    """
    env = os.environ.get("COINRUN_VIEWER")
    if env:
        p = Path(env)
        if p.is_file() and os.access(p, os.X_OK):
            return p
        raise ViewerNotFound(f"COINRUN_VIEWER={env} is not an executable file; unset it or fix the path")
    here = Path(__file__).resolve().parent
    repo = here.parent.parent
    installed = (here / "bin" / VIEWER_NAME, here / "_bin" / VIEWER_NAME)
    for c in (*installed, repo / "build" / VIEWER_NAME, repo / "build-viewer" / VIEWER_NAME):
        if c.is_file() and os.access(c, os.X_OK):
            return c
    on_path = shutil.which(VIEWER_NAME)
    if on_path:
        return Path(on_path)
    raise ViewerNotFound(
        "coinrun-viewer not found: it needs Qt 6 (apt-get install qt6-base-dev); build it with "
        "`cmake -S . -B build && cmake --build build --target coinrun-viewer`, install with "
        "`pip install .`, or set COINRUN_VIEWER to its path"
    )


def viewer_args(ns: argparse.Namespace) -> list[str]:
    """The viewer's command line for the parsed interactive flags."""
    args = [
        "--game",
        ns.game_type,
        "--num-levels",
        str(ns.num_levels),
        "--set-seed",
        str(ns.set_seed),
        "--fps",
        str(ns.fps),
    ]
    # §10.9: keyboard play paints no velocity squares unless asked for (-1 "auto" = off here).
    args += ["--paint-vel-info", "1" if ns.paint_vel_info == 1 else "0"]
    if ns.high_difficulty:
        args.append("--high-difficulty")
    if ns.seed is not None:
        args += ["--seed", str(ns.seed)]
    if ns.replay:
        args += ["--replay", ns.replay]
    if ns.attach:
        args += ["--attach", ns.attach]
    if ns.save_episode:
        args += ["--save-episode", ns.save_episode]
    return args


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m coinrun.interactive", description=__doc__.split("\n\n")[0])
    p.add_argument("-gamet", "--game-type", default="standard", choices=sorted(set(GAME_IDS.values())))
    p.add_argument("-nlev", "--num-levels", type=int, default=0)
    p.add_argument("-set-seed", "--set-seed", type=int, default=-1)
    p.add_argument("-pvi", "--paint-vel-info", type=int, default=-1)
    p.add_argument("--highd", "--high-difficulty", dest="high_difficulty", action="store_true")
    p.add_argument("--seed", type=int, default=None, help="play this level seed")
    p.add_argument("--fps", type=int, default=15, help="ticks per second (1..60)")
    p.add_argument("--replay", default=None, help="replay a recorded episode file")
    p.add_argument("--attach", default=None, help="watch a running engine (ENDPOINT)")
    p.add_argument("--save-episode", default=None, help="write each finished episode to FILE")
    return p


def watch(envs: Any, env: int = 0, fps: int = 15, extra: list[str] | None = None) -> subprocess.Popen[bytes]:
    """Opens a viewer window on env ``env`` of a running CoinRunVectorEnv; returns the process.

    The viewer pulls 512x512 frames with spectator ``render`` requests at ``fps``; it never
    steps or resets the session. Terminate the returned process to close the window.
    """
    client = getattr(envs, "_client", None)
    if client is None or not hasattr(envs, "session"):
        raise TypeError("watch() needs an open CoinRunVectorEnv (it reads its endpoint and session id)")
    endpoint = client.endpoint
    args = [
        str(find_viewer()),
        "--attach",
        endpoint,
        "--session",
        str(envs.session),
        "--env",
        str(env),
        "--fps",
        str(fps),
        *(extra or []),
    ]
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, env=client.child_environment())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    passthrough: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, passthrough = argv[:i], argv[i + 1 :]
    ns = build_parser().parse_args(argv)
    try:
        viewer = find_viewer()
    except ViewerNotFound as e:
        print(f"coinrun.interactive: {e}", file=sys.stderr)
        return 2
    return subprocess.call([str(viewer), *viewer_args(ns), *passthrough])


if __name__ == "__main__":
    sys.exit(main())

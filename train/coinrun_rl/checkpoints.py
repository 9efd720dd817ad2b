"""Checkpoint files (docs/rules.md §10.7): where they live, writing them atomically, loading
them with a one-line error, and refusing to overwrite another run by accident."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import torch

from .config import SESSION_FIELDS, Args, UsageError, finalize_args

CHECKPOINT_DIR = Path("saved_models")  # fixed, as in the original (§9.4)
LOG_DIR = Path("runs")


class CheckpointError(Exception):
    """A checkpoint is missing or unreadable, or a run id is taken; the message says which
    file and what to do, and the command-line scripts print it as one line."""


def checkpoint_path(run_id: str, tag: str = "") -> Path:
    return CHECKPOINT_DIR / f"sav_{run_id}{'_' + tag if tag else ''}_0.pt"


def resolve_checkpoint(run_id_or_path: str) -> Path:
    """`saved_models/sav_<id>_0.pt`, or an explicit .pt path."""
    path = Path(run_id_or_path)
    if path.suffix == ".pt" and path.exists():
        return path
    path = checkpoint_path(run_id_or_path)
    if not path.exists():
        raise CheckpointError(
            f"no checkpoint {path} (run id {run_id_or_path!r}, looked under "
            f"{CHECKPOINT_DIR.resolve()}); list the runs with `ls {CHECKPOINT_DIR}`"
        )
    return path


def load_checkpoint(run_id_or_path: str, device: torch.device | str = "cpu") -> tuple[dict, Args]:
    """Load a checkpoint; returns (ckpt, the run's Args)."""
    path = resolve_checkpoint(run_id_or_path)
    try:
        ckpt = torch.load(path, map_location=device, weights_only=False)
        saved = dict(ckpt["args"])
    except Exception as e:  # a truncated or foreign file: say which, not a traceback
        raise CheckpointError(f"checkpoint {path} is not readable ({type(e).__name__}: {e})") from e
    known = {f for f in Args.__dataclass_fields__}
    return ckpt, Args(**{k: v for k, v in saved.items() if k in known})


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write through a temporary file and rename, so a crash never leaves half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def claim_run_id(args: Args) -> None:
    """Refuse to start a new run over an existing one unless resuming it or --overwrite."""
    assert args.run_id is not None
    taken = [p for p in (checkpoint_path(args.run_id), LOG_DIR / args.run_id) if p.exists()]
    if taken and args.restore_id != args.run_id and not args.overwrite:
        raise CheckpointError(
            f"run id {args.run_id!r} exists already ({', '.join(map(str, taken))}); resume it with "
            f"--restore-id {args.run_id}, pick another --run-id, or pass --overwrite to replace it"
        )


def resolve_run_args(args: Args, world_size: int, device: torch.device) -> tuple[Args, dict | None]:
    """--restore-id takes the checkpoint's settings except those of this session; then the
    defaults of the device's budget fill what is unset."""
    ckpt: dict | None = None
    if args.restore_id is not None:
        ckpt, saved = load_checkpoint(args.restore_id, device)
        session = {k: getattr(args, k) for k in SESSION_FIELDS}
        if session["run_id"] is None:  # resuming continues the same run unless told otherwise
            session["run_id"] = saved.run_id
        if args.total_timesteps is not None:
            # An explicit budget extends (or shortens) the run; the annealing follows it.
            session["total_timesteps"] = args.total_timesteps
        args = dataclasses.replace(saved, **session)
        if saved.world_size != world_size:
            raise UsageError(
                f"checkpoint {args.restore_id!r} was trained with {saved.world_size} "
                f"processes, this run has {world_size}; exact resume needs the same"
            )
    return finalize_args(args, world_size, device), ckpt

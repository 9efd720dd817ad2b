"""torchrun helpers: scalars averaged over ranks, episode windows pooled over ranks, and the
check that every rank ends with the same parameters. Identities when single-process."""

from __future__ import annotations

from collections import deque

import numpy as np
import torch
import torch.distributed as dist
from torch import nn


def all_mean(values: list[float], world_size: int) -> list[float]:
    """Average a few scalars over ranks (identity when single-process)."""
    if world_size == 1:
        return list(values)
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


def check_ranks_identical(params: list[nn.Parameter], world_size: int, is_main: bool) -> None:
    """Invariant of the gradient all-reduce: every rank holds the same parameters."""
    if world_size == 1:
        return
    with torch.no_grad():
        checksum = torch.stack([p.double().sum() for p in params]).sum().cpu()
    spread = torch.stack([checksum, -checksum])
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    if spread[0].item() != -spread[1].item():
        raise RuntimeError(f"rank parameters diverged: checksums span {-spread[1].item()} .. {spread[0].item()}")
    if is_main:
        print(f"parameters identical on all {world_size} ranks (checksum {checksum.item():.6f})")

"""Data-parallel work on the CPU cores of one process: a batch is cut into equal contiguous
shards, each shard runs forward (and backward) on its own thread with one intra-op thread.

Why: the IMPALA-CNN's layers are many small operators (16-32 channels); torch's intra-op
threads meet at a barrier after each one, and on a small shared machine a thread that loses
its core stalls the other at every barrier. Shards share nothing until the gradients meet
in `param.grad` (autograd accumulates from several threads safely, and a sum of two terms is
the same in either order), so each core runs flat out. The maths is the minibatch's: every
shard's loss is its mean times its share of the minibatch, so the summed gradient is the
gradient of the minibatch mean; statistics that need the whole minibatch (advantage
normalisation) are computed before cutting. Batch norm, whose statistics are the batch's,
is never sharded."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import torch

T = TypeVar("T")


def default_workers(device: torch.device) -> int:
    """One shard per core on a CPU; the GPU does its own parallelism."""
    return max(1, torch.get_num_threads()) if device.type == "cpu" else 1


class ShardPool:
    """Runs `fn(slice)` for the contiguous shards of a batch, concurrently."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="shard") if self.workers > 1 else None
        if self._pool is not None:
            # Each shard thread computes with one intra-op thread; the shards are the parallelism.
            torch.set_num_threads(1)

    def shards(self, n: int) -> list[slice]:
        k = min(self.workers, n)
        bounds = [n * i // k for i in range(k + 1)]
        return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def map(self, fn: Callable[[slice], T], n: int, *, enabled: bool = True) -> list[T]:
        """fn over the shards of range(n) (one shard when disabled or single-worker)."""
        if self._pool is None or not enabled or n < 2:
            return [fn(slice(0, n))]
        return list(self._pool.map(fn, self.shards(n)))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

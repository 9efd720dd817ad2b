"""Where the time of one CPU training pass goes: forward + backward + Adam of the IMPALA-CNN
on one minibatch of random frames, timed, with the minor page faults it causes and a
torch.profiler table of its operators. A measurement, not a test.

    python tools/profile_pass.py                                  # under this process's malloc
    LD_PRELOAD=libjemalloc.so.2 MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 \\
        python tools/profile_pass.py                              # as train/ppo.py runs on a CPU

docs/performance.md ("Where the time goes") quotes both.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "train"))
from coinrun_rl.allocator import jemalloc_active  # noqa: E402  (after the sys.path insert)
from coinrun_rl.networks import IMPALA_DEPTHS, impala_cnn  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=2048, help="minibatch samples (CleanRL's configuration: 2048)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--passes", type=int, default=3, help="timed passes, after 2 warm-up passes")
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    net, hidden = impala_cnn((64, 64, 3), IMPALA_DEPTHS["impala"], 0.0, False)
    model = torch.nn.Sequential(net, torch.nn.Linear(hidden, 16)).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=5e-4, eps=1e-5)
    frames = torch.randint(0, 255, (a.batch, 64, 64, 3), dtype=torch.uint8)

    def one_pass() -> None:
        x = frames.permute(0, 3, 1, 2).float() / 255.0  # NHWC bytes -> channels_last floats
        loss = model(x).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(2):
        one_pass()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0 = time.perf_counter()
    for _ in range(a.passes):
        one_pass()
    seconds = (time.perf_counter() - t0) / a.passes
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) // a.passes
    print(f"allocator: {'jemalloc' if jemalloc_active() else 'the C library malloc'}")
    print(f"pass of {a.batch} samples: {seconds * 1e3:.0f} ms, {faults} minor page faults per pass")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        one_pass()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10} MB")


if __name__ == "__main__":
    main()

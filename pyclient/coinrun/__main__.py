"""``python -m coinrun info|bench``: what the engine offers, and Python-visible steps/s."""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def _info(args: argparse.Namespace) -> int:
    from .client import EngineClient
    from .credentials import pop_credentials
    from .launcher import EngineProcess, find_engine

    proc = None
    try:
        if args.address:
            creds = pop_credentials({"token_file": args.token_file, "engine_key": args.engine_key}, args.address)
            client = EngineClient(args.address, credentials=creds)
        else:
            proc = EngineProcess()
            client = EngineClient(proc.endpoint, process=proc)
        hello = client.hello
        print(json.dumps({"engine": str(find_engine()) if proc else args.address, **hello}, indent=2, default=str))
        if proc is not None:
            client.request({"type": "shutdown"}, timeout_s=5)
        client.close()
    finally:
        if proc is not None:
            proc.stop()
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .vector_env import CoinRunVectorEnv

    rng = np.random.default_rng(0)
    print(f"{'envs':>6} {'steps/s':>10} {'batches/s':>10}")
    for n in args.num_envs:
        opts = {"num_threads": args.threads} if args.threads else {}
        with CoinRunVectorEnv(num_envs=n, game=args.game, seed=1, **opts) as env:
            env.reset()
            acts = rng.integers(0, env.n_actions, size=(64, n)).astype(np.int32)
            for i in range(10):
                env.step(acts[i % 64])
            k = 0
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < args.seconds:
                env.step(acts[k % 64])
                k += 1
            dt = time.perf_counter() - t0
            print(f"{n:>6} {k * n / dt:>10.0f} {k / dt:>10.1f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m coinrun")
    sub = p.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("info", help="print the engine's hello reply (games, options, limits)")
    pi.add_argument("--address", default=None, help="a running engine's endpoint instead of launching one")
    pi.add_argument("--token-file", default=None, help="its token file (default: COINRUN_TOKEN / COINRUN_TOKEN_FILE)")
    pi.add_argument(
        "--engine-key", default=None, help="its CURVE public key or KEYFILE.pub (default: COINRUN_ENGINE_KEY)"
    )
    pb = sub.add_parser("bench", help="Python-visible steps/s with random actions")
    pb.add_argument("--num-envs", type=int, nargs="+", default=[1, 16, 64, 256])
    pb.add_argument("--game", default="standard")
    pb.add_argument("--seconds", type=float, default=3.0)
    pb.add_argument("--threads", type=int, default=0, help="engine threads per session (0 = auto)")
    args = p.parse_args(argv)
    return {"info": _info, "bench": _bench}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())

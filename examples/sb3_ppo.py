"""Stable-Baselines3 PPO with its CnnPolicy, as for any gymnasium image env: only the env id
names CoinRun ("coinrun:" makes gymnasium import the package that registers it).

    python examples/sb3_ppo.py --env-id coinrun:coinrun/CoinRun-v0 --total-timesteps 200000
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--env-id", default="coinrun:coinrun/CoinRun-v0")
    p.add_argument("--n-envs", type=int, default=8)
    p.add_argument("--n-steps", type=int, default=256)
    p.add_argument("--total-timesteps", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-episode-steps", type=int, default=None, help="gymnasium's TimeLimit (default: the env's)")
    args = p.parse_args()

    env_kwargs = {} if args.max_episode_steps is None else {"max_episode_steps": args.max_episode_steps}
    env = make_vec_env(args.env_id, n_envs=args.n_envs, seed=args.seed, env_kwargs=env_kwargs)
    model = PPO(
        "CnnPolicy",
        env,
        n_steps=args.n_steps,
        batch_size=min(256, args.n_envs * args.n_steps),
        n_epochs=3,
        learning_rate=5e-4,
        ent_coef=0.01,
        gamma=0.999,
        seed=args.seed,
        device="cpu",
        verbose=0,
    )
    model.learn(total_timesteps=args.total_timesteps)
    episodes = list(model.ep_info_buffer)
    obs = env.reset()
    actions, _ = model.predict(obs, deterministic=True)
    env.close()
    print(
        json.dumps(
            {
                "timesteps": model.num_timesteps,
                "episodes": len(episodes),
                "mean_return": float(np.mean([e["r"] for e in episodes])) if episodes else None,
                "mean_length": float(np.mean([e["l"] for e in episodes])) if episodes else None,
                "actions": np.asarray(actions).tolist(),
            }
        )
    )


if __name__ == "__main__":
    main()

"""The fields of a reset request: ``reset(seed=..., options=...)`` checked and encoded."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InvalidOption


def reset_fields(seed: Any, options: dict[str, Any] | None, num_envs: int) -> dict[str, Any]:
    """``seed`` (one int for all envs) and ``options`` (``reset_mask`` or ``env_ids``, and
    ``level_seeds``) as the fields of the engine's reset message; raises InvalidOption."""
    msg: dict[str, Any] = {}
    if seed is not None:
        if isinstance(seed, (list, tuple, np.ndarray)):
            vals = {int(s) for s in seed}
            if len(vals) != 1:
                raise InvalidOption(
                    "CoinRunVectorEnv.reset takes one int seed for all envs (each env derives its own stream from it)",
                    code="BAD_OPTION",
                )
            seed = vals.pop()
        seed = int(seed)
        if not 0 <= seed < 2**32:
            raise InvalidOption(f"seed {seed} is out of range [0, 2**32)", code="BAD_OPTION")
        msg["seed"] = seed
    options = dict(options or {})
    mask = options.pop("reset_mask", None)
    level_seeds = options.pop("level_seeds", None)
    env_ids = options.pop("env_ids", None)
    if options:
        raise InvalidOption(
            f"unknown reset option(s) {sorted(options)}; valid: reset_mask, env_ids, level_seeds", code="BAD_OPTION"
        )
    if env_ids is not None:
        mask, level_seeds = _mask_of_env_ids(env_ids, mask, level_seeds, num_envs)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        if m.shape != (num_envs,):
            raise InvalidOption(f"reset_mask must have shape ({num_envs},), got {m.shape}", code="BAD_OPTION")
        msg["mask"] = m.astype(np.uint8).tobytes()
    if level_seeds is not None:
        msg["level_seeds"] = [int(s) for s in np.asarray(level_seeds).reshape(-1)]
    return msg


def _mask_of_env_ids(env_ids: Any, mask: Any, level_seeds: Any, num_envs: int) -> tuple[np.ndarray, Any]:
    """reset(options={"env_ids": ...}) as a mask; level seeds reordered to env order."""
    if mask is not None:
        raise InvalidOption("give reset_mask or env_ids, not both", code="BAD_OPTION")
    ids = np.asarray(env_ids, dtype=np.int64).reshape(-1)
    if ids.size == 0 or ids.min() < 0 or ids.max() >= num_envs or np.unique(ids).size != ids.size:
        raise InvalidOption(f"env_ids must be distinct ids in [0, {num_envs}), got {ids.tolist()}", code="BAD_OPTION")
    m = np.zeros(num_envs, dtype=bool)
    m[ids] = True
    if level_seeds is not None:
        ls = np.asarray(level_seeds).reshape(-1)
        if ls.size != ids.size:
            raise InvalidOption(f"{ls.size} level_seeds for {ids.size} env_ids", code="BAD_OPTION")
        level_seeds = ls[np.argsort(ids)]
    return m, level_seeds

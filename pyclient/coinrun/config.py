"""The original's global ``Config`` (coinrun/config.py): the same flags, long and short.

Only the environment flags change what ``coinrun.make`` creates; the training flags are
parsed and kept so that ported scripts which read them keep working.
"""

from __future__ import annotations

import argparse
from typing import Any

# (short flag, name, type, default) as in the original.
TYPE_KEYS: list[tuple[str, str, type, Any]] = [
    ("runid", "run_id", str, "tmp"),
    ("resid", "restore_id", str, None),
    ("gamet", "game_type", str, "standard"),
    ("arch", "architecture", str, "impala"),
    ("lstm", "use_lstm", int, 0),
    ("ne", "num_envs", int, 32),
    ("nlev", "num_levels", int, 0),
    ("set-seed", "set_seed", int, -1),
    ("ns", "num_steps", int, 256),
    ("nmb", "num_minibatches", int, 8),
    ("ppoeps", "ppo_epochs", int, 3),
    ("ent", "entropy_coeff", float, 0.01),
    ("lr", "learning_rate", float, 5e-4),
    ("gamma", "gamma", float, 0.999),
    ("pvi", "paint_vel_info", int, -1),
    ("norm", "use_batch_norm", int, 0),
    ("dropout", "dropout", float, 0.0),
    ("uda", "use_data_augmentation", int, 0),
    ("l2", "l2_weight", float, 0.0),
    ("eps", "epsilon_greedy", float, 0.0),
    ("fs", "frame_stack", int, 1),
    ("ubw", "use_black_white", int, 0),
    ("si", "save_interval", int, 10),
    ("num-eval", "num_eval", int, 20),
    ("rep", "rep", int, 1),
    ("nt", "num_trials", int, 1),
    ("rhp", "use_random_hps", int, 0),
]
BOOL_KEYS: list[tuple[str, str]] = [
    ("test", "test"),
    ("train-eval", "train_eval"),
    ("test-eval", "test_eval"),
    ("highd", "high_difficulty"),
    ("hres", "is_high_res"),
]


class ConfigSingle:
    """Attributes in upper case (``Config.NUM_LEVELS``), as in the original."""

    def __init__(self) -> None:
        self.args_dict: dict[str, Any] = {}
        self.initialize_args(use_cmd_line_args=False)

    def build_parser(self, defaults: dict[str, Any]) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser()
        for short, name, typ, _ in TYPE_KEYS:
            parser.add_argument("-" + short, "--" + name.replace("_", "-"), dest=name, type=typ, default=defaults[name])
        for short, name in BOOL_KEYS:
            parser.add_argument("--" + short, dest=name, action="store_true")
            parser.set_defaults(**{name: defaults[name]})
        return parser

    def initialize_args(self, use_cmd_line_args: bool = True, **kwargs: Any) -> argparse.Namespace:
        defaults: dict[str, Any] = {name: default for _, name, _, default in TYPE_KEYS}
        defaults.update({name: False for _, name in BOOL_KEYS})
        unknown = sorted(set(kwargs) - set(defaults))
        if unknown:
            from .errors import InvalidOption

            raise InvalidOption(
                f"unknown setting(s) {unknown}; valid settings are: {', '.join(sorted(defaults))}", code="BAD_OPTION"
            )
        defaults.update(kwargs)
        parser = self.build_parser(defaults)
        args = parser.parse_args() if use_cmd_line_args else parser.parse_args(args=[])
        self.args_dict = dict(vars(args))
        for k, v in self.args_dict.items():
            setattr(self, k.upper(), v)
        self.compute_args_dependencies()
        return args

    def compute_args_dependencies(self) -> None:
        if self.PAINT_VEL_INFO < 0:
            self.PAINT_VEL_INFO = 1 if self.GAME_TYPE == "standard" else 0
        if self.TEST_EVAL:
            self.NUM_LEVELS = 0
            self.HIGH_DIFFICULTY = 1

    def get_args_dict(self) -> dict[str, Any]:
        return dict(self.args_dict)

    # Declared for type checkers; set in initialize_args.
    NUM_LEVELS: int
    SET_SEED: int
    HIGH_DIFFICULTY: bool
    PAINT_VEL_INFO: int
    USE_DATA_AUGMENTATION: int
    USE_BLACK_WHITE: int
    IS_HIGH_RES: bool
    GAME_TYPE: str
    TEST_EVAL: bool


Config = ConfigSingle()

"""The original's ``setup_utils.setup_and_load``: initialise the global Config from the
command line (optional) and keyword overrides."""

from __future__ import annotations

import argparse
from typing import Any

from .config import Config


def setup_and_load(use_cmd_line_args: bool = True, **kwargs: Any) -> argparse.Namespace:
    """Parses the original's flags into ``coinrun.config.Config`` and returns them.

    ``use_cmd_line_args=False`` ignores ``sys.argv``; keyword arguments override defaults
    (e.g. ``num_levels=500``). Unlike the original, nothing is restored from disk and no MPI
    is initialised.
    """
    return Config.initialize_args(use_cmd_line_args=use_cmd_line_args, **kwargs)

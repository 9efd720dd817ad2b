"""What a client needs to talk to a protected engine (docs/reliability.md, "Threat model"):
the shared-secret token the engine checks on every request, and the engine's CURVE public
key, with which ZeroMQ encrypts the connection and proves the engine is the one it claims.

Each comes from an option or the environment, first found wins:

- token: the ``token`` option, the ``token_file`` option, ``COINRUN_TOKEN``,
  ``COINRUN_TOKEN_FILE``;
- engine key: the ``engine_key`` option, ``COINRUN_ENGINE_KEY`` (for tcp:// addresses only:
  an engine the client launches itself never encrypts); either holds the key itself (40 Z85
  characters) or the path of the file the engine writes it to (``KEYFILE.pub``).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zmq.utils import z85

from .errors import InvalidOption

# The vector env's options that this module reads (and removes before the engine's own).
CREDENTIAL_OPTIONS = ("token", "token_file", "engine_key")
MIN_TOKEN_CHARS = 16  # as the engine requires of its --token-file
_KEY_CHARS = 40


@dataclass(frozen=True)
class Credentials:
    """``token`` (None: send none) and ``engine_key`` (Z85; None: no encryption)."""

    token: str | None = None
    engine_key: str | None = None

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(token={'set' if self.token else None}, engine_key={self.engine_key!r})"


def read_token_file(path: str | os.PathLike[str]) -> str:
    """The first line of a private (mode 600) token file; refuses files others can read."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
        text = p.read_text()
    except OSError as e:
        raise InvalidOption(f"cannot read token file '{p}': {e.strerror}", code="BAD_OPTION") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidOption(f"token file '{p}' is readable by others; chmod 600 it", code="BAD_OPTION")
    lines = text.splitlines()
    token = lines[0].rstrip(" \r") if lines else ""
    if len(token) < MIN_TOKEN_CHARS:
        raise InvalidOption(f"token in '{p}' is shorter than {MIN_TOKEN_CHARS} characters", code="BAD_OPTION")
    return token


def read_engine_key(value: str | os.PathLike[str]) -> str:
    """A CURVE public key given as 40 Z85 characters or as the path of a file holding them."""
    text = os.fspath(value).strip()
    if not _is_key(text):
        p = Path(text)
        try:
            text = p.read_text().strip()
        except OSError as e:
            raise InvalidOption(
                f"engine_key {os.fspath(value)!r} is neither a CURVE public key (40 Z85 characters) nor a "
                f"readable file ({e.strerror})",
                code="BAD_OPTION",
                hint="pass the contents of the engine's KEYFILE.pub (it prints the key at start) or that file's path",
            ) from None
        if not _is_key(text):
            raise InvalidOption(
                f"file '{p}' does not hold a CURVE public key (40 Z85 characters)",
                code="BAD_OPTION",
                hint="use the engine's KEYFILE.pub, not its secret key file",
            )
    return text


def _is_key(text: str) -> bool:
    if len(text) != _KEY_CHARS:
        return False
    try:
        return len(z85.decode(text)) == 32
    except (ValueError, KeyError, TypeError):
        return False


def pop_credentials(options: dict[str, Any], address: str | None) -> Credentials:
    """Takes the credential options out of ``options`` and resolves them for ``address``
    (None: an engine this client launches)."""
    token, token_file, engine_key = (options.pop(k, None) for k in CREDENTIAL_OPTIONS)
    remote = address is not None and address.startswith("tcp://")
    return resolve_credentials(token, token_file, engine_key, env_key=remote)


def resolve_credentials(
    token: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    engine_key: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    env_key: bool = True,
) -> Credentials:
    """The token and engine key from the options, else from the environment (the key only
    when ``env_key``)."""
    env = os.environ if environ is None else environ
    if token is not None and not isinstance(token, str):
        raise InvalidOption(f"token must be a string, got {type(token).__name__}", code="BAD_OPTION")
    if token is None and token_file is not None:
        token = read_token_file(token_file)
    if token is None and env.get("COINRUN_TOKEN"):
        token = env["COINRUN_TOKEN"]
    if token is None and env.get("COINRUN_TOKEN_FILE"):
        token = read_token_file(env["COINRUN_TOKEN_FILE"])
    if engine_key is None and env_key and env.get("COINRUN_ENGINE_KEY"):
        engine_key = env["COINRUN_ENGINE_KEY"]
    key = read_engine_key(engine_key) if engine_key is not None else None
    return Credentials(token=token or None, engine_key=key)

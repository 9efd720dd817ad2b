"""Protocol 1.2 of ``coinrun-engine serve`` (docs/protocol.md): versions, encoding, and the
mapping from error replies to exceptions. Pure functions, testable without an engine."""

from __future__ import annotations

from typing import Any

import msgpack

from .errors import (
    AuthenticationError,
    CoinRunError,
    EngineError,
    InvalidAction,
    InvalidOption,
    InvalidState,
    VersionMismatch,
)

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 2  # 1.1: get_state / set_state (docs/state.md); 1.2: UNAUTHORIZED
LAYOUT_VERSION = 2
SHM_MAGIC = b"COINRUN\0"

# dtype codes of the shared-memory region table.
DTYPES: dict[int, str] = {1: "uint8", 2: "int32", 3: "uint32", 4: "float32"}

_ERROR_CLASSES: dict[str, type[EngineError]] = {
    "BAD_ACTION": InvalidAction,
    "BAD_OPTION": InvalidOption,
    "UNKNOWN_GAME": InvalidOption,
    "VERSION_MISMATCH": VersionMismatch,
    "BAD_STATE": InvalidState,
    "UNAUTHORIZED": AuthenticationError,
}


def encode(msg: dict[str, Any]) -> bytes:
    """One request map as msgpack bytes (bin type for bytes, no ext types)."""
    return msgpack.packb(msg, use_bin_type=True)


def decode(data: bytes | memoryview) -> dict[str, Any]:
    """One reply map; raises EngineError when the bytes are not a msgpack map."""
    try:
        obj = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception as e:
        raise EngineError(f"engine sent an undecodable reply ({e})", code="BAD_MESSAGE") from e
    if not isinstance(obj, dict):
        raise EngineError(f"engine sent a {type(obj).__name__} instead of a map", code="BAD_MESSAGE")
    return obj


def error_from_reply(reply: dict[str, Any]) -> CoinRunError:
    """The exception for an ``error`` reply, chosen by its code."""
    code = str(reply.get("code", "INTERNAL"))
    message = str(reply.get("message", "engine error"))
    hint = str(reply.get("hint", ""))
    details = reply.get("details") or {}
    if not isinstance(details, dict):
        details = {}
    cls = _ERROR_CLASSES.get(code, EngineError)
    if cls is InvalidAction:
        low = int(details.get("low", 0))
        high = int(details.get("high", 7))
        return InvalidAction(
            message,
            env=int(details.get("env", -1)),
            value=details.get("value"),
            valid=(low, high),
            code=code,
            hint=hint,
            details=details,
        )
    return cls(message, code=code, hint=hint, details=details)


def hello(client: str) -> dict[str, Any]:
    return {"v": PROTOCOL_MAJOR, "type": "hello", "protocol": [PROTOCOL_MAJOR, PROTOCOL_MINOR], "client": client}


def check_hello_reply(reply: dict[str, Any]) -> None:
    """Raises VersionMismatch unless the engine speaks our protocol major and layout."""
    proto = reply.get("protocol") or [None, None]
    if not proto or proto[0] != PROTOCOL_MAJOR:
        raise VersionMismatch(
            f"engine speaks protocol {proto}, this client {PROTOCOL_MAJOR}.{PROTOCOL_MINOR}",
            code="VERSION_MISMATCH",
            hint="install the coinrun package and engine from the same checkout (pip install .)",
        )
    if reply.get("layout_version") != LAYOUT_VERSION:
        raise VersionMismatch(
            f"engine uses shared-memory layout {reply.get('layout_version')}, this client {LAYOUT_VERSION}",
            code="VERSION_MISMATCH",
            hint="install the coinrun package and engine from the same checkout (pip install .)",
        )

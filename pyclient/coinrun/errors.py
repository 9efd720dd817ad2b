"""Exceptions raised by the coinrun client. Every message says what went wrong and what to do."""

from __future__ import annotations

from typing import Any

from gymnasium.error import ResetNeeded as _GymResetNeeded


class CoinRunError(Exception):
    """Base class of every error raised by the coinrun package."""


class EngineError(CoinRunError):
    """The engine answered a request with an error reply.

    Attributes mirror the reply: ``code`` (e.g. ``"BAD_SEQUENCE"``), ``hint`` (what to do)
    and ``details`` (a dict with the offending values).
    """

    def __init__(
        self, message: str, code: str = "INTERNAL", hint: str = "", details: dict[str, Any] | None = None
    ) -> None:
        text = message if not hint else f"{message} ({hint})"
        super().__init__(text)
        self.code = code
        self.hint = hint
        self.details = dict(details or {})


class InvalidAction(EngineError, ValueError):
    """An action was out of range or of the wrong shape or dtype.

    ``env`` is the offending env index (or -1), ``value`` the offending value, and
    ``valid`` the half-open range of valid actions.
    """

    def __init__(
        self,
        message: str,
        env: int = -1,
        value: Any = None,
        valid: tuple[int, int] = (0, 7),
        code: str = "BAD_ACTION",
        hint: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint, details=details)
        self.env = env
        self.value = value
        self.valid = valid


class InvalidOption(EngineError, ValueError):
    """An unknown option, or an option of the wrong type or out of range."""


class InvalidState(EngineError, ValueError):
    """An env state was refused (``set_state``): truncated, corrupted, from another game, a
    newer format, saved with other options, or a bad env id / count. No env changed.

    ``index`` is the position of the offending state in the list (-1 when not one state)
    and ``reason`` one of ``truncated``, ``bad_magic``, ``newer_version``, ``corrupted``,
    ``wrong_game``, ``option_mismatch``, ``bad_request`` (docs/state.md).
    """

    def __init__(
        self, message: str, code: str = "BAD_STATE", hint: str = "", details: dict[str, Any] | None = None
    ) -> None:
        details = dict(details or {})
        self.index = int(details.get("index", -1))
        self.reason = str(details.get("reason", "bad_request"))
        where = f"state {self.index}" if self.index >= 0 else "request"
        super().__init__(f"{where} refused ({self.reason}): {message}", code=code, hint=hint, details=details)


class VersionMismatch(EngineError):
    """The engine and this package speak different protocol or layout versions."""


class AuthenticationError(EngineError):
    """The engine refused this client: a missing or wrong ``token`` (code ``UNAUTHORIZED``),
    or a failed encrypted handshake (no ``engine_key``, or not the engine's; code
    ``HANDSHAKE``). Nothing changed on the engine."""


class EngineDied(CoinRunError):
    """The engine process exited (or was killed) while this client needed it."""


class EngineTimeout(CoinRunError):
    """The engine did not answer within the timeout."""


class ResetNeeded(CoinRunError, _GymResetNeeded):
    """``step`` (or ``send``/``step_async``) before the first ``reset()``; also a
    ``gymnasium.error.ResetNeeded``."""

"""Errors that end a run with a documented exit code (see README, "Exit codes")."""

from __future__ import annotations

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_UNCHECKED = 4


class ConformanceError(Exception):
    """Base: carries the exit code and a one-line reason."""

    exit_code = EXIT_USAGE

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class ConfigError(ConformanceError):
    """Bad usage or configuration: a malformed profile, a missing setting (exit 2)."""

    exit_code = EXIT_USAGE


class TargetError(ConformanceError):
    """The target could not be judged: no answer, a timeout, a broken-off or oversized body, the run's
    deadline. A tool error, never a contract violation: the rules it stopped come out "error" (exit 3)."""

    exit_code = EXIT_UNREACHABLE


class TargetUnreachable(TargetError):
    """The target did not answer at all (exit 3)."""


class CredentialsRejected(TargetError):
    """The target answered but refused the credentials (exit 3)."""


class PermissionDenied(CredentialsRejected):
    """A 401 again right after a fresh token: the token is not expired, the account is not authorised for that
    endpoint (QSES "How to use the Access Tokens": "escalate the error ... possibly has no permissions"), exit 3.
    Never retried in a loop."""


class TokenUnreadable(ConformanceError):
    """Authentication answered 2xx but the token is not where or how the profile documents it.

    A contract violation (reported by auth.token-issued), not a refusal: exit 1, not 3.
    """

    exit_code = EXIT_VIOLATIONS


class RunDeadline(TargetError):
    """The run's overall deadline (`lmsconf run --timeout`) passed: no further request goes out except the
    cleanup of what the run changed (exit 3)."""


class AnswerTooSlow(TargetError):
    """An answer did not arrive whole within the per-request total deadline (a server trickling bytes), exit 3."""


class AnswerTooLarge(TargetError):
    """An answer's body is larger than the cap on bodies read (exit 3)."""


class WalkTooLong(TargetError):
    """A walk reached the page cap (profile max_pages, or max_offset) with rows still coming: the collection
    could not be judged to its end (exit 3)."""


def one_line(text: str) -> str:
    return " ".join(text.split())


def describe_error(exc: BaseException) -> str:
    """One line on an error: the reason of our own errors, the type and first line of any other."""
    if isinstance(exc, ConformanceError):
        return one_line(exc.reason)
    text = one_line(str(exc).split("\n", 1)[0])
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

"""The only place that talks HTTP: auth, throttle, retry on 429, redaction, recording."""

from __future__ import annotations

from conformance.http.auth import AuthStrategy, Token, TokenRequest, register, strategy_for
from conformance.http.client import Client, ClientStats
from conformance.http.record import Exchange, Recorder
from conformance.http.redact import Redactor, placeholder
from conformance.http.retry import RetryPolicy, full_jitter, parse_retry_after
from conformance.http.throttle import Throttle

__all__ = [
    "AuthStrategy",
    "Client",
    "ClientStats",
    "Exchange",
    "Recorder",
    "Redactor",
    "RetryPolicy",
    "Throttle",
    "Token",
    "TokenRequest",
    "full_jitter",
    "parse_retry_after",
    "placeholder",
    "register",
    "strategy_for",
]

"""Redaction of secrets before anything is stored, printed or attached to a report.

A `Redactor` knows the secret values by name (the environment variable they came from,
e.g. ``LMSCONF_API_KEY``; every issued token under ``LMSCONF_TOKEN``) and replaces each
occurrence, also URL-encoded or JSON-escaped, with the placeholder ``${NAME}``. Sensitive
headers are replaced wholesale, keeping only a known scheme (``Bearer ${LMSCONF_TOKEN}``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

MIN_SECRET_LEN = 4
REDACTED = "[redacted]"
# The suite's own deliberately wrong credentials (a wrong key, a bad token) start with this; they are
# not secrets, and a support desk needs to see exactly what was sent, so they are kept as they are.
DELIBERATE_PREFIX = "lmsconf-"

# Credentials that are secrets. Identifiers (LMSCONF_USERNAME, LMSCONF_CLIENT_ID) are not:
# they appear in ordinary data (a users listing) that rules must see unchanged.
SECRET_NAMES = frozenset({
    "LMSCONF_API_KEY", "LMSCONF_PASSWORD", "LMSCONF_PRIVATE_KEY", "LMSCONF_TOKEN", "LMSCONF_CLIENT_SECRET",
})
TOKEN_NAME = "LMSCONF_TOKEN"
# Further settings that hold secrets: a second or a removed token, a restricted account's or a student's
# password, a client secret (LMSCONF_TOKEN_URL is an address, not a token).
_SECRET_SETTING = re.compile(r"LMSCONF_\w*(?:_TOKEN|_PASSWORD|_SECRET|_API_KEY|_PRIVATE_KEY)")

SENSITIVE_HEADERS = frozenset({
    "authorization", "x-api-key", "x-authorization", "authentication", "cookie", "set-cookie",
    "proxy-authorization",
})
SENSITIVE_PARAMS = frozenset({
    "access_token", "token", "api_key", "apikey", "key", "password", "secret", "client_secret",
    "private_key", "privatekey", "refresh_token", "sig", "signature",
})
URL_HEADERS = frozenset({"location", "content-location"})

_PLACEHOLDER_ONLY = re.compile(r"(?:[A-Za-z][\w-]*\s+(?:[\w-]+=)?)?\$\{[A-Z][A-Z0-9_]*\}")
_SCHEME = re.compile(r"[A-Za-z][\w-]*")


def placeholder(name: str) -> str:
    """The text that stands for a secret: ``${NAME}`` (a shell expands it from the environment)."""
    return "${" + name + "}"


def secret_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The LMSCONF_* settings of `env` that hold secrets, by name (values shorter than four characters, which
    redaction ignores too, left out)."""
    return {name: value for name, value in env.items()
            if (name in SECRET_NAMES or _SECRET_SETTING.fullmatch(name)) and len(value.strip()) >= MIN_SECRET_LEN}


def spellings(value: str) -> set[str]:
    """The spellings of a secret to look for: raw, URL-encoded, JSON-escaped (its bare form too)."""
    return _forms(value) | _forms(value.strip())


def _forms(value: str) -> set[str]:
    """The spellings a secret takes on the wire: raw, URL-encoded, JSON-escaped."""
    forms = {value, quote(value, safe=""), quote_plus(value, safe=""), quote(value, safe="/:@")}
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    return {f for f in forms if len(f) >= MIN_SECRET_LEN}


class Redactor:
    """Replaces known secret values with ``${NAME}`` placeholders. Thread-safe."""

    def __init__(self, sensitive_headers: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._names: dict[str, str] = {}
        self._values: list[str] = []
        self._pattern: re.Pattern[str] | None = None
        self._headers = set(SENSITIVE_HEADERS) | {h.lower() for h in sensitive_headers}

    def add(self, name: str, value: str | None) -> None:
        """Remember a secret; values shorter than four characters are ignored."""
        if not value or len(value) < MIN_SECRET_LEN:
            return
        with self._lock:
            if value not in self._values:
                self._values.append(value)
            for form in _forms(value):
                self._names.setdefault(form, name)
            ordered = sorted(self._names, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(f) for f in ordered))

    def add_header(self, name: str) -> None:
        """Treat another header name (case-insensitive) as sensitive."""
        with self._lock:
            self._headers.add(name.lower())

    def secrets(self) -> list[str]:
        """The raw secret values, in the order they were added."""
        with self._lock:
            return list(self._values)

    @property
    def longest(self) -> int:
        """Length of the longest spelling of any secret (0 when none is known)."""
        with self._lock:
            return max((len(f) for f in self._names), default=0)

    def is_sensitive(self, header: str) -> bool:
        with self._lock:
            return header.lower() in self._headers

    def text(self, s: str) -> str:
        """`s` with every spelling of every secret replaced by its placeholder."""
        with self._lock:
            pattern, names = self._pattern, self._names
        if pattern is None or not s:
            return s
        return pattern.sub(lambda m: placeholder(names[m.group(0)]), s)

    def url(self, u: str) -> str:
        """`u` with secrets replaced, userinfo dropped and sensitive query values redacted."""
        parts = urlsplit(self.text(u))
        netloc = parts.netloc.rsplit("@", 1)[-1] if "@" in parts.netloc else parts.netloc
        query = "&".join(self._query_pair(p) for p in parts.query.split("&")) if parts.query else ""
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))

    @staticmethod
    def _query_pair(pair: str) -> str:
        key, sep, value = pair.partition("=")
        if sep and key.lower() in SENSITIVE_PARAMS and not _PLACEHOLDER_ONLY.fullmatch(value):
            return f"{key}={REDACTED}"
        return pair

    def header_value(self, name: str, value: str) -> str:
        """One header's value, redacted for storage."""
        lowered = name.lower()
        if self.is_sensitive(lowered):
            return self._sensitive(value)
        if lowered in URL_HEADERS:
            return self.url(value)
        return self.text(value)

    def _sensitive(self, value: str) -> str:
        scrubbed = self.text(value)
        if _PLACEHOLDER_ONLY.fullmatch(scrubbed.strip()):
            return scrubbed.strip()
        first, space, rest = scrubbed.strip().partition(" ")
        if (rest if space else first).startswith(DELIBERATE_PREFIX):
            return scrubbed.strip()
        if space and _SCHEME.fullmatch(first):
            return f"{first} {REDACTED}"
        return REDACTED

    def headers(self, h: Mapping[str, str]) -> dict[str, str]:
        """A new dict with every value redacted; sensitive headers are replaced wholesale."""
        return {name: self.header_value(name, str(value)) for name, value in h.items()}


_USERINFO = re.compile(r"(//)[^/?#@]*@")


def display_url(url: str) -> str:
    """`url` as it may be shown (terminal, summary.json, error messages): userinfo dropped and
    credential-like query values (api_key, token, key, secret...) redacted. A URL too malformed to
    parse loses its userinfo and its whole query."""
    try:
        return Redactor().url(url)
    except ValueError:
        bare = _USERINFO.sub(r"\1", url.split("?", 1)[0].split("#", 1)[0])
        return bare + ("?" + REDACTED if "?" in url else "")

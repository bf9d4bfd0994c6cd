"""The one HTTP client: auth, throttle, retry on 429, redaction, every exchange recorded.

Redirects are never followed (credentials must not travel to another host); a 401 on an
authenticated request re-authenticates once; a connection failure ends the run with
TargetUnreachable, a refused credential with CredentialsRejected.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http.cookiejar import DefaultCookiePolicy
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import urllib3

from conformance.errors import (
    AnswerTooLarge,
    AnswerTooSlow,
    ConfigError,
    CredentialsRejected,
    PermissionDenied,
    RunDeadline,
    TargetUnreachable,
    TokenUnreadable,
)
from conformance.http.auth import Token, issued_tokens, strategy_for, token_candidates
from conformance.http.record import Exchange, Recorder, clip_body
from conformance.http.redact import SECRET_NAMES, TOKEN_NAME, Redactor, display_url
from conformance.http.retry import RetryPolicy
from conformance.http.throttle import Throttle

if TYPE_CHECKING:
    from conformance.profiles import Profile

USER_AGENT = "lms-conformance/0.1"
POOL_SIZE = 64  # connections kept alive per host: as many as the rate-limit burst has senders
MAX_BODY_BYTES = 64 * 1024 * 1024   # the largest body read (profile [limits] max_body_bytes)
REQUEST_TOTAL_S = 120.0             # the longest one request may take, answer read whole ([limits] request_total_s)
CLEANUP = "cleanup"                 # the purpose of the ledger's undo requests: sent even after the run's deadline
_PAST_DEADLINE_OK = frozenset({CLEANUP, "authenticate", "re-authenticate", "retry-401"})
_READ_CHUNK = 256 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class ClientStats:
    """Counters for one client; `requests` counts every send, retries and authentication included."""

    requests: int = 0
    authentications: int = 0
    reauthentications: int = 0
    retried_429: int = 0
    unintended_429: int = 0
    waited_429_s: float = 0.0
    throttle_wait_s: float = 0.0
    refused_after_deadline: int = 0
    refreshes: int = 0             # tokens renewed with their refresh_token (not the credentials)
    retried_5xx: int = 0           # server errors sent again as the vendor advises ([retry])


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Any = None
    json: Any = None
    data: Any = None
    retry_429: bool = True
    deliberate: bool = False
    purpose: str = "request"
    throttle: bool | None = None
    timeout: float | None = None


def check_url(url: str, what: str = "--base-url") -> str:
    """`url` without its trailing slash; ConfigError (showing it redacted) unless it is a well-formed
    http(s) URL with a host, a port in range and no blank or control character."""
    shown = display_url(url)
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise ConfigError(f"{what} {shown!r} contains a space or a control character")
    try:
        parts = urlsplit(url)
        port, host = parts.port, parts.hostname
    except ValueError as exc:
        why = ("an IPv6 address needs both [ and ]" if "IPv6" in str(exc)
               else "the port must be a number from 1 to 65535")
        raise ConfigError(f"{what} {shown!r} is not a valid URL: {why}") from None
    if parts.scheme not in _DEFAULT_PORTS or not host:
        raise ConfigError(f"{what} {shown!r} is not an http:// or https:// URL with a host")
    if port == 0:
        raise ConfigError(f"{what} {shown!r} is not a valid URL: the port must be a number from 1 to 65535")
    return url.rstrip("/")


def host_port(url: str) -> str:
    """``host:port`` of a URL, with the scheme's default port filled in."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)}"


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)


def short_reason(exc: Exception, timeout: float) -> str:
    """A few words on why a request got no answer (never the URL, never a secret)."""
    if isinstance(exc, requests.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, requests.exceptions.ProxyError):
        return "proxy refused the connection"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return "answer broken off"
    text = str(exc).lower()
    for needle, reason in (("refused", "connection refused"), ("resolution", "host name does not resolve"),
                           ("name or service", "host name does not resolve"), ("reset", "connection reset"),
                           ("aborted", "connection closed without an answer"),
                           ("unreachable", "network unreachable")):
        if needle in text:
            return reason
    return "connection failed"


_NO_ANSWER = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
              requests.exceptions.ContentDecodingError)


def _new_session(profile: Profile) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no ~/.netrc credentials; proxies and CA bundle are applied per send
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # stateless: keep no cookies
    session.headers["User-Agent"] = USER_AGENT
    for scheme in ("http://", "https://"):  # one kept-alive connection per parallel sender (the rate-limit burst)
        session.mount(scheme, requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE))
    accept = profile.section("media").get("accept")
    if accept:
        session.headers["Accept"] = str(accept)
    return session


def _path_of(url: str) -> str:
    return urlsplit(url).path.rstrip("/").lower()


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def _as_bytes(body: bytes | str | None) -> bytes | None:
    return body.encode("utf-8") if isinstance(body, str) else body


class Client:
    """HTTP client for one profile and one target. Thread-safe."""

    def __init__(self, profile: Profile, base_url: str, credentials: Mapping[str, str], *,
                 recorder: Recorder | None = None, throttle: bool = True, rng: random.Random | None = None,
                 timeout: float = 30.0, sleep: Callable[[float], None] = time.sleep,
                 retry: RetryPolicy | None = None, verify: bool | str = True,
                 request_total_s: float | None = None, max_body_bytes: int | None = None,
                 deadline: float | None = None) -> None:
        check_url(base_url, "base URL")
        if profile.section("media").get("https_only") and urlsplit(base_url).scheme != "https":
            raise ConfigError(f"profile {profile.id} is served over HTTPS only: the base URL must be https://, "
                              "credentials are never sent over plain HTTP")
        self.profile = profile
        self.base_url = base_url.rstrip("/")
        self.strategy = strategy_for(profile, credentials)
        self.redactor = Redactor(self.strategy.sensitive_headers())
        for name, value in credentials.items():
            if name in SECRET_NAMES:
                self.redactor.add(name, value)
        self.recorder = recorder if recorder is not None else Recorder()
        self.retry = retry if retry is not None else RetryPolicy.from_profile(profile)
        self.server_errors = RetryPolicy.for_server_errors(profile)
        self.throttle = Throttle.from_profile(profile)
        self.throttle_enabled = throttle
        self.timeout = timeout
        limits = profile.section("limits")
        self.request_total_s = float(request_total_s or limits.get("request_total_s", REQUEST_TOTAL_S))
        self.max_body_bytes = int(max_body_bytes or limits.get("max_body_bytes", MAX_BODY_BYTES))
        self.deadline = deadline  # time.monotonic() after which only cleanup requests go out
        self.verify = verify
        self.stats = ClientStats()
        self._rng = rng if rng is not None else random.Random()
        self._sleep = sleep
        self._session = _new_session(profile)
        self._token: Token | None = None
        self._auth_lock = threading.RLock()
        self._stats_lock = threading.Lock()
        token_path = self.strategy.settings.get("token_path") if self.strategy.issues_tokens else None
        self._token_path = _path_of(self.url(str(token_path))) if token_path else None
        self._proxies: dict[tuple[str, str, int], dict[str, str]] = {}

    # ---- public API -------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Any = None, json: Any = None, data: Any = None,
                headers: Mapping[str, str] | None = None, auth: bool = True, retry_429: bool = True,
                deliberate: bool = False, purpose: str = "request", throttle: bool | None = None,
                timeout: float | None = None) -> requests.Response:
        """Send one request (after 429 retries and at most one re-authentication) and return the answer.

        `auth=False` sends only the caller's headers (for a wrong key or a bad token; pass
        `deliberate=True`). `throttle=False` skips the client-side throttle for this call.
        """
        url = self.url(path)
        if auth and origin(url) != origin(self.base_url):
            raise ValueError(f"refusing to send credentials to {host_port(url)} "
                             f"(the target is {host_port(self.base_url)})")
        call = _Call(method.upper(), url, dict(headers or {}), params, json, data, retry_429, deliberate,
                     purpose, throttle, timeout)
        if purpose != CLEANUP and self.deadline is not None and time.monotonic() >= self.deadline:
            self._count("refused_after_deadline")
            raise RunDeadline("the run's deadline (--timeout) passed")
        if not auth:
            return self._exchange(call, call.headers)
        token = self._current_token()
        response = self._exchange(call, self._with_auth(call.headers, token.value))
        if response.status_code != 401:
            return response
        return self._after_401(call, token)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def authenticate(self, force: bool = False) -> str:
        """The current token, obtaining one first if there is none, it expired, or `force`.

        Recorded with purpose "authenticate" ("re-authenticate" when replacing an expired token).
        """
        with self._auth_lock:
            if force:
                self._token = self._obtain("authenticate")
            return self._current_token().value

    def auth_headers(self, *, token: str | None = None, include_key: bool = True,
                     include_token: bool = True) -> dict[str, str]:
        """The headers an authenticated request carries, for tests that vary one of them.

        `token` replaces the real token (e.g. "not-a-token"); None means the current one.
        """
        headers = dict(self.strategy.key_headers()) if include_key else {}
        if include_token:
            headers.update(self.strategy.token_headers(token if token is not None else self.authenticate()))
        return headers

    def url(self, path: str) -> str:
        """`path` joined to the base URL (which may carry a path prefix); absolute URLs pass through."""
        if urlsplit(path).scheme in _DEFAULT_PORTS:
            return path
        return f"{self.base_url}/{path.lstrip('/')}" if path else self.base_url

    def same_origin(self, url: str) -> bool:
        """True when `url` points at the target (same scheme, host and port)."""
        return origin(self.url(url)) == origin(self.base_url)

    def secrets(self) -> list[str]:
        """The raw secret values (credentials and every token issued), for tests that grep reports."""
        return self.redactor.secrets()

    def close(self) -> None:
        self._session.close()
        self.throttle.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- authentication -----------------------------------------------------------------------

    def _with_auth(self, headers: Mapping[str, str], token: str) -> dict[str, str]:
        return {**self.strategy.key_headers(), **self.strategy.token_headers(token), **headers}

    def _current_token(self) -> Token:
        with self._auth_lock:
            if self._token is None:
                self._token = self._obtain("authenticate")
            elif self._token.expired():
                self._token = self._obtain("re-authenticate")
            return self._token

    def _refresh(self, stale: Token) -> Token:
        """A new token, unless another thread already replaced `stale`."""
        with self._auth_lock:
            if self._token is None or self._token.value == stale.value:
                self._token = self._obtain("re-authenticate")
            return self._token

    def _after_401(self, call: _Call, token: Token) -> requests.Response:
        where = f"{call.method} {urlsplit(call.url).path}"
        if not self.strategy.reauthenticate_on_401:
            raise CredentialsRejected(f"credentials rejected: HTTP 401 to {where}")
        fresh = self._refresh(token)
        headers = self._with_auth(call.headers, fresh.value)
        response = self._exchange(replace(call, purpose="retry-401"), headers)
        if response.status_code == 401:
            raise PermissionDenied(f"HTTP 401 to {where} again right after a fresh token: the account is not "
                                   "authorised for this endpoint (a permissions problem, not an expired token)")
        return response

    def _obtain(self, purpose: str) -> Token:
        """Get a token from the strategy (over HTTP when it issues tokens). Caller holds _auth_lock.

        `purpose` is "authenticate" when asked for, "re-authenticate" when the client replaces
        a token that expired or was refused.
        """
        self._count("authentications")
        if purpose == "re-authenticate":
            self._count("reauthentications")
        if not self.strategy.issues_tokens:
            return self.strategy.static_token()
        renewed = self._refreshed() if purpose == "re-authenticate" else None
        if renewed is not None:
            return renewed
        spec = self.strategy.token_request()
        call = _Call(spec.method, self._token_url(spec.path), spec.headers, json=spec.json, data=spec.data,
                     purpose=purpose)
        response = self._exchange(call, call.headers)
        return self._token_from(response, spec.path)

    def _token_url(self, path: str) -> str:
        """Where tokens are asked: the profile's token path on the target, or the whole https URL its
        ``[auth] token_url_setting`` names (Assignr's token endpoint is on another host than its API)."""
        setting = self.strategy.settings.get("token_url_setting")
        given = os.environ.get(str(setting), "").strip() if setting else ""
        if not given:
            return self.url(path)
        check_url(given, str(setting))
        if urlsplit(given).scheme != "https":
            raise ConfigError(f"{setting} must be an https:// URL: credentials are never sent over plain HTTP")
        return given

    def _refreshed(self) -> Token | None:
        """A token renewed with the current one's refresh_token, where the API issues them; None when there is
        none or the renewal is refused (the credentials are asked instead). Caller holds _auth_lock."""
        refresh = self._token.refresh if self._token is not None else None
        if refresh is None or not self.strategy.refreshable:
            return None
        self.redactor.add(TOKEN_NAME, refresh)
        spec = self.strategy.refresh_request(refresh)
        call = _Call(spec.method, self._token_url(spec.path), spec.headers, data=spec.data, purpose="refresh")
        response = self._exchange(call, call.headers)
        if not response.ok:
            return None
        try:
            token = self.strategy.parse_token(response)
        except TokenUnreadable:
            return None
        self._count("refreshes")
        return token

    def _learn_tokens(self, url: str, response: requests.Response) -> None:
        """Teach the redactor every token an answer carries, before its exchange is recorded.

        Any answer: token-named JSON members and a bare JSON-string body. A 2xx answer to the token
        path, whoever asked (the auth suite sends its own, with a wrong key): also the profile's own
        token format, else every token-like string in it (an undocumented shape)."""
        for token in issued_tokens(response):
            self.redactor.add(TOKEN_NAME, token)
        if not (response.ok and self._token_path is not None and _path_of(url) == self._token_path):
            return
        try:
            self.redactor.add(TOKEN_NAME, self.strategy.parse_token(response).value)
        except (TokenUnreadable, ValueError, TypeError, AttributeError):
            for candidate in token_candidates(response):
                self.redactor.add(TOKEN_NAME, candidate)

    def _token_from(self, response: requests.Response, path: str) -> Token:
        code = response.status_code
        if 200 <= code < 300:
            try:
                return self.strategy.parse_token(response)
            except TokenUnreadable as exc:
                raise TokenUnreadable(f"authentication answered HTTP {code} from {path} "
                                      f"but no token could be read: {exc.reason}") from None
        if 400 <= code < 500:
            raise CredentialsRejected(f"authentication rejected: HTTP {code} from {path}")
        raise TargetUnreachable(f"authentication failed: HTTP {code} from {path}")

    # ---- sending ------------------------------------------------------------------------------

    def _exchange(self, call: _Call, headers: Mapping[str, str]) -> requests.Response:
        """Send, retrying a 429 as the policy allows and a server error as the vendor advises; every attempt is
        recorded."""
        attempt, waited, failed = 0, 0.0, 0
        purpose = call.purpose
        while True:
            response = self._send(call, headers, purpose, attempt + failed + 1)
            if self.server_errors.applies(call.method, response.status_code) and call.retry_429:
                wait = self.server_errors.policy.next_wait(failed, response.headers.get("Retry-After"), self._rng,
                                                           waited)
                if wait is None or wait > self._remaining(call):
                    return response   # it persists: the caller's rules judge it
                waited += wait
                failed += 1
                self._count("retried_5xx")
                self._sleep(wait)
                purpose = f"retry-{response.status_code}"
                continue
            if response.status_code != 429:
                return response
            purpose = "retry-429"
            if not call.deliberate:
                self._count("unintended_429")
            if not call.retry_429:
                return response
            advised = response.headers.get("Retry-After") or response.headers.get(
                str(self.profile.ratelimit.get("wait_header", "Retry-After")))
            wait = self.retry.next_wait(attempt, advised, self._rng, waited)
            if wait is None or wait > self._remaining(call):
                return response  # the 429 stands: the wait it asks for is longer than the suite waits
            waited += wait
            self._count("retried_429")
            self._count("waited_429_s", wait)
            self._sleep(wait)
            attempt += 1

    def _send(self, call: _Call, headers: Mapping[str, str], purpose: str, attempt: int) -> requests.Response:
        if self._remaining(call) <= 0:
            self._count("refused_after_deadline")
            raise RunDeadline("the run's deadline (--timeout) passed")
        prepared = self._prepare(call, headers)
        key = _path_of(prepared.url or call.url).lower()
        if self.throttle_enabled if call.throttle is None else call.throttle:
            self._count("throttle_wait_s", self.throttle.acquire(key))
        else:
            self.throttle.note(key)
        total = min(self.request_total_s, self._remaining(call))
        timeout = min(call.timeout if call.timeout is not None else self.timeout, total)
        meta = {"purpose": purpose, "attempt": attempt, "deliberate": call.deliberate,
                "started_at": time.time()}
        self._count("requests")
        began = time.perf_counter()
        try:
            response = self._session.send(prepared, allow_redirects=False, timeout=timeout, stream=True,
                                          **self._environment(prepared.url or call.url))
            self._read_body(response, began + total, timeout)
        except _NO_ANSWER as exc:
            reason = short_reason(exc, timeout)
            self._record(prepared, None, reason, time.perf_counter() - began, meta)
            raise TargetUnreachable(f"{host_port(call.url)} unreachable: {reason}") from None
        except (AnswerTooSlow, AnswerTooLarge) as exc:
            self._record(prepared, None, exc.reason, time.perf_counter() - began, meta)
            raise type(exc)(f"{host_port(call.url)}: {exc.reason}") from None
        self._learn_tokens(call.url, response)
        self._record(prepared, response, response.reason or "", time.perf_counter() - began, meta)
        self._pace(response)
        return response

    def _pace(self, response: requests.Response) -> None:
        """Hand the throttle what the target says is left of its window, where the profile names the headers."""
        section = self.profile.ratelimit
        names = (section.get("remaining_header"), section.get("wait_header"), section.get("limit_header"))
        if not all(names):
            return
        values = [response.headers.get(str(n), "").strip() for n in names]
        if all(v.isdigit() for v in values):
            self.throttle.pace(int(values[0]), float(values[1]), int(values[2]))

    def _remaining(self, call: _Call) -> float:
        """Seconds left before the run's deadline (cleanup, and the authentication it needs, is never cut short;
        `request` refuses everything else once the deadline passed)."""
        if self.deadline is None or call.purpose in _PAST_DEADLINE_OK:
            return float("inf")
        return self.deadline - time.monotonic()

    def _read_body(self, response: requests.Response, deadline: float, timeout: float) -> None:
        """Read the whole body of a streamed answer, within `deadline` (perf_counter) and the size cap.

        Reads whatever has arrived (read1), so a server trickling bytes cannot hold a request past its total
        deadline by never letting one read time out. The body ends up where requests keeps it (`content`).
        """
        limit = self.max_body_bytes
        try:
            declared = int(response.headers.get("Content-Length", "0"))
        except ValueError:
            declared = 0
        chunks: list[bytes] = []
        size = 0
        try:
            if declared > limit:
                raise AnswerTooLarge(f"the answer declares {declared:,} bytes, over the cap of {_mib(limit)}")
            while chunk := response.raw.read1(_READ_CHUNK, decode_content=True):
                size += len(chunk)
                if size > limit:
                    raise AnswerTooLarge(f"the answer is over the cap of {_mib(limit)} on bodies read")
                chunks.append(chunk)
                if time.perf_counter() > deadline:
                    raise AnswerTooSlow(f"the answer did not arrive whole within {self.request_total_s:g} s "
                                        f"({size:,} bytes came)")
        except urllib3.exceptions.ReadTimeoutError:
            response.close()
            raise requests.ReadTimeout() from None
        except (urllib3.exceptions.HTTPError, OSError):
            response.close()
            raise requests.exceptions.ChunkedEncodingError() from None
        except (AnswerTooSlow, AnswerTooLarge):
            response.close()
            raise
        response._content = b"".join(chunks)
        response._content_consumed = True  # type: ignore[attr-defined]
        response.close()  # hands the connection back to the pool: the body was read to its end

    def _prepare(self, call: _Call, headers: Mapping[str, str]) -> requests.PreparedRequest:
        """The request as it goes on the wire; ConfigError (never quoting a value) when it cannot be built."""
        if self._https_only and urlsplit(call.url).scheme == "http" and self._carries_credentials(headers, call):
            raise ConfigError(f"refusing to send credentials over plain HTTP to {host_port(call.url)} "
                              f"(profile {self.profile.id} is served over HTTPS only)")
        try:
            prepared = self._session.prepare_request(requests.Request(
                call.method, call.url, headers=dict(headers), params=call.params, json=call.json, data=call.data))
            documented = self.profile.section("media").get("request_content_type")
            if call.json is not None and documented and not any(k.lower() == "content-type" for k in headers):
                prepared.headers["Content-Type"] = str(documented)   # a JSON body in the vendor's own type (HAL)
            return prepared
        except requests.exceptions.InvalidHeader:
            raise ConfigError(self._bad_header(headers)) from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, UnicodeError, ValueError):
            raise ConfigError(f"cannot send {call.method} {urlsplit(call.url).path or '/'} to "
                              f"{host_port(self.base_url)}: the URL is malformed") from None

    @property
    def _https_only(self) -> bool:
        return bool(self.profile.section("media").get("https_only"))

    def _carries_credentials(self, headers: Mapping[str, str], call: _Call) -> bool:
        sensitive = self.strategy.sensitive_headers()
        if any(k.lower() in sensitive for k in headers):
            return True
        body = f"{call.data or ''}{call.json or ''}"
        return any(v and v in body for v in self.strategy.credentials.values())

    def _bad_header(self, headers: Mapping[str, str]) -> str:
        """Which header (and credential) cannot be sent, without its value."""
        for header, value in headers.items():
            if value == value.strip() and not any(ord(c) < 0x20 for c in value):
                continue
            for name, secret in self.strategy.credentials.items():
                if secret and secret.strip() and secret.strip() in value:
                    return f"{name} contains a newline or leading/trailing space (sent in header {header})"
            return f"header {header} has a newline or leading/trailing space in its value"
        return "a header cannot be sent (a newline or a leading space in its value)"

    def _environment(self, url: str) -> dict[str, Any]:
        """Proxies and CA bundle from the environment (as requests would, without ~/.netrc)."""
        verify = self.verify
        if verify is True:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        key = origin(url)
        proxies = self._proxies.get(key)
        if proxies is None:  # read once per origin: scanning the environment costs more than a loopback request
            proxies = self._proxies[key] = requests.utils.get_environ_proxies(url)
        return {"proxies": proxies, "verify": verify}

    def _record(self, prepared: requests.PreparedRequest, response: requests.Response | None, reason: str,
                elapsed: float, meta: dict[str, Any]) -> None:
        """Redact, then store; nothing unredacted reaches the recorder."""
        red = self.redactor
        raw_body = _as_bytes(prepared.body)
        request_body = None if raw_body is None else clip_body(raw_body, "utf-8", red.text, red.longest)[0]
        body, truncated, status, response_headers = "", False, None, {}
        if response is not None:
            body, truncated = clip_body(response.content, response.encoding or "utf-8", red.text, red.longest,
                                        limit=self.max_body_bytes)
            status = response.status_code
            response_headers = {k.lower(): red.header_value(k, v) for k, v in response.headers.items()}
        self.recorder.record(Exchange(
            method=prepared.method or "", url=red.url(prepared.url or ""),
            request_headers=red.headers(prepared.headers), request_body=request_body, status=status,
            reason=red.text(reason), response_headers=response_headers, response_body=body,
            elapsed_s=elapsed, truncated=truncated, **meta))

    def _count(self, name: str, amount: float = 1) -> None:
        with self._stats_lock:
            setattr(self.stats, name, getattr(self.stats, name) + amount)

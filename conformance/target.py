"""The target under test: a live base URL with credentials from the environment, or the embedded simulator."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance.errors import ConfigError
from conformance.http.auth import check_values
from conformance.http.client import check_url
from conformance.http.redact import display_url
from conformance.profiles import Profile


@dataclass
class Target:
    base_url: str
    credentials: dict[str, str] = field(repr=False)
    embedded: bool
    server: Any = field(default=None, repr=False)
    simulator: Any = field(default=None, repr=False)

    @property
    def ca_bundle(self) -> str | None:
        """The CA certificate the target's HTTPS is checked against: the embedded simulator's own CA, else
        LMSCONF_CA_BUNDLE (None: the system's, or REQUESTS_CA_BUNDLE as requests reads it)."""
        made = getattr(self.server, "ca_bundle", None)
        return str(made) if made else self.setting(CA_BUNDLE)

    @property
    def http_url(self) -> str | None:
        """The plain-HTTP address of an HTTPS-only target (where a request must be redirected): the embedded
        simulator's, LMSCONF_HTTP_URL, or the base URL with http:// for a live target on the default port."""
        made = getattr(self.server, "http_url", None)
        if made:
            return str(made) + self.base_url[len(str(self.server.base_url)):] if self.server is not None else None
        given = self.setting(HTTP_URL)
        if given:
            return given
        parts = urlsplit(self.base_url)
        return urlunsplit(("http", parts.hostname or "", parts.path, "", "")) if parts.scheme == "https" \
            and parts.port is None else None

    @property
    def display_url(self) -> str:
        """The base URL as it may be shown: userinfo and query credentials redacted."""
        return display_url(self.base_url)

    def setting(self, name: str) -> str | None:
        """An optional LMSCONF_* setting a suite may use (a restricted account, a second or a removed token, the
        account name): the embedded simulator's own, else the environment's; None when unset."""
        found = dict(os.environ)
        if self.simulator is not None:
            found.update(getattr(self.simulator, "extra_credentials", {}))
        value = found.get(name, "").strip()
        return value or None

    def sibling(self, profile: Profile, base_url: str | None = None) -> Target | None:
        """The same vendor's other API (v1 beside v1.5): the embedded simulator serves both under one host;
        a live target needs its base URL given. Credentials are the ones this profile needs."""
        if self.embedded and self.server is not None:
            url = self.server.base_url + str(profile.raw.get("simulator_base_path", ""))
            creds = {k: v for k, v in self.credentials.items() if k in profile.credentials}
            return Target(base_url=url, credentials=creds, embedded=True, simulator=self.simulator)
        if base_url is None:
            return None
        return live(profile, base_url)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


PRIVATE_KEY = "LMSCONF_PRIVATE_KEY"
CA_BUNDLE = "LMSCONF_CA_BUNDLE"
HTTP_URL = "LMSCONF_HTTP_URL"


def _check_private_key(profile: Profile, env: Mapping[str, str]) -> None:
    """A profile that sends one credential as its private key (Absorb: the private key is the API key)
    reads no LMSCONF_PRIVATE_KEY; one set to another value is a contradiction, refused rather than ignored."""
    given = env.get(PRIVATE_KEY)
    if not given or PRIVATE_KEY in profile.credentials:
        return
    body = profile.auth.get("token_body", {})
    sent_as = [env_name for field_name, env_name in body.items() if field_name.lower() == "privatekey"]
    if sent_as and env.get(sent_as[0]) and given != env[sent_as[0]]:
        raise ConfigError(f"{PRIVATE_KEY} differs from {sent_as[0]}: profile {profile.id} sends {sent_as[0]} "
                          f"as the private key (they are one key); unset {PRIVATE_KEY}")


def credentials_from_env(profile: Profile, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The credentials the profile needs, from LMSCONF_* variables; ConfigError names the first missing one."""
    env = os.environ if env is None else env
    _check_private_key(profile, env)
    missing = [name for name in profile.credentials if not env.get(name)]
    if missing:
        raise ConfigError(f"{missing[0]} is not set (profile {profile.id} needs "
                          f"{', '.join(profile.credentials)} in the environment)")
    found = {name: env[name] for name in profile.credentials}
    check_values(found)
    return found


def check_base_url(url: str, option: str = "--base-url") -> str:
    """`url` without its trailing slash; ConfigError (exit 2, the URL shown redacted) when malformed."""
    return check_url(url, option)


def live(profile: Profile, base_url: str) -> Target:
    return Target(base_url=check_base_url(base_url), credentials=credentials_from_env(profile), embedded=False)


def embedded(profile: Profile, faults: Sequence[str] = (), dataset: str = "default") -> Target:
    """Start the profile's simulator on a free loopback port."""
    from conformance.simulator.app import Simulator
    from conformance.simulator.server import SimulatorServer

    try:
        simulator = Simulator(profile, faults=tuple(faults), dataset=dataset)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    server = SimulatorServer(simulator)
    server.start()
    base = server.base_url + str(profile.raw.get("simulator_base_path", ""))
    return Target(base_url=base, credentials=dict(simulator.credentials), embedded=True, server=server,
                  simulator=simulator)

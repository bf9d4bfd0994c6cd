"""Tokens from an OAuth token endpoint (seed 002 'Authentication and Authorisation', 'How to use the Access
Tokens', 'The Same Origin Policy'): they expire, a new one recovers, none is refreshed, wrong credentials are
refused, the username's case does not matter, an account is authorised per endpoint, open paths need no token,
and no foreign origin is granted access."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import requests

from conformance.errors import PermissionDenied
from conformance.http.auth import strategy_for
from conformance.http.client import Client
from conformance.http.record import Exchange, Recorder
from conformance.profiles import Profile
from conformance.rules import auth as auth_rules
from conformance.suites.timing import Waiter
from conformance.target import Target

FOREIGN_ORIGIN = "https://lmsconf-foreign-origin.invalid"
RESTRICTED = ("LMSCONF_RESTRICTED_USERNAME", "LMSCONF_RESTRICTED_PASSWORD")


def _form(profile: Profile, target: Target, **override: str) -> dict[str, str]:
    """The profile's token form with the credentials filled in, then ``override`` (field -> value)."""
    if not profile.auth.get("token_form"):
        pytest.skip(f"profile {profile.id} gets no token from a form")
    form = strategy_for(profile, target.credentials).token_request().data   # credentials filled in as the client does
    return {**dict(form or {}), **override}


def _field(profile: Profile, env_name: str) -> str:
    """The form field that carries the credential ``env_name`` (username, password)."""
    for key, value in profile.auth.get("token_form", {}).items():
        if value == env_name:
            return str(key)
    pytest.skip(f"profile {profile.id}: no token form field carries {env_name}")


def ask_token(client: Client, profile: Profile, form: dict[str, str], **headers: str) -> requests.Response:
    return client.request("POST", profile.auth["token_path"], data=form, auth=False, deliberate=True,
                          headers={"Content-Type": "application/x-www-form-urlencoded", **headers})


def token_of(response: requests.Response) -> str | None:
    with contextlib.suppress(ValueError):
        body = response.json()
        value = body.get("access_token") if isinstance(body, dict) else None
        return value if isinstance(value, str) and value else None
    return None


def lifetime_of(response: requests.Response, profile: Profile) -> float:
    with contextlib.suppress(ValueError, AttributeError):
        stated = response.json().get("expires_in")
        if isinstance(stated, int | float) and stated > 0:
            return float(stated)
    return float(profile.auth.get("token_lifetime_s", 0))


def _probe_path(profile: Profile) -> str:
    return profile.resources[0].path


def _call(client: Client, profile: Profile, token: str, path: str | None = None) -> Exchange:
    client.request("GET", path or _probe_path(profile), params=_small_page(profile), auth=False, deliberate=True,
                   headers=client.auth_headers(token=token))
    return _last(client.recorder)


def _small_page(profile: Profile) -> dict[str, str]:
    pg = profile.pagination
    return {pg["limit_param"]: "1"} if "limit_param" in pg else {}


def _last(recorder: Recorder) -> Exchange:
    return recorder.exchanges[-1]


@pytest.mark.rule("auth.expired-token-refused", "auth.reauthentication-recovers")
def test_an_expired_token_is_refused_and_a_new_one_recovers(client: Client, profile: Profile,
                                                           target: Target) -> None:
    first = ask_token(client, profile, _form(profile, target))
    token = token_of(first)
    assert token, f"no token to expire: the token request answered {first.status_code}"
    lifetime = lifetime_of(first, profile)
    waiter = Waiter(target)
    if not waiter.can_wait(lifetime):
        pytest.skip(f"the token lives {lifetime:.0f} s; a live run does not wait for it to expire")
    before = _call(client, profile, token)
    waiter.wait(lifetime + 1, "letting the token expire")
    after = _call(client, profile, token)
    auth_rules.expired_token_refused(before, after, profile.status["bad_token"])
    renewal = ask_token(client, profile, _form(profile, target))
    answer = _last(client.recorder)
    fresh = token_of(renewal)
    retried = _call(client, profile, fresh) if fresh else answer
    auth_rules.reauthentication_recovers(after, answer, retried, token, fresh, profile.status["bad_token"])


@pytest.mark.rule("auth.no-refresh")
def test_tokens_cannot_be_refreshed(client: Client, profile: Profile, target: Target) -> None:
    issued = ask_token(client, profile, _form(profile, target))
    token_answer = _last(client.recorder)
    offered: Any = None
    with contextlib.suppress(ValueError, AttributeError):
        offered = issued.json().get("refresh_token")
    refresh = {"grant_type": "refresh_token", "refresh_token": str(offered or token_of(issued) or "lmsconf-none")}
    ask_token(client, profile, refresh)
    auth_rules.no_refresh(token_answer, _last(client.recorder))


@pytest.mark.rule("auth.bad-credentials-refused")
def test_wrong_credentials_are_refused(client: Client, recorder: Recorder, profile: Profile,
                                       target: Target) -> None:
    password = _field(profile, "LMSCONF_PASSWORD")
    username = _field(profile, "LMSCONF_USERNAME")
    mark = recorder.mark()
    ask_token(client, profile, _form(profile, target, **{password: "lmsconf-wrong-password"}))
    ask_token(client, profile, _form(profile, target, **{username: "lmsconf-no-such-user"}))
    auth_rules.bad_credentials_refused(recorder.since(mark), profile.status["invalid_credentials"],
                                       profile.auth["token_error_schema"])


@pytest.mark.rule("auth.username-case-insensitive")
def test_the_username_case_does_not_matter_but_the_passwords_does(client: Client, recorder: Recorder,
                                                                   profile: Profile, target: Target) -> None:
    username, password = _field(profile, "LMSCONF_USERNAME"), _field(profile, "LMSCONF_PASSWORD")
    given_user, given_password = target.credentials["LMSCONF_USERNAME"], target.credentials["LMSCONF_PASSWORD"]
    variants = [v for v in (given_user.upper(), given_user.lower(), given_user.swapcase()) if v != given_user]
    if not variants or given_password.swapcase() == given_password:
        pytest.skip("the credentials have no letters whose case could be changed")
    mark = recorder.mark()
    for variant in variants:
        ask_token(client, profile, _form(profile, target, **{username: variant}))
    users = recorder.since(mark)
    ask_token(client, profile, _form(profile, target, **{password: given_password.swapcase()}))
    auth_rules.username_case_insensitive(users, _last(recorder))


@pytest.mark.rule("auth.denied-endpoint-is-401")
def test_an_endpoint_the_account_is_not_granted_is_denied(client: Client, recorder: Recorder, profile: Profile,
                                                         target: Target) -> None:
    """With the restricted account (the embedded simulator makes one; on a live target set
    LMSCONF_RESTRICTED_USERNAME and LMSCONF_RESTRICTED_PASSWORD): a call to the profile's
    restricted_denied_path answers 401 with the denial body; the client re-authenticates once, then reports
    a permissions problem instead of retrying in a loop."""
    denied = profile.auth.get("restricted_denied_path")
    restricted = restricted_credentials(target)
    if not denied or restricted is None:
        pytest.skip("no restricted account: set LMSCONF_RESTRICTED_USERNAME and LMSCONF_RESTRICTED_PASSWORD")
    client.redactor.add(RESTRICTED[1], restricted[1])   # its password is a secret of this run too
    form = _form(profile, target, **{_field(profile, "LMSCONF_USERNAME"): restricted[0],
                                     _field(profile, "LMSCONF_PASSWORD"): restricted[1]})
    token = token_of(ask_token(client, profile, form))
    assert token, "the restricted account got no token"
    mark = recorder.mark()
    _call(client, profile, token, denied)
    auth_rules.denied_endpoint_is_401(recorder.since(mark), profile.status["denied"], profile.auth["denial_schema"])
    other = Client(profile, client.base_url, {"LMSCONF_USERNAME": restricted[0],
                                               "LMSCONF_PASSWORD": restricted[1]}, recorder=recorder)
    with other, pytest.raises(PermissionDenied):
        other.get(denied, params=_small_page(profile))
    assert other.stats.authentications == 2   # the first token, and exactly one renewal: no loop


def restricted_credentials(target: Target) -> tuple[str, str] | None:
    """The second, restricted account: from the embedded simulator, or LMSCONF_RESTRICTED_* on a live run."""
    values = [target.setting(name) for name in RESTRICTED]
    return (values[0], values[1]) if values[0] and values[1] else None


@pytest.mark.rule("auth.open-paths-need-no-token")
def test_open_paths_answer_without_a_token(client: Client, recorder: Recorder, profile: Profile) -> None:
    paths = profile.auth.get("open_paths", [])
    if not paths:
        pytest.skip(f"profile {profile.id} documents no open paths")
    mark = recorder.mark()
    for path in paths:
        client.request("GET", path, auth=False, deliberate=True)
    auth_rules.open_paths_need_no_token(recorder.since(mark))


@pytest.mark.rule("auth.same-origin-only")
def test_no_foreign_origin_is_granted_access(client: Client, recorder: Recorder, profile: Profile,
                                             target: Target) -> None:
    mark = recorder.mark()
    origin = {"Origin": FOREIGN_ORIGIN}
    client.request("GET", _probe_path(profile), params=_small_page(profile), headers=origin, deliberate=True)
    client.request("OPTIONS", _probe_path(profile), auth=False, deliberate=True,
                   headers={**origin, "Access-Control-Request-Method": "GET",
                            "Access-Control-Request-Headers": "authorization"})
    if profile.auth.get("token_form"):
        ask_token(client, profile, _form(profile, target), Origin=FOREIGN_ORIGIN)
    auth_rules.same_origin_only(recorder.since(mark))


@pytest.mark.rule("auth.expired-distinguished")
def test_an_expired_token_is_told_apart_from_a_wrong_one(client: Client, profile: Profile, target: Target) -> None:
    """Both 401; the error code in the body says which (profile ``[auth] error_field``, ``expired_code``,
    ``invalid_code``); the words are never compared."""
    auth = profile.auth
    if not auth.get("error_field"):
        pytest.skip(f"profile {profile.id} documents no code telling an expired token from a wrong one")
    first = ask_token(client, profile, _form(profile, target))
    token = token_of(first)
    assert token, f"no token to expire: the token request answered {first.status_code}"
    lifetime = lifetime_of(first, profile)
    waiter = Waiter(target)
    if not waiter.can_wait(lifetime):
        pytest.skip(f"the token lives {lifetime:.0f} s; a live run does not wait for it to expire")
    waiter.wait(lifetime + 1, "letting the token expire")
    expired = _call(client, profile, token)
    wrong = _call(client, profile, "lmsconf-not-a-token")
    auth_rules.expired_distinguished(expired, wrong, str(auth["error_field"]), str(auth["expired_code"]),
                                     str(auth["invalid_code"]), profile.status["bad_token"])


@pytest.mark.rule("auth.refresh-renews")
def test_a_refresh_token_renews_the_token(client: Client, profile: Profile, target: Target) -> None:
    if not profile.auth.get("refreshable"):
        pytest.skip(f"profile {profile.id} documents no refresh")
    issued = ask_token(client, profile, _form(profile, target))
    offered: Any = None
    with contextlib.suppress(ValueError, AttributeError):
        offered = issued.json().get("refresh_token")
    if not isinstance(offered, str) or not offered:
        pytest.skip(f"the token answer ({issued.status_code}) carried no refresh_token to renew with")
    form = client.strategy.refresh_request(offered).data or {}
    renewed = ask_token(client, profile, dict(form))
    renewal = _last(client.recorder)
    fresh = token_of(renewed)
    served = _call(client, profile, fresh) if fresh else None
    auth_rules.refresh_renews(renewal, str(profile.auth["token_schema"]), served)

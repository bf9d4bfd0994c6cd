"""Authentication: a token for valid credentials; the API key is checked on every call."""

from __future__ import annotations

import contextlib

import pytest

from conformance.errors import ConformanceError
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile
from conformance.rules import auth as auth_rules
from conformance.target import Target

WRONG_KEY = "lmsconf-wrong-api-key-0000"
LIFETIME_MARGIN_S = 60.0   # how long before and after the documented lifetime the token is tried


@pytest.mark.rule("auth.token-issued")
def test_valid_credentials_give_a_token(client: Client, recorder: Recorder, profile: Profile) -> None:
    mark = recorder.mark()
    with contextlib.suppress(ConformanceError):
        client.authenticate(force=True)
    answers = [ex for ex in recorder.since(mark) if ex.purpose == "authenticate"]
    assert answers, "the client made no authenticate request"
    auth_rules.token_issued(answers[-1], profile.auth["token_schema"])


def _authenticate_with(client: Client, profile: Profile, target: Target,
                       headers: dict[str, str]) -> int:
    body = {field: target.credentials[env] for field, env in profile.auth["token_body"].items()}
    response = client.request("POST", profile.auth["token_path"], json=body, headers=headers,
                              auth=False, deliberate=True)
    return response.status_code


@pytest.mark.rule("auth.api-key-required")
def test_authenticate_without_the_api_key_is_refused(client: Client, recorder: Recorder, profile: Profile,
                                                      target: Target) -> None:
    mark = recorder.mark()
    _authenticate_with(client, profile, target, {})
    _authenticate_with(client, profile, target, {profile.auth["api_key_header"]: WRONG_KEY})
    expected = profile.status["missing_api_key"]
    auth_rules.api_key_required(recorder.since(mark), expected)


@pytest.mark.rule("auth.api-key-required")
def test_resource_call_without_the_api_key_is_refused(client: Client, recorder: Recorder, profile: Profile,
                                                       token_headers: dict[str, str]) -> None:
    path = profile.resources[0].path
    mark = recorder.mark()
    client.request("GET", path, headers=token_headers, auth=False, deliberate=True)
    wrong = {**token_headers, profile.auth["api_key_header"]: WRONG_KEY}
    client.request("GET", path, headers=wrong, auth=False, deliberate=True)
    auth_rules.api_key_required(recorder.since(mark), profile.status["wrong_api_key"])


def _call_with(client: Client, profile: Profile, token: str, *, prefix: bool = True) -> None:
    """GET the first collection presenting ``token`` (as the profile presents it, or bare)."""
    headers = client.auth_headers(token=token)
    if not prefix:
        headers[profile.auth.get("token_header", "Authorization")] = token
    client.request("GET", profile.resources[0].path, headers=headers, auth=False, deliberate=True)


@pytest.mark.rule("auth.single-live-token")
def test_authenticating_again_ends_the_previous_token(client: Client, recorder: Recorder, profile: Profile) -> None:
    first = client.authenticate(force=True)
    second = client.authenticate(force=True)     # the client keeps the newest token
    mark = recorder.mark()
    _call_with(client, profile, first)
    _call_with(client, profile, second)
    old, new = recorder.since(mark)
    auth_rules.single_live_token(old, new, profile.status["bad_token"])


@pytest.mark.rule("auth.token-lifetime")
def test_token_lives_its_documented_lifetime(client: Client, recorder: Recorder, profile: Profile,
                                             target: Target) -> None:
    """Embedded: the token's behaviour across its lifetime (the simulator's clock is moved on) and what it
    states. Live: what a JWT-shaped token states (exp - iat); an opaque token there cannot be checked."""
    lifetime = float(profile.auth["token_lifetime_s"])
    token = client.authenticate(force=True)
    claims = auth_rules.jwt_claims(token)
    advance = getattr(target.simulator, "advance_clock", None)
    if not target.embedded or advance is None:
        if claims is None:
            pytest.skip(f"the token is not JWT-shaped and its lifetime ({lifetime / 3600:g} h) can only be "
                        "observed by waiting it out; not checked against a live target")
        auth_rules.token_lifetime(lifetime, claims=claims)
        return
    try:
        advance(lifetime - LIFETIME_MARGIN_S)
        mark = recorder.mark()
        _call_with(client, profile, token)
        advance(2 * LIFETIME_MARGIN_S)
        _call_with(client, profile, token)
        before, after = recorder.since(mark)
        auth_rules.token_lifetime(lifetime, before=before, after=after, claims=claims,
                                  bad_token=profile.status["bad_token"])
    finally:
        client.get(profile.resources[0].path)    # the client re-authenticates (counted in summary.json)


@pytest.mark.rule("auth.bare-token-accepted")
def test_bare_token_is_accepted(client: Client, recorder: Recorder, profile: Profile) -> None:
    mark = recorder.mark()
    _call_with(client, profile, client.authenticate(), prefix=False)
    auth_rules.bare_token_accepted(recorder.since(mark)[-1])


@pytest.mark.rule("auth.authenticate-missing-fields")
def test_authenticate_with_a_field_missing_is_400(client: Client, recorder: Recorder, profile: Profile,
                                                  target: Target) -> None:
    full = {field: target.credentials[env] for field, env in profile.auth["token_body"].items()}
    key = client.auth_headers(include_token=False)
    mark = recorder.mark()
    for field in full:
        for body in ({k: v for k, v in full.items() if k != field}, {**full, field: ""}):
            client.request("POST", profile.auth["token_path"], json=body, headers=key, auth=False,
                           deliberate=True, purpose="authenticate-refused")
    auth_rules.authenticate_missing_fields(recorder.since(mark), profile.status["missing_auth_fields"])


@pytest.mark.rule("auth.removed-token-refused")
def test_removed_token_is_refused(client: Client, recorder: Recorder, profile: Profile, target: Target) -> None:
    """The profile's removed token (the embedded simulator makes one; on a live target set the variable its
    ``[auth] removed_token`` names, e.g. LMSCONF_REMOVED_TOKEN) is refused where the live token is served."""
    name = str(profile.auth.get("removed_token", ""))
    removed = target.setting(name) if name else None
    if removed is None:
        pytest.skip(f"no removed token to try: set {name or 'the profile [auth] removed_token variable'}")
    client.redactor.add(name, removed)
    mark = recorder.mark()
    _call_with(client, profile, removed)
    client.request("GET", profile.resources[0].path, deliberate=True)
    refused, served = recorder.since(mark)
    auth_rules.removed_token_refused(refused, served, profile.status["bad_token"])

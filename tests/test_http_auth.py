"""Auth strategies: registry, required credentials, token requests and token parsing."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import requests

from conformance import profiles
from conformance.errors import ConfigError, TokenUnreadable
from conformance.http.auth import STRATEGIES, ApiKeyAuthenticate, StaticBearer, strategy_for
from conformance.profiles import Profile

CREDS = {
    "LMSCONF_API_KEY": "key-0123456789",
    "LMSCONF_USERNAME": "admin",
    "LMSCONF_PASSWORD": "pw-0123456789",
}


def absorb() -> Profile:
    return profiles.load("absorb-v1_5")


def with_auth(profile: Profile, **auth: Any) -> Profile:
    return dataclasses.replace(profile, raw={**profile.raw, "auth": auth})


def answer(body: Any, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return response


def test_registry_knows_the_implemented_styles() -> None:
    assert STRATEGIES["api-key-authenticate"] is ApiKeyAuthenticate
    assert STRATEGIES["static-bearer"] is StaticBearer


def test_missing_credential_names_the_variable_and_profile() -> None:
    creds = {k: v for k, v in CREDS.items() if k != "LMSCONF_PASSWORD"}
    with pytest.raises(ConfigError) as err:
        strategy_for(absorb(), creds)
    assert str(err.value) == "LMSCONF_PASSWORD is not set (profile absorb-v1_5 needs it)"
    assert err.value.exit_code == 2


def test_several_missing_credentials_are_named_together() -> None:
    with pytest.raises(ConfigError, match=r"^LMSCONF_API_KEY, LMSCONF_USERNAME, .* are not set \(profile"):
        strategy_for(absorb(), {})


def test_unsupported_style_is_a_config_error() -> None:
    profile = with_auth(absorb(), style="saml-assertion", credentials=[])
    with pytest.raises(ConfigError, match="auth style 'saml-assertion' is not supported yet"):
        strategy_for(profile, CREDS)


def test_password_grant_posts_the_profiles_form_and_reads_an_oauth_answer() -> None:
    profile = with_auth(absorb(), style="password-grant", credentials=["LMSCONF_USERNAME", "LMSCONF_PASSWORD"],
                        token_path="/token", token_form={"grant_type": "password", "username": "LMSCONF_USERNAME",
                                                         "password": "LMSCONF_PASSWORD"})
    strategy = strategy_for(profile, CREDS)
    spec = strategy.token_request()
    assert (spec.method, spec.path, spec.json) == ("POST", "/token", None)
    assert spec.data == {"grant_type": "password", "username": CREDS["LMSCONF_USERNAME"],
                         "password": CREDS["LMSCONF_PASSWORD"]}
    assert spec.headers["Content-Type"] == "application/x-www-form-urlencoded"
    reply = answer({"access_token": "abcdefgh1234", "token_type": "bearer", "expires_in": 60})
    token = strategy.parse_token(reply, now=1000.0)
    assert (token.value, token.expires_at) == ("abcdefgh1234", 1060.0)


def test_api_key_authenticate_builds_the_token_request_from_the_profile() -> None:
    strategy = strategy_for(absorb(), CREDS)
    spec = strategy.token_request()
    assert (spec.method, spec.path) == ("POST", "/authenticate")
    assert spec.headers == {"x-api-key": "key-0123456789"}
    assert spec.json == {"username": "admin", "password": "pw-0123456789", "privateKey": "key-0123456789"}
    assert strategy.key_headers() == {"x-api-key": "key-0123456789"}
    assert strategy.token_headers("abc") == {"Authorization": "Bearer abc"}
    assert {"x-api-key", "authorization"} <= strategy.sensitive_headers()


def test_json_string_token_with_the_profile_lifetime() -> None:
    token = strategy_for(absorb(), CREDS).parse_token(answer("eyJ.token"), now=1000.0)
    assert token.value == "eyJ.token"
    assert token.expires_at == 1000.0 + 14400
    assert not token.expired(now=1000.0)
    assert token.expired(now=1000.0 + 14400 - 10)


@pytest.mark.parametrize("body", [{"token": "x"}, "", b"not json", 42])
def test_unreadable_json_string_token(body: Any) -> None:
    with pytest.raises(TokenUnreadable) as err:
        strategy_for(absorb(), CREDS).parse_token(answer(body))
    assert err.value.exit_code == 1


def test_oauth_json_token_uses_expires_in() -> None:
    profile = with_auth(absorb(), **{**absorb().auth, "token_format": "oauth-json"})
    token = strategy_for(profile, CREDS).parse_token(
        answer({"access_token": "at-1", "token_type": "bearer", "expires_in": 3600}), now=0.0)
    assert (token.value, token.expires_at) == ("at-1", 3600.0)
    with pytest.raises(TokenUnreadable):
        strategy_for(profile, CREDS).parse_token(answer({"error": "invalid_grant"}))


def test_static_bearer_needs_lmsconf_token() -> None:
    profile = with_auth(absorb(), style="static-bearer", credentials=["LMSCONF_TOKEN"])
    with pytest.raises(ConfigError, match=r"^LMSCONF_TOKEN is not set"):
        strategy_for(profile, {})
    strategy = strategy_for(profile, {"LMSCONF_TOKEN": "static-abc"})
    assert strategy.static_token().value == "static-abc"
    assert strategy.token_headers("static-abc") == {"Authorization": "Bearer static-abc"}
    assert not strategy.reauthenticate_on_401


def test_short_lived_tokens_are_not_expired_at_once() -> None:
    from conformance.http.auth import Token

    token = Token("t", issued_at=0.0, expires_at=2.0)
    assert not token.expired(now=0.0)
    assert not token.expired(now=1.7)
    assert token.expired(now=1.8)
    assert not Token("t", 0.0).expired(now=1e12)

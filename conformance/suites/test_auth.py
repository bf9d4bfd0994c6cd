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

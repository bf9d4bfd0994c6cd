"""The count of requests left that an API states on every answer (seed 000 'Problem: 429 Too Many Requests
response': "Your remaining requests within that limit are provided in a response header named
x-ratelimit-remaining"). A few requests, one after another and within the client's throttle: this spends no
more quota than any other test, so it runs in every run (the window's threshold is the ``quota`` suite's)."""

from __future__ import annotations

import pytest

from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.profiles import Profile
from conformance.rules import ratelimit
from conformance.rules.ratelimit import Window

SENT = 4
PURPOSE = "remaining"


@pytest.mark.rule("ratelimit.remaining-decreases")
def test_each_request_leaves_fewer(client: Client, recorder: Recorder, profile: Profile) -> None:
    header = profile.ratelimit.get("remaining_header")
    found = Window.all_from(profile.ratelimit)
    if not header or not found:
        pytest.skip(f"profile {profile.id} documents no header stating the requests left")
    path = profile.resources[0].path
    mark = recorder.mark()
    for _ in range(SENT):
        client.request("GET", path, deliberate=True, purpose=PURPOSE)
    answers = [ex for ex in recorder.since(mark) if ex.purpose == PURPOSE]
    ratelimit.remaining_decreases(answers, str(header), min(w.limit for w in found))


@pytest.mark.rule("ratelimit.reset-consistent")
def test_the_reset_headers_agree(client: Client, recorder: Recorder, profile: Profile) -> None:
    if not {ratelimit.RESET, ratelimit.RESET_LEFT} <= set(profile.ratelimit.get("headers", ())):
        pytest.skip(f"profile {profile.id} documents no reset headers")
    mark = recorder.mark()
    for _ in range(SENT):
        client.request("GET", profile.resources[0].path, deliberate=True, purpose=PURPOSE)
    ratelimit.reset_consistent([ex for ex in recorder.since(mark) if ex.purpose == PURPOSE])

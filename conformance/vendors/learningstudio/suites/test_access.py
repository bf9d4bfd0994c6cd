"""The 403 row of LearningStudio's status table (seed 001: "a student is trying to access grades for another
student or a student is trying to start an exam before it is scheduled to start"), with a student's own token.

The student comes from the embedded simulator, or on a live campus from the settings the profile's ``[auth]
student`` names (LMSCONF_STUDENT_USERNAME, LMSCONF_STUDENT_PASSWORD); the other student and the exam that has
not opened yet are found in the course data. Starting an exam is a write (marker ``writes``): a campus that wrongly
lets it start keeps that attempt, so ``--read-only`` leaves this test out."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.http.auth import strategy_for
from conformance.http.client import Client
from conformance.http.record import Exchange
from conformance.profiles import Profile
from conformance.rules import status
from conformance.target import Target
from conformance.walk import dig

pytestmark = pytest.mark.writes
STUDENT_ROLE = "STUD"


def _json(client: Client, path: str, headers: dict[str, str] | None = None) -> Any:
    response = client.request("GET", path, headers=headers or {}, auth=headers is None, deliberate=True)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    return response.json()


def _student_headers(client: Client, profile: Profile, target: Target) -> dict[str, str]:
    names = [str(n) for n in profile.auth.get("student", ())]
    values = [target.setting(n) for n in names]
    if len(names) != 2 or not all(values):
        pytest.skip(f"no student account: set {' and '.join(names) or '[auth] student'}")
    username, password = str(values[0]), str(values[1])
    client.redactor.add(names[1], password)
    spec = strategy_for(profile, {**target.credentials, "LMSCONF_USERNAME": username,
                                  "LMSCONF_PASSWORD": password}).token_request()
    answer = client.request(spec.method, spec.path, data=spec.data, headers=spec.headers, auth=False,
                            deliberate=True, purpose="authenticate")
    token = dig(answer.json(), "access_token") if answer.ok else None
    assert isinstance(token, str) and token, f"the student got no token: HTTP {answer.status_code}"
    return client.auth_headers(token=token)


@pytest.mark.rule("status.forbidden-is-403")
def test_a_student_is_refused_what_is_not_theirs(client: Client, profile: Profile, target: Target) -> None:
    expected = int(profile.status.get("forbidden", 403))
    student = _student_headers(client, profile, target)
    me = dig(_json(client, "/me", student), "me.id")
    courses = [row["id"] for row in dig(_json(client, "/me/courses", student), "courses") or []]
    now = str(dig(_json(client, "/systemDateTime"), "systemDateTime.value") or "")
    refused: list[Exchange] = []
    for course in courses:
        others = [u["id"] for u in dig(_json(client, f"/courses/{course}/enrolledUsers"), "enrolledUsers") or []
                  if u.get("roleType") == STUDENT_ROLE and u.get("id") != me]
        later = [e["id"] for e in dig(_json(client, f"/courses/{course}/exams"), "exams") or []
                 if str(e.get("startDate") or "") > now]
        if others and later:
            mark = client.recorder.mark()
            client.request("GET", f"/users/{others[0]}/courses/{course}/grades", headers=student, auth=False,
                           deliberate=True)
            client.request("POST", f"/users/{me}/courses/{course}/exams/{later[0]}/attempts", json={},
                           headers=student, auth=False, deliberate=True)
            refused = client.recorder.since(mark)
            break
    if not refused:
        pytest.skip("no course of the student with another student and an exam that has not opened")
    status.forbidden_is_403(refused, expected)

"""Write rules for Absorb v1.5 users (seed 003 Appendix A; Appendix C rows 130, 131, 136; VENDOR-FACTS writes)."""

from __future__ import annotations

from collections.abc import Sequence

from conformance.rules.common import Answer, describe, json_body
from conformance.rules.registry import Violation, rule


@rule("writes.put-without-email-accepted",
      cites="003_09d5ed03fea4db3d.txt Appendix A ('User email address is no longer required when updating user "
            "attributes')",
      summary="PUT of a user without its email address is accepted")
def put_without_email_accepted(ex: Answer) -> None:
    if ex.status is None or not 200 <= ex.status < 300:
        raise Violation(f"a PUT without the email address was refused; {describe(ex)}")


@rule("writes.upload-answers-key-value",
      cites="VENDOR-FACTS Absorb 'POST {base}/users/upload/ ... answering [{\"key\": userId, \"value\": username}]'",
      summary="an upload of users answers one {key, value} pair per user: the new id and the username sent")
def upload_answers_key_value(ex: Answer, usernames: Sequence[str]) -> None:
    ok, body = json_body(ex)
    if ex.status is None or not 200 <= ex.status < 300 or not ok:
        raise Violation(f"the upload was not answered with a JSON success; {describe(ex)}")
    if not isinstance(body, list) or not all(isinstance(p, dict) and set(p) >= {"key", "value"} for p in body):
        raise Violation(f"the upload answer is not a list of {{key, value}} pairs; {describe(ex)}")
    values = sorted(str(p["value"]) for p in body)
    if values != sorted(usernames):
        raise Violation(f"the upload answered {len(values)} pairs whose values are not "
                        f"the {len(usernames)} usernames sent")
    if any(not isinstance(p["key"], str) or not p["key"] for p in body):
        raise Violation("an upload pair has no key (the new user's id)")


@rule("writes.upload-limit-enforced",
      cites="VENDOR-FACTS Absorb 'POST {base}/users/upload/ with an array of up to 200 users'",
      summary="an upload of more users than the documented maximum is refused with a 4xx")
def upload_limit_enforced(ex: Answer, maximum: int) -> None:
    if ex.status is None or not 400 <= ex.status < 500:
        raise Violation(f"an upload of {maximum + 1} users (maximum {maximum}) was not refused; {describe(ex)}")

"""Redaction: every spelling of every secret becomes its ${NAME} placeholder."""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

from conformance.http.redact import REDACTED, Redactor

KEY = "k3y-ab12cd34"
PASSWORD = 'p@ss w/rd"q'


def make() -> Redactor:
    red = Redactor(sensitive_headers=["X-Custom-Key"])
    red.add("LMSCONF_API_KEY", KEY)
    red.add("LMSCONF_PASSWORD", PASSWORD)
    return red


def test_raw_url_encoded_and_json_escaped_forms_are_replaced() -> None:
    red = make()
    text = f"{KEY} {quote(PASSWORD, safe='')} {quote_plus(PASSWORD)} {json.dumps({'password': PASSWORD})}"
    out = red.text(text)
    assert KEY not in out and PASSWORD not in out
    assert quote(PASSWORD, safe="") not in out and quote_plus(PASSWORD) not in out
    assert json.dumps(PASSWORD)[1:-1] not in out
    assert out.startswith("${LMSCONF_API_KEY} ${LMSCONF_PASSWORD} ${LMSCONF_PASSWORD} ")
    assert out.endswith('{"password": "${LMSCONF_PASSWORD}"}')


def test_short_and_empty_values_are_ignored() -> None:
    red = Redactor()
    red.add("LMSCONF_PASSWORD", "abc")
    red.add("LMSCONF_API_KEY", "")
    red.add("LMSCONF_TOKEN", None)
    assert red.text("abc abc") == "abc abc"
    assert red.secrets() == []


def test_longest_secret_wins_when_one_contains_another() -> None:
    red = Redactor()
    red.add("LMSCONF_API_KEY", "abcd")
    red.add("LMSCONF_TOKEN", "abcdefgh")
    assert red.text("abcdefgh abcd") == "${LMSCONF_TOKEN} ${LMSCONF_API_KEY}"


def test_several_tokens_share_one_name() -> None:
    red = Redactor()
    red.add("LMSCONF_TOKEN", "first-token")
    red.add("LMSCONF_TOKEN", "second-token")
    assert red.text("first-token/second-token") == "${LMSCONF_TOKEN}/${LMSCONF_TOKEN}"
    assert red.secrets() == ["first-token", "second-token"]


def test_sensitive_headers_are_replaced_wholesale_keeping_a_known_scheme() -> None:
    red = make()
    red.add("LMSCONF_TOKEN", "tok-123456")
    out = red.headers({
        "Authorization": "Bearer tok-123456",
        "x-api-key": KEY,
        "X-Custom-Key": "unknown-value",
        "Cookie": "session=zzz; other=1",
        "Proxy-Authorization": "Basic dXNlcjpwYXNz",
        "X-Authorization": "Access_Token access_token=tok-123456",
        "Accept": "application/json",
        "X-Note": f"key is {KEY}",
    })
    assert out == {
        "Authorization": "Bearer ${LMSCONF_TOKEN}",
        "x-api-key": "${LMSCONF_API_KEY}",
        "X-Custom-Key": REDACTED,
        "Cookie": REDACTED,
        "Proxy-Authorization": f"Basic {REDACTED}",
        "X-Authorization": "Access_Token access_token=${LMSCONF_TOKEN}",
        "Accept": "application/json",
        "X-Note": "key is ${LMSCONF_API_KEY}",
    }


def test_unknown_bearer_token_is_redacted_but_keeps_its_scheme() -> None:
    assert Redactor().headers({"authorization": "Bearer not-a-real-token"}) == {
        "authorization": f"Bearer {REDACTED}"}


def test_url_scrubs_query_strings_and_userinfo() -> None:
    red = make()
    url = f"https://user:pw@h.example/api/users?apikey={KEY}&token=opaque&_limit=5&q={quote(PASSWORD, safe='')}"
    assert red.url(url) == (
        "https://h.example/api/users?apikey=${LMSCONF_API_KEY}&token=[redacted]&_limit=5&q=${LMSCONF_PASSWORD}"
    )


def test_location_header_is_scrubbed_as_a_url() -> None:
    red = make()
    assert red.headers({"Location": "http://other/steal?access_token=abc123"}) == {
        "Location": "http://other/steal?access_token=[redacted]"}


def test_longest_reports_the_longest_spelling() -> None:
    red = Redactor()
    assert red.longest == 0
    red.add("LMSCONF_PASSWORD", "a b/c")
    assert red.longest == len(quote("a b/c", safe=""))

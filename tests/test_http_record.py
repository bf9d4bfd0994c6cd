"""Exchanges, curl lines and the recorder."""

from __future__ import annotations

import dataclasses
import shlex
import subprocess
import threading

import pytest

from conformance.http.record import MAX_BODY_BYTES, Exchange, Recorder, clip_body, shell_quote
from conformance.http.redact import Redactor


def sample(**changes: object) -> Exchange:
    ex = Exchange(
        method="POST", url="http://h.example/api/authenticate",
        request_headers={"x-api-key": "${LMSCONF_API_KEY}", "Content-Type": "application/json",
                         "Content-Length": "52", "Accept-Encoding": "gzip"},
        request_body='{"username": "o\'brien", "password": "${LMSCONF_PASSWORD}"}',
        status=200, reason="OK", response_headers={"content-type": "application/json"},
        response_body='"${LMSCONF_TOKEN}"', purpose="authenticate",
    )
    return dataclasses.replace(ex, **changes)  # type: ignore[arg-type]


def test_exchange_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample().status = 500  # type: ignore[misc]


def test_curl_is_one_line_with_placeholders_left_to_the_shell() -> None:
    line = sample().curl()
    assert "\n" not in line
    assert line.startswith("curl -sS -i -X POST 'http://h.example/api/authenticate' ")
    assert "-H 'x-api-key: '\"${LMSCONF_API_KEY}\"" in line
    assert "Content-Length" not in line and "Accept-Encoding" not in line
    words = shlex.split(line)
    assert words[-2] == "--data-raw"
    assert words[-1] == '{"username": "o\'brien", "password": "${LMSCONF_PASSWORD}"}'


def test_curl_placeholders_expand_from_the_environment() -> None:
    line = sample().curl()
    script = "printf '%s\\n' " + line.removeprefix("curl ")
    env = {"LMSCONF_API_KEY": "the-key", "LMSCONF_PASSWORD": "the-pw", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    assert "x-api-key: the-key" in out
    assert '"password": "the-pw"}' in out
    assert "o'brien" in out


def test_a_get_without_body_has_no_method_flag() -> None:
    line = sample(method="GET", request_body=None).curl()
    assert " -X " not in line and "--data-raw" not in line


@pytest.mark.parametrize("text", ["", "plain", "it's", "a ${LMSCONF_X} b", "${LMSCONF_A}${LMSCONF_B}", "$HOME `x`"])
def test_shell_quote_round_trips_literal_text(text: str) -> None:
    out = subprocess.run(["sh", "-c", "printf '%s' " + shell_quote(text)], capture_output=True, text=True,
                         env={"LMSCONF_X": "${LMSCONF_X}", "LMSCONF_A": "${LMSCONF_A}",
                              "LMSCONF_B": "${LMSCONF_B}", "PATH": "/usr/bin:/bin"}, check=True).stdout
    assert out == text


def test_exchange_json_and_header_lookup() -> None:
    ex = sample()
    assert ex.json() == "${LMSCONF_TOKEN}"
    assert ex.header("Content-Type") == "application/json"
    with pytest.raises(ValueError, match="truncated"):
        sample(truncated=True).json()


def test_recorder_numbers_marks_and_notifies() -> None:
    rec = Recorder()
    seen: list[int] = []
    unsubscribe = rec.subscribe(lambda ex: seen.append(ex.seq))
    rec.record(sample())
    mark = rec.mark()
    stored = rec.record(sample(status=404))
    assert stored.seq == 2 and rec.count == 2
    assert [ex.status for ex in rec.since(mark)] == [404]
    unsubscribe()
    rec.record(sample())
    assert seen == [1, 2]
    assert [ex.seq for ex in rec.exchanges] == [1, 2, 3]


def test_recorder_is_thread_safe() -> None:
    rec = Recorder()

    def work() -> None:
        for _ in range(200):
            rec.record(sample())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ex.seq for ex in rec.exchanges) == list(range(1, 1601))


def test_large_bodies_are_clipped_with_a_marker_and_no_partial_secret() -> None:
    red = Redactor()
    secret = "SECRET-abcdefghij"
    red.add("LMSCONF_TOKEN", secret)
    content = b"x" * (MAX_BODY_BYTES - 5) + secret.encode() + b"y" * 1000
    text, truncated = clip_body(content, "utf-8", red.text, red.longest)
    assert truncated
    assert "SECRET" not in text
    assert text.endswith(f"of {len(content)} bytes stored]")
    assert len(text) < MAX_BODY_BYTES + 100


def test_small_bodies_are_kept_whole() -> None:
    assert clip_body(b'{"a": 1}', None, str) == ('{"a": 1}', False)
    assert clip_body(b"", "utf-8", str) == ("", False)
    assert clip_body("caf\u00e9".encode(), "utf-8", str) == ("caf\u00e9", False)

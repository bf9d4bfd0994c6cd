"""Bounds on what one request may cost: a total deadline per request, a body-size cap, capped 429 waits,
the run's deadline; and full bodies for the rules while the recorder keeps clipped copies of old ones."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from conformance import profiles
from conformance.cleanup import Ledger
from conformance.errors import AnswerTooLarge, AnswerTooSlow, RunDeadline, TargetError
from conformance.http.client import Client
from conformance.http.record import Exchange, Recorder
from conformance.http.retry import RetryPolicy
from conformance.rules.common import json_body
from conformance.simulator import SimulatorServer
from tests.test_http_client import CREDS, Served

ROWS = [{"id": f"u{n:06d}", "username": f"user-{n}", "note": "x" * 200} for n in range(15_000)]  # ~3.5 MB


def build_app(hits: dict[str, int]) -> Starlette:
    async def trickle(request: Request) -> Response:
        async def drip() -> AsyncIterator[bytes]:
            for _ in range(40):
                yield b"z"
                await asyncio.sleep(0.1)
        return StreamingResponse(drip(), media_type="text/plain")

    async def flood(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(64):
                yield b"y" * 65536
        return StreamingResponse(chunks(), media_type="text/plain")

    async def day(request: Request) -> Response:
        hits["day"] = hits.get("day", 0) + 1
        return JSONResponse({"message": "Too many requests"}, status_code=429, headers={"Retry-After": "86400"})

    async def often(request: Request) -> Response:
        hits["often"] = hits.get("often", 0) + 1
        return JSONResponse({"message": "Too many requests"}, status_code=429, headers={"Retry-After": "30"})

    async def rows(request: Request) -> Response:
        return JSONResponse(ROWS)

    async def ping(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/trickle", trickle), Route("/flood", flood), Route("/day", day),
                             Route("/often", often), Route("/rows", rows),
                             Route("/ping", ping, methods=["GET", "DELETE"])])


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, dict[str, int]]]:
    hits: dict[str, int] = {}
    server = Served(build_app(hits))
    yield f"http://127.0.0.1:{server.port}", hits
    server.stop()


@pytest.fixture
def make(served: tuple[str, dict[str, int]]) -> Iterator[Callable[..., Client]]:
    made: list[Client] = []
    served[1].clear()

    def factory(**kwargs: Any) -> Client:
        client = Client(profiles.load("absorb-v1_5"), served[0], CREDS, **kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.mark.timing   # an upper bound on elapsed time: run alone (make test)
def test_a_trickling_answer_ends_at_the_total_deadline(make: Callable[..., Client]) -> None:
    client = make(timeout=2.0, request_total_s=1.0)
    began = time.monotonic()
    with pytest.raises(AnswerTooSlow) as err:
        client.get("/trickle", auth=False)
    took = time.monotonic() - began
    assert isinstance(err.value, TargetError) and err.value.exit_code == 3
    assert 0.9 <= took < 2.0, took   # the byte-per-0.1 s answer would take 4 s; no read ever timed out
    (ex,) = client.recorder.exchanges
    assert ex.status is None


def test_a_body_over_the_size_cap_is_refused(make: Callable[..., Client]) -> None:
    client = make(max_body_bytes=1024 * 1024)
    with pytest.raises(AnswerTooLarge) as err:
        client.get("/flood", auth=False)
    assert "1 MiB" in str(err.value) and err.value.exit_code == 3
    assert make(max_body_bytes=8 * 1024 * 1024).get("/flood", auth=False).content == b"y" * (64 * 65536)


def test_a_retry_after_of_a_day_gives_up_at_once_with_the_429(make: Callable[..., Client]) -> None:
    waits: list[float] = []
    client = make(sleep=waits.append)
    began = time.monotonic()
    response = client.get("/day", auth=False)
    assert response.status_code == 429 and waits == [] and time.monotonic() - began < 5


def test_waits_for_429_are_capped_in_total(make: Callable[..., Client], served: tuple[str, dict[str, int]]) -> None:
    waits: list[float] = []
    client = make(sleep=waits.append, retry=RetryPolicy(max_retries=10, max_wait_s=60.0, max_total_wait_s=100.0))
    response = client.get("/often", auth=False)
    assert response.status_code == 429
    assert waits == [30.0, 30.0, 30.0] and served[1]["often"] == 4   # a fourth wait would pass 100 s


def test_after_the_run_deadline_only_cleanup_goes_out(make: Callable[..., Client]) -> None:
    client = make(deadline=time.monotonic() - 1)
    with pytest.raises(RunDeadline) as err:
        client.get("/ping", auth=False)
    assert err.value.exit_code == 3
    assert client.request("DELETE", "/ping", auth=False, purpose="cleanup").status_code == 200
    assert [ex.purpose for ex in client.recorder.exchanges] == ["cleanup"]


def test_the_ledger_is_undone_after_the_run_deadline(server: SimulatorServer) -> None:
    simulator = server.simulator
    with Client(profiles.load("absorb-v1_5"), server.base_url, simulator.announced_credentials,
                deadline=time.monotonic() - 1) as client:
        ledger = Ledger(run_id="t")
        ledger.created("/users/00000000-0000-0000-0000-000000000000")
        assert ledger.undo(client) == [] and not ledger.pending()   # authenticated, then DELETE (404: gone)
        with pytest.raises(RunDeadline):
            client.get("/users")
        assert [ex.purpose for ex in client.recorder.exchanges] == ["authenticate", "cleanup"]


def test_rules_read_the_full_body_of_a_large_answer(make: Callable[..., Client]) -> None:
    client = make()
    client.get("/rows", auth=False)
    (ex,) = client.recorder.exchanges
    ok, body = json_body(ex)
    assert ok and len(body) == len(ROWS)


def big(seq: int, size: int) -> Exchange:
    return Exchange(method="GET", url=f"http://h/x?{seq}", status=200, response_body=json.dumps(["a" * size]))


def test_the_recorder_clips_old_bodies_past_its_budget() -> None:
    recorder = Recorder(full_bytes=1_000_000, clipped_chars=1000)
    for n in range(30):
        recorder.record(big(n, 100_000))
    kept = recorder.exchanges
    full = [ex for ex in kept if not ex.clipped]
    assert len(kept) == 30 and 8 <= len(full) <= 10 and full == kept[-len(full):]
    assert all(len(ex.response_body) < 1200 for ex in kept if ex.clipped)
    assert recorder.full_bytes_held <= 1_000_000
    with pytest.raises(ValueError, match="clipped"):
        kept[0].json()
    with pytest.raises(RuntimeError, match="clipped"):
        json_body(kept[0])


def test_the_newest_exchange_is_kept_whole_even_past_the_budget() -> None:
    recorder = Recorder(full_bytes=1000, clipped_chars=100)
    recorder.record(big(1, 5000))
    (ex,) = recorder.exchanges
    assert not ex.clipped and len(ex.json()[0]) == 5000

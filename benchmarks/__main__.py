"""`python -m benchmarks`: validation of a 55,000-row 1.5.0 body of a versioned endpoint (/lessons), and a full
walk of the large dataset's users.

Everything runs against the embedded simulator on loopback; each figure is the median of a few runs.
Prints a Markdown table (the README's "Benchmarks" section is a copy of it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import jsonschema
import jsonschema_rs
import requests

from conformance import profiles, schemas
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from conformance.walk import walk

PROFILE = "absorb-v1_5"


def timed(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


UNPAGINATED = "lessons"   # a versioned endpoint (Appendix D); the large dataset holds 60,000 lessons


def array_schema() -> dict[str, Any]:
    """An array of rows; the row schema's own $defs move to the root so its "#/$defs/..." refs still resolve."""
    one = schemas.load(profiles.load(PROFILE).resource(UNPAGINATED).schema)
    row = {k: v for k, v in one.items() if k not in ("$id", "$schema", "$defs")}
    return {"$schema": one["$schema"], "type": "array", "items": {"$ref": "#/$defs/row"},
            "$defs": {**one.get("$defs", {}), "row": row}}


def unpaginated_body(server: SimulatorServer, credentials: dict[str, str]) -> str:
    """One GET /lessons with x-api-version 1.5.0: unpaginated, "up to 55k rows" (seed Appendix D). /users is not
    versioned: it pages whatever version is asked."""
    profile = profiles.load(PROFILE)
    versions = profile.section("versions")
    with Client(profile, server.base_url, credentials) as client:
        response = client.get(profile.resource(UNPAGINATED).path, headers={versions["request_header"]: "1.5.0"})
    response.raise_for_status()
    return response.text


def bench_validation(body: str, repeat: int) -> list[tuple[str, float]]:
    rows = json.loads(body)
    schema = array_schema()
    python_validator = jsonschema.Draft202012Validator(schema)
    rust_validator = jsonschema_rs.validator_for(schema)
    parse_s, _ = timed(lambda: json.loads(body), repeat)
    py_s, _ = timed(lambda: python_validator.is_valid(rows), max(1, repeat // 2))
    rs_s, ok = timed(lambda: rust_validator.is_valid(rows), repeat)
    assert ok, "the simulator's 1.5.0 body does not validate"
    return [(f"json.loads of the {len(rows):,}-row 1.5.0 /{UNPAGINATED} body ({len(body) / 1e6:.1f} MB)", parse_s),
            (f"validate {len(rows):,} rows, jsonschema (compiled once)", py_s),
            (f"validate {len(rows):,} rows, jsonschema-rs (compiled once)", rs_s)]


def bench_walk(server: SimulatorServer, credentials: dict[str, str]) -> list[tuple[str, float]]:
    profile = profiles.load(PROFILE)
    users = profile.resource("users")
    with Client(profile, server.base_url, credentials, recorder=Recorder()) as client:
        start = time.perf_counter()
        result = walk(client, profile, users, 1000)
        invalid = [row for row in result.rows if schemas.errors(users.schema, row, limit=1)]
        ours = time.perf_counter() - start
    assert not invalid and result.ended_empty
    session = requests.Session()
    token = session.post(server.base_url + "/authenticate", headers={"x-api-key": credentials["LMSCONF_API_KEY"]},
                         json={"username": credentials["LMSCONF_USERNAME"], "password": credentials["LMSCONF_PASSWORD"],
                               "privateKey": credentials["LMSCONF_API_KEY"]}).json()
    headers = {"x-api-key": credentials["LMSCONF_API_KEY"], "Authorization": f"Bearer {token}"}
    start, offset, count = time.perf_counter(), 0, 0
    while rows := session.get(server.base_url + "/users", headers=headers,
                              params={"_offset": offset, "_limit": 1000}).json()["users"]:
        count, offset = count + len(rows), offset + 1
    plain = time.perf_counter() - start
    return [(f"walk {len(result.rows):,} users at _limit=1000 ({result.requests} requests), lmsconf client "
             "(throttle, recording, redaction) + schema check of every row", ours),
            (f"the same walk with plain requests, no checks ({count:,} rows)", plain)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    simulator = Simulator(PROFILE, dataset="large")
    results: list[tuple[str, float]] = []
    with SimulatorServer(simulator) as server:
        results += bench_validation(unpaginated_body(server, simulator.credentials), args.repeat)
        results += bench_walk(server, simulator.credentials)
    print("| measurement | seconds (median) |\n|---|---|")
    for label, seconds in results:
        print(f"| {label} | {seconds:.3f} |")


if __name__ == "__main__":
    main()

"""The OpenAPI documents: valid OpenAPI 3.1 as shipped and bundled, equal to what the profiles build, true to
the profiles' tables, printed by ``lmsconf openapi``, and accepted by the Schemathesis CLI against each
vendor's simulator."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from conformance import cli, profiles
from conformance.openapi import bundle, bundled, document, shipped_path, text
from conformance.paths import SCHEMAS
from tests.support import child_env, lmsconf

NAMES = profiles.available()
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
WRITE = "`lmsconf openapi --write`"


@functools.cache
def shipped(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(shipped_path(name).read_text(encoding="utf-8"))
    return loaded


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def pointed(doc: Any, pointer: str) -> Any:
    """The node at a JSON pointer (``/a/b``); KeyError, IndexError or TypeError when there is none."""
    node = doc
    for token in (pointer.split("/")[1:] if pointer else []):
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


# -- valid OpenAPI 3.1 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_shipped_document_is_valid_openapi_3_1(name: str) -> None:
    """As shipped: the relative $refs resolve against the file, as a tool opening it resolves them."""
    doc = shipped(name)
    assert doc["openapi"].startswith("3.1.")
    validate(doc, base_uri=shipped_path(name).as_uri(), cls=OpenAPIV31SpecValidator)


@pytest.mark.parametrize("name", NAMES)
def test_bundled_document_is_valid_openapi_3_1(name: str) -> None:
    validate(bundled(document(profiles.load(name))), cls=OpenAPIV31SpecValidator)


# -- references ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_ref_of_a_shipped_document_resolves_under_schemas(name: str) -> None:
    """Each $ref names an existing file under schemas/ (and a node inside it when it has a JSON pointer), and
    each internal $ref of a referenced rule schema points inside that schema."""
    here = shipped_path(name).parent
    files: dict[Path, Any] = {}
    broken: list[str] = []
    for target in sorted(set(refs(shipped(name)))):
        location, _, pointer = target.partition("#")
        if not location:
            try:
                pointed(shipped(name), pointer)
            except (KeyError, IndexError, TypeError):
                broken.append(f"{target}: no such node in the document")
            continue
        path = (here / location).resolve()
        if not path.is_relative_to(SCHEMAS.resolve()) or not path.is_file():
            broken.append(f"{target}: no such file under schemas/")
            continue
        files.setdefault(path, json.loads(path.read_text(encoding="utf-8")))
        try:
            pointed(files[path], pointer)
        except (KeyError, IndexError, TypeError):
            broken.append(f"{target}: no node at #{pointer} in {path.name}")
    assert files, f"{name}: the document references no rule schema"
    for path, schema in files.items():
        for inner in set(refs(schema)):
            try:
                assert inner.startswith("#")
                pointed(schema, inner[1:])
            except (AssertionError, KeyError, IndexError, TypeError):
                broken.append(f"{path.name}: {inner} does not point inside the schema")
    assert not broken, f"{shipped_path(name).name}: " + "; ".join(broken)


@pytest.mark.parametrize("name", NAMES)
def test_bundled_document_refs_only_its_own_components(name: str) -> None:
    doc = bundled(document(profiles.load(name)))
    outside = sorted({r for r in refs(doc) if not r.startswith("#/components/schemas/")})
    assert not outside, f"{name}: bundled $refs outside #/components/schemas/: {outside}"
    unresolved = []
    for target in set(refs(doc)):
        try:
            pointed(doc, target[1:])
        except (KeyError, IndexError, TypeError):
            unresolved.append(target)
    assert not unresolved, f"{name}: bundled $refs to nothing: {sorted(unresolved)}"


# -- the shipped files are the profiles' build --------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_shipped_document_equals_what_the_profile_builds(name: str) -> None:
    path = shipped_path(name)
    assert path.is_file(), f"{path} is missing: {WRITE} writes it from the profile"
    assert path.read_text(encoding="utf-8") == text(profiles.load(name), refs=True), (
        f"{path.name} differs from what profile {name} builds: run {WRITE} (never edit the file by hand)")


def test_every_shipped_document_has_its_profile() -> None:
    orphans = sorted(p.name for p in bundle.OPENAPI_DIR.glob("*.yaml") if p.stem not in NAMES)
    assert not orphans, f"schemas/openapi/ holds {orphans}, which no profile builds: remove them"


def test_write_rewrites_the_documents_that_differ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for name in NAMES:
        shutil.copy(shipped_path(name), tmp_path)
    (tmp_path / "qses.yaml").write_text("openapi: 3.1.0\n", encoding="utf-8")
    (tmp_path / "absorb-v1.yaml").unlink()
    monkeypatch.setattr(bundle, "OPENAPI_DIR", tmp_path)
    assert cli.main(["openapi", "--write"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines) == sorted(f"{tmp_path / name}.yaml: "
                                   f"{'rewritten' if name in ('qses', 'absorb-v1') else 'up to date'}"
                                   for name in NAMES)
    for name in NAMES:
        assert (tmp_path / f"{name}.yaml").read_bytes() == shipped_path(name).read_bytes()


# -- true to the profile ------------------------------------------------------------------------------------


def success_status(profile: profiles.Profile, operation_id: str) -> int:
    if operation_id.startswith("create-"):
        return int(profile.status["created"])
    if operation_id.startswith("delete-"):
        return int(profile.status["deleted"])
    if operation_id.startswith(("update-", "patch-")):
        return int(profile.status.get("updated", 200))
    return 200


@pytest.mark.parametrize("name", NAMES)
def test_every_documented_status_comes_from_the_profile(name: str) -> None:
    profile = profiles.load(name)
    table = {int(status) for status in profile.status.values()}
    strays = []
    for path, method, op in operations(shipped(name)):
        documented = {int(status) for status in op["responses"]}
        ok = success_status(profile, op["operationId"])
        assert ok in documented, f"{method.upper()} {path}: success status {ok} not documented"
        assert {s for s in documented if s < 300} == {ok}, f"{method.upper()} {path}: {sorted(documented)}"
        strays += [f"{method.upper()} {path} {s}" for s in sorted(documented - table - {ok})]
    assert not strays, f"{name}: statuses not in the profile's [status] table: {strays}"


@pytest.mark.parametrize("name", [n for n in NAMES if "rate_limited" in profiles.load(n).status])
def test_every_429_declares_retry_after(name: str) -> None:
    """Required when the profile says a 429 always carries it (QSES), documented (optional) otherwise."""
    profile = profiles.load(name)
    required = profile.ratelimit.get("retry_after") == "required"
    answers = [(f"{method.upper()} {path}", op["responses"][status]) for path, method, op in operations(shipped(name))
               for status in op["responses"] if int(status) == int(profile.status["rate_limited"])]
    assert answers, f"{name}: no operation documents a 429"
    for where, answer in answers:
        header = answer.get("headers", {}).get("Retry-After")
        assert header is not None, f"{where}: 429 without Retry-After"
        assert header["required"] is required, where
    if name == "qses":
        assert required


def test_qses_create_declares_a_required_location() -> None:
    created = shipped("qses")["paths"]["/contacts"]["post"]["responses"]["201"]
    assert created["headers"]["Location"]["required"] is True
    assert created["headers"]["Location"]["schema"]["type"] == "string"


def test_absorb_v1_5_responses_declare_the_version_header() -> None:
    missing = [f"{method.upper()} {path} {status}"
               for path, method, op in operations(shipped("absorb-v1_5"))
               for status, answer in op["responses"].items()
               if answer.get("headers", {}).get("x-api-version", {}).get("required") is not True]
    assert not missing, f"responses without a required x-api-version header: {missing}"


def paging_bounds(name: str) -> dict[str, dict[str, tuple[int, int | None]]]:
    """Per paginated collection path: {parameter: (minimum, maximum)} of its limit and offset parameters."""
    bounds = {}
    for res in profiles.load(name).resources:
        if not res.paginated:
            continue
        params = {p["name"]: p["schema"] for p in shipped(name)["paths"][res.path]["get"].get("parameters", [])}
        bounds[res.path] = {key: (schema.get("minimum"), schema.get("maximum")) for key, schema in params.items()
                            if schema.get("type") == "integer"}
    return bounds


@pytest.mark.parametrize("name", [n for n in NAMES if profiles.load(n).pagination.get("limit_param")])
def test_paginated_collections_declare_the_profiles_limits(name: str) -> None:
    paging = profiles.load(name).pagination
    limit = (1, None if paging.get("limit_clamped") else paging.get("max_limit"))   # clamped: any size is valid
    offset = (paging.get("first_offset", 0), paging.get("max_offset"))
    bounds = paging_bounds(name)
    assert bounds, f"{name}: no paginated collection"
    for path, params in bounds.items():
        assert params.get(paging["limit_param"]) == limit, path
        assert params.get(paging["offset_param"]) == offset, path


def test_absorb_v1_5_pages_are_limit_1_to_1000_and_offset_0_to_65535() -> None:
    bounds = paging_bounds("absorb-v1_5")
    assert bounds
    assert all(params == {"_limit": (1, 1000), "_offset": (0, 65535)} for params in bounds.values()), bounds


# -- lmsconf openapi --------------------------------------------------------------------------------------


def test_lmsconf_openapi_prints_the_self_contained_document() -> None:
    done = lmsconf("openapi", "--profile", "qses")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# Generated from the conformance profile qses by `lmsconf openapi --profile qses`")
    doc = yaml.safe_load(done.stdout)
    assert doc["openapi"] == "3.1.0"
    assert all(r.startswith("#/") for r in refs(doc)), sorted(set(refs(doc)))
    assert doc == bundled(document(profiles.load("qses")))


def test_lmsconf_openapi_refs_prints_the_shipped_text(tmp_path: Path) -> None:
    path = tmp_path / "qses.toml"
    shutil.copy(profiles.load("qses").source, path)
    for given in ("qses", str(path)):   # a name or a .toml, as `lmsconf run` takes
        done = lmsconf("openapi", "--profile", given, "--refs")
        assert done.returncode == 0, done.stderr
        assert done.stdout == shipped_path("qses").read_text(encoding="utf-8")
        assert "lmsconf openapi --profile qses --refs" in done.stdout.splitlines()[0]


def test_lmsconf_openapi_unknown_profile_exits_2() -> None:
    done = lmsconf("openapi", "--profile", "no-such-vendor")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no-such-vendor" in lines[0], done.stderr


@pytest.mark.parametrize("form", [[], ["--refs"]])
def test_lmsconf_openapi_names_a_rule_schema_the_profile_lacks(tmp_path: Path, form: list[str],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Printed self-contained or with refs, a document never points at a schema that is not there."""
    path = tmp_path / "absorb-v1.toml"
    original = profiles.load("absorb-v1").source.read_text(encoding="utf-8")
    path.write_text(original.replace('"absorb/user.v1.json"', '"absorb/missing-user.v1.json"', 1), encoding="utf-8")
    assert cli.main(["openapi", "--profile", str(path), *form]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and "missing-user.v1.json" in err and "not found" in err, err


# -- the Schemathesis CLI, unchanged, against each simulator -----------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_schemathesis_cli_runs_the_shipped_document(name: str, tmp_path: Path) -> None:
    """The file path as it is (Schemathesis resolves the relative $refs), a generated request or two per
    operation and the links between them, against the vendor's simulator: no server error, every operation
    tested. The run's files (Hypothesis, Schemathesis, the report) stay under tmp_path."""
    from conformance.http.client import Client
    from conformance.target import embedded

    profile = profiles.load(name)
    target = embedded(profile, [], "default")
    try:
        with Client(profile, target.base_url, target.credentials, verify=target.ca_bundle or True) as client:
            headers = client.auth_headers()
        trust = {"REQUESTS_CA_BUNDLE": target.ca_bundle} if target.ca_bundle else {}   # HTTPS-only: its own CA
        command = [sys.executable, "-m", "schemathesis.cli", "run", str(shipped_path(name)),
                   "--url", target.base_url, "--phases", "fuzzing,stateful", "--max-examples", "1",
                   "--checks", "not_a_server_error", "--seed", "20261203", "--generation-database", "none",
                   "--no-color", "--report", "json", "--report-dir", str(tmp_path / "report"),
                   *(arg for header, value in headers.items() for arg in ("-H", f"{header}: {value}"))]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=child_env(trust),
                              timeout=120, check=False)
    finally:
        target.stop()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Open API 3.1" in done.stdout, output
    (report,) = (tmp_path / "report").glob("*.json")
    result = json.loads(report.read_text(encoding="utf-8"))
    declared = sum(1 for _ in operations(shipped(name)))
    assert result["operations"]["total"] == declared, output
    assert result["operations"]["tested"] == declared, output
    assert result["test_cases"]["generated"] >= declared, output
    assert not result["errors"] and not result["failures"], output

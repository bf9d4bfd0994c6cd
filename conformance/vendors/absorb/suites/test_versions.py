"""Versions: v1 vs v1.5 field sets row by row of Appendix C, and the x-api-version contract (seed 003)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from conformance import profiles
from conformance.cleanup import Ledger
from conformance.errors import ConfigError
from conformance.http.client import Client
from conformance.http.record import Recorder
from conformance.plugin import STATE
from conformance.profiles import Profile, Resource
from conformance.rules import check_all
from conformance.suites.nested import choose_parent, concrete, fill_template
from conformance.target import Target
from conformance.vendors.absorb.appendix_c import AppendixCRow, get_rows
from conformance.vendors.absorb.rules import versions
from conformance.vendors.absorb.suites import writing
from conformance.walk import fetch_page, paging_headers

KINDS = {"fields-added": "added", "fields-removed": "removed", "identical": "identical"}


@dataclass(frozen=True)
class Pair:
    """One Appendix C GET row answered by a v1.5 resource and its v1 counterpart."""

    row: AppendixCRow
    v1_5: Resource
    v1: Resource

    @property
    def item(self) -> bool:
        """Rows like GET /Users/{id} compare one record; the others compare a collection."""
        return self.row.path.endswith("}")

    @property
    def label(self) -> str:
        return f"row{self.row.row}-{self.v1_5.name}{'-item' if self.item else ''}"


def pairs(profile: Profile | None, kind: str) -> list[Pair]:
    name = profile.section("versions").get("counterpart") if profile else None
    if profile is None or not name:
        return []
    try:
        other = profiles.load(name)
    except ConfigError:
        return []  # the counterpart fixture reports the broken profile
    rows = {r.row: r for r in get_rows() if r.method == "GET" and r.difference == kind}
    found = []
    for res in profile.resources:
        if not res.counterpart:
            continue
        v1 = other.resource(res.counterpart)
        found += [Pair(rows[n], res, v1) for n in res.appendix_c_rows if n in rows and n in v1.appendix_c_rows]
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "versioned" in metafunc.fixturenames:
        pytest_generate_tests_versioned(metafunc)
    if "pair" not in metafunc.fixturenames:
        return
    kind = next(k for k, v in KINDS.items() if metafunc.function.__name__.endswith(v))
    found = pairs(metafunc.config.stash[STATE].profile, kind)
    metafunc.parametrize("pair", found, ids=[p.label for p in found])


@pytest.fixture(scope="session")
def counterpart(pytestconfig: pytest.Config, profile: Profile, target: Target,
                recorder: Recorder) -> Iterator[tuple[Profile, Client]]:
    name = profile.section("versions").get("counterpart")
    if not name:
        pytest.skip(f"profile {profile.id} names no counterpart API")
    other = profiles.load(name)
    sibling = target.sibling(other, pytestconfig.getoption("lmsconf_counterpart_base_url"))
    if sibling is None:
        pytest.skip(f"give --counterpart-base-url to compare with {other.id}")
    with Client(other, sibling.base_url, sibling.credentials, recorder=recorder) as client:
        yield other, client


def _fetch(client: Client, profile: Profile, resource: Resource, path: str, item: bool) -> Any:
    headers = {} if item else paging_headers(profile, resource)
    response = client.get(path, headers=headers)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}"
    return response.json()


def field_sets(pair: Pair, client: Client, profile: Profile, counterpart: tuple[Profile, Client]) -> tuple[
        set[str], set[str], str]:
    """The v1 and v1.5 field names of the same collection (or item) and a label for the evidence."""
    other, old = counterpart
    values = choose_parent(client, profile, pair.v1_5) if pair.v1_5.parents else {}
    new_path, old_path = fill_template(pair.v1_5.path, values), fill_template(pair.v1.path, values)
    if pair.item:
        first = fetch_page(client, profile, dataclasses.replace(pair.v1_5, path=new_path), 0, 1)
        assert first.rows, f"{new_path} is empty: no item to compare"
        values = {**values, "id": str(first.rows[0][pair.v1_5.id_field])}
        new_path = fill_template(pair.v1_5.item_path or "", values, last_is_id=True)
        old_path = fill_template(pair.v1.item_path or "", values, last_is_id=True)
    new_body = _fetch(client, profile, pair.v1_5, new_path, pair.item)
    old_body = _fetch(old, other, pair.v1, old_path, pair.item)
    v1_5_fields = versions.field_names(new_body, pair.v1_5.collection_key)
    v1_fields = versions.field_names(old_body, pair.v1.collection_key)
    assert v1_5_fields and v1_fields, f"no rows to compare at {new_path} / {old_path}"
    return v1_fields, v1_5_fields, f"Appendix C row {pair.row.row} ({pair.row.method} {pair.row.v1_path})"


@pytest.mark.rule("versions.v1_5-adds-fields")
def test_fields_added(pair: Pair, client: Client, profile: Profile, counterpart: tuple[Profile, Client]) -> None:
    old, new, where = field_sets(pair, client, profile, counterpart)
    versions.v1_5_adds_fields(old, new, pair.row.added, where)


@pytest.mark.rule("versions.v1_5-removes-fields")
def test_fields_removed(pair: Pair, client: Client, profile: Profile, counterpart: tuple[Profile, Client]) -> None:
    old, new, where = field_sets(pair, client, profile, counterpart)
    versions.v1_5_removes_fields(old, new, pair.row.removed, where)


@pytest.mark.rule("versions.identical-rows-match")
def test_fields_identical(pair: Pair, client: Client, profile: Profile, counterpart: tuple[Profile, Client]) -> None:
    old, new, where = field_sets(pair, client, profile, counterpart)
    versions.identical_rows_match(old, new, where)


def versioned_names(profile: Profile | None) -> list[str]:
    return [r.name for r in profile.resources if r.versioned] if profile else []


@pytest.fixture
def versioned(request: pytest.FixtureRequest, client: Client, profile: Profile) -> Resource:
    return concrete(client, profile, profile.resource(request.param))


def pytest_generate_tests_versioned(metafunc: pytest.Metafunc) -> None:
    names = versioned_names(metafunc.config.stash[STATE].profile)
    metafunc.parametrize("versioned", names, ids=names, indirect=True)


def ask(client: Client, resource: Resource, header: str, version: str | None) -> None:
    client.get(resource.path, headers={header: version} if version else {})


def _version_settings(profile: Profile) -> dict[str, Any]:
    found = profile.section("versions")
    if not found.get("request_header") or not found.get("paginated_version"):
        pytest.skip(f"profile {profile.id} documents no versioned endpoints")
    return found


@pytest.mark.rule("versions.header-selects-shape", "versions.response-names-version")
def test_version_header_selects_shape(versioned: Resource, client: Client, recorder: Recorder,
                                      profile: Profile) -> None:
    conf = _version_settings(profile)
    answers = {}
    for version in conf.get("accepted", [conf["paginated_version"]]):
        mark = recorder.mark()
        ask(client, versioned, conf["request_header"], version)
        answers[version] = recorder.since(mark)[-1]
    wrapper = profile.pagination.get("total_field", "totalItems")
    check_all(lambda: versions.response_names_version(answers, conf.get("response_header", conf["request_header"])),
              lambda: versions.header_selects_shape(answers, conf["paginated_version"], wrapper))


@pytest.mark.rule("versions.default-version")
def test_no_version_header_serves_the_default(versioned: Resource, client: Client, recorder: Recorder,
                                             profile: Profile) -> None:
    conf = _version_settings(profile)
    expected = versioned.default_version or str(profile.raw.get("default_version", ""))
    mark = recorder.mark()
    ask(client, versioned, conf["request_header"], None)
    versions.default_version(recorder.since(mark)[-1], conf.get("response_header", conf["request_header"]),
                             expected, expected == conf["paginated_version"],
                             profile.pagination.get("total_field", "totalItems"))


@pytest.mark.rule("versions.compat-restricted-to-1_5_0")
def test_compatibility_mode_serves_only_the_base_version(client: Client, recorder: Recorder,
                                                         profile: Profile) -> None:
    conf = profile.section("versions")
    if not conf.get("compat_only"):
        pytest.skip(f"profile {profile.id} is not in backward-compatibility mode")
    resource = next(r for r in profile.resources if r.versioned and not r.parents)
    mark = recorder.mark()
    ask(client, resource, conf["request_header"], conf.get("paginated_version", "1.5.1"))
    versions.compat_restricted(recorder.since(mark)[-1], conf.get("response_header", conf["request_header"]),
                               conf["compat_only"], profile.pagination.get("total_field", "totalItems"))


@pytest.mark.writes
@pytest.mark.rule("versions.no-longer-mandatory")
def test_field_no_longer_mandatory_on_upload(client: Client, recorder: Recorder, profile: Profile,
                                            counterpart: tuple[Profile, Client], ledger: Ledger) -> None:
    other, old = counterpart
    old_conf = writing.settings(other)
    upload = old_conf["upload_path"].lower()
    rows = [r for r in get_rows() if r.difference == "no-longer-mandatory" and r.path.lower().rstrip("/") == upload]
    if not rows:
        pytest.skip(f"Appendix C lists no 'no longer mandatory' row for {old_conf['upload_path']}")
    users = writing.writable(profile)
    department = writing.some_row(client, profile, users).get("departmentId")
    item_path = users.item_path or ""
    answers = []
    for conf_profile, sender, label in ((other, old, "v1"), (profile, client, "v1_5")):
        conf = writing.settings(conf_profile)
        body = [{k: v for k, v in u.items() if k != conf["optional_field"]}
                for u in writing.new_users(conf_profile, ledger, 1, department, f"optional-{label}")]
        mark = recorder.mark()
        # both APIs share the data; v1.5 removes it (looked up by the name in v1.5's field when no id came back)
        writing.upload(sender, ledger, conf["upload_path"], body, conf.get("name_field", "username"), item_path)
        answers.append(recorder.since(mark)[-1])
    versions.no_longer_mandatory(answers[0], answers[1], rows[0].no_longer_mandatory[0],
                                 int(other.status.get("bad_request", 400)))


@pytest.mark.rule("versions.header-on-every-response")
def test_every_response_carries_the_version_header(client: Client, recorder: Recorder, profile: Profile) -> None:
    """Answers of every kind: a token, a classic and a versioned collection, and the errors 401, 403, 404, 422."""
    conf = profile.section("versions")
    header = conf.get("response_header") or conf.get("request_header")
    if not header:
        pytest.skip(f"profile {profile.id} documents no version header")
    classic = next(r for r in profile.resources if not r.parents)
    versioned = [r for r in profile.resources if r.versioned and not r.parents][:1]
    key_only = client.auth_headers(include_token=False)
    mark = recorder.mark()
    client.authenticate(force=True)
    for resource in (classic, *versioned):
        client.get(resource.path)
    client.get((classic.item_path or classic.path + "/{id}").format(id="00000000-0000-0000-0000-000000000000"),
               deliberate=True)
    client.get(classic.path, params={profile.pagination.get("limit_param", "_limit"): "abc"}, deliberate=True)
    client.request("GET", classic.path, headers=key_only, auth=False, deliberate=True)
    client.request("GET", classic.path, headers={}, auth=False, deliberate=True)
    versions.header_on_every_response(recorder.since(mark), header)


INVALID_VERSION = "9.9.9"


@pytest.mark.rule("versions.invalid-version-refused")
def test_unknown_version_is_refused(client: Client, recorder: Recorder, profile: Profile) -> None:
    conf = profile.section("versions")
    if not conf.get("request_header"):
        pytest.skip(f"profile {profile.id} documents no version header")
    if "invalid_version" not in profile.status:
        pytest.skip(f"profile {profile.id} says nothing of how an unknown version is answered")
    resource = next(r for r in profile.resources if r.versioned and not r.parents)
    mark = recorder.mark()
    client.get(resource.path, headers={conf["request_header"]: INVALID_VERSION}, deliberate=True)
    versions.invalid_version_refused(recorder.since(mark)[-1], INVALID_VERSION, profile.status["invalid_version"])

"""Every Absorb v1.5 resource of the profile: each endpoint answers, in the shape its version asks,
with rows its schema accepts, sorted and filtered like users, over related, deterministic data."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
import requests

from conformance import schemas
from conformance.profiles import Profile, Resource, load
from conformance.simulator import SimulatorServer
from conformance.simulator.store import Store
from conformance.vendors.absorb.simulator.catalogue import source_for
from tests.test_simulator_absorb import PROFILE, UNKNOWN_ID, Api, assert_error, start

V15 = load(PROFILE)
NAMES = [r.name for r in V15.resources]
PARAM = re.compile(r"\{(\w+)\}")


def parent_values(store: Store, resource: Resource) -> dict[str, str]:
    """Path values of the parent with the most children (children hold a column per path parameter)."""
    table = source_for(resource.name).table
    columns = ", ".join(f'"{p}"' for p in resource.parents)
    present = " AND ".join(f'"{p}" IS NOT NULL' for p in resource.parents)
    row = store.conn.execute(f'SELECT {columns} FROM "{table}" WHERE {present} GROUP BY {columns} '
                             f'ORDER BY COUNT(*) DESC, {columns} LIMIT 1').fetchone()
    return {p: row[p] for p in resource.parents}


def concrete(store: Store, resource: Resource, values: dict[str, str] | None = None) -> str:
    values = values if values is not None else (parent_values(store, resource) if resource.parents else {})
    return PARAM.sub(lambda m: values[m.group(1)], resource.path)


def fetch(api: Api, path: str, version: str | None = None, **params: Any) -> requests.Response:
    return api.get(path, params=params, headers={"x-api-version": version} if version else {})


def expected_shape(resource: Resource, version: str | None) -> str:
    """Versioned endpoints: 1.5.0 unpaginated, 1.5.1 wrapped; the classic paginated ones always wrapped."""
    served = version or resource.default_version or "1.5.1"
    if resource.versioned:
        return "page" if served == "1.5.1" else "list"
    return "page" if resource.paginated else "list"


def whole(api: Api, path: str) -> list[dict[str, Any]]:
    """Every row of a collection: the 1.5.0 answer of a versioned endpoint, else every page at _limit=1000."""
    body = fetch(api, path, "1.5.0", _limit=1000).json()
    if isinstance(body, list):
        return body
    key = next(k for k, v in body.items() if isinstance(v, list))
    rows: list[dict[str, Any]] = list(body[key])
    while len(rows) < body["totalItems"]:
        rows += fetch(api, path, "1.5.0", _offset=len(rows) // 1000, _limit=1000).json()[key]
    return rows


def rows_of(resource: Resource, body: Any) -> list[dict[str, Any]]:
    rows = body[resource.collection_key] if isinstance(body, dict) else body
    assert isinstance(rows, list)
    return rows


# -- collections ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_collection_answers_the_shape_its_version_asks(api: Api, server: SimulatorServer, name: str) -> None:
    resource = V15.resource(name)
    path = concrete(server.simulator.store, resource)
    whole: list[dict[str, Any]] | None = None
    for version in ("1.5.0", None, "1.5.1"):
        response = fetch(api, path, version, _limit=1000)
        assert response.status_code == 200, response.text
        assert response.headers["x-api-version"] == (version or resource.default_version)
        body = response.json()
        if expected_shape(resource, version) == "page":
            assert set(body) == {"totalItems", "limit", "offset", "returnedItems", resource.collection_key}
            assert body["returnedItems"] == len(body[resource.collection_key]) and body["limit"] == 1000
        else:
            assert isinstance(body, list)
        rows = rows_of(resource, body)
        assert rows, f"{path} is empty"
        whole = rows if whole is None else whole
        assert rows == whole[:len(rows)]          # same rows, same default order (id), whatever the shape
    assert whole is not None
    for row in whole:
        assert schemas.errors(resource.schema, row) == [], (name, row)


def test_unpaginated_answers_are_capped_by_the_profile() -> None:
    versions = {**V15.section("versions"), "unpaginated_max_rows": 100}
    capped = dataclasses.replace(V15, raw={**V15.raw, "versions": versions})
    with start(profile=capped) as srv:
        client = Api(srv)
        client.login()
        assert len(fetch(client, "/lessons", "1.5.0").json()) == 100
        assert fetch(client, "/lessons", "1.5.1").json()["totalItems"] > 100
        assert fetch(client, "/users", "1.5.0").json()["totalItems"] == 2500     # not versioned: pages


@pytest.mark.parametrize("path", ["/users", "/lessons", "/resources"])
def test_unknown_version_is_422(api: Api, path: str) -> None:
    response = fetch(api, path, "1.4.9")
    assert_error(response, 422)
    assert response.headers["x-api-version"] in ("1.5.0", "1.5.1")


def test_versioned_endpoints_still_check_paging_parameters(api: Api) -> None:
    assert_error(fetch(api, "/tags", None, _limit=0), 422)
    assert_error(fetch(api, "/users", "1.5.0", _offset=-1), 422)
    assert len(fetch(api, "/tags", "1.5.0", _limit=5).json()) > 5   # valid ones are ignored unpaginated


# -- single rows ------------------------------------------------------------------------------------
ITEMS = [r.name for r in V15.resources if r.item_path]


@pytest.mark.parametrize("name", ITEMS)
def test_item_answers_the_row_whatever_the_version(api: Api, name: str) -> None:
    resource = V15.resource(name)
    row = whole(api, resource.path)[-1]
    path = (resource.item_path or "").format(id=row["id"].upper())
    for version in (None, "1.5.0", "1.5.1"):
        response = fetch(api, path, version)
        assert response.status_code == 200 and response.json() == row
    assert_error(fetch(api, (resource.item_path or "").format(id=UNKNOWN_ID)), 404)
    assert_error(fetch(api, (resource.item_path or "").format(id="not-a-guid")), 404)


def test_item_outside_the_resource_is_404(api: Api) -> None:
    curriculum = whole(api, "/curriculums")[0]
    assert api.get(f"/courses/{curriculum['id']}").status_code == 200
    assert_error(api.get(f"/onlineCourses/{curriculum['id']}"), 404)
    assert_error(api.get(f"/instructorLedCourses/{curriculum['id']}"), 404)


# -- nested paths -----------------------------------------------------------------------------------
NESTED = [r.name for r in V15.resources if r.parents]


@pytest.mark.parametrize("name", NESTED)
def test_unknown_or_mismatched_parent_is_404(api: Api, server: SimulatorServer, name: str) -> None:
    resource = V15.resource(name)
    values = parent_values(server.simulator.store, resource)
    for param in resource.parents:
        for wrong in (UNKNOWN_ID, "not-a-guid"):
            response = fetch(api, concrete(server.simulator.store, resource, {**values, param: wrong}))
            assert_error(response, 404)


def test_nested_rows_belong_to_their_parent(api: Api, server: SimulatorServer) -> None:
    store = server.simulator.store
    for name in NESTED:
        resource = V15.resource(name)
        values = parent_values(store, resource)
        rows = whole(api, concrete(store, resource, values))
        assert rows and all(row[param] == value for row in rows for param, value in values.items()), name


def test_paths_match_without_regard_to_case_or_trailing_slash(api: Api, server: SimulatorServer) -> None:
    attendance = V15.resource("attendance")
    nested = concrete(server.simulator.store, attendance).replace("instructor-led", "Instructor-Led")
    for path in ("/USERS", "/OnlineCourses/", "/instructorledcourses", "/Session-Schedules/", nested + "/"):
        assert fetch(api, path, "1.5.0").status_code == 200, path


# -- sorting and filtering beyond users -------------------------------------------------------------
def walk(api: Api, resource: Resource, path: str, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for offset in range(100):
        page = rows_of(resource, fetch(api, path, "1.5.1", _offset=offset, _limit=1000, **params).json())
        if not page:
            return rows
        rows += page
    raise AssertionError("the walk did not end")


def test_sort_with_ties_and_nulls_on_lessons(api: Api) -> None:
    lessons = V15.resource("lessons")
    served = walk(api, lessons, "/lessons", _sort="-credits,name")
    everyone = whole(api, "/lessons")
    by_id = sorted(everyone, key=lambda r: r["id"])
    by_name = sorted(by_id, key=lambda r: r["name"].lower())
    expected = sorted(by_name, key=lambda r: (r["credits"] is not None, r["credits"] or 0), reverse=True)
    assert [r["id"] for r in served] == [r["id"] for r in expected]
    assert served[-1]["credits"] is None                    # nulls first ascending, so last descending


def test_filters_on_course_types_agree_with_their_endpoints(api: Api) -> None:
    courses = V15.resource("courses")
    for kind, path in (("Curriculum", "/curriculums"), ("CourseBundle", "/course-bundles"),
                       ("OnlineCourse", "/onlineCourses"), ("InstructorLedCourse", "/instructorLedCourses")):
        filtered = walk(api, courses, "/courses", _filter=f"courseType eq '{kind}'")
        assert {r["id"] for r in filtered} == {r["id"] for r in whole(api, path)}


def test_filter_on_nested_enrollments(api: Api, server: SimulatorServer) -> None:
    resource = V15.resource("course-enrollments")
    path = concrete(server.simulator.store, resource)
    done = walk(api, resource, path, _filter="status eq 2 and score ge 75", _sort="-score")
    everyone = whole(api, path)
    assert done and [r["id"] for r in done] == [r["id"] for r in sorted(
        (r for r in everyone if r["status"] == 2 and r["score"] >= 75), key=lambda r: (-r["score"], r["id"]))]
    assert_error(fetch(api, path, "1.5.1", _sort="shoeSize"), 422)
    assert_error(fetch(api, path, "1.5.1", _filter="courseVersionId eq 1"), 422)


@pytest.mark.parametrize("name", [r.name for r in V15.resources if r.sortable])
def test_sortable_fields_hold_ties_and_filterable_fields_hold_nulls(api: Api, server: SimulatorServer,
                                                                     name: str) -> None:
    resource = V15.resource(name)
    rows = whole(api, concrete(server.simulator.store, resource))
    values = {f: [r[f] for r in rows] for f in resource.sortable if f in rows[0]}
    assert any(len(v) != len(set(map(str, v))) for v in values.values()), f"{name}: no sortable ties"
    nullable = [f for f in resource.filterable if f in rows[0] and any(r[f] is None for r in rows)]
    assert nullable or name in ("roles", "tags", "user-certificates"), f"{name}: no filterable nulls"


# -- data -------------------------------------------------------------------------------------------
def test_related_rows_reference_each_other(server: SimulatorServer) -> None:
    def one(sql: str) -> Any:
        return server.simulator.store.conn.execute(sql).fetchone()[0]

    assert one('SELECT COUNT(*) FROM enrollments WHERE "courseId" NOT IN (SELECT id FROM courses)') == 0
    assert one('SELECT COUNT(*) FROM certificates WHERE id NOT IN '
               '(SELECT "certificateId" FROM enrollments WHERE "certificateId" IS NOT NULL)') == 0
    assert one('SELECT COUNT(*) FROM lesson_enrollments le JOIN lessons l ON l.id = le."lessonId" '
               'WHERE l."courseId" != le."courseId"') == 0
    assert one('SELECT COUNT(*) FROM lessons JOIN courses c ON c.id = lessons."courseId" '
               'WHERE c."courseType" != \'OnlineCourse\'') == 0
    assert one('SELECT COUNT(*) FROM sessions JOIN courses c ON c.id = sessions."courseId" '
               'WHERE c."courseType" != \'InstructorLedCourse\'') == 0
    assert one('SELECT COUNT(*) FROM attendance a WHERE NOT EXISTS (SELECT 1 FROM enrollments e '
               'JOIN session_schedules s ON s."courseId" = e."courseId" '
               'WHERE s.id = a."scheduleId" AND e."userId" = a."userId")') == 0
    assert one("SELECT COUNT(*) FROM users, json_each(users.\"roleIds\") r "
               "WHERE r.value NOT IN (SELECT id FROM roles)") == 0
    assert one("SELECT COUNT(DISTINCT \"courseType\") FROM courses") == 4


def test_profile_resources_all_have_data(server: SimulatorServer) -> None:
    store = server.simulator.store
    for resource in V15.resources:
        assert store.count(source_for(resource.name).table) > 0, resource.name


def compat_free(profile: Profile) -> bool:
    return not profile.section("simulator").get("compat")


def test_the_profile_is_the_plain_v1_5_one() -> None:
    assert compat_free(V15) and V15.section("versions").get("counterpart") == "absorb-v1"

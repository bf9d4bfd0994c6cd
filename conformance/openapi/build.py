"""Build a profile's OpenAPI 3.1 document: operations, documented statuses, headers, parameters, links.

Everything comes from the profile: paths and schemas from ``[[resources]]``, statuses from ``[status]``,
parameters and their ranges from ``[pagination]``, ``[sorting]``, ``[filtering]`` and ``[versions]``,
headers from ``[versions]`` and ``[ratelimit]``, security from ``[auth]``, writes from ``[writes]``.
Schemas are ``$ref``s to ``schemas/<vendor>/...`` relative to ``schemas/openapi/``.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.openapi.operations import (
    SCHEMES,
    collection_params,
    error_schema_name,
    header_params,
    item_response,
    patch_body,
    path_params,
    ref,
    rows_pointer,
    rows_response,
    security,
    security_schemes,
    statuses_for,
    write_body,
)
from conformance.profiles import Profile, Resource

OPENAPI = "3.1.0"
Json = dict[str, Any]


def operation_id(verb: str, resource: Resource) -> str:
    return f"{verb}-{resource.name}"


def _responses(profile: Profile, kind: str, success: Json, *, nested: bool = False,
               token: bool = False) -> Json:
    """The operation's documented statuses: ``success`` for 2xx, the error schema for the rest."""
    out: Json = {}
    for status, why in statuses_for(profile, kind, nested=nested, token=token):
        out[str(status)] = error_response(profile, status, why, token=token)
    out.update(success)
    return {k: out[k] for k in sorted(out)}


def error_response(profile: Profile, status: int, why: str, *, token: bool = False) -> Json:
    headers = response_headers(profile, status)
    answer: Json = {"description": why}
    schema = error_schema_name(profile, status, token=token)
    if schema:
        answer["content"] = {media_type(profile): {"schema": ref(schema)}}
    if headers:
        answer["headers"] = headers
    return answer


def media_type(profile: Profile) -> str:
    documented = str(profile.section("media").get("response_content_type", "application/json"))
    return documented.split(";", 1)[0].strip()


def response_headers(profile: Profile, status: int) -> Json:
    """Headers documented on a response with this status: the version header (every response), Retry-After
    on 429 (required when the profile says so), Location on 201."""
    headers: Json = {}
    version_header = profile.section("versions").get("response_header")
    if version_header:
        enum = list(profile.section("versions").get("accepted", ()))
        headers[version_header] = {"required": True, "description": "the API version that served the request",
                                   "schema": {"type": "string", **({"enum": enum} if enum else {})}}
    for name in profile.ratelimit_headers(status):
        headers[name] = {"required": True, "description": "documented on every response",
                         "schema": {"type": "string", "pattern": r"^\d+$"}}
    if status == profile.status.get("rate_limited"):
        required = profile.ratelimit.get("retry_after") == "required"
        headers["Retry-After"] = {"required": required, "description": "seconds (or an HTTP-date) to wait",
                                  "schema": {"type": "string", "pattern": r"^(\d+|[A-Z][a-z]{2}, .+ GMT)$"}}
    if status == profile.status.get("created", 201) and 200 <= status < 300:
        headers["Location"] = {"required": True, "description": "the URL of the record just created",
                               "schema": {"type": "string", "minLength": 1}}
    return headers


def success(profile: Profile, status: int, why: str, schema: Json | None) -> Json:
    answer: Json = {"description": why}
    if schema is not None:
        answer["content"] = {media_type(profile): {"schema": schema}}
    headers = response_headers(profile, status)
    if headers:
        answer["headers"] = headers
    return {str(status): answer}


def _operation(profile: Profile, op_id: str, summary: str, responses: Json, params: list[Json],
               *, secured: bool = True, body: Json | None = None, links: Json | None = None) -> Json:
    op: Json = {"operationId": op_id, "summary": summary}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = body
    op["responses"] = responses
    op["security"] = security(profile) if secured else []
    if links:
        for status, link in links.items():
            op["responses"][status].setdefault("links", {}).update(link)
    return op


def _collection(profile: Profile, res: Resource) -> Json:
    ok = success(profile, 200, f"the {res.name}", rows_response(profile, res))
    params = path_params(profile, res.path) + collection_params(profile, res) + header_params(profile)
    links = None
    if res.item_path and not res.nested:
        rows = rows_pointer(profile, res)
        pointer = f"{rows}/0/{res.id_field}" if res.paginated and rows else f"/0/{res.id_field}"
        links = {"200": {f"Get{_camel(res.name)}": {
            "operationId": operation_id("get", res),
            "parameters": {"id": f"$response.body#{pointer}"},
            "description": "a row of the page, read on its own"}}}
    return _operation(profile, operation_id("list", res), f"List {res.name}",
                      _responses(profile, "collection", ok, nested=res.nested), params, links=links)


def _item(profile: Profile, res: Resource) -> dict[str, Json]:
    assert res.item_path
    params = path_params(profile, res.item_path, res) + header_params(profile)
    ops: dict[str, Json] = {"get": _operation(
        profile, operation_id("get", res), f"One of the {res.name}",
        _responses(profile, "item", success(profile, 200, "the record", item_response(profile, res))), params)}
    if res.writable and writes_resource(profile) == res.name and profile.section("writes").get("style") == "patch":
        patched = success(profile, int(profile.status.get("updated", 200)), "the record as it now is",
                          item_response(profile, res))
        ops["patch"] = _operation(profile, operation_id("patch", res), f"Change fields of one of the {res.name}",
                                  _responses(profile, "patch", patched), params, body=patch_body(profile, res),
                                  links={str(profile.status.get("updated", 200)): _same_record(
                                      res, "the record just changed, read back")})
        return ops
    if res.writable and writes_resource(profile) == res.name:
        done = int(profile.status.get("updated", 200))
        replaced = success(profile, done, "the record as it now is" if done != 204 else "updated (no content)",
                           item_response(profile, res) if done != 204 else None)
        again = {str(done): _same_record(res, "the record just replaced, read back")}
        ops["put"] = _operation(profile, operation_id("update", res), f"Replace one of the {res.name} (whole record)",
                                _responses(profile, "put", replaced), params, body=write_body(profile, res),
                                links=again)
        if "deleted" in profile.status:
            status = int(profile.status["deleted"])
            schema = item_response(profile, res) if status == 200 else None
            ops["delete"] = _operation(profile, operation_id("delete", res), f"Delete one of the {res.name}",
                                       _responses(profile, "delete", success(profile, status, "deleted", schema)),
                                       params, links={str(status): _same_record(res, "the record just deleted")})
    return ops


def _same_record(res: Resource, why: str) -> Json:
    return {f"Get{_camel(res.name)}Again": {"operationId": operation_id("get", res),
                                             "parameters": {"id": "$request.path.id"}, "description": why}}


def writes_resource(profile: Profile) -> str | None:
    value = profile.section("writes").get("resource")
    return str(value) if value else None


def _item_links(profile: Profile, res: Resource, pointer: str) -> Json:
    """From a created record to reading, replacing and deleting it."""
    links: Json = {f"Get{_camel(res.name)}": {"operationId": operation_id("get", res),
                                                 "parameters": {"id": f"$response.body#{pointer}"}}}
    if res.writable:
        links[f"Replace{_camel(res.name)}"] = {"operationId": operation_id("update", res),
                                                "parameters": {"id": f"$response.body#{pointer}"}}
        if "deleted" in profile.status:
            links[f"Delete{_camel(res.name)}"] = {"operationId": operation_id("delete", res),
                                                   "parameters": {"id": f"$response.body#{pointer}"}}
    return links


def _create(profile: Profile, res: Resource) -> tuple[str, Json] | None:
    """POST answering 201 + Location (post-put-delete) or an upload answering [{key, value}] (upload-put-delete)."""
    writes = profile.section("writes")
    style = writes.get("style") or ("upload-put-delete" if writes.get("upload_path") else None)
    if style == "post-put-delete" and "created" in profile.status:
        record = profile.pagination.get("record_path")
        pointer = f"/{record}/{res.id_field}" if record else f"/{res.id_field}"
        ok = success(profile, int(profile.status["created"]), "created", item_response(profile, res))
        op = _operation(profile, operation_id("create", res), f"Create one of the {res.name}",
                        _responses(profile, "post", ok, nested=res.nested),
                        path_params(profile, res.path) + header_params(profile), body=write_body(profile, res),
                        links={str(profile.status["created"]): _item_links(profile, res, pointer)})
        return res.path, op
    if style == "upload-put-delete" and writes.get("upload_path"):
        answer = {"type": "array", "items": {"type": "object", "required": ["key", "value"],
                                             "properties": {"key": {"type": "string"}, "value": {}}}}
        ok = success(profile, 200, "the key (id) and value (name) of each user written", answer)
        body = write_body(profile, res, many=int(writes.get("upload_max", 200)))
        op = _operation(profile, operation_id("upload", res), f"Create or update up to {writes.get('upload_max')} "
                        f"{res.name}", _responses(profile, "post", ok), header_params(profile), body=body,
                        links={"200": _item_links(profile, res, "/0/key")})
        return str(writes["upload_path"]), op
    return None


def _token(profile: Profile) -> tuple[str, Json] | None:
    auth = profile.auth
    if not auth.get("token_path"):
        return None
    if auth.get("token_form"):
        fields = {k: ({"const": v} if not str(v).startswith("LMSCONF_") else {"type": "string", "minLength": 1})
                  for k, v in auth["token_form"].items()}
        body = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object", "required": sorted(fields), "properties": fields}}}}
    else:
        fields = {k: {"type": "string", "minLength": 1} for k in auth.get("token_body", {})}
        body = {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": sorted(fields), "properties": fields}}}}
    ok = success(profile, 200, "a token", ref(str(auth["token_schema"])) if auth.get("token_schema") else {})
    key_only: list[Json] = [{"apiKey": []}] if auth.get("api_key_header") else []
    op = _operation(profile, "authenticate", "Obtain a token", _responses(profile, "token", ok, token=True), [],
                    body=body)
    op["security"] = key_only
    return str(auth["token_path"]), op


def document(profile: Profile) -> Json:
    """The profile's OpenAPI 3.1 document (refs relative to ``schemas/openapi/``)."""
    paths: dict[str, Json] = {}
    token = _token(profile)
    if token:
        paths.setdefault(token[0], {})["post"] = token[1]
    for open_path in profile.auth.get("open_paths", ()):
        paths.setdefault(open_path, {})["get"] = _operation(
            profile, "open-" + re.sub(r"[^a-z0-9]+", "-", open_path.lower()).strip("-"),
            "Open without a token", success(profile, 200, "answered without a token", {}), [], secured=False)
    for res in profile.resources:
        paths.setdefault(res.path, {})["get"] = _collection(profile, res)
        if res.item_path:
            paths.setdefault(res.item_path, {}).update(_item(profile, res))
        if res.writable and writes_resource(profile) == res.name:
            created = _create(profile, res)
            if created:
                paths.setdefault(created[0], {})["post"] = created[1]
    return {
        "openapi": OPENAPI,
        "info": {"title": f"{profile.vendor} {profile.api} (profile {profile.id})", "version": _version(profile),
                 "description": f"Built by lms-conformance from conformance profile {profile.id}; the contract "
                                f"is seed {profile.seed}. Schemas are the ones the conformance rules use."},
        "servers": [{"url": "/", "description": "the base URL of the target (given to the tool)"}],
        "paths": {p: paths[p] for p in sorted(paths)},
        "components": {"securitySchemes": security_schemes(profile)},
    }


def _version(profile: Profile) -> str:
    return str(profile.raw.get("default_version") or "1")


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


__all__ = ["SCHEMES", "document", "operation_id"]

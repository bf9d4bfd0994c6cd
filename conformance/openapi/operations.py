"""The parts of an operation, read from the profile: statuses, parameters, bodies, security."""

from __future__ import annotations

import re
from typing import Any

from conformance import schemas
from conformance.profiles import Profile, Resource

Json = dict[str, Any]
SCHEMES = ("apiKey", "token")

# Status-table keys and when they apply; the text is the description the document gives the status.
COMMON = (("bad_token", "the token is missing, expired or not valid"),
          ("denied", "the account is not granted this endpoint"),
          ("missing_api_key", "the API key header is missing or wrong"),
          ("wrong_api_key", "the API key header is missing or wrong"),
          ("invalid_version", "the requested API version is not one the API serves"),
          ("rate_limited", "over the documented rate limit"),
          ("forbidden", "the account may not act on this record"),
          ("payment_required", "the site has no active subscription"))
BY_KIND: dict[str, tuple[tuple[str, str], ...]] = {
    "collection": (("invalid_query", "a query value out of range or malformed"),
                   ("invalid_paging", "a paging value out of range or malformed")),
    "item": (("not_found", "no record has this id"),),
    "put": (("not_found", "no record has this id"), ("invalid_body", "the body is not a valid record"),
            ("conflict", "the lock version sent is not the record's"),
            ("unsupported_media", "the body is not of the documented media type"),
            ("not_acceptable", "the body is not in a valid format")),
    "post": (("invalid_body", "the body is not valid"),
             ("unsupported_media", "the body is not of the documented media type"),
             ("not_acceptable", "the body is not in a valid format")),
    "patch": (("not_found", "no record has this identifier"), ("invalid_body", "a value sent is not valid"),
              ("unsupported_media", "the body is not of a documented media type")),
    "delete": (("not_found", "no record has this id"),),
    "token": (("missing_auth_fields", "a credential field is missing"),
              ("invalid_credentials", "the credentials are not valid"),
              ("missing_api_key", "the API key header is missing or wrong"),
              ("wrong_api_key", "the API key header is missing or wrong"),
              ("invalid_version", "the requested API version is not one the API serves"),
              ("rate_limited", "over the documented rate limit")),
}


def statuses_for(profile: Profile, kind: str, *, nested: bool = False, token: bool = False) -> list[tuple[int, str]]:
    """The documented error statuses of one kind of operation, each once (the first reason wins)."""
    keys = list(BY_KIND["token"]) if token else [*COMMON, *BY_KIND[kind]]
    if nested and kind in ("collection", "post"):
        keys.append(("not_found", "no parent record has this id"))
    table = profile.status
    if "missing_api_key" in table and not profile.auth.get("api_key_header"):
        keys = [k for k in keys if k[0] not in ("missing_api_key", "wrong_api_key")]
    found: dict[int, str] = {}
    for key, why in keys:
        if key in table and int(table[key]) not in found:
            found[int(table[key])] = why
    return sorted(found.items())


def error_schema_name(profile: Profile, status: int, *, token: bool = False) -> str | None:
    """The rule schema an error body with this status matches (None: the profile documents no body)."""
    if status == profile.status.get("rate_limited"):
        return None
    if status == profile.status.get("unsupported_media") and profile.section("media").get("unsupported_schema"):
        return str(profile.section("media")["unsupported_schema"])
    if token and profile.auth.get("token_error_schema") and status != profile.status.get("missing_api_key"):
        return str(profile.auth["token_error_schema"])
    schema = profile.section("errors").get("schema")
    return str(schema) if schema else None


def ref(schema: str) -> Json:
    """A reference to one of the rule schemas, relative to schemas/openapi/."""
    return {"$ref": f"../{schema}"}


def _id_schema(kind: str) -> Json:
    if kind == "int":
        return {"type": "integer", "minimum": 1, "maximum": 2147483647}
    return {"type": "string", "format": "uuid"}


def _kind_of(profile: Profile, res: Resource | None, name: str) -> str:
    if res is not None and name == "id":
        return res.id_kind
    for candidate in profile.resources:
        if candidate.parents.get(name) and candidate.parent_resource:
            parent = next((r for r in profile.resources if r.name == candidate.parent_resource), None)
            if parent is not None and candidate.parents[name] == parent.id_field:
                return parent.id_kind
    return res.id_kind if res is not None else "guid"


def path_params(profile: Profile, path: str, res: Resource | None = None) -> list[Json]:
    return [{"name": name, "in": "path", "required": True, "schema": _id_schema(_kind_of(profile, res, name))}
            for name in re.findall(r"\{([^}]+)\}", path)]


def header_params(profile: Profile) -> list[Json]:
    versions = profile.section("versions")
    header = versions.get("request_header")
    if not header:
        return []
    return [{"name": header, "in": "header", "required": False,
             "description": "the API version to serve (the default when left out)",
             "schema": {"type": "string", "enum": list(versions.get("accepted", ()))}}]


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in names)


def sort_pattern(profile: Profile, res: Resource) -> str:
    sorting = profile.sorting
    keys = _alternation(list(res.sortable))
    prefix = re.escape(str(sorting.get("descending_prefix", "-")))
    sep = re.escape(str(sorting.get("separator", ",")))
    one = f"(?:{prefix})?(?:{keys})"
    return f"^(?:{one}(?:{sep}{one})*)?$"   # empty: no sort (an empty query value is no value)


LITERALS = {"string": "'[A-Za-z0-9]{0,8}'", "int": "-?[0-9]{1,5}", "number": "-?[0-9]{1,5}(?:\\.[0-9]{1,2})?",
            "bool": "(?:true|false)"}
COMPARE = {"string": ("eq", "ne"), "int": ("eq", "ne", "gt", "ge", "lt", "le"),
           "number": ("eq", "ne", "gt", "ge", "lt", "le"), "bool": ("eq", "ne")}


def filter_pattern(profile: Profile, res: Resource) -> str | None:
    """A subset of the profile's filter grammar: `<field> <op> <literal>`, per field type the profile lists."""
    operators = set(profile.filtering.get("operators", ()))
    parts = []
    for kind, literal in LITERALS.items():
        fields = [name for name, k in res.filterable.items() if k == kind]
        ops = [op for op in COMPARE[kind] if op in operators]
        if fields and ops:
            parts.append(f"(?:{_alternation(fields)}) (?:{'|'.join(ops)}) {literal}")
    return f"^(?:{'|'.join(parts)})?$" if parts else None   # empty: no filter


def collection_params(profile: Profile, res: Resource) -> list[Json]:
    paging = profile.pagination
    out: list[Json] = []
    if res.paginated and paging.get("style") == "cursor":
        out.append({"name": paging["cursor_param"], "in": "query", "schema": {"type": "integer", "minimum": 0},
                    "description": "where the page starts (as the previous page's next link gives it)"})
    if res.paginated and paging.get("limit_param"):
        offset: Json = {"type": "integer", "minimum": int(paging.get("first_offset", 0))}
        if paging.get("max_offset") is not None:
            offset["maximum"] = int(paging["max_offset"])
        limit: Json = {"type": "integer", "minimum": 1}
        if paging.get("max_limit") is not None and not paging.get("limit_clamped"):
            limit["maximum"] = int(paging["max_limit"])
        described = "the page index (0 first)" if paging.get("style") == "page-index" else "rows to skip"
        out += [{"name": paging["offset_param"], "in": "query", "description": described, "schema": offset},
                {"name": paging["limit_param"], "in": "query",
                 "description": f"rows per page (default {paging.get('default_limit')})", "schema": limit}]
        if paging.get("total_param"):
            out.append({"name": paging["total_param"], "in": "query", "description": "ask for the total count",
                        "schema": {"type": "boolean"}})
    if res.sortable and profile.sorting.get("param"):
        out.append({"name": profile.sorting["param"], "in": "query",
                    "description": "comma-separated keys, descending with the prefix",
                    "schema": {"type": "string", "pattern": sort_pattern(profile, res)}})
    pattern = filter_pattern(profile, res) if profile.filtering.get("param") else None
    if pattern:
        out.append({"name": profile.filtering["param"], "in": "query",
                    "description": f"{profile.filtering.get('syntax', 'OData')} filter (this pattern is a subset "
                                   "of what the API accepts)",
                    "schema": {"type": "string", "pattern": pattern}})
    return out


def _rows_key(profile: Profile, res: Resource) -> str | None:
    found = profile.pagination.get("rows_path") or res.collection_key
    return str(found).replace("{key}", res.collection_key or "") if found else None


def rows_pointer(profile: Profile, res: Resource) -> str | None:
    """The JSON pointer of a page's rows (``/_embedded/games``), None for a bare array."""
    key = _rows_key(profile, res)
    return "/" + key.replace(".", "/") if key else None


def _nested(path: str, schema: Json) -> Json:
    """An object schema holding ``schema`` at the dotted ``path`` (``_embedded.games``)."""
    head, _, rest = path.partition(".")
    return {"type": "object", "properties": {head: _nested(rest, schema) if rest else schema}}


def rows_response(profile: Profile, res: Resource) -> Json:
    """A collection: the page envelope with rows of the resource schema, and/or a bare array of them
    (an unpaginated resource, or an API whose versions answer some collections unpaginated)."""
    row = ref(res.schema)
    if not res.paginated and res.collection_key and not profile.section("versions") \
            and profile.pagination.get("wrapper", True):   # a whole collection under its key ({"courses": [...]})
        return {"type": "object", "required": [res.collection_key],
                "properties": {res.collection_key: {"type": "array", "items": row}}}
    shapes: list[Json] = []
    envelope = profile.pagination.get("envelope_schema")
    key = _rows_key(profile, res)
    if res.paginated and envelope and key:
        nullable = not profile.pagination.get("rows_path")
        rows: Json = {"type": ["array", "null"] if nullable else "array", "items": row}
        shapes.append({"allOf": [ref(str(envelope)), _nested(key, rows)]})
    if not shapes or profile.section("versions"):
        shapes.append({"type": "array", "items": row})
    return shapes[0] if len(shapes) == 1 else {"anyOf": shapes}


def item_response(profile: Profile, res: Resource) -> Json:
    row = ref(res.item_schema or res.schema)
    envelope = profile.pagination.get("item_envelope_schema")
    record = profile.pagination.get("record_path")
    if envelope and record:
        return {"allOf": [ref(str(envelope)), {"type": "object", "properties": {record: row}}]}
    return row


def write_body(profile: Profile, res: Resource, many: int | None = None) -> Json:
    schema: Json = ref(res.schema)
    if many:
        schema = {"type": "array", "minItems": 1, "maxItems": many, "items": schema}
    media = str(profile.section("media").get("request_content_type", "application/json"))
    return {"required": True, "content": {media: {"schema": schema}}}


def patch_body(profile: Profile, res: Resource) -> Json:
    """A partial record: any of the fields a client may change (none required), as JSON or form-encoded."""
    read_only = set(profile.section("writes").get("read_only", ()))
    whole = schemas.load(res.schema)
    fields = {k: v for k, v in whole.get("properties", {}).items() if k not in read_only}
    schema: Json = {"type": "object", "properties": fields, "additionalProperties": False, "minProperties": 1}
    media = profile.section("media")
    types = [str(media.get("request_content_type", "application/json")), *([str(media["form_content_type"])]
                                                                          if media.get("form_content_type") else [])]
    return {"required": True, "content": {t: {"schema": schema} for t in types}}


def security_schemes(profile: Profile) -> Json:
    auth = profile.auth
    schemes: Json = {}
    if auth.get("api_key_header"):
        schemes["apiKey"] = {"type": "apiKey", "in": "header", "name": auth["api_key_header"],
                             "description": "the private API key"}
    header = str(auth.get("token_header", "Authorization"))
    how = (f"obtained from POST {auth['token_path']}" if auth.get("token_path") else "issued by the vendor")
    if header.lower() == "authorization" and str(auth.get("token_prefix", "")).strip().lower() == "bearer":
        schemes["token"] = {"type": "http", "scheme": "bearer", "description": f"the token, {how}"}
    else:
        schemes["token"] = {"type": "apiKey", "in": "header", "name": header,
                            "description": f"the bare token, {how}"}
    return schemes


def security(profile: Profile) -> list[Json]:
    return [{name: [] for name in security_schemes(profile)}]

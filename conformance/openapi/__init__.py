"""OpenAPI 3.1 documents of each profile, for Schemathesis and for people (Postman, Insomnia).

A document is built from the profile (data, not code) and ``$ref``s the same JSON Schemas the rules use:
``schemas/openapi/<profile>.yaml`` is that build, written to the tree (a test keeps it current), with refs
relative to the file. :func:`bundled` is the same document made self-contained: every referenced schema
copied under ``components/schemas`` (what ``lmsconf openapi`` prints and the fuzz suite loads).
"""

from __future__ import annotations

from conformance.openapi.build import document
from conformance.openapi.bundle import bundled, dump, shipped_path

__all__ = ["bundled", "document", "dump", "shipped_path"]

"""OpenAPI 3.1 documents of each profile, for Schemathesis and for people (Postman, Insomnia).

A document is built from the profile (data, not code) and ``$ref``s the same JSON Schemas the rules use:
``schemas/openapi/<profile>.yaml`` is that build, written to the tree (``lmsconf openapi --write`` rewrites
every one; a test keeps them current), with refs relative to the file. :func:`bundled` is the same document
made self-contained: every referenced schema copied under ``components/schemas`` (what ``lmsconf openapi``
prints and the fuzz suite loads).
"""

from __future__ import annotations

from pathlib import Path

from conformance import profiles
from conformance.errors import ConfigError
from conformance.openapi.build import document
from conformance.openapi.bundle import BUNDLED_HEADER, bundled, dump, shipped_path
from conformance.profiles import Profile


def text(profile: Profile, *, refs: bool = False) -> str:
    """What ``lmsconf openapi`` prints: the self-contained document, or (``refs``) the document as shipped,
    ``$ref``s to the rule schemas relative to ``schemas/openapi/``."""
    doc = document(profile)
    whole = bundled(doc)   # also when printing the refs: a schema the profile names but schemas/ lacks is an error
    if refs:
        return dump(doc, profile.id)
    return dump(whole, profile.id, header=BUNDLED_HEADER)


def write_shipped() -> list[tuple[Path, bool]]:
    """Rewrite ``schemas/openapi/<id>.yaml`` of every shipped profile from the profile; each file with whether
    it changed. Every document is built before any file is written (a broken profile changes nothing)."""
    wanted: dict[Path, str] = {}
    for name in profiles.available():
        profile = profiles.load(name)
        wanted[shipped_path(profile.id)] = text(profile, refs=True)
    written: list[tuple[Path, bool]] = []
    for path, new in wanted.items():
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        if old != new:
            try:
                path.write_text(new, encoding="utf-8", newline="\n")
            except OSError as exc:
                raise ConfigError(f"{path}: cannot write: {exc.strerror}") from None
        written.append((path, old != new))
    return written


__all__ = ["bundled", "document", "dump", "shipped_path", "text", "write_shipped"]

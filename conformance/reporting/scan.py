"""Looking for secrets in a file about to leave the machine (a support bundle's members).

The HTML report is one file whose data (results, attachments) is embedded as base64 strings, so a plain search
would miss a secret inside them: every quoted base64 string is decoded and searched too.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping

from conformance.http.redact import spellings

_BASE64 = re.compile(rb"[\"'`]([A-Za-z0-9+/]{16,}={0,2})[\"'`]")


def readable(data: bytes) -> Iterator[bytes]:
    """`data` itself, then every base64 string literal in it, decoded."""
    yield data
    for found in _BASE64.finditer(data):
        blob = found.group(1)
        try:
            yield base64.b64decode(blob + b"=" * (-len(blob) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue


def secret_in(data: bytes, secrets: Mapping[str, str]) -> str | None:
    """The name of the first secret (name -> value) that `data` holds in any spelling, else None."""
    needles = [(name, form.encode("utf-8")) for name, value in secrets.items() for form in spellings(value)]
    if not needles:
        return None
    for text in readable(data):
        for name, needle in needles:
            if needle in text:
                return name
    return None

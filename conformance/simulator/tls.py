"""HTTPS for a simulator whose profile says ``[media] https_only = true``: a certificate authority made on this
machine for the server's lifetime (``trustme``), one server certificate it issues for ``127.0.0.1`` and
``localhost``, and the plain-HTTP answer such an API gives: a 302 to the same path and query over HTTPS.

``LocalTLS`` writes the CA certificate (``ca_bundle``, what a client passes as ``verify``), the server's
certificate chain and its private key as PEM files under a temporary directory that lives until ``close()``.
``Redirect`` is the ASGI app the plain-HTTP port serves: every request, whatever its method, is answered 302
with ``Location`` the same path and query on the HTTPS origin; it reads no body and no credentials.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import trustme
from starlette.types import Receive, Scope, Send

IDENTITIES = ("127.0.0.1", "localhost")
REDIRECT_STATUS = 302


class LocalTLS:
    """A local CA and one server certificate it issued, kept as PEM files until ``close()``."""

    def __init__(self, identities: tuple[str, ...] = IDENTITIES) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="lmsconf-tls-")
        root = Path(self._dir.name)
        ca = trustme.CA(organization_name="lms-conformance simulator")
        cert = ca.issue_cert(*identities)
        self.ca_bundle = root / "ca.pem"
        self.certfile = root / "server.pem"
        self.keyfile = root / "server-key.pem"
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        self.certfile.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        cert.private_key_pem.write_to_path(str(self.keyfile))

    def close(self) -> None:
        self._dir.cleanup()


def https_only(raw_profile: dict[str, object]) -> bool:
    """Whether a profile (its raw TOML) says every request must be made over HTTPS."""
    media = raw_profile.get("media")
    return isinstance(media, dict) and bool(media.get("https_only", False))


class Redirect:
    """ASGI app: every HTTP request answered 302 to the same path and query on ``https_origin``."""

    def __init__(self, https_origin: str) -> None:
        self.https_origin = https_origin.rstrip("/")

    def location(self, scope: Scope) -> str:
        raw = scope.get("raw_path") or scope.get("path", "/").encode("utf-8")
        path = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
        query = scope.get("query_string", b"")
        return self.https_origin + (path or "/") + ("?" + query.decode("latin-1") if query else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        location = self.location(scope)
        body = f"Moved to {location}\n".encode()
        await send({"type": "http.response.start", "status": REDIRECT_STATUS,
                    "headers": [(b"location", location.encode("latin-1")), (b"content-type", b"text/plain"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

"""`lmsconf report --full`: a copy of a profile's Allure results with every exchange of every test whole.

The plugin attaches a ticket-sized selection of each test's exchanges (in the fixture's teardown, which
allure-pytest keeps in a ``*-container.json``) and saves all of them, already redacted, to
``DIR/<profile>/exchanges/<key>.json.gz``; the test's hidden ``lmsconf-exchanges`` label holds the key.
Here the selection is replaced by the saved exchanges, in a copy: the run's own results stay as they are.
"""

from __future__ import annotations

import gzip
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from conformance.reporting.allure import EXCHANGES_DIR, EXCHANGES_LABEL, attachment_name

__all__ = ["EXCHANGES_DIR", "expanded"]


def _keys(results: Path) -> dict[str, str]:
    """Test result uuid -> the key of its saved exchanges."""
    keys: dict[str, str] = {}
    for path in results.glob("*-result.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for item in data.get("labels", []):
            if item.get("name") == EXCHANGES_LABEL and data.get("uuid"):
                keys[str(data["uuid"])] = str(item.get("value"))
    return keys


def _ours(attachment: dict[str, Any]) -> bool:
    """An exchange or curl attachment of the selection (the one-line index stays)."""
    name = str(attachment.get("name", ""))
    return name.startswith("#") or name == "curl"


def _attach(results: Path, content: str, name: str, mime: str, suffix: str) -> dict[str, str]:
    source = f"{uuid.uuid4()}-attachment.{suffix}"
    (results / source).write_text(content, encoding="utf-8")
    return {"name": name, "source": source, "type": mime}


def _whole(results: Path, documents: list[dict[str, Any]]) -> list[dict[str, str]]:
    attached = [_attach(results, json.dumps(d, indent=2), attachment_name(d), "application/json", "json")
                for d in documents]
    curl = "\n".join(str(d.get("curl", "")) for d in documents)
    return [*attached, _attach(results, curl, "curl", "text/plain", "txt")]


def _expand_container(path: Path, keys: dict[str, str], exchanges: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    key = next((keys[c] for c in data.get("children", []) if c in keys), None)
    saved = exchanges / f"{key}.json.gz" if key else None
    if saved is None or not saved.is_file():
        return
    documents = json.loads(gzip.decompress(saved.read_bytes()))
    for after in data.get("afters", []):
        attachments = after.get("attachments", [])
        if any(_ours(a) for a in attachments):
            for gone in (a for a in attachments if _ours(a)):
                (path.parent / str(gone.get("source", ""))).unlink(missing_ok=True)
            after["attachments"] = [a for a in attachments if not _ours(a)] + _whole(path.parent, documents)
            break
    path.write_text(json.dumps(data), encoding="utf-8")


def expanded(results: Path, exchanges: Path, destination: Path) -> Path:
    """A copy of ``results`` at ``destination`` with each test's saved exchanges attached whole."""
    shutil.copytree(results, destination)
    keys = _keys(destination)
    for container in destination.glob("*-container.json"):
        _expand_container(container, keys, exchanges)
    return destination

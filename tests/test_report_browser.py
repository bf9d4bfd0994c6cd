"""The single-file report as a person opens it: headless Chromium (Debian's package, `make setup` installs
it) loads DIR/html/index.html from disk, and the rendered page names the failing rule and shows the
failing test's request with its secrets replaced by placeholders. A screenshot is saved beside the test.

Skipped, with the reason, only where chromium is not installed (`make test` installs it where it can)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import has_generator, lmsconf, served_apart

PROFILE = "absorb-v1"
FAULT, FAILING_RULE = "v1-unknown-user-500", "status.unknown-id-is-404"
SELECTION = f"{FAILING_RULE} or auth.token-issued"
BROWSERS = ("chromium", "chromium-browser")
NOT_SECRET = {"LMSCONF_USERNAME", "LMSCONF_CLIENT_ID"}   # names an account: shown, as a ticket needs


def browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        pytest.skip("chromium is not installed (Debian's `chromium` package; `make test` installs it as root)")
    return found


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    command = [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--hide-scrollbars", "--virtual-time-budget=20000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def rendered_text(url: str) -> str:
    """The visible text of the page once its scripts ran (scripts and tags dropped)."""
    done = chromium("--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    body = re.sub(r"<script.*?</script>", " ", done.stdout, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not has_generator():
        pytest.skip("the Allure 3 generator is not installed (`npm ci`)")
    report_dir = tmp_path_factory.mktemp("browser-report")
    with served_apart(PROFILE, [FAULT]) as (base_url, credentials):
        run = lmsconf("run", "--profile", PROFILE, "--base-url", base_url, "--report-dir", str(report_dir),
                      "--", "-k", SELECTION, env=credentials)
    built = lmsconf("report", "--report-dir", str(report_dir))
    assert built.returncode == 0, built.stderr
    secrets = [v for k, v in credentials.items() if k not in NOT_SECRET and len(v) >= 6]
    yield {"dir": report_dir, "run": run, "secrets": secrets, "index": report_dir / "html" / "index.html"}


def test_the_rendered_report_names_the_failing_rule(report: dict[str, Any]) -> None:
    assert report["run"].returncode == 1, report["run"].stdout[-2000:]
    text = rendered_text(report["index"].as_uri())
    assert f"rule {FAILING_RULE}: failed" in text
    assert "Categories" in text and PROFILE in text


def test_the_failing_test_shows_its_request_redacted(report: dict[str, Any]) -> None:
    results = json.loads((report["index"].parent / "test-results.json").read_text())["byId"]
    failed = [rid for rid, r in results.items() if r["status"] == "failed" and r["name"].startswith("test_")]
    assert failed
    text = rendered_text(f"{report['index'].as_uri()}#/{failed[0]}")
    assert FAILING_RULE in text and "first request" in text
    assert "Authorization: '\"${LMSCONF_TOKEN}\"" in text   # the issued token, as its placeholder
    assert report["secrets"] and not [s for s in report["secrets"] if s in text]


def test_a_screenshot_of_the_report(report: dict[str, Any], tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = chromium(f"--screenshot={shot}", "--window-size=1280,800", report["index"].as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_the_saved_exchanges_and_the_full_report_hold_no_secret(report: dict[str, Any]) -> None:
    """The whole exchanges kept for --full are redacted like the attachments (gzip: scanned decompressed)."""
    saved = list((report["dir"] / PROFILE / "exchanges").glob("*.json.gz"))
    assert saved
    text = "".join(gzip.decompress(p.read_bytes()).decode("utf-8") for p in saved)
    assert "${LMSCONF_TOKEN}" in text
    assert report["secrets"] and not [s for s in report["secrets"] if s in text]
    built = lmsconf("report", "--report-dir", str(report["dir"]), "--full")
    assert built.returncode == 0 and "every exchange whole" in built.stdout, built.stderr
    page = report["index"].read_bytes()
    assert not [s for s in report["secrets"] if s.encode() in page]

"""`lmsconf bundle`: what a vendor's support desk asks for (seed 000, "Support"), and never a secret.

Three runs against simulators served on loopback that take canary secrets as their credentials (one profile per
auth style: Absorb's API key + password, iHASCO's bearer token, Assignr's client credentials), each with a fault
that makes a rule fail: then `lmsconf report` and `lmsconf bundle`. No canary is in any file under the report
directory (the HTML report's embedded base64 data decoded too), in any member of the zip, or in any output.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from conformance.http.redact import secret_settings
from conformance.simulator import app as simulator_app
from conformance.simulator.app import Simulator
from conformance.simulator.server import SimulatorServer
from tests.support import lmsconf

# A value for every credential variable; the private key is Absorb's API key (a different one is refused as a
# contradiction), so Absorb's run gets that one and the others get a canary of its own.
SECRETS = {
    "LMSCONF_API_KEY": "canary-apikey-Q7m2x9Lw4c",
    "LMSCONF_PASSWORD": "canary-password-R4t8Vz1k",
    "LMSCONF_PRIVATE_KEY": "canary-privatekey-J5s0Dq3n",
    "LMSCONF_TOKEN": "canary-token-Hx3p0Nq6Ty",
    "LMSCONF_CLIENT_SECRET": "canary-clientsecret-B8w1Ze6u",
}
IDENTIFIERS = {"LMSCONF_USERNAME": "canary-user-admin", "LMSCONF_CLIENT_ID": "canary-client-id-0451"}
# profile -> (fault, -k selection, the rule it makes fail, the setting naming the account)
RUNS = {
    "absorb-v1_5": ("unknown-user-500", "status.unknown-id-is-404", "status.unknown-id-is-404", "LMSCONF_USERNAME"),
    "ihasco": ("unknown-user-400", "status.unknown-id-is-404", "status.unknown-id-is-404", "LMSCONF_ACCOUNT"),
    "assignr": ("scope-ignored", "auth.scope-enforced", "auth.scope-enforced", "LMSCONF_CLIENT_ID"),
}


def canary_credentials(profile: Any) -> dict[str, str]:
    """What the simulator takes as its credentials: the canaries (Simulator asks make_credentials for them)."""
    return {name: {**SECRETS, **IDENTIFIERS}[name] for name in profile.credentials}


def served_run(name: str, report_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    fault, selection, _, _ = RUNS[name]
    monkeypatch.setattr(simulator_app, "make_credentials", canary_credentials)
    simulator = Simulator(name, faults=[fault])
    assert set(simulator.credentials.values()) <= {*SECRETS.values(), *IDENTIFIERS.values()}
    env = {**SECRETS, **IDENTIFIERS, **simulator.announced_credentials}
    if name.startswith("absorb"):
        env["LMSCONF_PRIVATE_KEY"] = env["LMSCONF_API_KEY"]
    with SimulatorServer(simulator) as server:
        if getattr(server, "ca_bundle", None):
            env["LMSCONF_CA_BUNDLE"] = str(server.ca_bundle)
            env["LMSCONF_HTTP_URL"] = f"{server.http_url}{simulator.base_path}"
        run = lmsconf("run", "--profile", name, "--base-url", server.base_url + simulator.base_path,
                      "--report-dir", str(report_dir), "--", "-k", selection, env=env)
        report = lmsconf("report", "--report-dir", str(report_dir), env=env)
        bundle = lmsconf("bundle", "--report-dir", str(report_dir), "-o", str(report_dir / "b.zip"), env=env)
        replay = _replay(report_dir / "b.zip", env) if name == "ihasco" else None
    secrets = secret_settings(env)
    return {"run": run, "report": report, "bundle": bundle, "dir": report_dir, "env": env, "secrets": secrets,
            "account": env[RUNS[name][3]], "replay": replay}


def _replay(bundle: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The first failing request's curl line, run by a shell with the LMSCONF_* settings exported."""
    with zipfile.ZipFile(bundle) as archive:
        failures = json.loads(archive.read("ihasco/failures.json"))
    curl = failures["failing_tests"][0]["exchanges"][-1]["curl"]
    return subprocess.run(["bash", "-c", curl + " -o /dev/null -w '%{http_code}'"], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", **env}, timeout=30, check=False)


@pytest.fixture(scope="module", params=list(RUNS))
def finished(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        done = served_run(request.param, tmp_path_factory.mktemp(request.param), monkeypatch)
    done["profile"] = request.param
    yield done


def spellings(secret: str) -> list[bytes]:
    return [s.encode() for s in {secret, quote(secret, safe=""), json.dumps(secret)[1:-1]}]


def decoded(data: bytes) -> list[bytes]:
    """`data` and every base64 string literal in it decoded (the HTML report embeds its data that way)."""
    found = [data]
    for blob in re.findall(rb"\"([A-Za-z0-9+/]{16,}={0,2})\"", data):
        try:
            found.append(base64.b64decode(blob, validate=True))
        except ValueError:
            continue
    return found


def leaks(name: str, data: bytes, secrets: dict[str, str]) -> list[str]:
    return [f"{name}: {setting}" for text in decoded(data) for setting, secret in secrets.items()
            if any(form in text for form in spellings(secret))]


def test_the_run_fails_its_rule_and_every_step_works(finished: dict[str, Any]) -> None:
    for step, code in (("run", 1), ("report", 0), ("bundle", 0)):
        assert finished[step].returncode == code, (step, finished[step].stdout + finished[step].stderr)
    rules = json.loads((finished["dir"] / "summary.json").read_text())["profiles"][finished["profile"]]["rules"]
    assert rules[RUNS[finished["profile"]][2]]["outcome"] == "failed"
    assert (finished["dir"] / "html" / "index.html").is_file()


def test_no_canary_in_any_report_file_zip_member_or_output(finished: dict[str, Any]) -> None:
    secrets = finished["secrets"]
    assert set(SECRETS) <= set(secrets) and len(secrets) >= 5
    files = [p for p in finished["dir"].rglob("*") if p.is_file()]
    kinds = {p.name for p in files} | {p.parent.name for p in files}
    assert {"index.html", "junit.xml", "summary.json", "failures.json", "allure-results", "b.zip"} <= kinds
    found = [hit for p in files for hit in leaks(str(p.relative_to(finished["dir"])), p.read_bytes(), secrets)]
    with zipfile.ZipFile(finished["dir"] / "b.zip") as archive:
        members = archive.namelist()
        found += [hit for m in members for hit in leaks(f"zip:{m}", archive.read(m), secrets)]
    for step in ("run", "report", "bundle"):
        output = (finished[step].stdout + finished[step].stderr).encode()
        found += leaks(step, output, secrets)
    assert not found, found
    assert {"README.txt", "summary.json", "report.html"} <= set(members)


def test_the_decoder_would_see_a_canary_in_the_html_report(finished: dict[str, Any]) -> None:
    """The HTML report embeds its attachments as base64: what they hold is visible only decoded (so the scan
    above is not vacuous for it), and a placeholder is what it shows."""
    html = (finished["dir"] / "html" / "index.html").read_bytes()
    assert b"${LMSCONF_" not in html
    assert any(b"${LMSCONF_" in text for text in decoded(html)[1:])


def test_the_bundle_holds_what_the_support_desk_asks_for(finished: dict[str, Any]) -> None:
    name = finished["profile"]
    with zipfile.ZipFile(finished["dir"] / "b.zip") as archive:
        failures = json.loads(archive.read(f"{name}/failures.json"))
        text = archive.read(f"{name}/failures.txt").decode()
        readme = archive.read("README.txt").decode()
    assert failures["account"] == {"setting": RUNS[name][3], "value": finished["account"]}
    assert finished["account"] in readme and finished["account"] in text
    tests = failures["failing_tests"]
    assert tests and all(RUNS[name][2] in t["rules"] for t in tests)
    assert any(c["rule"] == RUNS[name][2] and c["result"] == "failed" for t in tests for c in t["checks"])
    exchanges = [ex for t in tests for ex in t["exchanges"]]
    assert exchanges
    for ex in exchanges:
        assert ex["request"]["url"].startswith(("http://", "https://"))
        assert isinstance(ex["response"]["status"], int)
        assert ex["curl"].startswith("curl ") and ex["request"]["url"] in ex["curl"]
        assert ex["response"]["body"] is not None
        assert all(line in text for line in ex["response"]["body"].splitlines()[:3])   # indented in the text
    credentialed = [ex["curl"] for ex in exchanges if "Authorization" in ex["curl"] or "x-api-key" in ex["curl"]]
    assert credentialed and all("${LMSCONF_" in curl for curl in credentialed)
    assert RUNS[name][2] in readme and "failures.txt" in readme


def test_a_failing_request_can_be_reproduced(finished: dict[str, Any]) -> None:
    """A profile whose client asks its own token shows that request (placeholders for the credentials); iHASCO's
    token is the LMSCONF_TOKEN setting itself, so exported, the bundle's curl line gets the same answer again."""
    with zipfile.ZipFile(finished["dir"] / "b.zip") as archive:
        failures = json.loads(archive.read(f"{finished['profile']}/failures.json"))
    token_request = failures["authentication"]
    if finished["profile"] == "ihasco":   # the token is issued in the LMS, never asked over the API
        assert token_request is None
        assert finished["replay"].stdout.strip() == "400", finished["replay"].stderr
    else:
        assert token_request["purpose"] == "authenticate"
        assert "${LMSCONF_" in token_request["curl"] and "${LMSCONF_TOKEN}" not in token_request["curl"]


def test_no_results_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = lmsconf("bundle", "--report-dir", str(tmp_path / "nothing"))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "lmsconf run" in done.stderr and not list(tmp_path.rglob("*.zip"))


def _clean_run(root: Path) -> None:
    """A run of one profile in which every rule passed, without Allure results (no HTML report can be built)."""
    part = {"target": "http://127.0.0.1:9", "rules": {"auth.token-issued": {"outcome": "passed", "reason": "held"}},
            "requests": 3}
    (root / "qses").mkdir(parents=True)
    (root / "summary.json").write_text(json.dumps({"profiles": {"qses": part}, "exit_code": 0}))
    (root / "qses" / "failures.json").write_text(json.dumps(
        {"profile": "qses", "target": part["target"], "account": {"setting": "LMSCONF_USERNAME", "value": "ops"},
         "authentication": None, "failing_tests": []}))


def test_a_run_without_failures_gives_a_bundle_saying_so(tmp_path: Path) -> None:
    _clean_run(tmp_path)
    done = lmsconf("bundle", "--report-dir", str(tmp_path), env={"LMSCONF_PASSWORD": SECRETS["LMSCONF_PASSWORD"]})
    assert done.returncode == 0, done.stderr
    zips = list(tmp_path.glob("lmsconf-bundle-*.zip"))
    assert len(zips) == 1
    with zipfile.ZipFile(zips[0]) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "summary.json"]
        readme = archive.read("README.txt").decode()
    assert "no test failed" in readme and "report.html is not included" in readme
    assert "ops (LMSCONF_USERNAME)" in readme and "LMSCONF_PASSWORD" in readme
    assert "report.html is not included" in done.stderr


@pytest.mark.parametrize("where", ["plain", "base64"])
def test_a_bundle_holding_a_secret_is_refused(tmp_path: Path, where: str) -> None:
    _clean_run(tmp_path)
    secret = SECRETS["LMSCONF_CLIENT_SECRET"]
    html = tmp_path / "html" / "index.html"
    html.parent.mkdir()
    embedded = base64.b64encode(json.dumps({"body": secret}).encode()).decode()
    html.write_text(f'<script>d("data/a.json","{embedded}")</script>' if where == "base64" else f"<p>{secret}</p>")
    done = lmsconf("bundle", "--report-dir", str(tmp_path), env={"LMSCONF_CLIENT_SECRET": secret})
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "report.html" in done.stderr and "LMSCONF_CLIENT_SECRET" in done.stderr
    assert secret not in done.stdout + done.stderr
    assert not list(tmp_path.rglob("*.zip")) and not list(tmp_path.rglob("*.part"))


def test_secret_settings_are_the_secrets_not_the_identifiers() -> None:
    env = {**SECRETS, **IDENTIFIERS, "LMSCONF_SECOND_TOKEN": "tok-second-0001", "LMSCONF_TOKEN_URL": "https://x/t",
           "LMSCONF_STUDENT_PASSWORD": "pw-student-01", "LMSCONF_CA_BUNDLE": "/etc/ca.pem", "HOME": "/root"}
    assert set(secret_settings(env)) == {*SECRETS, "LMSCONF_SECOND_TOKEN", "LMSCONF_STUDENT_PASSWORD"}


def test_a_session_that_died_leaves_its_failing_tests_readable(tmp_path: Path) -> None:
    """Each failing test is spooled as it ends: without the session's end, the bundle still reads them."""
    from conformance.http.record import Exchange
    from conformance.reporting import failures

    log = failures.FailureLog(tmp_path, "qses")
    sent = [Exchange("GET", f"http://127.0.0.1:9/items/{n}", status=500, response_body="{}", seq=n) for n in range(40)]
    log.add("suites/test_x.py::test_y", ["status.unknown-id-is-404"], [("status.unknown-id-is-404", "failed", "500")],
            ("violation", "500"), sent, None, str)
    found = failures.read(tmp_path / "qses")
    assert found is not None and found["unfinished"]
    [test] = found["failing_tests"]
    assert test["exchanges_total"] == 40
    assert [ex["seq"] for ex in test["exchanges"]] == [0, 1, 2, *range(28, 40)]   # the first 3, the last 12
    log.finish("http://127.0.0.1:9", "LMSCONF_USERNAME", "ops")
    done = failures.read(tmp_path / "qses")
    assert done is not None and "unfinished" not in done and len(done["failing_tests"]) == 1
    assert done["account"] == {"setting": "LMSCONF_USERNAME", "value": "ops"}
    assert not (tmp_path / "qses" / failures.SPOOL).exists()

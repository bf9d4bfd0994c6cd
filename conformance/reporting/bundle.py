"""`lmsconf bundle`: one zip with what a vendor's support desk asks for, and never a secret.

Seed 000 ("Support"): the account name or client id (never the token), each request sent and the URL it went
to, the status code and the response data received. The zip holds README.txt (what is inside, the run, how to
reproduce a request), the run's summary.json, the single-file HTML report (DIR/html/index.html, built first
when it is missing or older than the run), and for each profile its failing tests' requests
(``<profile>/failures.json`` and ``<profile>/failures.txt``, from the plugin's DIR/<profile>/failures.json).

Before anything is written every member is searched for the values of the secret LMSCONF_* settings of the
environment (conformance.http.redact.secret_settings; also inside the report's base64 data): one found, the
bundle is refused (exit 2) with one line naming the member and the setting, never the value.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.errors import ConfigError
from conformance.http.redact import secret_settings
from conformance.reporting import failures as failure_log
from conformance.reporting.scan import secret_in

REPORT_MEMBER = "report.html"
OUTCOME_ORDER = ("failed", "error", "not-checked", "passed")


@dataclass
class Contents:
    """What goes into the zip, in order; ``notes`` are said in README.txt (and on stderr)."""

    members: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _summary(root: Path) -> tuple[dict[str, Any], bytes]:
    path = root / "summary.json"
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except (OSError, ValueError):
        raise ConfigError(f"no results in {path}: run `lmsconf run --report-dir {root}` first") from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ConfigError(f"{path} is not a run's summary (no \"profiles\"): run `lmsconf run` again")
    return data, raw


def stamp(root: Path) -> str:
    """The run's time (when DIR/summary.json was written), UTC, for the bundle's name."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime((root / "summary.json").stat().st_mtime))


def _report(root: Path, contents: Contents) -> None:
    """The single-file HTML report; built first when missing or older than the run, left out (and said so)
    when it cannot be built."""
    index = root / "html" / "index.html"
    if not index.is_file() or index.stat().st_mtime < (root / "summary.json").stat().st_mtime:
        from conformance.reporting.html import build

        try:
            build(root)
        except ConfigError as exc:
            contents.notes.append(f"{REPORT_MEMBER} is not included: the HTML report could not be built "
                                  f"({exc.reason})")
            return
    contents.members[REPORT_MEMBER] = index.read_bytes()


def _profile(root: Path, name: str, contents: Contents) -> dict[str, Any] | None:
    found = failure_log.read(root / name)
    if found is None:
        contents.notes.append(f"{name}: no record of failing requests ({root / name / failure_log.FILE} is "
                              "missing: a session that never started, or a run of an older version)")
        return None
    if found.get("failing_tests"):
        contents.members[f"{name}/failures.txt"] = failure_log.as_text(found).encode("utf-8")
        contents.members[f"{name}/failures.json"] = (json.dumps(found, indent=2) + "\n").encode("utf-8")
    return found


def _profile_lines(name: str, part: Mapping[str, Any], found: Mapping[str, Any] | None) -> list[str]:
    rules: dict[str, dict[str, Any]] = part.get("rules", {})
    counts = ", ".join(f"{n} {o}" for o in OUTCOME_ORDER if (n := sum(r.get("outcome") == o for r in rules.values())))
    account = (found or {}).get("account") or {}
    lines = [f"{name}", f"  target:  {part.get('target') or 'unknown'}",
             f"  account: {account['value']} ({account['setting']})" if account else "  account: not known",
             f"  rules:   {counts or 'none ran'}; requests {part.get('requests', 0)}"]
    if part.get("error"):
        lines.append(f"  the run stopped: {part['error']}")
    for rid, result in rules.items():
        if result.get("outcome") in ("failed", "error"):
            lines.append(f"  {result['outcome']:<7}{rid}: {result.get('reason', '')}")
    tests = len((found or {}).get("failing_tests", []))
    if tests:
        lines.append(f"  failing tests: {tests}, their requests in {name}/failures.txt and {name}/failures.json")
    elif found is not None:
        lines.append("  no test failed: there are no failing requests to show")
    return [*lines, ""]


README_HEAD = """lms-conformance support bundle

Made by `lmsconf bundle` from the report directory of one `lmsconf run`, to attach to a support ticket.
The vendor's support desk asks for the account name or client id (never the access token), each request
that was sent and the URL it went to, the status code and the response data received: for every failing
test, its requests are in <profile>/failures.txt (and the same as JSON in <profile>/failures.json).
"""

README_SECRETS = """No secret is in this bundle: tokens, API keys, passwords, private keys and client secrets appear
only as ${{LMSCONF_*}} placeholders (a header the client could not name shows [redacted]). {checked}

To reproduce a request: export the LMSCONF_* settings its curl line names, then run the line. Where the
client obtained its token with a request of its own, <profile>/failures.txt shows that request first: ask a
token the same way and export it as LMSCONF_TOKEN.
"""


def _what(member: str) -> str:
    if member.endswith("/failures.txt"):
        return ("each failing test: its rules, what its checks found, its requests (URL, headers, body), the status "
                "code and response data received, a curl line")
    return {"README.txt": "this file", "summary.json": "every applicable rule of every profile with its outcome "
            "and reason (the run's summary.json)", REPORT_MEMBER: "the HTML report, one self-contained file (open "
            "it in a browser)"}.get(member, "the same as JSON")


def readme(summary: Mapping[str, Any], run: str, contents: Contents, profiles: Mapping[str, Any],
           secrets: Mapping[str, str]) -> str:
    parts: dict[str, Any] = summary.get("profiles", {})
    lines = [README_HEAD, f"Run:       {run} (when its summary.json was written)",
             f"Exit code: {summary.get('exit_code')}", f"Profiles:  {', '.join(parts) or 'none'}", ""]
    for name, part in parts.items():
        lines += _profile_lines(name, part, profiles.get(name))
    inside = ["README.txt", *contents.members]
    lines += ["What is inside:", *(f"  {member}\n" + textwrap.fill(_what(member), 110, initial_indent=" " * 6,
                                                                     subsequent_indent=" " * 6) for member in inside)]
    lines.append("")
    if contents.notes:
        lines += [*contents.notes, ""]
    checked = (f"Before it was written, every file was searched for the values of the secret settings of the "
               f"environment it was made in ({', '.join(sorted(secrets))}), also inside the report's embedded data."
               if secrets else "No secret LMSCONF_* setting was set where it was made, so no file could be searched "
               "for one: the redaction of the run vouches for it alone.")
    closing = README_SECRETS.format(checked=checked)
    lines += [textwrap.fill(" ".join(par.split()), 110) + "\n" for par in closing.split("\n\n")]
    return "\n".join(lines)


def _refuse_secrets(contents: Contents, secrets: Mapping[str, str]) -> None:
    for member, data in contents.members.items():
        name = secret_in(data, secrets)
        if name is not None:
            raise ConfigError(f"bundle refused: {member} holds the value of {name}; nothing was written")


def _write(path: Path, contents: Contents) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member, data in contents.members.items():
                archive.writestr(member, data)
        tmp.replace(path)
    except OSError as exc:
        raise ConfigError(f"-o {path}: cannot write the bundle: {exc.strerror or exc}") from None


def build(report_dir: str | Path, output: str | Path | None = None,
          env: Mapping[str, str] | None = None) -> Path:
    """Write the support bundle of the run in `report_dir`; ConfigError (exit 2) when there is no run there,
    when a member holds a secret of `env` (default: the process's environment), or when it cannot be written."""
    root = Path(report_dir)
    summary, raw = _summary(root)
    run = stamp(root)
    path = Path(output) if output else root / f"lmsconf-bundle-{run}.zip"
    secrets = secret_settings(os.environ if env is None else env)
    contents = Contents()
    contents.members["summary.json"] = raw
    _report(root, contents)
    profiles = {name: _profile(root, name, contents) for name in summary["profiles"]}
    text = readme(summary, run, contents, profiles, secrets)
    contents.members = {"README.txt": text.encode("utf-8"), **contents.members}
    _refuse_secrets(contents, secrets)
    _write(path, contents)
    for note in contents.notes:
        print(f"lmsconf: note: {note}", file=sys.stderr)
    print(f"lmsconf: bundle written to {path}")
    return path

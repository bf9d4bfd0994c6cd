"""``DIR/<profile>/failures.json``: what a vendor's support desk asks for, for every test that failed.

Seed 000 ("Support"): the account name or client id (never the token), each request that was sent and the URL
it went to, the status code and the response data received. The plugin hands each failing test's exchanges
(already redacted) to a :class:`FailureLog`; each becomes one line of ``failures.jsonl`` as the test ends (so a
session that dies keeps what it had), and the session's end streams those lines into ``failures.json``:

    {"profile": id, "target": url, "account": {"setting": "LMSCONF_CLIENT_ID", "value": "..."} | null,
     "authentication": the session's own token request (an exchange document) | null,
     "failing_tests": [{"test": node id, "rules": [ids], "checks": [{"rule", "result", "detail"}],
                        "problem": {"kind", "reason"} | null, "exchanges_total": n,
                        "exchanges": [exchange documents, each with its curl line]}]}

``lmsconf bundle`` reads it (conformance/reporting/bundle.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.reporting.allure import exchange_document

FILE = "failures.json"
SPOOL = "failures.jsonl"
HEAD, TAIL = 3, 12   # exchanges kept of a failing test: its first few and its last ones (those its checks judged)
ACCOUNT_SETTINGS = ("LMSCONF_CLIENT_ID", "LMSCONF_USERNAME")   # identifiers, never secrets (redact.SECRET_NAMES)

Redact = Callable[[str], str]


def account_setting(auth: Mapping[str, Any]) -> str | None:
    """The setting that names the account for a support desk: the profile's ``[auth] account`` (iHASCO's
    account name), else the client id, else the user name among the credentials it needs."""
    named = auth.get("account")
    if named:
        return str(named)
    needed = [str(n) for n in auth.get("credentials", [])]
    return next((name for name in ACCOUNT_SETTINGS if name in needed), None)


def kept(exchanges: Sequence[Any]) -> list[Any]:
    """The first HEAD and the last TAIL exchanges of a test (all of them when there are no more)."""
    shown = list(exchanges)
    return shown if len(shown) <= HEAD + TAIL else shown[:HEAD] + shown[-TAIL:]


class FailureLog:
    """Failing tests of one profile's session, spooled to ``DIR/<profile>/failures.jsonl`` as they end."""

    def __init__(self, report_dir: Path, profile: str) -> None:
        self.folder = report_dir / profile
        self.profile = profile
        self.count = 0
        for name in (FILE, SPOOL):   # a new session: nothing of an earlier one is left to be mistaken for its own
            (self.folder / name).unlink(missing_ok=True)

    def add(self, test: str, rules: Sequence[str], checks: Sequence[tuple[str, str, str]],
            problem: tuple[str, str] | None, exchanges: Sequence[Any], account: str | None, redact: Redact) -> None:
        """One failing test: its rule ids, its checks that did not hold (rule, result, detail), why it ended,
        and its exchanges (already redacted; details are redacted here)."""
        record = {
            "test": test,
            "rules": list(rules),
            "checks": [{"rule": rule, "result": result, "detail": redact(detail)} for rule, result, detail in checks],
            "problem": {"kind": problem[0], "reason": redact(problem[1])} if problem else None,
            "exchanges_total": len(exchanges),
            "exchanges": [exchange_document(ex, account) for ex in kept(exchanges)],
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / SPOOL).open("a", encoding="utf-8") as spool:
            spool.write(json.dumps(record) + "\n")
        self.count += 1

    def finish(self, target: str, setting: str | None, account: str | None, authentication: Any = None) -> Path:
        """Write ``failures.json`` (streaming the spooled lines into it) and remove the spool. `authentication`
        is the session's own token request (an Exchange, already redacted), shown so a token can be asked the
        same way to reproduce the failing requests."""
        self.folder.mkdir(parents=True, exist_ok=True)
        head = {"profile": self.profile, "target": target,
                "account": {"setting": setting, "value": account} if setting and account else None,
                "authentication": exchange_document(authentication, account) if authentication else None}
        path, spool = self.folder / FILE, self.folder / SPOOL
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write(json.dumps(head)[:-1] + ', "failing_tests": [')
            if spool.is_file():
                with spool.open(encoding="utf-8") as lines:
                    for n, line in enumerate(line for line in lines if line.strip()):
                        out.write((",\n" if n else "\n") + line.rstrip("\n"))
            out.write("\n]}\n")
        tmp.replace(path)
        spool.unlink(missing_ok=True)
        return path


def read(folder: Path) -> dict[str, Any] | None:
    """A profile's failures: ``failures.json``, else what a session that did not finish spooled; None when
    neither is there (a run from before this file existed, or a session that never started)."""
    try:
        data: dict[str, Any] = json.loads((folder / FILE).read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        pass
    try:
        lines = (folder / SPOOL).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    tests = []
    for line in lines:
        try:
            tests.append(json.loads(line))
        except ValueError:
            continue   # a line cut short when the session died
    return {"profile": folder.name, "target": "", "account": None, "failing_tests": tests, "unfinished": True}


def _block(title: str, text: str | None) -> list[str]:
    if text is None or text == "":
        return [f"{title}: (none)"]
    return [f"{title}:", *("    " + line for line in text.splitlines())]


def _headers(headers: Mapping[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def exchange_text(doc: Mapping[str, Any]) -> list[str]:
    """One exchange document as a support desk reads it: URL, status code, response data, a curl line."""
    request, response = doc.get("request", {}), doc.get("response", {})
    status = response.get("status")
    answered = f"{status} {response.get('reason', '')}".strip() if status is not None else "no answer"
    return [
        f"--- #{doc.get('seq')} {request.get('method')} {request.get('url')}  ->  {answered}"
        f"  ({doc.get('purpose', 'request')})",
        *_block("request headers", _headers(request.get("headers", {}))),
        *_block("request body", request.get("body")),
        *_block("response headers", _headers(response.get("headers", {}))),
        *_block("response body", response.get("body")),
        "reproduce (after exporting the LMSCONF_* settings it names):",
        "    " + str(doc.get("curl", "")),
        "",
    ]


def failing_test_text(test: Mapping[str, Any]) -> list[str]:
    """One failing test: its rules, what its checks found, and its requests."""
    lines = [f"=== {test.get('test')}", f"rules: {', '.join(test.get('rules', []))}"]
    for check in test.get("checks", []):
        lines.append(f"{check.get('result')}: [{check.get('rule')}] {check.get('detail')}")
    problem = test.get("problem")
    if problem and not test.get("checks"):
        lines.append(f"{problem.get('kind')}: {problem.get('reason')}")
    exchanges = test.get("exchanges", [])
    total = test.get("exchanges_total", len(exchanges))
    more = f" (the first {HEAD} and the last {TAIL} shown)" if total > len(exchanges) else ""
    lines += [f"requests: {total}{more}", ""]
    for doc in exchanges:
        lines += exchange_text(doc)
    return lines


def as_text(failures: Mapping[str, Any]) -> str:
    """``failures.json`` of one profile as plain text."""
    account = failures.get("account") or {}
    lines = [f"profile: {failures.get('profile')}", f"target: {failures.get('target') or 'unknown'}",
             f"account: {account.get('value')} ({account.get('setting')})" if account else "account: not known",
             f"failing tests: {len(failures.get('failing_tests', []))}", ""]
    if failures.get("unfinished"):
        lines[-1:] = ["(the session did not finish: these are the failing tests it had recorded)", ""]
    if failures.get("authentication"):
        lines += ["How the client obtained its token (ask one the same way, then export it as LMSCONF_TOKEN):", "",
                  *exchange_text(failures["authentication"])]
    for test in failures.get("failing_tests", []):
        lines += failing_test_text(test)
    return "\n".join(lines) + "\n"

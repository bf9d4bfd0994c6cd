"""Waivers: the known deviations of a target (``lmsconf run --waivers FILE``), like the OpenID Foundation
conformance suite's expected-failures file.

A waiver file is TOML, validated against ``schemas/meta/waivers.schema.json``::

    [[waiver]]
    rule = "ratelimit.*"            # a rule id or an fnmatch pattern over the profile's rule ids
    profile = "absorb-v1_5"
    host = "*.sandbox.myabsorb.com"  # fnmatch over the target's host; optional, default "*"
    reason = "the sandbox has no rate limit"
    ticket = "ABS-1234"
    expires = 2026-06-30             # the last day it waives

A rule that failed and is matched by a live waiver (its profile, the target's host, not expired) comes out
"waived". Each waiver of a profile that ran ends in one state: ``used`` (it waived a failure), ``stale`` (every
rule it matches ran and passed: the vendor fixed it, the run fails), ``expired`` (past its date: it waives
nothing) or ``unused`` (its rules were not all checked, its host did not match, or its profile did not run).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema

from conformance.errors import ConfigError
from conformance.paths import SCHEMAS
from conformance.reporting.summary import FAILED, PASSED, ProfileSummary

SCHEMA = SCHEMAS / "meta" / "waivers.schema.json"
EMBEDDED_HOST = "embedded"   # what a waiver's host pattern is matched against for the embedded simulator
STATES = ("waived", "stale", "expired", "unused")


@dataclass(frozen=True)
class Waiver:
    number: int      # its position in the file, counted from 1
    rule: str
    profile: str
    host: str
    reason: str
    ticket: str
    expires: date

    @property
    def label(self) -> str:
        return f"waiver #{self.number} ({self.rule} on {self.profile}, {self.ticket})"

    def live(self, today: date) -> bool:
        return today <= self.expires

    def matches_rule(self, rule_id: str) -> bool:
        return fnmatchcase(rule_id, self.rule)

    def matches_host(self, host: str) -> bool:
        return fnmatchcase(host.lower(), self.host.lower())

    def as_dict(self, why: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"waiver": self.number, "rule": self.rule, "profile": self.profile,
                                "host": self.host, "ticket": self.ticket, "reason": self.reason,
                                "expires": self.expires.isoformat()}
        if why:
            data["why"] = why
        return data


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker(["date"]))


def _where(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    if len(path) >= 2 and path[0] == "waiver" and isinstance(path[1], int):
        key = f" key {'.'.join(str(p) for p in path[2:])}" if len(path) > 2 else ""
        return f"waiver #{path[1] + 1}{key}"
    return ".".join(str(p) for p in path) or "(top level)"


def _plain(raw: dict[str, Any]) -> dict[str, Any]:
    """TOML dates as ISO strings (what the schema checks), anything else as it is."""
    waivers = raw.get("waiver")
    if isinstance(waivers, list):
        for entry in waivers:
            if isinstance(entry, dict) and isinstance(entry.get("expires"), date):
                entry["expires"] = entry["expires"].isoformat()   # a datetime keeps its time: refused
    return raw


def load(path: str | Path) -> list[Waiver]:
    """Parse and validate a waiver file; ConfigError (exit 2) names the file and the waiver's number."""
    try:
        raw = _plain(tomllib.loads(Path(path).read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--waivers {path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"--waivers {path}: cannot read: {exc.strerror}") from None
    errors = sorted(_validator().iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise ConfigError(f"--waivers {path}: {_where(errors[0])}: {errors[0].message}")
    return [Waiver(number=n, rule=w["rule"], profile=w["profile"], host=w.get("host", "*"),
                   reason=" ".join(w["reason"].split()), ticket=w["ticket"].strip(),
                   expires=date.fromisoformat(w["expires"]))
            for n, w in enumerate(raw.get("waiver", []), start=1)]


def check_known(waivers: Sequence[Waiver], path: str | Path, rules_of: Mapping[str, Sequence[str]]) -> None:
    """Every waiver names a known profile (``rules_of``: profile id -> the rule ids it applies) and matches at
    least one of its rules; else ConfigError (exit 2): a typo would otherwise waive nothing, silently."""
    for waiver in waivers:
        if waiver.profile not in rules_of:
            raise ConfigError(f"--waivers {path}: waiver #{waiver.number}: unknown profile {waiver.profile!r} "
                              f"(known: {', '.join(sorted(rules_of))})")
        if not any(waiver.matches_rule(rid) for rid in rules_of[waiver.profile]):
            from conformance.rules import REGISTRY

            what = "matches no rule id" if not any(waiver.matches_rule(r) for r in REGISTRY) else \
                "matches no rule applied by profile " + waiver.profile
            raise ConfigError(f"--waivers {path}: waiver #{waiver.number}: rule {waiver.rule!r} {what}")


def rules_by_profile(extra: Iterable[Any] = ()) -> dict[str, tuple[str, ...]]:
    """Rule ids of every shipped profile, plus those of ``extra`` profiles (loaded from a file)."""
    from conformance import profiles

    found = {p.id: p.rules for p in (profiles.load(name) for name in profiles.available())}
    found.update({p.id: p.rules for p in extra})
    return found


def host_of(base_url: str | None) -> str:
    """The host a waiver's pattern is matched against: the URL's host name, or EMBEDDED_HOST with no URL."""
    if not base_url:
        return EMBEDDED_HOST
    return (urlsplit(base_url).hostname or "").lower()


def waiver_for(waivers: Sequence[Waiver], profile: str, host: str, rule_id: str, today: date) -> Waiver | None:
    """The first live waiver in the file that waives ``rule_id`` of ``profile`` on ``host``."""
    return next((w for w in waivers if w.profile == profile and w.live(today) and w.matches_host(host)
                 and w.matches_rule(rule_id)), None)


def _state(waiver: Waiver, host: str, outcomes: Mapping[str, str], today: date) -> tuple[str, str | None]:
    """One waiver of the session's profile: its state and why (for the states that need a word)."""
    matched = [rid for rid in outcomes if waiver.matches_rule(rid)]
    if not waiver.live(today):
        failing = [rid for rid in matched if outcomes[rid] == FAILED]
        also = f"; failing: {', '.join(failing)}" if failing else ""
        return "expired", f"expired on {waiver.expires.isoformat()}: it waives nothing{also}"
    if not waiver.matches_host(host):
        return "unused", f"the target's host {host} does not match {waiver.host}"
    if any(outcomes[rid] == FAILED for rid in matched):
        return "used", None
    if matched and all(outcomes[rid] == PASSED for rid in matched):
        return "stale", f"every rule it matches ran and passed ({', '.join(matched)}): remove it"
    left = [rid for rid in matched if outcomes[rid] != PASSED]
    return "unused", f"not every rule it matches was checked ({', '.join(left)}), so nothing proves it fixed"


def apply(summary: ProfileSummary, waivers: Sequence[Waiver], host: str, today: date) -> dict[str, list[Any]]:
    """Mark each failed rule a live waiver matches as waived; what became of each of the profile's waivers."""
    report: dict[str, list[Any]] = {state: [] for state in STATES}
    for rid, tally in sorted(summary.rules.items()):
        if tally.outcome != FAILED:
            continue
        waiver = waiver_for(waivers, summary.profile, host, rid, today)
        if waiver is not None:
            tally.waive(waiver.number, waiver.ticket, waiver.reason)
            report["waived"].append(f"{summary.profile}:{rid}")
    outcomes = {rid: FAILED if tally.waiver else tally.outcome for rid, tally in summary.rules.items()}
    for waiver in (w for w in waivers if w.profile == summary.profile):
        state, why = _state(waiver, host, outcomes, today)
        if state != "used":
            report[state].append(waiver.as_dict(why))
    return report


def not_run(waivers: Sequence[Waiver], ran: Iterable[str], today: date,
            chosen: Iterable[str] = ()) -> dict[str, list[Any]]:
    """The waivers of profiles that did not run (or, ``chosen``, whose session wrote no summary): expired, or
    unused."""
    report: dict[str, list[Any]] = {state: [] for state in STATES}
    done, asked = set(ran), set(chosen)
    for waiver in (w for w in waivers if w.profile not in done):
        if waiver.live(today):
            why = "its session wrote no summary" if waiver.profile in asked else "it was not in this run"
            report["unused"].append(waiver.as_dict(f"profile {waiver.profile}: {why}"))
        else:
            report["expired"].append(waiver.as_dict(f"expired on {waiver.expires.isoformat()}: it waives nothing"))
    return report


def lines(report: Mapping[str, list[Any]]) -> list[str]:
    """One line for each stale or expired waiver (what a user must act on)."""
    out = [f"stale waiver #{w['waiver']} ({w['rule']} on {w['profile']}, {w['ticket']}): {w['why']}"
           for w in report.get("stale", [])]
    out += [f"warning: waiver #{w['waiver']} ({w['rule']} on {w['profile']}, {w['ticket']}) {w['why']}"
            for w in report.get("expired", [])]
    return out

"""The pytest side of ``--waivers`` for one profile's session (conformance.waivers holds the file and the
matching): a test that failed only on violations live waivers expect ends xfailed, and at the end every failed
rule a live waiver names comes out "waived" and every waiver of the profile is judged (a stale one fails the
session)."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import date
from typing import Any

import pytest

from conformance import waivers
from conformance.profiles import Profile
from conformance.reporting import outcomes
from conformance.reporting.summary import ProfileSummary
from conformance.rules import CHECKS
from conformance.rules.registry import VIOLATED


def load(path: str, profile: Profile) -> list[waivers.Waiver]:
    """The waivers of ``path``, each naming a known profile and matching one of its rules (else ConfigError)."""
    found = waivers.load(path)
    waivers.check_known(found, path, waivers.rules_by_profile([profile]))
    return found


class WaiverGate:
    """Registered as a pytest plugin by conformance.plugin when --waivers is given."""

    def __init__(self, found: Sequence[waivers.Waiver], profile: Profile, host: str, today: date,
                 keys: tuple[pytest.StashKey[int], pytest.StashKey[outcomes.Problem], pytest.StashKey[str]]) -> None:
        self.waivers = list(found)
        self.profile = profile
        self.host = host
        self.today = today
        self.mark, self.problem, self.outcome = keys   # the plugin's stash keys for a test's checks and fate

    def _expected(self, rule_ids: set[str]) -> list[waivers.Waiver] | None:
        """The live waivers that name every one of ``rule_ids``; None when one of them is not waived."""
        found = [waivers.waiver_for(self.waivers, self.profile.id, self.host, rid, self.today)
                 for rid in sorted(rule_ids)]
        return [w for w in found if w is not None] if found and None not in found else None

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, Any]:
        """Innermost, so pytest's own report, its JUnit case and allure-pytest all see the test xfailed."""
        report = yield
        if not (report.failed and report.when == "call" and call.excinfo is not None):
            return report
        problem = outcomes.classify(call.excinfo.value)
        violated = {c.rule_id for c in CHECKS.since(item.stash.get(self.mark, 0)) if c.result == VIOLATED}
        expected = self._expected(set(problem.rule_ids) | violated) if problem.kind == "violation" else None
        if expected is None:
            return report
        item.stash[self.problem] = problem       # the rules are still credited with their violations
        item.stash[self.outcome] = "failed"      # and the test's exchanges attached as for a failure
        report.outcome = "skipped"
        report.wasxfail = "waived by " + ", ".join(sorted({w.ticket for w in expected}))
        return report

    def judge(self, session: pytest.Session, summary: ProfileSummary) -> None:
        """Waive the failures live waivers expect; name each stale or expired waiver; a stale one fails the
        session (exit status 1)."""
        report = summary.waivers = waivers.apply(summary, self.waivers, self.host, self.today)
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for line in waivers.lines(report):
            if reporter is not None:
                reporter.write_line(f"lmsconf: {line}", yellow=True)
        if report["stale"] and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

"""One JUnit test case per applicable rule, added to the JUnit file pytest wrote for the tests.

CI systems read JUnit: beside the tests, each rule appears as ``<profile>.<area>`` / ``<rule id>``
with its own outcome: a failure for a violation, an error for a tool error, skipped (with the
reason) for a rule that was not checked, and skipped with ``type="waived"`` (the ticket, the waiver's reason and
the violation in its message, the ticket also as a ``waiver`` property) for a failure a waiver expects.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.reporting.summary import ERROR, FAILED, NOT_CHECKED, WAIVED, ProfileSummary

_ELEMENT = {FAILED: "failure", ERROR: "error", NOT_CHECKED: "skipped", WAIVED: "skipped"}


def rule_suite(summary: ProfileSummary) -> ET.Element:
    tallies = sorted(summary.rules.items())
    counts = {outcome: sum(1 for _, t in tallies if t.outcome == outcome) for outcome in _ELEMENT}
    suite = ET.Element("testsuite", {
        "name": f"{summary.profile} rules", "tests": str(len(tallies)), "failures": str(counts[FAILED]),
        "errors": str(counts[ERROR]), "skipped": str(counts[NOT_CHECKED] + counts[WAIVED]), "time": "0",
    })
    for rule_id, tally in tallies:
        case = ET.SubElement(suite, "testcase", {
            "classname": f"{summary.profile}.{rule_id.split('.', 1)[0]}", "name": rule_id, "time": "0"})
        if tally.outcome == WAIVED and tally.waiver:
            properties = ET.SubElement(case, "properties")
            ET.SubElement(properties, "property", {"name": "waiver", "value": str(tally.waiver["ticket"])})
        element = _ELEMENT.get(tally.outcome)
        if element is not None:
            ET.SubElement(case, element, {"message": tally.reason, "type": tally.outcome}).text = tally.reason
    return suite


def add_rule_suite(path: Path, summary: ProfileSummary) -> None:
    """Append the rule suite to an existing JUnit file (``<testsuites>`` or a lone ``<testsuite>``)."""
    tree = ET.parse(path)
    root = tree.getroot()
    if root.tag != "testsuites":
        wrapper = ET.Element("testsuites")
        wrapper.append(root)
        root = wrapper
        tree = ET.ElementTree(root)
    for old in [s for s in root.findall("testsuite") if s.get("name") == f"{summary.profile} rules"]:
        root.remove(old)
    root.append(rule_suite(summary))
    tree.write(path, encoding="utf-8", xml_declaration=True)

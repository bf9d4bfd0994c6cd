"""Repository-level pytest configuration.

The conformance plugin itself is registered through the ``pytest11`` entry point
(conformance/plugin.py), so ``pytest conformance --profile P`` works from any
directory once the package is installed. This file only keeps the project's own
tests and the benchmarks apart from the conformance suites.
"""

from __future__ import annotations

collect_ignore = ["benchmarks", "node_modules", "reports"]

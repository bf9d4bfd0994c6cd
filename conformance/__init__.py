"""lms-conformance: contract-conformance suite for LMS vendor REST APIs."""

from __future__ import annotations

__version__ = "0.1.0"

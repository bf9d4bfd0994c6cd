"""Rules only Absorb has: v1 vs v1.5 (Appendix C), x-api-version, and the users upload."""

from conformance.vendors.absorb.rules import versions, writes

__all__ = ["versions", "writes"]

"""``lmsconf compare A B``: the same read-only requests to two targets (or saved captures), compared field by
field; every difference a vendor's documented table predicts (Absorb: seed 003 Appendix C) is listed as expected
with its row, every other one is flagged. Generic: the predictions come through ``conformance.vendors``."""

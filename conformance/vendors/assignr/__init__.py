"""Assignr API v2 (seed 004_3a3088db9d5a175f.txt): its profile, simulator and faults."""

"""Benchmarks of lms-conformance (results in README.md, "Benchmarks"). Run with `make bench`."""

"""QS Enrolment Solutions CRMS REST API (seed 002_b0b03e2e2867055f.txt)."""

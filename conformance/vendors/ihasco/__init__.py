"""iHASCO (seed 000_c3b83b8f370189ea.txt): its profile, simulator, faults, rules and suites."""

"""Pearson LearningStudio (seed 001_fcef9f3b80b9eaba.txt): its profile, simulator and faults."""

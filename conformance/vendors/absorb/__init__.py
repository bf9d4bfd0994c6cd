"""Absorb LMS Restful API v1 and v1.5 (seed 003_09d5ed03fea4db3d.txt)."""

"""Reliability scenarios shared by scripts/stress.py (full counts) and tests/test_reliability_*.py (smaller)."""

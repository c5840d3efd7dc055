"""Benchmarks (run through ``make bench``; see benchmarks/README.md)."""

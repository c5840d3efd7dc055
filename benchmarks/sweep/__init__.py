"""The SLA sweep benchmark (``make bench``; entry point ``benchmarks/sweep_bench.py``)."""

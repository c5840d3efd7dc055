"""Console benchmark (``make bench-console``)."""

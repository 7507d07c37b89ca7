"""Benchmarks: each prints its throughput next to a baseline measured in the same run."""

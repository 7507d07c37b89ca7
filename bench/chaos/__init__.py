"""Fault tests: real processes and a real Redis, broken in the middle of a feed (`make chaos`).

``feed`` writes a deterministic feed and the alerts it must raise, ``harness``
starts and breaks the processes, ``traffic`` plays the source and the field
office, ``scenarios`` puts them together, one function per fault.
"""

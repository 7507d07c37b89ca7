"""The notifier's domain: pure functions over plain values, no I/O.

``custody`` folds custody events into the state of a booking;
``alert_rules`` says which alerts a matched booking calls for.
"""

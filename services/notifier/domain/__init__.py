"""The notifier's domain: pure functions over plain values, no I/O.

``custody`` folds custody events into the state of a booking; ``alert_rules`` says which alerts a matched
booking calls for; ``reviews`` applies people's decisions on possible matches; ``release_schedules`` says
whether a release time still stands; ``schedule`` plans and decides reminders and escalations; ``rosters``
compares a facility's roster with the bookings we hold there; ``feeds`` judges a facility's feed.
"""

"""The web page per field office: its alerts, a countdown to each release, live."""

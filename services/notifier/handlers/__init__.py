"""The notifier's use cases: one processor per stream it consumes, each taking a batch of raw entries.

``custody_events.CustodyEventProcessor`` turns custody events into booking states and alerts and reconciles
the rosters that travel with them; ``detainer_lodged.DetainerLodgeProcessor`` raises alerts for a newly lodged
detainer whose subject is in custody (or left recently); ``alert_reviewed.AlertReviewProcessor`` keeps a
person's decision on a possible match with the booking and, for a confirmation, raises the alerts of a match.
All are idempotent: a batch processed twice (a redelivery after a crash) changes nothing the second time and
raises no second alert. They work through ``ports`` (Protocols), built once by ``notifier.bootstrap``.
"""

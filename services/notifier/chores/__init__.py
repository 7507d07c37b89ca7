"""What every notifier does on a timer, besides consuming the streams (wired in ``notifier.bootstrap``).

``scheduler``: reminders and escalations that are due, and release times that passed; ``feed_health``:
judging every facility's feed and carrying out operators' decisions on held alerts; ``trimming``: bounding
the streams without dropping what a consumer still needs. Removing consumers that are gone
(``store.consumer_groups``) and catching up on detainer changes run on a timer too.
"""

"""Delivering the alert stream to the field offices, one channel per consumer group.

``channel`` is what every channel does alike (read a message, settle outcomes: count, retry after a backoff
in the pending list (``retry_later``), dead-letter); ``webhooks`` and ``emails``/``email_message`` are the
pure parts of each channel (where a message goes, how it is signed or written, what an answer means);
``webhook_delivery`` and ``email_delivery`` post and send, and record each delivery on the alert's timeline
(``store.deliveries``); ``smtp`` is the SMTP client behind a one-method interface; ``office_config`` reads the
offices' channel settings.
"""

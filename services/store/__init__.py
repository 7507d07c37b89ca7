"""Everything releasewatch keeps in Redis, and the only code that reads its records or writes them.

One module per aggregate, each with the Lua scripts it calls beside it (``*.lua``, found through one registry,
``store.scripts``): ``alerts`` (records, listings, stories and holds), ``alert_updates`` (changing an alert by
compare-and-swap), ``deliveries`` (what reached an office by which channel), ``jobs`` (reminders and
escalations), ``bookings`` and ``booking_index``, ``detainers``, ``custody_stream``, ``feeds``,
``roster_reports``, ``dead_letters``, ``audit``, ``consumer_groups``, ``queues``, and what intake keeps under
sharing policies (``policy_holds``, ``policy_counts``).

Keys are named by ``contracts.keys.RedisNames`` and the fields inside them by ``contracts.stored_fields``;
here they are used. Both services build what they need from these classes at start-up; nothing in ingest
or the notifier names a key other than a stream, a field, or a script (``tests/unit/test_stored_layout.py``
holds the line). The store depends on ``contracts`` and ``runtime`` only: records private to a service (a
booking's state, a job) are that service's models, passed in as types.
"""

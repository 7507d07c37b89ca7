"""Getting every stream entry processed: at least once, never silently dropped.

``raw_entries`` lets FastStream hand over every entry raw (one unreadable entry never holds back a batch);
``batch_runner.BatchRunner`` runs a processor over a batch, acknowledges it, retries a failed batch entry by
entry and dead-letters what keeps failing; ``dead_letters.DeadLetterWriter`` moves an entry to the
dead-letter stream with its reason.
"""

"""The live feed: the alert stream as server-sent events, filtered to the caller's office."""

from ingest.live.feed import AlertFeed, FeedMessage, Subscription

__all__ = ["AlertFeed", "FeedMessage", "Subscription"]

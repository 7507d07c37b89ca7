"""`releasewatch ingest FILE`: CSV or NDJSON files of custody events, imported through the batch API."""

from releasewatch.file_import.command import ingest_command

__all__ = ["ingest_command"]

"""`releasewatch ingest FILE` and `releasewatch detainers import FILE`: CSV or NDJSON files of custody events, or
of detainers, imported through the batch API."""

from releasewatch.file_import.command import detainers_import_command, ingest_command

__all__ = ["detainers_import_command", "ingest_command"]

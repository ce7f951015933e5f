"""Backups of the whole portal, and bringing one back into an empty system.

A backup is one tar archive:

- ``manifest.json``: when, from what versions, the rows of every table and the
  media files it holds;
- ``database.dump``: PostgreSQL's own custom-format dump (``pg_dump -Fc
  --no-owner --no-acl``), or ``database.sqlite3`` for the embedded SQLite
  database, copied with SQLite's online backup API;
- ``media/<name>``: every file of the default storage, read through Django's
  storage API, so local folders and object storage are backed up alike.

On PostgreSQL the row counts and the dump come from one exported snapshot
(``pg_export_snapshot`` and ``pg_dump --snapshot``): they describe exactly the
same moment, whatever is written meanwhile. Media files are read after it;
a file written meanwhile may be in the archive without its row.

The identity encryption keys are never in a backup: identities in the dump
stay encrypted, and whoever holds the archive alone cannot read them.
"""

from .create import backup_create
from .restore import Restored, backup_restore, read_manifest
from .system import FORMAT, BackupError, storage_files, table_counts

__all__ = [
    "FORMAT",
    "BackupError",
    "Restored",
    "backup_create",
    "backup_restore",
    "read_manifest",
    "storage_files",
    "table_counts",
]

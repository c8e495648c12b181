"""Backups that restore: the database and the uploaded files in one archive.

`manage.py backup` writes one tar per run into BACKUP_DIR and keeps the
newest BACKUP_KEEP; `manage.py restore` puts one back into a fresh database.
An archive holds:

* ``manifest.json``: format, engine, when, and the row count of every table
  as they were in the dump, so a restore can prove it brought back as much;
* ``database.pgdump`` (``pg_dump --format=custom``) or ``database.sqlite3``
  (a copy made with SQLite's online backup API, safe while the site writes);
* ``media/``: MEDIA_ROOT, when uploads are local files (with object storage
  the bucket is backed up by the storage provider's own tools).

On PostgreSQL the dump and the row counts read one snapshot: a repeatable-read
transaction exports it and pg_dump runs with ``--snapshot``. The media files
are copied after the database, so every file a restored row names is there
(a file uploaded meanwhile is an orphan, harmless).
"""

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections, transaction

FORMAT = 1
PREFIX = "solidarity-"
SUFFIX = ".tar"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for an operator."""


@dataclass(frozen=True)
class Backup:
    path: Path
    tables: dict[str, int]
    media_files: int | None  # None: media not in the archive (object storage)


def backups_list(*, directory: Path | None = None) -> list[Path]:
    """The archives in ``directory``, oldest first (names sort by time)."""
    directory = Path(directory or settings.BACKUP_DIR)
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


def backup_create(
    *, directory: Path | None = None, keep: int | None = None, using: str = "default"
) -> Backup:
    directory = Path(directory or settings.BACKUP_DIR)
    keep = settings.BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError("keep must be at least 1: the backup just made is always kept.")
    directory.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    created = dt.datetime.now(dt.UTC)
    name = f"{PREFIX}{created:%Y%m%dT%H%M%S%fZ}{SUFFIX}"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as work:
        work = Path(work)
        if _engine(connection.settings_dict) == "postgresql":
            db_name, tables = _dump_postgresql(connection, work)
        else:
            db_name, tables = _dump_sqlite(connection, work)
        media_root = _local_media_root()
        manifest = {
            "format": FORMAT,
            "created": created.isoformat(),
            "engine": connection.vendor,
            "database": db_name,
            "tables": tables,
            "media": media_root is not None,
        }
        partial = work / (name + ".partial")
        media_files = None
        with tarfile.open(partial, "w") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
            tar.add(work / db_name, arcname=db_name)
            if media_root is not None:
                media_files = _add_media(tar, media_root)
        # Renamed only when complete: a half-written file never looks like a backup.
        final = directory / name
        os.replace(partial, final)
    backups_prune(directory=directory, keep=keep)
    return Backup(path=final, tables=tables, media_files=media_files)


def backups_prune(*, directory: Path, keep: int) -> list[Path]:
    removed = backups_list(directory=directory)[:-keep]
    for path in removed:
        path.unlink()
    return removed


def backup_restore(
    *, archive: Path, database: dict | None = None, media_root: Path | None = None
) -> dict[str, int]:
    """Restore ``archive`` into an empty database and into MEDIA_ROOT.

    ``database`` is a DATABASES entry (default: the site's own). A database
    that already has tables is refused: a restore never merges into or
    overwrites live data. Returns the restored row counts, checked against
    the manifest.
    """
    archive = Path(archive)
    if database is None:
        database = settings.DATABASES["default"]
        connections["default"].close()
    engine = _engine(database)
    with tempfile.TemporaryDirectory(prefix="solidarity-restore-") as work:
        work = Path(work)
        try:
            with tarfile.open(archive) as tar:
                # The "data" filter refuses absolute paths, links out and devices.
                tar.extractall(work, filter="data")
        except (OSError, tarfile.TarError) as exc:
            raise BackupError(f"{archive} is not a readable backup archive: {exc}") from exc
        try:
            manifest = json.loads((work / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            raise BackupError(f"{archive} has no manifest: not one of our backups.") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        if manifest["engine"] != engine:
            raise BackupError(
                f"This backup is of a {manifest['engine']} database; "
                f"the target is {engine}. Restore it into the same kind."
            )
        dump = work / manifest["database"]
        if engine == "postgresql":
            _restore_postgresql(database, dump)
        else:
            _restore_sqlite(database, dump)
        if manifest["media"] and (work / "media").is_dir():
            target = Path(media_root or settings.MEDIA_ROOT)
            shutil.copytree(work / "media", target, dirs_exist_ok=True)
    restored = _tables_count_raw(database)
    differ = {
        table: {"backup": rows, "restored": restored.get(table)}
        for table, rows in manifest["tables"].items()
        if restored.get(table) != rows
    }
    if differ:
        raise BackupError(f"Restored row counts differ from the backup's: {differ}")
    return restored


def tables_count(*, using: str = "default") -> dict[str, int]:
    """Every table's row count through Django's connection ``using``."""
    connection = connections[using]
    with connection.cursor() as cursor:
        return _count(cursor, connection.introspection.table_names(cursor))


def _engine(database: dict) -> str:
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    if engine not in ("postgresql", "sqlite3"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")
    return "sqlite" if engine == "sqlite3" else engine


def _tables_count_raw(database: dict) -> dict[str, int]:
    """Row counts of a database Django has no connection to (a restore target)."""
    if _engine(database) == "postgresql":
        import psycopg

        with psycopg.connect("", **_psycopg_kwargs(database)) as conn:
            cursor = conn.cursor()
            cursor.execute(_PG_TABLES)
            return _count(cursor, [row[0] for row in cursor.fetchall()])
    conn = sqlite3.connect(database["NAME"])
    try:
        cursor = conn.cursor()
        return _count(cursor, [row[0] for row in cursor.execute(_SQLITE_TABLES).fetchall()])
    finally:
        conn.close()


_PG_TABLES = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
)
_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


# --- PostgreSQL -------------------------------------------------------------------


def _libpq_env(database: dict) -> dict[str, str]:
    """The connection as libpq variables: no password on a command line."""
    values = {
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGDATABASE": database["NAME"],
    }
    return {**os.environ, **{k: v for k, v in values.items() if v}}


def _run(command: list[str], *, env: dict) -> None:
    try:
        result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (Debian: apt-get install postgresql-client; "
            "its major version must be at least the server's)."
        ) from exc
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _dump_postgresql(connection, work: Path) -> tuple[str, dict[str, int]]:
    name = "database.pgdump"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # One snapshot for the counts and for pg_dump, exported while this
        # transaction stays open.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        tables = _count(cursor, connection.introspection.table_names(cursor))
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={work / name}",
            ],
            env=_libpq_env(connection.settings_dict),
        )
    return name, tables


def _restore_postgresql(database: dict, dump: Path) -> None:
    import psycopg

    env = _libpq_env(database)
    try:
        with psycopg.connect("", **_psycopg_kwargs(database)) as conn:
            tables = len(conn.execute(_PG_TABLES).fetchall())
    except psycopg.Error as exc:
        raise BackupError(f"Cannot reach the target database: {exc}") from exc
    if tables:
        raise BackupError(
            f"The database {database['NAME']!r} already has {tables} tables. Restore into a "
            "fresh, empty database (README: Backups), never over live data."
        )
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database['NAME']}",
            str(dump),
        ],
        env=env,
    )


def _psycopg_kwargs(database: dict) -> dict:
    keys = {"HOST": "host", "PORT": "port", "USER": "user", "PASSWORD": "password"}
    kwargs = {keys[k]: database[k] for k in keys if database.get(k)}
    return {**kwargs, "dbname": database["NAME"]}


# --- SQLite -----------------------------------------------------------------------


def _dump_sqlite(connection, work: Path) -> tuple[str, dict[str, int]]:
    name = "database.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(work / name)
    try:
        # The online backup API copies a consistent image while others write;
        # it works on the test suite's in-memory database too.
        connection.connection.backup(target)
        cursor = target.cursor()
        tables = _count(cursor, [row[0] for row in cursor.execute(_SQLITE_TABLES).fetchall()])
    finally:
        target.close()
    return name, tables


def _restore_sqlite(database: dict, dump: Path) -> None:
    path = Path(database["NAME"])
    path.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(path)
    try:
        existing = len(target.execute(_SQLITE_TABLES).fetchall())
        if existing:
            raise BackupError(
                f"The database {str(path)!r} already has {existing} tables. Restore into a "
                "fresh, empty database (README: Backups), never over live data."
            )
        source = sqlite3.connect(dump)
        try:
            source.backup(target)
        finally:
            source.close()
    finally:
        target.close()


# --- shared -------------------------------------------------------------------------


def _count(cursor, names) -> dict[str, int]:
    counts = {}
    for table in sorted(names):
        # Table names come from the database's own catalogue, quoted.
        quoted = '"' + table.replace('"', '""') + '"'
        cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _local_media_root() -> Path | None:
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    return None


def _add_media(tar: tarfile.TarFile, media_root: Path) -> int:
    count = 0
    if not media_root.is_dir():
        return count
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            tar.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
            count += 1
    return count


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))

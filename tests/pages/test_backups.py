"""A backup of a populated database restores, whole, into a fresh one.

Runs on both suites: on SQLite (the online backup API) and on PostgreSQL
(pg_dump / pg_restore into a real second database).
"""

import hashlib
import json
import sqlite3
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from campaigns.models import Action
from config.backups import BackupError, backup_create, backup_restore, backups_list
from letters.models import Letter
from prisoners.models import Prisoner

CHECKSUMMED = [Action, Prisoner, Letter]


def _connect(database: dict):
    if connection.vendor == "postgresql":
        import psycopg

        keys = {"HOST": "host", "PORT": "port", "USER": "user", "PASSWORD": "password"}
        kwargs = {keys[k]: database[k] for k in keys if database.get(k)}
        return psycopg.connect("", dbname=database["NAME"], **kwargs)
    # The same column converters Django's own SQLite connections use.
    return sqlite3.connect(
        database["NAME"], detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
    )


def _snapshot(raw) -> tuple[dict, dict]:
    """Every table's row count, and an md5 of the ordered rows of a few."""
    cursor = raw.cursor()
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    sums = {}
    for model in CHECKSUMMED:
        cursor.execute(f'SELECT * FROM "{model._meta.db_table}" ORDER BY id')  # noqa: S608
        sums[model._meta.db_table] = hashlib.md5(  # noqa: S324 (a checksum, not security)
            repr(cursor.fetchall()).encode()
        ).hexdigest()
    return counts, sums


def _source_snapshot():
    if connection.vendor == "postgresql":
        with _connect(connection.settings_dict) as raw:
            return _snapshot(raw)
    connection.ensure_connection()
    return _snapshot(connection.connection)


@pytest.fixture
def fresh_database(transactional_db, tmp_path):
    """A second, empty database of the same kind as the test database."""
    if connection.vendor != "postgresql":
        yield {**connection.settings_dict, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    import psycopg

    name = f"{connection.settings_dict['NAME']}_restored"
    admin = {**connection.settings_dict, "NAME": "postgres"}

    def run(sql):
        with _connect(admin) as raw:
            raw.autocommit = True
            raw.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield {**connection.settings_dict, "NAME": name}
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        assert psycopg  # imported for the PostgreSQL suite only


@pytest.fixture
def populated(transactional_db, settings):
    call_command("seed_demo", "--no-admin", verbosity=0)
    photo = default_storage.save("events/backup-check.jpg", ContentFile(b"\xff\xd8 a photo"))
    assert Action.objects.count() > 50 and Letter.objects.exists()
    return photo


def test_it_restores_every_row_and_file_into_a_fresh_database(
    populated, fresh_database, tmp_path, settings
):
    before_counts, before_sums = _source_snapshot()
    backup = backup_create(directory=tmp_path / "backups")
    assert backups_list(directory=tmp_path / "backups") == [backup.path]
    assert backup.tables == before_counts
    assert backup.media_files >= 1

    restored_media = tmp_path / "restored-media"
    backup_restore(archive=backup.path, database=fresh_database, media_root=restored_media)

    with _connect(fresh_database) as raw:
        after_counts, after_sums = _snapshot(raw)
    assert after_counts == before_counts
    assert after_sums == before_sums
    assert sum(after_counts.values()) > 200
    assert (restored_media / populated).read_bytes() == b"\xff\xd8 a photo"


def test_it_refuses_to_restore_over_a_database_with_tables(prisoner, fresh_database, tmp_path):
    backup = backup_create(directory=tmp_path / "backups")
    backup_restore(archive=backup.path, database=fresh_database, media_root=tmp_path / "m")
    with pytest.raises(BackupError, match="already has .* tables"):
        backup_restore(archive=backup.path, database=fresh_database, media_root=tmp_path / "m")


def test_it_keeps_only_the_newest_archives(transactional_db, tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    made = [backup_create(keep=2).path for _ in range(3)]
    assert backups_list() == made[1:]
    assert not made[0].exists()
    # Nothing half-written is left behind.
    assert sorted(p.name for p in settings.BACKUP_DIR.iterdir()) == sorted(p.name for p in made[1:])


def test_the_commands_name_the_archive_and_refuse_bad_input(transactional_db, tmp_path, settings):
    settings.BACKUP_DIR = tmp_path / "backups"
    call_command("backup", "--keep", "3", stdout=(out := _Out()))
    [archive] = backups_list()
    assert str(archive) in out.text and "tables" in out.text
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.tar"))
    not_a_backup = tmp_path / "junk.tar"
    not_a_backup.write_bytes(b"junk")
    with pytest.raises(CommandError, match="not a readable backup archive"):
        call_command("restore", str(not_a_backup))
    settings.BACKUP_DIR = tmp_path / "empty"
    with pytest.raises(CommandError, match="No backups"):
        call_command("restore", "latest")


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_media_in_object_storage_is_left_to_the_provider(transactional_db, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "solidarity-media"},
        },
    }
    backup = backup_create(directory=tmp_path / "backups")
    assert backup.media_files is None
    with tarfile.open(backup.path) as tar:
        assert not [n for n in tar.getnames() if n.startswith("media/")]
        assert json.load(tar.extractfile("manifest.json"))["media"] is False

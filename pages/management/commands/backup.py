from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into one archive in BACKUP_DIR, "
        "keeping the newest BACKUP_KEEP archives."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", dest="directory", help=f"Where to write (default: {settings.BACKUP_DIR})."
        )
        parser.add_argument(
            "--keep",
            type=int,
            help=f"How many archives to keep (default: BACKUP_KEEP = {settings.BACKUP_KEEP}).",
        )

    def handle(self, *args, directory=None, keep=None, **options):
        try:
            backup = backup_create(directory=directory, keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = backup.path.stat().st_size
        media = (
            "media: in object storage, not in the archive"
            if backup.media_files is None
            else f"{backup.media_files} media files"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{backup.path} ({size / 1e6:.1f} MB): {len(backup.tables)} tables, "
                f"{sum(backup.tables.values())} rows, {media}."
            )
        )

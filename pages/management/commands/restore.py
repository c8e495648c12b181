from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.backups import BackupError, backup_restore, backups_list


class Command(BaseCommand):
    help = (
        "Restore a backup archive into the configured database, which must be empty "
        "(fresh), and into MEDIA_ROOT; then check every table's row count against it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            help=f"The archive's path, or 'latest' (the newest in {settings.BACKUP_DIR}).",
        )

    def handle(self, *args, archive, **options):
        if archive == "latest":
            found = backups_list()
            if not found:
                raise CommandError(f"No backups in {settings.BACKUP_DIR}.")
            path = found[-1]
        else:
            path = Path(archive)
            if not path.is_file():
                raise CommandError(f"{path} does not exist.")
        try:
            counts = backup_restore(archive=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {path.name}: {len(counts)} tables, {sum(counts.values())} rows, "
                "each table's count equal to the backup's."
            )
        )

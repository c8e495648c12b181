from django.core.management.base import BaseCommand

from pages.catalogues import catalogue_paths, compile_catalogue, mo_is_current


class Command(BaseCommand):
    help = "Compile the project's .po files to .mo with Babel (no GNU gettext needed)."

    def handle(self, *args, **options):
        for po in catalogue_paths():
            if mo_is_current(po):
                continue
            compile_catalogue(po)
            self.stdout.write(f"compiled {po.with_suffix('.mo')}")

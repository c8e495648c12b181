from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PagesConfig(AppConfig):
    name = "pages"

    def ready(self):
        from config import roles

        # After every migrate and test flush (the handler acts once per run).
        post_migrate.connect(roles._on_post_migrate, dispatch_uid="roles-apply")

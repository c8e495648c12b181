"""Moderators may delete an event photo: a bad or unsafe photo must be removable.

Written like 0002 (get_or_create the group, create the permissions first) so
it works whatever order the apps' migrations run in, and again after a test
flush.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {"eventphoto": ["delete"]}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("events")
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    codenames = [f"{action}_{model}" for model, actions in GRANTS.items() for action in actions]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="events", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Moderators").first()
    if group:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="events", codename="delete_eventphoto")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_event_timezone_must_exist"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

"""The "Moderators" group may moderate events, and nothing else of ours.

get_or_create: the letters app's migration creates the same group, and
whichever runs first makes it. Permissions normally appear after all
migrations (post_migrate); they are created here so the grant does not
depend on that order either.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "event": ["view", "change"],
    "eventphoto": ["view"],
    "eventreport": ["view", "change"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("events")
    # A migration's app registry has no models module, and create_permissions
    # skips such apps; also callable with the real registry (tests that flush).
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
    group = Group.objects.filter(name="Moderators").first()
    if group:
        group.permissions.remove(*group.permissions.filter(content_type__app_label="events"))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

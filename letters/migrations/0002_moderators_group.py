"""The "Moderators" group: moderate letters and make batches; view, never edit,
prisoners and campaigns. Events' moderation permissions join it in that app."""

from django.db import migrations

MODERATOR_PERMISSIONS = [
    ("letters", "view_letter"),
    ("letters", "change_letter"),
    ("letters", "view_letterlog"),
    ("letters", "add_deliverybatch"),
    ("letters", "change_deliverybatch"),
    ("letters", "view_deliverybatch"),
    ("prisoners", "view_prisoner"),
    ("prisoners", "view_facility"),
    ("campaigns", "view_campaign"),
]


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make sure
    # they exist now, on a fresh database too.
    for label in ("letters", "prisoners", "campaigns"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, codename in MODERATOR_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def remove_group(apps, schema_editor):
    # The group is shared (events grants its own permissions in it) and has
    # members: take back only what letters gave, and keep the group.
    group = apps.get_model("auth", "Group").objects.filter(name="Moderators").first()
    if group:
        group.permissions.remove(*group.permissions.filter(content_type__app_label="letters"))


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0001_initial"),
        ("prisoners", "0002_letter_counts"),
        ("campaigns", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]

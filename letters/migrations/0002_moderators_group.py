"""Once granted the Moderators group its permissions; roles are now declared
in config/roles.py and applied after every migrate. Kept, empty, so the
migration graph of existing databases stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0001_initial"),
        ("prisoners", "0002_letter_counts"),
        ("campaigns", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]

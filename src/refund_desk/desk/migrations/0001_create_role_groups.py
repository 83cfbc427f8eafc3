"""Create the four staff roles as Django groups (names frozen here, as migrations must be)."""

from django.db import migrations

ROLE_GROUPS = ("agent", "supervisor", "auditor", "admin")


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    # Reversing keeps the groups: deleting them would silently strip people of their roles.
    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]

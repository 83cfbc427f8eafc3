"""API tokens used to be stored in plain text (rest_framework.authtoken); they are now digests with an
expiry (django-rest-knox). The old table goes, and with it every old token: people request new ones."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0001_audit_and_changes"), ("knox", "0009_extend_authtoken_field")]

    operations = [migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop)]

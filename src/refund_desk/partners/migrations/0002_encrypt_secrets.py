"""Signing secrets at rest: encrypt every existing secret (Fernet, core.crypto),
then drop the plaintext columns. Reversible: decrypts back into the plaintext columns."""

from typing import Any

from django.db import migrations, models

import refund_desk.partners.models
from refund_desk.core.crypto import decrypt, encrypt


def encrypt_secrets(apps: Any, schema_editor: Any) -> None:
    Partner = apps.get_model("partners", "Partner")
    WebhookSubscription = apps.get_model("partners", "WebhookSubscription")
    for partner in Partner.objects.order_by("pk").iterator():
        partner.inbound_secret_encrypted = encrypt(partner.inbound_secret)
        partner.save(update_fields=["inbound_secret_encrypted"])
    for sub in WebhookSubscription.objects.order_by("pk").iterator():
        sub.secret_encrypted = encrypt(sub.secret)
        sub.save(update_fields=["secret_encrypted"])


def decrypt_secrets(apps: Any, schema_editor: Any) -> None:
    Partner = apps.get_model("partners", "Partner")
    WebhookSubscription = apps.get_model("partners", "WebhookSubscription")
    for partner in Partner.objects.order_by("pk").iterator():
        partner.inbound_secret = decrypt(partner.inbound_secret_encrypted)
        partner.save(update_fields=["inbound_secret"])
    for sub in WebhookSubscription.objects.order_by("pk").iterator():
        sub.secret = decrypt(sub.secret_encrypted)
        sub.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="partner",
            name="inbound_secret_encrypted",
            field=models.TextField(default=refund_desk.partners.models.new_encrypted_secret),
        ),
        migrations.AddField(
            model_name="webhooksubscription",
            name="secret_encrypted",
            field=models.TextField(default=refund_desk.partners.models.new_encrypted_secret),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.RemoveField(model_name="partner", name="inbound_secret"),
        migrations.RemoveField(model_name="webhooksubscription", name="secret"),
    ]

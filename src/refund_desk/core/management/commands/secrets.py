"""`refund-desk secrets`: a new encryption key, and re-encrypting every stored secret with the newest key."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction

from refund_desk.core.crypto import DecryptionFailed, configured_keys, new_key, reencrypt

SUFFIX = "_encrypted"


def encrypted_columns() -> list[tuple[type[models.Model], str]]:
    """Every column that holds a secret: by convention, a text field whose name ends in `_encrypted`."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and field.name.endswith(SUFFIX)
    ]


class Command(BaseCommand):
    help = "Encryption keys: `new-key` prints a fresh key; `rotate` re-encrypts every secret with the newest key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("new-key", help="print a new key to put first in FIELD_ENCRYPTION_KEY_FILE or _KEYS")
        sub.add_parser("rotate", help="re-encrypt every stored secret with the first configured key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "new-key":
            self.stdout.write(new_key())
            return
        self.stdout.write(f"{len(configured_keys())} key(s) configured; re-encrypting with the first ...")
        unreadable = 0
        for model, name in encrypted_columns():
            done = 0
            with transaction.atomic():
                for row in model._default_manager.select_for_update().exclude(**{name: ""}).iterator():
                    try:
                        setattr(row, name, reencrypt(getattr(row, name)))
                    except DecryptionFailed:
                        unreadable += 1
                        self.stderr.write(
                            f"  {model._meta.label} #{row.pk} {name}: no configured key decrypts it"
                        )
                        continue
                    row.save(update_fields=[name])
                    done += 1
            self.stdout.write(f"  {model._meta.label}.{name}: {done} re-encrypted")
        if unreadable:
            self.stderr.write(
                f"{unreadable} secret(s) could not be read: add the key they were written with, or renew them"
            )
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Every stored secret is now encrypted with the newest key."))

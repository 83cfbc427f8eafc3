"""Secrets at rest: keys rotate (old ones decrypt, the newest encrypts, `secrets rotate` re-encrypts every
stored secret), keys may live in a file outside the data directory, and data files are private."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from refund_desk.core import crypto
from refund_desk.core.management.commands.secrets import encrypted_columns
from refund_desk.partners.choices import PartnerKind
from refund_desk.partners.models import Partner

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_the_newest_key_encrypts_and_every_key_decrypts(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = OLD
    written_before = crypto.encrypt("tajne")
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    assert crypto.decrypt(written_before) == "tajne"
    assert Fernet(NEW.encode()).decrypt(crypto.encrypt("nowe").encode()) == b"nowe"


def test_rotate_re_encrypts_every_secret_so_the_old_key_can_go(settings: Any, db: None) -> None:
    settings.FIELD_ENCRYPTION_KEYS = OLD
    partner = Partner(name="Magazyn", slug="magazyn", kind=PartnerKind.WAREHOUSE)
    partner.inbound_secret = "inbound-1"
    partner.save()
    settings.FIELD_ENCRYPTION_KEYS = f"{NEW},{OLD}"
    out = io.StringIO()

    call_command("secrets", "rotate", stdout=out)

    settings.FIELD_ENCRYPTION_KEYS = NEW  # the old key is gone
    assert Partner.objects.get(pk=partner.pk).inbound_secret == "inbound-1"
    assert "partners.Partner.inbound_secret_encrypted: 1 re-encrypted" in out.getvalue()
    labels = {f"{model._meta.label}.{name}" for model, name in encrypted_columns()}
    assert {
        "partners.Partner.inbound_secret_encrypted",
        "partners.WebhookSubscription.secret_encrypted",
    } <= labels


def test_rotate_names_what_no_key_can_read_and_fails(settings: Any, db: None) -> None:
    Partner.objects.create(
        name="Stary", slug="stary", kind=PartnerKind.ERP, inbound_secret_encrypted="gAAAAAB-lost"
    )
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("secrets", "rotate", stdout=io.StringIO(), stderr=err)
    assert "partners.Partner #" in err.getvalue() and "no configured key" in err.getvalue()


def test_keys_may_live_in_a_file_outside_the_data_directory(settings: Any, tmp_path: Path) -> None:
    keys = tmp_path / "field-keys"
    keys.write_text(f"# newest first\n{NEW}\n{OLD}\n")
    settings.FIELD_ENCRYPTION_KEY_FILE = str(keys)
    assert crypto.configured_keys()[:2] == [NEW, OLD]
    assert Fernet(NEW.encode()).decrypt(crypto.encrypt("x").encode()) == b"x"


def test_new_key_prints_a_fernet_key() -> None:
    out = io.StringIO()
    call_command("secrets", "new-key", stdout=out)
    Fernet(out.getvalue().strip().encode())  # a valid key


def test_data_files_the_desk_creates_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    script = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY[:4])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "refund_desk.settings", "REFUND_DESK_DATA_DIR": str(data)}
    env.pop("SECRET_KEY", None)
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)  # noqa: S603
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600

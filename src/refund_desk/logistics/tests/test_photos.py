"""Inspection photos are photos: JPEG, PNG, HEIC or PDF by their bytes, size-limited, stored under a name of
ours; anything else is refused naming the file, and the inspection is not recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.core.errors import ValidationFailed
from refund_desk.logistics.models import Inspection, InspectionPhoto
from refund_desk.logistics.services import ItemFinding, inspection_record
from refund_desk.payments.tests.conftest import SYSTEM, ingest
from refund_desk.policy.tests.builders import case as case_file

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
HEIC = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"\x00" * 100


@pytest.fixture
def returning(account: SellerAccount, settings: Any, tmp_path: Any) -> RefundCase:
    settings.MEDIA_ROOT = tmp_path
    case = ingest(account, case_file())
    return case_transition(case=case, to="AWAITING_RETURN", actor=SYSTEM)


def record(case: RefundCase, agent: Any, *photos: SimpleUploadedFile) -> Inspection:
    item = case.items.first()
    assert item is not None
    finding = ItemFinding(case_item_id=item.pk, outcome="DAMAGED_BY_BUYER", photos=list(photos))
    return inspection_record(case=case, findings=[finding], actor=Actor.for_user(agent))


@pytest.mark.parametrize(("content", "kind"), [(JPEG, "jpg"), (PNG, "png"), (HEIC, "heic"), (PDF, "pdf")])
def test_a_real_photo_is_stored_under_our_name(
    returning: RefundCase, agent: Any, content: bytes, kind: str
) -> None:
    record(returning, agent, SimpleUploadedFile("../../evil name.exe", content, content_type="text/html"))
    photo = InspectionPhoto.objects.get()
    assert (
        photo.image.name.endswith(f".{kind}")
        and ".." not in photo.image.name
        and "evil" not in photo.image.name
    )


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"),
        SimpleUploadedFile(
            "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', content_type="image/svg+xml"
        ),
        SimpleUploadedFile("blob.bin", b"\x00" * (3 * 1024 * 1024), content_type="application/octet-stream"),
    ],
    ids=["html", "svg", "binary"],
)
def test_anything_else_is_refused_naming_the_file(
    returning: RefundCase, agent: Any, upload: SimpleUploadedFile
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        record(returning, agent, SimpleUploadedFile("ok.jpg", JPEG), upload)
    assert [field for field, _message in refused.value.errors] == ["items[0].photos[1]"]
    assert Inspection.objects.count() == 0 and InspectionPhoto.objects.count() == 0


def test_a_photo_above_the_size_limit_is_refused(returning: RefundCase, agent: Any, settings: Any) -> None:
    settings.INSPECTION_PHOTO_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed, match="larger than"):
        record(returning, agent, SimpleUploadedFile("big.jpg", JPEG + b"\x00" * 2048))


def test_at_most_ten_photos_per_item(returning: RefundCase, agent: Any) -> None:
    with pytest.raises(ValidationFailed, match="at most 10"):
        record(returning, agent, *[SimpleUploadedFile(f"{n}.jpg", JPEG) for n in range(11)])

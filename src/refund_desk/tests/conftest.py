"""The world the installation-wide tests walk: two seller accounts, one of everything, every role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from refund_desk.payments.tests.fakes import FakeGateway, gateway_override
from refund_desk.tests.world import World, world_build


@pytest.fixture
def world(db: None) -> Iterator[World]:
    gateway = FakeGateway()
    with gateway_override(gateway):
        yield world_build(gateway)

"""The policy app's port to a marketplace's case documents: the stored order and request, as engine input.

A stored case keeps what the marketplace sent (its checkout form with the customer return or issue, see
`selectors.case_document`); only the marketplace's integration can read those shapes. It provides
`case_documents` when Django starts (integrations/allegro/documents.py for Allegro).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from refund_desk.core.ports import Port
from refund_desk.policy.engine.inputs import CaseInput


class CaseDocumentReader(Protocol):
    def parse(self, document: object, *, now: datetime | None = None) -> CaseInput:
        """The engine input of a case document; ValidationFailed (with field paths) when it is invalid."""
        ...


case_documents: Port[CaseDocumentReader] = Port("policy.case_documents")

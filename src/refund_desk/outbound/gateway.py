"""The outbound app's port to the marketplace: carry out a decision and read back what the marketplace
did. The Allegro integration provides `decision_gateway`; tests override it with a fake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from refund_desk.cases.models import SellerAccount
from refund_desk.core.ports import Port


@dataclass(frozen=True, slots=True)
class RemoteReturn:
    """A customer return as the marketplace shows it, reduced to what a rejection needs."""

    id: str
    status: str
    rejection_code: str | None = None
    rejection_reason: str | None = None
    rejected_at: datetime | None = None

    @property
    def rejected(self) -> bool:
        return self.rejection_code is not None

    def answer(self, *, read_back: bool) -> dict[str, Any]:
        """What a command stores of Allegro's answer."""
        return {
            "returnStatus": self.status,
            "rejection": {"code": self.rejection_code, "reason": self.rejection_reason},
            "readBack": read_back,
        }


@dataclass(frozen=True, slots=True)
class RemoteIssue:
    """A post-purchase issue as the marketplace shows it, reduced to its decision state."""

    id: str
    type: str
    status: str | None

    @property
    def rejected(self) -> bool:
        return self.status == "CLAIM_REJECTED"

    def answer(self, *, read_back: bool) -> dict[str, Any]:
        """What a command stores of Allegro's answer."""
        return {"issueStatus": self.status, "readBack": read_back}


@dataclass(frozen=True, slots=True)
class RemoteChat:
    """What the seller has said in one conversation (an issue chat or a Message Center thread)."""

    id: str
    seller_texts: tuple[str, ...]

    def holds(self, text: str) -> bool:
        """Whether the seller already posted this text here (whitespace at the ends aside)."""
        wanted = text.strip()
        return any(said.strip() == wanted for said in self.seller_texts)

    def answer(self, *, read_back: bool) -> dict[str, Any]:
        return {"conversation": self.id, "readBack": read_back}


# What a command reads back: a return, a claim or a conversation.
Remote = RemoteReturn | RemoteIssue | RemoteChat


class DecisionGateway(Protocol):
    def reject_return(
        self, account: SellerAccount, return_id: str, *, code: str, reason: str
    ) -> RemoteReturn:
        """Reject the refund of a customer return. Raises GatewayRejected when the marketplace refuses."""

    def get_return(self, account: SellerAccount, return_id: str) -> RemoteReturn:
        """The return as the marketplace shows it now. Raises GatewayNotFound for an unknown id."""

    def decide_claim(
        self,
        account: SellerAccount,
        issue_id: str,
        *,
        status: str,
        message: str,
        partial_refund: tuple[Decimal, str] | None = None,
    ) -> None:
        """Set a claim's decision with the message the buyer reads (it goes into the issue chat);
        `partial_refund`: (amount, currency) of an ACCEPTED_PARTIAL_REFUND."""

    def get_issue(self, account: SellerAccount, issue_id: str) -> RemoteIssue:
        """The issue as the marketplace shows it now. Raises GatewayNotFound for an unknown id."""

    def post_issue_message(self, account: SellerAccount, issue_id: str, *, text: str) -> None:
        """Write in a post-purchase issue's chat."""

    def issue_chat(self, account: SellerAccount, issue_id: str) -> RemoteChat:
        """What the seller said in an issue's chat."""

    def post_thread_message(self, account: SellerAccount, thread_id: str, *, text: str) -> None:
        """Reply in a Message Center thread."""

    def thread_chat(self, account: SellerAccount, thread_id: str) -> RemoteChat:
        """What the seller said in a Message Center thread."""

    def new_message(self, account: SellerAccount, *, login: str, order_id: str, text: str) -> RemoteChat:
        """Write to a buyer about an order outside a known thread; answers with the thread it landed in."""

    def buyer_chat(self, account: SellerAccount, login: str) -> RemoteChat | None:
        """What the seller said in its newest Message Center thread with this buyer (None: no thread)."""


decision_gateway: Port[DecisionGateway] = Port("outbound.decision_gateway")

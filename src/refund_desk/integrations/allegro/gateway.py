"""The Allegro client behind the ports of payments (refunds, commission claims) and logistics (tracking).

The client already retries 5xx/429/timeouts inside one call (for POST /payments/refunds too, because
the body carries a commandId); what it still raises after its retries becomes GatewayUnavailable, and
the outbox retries later with the same commandId.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from refund_desk.cases.models import SellerAccount
from refund_desk.core.ports import GatewayError, GatewayNotFound, GatewayRejected, GatewayUnavailable
from refund_desk.integrations.allegro import errors
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.interface import CustomerReturn, PostPurchaseIssue, Price
from refund_desk.integrations.allegro.responses import RefundClaim, RefundDetails
from refund_desk.integrations.allegro.services import client_for_account
from refund_desk.logistics.gateway import TrackingScan, WaybillHistory
from refund_desk.outbound.gateway import RemoteChat, RemoteIssue, RemoteReturn
from refund_desk.payments.gateway import GatewayClaim, GatewayRefund, RecentRefunds

CLAIMS_PAGE = 100
REFUNDS_PAGE = 100
# Pages of threads (20 each, newest first) searched for a buyer's thread when reading a message back.
THREAD_PAGES = 10


def _translate(exc: errors.AllegroError) -> GatewayError:
    codes = exc.codes
    user_message = "; ".join(e.user_message or e.message for e in exc.errors if e.user_message or e.message)
    if exc.retryable:
        return GatewayUnavailable(str(exc), codes=codes, user_message=user_message)
    if isinstance(exc, errors.NotFound):
        return GatewayNotFound(str(exc), codes=codes, user_message=user_message)
    if isinstance(
        exc, errors.BusinessRuleViolation | errors.Conflict | errors.BadRequest | errors.AccessDenied
    ):
        return GatewayRejected(str(exc), codes=codes, user_message=user_message)
    if isinstance(exc, errors.NotAuthenticated):
        return GatewayUnavailable(str(exc), codes=codes, user_message=user_message)
    return GatewayError(str(exc), codes=codes, user_message=user_message)


def _refund(details: RefundDetails, command_id: str | None = None) -> GatewayRefund:
    total = details.totalValue
    return GatewayRefund(
        id=details.id,
        status=details.status,
        total=total.amount if total else None,
        currency=total.currency if total else None,
        created_at=details.createdAt,
        order_id=details.order.id if details.order else None,
        command_id=command_id,
    )


def _claim(claim: RefundClaim) -> GatewayClaim:
    line = claim.lineItem or {}
    return GatewayClaim(
        id=claim.id,
        status=claim.status,
        line_item_id=str(line.get("id")) if line.get("id") else None,
        quantity=claim.quantity,
        commission=Decimal(str(claim.commission.amount)) if claim.commission else None,
        currency=claim.commission.currency if claim.commission else None,
        type=claim.type,
        created_at=claim.createdAt,
    )


class AllegroGateway:
    """Refunds, claims and tracking over `AllegroClient`, one client per call (tokens come from the database).

    `client_factory` builds the client for an account; the default is the production one. Tests and the
    benchmark pass a factory over the in-process emulator (`httpx.WSGITransport`) or a local port.
    """

    def __init__(self, client_factory: Callable[[SellerAccount], AllegroClient] | None = None):
        self._client_factory = client_factory or client_for_account

    @contextmanager
    def _client(self, account: SellerAccount) -> Iterator[AllegroClient]:
        """The account's client for one call; what Allegro answers with an error comes out as the ports'
        errors (`core.ports`), split by what the caller should do."""
        try:
            with self._client_factory(account) as client:
                yield client
        except errors.AllegroError as exc:
            raise _translate(exc) from exc

    def initiate_refund(
        self, account: SellerAccount, command_id: str, payload: dict[str, Any]
    ) -> GatewayRefund:
        delivery = (payload.get("delivery") or {}).get("value")
        with self._client(account) as client:
            details = client.initiate_refund(
                command_id=command_id,
                payment_id=payload["payment"]["id"],
                order_id=payload["order"]["id"],
                reason=payload["reason"],
                line_items=payload.get("lineItems") or (),
                delivery=Price(amount=Decimal(delivery["amount"]), currency=delivery["currency"])
                if delivery
                else None,
                seller_comment=payload.get("sellerComment"),
            )
        return _refund(details, command_id)

    def list_refunds(self, account: SellerAccount, order_id: str) -> list[GatewayRefund]:
        found: list[GatewayRefund] = []
        with self._client(account) as client:
            offset = 0
            while True:
                page = client.refunds(order_id=order_id, limit=REFUNDS_PAGE, offset=offset)
                found.extend(_refund(r) for r in page.refunds)
                offset += len(page.refunds)
                if not page.refunds or offset >= page.totalCount:
                    break
        return found

    def recent_refunds(self, account: SellerAccount, *, since: datetime, max_pages: int) -> RecentRefunds:
        """Every refund of the account that occurred since `since`, 100 per call, at most `max_pages` calls."""
        found: dict[str, GatewayRefund] = {}
        calls = 0
        with self._client(account) as client:
            offset = 0
            while calls < max_pages:
                page = client.refunds(occurred_from=since, limit=REFUNDS_PAGE, offset=offset)
                calls += 1
                for remote in page.refunds:
                    found.setdefault(remote.id, _refund(remote))
                offset += len(page.refunds)
                if not page.refunds or offset >= page.totalCount:
                    return RecentRefunds(tuple(found.values()), complete=True, calls=calls)
        return RecentRefunds(tuple(found.values()), complete=False, calls=calls)

    def create_refund_claim(self, account: SellerAccount, line_item_id: str, quantity: int) -> str:
        with self._client(account) as client:
            return client.create_refund_claim(line_item_id=line_item_id, quantity=quantity)

    def get_refund_claim(self, account: SellerAccount, claim_id: str) -> GatewayClaim:
        with self._client(account) as client:
            return _claim(client.refund_claim(claim_id))

    def list_refund_claims(
        self, account: SellerAccount, *, offer_id: str | None = None
    ) -> list[GatewayClaim]:
        # The client has no lineItem.offer.id filter yet; page through all and let the caller match.
        found: list[GatewayClaim] = []
        with self._client(account) as client:
            offset = 0
            while True:
                page = client.refund_claims(limit=CLAIMS_PAGE, offset=offset)
                found.extend(_claim(c) for c in page.refundClaims)
                offset += len(page.refundClaims)
                if len(page.refundClaims) < CLAIMS_PAGE:
                    break
        return found

    def tracking(
        self, account: SellerAccount, carrier_id: str, waybills: Sequence[str]
    ) -> list[WaybillHistory]:
        with self._client(account) as client:
            result = client.tracking(carrier_id, list(waybills))
        return [
            WaybillHistory(
                waybill=w.waybill,
                scans=tuple(
                    TrackingScan(occurred_at=s.occurredAt, code=s.code, description=s.description or "")
                    for s in (w.trackingDetails.statuses if w.trackingDetails else [])
                ),
            )
            for w in result.waybills
        ]

    # --- decisions (outbound) --------------------------------------------------------------------------

    def reject_return(
        self, account: SellerAccount, return_id: str, *, code: str, reason: str
    ) -> RemoteReturn:
        with self._client(account) as client:
            return _remote_return(client.reject_customer_return(return_id, code=code, reason=reason or None))

    def get_return(self, account: SellerAccount, return_id: str) -> RemoteReturn:
        with self._client(account) as client:
            return _remote_return(client.customer_return(return_id))

    def decide_claim(
        self,
        account: SellerAccount,
        issue_id: str,
        *,
        status: str,
        message: str,
        partial_refund: tuple[Decimal, str] | None = None,
    ) -> None:
        price = Price(amount=partial_refund[0], currency=partial_refund[1]) if partial_refund else None
        with self._client(account) as client:
            client.issue_decide(issue_id, status=status, message=message, partial_refund=price)

    def get_issue(self, account: SellerAccount, issue_id: str) -> RemoteIssue:
        with self._client(account) as client:
            return _remote_issue(client.issue(issue_id))

    def post_issue_message(self, account: SellerAccount, issue_id: str, *, text: str) -> None:
        with self._client(account) as client:
            client.issue_message(issue_id, text=text)

    def issue_chat(self, account: SellerAccount, issue_id: str) -> RemoteChat:
        with self._client(account) as client:
            chat = client.issue_chat_raw(issue_id)
        texts = tuple(
            str(m.get("text") or "") for m in chat if (m.get("author") or {}).get("role") == "SELLER"
        )
        return RemoteChat(id=issue_id, seller_texts=texts)

    def post_thread_message(self, account: SellerAccount, thread_id: str, *, text: str) -> None:
        with self._client(account) as client:
            client.post_thread_message(thread_id, text=text)

    def thread_chat(self, account: SellerAccount, thread_id: str) -> RemoteChat:
        with self._client(account) as client:
            return _thread_chat(client, thread_id)

    def new_message(self, account: SellerAccount, *, login: str, order_id: str, text: str) -> RemoteChat:
        with self._client(account) as client:
            message = client.new_message(login=login, order_id=order_id, text=text)
        thread = message.thread or {}
        return RemoteChat(id=str(thread.get("id") or ""), seller_texts=(text,))

    def buyer_chat(self, account: SellerAccount, login: str) -> RemoteChat | None:
        with self._client(account) as client:
            for page in range(THREAD_PAGES):
                threads = client.threads(limit=20, offset=page * 20).threads
                for thread in threads:
                    if thread.interlocutor is not None and thread.interlocutor.login == login:
                        return _thread_chat(client, thread.id)
                if len(threads) < 20:
                    break
        return None


# Messages of a thread read back when looking for one of ours (20 per page, newest first).
THREAD_MESSAGE_PAGES = 5


def _thread_chat(client: AllegroClient, thread_id: str) -> RemoteChat:
    texts: list[str] = []
    for page in range(THREAD_MESSAGE_PAGES):
        messages = client.thread_messages(thread_id, limit=20, offset=page * 20).messages
        texts.extend(m.text for m in messages if not m.author.isInterlocutor)
        if len(messages) < 20:
            break
    return RemoteChat(id=thread_id, seller_texts=tuple(texts))


def _remote_issue(issue: PostPurchaseIssue) -> RemoteIssue:
    return RemoteIssue(
        id=issue.id, type=issue.type, status=issue.currentState.status if issue.currentState else None
    )


def _remote_return(ret: CustomerReturn) -> RemoteReturn:
    rejection = ret.rejection
    return RemoteReturn(
        id=ret.id,
        status=ret.status,
        rejection_code=rejection.code if rejection else None,
        rejection_reason=rejection.reason if rejection else None,
        rejected_at=rejection.createdAt if rejection else None,
    )

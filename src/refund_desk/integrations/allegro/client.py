"""The Allegro REST client: the only code in Refund Desk that talks to Allegro.

Per operation it knows the media type (public v1 vs beta v1), the scope, the rate-limit bucket and
whether a retry is safe. Every call: per-account token buckets, a per-account circuit breaker,
retries with exponential backoff and full jitter (honouring Retry-After), one token refresh on 401.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from refund_desk import PROJECT_URL, __version__
from refund_desk.integrations.allegro import errors
from refund_desk.integrations.allegro.interface import CheckoutForm, CustomerReturn, PostPurchaseIssue, Price
from refund_desk.integrations.allegro.oauth import TokenProvider
from refund_desk.integrations.allegro.ratelimit import (
    CUSTOMER_RETURNS,
    MESSAGE_POSTS,
    BreakerRegistry,
    RateLimiter,
    default_breakers,
    default_limiter,
)
from refund_desk.integrations.allegro.responses import (
    CarriersList,
    CarrierTracking,
    CustomerReturnsPage,
    IssueChat,
    IssueList,
    IssueMessage,
    Me,
    Message,
    MessageList,
    OrderEventsPage,
    OrderEventStats,
    RefundClaim,
    RefundClaimList,
    RefundDetails,
    RefundList,
    ThreadList,
)

logger = logging.getLogger("refund_desk.integrations.allegro")

PUBLIC = "application/vnd.allegro.public.v1+json"
BETA = "application/vnd.allegro.beta.v1+json"
Params = list[tuple[str, str | int | float | bool | None]]
USER_AGENT = f"RefundDesk/{__version__} (+{PROJECT_URL})"


@dataclass(frozen=True, slots=True)
class Operation:
    """One Allegro endpoint as the client needs to know it."""

    name: str
    method: str
    path: str
    media: str
    scope: str | None
    bucket: str | None = None
    moves_money: bool = False

    @property
    def idempotent(self) -> bool:
        return self.method in ("GET", "DELETE", "PUT")


ORDERS_READ, ORDERS_WRITE = "allegro:api:orders:read", "allegro:api:orders:write"
OPERATIONS = {
    op.name: op
    for op in [
        Operation(
            "getCustomerReturns", "GET", "/order/customer-returns", BETA, ORDERS_READ, CUSTOMER_RETURNS
        ),
        Operation(
            "getCustomerReturnById",
            "GET",
            "/order/customer-returns/{id}",
            BETA,
            ORDERS_READ,
            CUSTOMER_RETURNS,
        ),
        Operation(
            "rejectCustomerReturnRefund",
            "POST",
            "/order/customer-returns/{id}/rejection",
            BETA,
            ORDERS_WRITE,
            CUSTOMER_RETURNS,
        ),
        Operation("getOrdersDetailsUsingGET", "GET", "/order/checkout-forms/{id}", PUBLIC, ORDERS_READ),
        Operation("getOrderEventsUsingGET", "GET", "/order/events", PUBLIC, ORDERS_READ),
        Operation("getOrderEventsStatisticsUsingGET", "GET", "/order/event-stats", PUBLIC, ORDERS_READ),
        Operation("getOrdersCarriersUsingGET", "GET", "/order/carriers", PUBLIC, None),
        Operation("getParcelTrackingUsingGET", "GET", "/order/carriers/{id}/tracking", PUBLIC, None),
        Operation(
            "initiateRefund",
            "POST",
            "/payments/refunds",
            PUBLIC,
            "allegro:api:payments:write",
            moves_money=True,
        ),
        Operation("getRefundedPayments", "GET", "/payments/refunds", PUBLIC, "allegro:api:payments:read"),
        Operation("createRefundApplication", "POST", "/order/refund-claims", PUBLIC, ORDERS_WRITE),
        Operation("getRefundApplications", "GET", "/order/refund-claims", PUBLIC, ORDERS_READ),
        Operation("getRefundApplication", "GET", "/order/refund-claims/{id}", PUBLIC, ORDERS_READ),
        Operation("cancelRefundApplication", "DELETE", "/order/refund-claims/{id}", PUBLIC, ORDERS_WRITE),
        Operation("getListOfIssuesUsingGET", "GET", "/sale/issues", BETA, "allegro:api:disputes"),
        Operation("getIssueUsingGET", "GET", "/sale/issues/{id}", BETA, "allegro:api:disputes"),
        Operation("getChatFromIssueUsingGET", "GET", "/sale/issues/{id}/chat", BETA, "allegro:api:disputes"),
        Operation(
            "addMessageToIssueUsingPOST", "POST", "/sale/issues/{id}/message", BETA, "allegro:api:disputes"
        ),
        Operation(
            "changeStatusOfIssueUsingPOST", "POST", "/sale/issues/{id}/status", BETA, "allegro:api:disputes"
        ),
        Operation("listThreadsGET", "GET", "/messaging/threads", PUBLIC, "allegro:api:messaging"),
        Operation(
            "listMessagesGET", "GET", "/messaging/threads/{id}/messages", PUBLIC, "allegro:api:messaging"
        ),
        Operation(
            "newMessageInThreadPOST",
            "POST",
            "/messaging/threads/{id}/messages",
            PUBLIC,
            "allegro:api:messaging",
            MESSAGE_POSTS,
        ),
        Operation(
            "newMessagePOST", "POST", "/messaging/messages", PUBLIC, "allegro:api:messaging", MESSAGE_POSTS
        ),
        Operation("meGET", "GET", "/me", PUBLIC, "allegro:api:profile:read"),
    ]
}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**attempt)]."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _error_details(response: httpx.Response) -> list[errors.ApiErrorDetail]:
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [
            errors.ApiErrorDetail(
                code=str(e.get("code") or ""),
                message=str(e.get("message") or ""),
                user_message=str(e.get("userMessage") or ""),
                path=e.get("path"),
                details=e.get("details"),
            )
            for e in body["errors"]
            if isinstance(e, dict)
        ]
    if isinstance(body, dict) and "error" in body:
        return [
            errors.ApiErrorDetail(code=str(body["error"]), message=str(body.get("error_description") or ""))
        ]
    if isinstance(body, dict) and "code" in body:  # Error403 shape
        return [
            errors.ApiErrorDetail(
                code=str(body["code"]),
                message=str(body.get("message") or ""),
                user_message=str(body.get("userMessage") or ""),
            )
        ]
    return []


STATUS_ERRORS: dict[int, type[errors.AllegroError]] = {
    400: errors.BadRequest,
    404: errors.NotFound,
    406: errors.NotAcceptable,
    409: errors.Conflict,
    422: errors.BusinessRuleViolation,
}


class AllegroClient:
    """Calls Allegro for one seller account. Thread-safe; reuse one per account and thread pool."""

    def __init__(
        self,
        *,
        base_url: str,
        tokens: TokenProvider,
        account: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        language: str = "en-US",
        limiter: RateLimiter | None = None,
        breakers: BreakerRegistry | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.account = account
        self.language = language
        self.limiter = default_limiter if limiter is None else limiter
        self.breaker = (default_breakers if breakers is None else breakers).get(account)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept-Language": language},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AllegroClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the one request path -----------------------------------------------------------------------

    def call(
        self,
        name: str,
        *,
        path_params: Mapping[str, str] | None = None,
        params: Params | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Perform one operation with retries; return the successful response or raise an AllegroError."""
        op = OPERATIONS[name]
        if op.moves_money and not (isinstance(json, dict) and json.get("commandId")):
            raise ValueError(f"{name} moves money: the body must carry a commandId reused on every retry")
        path = op.path.format(
            **{k: httpx.URL(path=v).raw_path.decode() for k, v in (path_params or {}).items()}
        )
        headers = {"Accept": op.media}
        if json is not None:
            headers["Content-Type"] = op.media
        refreshed = False
        attempt = 0
        last_error: errors.AllegroError | None = None
        while attempt < self.retry.attempts:
            self.breaker.before_call(self.account)
            self.limiter.acquire(self.account, *([op.bucket] if op.bucket else []))
            token = self.tokens.access_token()
            try:
                response = self._http.request(
                    op.method,
                    path,
                    params=params,
                    json=json,
                    headers={**headers, "Authorization": f"Bearer {token}"},
                )
            except httpx.HTTPError as exc:
                self.breaker.record_failure()
                sent = not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
                last_error = errors.TransportFailure(
                    f"{name}: {exc.__class__.__name__}: {exc}", operation=name
                )
                if sent and not (op.idempotent or op.moves_money):
                    raise last_error from exc  # the server may have acted; a blind retry could act twice
                attempt += 1
                self._pause(attempt, None, name, last_error)
                continue
            status = response.status_code
            if status == 401:
                if refreshed:
                    self.tokens.mark_needs_reconnect(f"{name}: 401 after a token refresh")
                    raise errors.NeedsReconnect(
                        f"Allegro refused the refreshed token for {name}; reconnect the account",
                        status=401,
                        errors=_error_details(response),
                        trace_id=response.headers.get("trace-id"),
                        operation=name,
                    )
                self.tokens.refresh(token)
                refreshed = True
                continue
            if status == 429 or status >= 500:
                self.breaker.record_failure()
                kind = errors.RateLimited if status == 429 else errors.ServerError
                last_error = kind(
                    f"{name}: HTTP {status}",
                    status=status,
                    errors=_error_details(response),
                    trace_id=response.headers.get("trace-id"),
                    operation=name,
                )
                if not (op.idempotent or op.moves_money or status in (429, 503)):
                    raise last_error
                attempt += 1
                self._pause(
                    attempt, retry_after_seconds(response.headers.get("Retry-After")), name, last_error
                )
                continue
            self.breaker.record_success()
            if status >= 400:
                raise self._client_error(op, response)
            return response
        assert last_error is not None
        raise last_error

    def _pause(self, attempt: int, retry_after: float | None, name: str, error: errors.AllegroError) -> None:
        if attempt >= self.retry.attempts:
            return
        delay = self.retry.backoff(attempt, self._rng)
        if retry_after is not None:
            delay = max(delay, retry_after)
        logger.info("Allegro %s failed (%s); retry %d in %.2fs", name, error, attempt, delay)
        self._sleep(delay)

    def _client_error(self, op: Operation, response: httpx.Response) -> errors.AllegroError:
        details = _error_details(response)
        trace_id = response.headers.get("trace-id")
        status = response.status_code
        summary = "; ".join(f"{d.code}: {d.message}" for d in details) or response.reason_phrase
        if status == 403:
            scope = op.scope
            hint = (
                f"the account's token lacks the scope {scope!r}; reconnect the account and grant it"
                if scope
                else "the resource does not belong to this account"
            )
            return errors.AccessDenied(
                f"Allegro denied {op.name} ({summary}): {hint}",
                missing_scope=scope,
                status=403,
                errors=details,
                trace_id=trace_id,
                operation=op.name,
            )
        kind = STATUS_ERRORS.get(status, errors.AllegroError)
        return kind(
            f"{op.name}: HTTP {status}: {summary}",
            status=status,
            errors=details,
            trace_id=trace_id,
            operation=op.name,
        )

    def _json(self, name: str, **kwargs: Any) -> Any:
        return self.call(name, **kwargs).json()

    # --- customer returns ---------------------------------------------------------------------------

    def customer_returns(
        self,
        *,
        limit: int = 100,
        offset: int | None = None,
        from_id: str | None = None,
        created_at_gte: datetime | None = None,
        status: str | None = None,
        return_ids: Sequence[str] = (),
        order_id: str | None = None,
    ) -> CustomerReturnsPage:
        params: Params = [("limit", limit)]
        if offset is not None:
            params.append(("offset", offset))
        if from_id:
            params.append(("from", from_id))
        if created_at_gte is not None:
            params.append(("createdAt.gte", _iso(created_at_gte)))
        if status:
            params.append(("status", status))
        if order_id:
            params.append(("orderId", order_id))
        params.extend(("customerReturnId", rid) for rid in return_ids)
        body = self._json("getCustomerReturns", params=params)
        raw = body.get("customerReturns") or []
        return CustomerReturnsPage(raw=raw, count=int(body.get("count", len(raw))))

    def customer_return(self, return_id: str) -> CustomerReturn:
        return CustomerReturn.model_validate(
            self._json("getCustomerReturnById", path_params={"id": return_id})
        )

    def reject_customer_return(
        self, return_id: str, *, code: str, reason: str | None = None
    ) -> CustomerReturn:
        rejection: dict[str, Any] = {"code": code}
        if reason:
            rejection["reason"] = reason
        body = self._json(
            "rejectCustomerReturnRefund", path_params={"id": return_id}, json={"rejection": rejection}
        )
        return CustomerReturn.model_validate(body)

    # --- orders -------------------------------------------------------------------------------------

    def checkout_form_raw(self, order_id: str) -> dict[str, Any]:
        body = self._json("getOrdersDetailsUsingGET", path_params={"id": order_id})
        if not isinstance(body, dict):
            raise errors.AllegroError(
                f"checkout form {order_id}: unexpected body", operation="getOrdersDetailsUsingGET"
            )
        return body

    def checkout_form(self, order_id: str) -> CheckoutForm:
        return CheckoutForm.model_validate(self.checkout_form_raw(order_id))

    def order_events(
        self, *, from_id: str | None = None, types: Sequence[str] = (), limit: int = 100
    ) -> OrderEventsPage:
        params: Params = [("limit", limit)]
        if from_id:
            params.append(("from", from_id))
        params.extend(("type", t) for t in types)
        return OrderEventsPage.model_validate(self._json("getOrderEventsUsingGET", params=params))

    def order_event_stats(self) -> OrderEventStats:
        return OrderEventStats.model_validate(self._json("getOrderEventsStatisticsUsingGET"))

    def carriers(self) -> CarriersList:
        return CarriersList.model_validate(self._json("getOrdersCarriersUsingGET"))

    def tracking(self, carrier_id: str, waybills: Sequence[str]) -> CarrierTracking:
        if not 1 <= len(waybills) <= 20:
            raise ValueError("Allegro tracks 1 to 20 waybills per call")
        return CarrierTracking.model_validate(
            self._json(
                "getParcelTrackingUsingGET",
                path_params={"id": carrier_id},
                params=[("waybill", w) for w in waybills],
            )
        )

    # --- money --------------------------------------------------------------------------------------

    def initiate_refund(
        self,
        *,
        command_id: str,
        payment_id: str,
        order_id: str,
        reason: str,
        line_items: Sequence[Mapping[str, Any]] = (),
        delivery: Price | None = None,
        seller_comment: str | None = None,
    ) -> RefundDetails:
        """POST /payments/refunds. `command_id` must be derived from the business decision, so any retry —
        here or after a crash — sends the same one and Allegro executes the refund at most once."""
        body: dict[str, Any] = {
            "payment": {"id": payment_id},
            "order": {"id": order_id},
            "commandId": command_id,
            "reason": reason,
        }
        if line_items:
            body["lineItems"] = [dict(li) for li in line_items]
        if delivery is not None:
            body["delivery"] = {"value": {"amount": f"{delivery.amount}", "currency": delivery.currency}}
        if seller_comment:
            body["sellerComment"] = seller_comment[:250]
        return RefundDetails.model_validate(self._json("initiateRefund", json=body))

    def refunds(
        self,
        *,
        order_id: str | None = None,
        payment_id: str | None = None,
        statuses: Sequence[str] = (),
        occurred_from: datetime | None = None,
        occurred_to: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> RefundList:
        params: Params = [("limit", limit), ("offset", offset)]
        if order_id:
            params.append(("order.id", order_id))
        if payment_id:
            params.append(("payment.id", payment_id))
        params.extend(("status", s) for s in statuses)
        if occurred_from is not None:
            params.append(("occurredAt.gte", _iso(occurred_from)))
        if occurred_to is not None:
            params.append(("occurredAt.lte", _iso(occurred_to)))
        return RefundList.model_validate(self._json("getRefundedPayments", params=params))

    def create_refund_claim(self, *, line_item_id: str, quantity: int) -> str:
        body = self._json(
            "createRefundApplication", json={"lineItem": {"id": line_item_id}, "quantity": quantity}
        )
        return str(body["id"])

    def refund_claims(
        self, *, status: str | None = None, limit: int = 25, offset: int = 0
    ) -> RefundClaimList:
        params: Params = [("limit", limit), ("offset", offset)]
        if status:
            params.append(("status", status))
        return RefundClaimList.model_validate(self._json("getRefundApplications", params=params))

    def refund_claim(self, claim_id: str) -> RefundClaim:
        return RefundClaim.model_validate(self._json("getRefundApplication", path_params={"id": claim_id}))

    def cancel_refund_claim(self, claim_id: str) -> None:
        self.call("cancelRefundApplication", path_params={"id": claim_id})

    # --- post-purchase issues -----------------------------------------------------------------------

    def issues(
        self,
        *,
        checkout_form_id: str | None = None,
        statuses: Sequence[str] = (),
        limit: int = 10,
        offset: int = 0,
    ) -> IssueList:
        params: Params = [("limit", limit), ("offset", offset)]
        if checkout_form_id:
            params.append(("checkoutForm.id", checkout_form_id))
        params.extend(("status", s) for s in statuses)
        return IssueList.model_validate(self._json("getListOfIssuesUsingGET", params=params))

    def issues_raw(self, *, limit: int = 10, offset: int = 0) -> list[dict[str, Any]]:
        """The issues of one page exactly as Allegro sent them (newest first), for snapshots."""
        body = self._json("getListOfIssuesUsingGET", params=[("limit", limit), ("offset", offset)])
        issues = body.get("issues") if isinstance(body, dict) else None
        return [i for i in issues or [] if isinstance(i, dict)]

    def issue_raw(self, issue_id: str) -> dict[str, Any]:
        body = self._json("getIssueUsingGET", path_params={"id": issue_id})
        if not isinstance(body, dict):
            raise errors.AllegroError(f"issue {issue_id}: unexpected body", operation="getIssueUsingGET")
        return body

    def issue_chat_raw(self, issue_id: str, *, page: int = 100) -> list[dict[str, Any]]:
        """The whole chat of an issue, oldest first, as Allegro sent it (all pages, `page` per call)."""
        messages: list[dict[str, Any]] = []
        seen: set[str] = set()
        offset = 0
        while True:
            body = self._json(
                "getChatFromIssueUsingGET",
                path_params={"id": issue_id},
                params=[("limit", page), ("offset", offset)],
            )
            chunk = [
                m for m in (body.get("chat") if isinstance(body, dict) else None) or [] if isinstance(m, dict)
            ]
            for message in chunk:
                key = str(message.get("id", ""))
                if key not in seen:  # a repeated item is dropped
                    seen.add(key)
                    messages.append(message)
            if len(chunk) < page:
                return messages
            offset += page

    def issue(self, issue_id: str) -> PostPurchaseIssue:
        return PostPurchaseIssue.model_validate(self._json("getIssueUsingGET", path_params={"id": issue_id}))

    def issue_chat(self, issue_id: str, *, limit: int = 100, offset: int = 0) -> IssueChat:
        return IssueChat.model_validate(
            self._json(
                "getChatFromIssueUsingGET",
                path_params={"id": issue_id},
                params=[("limit", limit), ("offset", offset)],
            )
        )

    def issue_message(self, issue_id: str, *, text: str, type_: str = "REGULAR") -> IssueMessage:
        # The schema marks `attachment` as required although the description says text suffices.
        body = {"text": text, "type": type_, "attachment": None}
        return IssueMessage.model_validate(
            self._json("addMessageToIssueUsingPOST", path_params={"id": issue_id}, json=body)
        )

    def issue_decide(
        self, issue_id: str, *, status: str, message: str, partial_refund: Price | None = None
    ) -> None:
        body: dict[str, Any] = {"status": status, "message": message}
        if partial_refund is not None:
            body["partialRefund"] = {
                "amount": f"{partial_refund.amount}",
                "currency": partial_refund.currency,
            }
        self.call("changeStatusOfIssueUsingPOST", path_params={"id": issue_id}, json=body)

    # --- messaging and profile ----------------------------------------------------------------------

    def threads(self, *, limit: int = 20, offset: int = 0) -> ThreadList:
        return ThreadList.model_validate(
            self._json("listThreadsGET", params=[("limit", limit), ("offset", offset)])
        )

    def thread_messages(self, thread_id: str, *, limit: int = 20, offset: int = 0) -> MessageList:
        return MessageList.model_validate(
            self._json(
                "listMessagesGET",
                path_params={"id": thread_id},
                params=[("limit", limit), ("offset", offset)],
            )
        )

    def post_thread_message(self, thread_id: str, *, text: str) -> Message:
        return Message.model_validate(
            self._json("newMessageInThreadPOST", path_params={"id": thread_id}, json={"text": text})
        )

    def new_message(self, *, login: str, order_id: str, text: str) -> Message:
        """A message to a buyer outside an existing thread; Allegro requires the order it is about."""
        body = {"recipient": {"login": login}, "text": text, "order": {"id": order_id}}
        return Message.model_validate(self._json("newMessagePOST", json=body))

    def me(self) -> Me:
        return Me.model_validate(self._json("meGET"))


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

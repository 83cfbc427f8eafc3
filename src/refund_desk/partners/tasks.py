"""Background work of the partners app. Deliveries run here, after commit, never in a request."""

from __future__ import annotations

from django.utils import timezone

from refund_desk.core.effects import task
from refund_desk.core.schedules import periodic
from refund_desk.partners import services


@task("partners.webhook_deliver")
def webhook_deliver_task(delivery_id: int) -> None:
    delivery = services.webhook_deliver(delivery_id=delivery_id)
    if delivery.status == "PENDING":
        delay = max(1, int((delivery.next_attempt_at - timezone.now()).total_seconds()))
        webhook_deliver_task.schedule((delivery_id,), delay=min(delay, 8 * 3600))


@periodic("partners.webhooks_deliver")
def webhook_deliver_due_task() -> None:
    services.webhook_deliver_due()


@periodic("partners.case_events_publish")
def case_events_publish_task() -> None:
    services.case_events_publish()
